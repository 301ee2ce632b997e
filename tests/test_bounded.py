import threading
import time

import pytest

from rewardkit.bounded import BoundedWorker, BoundTimeout


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
        start = time.monotonic()
        try:
            worker.call("builtins:pow", (10, 10**10), timeout=0.5)  # a C-level big-int power
        except BoundTimeout:
            outcome.append(time.monotonic() - start)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(20)
    assert outcome and outcome[0] < 2.0
    assert worker.call("math:factorial", (5,), timeout=30) == 120  # a fresh child took over
    worker.close()


def test_errors_in_the_child_are_reported():
    worker = BoundedWorker()
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        worker.call("operator:truediv", (1, 0), timeout=30)
    worker.close()
