import pytest

from rewardkit.scoring.summary import SummaryBuilder, pass_at_k


@pytest.mark.parametrize(
    "n, c, k, expected",
    [(5, 2, 1, 0.4), (5, 2, 2, 0.7), (5, 2, 4, 1.0), (5, 0, 3, 0.0), (4, 1, 2, 0.5), (10, 3, 5, 1 - 21 / 252)],
)
def test_pass_at_k_by_hand(n, c, k, expected):
    # e.g. n=5, c=2, k=2: 1 - C(3,2)/C(5,2) = 1 - 3/10 = 0.7
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_rejects_k_above_n():
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def test_group_metrics_by_hand():
    builder = SummaryBuilder(grouped=True)
    # group a: 4 samples, 1 correct ("7"), majority answer "5" (wrong)
    for answer, passed in [("7", True), ("5", False), ("5", False), ("6", False)]:
        builder.add(float(passed), passed, None, {}, group="a", extracted=answer)
    # group b: 2 samples, both correct
    for _ in range(2):
        builder.add(1.0, True, None, {}, group="b", extracted="3")
    builder.add(None, False, "invalid_row", {}, group=None)  # no group: not in group metrics
    summary = builder.build(seconds=1.0)
    assert summary.groups == 2
    # pass@1 = mean(1/4, 1) ; pass@2 = mean(1 - C(3,2)/C(4,2), 1) = mean(0.5, 1); pass@4 only group a: 1.0
    assert summary.pass_at_k == {"1": pytest.approx(0.625), "2": pytest.approx(0.75), "4": pytest.approx(1.0)}
    assert summary.majority_vote_accuracy == 0.5
    assert summary.count == 7 and summary.graded == 6 and summary.errors == {"invalid_row": 1}
    assert summary.pass_rate == pytest.approx(3 / 7)
    assert sum(summary.histogram) == 6 and summary.histogram[0] == 3 and summary.histogram[-1] == 3


def test_parts_and_timeouts():
    builder = SummaryBuilder()
    builder.add(0.0, False, "timeout", {"a": 1.0})
    builder.add(1.0, True, None, {"a": 0.0, "b": None})
    summary = builder.build(seconds=2.0)
    assert summary.timeouts == 1 and summary.part_means == {"a": 0.5}
    assert summary.rows_per_second == 1.0 and summary.pass_at_k is None
