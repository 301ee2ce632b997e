"""Worker processes: per-row time bound, crashed workers, order, replacement."""

import json
import os
import time
from typing import Literal

import pytest

from rewardkit import Grade, Grader, GraderConfig, hookimpl
from rewardkit.scoring.fields import FieldMapping
from rewardkit.scoring.pool import ScoringPool


class MoodyConfig(GraderConfig):
    type: Literal["moody"] = "moody"


class MoodyGrader(Grader):
    """Spins on 'hang', sleeps on 'sleep', kills its process on 'crash', else scores 1."""

    Config = MoodyConfig

    def grade(self, sample):
        while sample.response == "hang":
            pass
        if sample.response == "sleep":
            time.sleep(60)
        if sample.response == "crash":
            os._exit(3)
        if sample.response.startswith("slow"):
            time.sleep(0.3)
        return Grade(score=1.0, passed=True, reason="fine")


class MoodyPlugin:
    @hookimpl
    def register_graders(self, register):
        register(MoodyGrader)


@pytest.fixture
def moody(inline_plugin):
    inline_plugin(MoodyPlugin(), "moody-plugin")


def rows(responses):
    return [(i, json.dumps({"id": f"r{i}", "response": r}).encode()) for i, r in enumerate(responses)]


def run(responses, workers=2, timeout_s=1.0, batch_size=4):
    # fork: the workers inherit the plugin registered in this process (spawn would not see it).
    pool = ScoringPool({"type": "moody"}, FieldMapping(), workers=workers, timeout_s=timeout_s, batch_size=batch_size,
                       start_method="fork")
    results = list(pool.run(rows(responses)))
    return [json.loads(line) for _, line, _ in results], pool.stats


def test_results_come_back_in_input_order(moody):
    responses = ["ok"] * 37 + ["slow"] * 3 + ["ok"] * 20
    out, _ = run(responses, workers=2, batch_size=3)
    assert [r["id"] for r in out] == [f"r{i}" for i in range(60)]
    assert [r for r in out if not r["passed"]] == []


def test_a_hanging_row_times_out_and_the_run_goes_on(moody):
    responses = ["ok"] * 5 + ["hang"] + ["ok"] * 10
    out, stats = run(responses, workers=2, timeout_s=1.0, batch_size=4)  # ends: the row is bounded (no wall-time check)
    assert len(out) == 16
    assert out[5]["error"] == "timeout" and out[5]["score"] == 0.0 and "replaced" in out[5]["reason"]
    assert all(r["passed"] for i, r in enumerate(out) if i != 5)
    assert stats.timeouts == 1 and stats.replaced >= 2  # the batch, then the row alone


def test_a_row_that_blocks_without_using_cpu_meets_the_wall_clock_net(moody):
    out, stats = run(["ok", "sleep", "ok"], workers=1, timeout_s=0.1, batch_size=1)
    assert [r["error"] for r in out] == [None, "timeout", None]
    assert stats.timeouts == 1


def test_a_crashing_row_is_retried_once_then_reported(moody):
    responses = ["ok"] * 3 + ["crash"] + ["ok"] * 6
    out, stats = run(responses, workers=2, batch_size=4)
    assert len(out) == 10
    assert out[3]["error"] == "worker_crashed"
    assert all(r["passed"] for i, r in enumerate(out) if i != 3)
    assert stats.crashes == 3  # the batch, the row, its retry


def test_bad_rows_are_reported_by_the_workers(moody):
    items = [(0, b"{broken"), (1, json.dumps({"no_response": 1}).encode()), (2, json.dumps({"response": "ok"}).encode())]
    pool = ScoringPool({"type": "moody"}, FieldMapping(), workers=1, timeout_s=5, start_method="fork")
    out = [json.loads(line) for _, line, _ in pool.run(items)]
    assert [r["error"] for r in out] == ["invalid_row", "invalid_row", None]
    assert [r["id"] for r in out] == [0, 1, 2]


def test_a_worker_that_cannot_load_the_grader_is_a_clear_error(moody):
    from rewardkit import RewardkitError

    # spawn starts a fresh interpreter, where the in-process plugin does not exist
    pool = ScoringPool({"type": "moody"}, FieldMapping(), workers=1, timeout_s=5, start_method="spawn")
    with pytest.raises(RewardkitError, match="could not load the grader.*unknown grader 'moody'"):
        list(pool.run(rows(["ok"])))


def test_workers_exit_when_their_parent_is_killed():
    # kill -9 of a scoring process must not leave its forked workers behind (each held a copy of
    # the parent's pipe ends, so it never saw the pipe close).
    import subprocess
    import sys

    code = ("import os\nfrom rewardkit.scoring.fields import FieldMapping\nfrom rewardkit.scoring.pool import ScoringPool\n"
            "pool = ScoringPool({'type': 'exact'}, FieldMapping(), workers=2, timeout_s=5, start_method='fork')\n"
            "pool.__enter__()\nprint(*(w.process.pid for w in pool._workers), flush=True)\nos.kill(os.getpid(), 9)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 2, done.stderr

    def alive(pid):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 60  # a bound on waiting, not a speed: they exit as soon as they run
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    lingering = [pid for pid in pids if alive(pid)]
    for pid in lingering:
        os.kill(pid, 9)
    assert not lingering, "workers outlived their killed parent"
