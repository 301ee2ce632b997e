"""The one response cleaner: every adapter and the server grade only what the model wrote.

Trainers hand rewardkit more than the model's answer: OpenRLHF sends the prompt and the response
decoded with special tokens kept (``#### 42<|im_end|>``), and its prompt may have been cut from the
left; TRL sends chat messages whose last one may be a tool's output (a tool call cut off before the
model answered), whose content may be a list of blocks and whose reasoning may sit in its own field.
``ResponseCleaner`` turns each of these into the text the model wrote, or into the reason it cannot
(``Cleaned.error``), which the adapters report as a grade of 0 instead of grading something else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# End-of-turn / end-of-sequence markers of common chat templates: the model's turn ends at the first one.
END_MARKERS = (
    "<|im_end|>", "<|endoftext|>", "</s>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|end|>",
    "<end_of_turn>", "<eos>", "<|return|>", "<|call|>", "<｜end▁of▁sentence｜>", "<|end▁of▁sentence|>",
)
# Other special tokens of common chat templates, removed wherever they appear in a response.
OTHER_SPECIAL_TOKENS = (
    "<|im_start|>", "<s>", "<bos>", "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
    "<start_of_turn>", "<pad>", "<|pad|>", "<|finetune_right_pad_id|>", "<|start|>", "<|channel|>",
    "<|message|>", "<｜begin▁of▁sentence｜>", "<｜Assistant｜>", "<｜User｜>",
)
REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")
ANCHOR_CHARS = 64  # how much of the prompt's end is searched for in a query whose prompt was cut

PROMPT_NOT_FOUND = "prompt_not_found"
NO_FINAL_ANSWER = "no_final_answer"


@dataclass(frozen=True)
class Cleaned:
    """What the model wrote (``response``, its separate ``reasoning``), or why nothing can be graded."""

    response: str | None
    reasoning: str | None = None
    error: str | None = None
    reason: str = ""

    def sample(self, reference: Any = None, prompt: Any = None, metadata: Mapping[str, Any] | None = None) -> dict:
        """The sample dict to grade (only for a ``Cleaned`` without error)."""
        meta = dict(metadata or {})
        if self.reasoning:
            meta["reasoning"] = self.reasoning
        out: dict[str, Any] = {"response": self.response, "reference": reference}
        if isinstance(prompt, str):
            out["prompt"] = prompt
        if meta:
            out["metadata"] = meta
        return out


def refused(error: str, reason: str) -> Cleaned:
    return Cleaned(response=None, error=error, reason=reason)


class ResponseCleaner:
    """Strips special tokens, takes the last assistant message, finds the response after a prompt.

    ``special_tokens`` (an explicit list) or ``tokenizer`` (a local tokenizer path, read with
    transformers) replace the built-in list of common chat markers. The response ends at the first
    end-of-turn token (the tokenizer's eos/pad tokens and the common end markers it knows); the other
    special tokens are removed.
    """

    def __init__(self, special_tokens: Sequence[str] | None = None, tokenizer: str | None = None):
        if special_tokens is not None and tokenizer is not None:
            raise ValueError("give special_tokens or tokenizer, not both")
        if tokenizer is not None:
            ends, others = _tokens_of(tokenizer)
        elif special_tokens is not None:
            if isinstance(special_tokens, str) or not all(isinstance(t, str) and t for t in special_tokens):
                raise ValueError("special_tokens must be a list of non-empty strings")
            ends = [t for t in special_tokens if t in END_MARKERS]
            others = [t for t in special_tokens if t not in END_MARKERS]
        else:
            ends, others = list(END_MARKERS), list(OTHER_SPECIAL_TOKENS)
        self.end_tokens = tuple(dict.fromkeys(ends))
        self.other_tokens = tuple(t for t in dict.fromkeys(others) if t not in self.end_tokens)
        # A literal alternation, longest first: linear in the text for a fixed token list.
        self._others = (re.compile("|".join(map(re.escape, sorted(self.other_tokens, key=len, reverse=True))))
                        if self.other_tokens else None)

    def __repr__(self) -> str:
        return f"ResponseCleaner(end_tokens={self.end_tokens!r}, other_tokens={len(self.other_tokens)})"

    def strip_special(self, text: str) -> str:
        """The text up to its first end-of-turn token, with the other special tokens removed."""
        cut = len(text)
        for token in self.end_tokens:
            at = text.find(token, 0, cut)
            if at != -1:
                cut = at
        text = text[:cut]
        return self._others.sub("", text) if self._others is not None else text

    def text(self, response: Any) -> Cleaned:
        """A response given as text (or as chat messages) cleaned of special tokens."""
        if isinstance(response, (list, dict)):
            return self.messages(response)
        if not isinstance(response, str):
            return refused("invalid_response", f"a response must be text or chat messages, not {type(response).__name__}")
        return Cleaned(self.strip_special(response))

    def messages(self, completion: Any) -> Cleaned:
        """The last assistant message of a conversational completion: its text and its reasoning.

        A completion whose last message is not the assistant's (a tool's output after a tool call
        that was cut off) or whose last assistant message still waits on tool calls has no final
        answer: nothing is graded.
        """
        message = completion[-1] if isinstance(completion, list) and completion else completion
        if not isinstance(message, Mapping):
            return refused("invalid_response", "a conversational completion must be a list of message objects")
        role = message.get("role", "assistant")
        if role != "assistant":
            return refused(NO_FINAL_ANSWER, f"the last message is the {role}'s, not the model's final answer")
        if message.get("tool_calls"):
            return refused(NO_FINAL_ANSWER, "the last assistant message waits on tool calls; no final answer")
        text = content_text(message.get("content"))
        if text is None:
            return refused("invalid_response", "message content must be text or a list of text blocks")
        reasoning = next((content_text(message[k]) for k in REASONING_FIELDS if message.get(k)), None)
        return Cleaned(self.strip_special(text), self.strip_special(reasoning) if reasoning else None)

    def after_prompt(self, query: Any, prompt: Any) -> Cleaned:
        """The response in ``query`` = (possibly left-truncated) prompt + response, cleaned.

        The prompt is found as a prefix of the query; else (the prompt was cut from the left) by the
        last place its final characters occur; else by the longest end of the prompt that starts the
        query. Each way the boundary found is at or after the real one, so prompt text is never
        graded; when no way finds it the query is refused with ``prompt_not_found``.
        """
        if not isinstance(query, str):
            return refused("invalid_response", f"a query must be text, not {type(query).__name__}")
        if not isinstance(prompt, str) or not prompt:
            return Cleaned(self.strip_special(query))  # no prompt given: the query is the response
        start = prompt_end(query, prompt)
        if start is None:
            return refused(PROMPT_NOT_FOUND, "the prompt (or its end) was not found in the query; nothing graded")
        return Cleaned(self.strip_special(query[start:]))


def prompt_end(query: str, prompt: str) -> int | None:
    """Where the response starts in ``query``, or None; see ``ResponseCleaner.after_prompt``."""
    if query.startswith(prompt):
        return len(prompt)
    anchor = prompt[-ANCHOR_CHARS:]
    at = query.rfind(anchor)
    if at != -1:
        return at + len(anchor)
    # Less than ANCHOR_CHARS of the prompt is left. A cut inside a multi-byte character decodes as U+FFFD.
    head = len(query) - len(query.lstrip("\ufffd"))
    for k in range(min(len(anchor) - 1, len(query) - head), 0, -1):
        if query.startswith(prompt[-k:], head):
            return head + k
    return None


def content_text(content: Any) -> str | None:
    """Message content as text: a string, or the text blocks of a list joined; None if neither."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, Mapping):
                if block.get("type", "text") == "text" and isinstance(block.get("text"), str):
                    parts.append(block["text"])
            else:
                return None
        return "".join(parts)
    return None


def _tokens_of(path: str) -> tuple[list[str], list[str]]:
    """End-of-turn and other special tokens of a local tokenizer."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    special = [t for t in tokenizer.all_special_tokens if t]
    special += [t.content for t in getattr(tokenizer, "added_tokens_decoder", {}).values()
                if getattr(t, "special", False) and t.content not in special]
    ends = [t for t in (tokenizer.eos_token, tokenizer.pad_token) if t]
    ends += [t for t in special if t in END_MARKERS]
    return ends, [t for t in special if t not in ends]


@dataclass
class CleanBatch:
    """Cleaned samples ready to grade, and the refusals kept in place: one record per input."""

    cleaned: list[Cleaned]
    samples: list[dict] = field(default_factory=list)

    @classmethod
    def build(cls, cleaned: Iterable[Cleaned], references: Iterable[Any], prompts: Iterable[Any],
              metadata: Iterable[Mapping[str, Any] | None] | None = None) -> CleanBatch:
        cleaned = list(cleaned)
        metadata = metadata if metadata is not None else [None] * len(cleaned)
        samples = [c.sample(ref, prompt, meta) for c, ref, prompt, meta in zip(cleaned, references, prompts, metadata)
                   if c.error is None]
        return cls(cleaned, samples)

    def merge(self, records: list[dict]) -> list[dict]:
        """The graded records of ``samples`` with a score-0 record for each refusal, in input order."""
        graded = iter(records)
        return [next(graded) if c.error is None else
                {"id": None, "score": 0.0, "passed": False, "reason": c.reason, "error": c.error,
                 "extracted": None, "parts": {}}
                for c in self.cleaned]
