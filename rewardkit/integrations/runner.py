"""Grading for the integrations: in this process, or in bounded worker processes.

Trainers call reward functions from their own loop, so a grade must never raise and never hang
there. ``GraderRunner`` grades lists of samples with ``grade_batch`` in-process (the default,
fastest), or, with ``timeout_s``, in a ``ScoringPool`` whose worker is killed and replaced when a
row runs past the bound. It is picklable (the grader and pool are rebuilt where it is unpickled),
so trainers that ship reward functions to other processes (TRL with accelerate, Ray) can use it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from rewardkit.registry import load_grader
from rewardkit.scoring.fields import FieldMapping
from rewardkit.scoring.rows import record
from rewardkit.types import Grades


class GraderRunner:
    """Grades lists of sample dicts into output records (score, passed, reason, error, extracted, parts)."""

    def __init__(self, spec: Any, timeout_s: float | None = None, workers: int = 1):
        from rewardkit.scoring.run import spec_dict

        self.spec = spec_dict(spec)
        self.timeout_s = timeout_s
        self.workers = workers
        self._grader = None
        self._pool = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.spec["type"]

    @property
    def grader(self):
        if self._grader is None:
            self._grader = load_grader(self.spec)
        return self._grader

    def grade(self, samples: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """One record per sample dict, in order; never raises on bad samples or grader failures."""
        if not samples:
            return []
        if self.timeout_s is None:
            try:
                grades: Grades = self.grader.grade_batch(samples)
            except Exception as exc:  # the guard already catches grader errors; this is the last net
                return [record(None, 0.0, False, f"{type(exc).__name__}: {exc}"[:300], "grader_exception", None, {})
                        for _ in samples]
            return [record(None, grades.scores[i], grades.passed[i], grades.reasons[i], grades.errors[i],
                           grades.extracted[i], grades.parts[i]) for i in range(len(samples))]
        with self._lock:  # one run of the pool at a time
            self.start()
            self._pool.batch_size = max(1, len(samples) // self.workers + 1)
            rows = [(None, dict(s)) for s in samples]
            return [json.loads(line) for _, line, _ in self._pool.run(rows)]

    def start(self) -> None:
        """Start the bounded worker processes now (they start on first use otherwise)."""
        if self.timeout_s is not None and self._pool is None:
            from rewardkit.scoring.pool import ScoringPool

            self._pool = ScoringPool(self.spec, FieldMapping(id=None), self.workers, self.timeout_s).__enter__()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __getstate__(self) -> dict:
        return {"spec": self.spec, "timeout_s": self.timeout_s, "workers": self.workers}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["spec"], state["timeout_s"], state["workers"])


_runners: dict[tuple[str, float | None], GraderRunner] = {}


def runner_for(spec: Any, timeout_s: float | None = None) -> GraderRunner:
    """A runner per (spec, bound) and process, so that graders are loaded once."""
    from rewardkit.registry import read_spec

    key = (json.dumps(read_spec(spec) if not isinstance(spec, Mapping) else dict(spec), sort_keys=True), timeout_s)
    if key not in _runners:
        _runners[key] = GraderRunner(spec, timeout_s)
    return _runners[key]
