"""Grading lists of samples for trainers, adapters and the server: in this process, or in the bounded pool.

Trainers call reward functions from their own loop, so a grade must never raise and never hang
there. ``GraderRunner.grade_batch`` grades samples into ``Grades`` with the grader's
``grade_batch`` in this process (the default, fastest), or, with ``timeout_s``, in the one bounded
``rewardkit.pool.GradingPool``, whose worker is killed and replaced when a row runs past its bound.
Nothing is serialised to JSON on the way. ``grade`` gives the same as plain records (dicts) for
adapters that hand them on. The runner is picklable (the grader and pool are rebuilt where it is
unpickled), so trainers that ship reward functions to other processes (TRL with accelerate, Ray)
can use it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from rewardkit.pool import GradingPool, SampleJob, grades_of
from rewardkit.registry import grader_config, load_grader
from rewardkit.types import Grades


def records_of(grades: Grades) -> list[dict[str, Any]]:
    """One plain record per grade: id (None), score, passed, reason, error, extracted, parts."""
    return [{"id": None, "score": s, "passed": p, "reason": r, "error": e, "extracted": x, "parts": pa}
            for s, p, r, e, x, pa in zip(grades.scores, grades.passed, grades.reasons, grades.errors,
                                          grades.extracted, grades.parts)]


def _failed(n: int, exc: Exception) -> Grades:
    reason = f"{type(exc).__name__}: {exc}"[:300]
    return Grades([0.0] * n, [False] * n, [reason] * n, ["grader_exception"] * n, [None] * n, [{} for _ in range(n)])


class GraderRunner:
    """Grades lists of samples (``Sample`` objects or dicts) into ``Grades``, never raising."""

    def __init__(self, spec: Any, timeout_s: float | None = None, workers: int = 1):
        self.config = grader_config(spec)  # parsed once, here; the typed config goes to the workers
        self.timeout_s = timeout_s
        self.workers = workers
        self._grader = None
        self._pool: GradingPool | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.config.type

    @property
    def spec(self) -> dict[str, Any]:
        """The grader config as plain data (every field explicit)."""
        return self.config.model_dump(mode="json")

    @property
    def grader(self):
        if self._grader is None:
            self._grader = load_grader(self.config)
        return self._grader

    def grade_batch(self, samples: Sequence[Any]) -> Grades:
        """One grade per sample, in order; bad samples and grader failures are error grades."""
        if not samples:
            return Grades([])
        if self.timeout_s is None:
            try:
                return self.grader.grade_batch(samples)
            except Exception as exc:  # the guard already catches grader errors; this is the last net
                return _failed(len(samples), exc)
        with self._lock:  # one run of the pool at a time
            self.start()
            self._pool.batch_size = max(1, len(samples) // self.workers + 1)
            return grades_of(list(self._pool.run(samples)))

    def grade(self, samples: Sequence[Any]) -> list[dict[str, Any]]:
        """``grade_batch`` as plain records (score, passed, reason, error, extracted, parts)."""
        return records_of(self.grade_batch(samples))

    def start(self) -> None:
        """Start the bounded worker processes now (they start on first use otherwise)."""
        if self.timeout_s is not None and self._pool is None:
            self._pool = GradingPool(self.config, SampleJob(), self.workers, self.timeout_s).__enter__()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __getstate__(self) -> dict:
        return {"config": self.config, "timeout_s": self.timeout_s, "workers": self.workers}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["config"], state["timeout_s"], state["workers"])


_runners: dict[tuple[str, float | None], GraderRunner] = {}


def runner_for(spec: Any, timeout_s: float | None = None) -> GraderRunner:
    """A runner per (grader config, bound) and process, so that graders are loaded once."""
    config = grader_config(spec)
    key = (json.dumps(config.model_dump(mode="json"), sort_keys=True), timeout_s)
    if key not in _runners:
        _runners[key] = GraderRunner(config, timeout_s)
    return _runners[key]
