"""Prompts and references for training, read with the same readers as offline scoring."""

from __future__ import annotations

from dataclasses import dataclass

from rewardkit.errors import DataError
from rewardkit.scoring.badline import BadLine
from rewardkit.scoring.fields import _MISSING, get_path
from rewardkit.scoring.readers import Input
from rewardkit.scoring.rows import decode


@dataclass
class Prompts:
    items: list[tuple[str, object]]  # (prompt text, reference)
    skipped_too_long: int
    skipped_invalid: int


def load_prompts(path: str, prompt_field: str, reference_field: str, tokenizer, max_prompt_tokens: int) -> Prompts:
    """Every usable (prompt, reference); prompts over the token limit and broken rows are counted, not kept."""
    items, too_long, invalid = [], 0, 0
    for raw in Input(path).rows():
        row = decode(raw)
        prompt = _MISSING if isinstance(row, BadLine) else get_path(row, prompt_field)
        if not isinstance(prompt, str) or not prompt:
            invalid += 1
            continue
        if len(tokenizer(prompt, add_special_tokens=False)["input_ids"]) > max_prompt_tokens:
            too_long += 1
            continue
        reference = get_path(row, reference_field)
        items.append((prompt, None if reference is _MISSING else reference))
    if not items:
        raise DataError(f"{path}: no usable prompts ({too_long} too long, {invalid} without a '{prompt_field}')")
    return Prompts(items, too_long, invalid)


def load_run_prompts(config, tokenizer) -> tuple[Prompts, list[tuple[str, object]]]:
    """The training prompts and the first ``eval_samples`` held-out prompts (none without eval_prompts)."""
    def load(path: str) -> Prompts:
        return load_prompts(path, config.prompt_field, config.reference_field, tokenizer, config.max_prompt_tokens)

    held_out = load(config.eval_prompts).items[: config.eval_samples] if config.eval_prompts else []
    return load(config.prompts), held_out
