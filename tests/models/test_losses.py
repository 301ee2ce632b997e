import math

import pytest
import torch

from rewardkit.models.losses import bradley_terry_loss, plackett_luce_loss
from rewardkit.models.prm import aggregate, first_wrong_step


def test_bradley_terry_by_hand():
    chosen, rejected = torch.tensor([2.0, 0.0]), torch.tensor([1.0, 1.0])
    expected = -(math.log(1 / (1 + math.exp(-1))) + math.log(1 / (1 + math.exp(1)))) / 2
    assert bradley_terry_loss(chosen, rejected).item() == pytest.approx(expected)
    with_margin = -(math.log(1 / (1 + math.exp(-0.5))) + math.log(1 / (1 + math.exp(1.5)))) / 2
    assert bradley_terry_loss(chosen, rejected, torch.tensor([0.5, 0.5])).item() == pytest.approx(with_margin)
    centred = expected + 0.1 * ((3.0**2 + 1.0**2) / 2)
    assert bradley_terry_loss(chosen, rejected, center_coef=0.1).item() == pytest.approx(centred)


def test_plackett_luce_by_hand_and_reduces_to_bt():
    s = torch.tensor([[3.0, 1.0, 0.0]])
    first = -math.log(math.exp(3) / (math.exp(3) + math.exp(1) + 1))
    second = -math.log(math.exp(1) / (math.exp(1) + 1))
    assert plackett_luce_loss(s).item() == pytest.approx(first + second)
    pair = torch.tensor([[2.0, 1.0]])
    assert plackett_luce_loss(pair).item() == pytest.approx(bradley_terry_loss(pair[:, 0], pair[:, 1]).item())


@pytest.mark.parametrize("how, expected", [("min", 0.2), ("product", 0.9 * 0.2 * 0.8), ("mean", 1.9 / 3),
                                           ("last", 0.8), ("first_error", 1 / 3)])
def test_prm_aggregation(how, expected):
    assert aggregate([0.9, 0.2, 0.8], how) == pytest.approx(expected)


def test_first_wrong_step():
    assert first_wrong_step([0.9, 0.2, 0.1]) == 1 and first_wrong_step([0.9, 0.8]) is None
    assert aggregate([0.9, 0.8], "first_error") == 1.0
