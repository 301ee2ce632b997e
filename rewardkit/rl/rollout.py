"""Sampling completions and scoring their tokens: batched ``generate`` with a KV cache and left padding."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Rollouts:
    """A batch of completions, completions of one prompt adjacent (tensors on the CPU)."""

    prompt_ids: torch.Tensor  # [B, P] left-padded prompt tokens
    prompt_mask: torch.Tensor  # [B, P]
    completion_ids: torch.Tensor  # [B, T] right-padded completion tokens (eos included)
    completion_mask: torch.Tensor  # [B, T] 1 up to and including the first eos
    truncated: torch.Tensor  # [B] bool: no eos within max_new_tokens
    texts: list[str]  # decoded completions (special tokens dropped)

    @property
    def lengths(self) -> torch.Tensor:  # [B]
        return self.completion_mask.sum(dim=1)


def completion_mask(completion_ids: torch.Tensor, eos_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """[B, T] mask up to and including the first eos, and [B] truncated (no eos) flags."""
    is_eos = completion_ids == eos_id  # [B, T]
    has_eos = is_eos.any(dim=1)  # [B]
    first = torch.where(has_eos, is_eos.int().argmax(dim=1), torch.full_like(has_eos, completion_ids.shape[1],
                                                                              dtype=torch.long))  # [B]
    positions = torch.arange(completion_ids.shape[1], device=completion_ids.device).unsqueeze(0)  # [1, T]
    return (positions <= first.unsqueeze(1)).long(), ~has_eos


def pad_cat(tensors: list[torch.Tensor], value: int, left: bool) -> torch.Tensor:
    """Concatenate [b_i, L_i] tensors along dim 0, padding to the longest L (left or right)."""
    width = max(t.shape[1] for t in tensors)
    padded = []
    for t in tensors:
        pad = torch.full((t.shape[0], width - t.shape[1]), value, dtype=t.dtype, device=t.device)
        padded.append(torch.cat([pad, t] if left else [t, pad], dim=1))
    return torch.cat(padded, dim=0)


def rollouts_from_ids(prompt_ids: list[list[int]], completions: list[tuple[list[int], bool]], tokenizer) -> Rollouts:
    """Rollouts from token-id lists, as an inference engine returns them: one prompt per completion,
    and each completion's ids with whether it stopped by itself (an eos is appended where the
    engine left it out, so that a stopped completion is never taken for a truncated one)."""
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    ids = [list(c) + ([eos] if stopped and (not c or c[-1] != eos) else []) for c, stopped in completions]

    def row(seq: list[int]) -> torch.Tensor:  # [1, L]
        return torch.tensor([seq or [pad]], dtype=torch.long)

    prompts = pad_cat([row(p) for p in prompt_ids], pad, left=True)  # [B, P]
    prompt_mask = pad_cat([torch.ones(1, len(p), dtype=torch.long) for p in prompt_ids], 0, left=True)  # [B, P]
    completion_ids = pad_cat([row(c) for c in ids], pad, left=False)  # [B, T]
    return _rollouts(prompts, prompt_mask, completion_ids, tokenizer)


def _rollouts(prompt_ids: torch.Tensor, prompt_mask: torch.Tensor, completion_ids: torch.Tensor, tokenizer) -> Rollouts:
    """Rollouts on the CPU (beside their rewards; the update moves each micro-batch to the device)
    from sampled ids: everything after a completion's first eos becomes padding."""
    mask, truncated = completion_mask(completion_ids, tokenizer.eos_token_id)  # [B, T], [B]
    completion_ids = torch.where(mask.bool(), completion_ids, torch.full_like(completion_ids, tokenizer.pad_token_id))
    texts = tokenizer.batch_decode(completion_ids, skip_special_tokens=True)
    return Rollouts(*(t.cpu() for t in (prompt_ids, prompt_mask, completion_ids, mask, truncated)), texts)


@torch.no_grad()
def generate(model, tokenizer, prompts: list[str], num_generations: int, max_new_tokens: int,
             temperature: float = 1.0, top_p: float = 1.0, do_sample: bool = True) -> Rollouts:
    """num_generations completions of every prompt (in prompt order, each prompt's group adjacent)."""
    device = next(model.parameters()).device
    tokenizer.padding_side = "left"
    encoded = tokenizer([p for p in prompts for _ in range(num_generations)], return_tensors="pt", padding=True,
                        add_special_tokens=False).to(device)
    output = model.generate(
        **encoded, max_new_tokens=max_new_tokens, do_sample=do_sample, temperature=temperature if do_sample else None,
        top_p=top_p if do_sample else None, top_k=0 if do_sample else None, use_cache=True,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
    )  # [B, P + T']
    completion_ids = output[:, encoded["input_ids"].shape[1]:]  # [B, T']
    if completion_ids.shape[1] == 0:
        completion_ids = torch.full((output.shape[0], 1), tokenizer.eos_token_id, device=device)
    return _rollouts(encoded["input_ids"], encoded["attention_mask"], completion_ids, tokenizer)


def token_logprobs(model, prompt_ids: torch.Tensor, prompt_mask: torch.Tensor, completion_ids: torch.Tensor,
                   completion_mask: torch.Tensor, with_entropy: bool = False):
    """Log-probs of the completion tokens [B, T] under ``model`` (and their entropy [B, T] if asked)."""
    input_ids = torch.cat([prompt_ids, completion_ids], dim=1)  # [B, P + T]
    attention = torch.cat([prompt_mask, completion_mask], dim=1)  # [B, P + T]
    positions = (attention.cumsum(dim=1) - 1).clamp(min=0)  # left padding: positions start at the first token
    logits = model(input_ids=input_ids, attention_mask=attention, position_ids=positions).logits  # [B, P+T, V]
    logits = logits[:, prompt_ids.shape[1] - 1: -1].float()  # [B, T, V] predicting each completion token
    logps = torch.log_softmax(logits, dim=-1)  # [B, T, V]
    chosen = logps.gather(-1, completion_ids.unsqueeze(-1)).squeeze(-1)  # [B, T]
    if not with_entropy:
        return chosen
    entropy = -(logps.exp() * logps).sum(dim=-1)  # [B, T]
    return chosen, entropy
