"""Supervised cross-entropy on (prompt, completion) pairs, loss on completion tokens only.

Used by RFT (on the completions it keeps) and by the toy task's warm start.
"""

from __future__ import annotations

import torch


def sft_batch(tokenizer, prompts: list[str], completions: list[str], device) -> dict[str, torch.Tensor]:
    """The batch of ``sft_batch_from_ids`` for texts (each completion followed by eos)."""
    prompt_ids = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
    completion_ids = [tokenizer(c, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
                      for c in completions]
    return sft_batch_from_ids(prompt_ids, completion_ids, tokenizer.pad_token_id, device)


def sft_batch_from_ids(prompt_ids: list[list[int]], completion_ids: list[list[int]], pad_id: int,
                       device) -> dict[str, torch.Tensor]:
    """Right-padded input_ids / attention_mask and labels (-100 on prompt and padding)."""
    ids = [p + c for p, c in zip(prompt_ids, completion_ids)]
    width = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)  # [B, L]
    label_ids = torch.full((len(ids), width), -100, dtype=torch.long)  # [B, L]
    attention = torch.zeros((len(ids), width), dtype=torch.long)  # [B, L]
    for i, (p, c) in enumerate(zip(prompt_ids, completion_ids)):
        input_ids[i, : len(p) + len(c)] = torch.tensor(p + c)
        label_ids[i, len(p): len(p) + len(c)] = torch.tensor(c)
        attention[i, : len(p) + len(c)] = 1
    return {"input_ids": input_ids.to(device), "attention_mask": attention.to(device), "labels": label_ids.to(device)}


def sft_loss(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Mean cross-entropy over the completion tokens (transformers shifts the labels)."""
    return model(**batch).loss
