"""The benchmark's machinery: hostile inputs are graded (not refused by size) and timed from threads in a child."""

from bench.math_vs_mathverify import hostile_inputs, hostile_rewardkit
from rewardkit.grader import DEFAULT_MAX_RESPONSE_CHARS


def test_issue_hostile_inputs_are_under_the_response_bound():
    inputs = hostile_inputs()
    assert len({name for name, _, _ in inputs}) == len(inputs)
    issue_inputs = [r for name, r, _ in inputs if name not in {"sum_1mb"}]
    assert all(len(r) <= DEFAULT_MAX_RESPONSE_CHARS for r in issue_inputs)


def test_threaded_hostile_run_times_every_grade_in_a_child():
    inputs = [("right", r"\boxed{5}", "5"), ("wrong", r"\boxed{6}", "5")]
    seconds, passed, unfinished, waiting = hostile_rewardkit(inputs, threads=2, rounds=3, limit=120)
    assert {name: len(times) for name, times in seconds.items()} == {"right": 3, "wrong": 3}
    assert dict(passed) == {"right": True, "wrong": False}
    assert not unfinished and not waiting


def test_a_child_past_its_limit_is_stopped_and_reported():
    seconds, _, unfinished, waiting = hostile_rewardkit([("any", r"\boxed{5}", "5")], threads=1, rounds=1, limit=0.01)
    assert not seconds and sum(map(len, unfinished.values())) + sum(waiting.values()) == 1
