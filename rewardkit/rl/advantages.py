"""Advantages from the rewards of groups of completions (pure tensor functions).

Rewards that are NaN (a grader said "not applicable") are left out of the group statistics and
get advantage 0.
"""

from __future__ import annotations

from typing import Literal

import torch

Estimator = Literal["grpo", "dr_grpo", "rloo", "batch_std"]


def group_advantages(rewards: torch.Tensor, group_size: int, estimator: Estimator = "grpo",
                     eps: float = 1e-4) -> torch.Tensor:
    """Advantage of each completion.

    rewards: [B] with B = n_groups * group_size, completions of a prompt adjacent; NaN = missing.
    grpo: (r - group mean) / (group std + eps); dr_grpo: r - group mean (no std, Dr. GRPO);
    rloo: r - mean of the other completions of the group; batch_std: (r - group mean) / batch std.
    Returns [B].
    """
    if rewards.numel() % group_size:
        raise ValueError(f"{rewards.numel()} rewards do not split into groups of {group_size}")
    r = rewards.view(-1, group_size)  # [G, n]
    valid = ~torch.isnan(r)  # [G, n]
    count = valid.sum(dim=1, keepdim=True)  # [G, 1]
    filled = torch.where(valid, r, torch.zeros_like(r))  # [G, n]
    total = filled.sum(dim=1, keepdim=True)  # [G, 1]
    mean = total / count.clamp(min=1)  # [G, 1]
    if estimator == "rloo":
        others = (count - 1).clamp(min=1)  # [G, 1]
        adv = filled - (total - filled) / others  # [G, n]
        adv = torch.where(count > 1, adv, torch.zeros_like(adv))
    else:
        adv = filled - mean  # [G, n]
        if estimator == "grpo":
            var = (torch.where(valid, (r - mean) ** 2, torch.zeros_like(r))).sum(dim=1, keepdim=True)
            std = (var / (count - 1).clamp(min=1)).sqrt()  # [G, 1] unbiased, as torch.std
            adv = adv / (std + eps)
        elif estimator == "batch_std":
            values = r[valid]
            std = values.std() if values.numel() > 1 else torch.tensor(0.0)
            adv = adv / (std + eps)
        elif estimator != "dr_grpo":
            raise ValueError(f"unknown advantage estimator {estimator!r}")
    return torch.where(valid, adv, torch.zeros_like(adv)).view(-1)  # [B]


def zero_variance_groups(rewards: torch.Tensor, group_size: int) -> torch.Tensor:
    """[G] bool: groups whose (non-missing) rewards are all equal, which carry no GRPO signal."""
    r = rewards.view(-1, group_size)  # [G, n]
    valid = ~torch.isnan(r)
    hi = torch.where(valid, r, torch.full_like(r, -torch.inf)).max(dim=1).values  # [G]
    lo = torch.where(valid, r, torch.full_like(r, torch.inf)).min(dim=1).values  # [G]
    return (hi - lo <= 0) | (valid.sum(dim=1) < 2)
