"""Sampling completions and scoring their tokens: batched ``generate`` with a KV cache and left padding."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from rewardkit.cleaning import ResponseCleaner


@dataclass
class Rollouts:
    """A batch of completions, completions of one prompt adjacent (tensors on the CPU)."""

    prompt_ids: torch.Tensor  # [B, P] left-padded prompt tokens
    prompt_mask: torch.Tensor  # [B, P]
    completion_ids: torch.Tensor  # [B, T] right-padded completion tokens (eos included)
    completion_mask: torch.Tensor  # [B, T] 1 up to and including the first eos
    truncated: torch.Tensor  # [B] bool: no eos within max_new_tokens
    texts: list[str]  # what the model wrote, cleaned as every adapter grades it

    @property
    def lengths(self) -> torch.Tensor:  # [B]
        return self.completion_mask.sum(dim=1)


@dataclass(frozen=True)
class Sampling:
    """How completions are decoded. ``stop_ids``: the token ids that end a completion (the
    tokenizer's eos and the model's generation eos ids, e.g. a chat model's end-of-turn)."""

    max_new_tokens: int
    stop_ids: tuple[int, ...]
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    min_p: float = 0.0
    repetition_penalty: float = 1.0
    stop: tuple[str, ...] = ()


def stop_token_ids(tokenizer, model) -> tuple[int, ...]:
    """The tokenizer's eos id and every eos id of the model's generation config."""
    ids = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = [] if ids is None else [ids] if isinstance(ids, int) else list(ids)
    return tuple(dict.fromkeys([tokenizer.eos_token_id, *ids]))


def completion_mask(completion_ids: torch.Tensor, stop_ids, caps: torch.Tensor | None = None
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """[B, T] mask up to and including the first stop token within each row's cap ([B], default T),
    and [B] truncated (no stop token within the cap) flags."""
    B, T = completion_ids.shape
    positions = torch.arange(T, device=completion_ids.device).unsqueeze(0)  # [1, T]
    caps = torch.full((B,), T, dtype=torch.long) if caps is None else caps.clamp(max=T)
    caps = caps.to(completion_ids.device).unsqueeze(1)  # [B, 1]
    stops = torch.as_tensor(list(stop_ids) if not isinstance(stop_ids, int) else [stop_ids],
                            device=completion_ids.device)
    is_stop = torch.isin(completion_ids, stops) & (positions < caps)  # [B, T]
    has_stop = is_stop.any(dim=1)  # [B]
    end = torch.where(has_stop, is_stop.int().argmax(dim=1) + 1, caps.squeeze(1))  # [B] tokens kept
    return (positions < end.unsqueeze(1)).long(), ~has_stop


def cut_at_stop_strings(completion_ids: torch.Tensor, mask: torch.Tensor, truncated: torch.Tensor, tokenizer,
                        stop: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """The mask and truncated flags with each completion also ended by the first stop string in its
    text: the shortest prefix of tokens whose text holds one (a binary search over prefixes)."""
    if not stop:
        return mask, truncated
    mask, truncated = mask.clone(), truncated.clone()
    lengths = mask.sum(dim=1).tolist()

    def stops_within(ids: list[int], k: int) -> bool:
        text = tokenizer.decode(ids[:k], skip_special_tokens=True)
        return any(s in text for s in stop)

    for i, n in enumerate(lengths):
        ids = completion_ids[i, :n].tolist()
        if not stops_within(ids, n):
            continue
        lo, hi = 1, n  # the smallest k whose prefix holds a stop string is in [lo, hi]
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if stops_within(ids, mid) else (mid + 1, hi)
        mask[i, lo:] = 0
        truncated[i] = False
    return mask, truncated


def assistant_texts(tokenizer, completions: list[list[int]]) -> list[str]:
    """The completions' text as the graders get it: decoded with the special tokens, then through
    the project's one response cleaner (which cuts at the end of the turn and drops the rest of the
    tokenizer's special tokens), so a chat model's markers are never graded."""
    special = [t for t in tokenizer.all_special_tokens if t]
    special += [t.content for t in getattr(tokenizer, "added_tokens_decoder", {}).values()
                if getattr(t, "special", False) and t.content and t.content not in special]
    cleaner = _cleaner(tuple(dict.fromkeys(special)))
    return [cleaner.strip_special(text) for text in tokenizer.batch_decode(completions, skip_special_tokens=False)]


@functools.lru_cache(maxsize=8)
def _cleaner(special_tokens: tuple[str, ...]) -> ResponseCleaner:
    return ResponseCleaner(special_tokens=list(special_tokens))


def pad_cat(tensors: list[torch.Tensor], value: int, left: bool) -> torch.Tensor:
    """Concatenate [b_i, L_i] tensors along dim 0, padding to the longest L (left or right)."""
    width = max(t.shape[1] for t in tensors)
    padded = []
    for t in tensors:
        pad = torch.full((t.shape[0], width - t.shape[1]), value, dtype=t.dtype, device=t.device)
        padded.append(torch.cat([pad, t] if left else [t, pad], dim=1))
    return torch.cat(padded, dim=0)


def rollouts_from_ids(prompt_ids: list[list[int]], completions: list[tuple[list[int], bool]], tokenizer,
                      sampling: Sampling | None = None) -> Rollouts:
    """Rollouts from token-id lists, as an inference engine returns them: one prompt per completion,
    and each completion's ids with whether it stopped on a stop token (an eos is appended where the
    engine left it out, so that a stopped completion is never taken for a truncated one)."""
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    stop_ids = set(sampling.stop_ids if sampling else (eos,))
    ids = [list(c) + ([eos] if stopped and (not c or c[-1] not in stop_ids) else []) for c, stopped in completions]

    def row(seq: list[int]) -> torch.Tensor:  # [1, L]
        return torch.tensor([seq or [pad]], dtype=torch.long)

    prompts = pad_cat([row(p) for p in prompt_ids], pad, left=True)  # [B, P]
    prompt_mask = pad_cat([torch.ones(1, len(p), dtype=torch.long) for p in prompt_ids], 0, left=True)  # [B, P]
    completion_ids = pad_cat([row(c) for c in ids], pad, left=False)  # [B, T]
    return _rollouts(prompts, prompt_mask, completion_ids, tokenizer, sampling)


def _rollouts(prompt_ids: torch.Tensor, prompt_mask: torch.Tensor, completion_ids: torch.Tensor, tokenizer,
              sampling: Sampling | None = None, caps: torch.Tensor | None = None) -> Rollouts:
    """Rollouts on the CPU (beside their rewards; the update moves each micro-batch to the device)
    from sampled ids: everything after a completion's first stop (token or string) or past its cap
    becomes padding. The text is what the model wrote, as every adapter grades it."""
    completion_ids = completion_ids.cpu()
    stop_ids = sampling.stop_ids if sampling else (tokenizer.eos_token_id,)
    mask, truncated = completion_mask(completion_ids, stop_ids, caps)  # [B, T], [B]
    mask, truncated = cut_at_stop_strings(completion_ids, mask, truncated, tokenizer, sampling.stop if sampling else ())
    completion_ids = torch.where(mask.bool(), completion_ids, torch.full_like(completion_ids, tokenizer.pad_token_id))
    texts = assistant_texts(tokenizer, [row[:n] for row, n in zip(completion_ids.tolist(), mask.sum(dim=1).tolist())])
    return Rollouts(*(t.cpu() for t in (prompt_ids, prompt_mask, completion_ids, mask, truncated)), texts)


@torch.no_grad()
def generate(model, tokenizer, prompts: list[str], num_generations: int, sampling: Sampling,
             do_sample: bool = True, max_new_tokens: list[int] | None = None) -> Rollouts:
    """num_generations completions of every prompt (in prompt order, each prompt's group adjacent),
    each prompt's completions at most its ``max_new_tokens`` (default: the sampling's)."""
    device = next(model.parameters()).device
    caps = [min(c, sampling.max_new_tokens) for c in (max_new_tokens or [sampling.max_new_tokens] * len(prompts))]
    tokenizer.padding_side = "left"
    encoded = tokenizer([p for p in prompts for _ in range(num_generations)], return_tensors="pt", padding=True,
                        add_special_tokens=False).to(device)
    sample = dict(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k,
                  min_p=sampling.min_p or None) if do_sample else dict(do_sample=False, temperature=None,
                                                                          top_p=None, top_k=None)
    stop = dict(stop_strings=list(sampling.stop), tokenizer=tokenizer) if sampling.stop else {}
    output = model.generate(
        **encoded, max_new_tokens=max(caps), **sample, **stop, repetition_penalty=sampling.repetition_penalty,
        use_cache=True, pad_token_id=tokenizer.pad_token_id, eos_token_id=list(sampling.stop_ids),
    )  # [B, P + T']
    completion_ids = output[:, encoded["input_ids"].shape[1]:]  # [B, T']
    if completion_ids.shape[1] == 0:
        completion_ids = torch.full((output.shape[0], 1), tokenizer.eos_token_id, device=device)
    row_caps = torch.tensor([c for c in caps for _ in range(num_generations)])  # [B]
    return _rollouts(encoded["input_ids"], encoded["attention_mask"], completion_ids, tokenizer, sampling, row_caps)


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
