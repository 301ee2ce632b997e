"""Supervised cross-entropy on (prompt, completion) pairs, loss on completion tokens only.

Used by RFT (on the completions it keeps) and by the toy task's warm start.
"""

from __future__ import annotations

import torch


def sft_batch(tokenizer, prompts: list[str], completions: list[str], device) -> dict[str, torch.Tensor]:
    """Right-padded input_ids / attention_mask and labels (-100 on prompt and padding)."""
    ids, labels = [], []
    for prompt, completion in zip(prompts, completions):
        p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        c = tokenizer(completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        ids.append(p + c)
        labels.append([-100] * len(p) + c)
    width = max(len(x) for x in ids)
    input_ids = torch.full((len(ids), width), tokenizer.pad_token_id, dtype=torch.long)  # [B, L]
    label_ids = torch.full((len(ids), width), -100, dtype=torch.long)  # [B, L]
    attention = torch.zeros((len(ids), width), dtype=torch.long)  # [B, L]
    for i, (x, y) in enumerate(zip(ids, labels)):
        input_ids[i, : len(x)] = torch.tensor(x)
        label_ids[i, : len(y)] = torch.tensor(y)
        attention[i, : len(x)] = 1
    return {"input_ids": input_ids.to(device), "attention_mask": attention.to(device), "labels": label_ids.to(device)}


def sft_loss(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Mean cross-entropy over the completion tokens (transformers shifts the labels)."""
    return model(**batch).loss
