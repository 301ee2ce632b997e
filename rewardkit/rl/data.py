"""Prompts and references for training, read with the same readers as offline scoring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from rewardkit.errors import DataError
from rewardkit.rl.prompting import PromptError, PromptFormat
from rewardkit.scoring.badline import BadLine
from rewardkit.scoring.fields import _MISSING, get_path
from rewardkit.scoring.readers import Input
from rewardkit.scoring.rows import decode


class PromptItem(NamedTuple):
    """One usable prompt: what the model continues, its reference, and what the graders see."""

    text: str  # the model input (chat template applied where configured)
    reference: object
    question: str  # the user's prompt, given to graders as the sample's prompt
    max_new_tokens: int  # this prompt's completion length cap


@dataclass
class Prompts:
    items: list[PromptItem]
    skipped_too_long: int
    skipped_invalid: int


def load_prompts(path: str, prompt_field: str, reference_field: str, tokenizer, max_prompt_tokens: int,
                 prompt_format: PromptFormat | None = None, max_new_tokens: int = 256,
                 max_new_tokens_field: str | None = None) -> Prompts:
    """Every usable prompt; prompts over the token limit (after formatting) and broken rows are
    counted, not kept. A per-row cap (``max_new_tokens_field``) above ``max_new_tokens`` is lowered to it."""
    prompt_format = prompt_format or PromptFormat()
    items, too_long, invalid, first_problem = [], 0, 0, ""
    for raw in Input(path).rows():
        row = decode(raw)
        prompt = _MISSING if isinstance(row, BadLine) else get_path(row, prompt_field)
        try:
            text, question = prompt_format.render(prompt, tokenizer)
            cap = _cap(row, max_new_tokens_field, max_new_tokens)
        except PromptError as exc:
            first_problem = first_problem or f"; first: {exc}"
            invalid += 1
            continue
        if len(tokenizer(text, add_special_tokens=False)["input_ids"]) > max_prompt_tokens:
            too_long += 1
            continue
        reference = get_path(row, reference_field)
        items.append(PromptItem(text, None if reference is _MISSING else reference, question, cap))
    if not items:
        raise DataError(f"{path}: no usable prompts ({too_long} too long, {invalid} without a usable '{prompt_field}'{first_problem})")
    return Prompts(items, too_long, invalid)


def _cap(row, field: str | None, max_new_tokens: int) -> int:
    if field is None:
        return max_new_tokens
    value = get_path(row, field)
    if value is _MISSING or value is None:
        return max_new_tokens
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise PromptError(f"{field} must be a positive integer, got {value!r:.40}")
    return min(value, max_new_tokens)


def load_run_prompts(config, tokenizer) -> tuple[Prompts, list[PromptItem]]:
    """The training prompts and the first ``eval_samples`` held-out prompts (none without eval_prompts)."""
    prompt_format = PromptFormat.from_config(config)

    def load(path: str) -> Prompts:
        return load_prompts(path, config.prompt_field, config.reference_field, tokenizer, config.max_prompt_tokens,
                            prompt_format, config.max_new_tokens, config.max_new_tokens_field)

    held_out = load(config.eval_prompts).items[: config.eval_samples] if config.eval_prompts else []
    return load(config.prompts), held_out
