"""Reward-model losses (pure tensor functions)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bradley_terry_loss(chosen: torch.Tensor, rejected: torch.Tensor, margin: torch.Tensor | None = None,
                       center_coef: float = 0.0) -> torch.Tensor:
    """-log sigmoid(r_c - r_r - margin), averaged; plus center_coef * mean((r_c + r_r)^2).

    chosen, rejected, margin: [B]. Reward centering keeps rewards near zero (Eisenstein et al., 2023).
    """
    diff = chosen - rejected  # [B]
    if margin is not None:
        diff = diff - margin
    loss = -F.logsigmoid(diff).mean()
    if center_coef:
        loss = loss + center_coef * ((chosen + rejected) ** 2).mean()
    return loss


def plackett_luce_loss(scores: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood of a ranking under Plackett-Luce; scores: [B, k], best first.

    -sum_i log( exp(s_i) / sum_{j >= i} exp(s_j) ), averaged over the batch. k = 2 is Bradley-Terry.
    """
    # log-sum-exp over each suffix s_i..s_k: flip, cumulative logsumexp, flip back
    suffix = torch.logcumsumexp(scores.flip(-1), dim=-1).flip(-1)  # [B, k]
    return (suffix - scores)[:, :-1].sum(dim=-1).mean()
