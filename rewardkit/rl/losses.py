"""Policy-gradient loss, KL estimators and the overlong penalty (pure tensor functions).

Shapes: B completions, T completion tokens (right-padded; ``mask`` is 1 on real tokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

Aggregation = Literal["token_mean", "seq_mean_token_mean", "seq_mean_token_sum_norm"]
RatioLevel = Literal["token", "sequence"]


def kl_estimate(logp: torch.Tensor, ref_logp: torch.Tensor, kind: Literal["k1", "k2", "k3"] = "k3") -> torch.Tensor:
    """Per-token estimate of KL(pi || pi_ref) from samples of pi (Schulman's k1, k2, k3).

    logp, ref_logp: [B, T] log-probs of the sampled tokens. With log r = ref_logp - logp:
    k1 = -log r; k2 = (log r)^2 / 2; k3 = r - 1 - log r (unbiased and >= 0). Returns [B, T].
    """
    log_r = ref_logp - logp  # [B, T]
    if kind == "k1":
        return -log_r
    if kind == "k2":
        return 0.5 * log_r**2
    if kind == "k3":
        return torch.exp(log_r) - 1 - log_r
    raise ValueError(f"unknown KL estimator {kind!r}")


def aggregate(values: torch.Tensor, mask: torch.Tensor, how: Aggregation, max_len: int | None = None) -> torch.Tensor:
    """One scalar from per-token values [B, T] under mask [B, T].

    token_mean: sum / number of tokens in the batch (DAPO); seq_mean_token_mean: mean over
    sequences of each sequence's token mean (GRPO); seq_mean_token_sum_norm: sum / (B * max_len),
    a constant normaliser (Dr. GRPO).
    """
    mask = mask.to(values.dtype)
    if how == "token_mean":
        return (values * mask).sum() / mask.sum().clamp(min=1)
    if how == "seq_mean_token_mean":
        per_seq = (values * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)  # [B]
        return per_seq.mean()
    if how == "seq_mean_token_sum_norm":
        return (values * mask).sum() / (values.shape[0] * (max_len or values.shape[1]))
    raise ValueError(f"unknown loss aggregation {how!r}")


@dataclass
class LossStats:
    clip_low_fraction: float  # tokens whose ratio was clipped below 1 - epsilon_low (advantage < 0)
    clip_high_fraction: float  # tokens clipped above 1 + epsilon_high (advantage > 0)
    dual_clip_fraction: float  # tokens held by the dual clip
    ratio_mean: float


def policy_loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    epsilon_low: float = 0.2,
    epsilon_high: float = 0.2,
    dual_clip: float | None = None,
    ratio_level: RatioLevel = "token",
    aggregation: Aggregation = "token_mean",
    max_len: int | None = None,
) -> tuple[torch.Tensor, LossStats]:
    """Clipped surrogate loss (PPO/GRPO) with clip-higher, optional dual clip, token or sequence ratio.

    logp, old_logp: [B, T]; advantages: [B]; mask: [B, T]. Per token the loss is
    max(-A * ratio, -A * clip(ratio, 1 - eps_low, 1 + eps_high)); with dual clip c > 1, for
    A < 0 it is at most -A * c. ratio_level "sequence" (GSPO) uses one ratio per sequence,
    exp(mean over its tokens of logp - old_logp). Returns (scalar loss, stats).
    """
    m = mask.to(logp.dtype)  # [B, T]
    log_ratio = logp - old_logp  # [B, T]
    if ratio_level == "sequence":
        seq = (log_ratio * m).sum(dim=1) / m.sum(dim=1).clamp(min=1)  # [B]
        log_ratio = seq.unsqueeze(1).expand_as(logp)  # [B, T]
    elif ratio_level != "token":
        raise ValueError(f"unknown ratio level {ratio_level!r}")
    ratio = torch.exp(log_ratio)  # [B, T]
    adv = advantages.unsqueeze(1).to(logp.dtype)  # [B, 1]
    unclipped = -adv * ratio  # [B, T]
    clipped = -adv * torch.clamp(ratio, 1 - epsilon_low, 1 + epsilon_high)  # [B, T]
    per_token = torch.maximum(unclipped, clipped)  # [B, T]
    dual = torch.zeros_like(per_token, dtype=torch.bool)
    if dual_clip is not None:
        cap = -adv * dual_clip  # [B, 1], positive where A < 0
        dual = (adv < 0) & (per_token > cap)
        per_token = torch.where(adv < 0, torch.minimum(per_token, cap), per_token)
    loss = aggregate(per_token, mask, aggregation, max_len)
    with torch.no_grad():
        tokens = m.sum().clamp(min=1)
        low = ((ratio < 1 - epsilon_low) & (adv < 0)).to(m.dtype)
        high = ((ratio > 1 + epsilon_high) & (adv > 0)).to(m.dtype)
        stats = LossStats(
            clip_low_fraction=float((low * m).sum() / tokens),
            clip_high_fraction=float((high * m).sum() / tokens),
            dual_clip_fraction=float((dual.to(m.dtype) * m).sum() / tokens),
            ratio_mean=float((ratio * m).sum() / tokens),
        )
    return loss, stats


def overlong_penalty(lengths: torch.Tensor, max_len: int, cache: int) -> torch.Tensor:
    """DAPO's soft overlong punishment: 0 up to max_len - cache tokens, then falling linearly to -1
    at max_len, -1 beyond. lengths: [B] -> [B]."""
    if cache <= 0:
        return torch.where(lengths > max_len, -torch.ones_like(lengths, dtype=torch.float32),
                           torch.zeros_like(lengths, dtype=torch.float32))
    lengths = lengths.to(torch.float32)
    start = max_len - cache
    ramp = (start - lengths) / cache  # [B], in [-1, 0) inside the buffer
    penalty = torch.where(lengths <= start, torch.zeros_like(lengths), ramp)
    return torch.where(lengths > max_len, -torch.ones_like(lengths), penalty)
