import math

import pytest
import torch

from rewardkit.rl.losses import aggregate, kl_estimate, overlong_penalty, policy_loss


def test_kl_estimators_by_hand():
    logp = torch.tensor([[math.log(0.5)]])
    ref = torch.tensor([[math.log(0.25)]])  # log r = log 0.5
    lr = math.log(0.5)
    assert kl_estimate(logp, ref, "k1").item() == pytest.approx(-lr)
    assert kl_estimate(logp, ref, "k2").item() == pytest.approx(0.5 * lr**2)
    assert kl_estimate(logp, ref, "k3").item() == pytest.approx(0.5 - 1 - lr)
    assert kl_estimate(logp, logp, "k3").item() == 0.0


VALUES = torch.tensor([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]])
MASK = torch.tensor([[1, 1, 1], [1, 0, 0]])


def test_aggregations_by_hand():
    assert aggregate(VALUES, MASK, "token_mean").item() == pytest.approx(10 / 4)
    assert aggregate(VALUES, MASK, "seq_mean_token_mean").item() == pytest.approx((2 + 4) / 2)
    assert aggregate(VALUES, MASK, "seq_mean_token_sum_norm", max_len=5).item() == pytest.approx(10 / (2 * 5))


def ratios(*values):
    """logp / old_logp pairs giving these ratios on one token each."""
    old = torch.zeros(len(values), 1)
    return torch.log(torch.tensor(values)).unsqueeze(1), old


def test_token_ratio_clip_higher_by_hand():
    logp, old = ratios(1.5, 0.5, 1.1)
    adv = torch.tensor([1.0, -1.0, 1.0])
    mask = torch.ones(3, 1)
    loss, stats = policy_loss(logp, old, adv, mask, epsilon_low=0.2, epsilon_high=0.28)
    # per token: max(-A r, -A clip(r, 0.8, 1.28)) -> -1.28, max(0.5, 0.8) = 0.8, -1.1
    assert loss.item() == pytest.approx((-1.28 + 0.8 - 1.1) / 3)
    assert stats.clip_high_fraction == pytest.approx(1 / 3) and stats.clip_low_fraction == pytest.approx(1 / 3)


def test_dual_clip_caps_negative_advantages():
    logp, old = ratios(5.0)
    adv = torch.tensor([-1.0])
    loss, stats = policy_loss(logp, old, adv, torch.ones(1, 1), dual_clip=3.0)
    assert loss.item() == pytest.approx(3.0)  # min(max(5, 1.2), 3)
    assert stats.dual_clip_fraction == 1.0
    loss, _ = policy_loss(logp, old, adv, torch.ones(1, 1))
    assert loss.item() == pytest.approx(5.0)


def test_sequence_ratio_is_the_exp_mean_log_ratio():
    logp = torch.log(torch.tensor([[2.0, 0.5, 9.0]]))  # third token masked
    old = torch.zeros(1, 3)
    mask = torch.tensor([[1, 1, 0]])
    loss, stats = policy_loss(logp, old, torch.tensor([1.0]), mask, ratio_level="sequence")
    # exp(mean(log 2, log 0.5)) = 1 on every token: loss = -1
    assert loss.item() == pytest.approx(-1.0) and stats.ratio_mean == pytest.approx(1.0)


def test_gradient_pushes_up_positive_advantages():
    logp = torch.zeros(2, 1, requires_grad=True)
    loss, _ = policy_loss(logp, logp.detach(), torch.tensor([1.0, -1.0]), torch.ones(2, 1))
    loss.backward()
    assert logp.grad[0, 0] < 0 < logp.grad[1, 0]


def test_overlong_penalty_by_hand():
    lengths = torch.tensor([10, 16, 18, 20, 21])
    # max 20, cache 4: no penalty up to 16, then (16 - L) / 4, -1 past 20
    assert overlong_penalty(lengths, 20, 4).tolist() == pytest.approx([0.0, 0.0, -0.5, -1.0, -1.0])
    assert overlong_penalty(lengths, 20, 0).tolist() == pytest.approx([0, 0, 0, 0, -1.0])
