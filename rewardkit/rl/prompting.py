"""Turning a dataset's prompt (a string, or a list of chat messages as in TRL's conversational
format) into the text the policy continues: the prompt template, the system prompt and the
tokenizer's chat template, applied once when the prompts are loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rewardkit.errors import DataError

ROLES = ("system", "user", "assistant")


class PromptError(ValueError):
    """A row's prompt cannot be used (it is counted as invalid and skipped)."""


@dataclass(frozen=True)
class PromptFormat:
    """How prompts become model input. ``chat_template`` None: only message lists (or a system
    prompt) go through the chat template, so a plain-text model sees its prompts unchanged."""

    chat_template: bool | None = None
    system_prompt: str | None = None
    prompt_template: str | None = None
    template_kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config) -> PromptFormat:
        return cls(config.chat_template, config.system_prompt, config.prompt_template, config.chat_template_kwargs)

    def render(self, prompt: Any, tokenizer) -> tuple[str, str]:
        """The model input text and the user's question (what graders see as the prompt)."""
        if isinstance(prompt, str):
            if not prompt:
                raise PromptError("empty prompt")
            question = self._templated(prompt)
            if not (self.chat_template or self.system_prompt is not None):
                return question, question
            messages = [{"role": "user", "content": question}]
        elif isinstance(prompt, list):
            if self.chat_template is False:
                raise PromptError("a list of messages, but chat_template is false")
            messages = self._messages(prompt)
            question = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        else:
            raise PromptError(f"a prompt must be a string or a list of messages, not {type(prompt).__name__}")
        if self.system_prompt is not None and messages[0]["role"] != "system":
            messages = [{"role": "system", "content": self.system_prompt}, *messages]
        if getattr(tokenizer, "chat_template", None) is None:
            raise DataError("chat_template: the tokenizer has no chat template (message prompts and system_prompt "
                            "need one)")
        continue_final = messages[-1]["role"] == "assistant"  # a prefilled answer is continued, as TRL does
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=not continue_final,
                                             continue_final_message=continue_final, **self.template_kwargs)
        return text, question

    def _messages(self, prompt: list) -> list[dict[str, str]]:
        if not prompt:
            raise PromptError("an empty list of messages")
        messages = []
        for m in prompt:
            if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
                raise PromptError(f"a message must be {{role: {'|'.join(ROLES)}, content: text}}, got {m!r:.80}")
            messages.append({"role": m["role"], "content": m["content"]})
        last_user = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=None)
        if last_user is None:
            raise PromptError("no user message")
        messages[last_user]["content"] = self._templated(messages[last_user]["content"])
        return messages

    def _templated(self, text: str) -> str:
        return self.prompt_template.replace("{prompt}", text) if self.prompt_template else text
