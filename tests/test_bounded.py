"""The bounded layer: CPU-time budgets with a wall net, one pool of children per process, no orphans."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from rewardkit import bounded
from rewardkit.bounded import BoundedWorker, BoundTimeout, ChildPool


def spin(seconds):
    """Use ``seconds`` of CPU time (for the child)."""
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    return seconds


def test_call_returns_the_result():
    worker = BoundedWorker()
    try:
        assert worker.call("math:factorial", (10,), timeout=30) == 3628800
        assert worker.call("builtins:sorted", ([3, 1, 2],), timeout=30) == [1, 2, 3]
    finally:
        worker.close()


def test_c_level_work_is_killed_at_the_bound_from_any_thread():
    worker = BoundedWorker()
    worker.call("math:factorial", (1,), timeout=30)  # start the child outside the timing
    outcome = []

    def run():
        try:
            worker.call("builtins:pow", (10, 10**10), timeout=0.5)  # a C-level big-int power
        except BoundTimeout:
            outcome.append("timeout")

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert outcome == ["timeout"]
    assert worker.call("math:factorial", (5,), timeout=30) == 120  # a fresh child took over
    worker.close()


def test_errors_in_the_child_are_reported():
    worker = BoundedWorker()
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        worker.call("operator:truediv", (1, 0), timeout=30)
    worker.close()


def test_the_bound_counts_cpu_time_so_load_does_not_change_the_verdict():
    """Two busy processes per core: a call needing 0.5 s of CPU under a 1 s bound takes longer than
    1 s of wall time, yet it is not a timeout; one needing 3 s still is."""
    load = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 * os.cpu_count())]
    worker = BoundedWorker(("tests.test_bounded",))
    try:
        worker.call("math:factorial", (1,), timeout=30)
        assert worker.call("tests.test_bounded:spin", (0.5,), timeout=1.0) == 0.5
        with pytest.raises(BoundTimeout):
            worker.call("tests.test_bounded:spin", (3.0,), timeout=1.0)
    finally:
        for proc in load:
            proc.kill()
            proc.wait()
        worker.close()


def test_a_call_that_sleeps_meets_the_wall_clock_net():
    worker = BoundedWorker()
    try:
        with pytest.raises(BoundTimeout):
            worker.call("time:sleep", (30,), timeout=0.1)  # no CPU used: ended at 10 x the bound
    finally:
        worker.close()


def test_one_pool_of_children_per_process_shared_by_threads():
    pool = ChildPool(("tests.test_bounded",), limit=2)
    results, errors = [], []

    def call():
        try:
            results.append(pool.call("tests.test_bounded:spin", (0.2,), timeout=2.0))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    try:
        for _ in range(3):  # 24 threads that come and go, 8 at a time
            threads = [threading.Thread(target=call) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
        # every call got its own bound: waiting for a child is not charged to it
        assert errors == [] and results == [0.2] * 24
        assert len(pool.children) == 2  # never more than the cap, none left per thread
    finally:
        pool.close()
    assert bounded.worker(("x",)) is bounded.worker(("x",))  # one pool per preload and process


SURVIVORS = textwrap.dedent("""
    import json, os, sys, time
    from typing import Literal
    import rewardkit
    from rewardkit import Grade, Grader, GraderConfig, hookimpl
    from rewardkit.bounded import worker
    from rewardkit.scoring.fields import FieldMapping
    from rewardkit.scoring.pool import ScoringPool

    class HangConfig(GraderConfig):
        type: Literal["hang_forever"] = "hang_forever"

    class Hang(Grader):
        Config = HangConfig
        def grade(self, sample):
            worker().call("time:sleep", (600,), 600)  # a child of the worker, too
            return Grade(score=1.0)

    class Plugin:
        @hookimpl
        def register_graders(self, register):
            register(Hang)

    rewardkit.register_plugin(Plugin(), name="hang")
    import threading
    threading.Thread(target=lambda: worker().call("time:sleep", (600,), 600), daemon=True).start()
    pool = ScoringPool({"type": "hang_forever"}, FieldMapping(), workers=2, timeout_s=600, batch_size=1,
                       start_method="fork")
    rows = [(i, json.dumps({"response": "x"}).encode()) for i in range(4)]
    for _ in pool.run(rows):
        pass
""")


def _descendants(pid):
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for task in os.listdir(f"/proc/{parent}/task"):
            try:
                with open(f"/proc/{parent}/task/{task}/children") as handle:
                    kids = [int(k) for k in handle.read().split()]
            except OSError:
                continue
            found.update(kids)
            todo.extend(kids)
    return found


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_child_outlives_a_parent_killed_with_sigkill(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(SURVIVORS)
    parent = subprocess.Popen([sys.executable, str(script)], cwd=os.getcwd())
    children = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(children) < 5:  # 2 workers, their 2 children, 1 more child
        time.sleep(0.2)
        children = _descendants(parent.pid)
    assert len(children) >= 5, children
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.1)
    assert [pid for pid in children if _alive(pid)] == []


def test_thread_budget_counts_this_threads_cpu_time_not_waiting():
    import time

    from rewardkit.bounded import ThreadBudget

    budget = ThreadBudget(0.05, wall_factor=1000)  # the wall-clock net far away
    time.sleep(0.2)  # waiting spends no CPU time: still within the bound
    assert not budget.expired()
    end = time.thread_time() + 0.1
    while time.thread_time() < end:  # computing does
        pass
    assert budget.expired() and budget.left() < 0


def test_thread_budget_has_a_wall_clock_net():
    import time

    from rewardkit.bounded import ThreadBudget

    budget = ThreadBudget(0.01, wall_factor=2)
    time.sleep(0.05)
    assert budget.expired()
