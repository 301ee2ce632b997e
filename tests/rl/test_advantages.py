import math

import pytest
import torch

from rewardkit.rl.advantages import group_advantages, zero_variance_groups

R = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0])  # two groups of 4


def test_grpo_by_hand():
    # group 1: mean 0.5, unbiased std sqrt(1/3); group 2: mean 0.75, std 0.5
    adv = group_advantages(R, 4, "grpo", eps=0.0)
    s1 = math.sqrt(1 / 3)
    expected = [0.5 / s1, -0.5 / s1, -0.5 / s1, 0.5 / s1, 0.5, 0.5, 0.5, -1.5]
    assert adv.tolist() == pytest.approx(expected)


def test_dr_grpo_is_centred_only():
    assert group_advantages(R, 4, "dr_grpo").tolist() == pytest.approx([0.5, -0.5, -0.5, 0.5, 0.25, 0.25, 0.25, -0.75])


def test_rloo_leave_one_out():
    # r_i - mean of the other three
    expected = [1 - 1 / 3, 0 - 2 / 3, 0 - 2 / 3, 1 - 1 / 3, 1 - 2 / 3, 1 - 2 / 3, 1 - 2 / 3, 0 - 1]
    assert group_advantages(R, 4, "rloo").tolist() == pytest.approx(expected)


def test_batch_std():
    std = float(R.std())  # over the whole batch
    adv = group_advantages(R, 4, "batch_std", eps=0.0)
    assert adv.tolist() == pytest.approx([0.5 / std, -0.5 / std, -0.5 / std, 0.5 / std, 0.25 / std, 0.25 / std,
                                          0.25 / std, -0.75 / std])


def test_missing_rewards_are_left_out_and_get_zero():
    r = torch.tensor([1.0, math.nan, 0.0, 2.0])  # one group: valid 1, 0, 2 -> mean 1
    assert group_advantages(r, 4, "dr_grpo").tolist() == pytest.approx([0.0, 0.0, -1.0, 1.0])
    assert group_advantages(r, 4, "rloo").tolist() == pytest.approx([0.0, 0.0, -1.5, 1.5])


def test_zero_variance_groups():
    r = torch.tensor([1.0, 1.0, 0.0, 1.0, math.nan, 0.0])
    assert zero_variance_groups(r, 2).tolist() == [True, False, True]


def test_bad_group_size():
    with pytest.raises(ValueError):
        group_advantages(torch.zeros(5), 2)
