"""The summary of a scoring run: counts, means, pass rate, errors by kind, per-part means, pass@k.

Built one row at a time (``SummaryBuilder.add``) so a run of any length keeps only counters,
plus a few numbers per group when a group field is given.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

HISTOGRAM_BINS = 20
# Errors that mean a row could not be graded at all (a wrong field mapping, a grader that broke,
# the time bound), as opposed to a grade of bad model output (empty, too long, no answer).
FAILED_ERRORS = frozenset({"invalid_row", "invalid_sample", "missing_reference", "timeout", "worker_crashed",
                           "grader_exception"})


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one problem with n samples of which c passed (Chen et al., 2021):
    1 - C(n - c, k) / C(n, k)."""
    if k > n:
        raise ValueError(f"k={k} is larger than the number of samples n={n}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


class Summary(BaseModel):
    """What a scoring run reports at the end (and writes as JSON)."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(description="Rows read (= rows written).")
    graded: int = Field(description="Rows with a score (not None).")
    mean_score: float | None = Field(description="Mean score over graded rows.")
    pass_rate: float | None = Field(description="Fraction of rows that passed, over all rows.")
    errors: dict[str, int] = Field(description="Rows with an error, by error kind (timeouts included).")
    timeouts: int = Field(default=0, description="Rows whose grading ran past the time bound.")
    failed: int = Field(default=0, description="Rows that could not be graded at all (errors "
                        + ", ".join(sorted(FAILED_ERRORS)) + ").")
    part_means: dict[str, float] = Field(description="Mean of each sub-score over the rows that have it.")
    seconds: float = Field(description="Wall-clock time of this run (a resumed run counts its own time).")
    rows_per_second: float = Field(description="Rows graded in this run per second.")
    histogram: list[int] = Field(
        default_factory=list, description=f"Counts of scores in {HISTOGRAM_BINS} equal bins over [0, 1]."
    )
    groups: int | None = Field(default=None, description="Number of groups (prompts), when a group field is set.")
    pass_at_k: dict[str, float] | None = Field(
        default=None, description="Unbiased pass@k by k, averaged over groups with at least k samples."
    )
    majority_vote_accuracy: float | None = Field(
        default=None, description="Fraction of groups whose most frequent extracted answer passed."
    )
    extra: dict[str, Any] = Field(default_factory=dict, description="Engine details (workers, replaced workers, ...).")


class _Group:
    __slots__ = ("n", "c", "answers")

    def __init__(self) -> None:
        self.n = 0
        self.c = 0
        self.answers: dict[str, list[int]] = {}  # answer -> [count, passed count, first position]


class SummaryBuilder:
    """Accumulates rows one at a time, so memory stays flat."""

    def __init__(self, grouped: bool = False) -> None:
        self.count = self.graded = self.passed = self.timeouts = 0
        self.score_sum = 0.0
        self.errors: Counter[str] = Counter()
        self.part_sums: dict[str, float] = defaultdict(float)
        self.part_counts: Counter[str] = Counter()
        self.histogram = [0] * HISTOGRAM_BINS
        self.grouped = grouped
        self.groups: dict[Any, _Group] = {}

    def add(self, score: float | None, passed: bool, error: str | None, parts: dict[str, float | None],
            group: Any = None, extracted: str | None = None) -> None:
        self.count += 1
        if score is not None:
            self.graded += 1
            self.score_sum += score
            self.histogram[min(HISTOGRAM_BINS - 1, max(0, int(score * HISTOGRAM_BINS)))] += 1
        self.passed += bool(passed)
        if error:
            self.errors[error] += 1
            self.timeouts += error == "timeout"
        for name, value in parts.items():
            if value is not None:
                self.part_sums[name] += value
                self.part_counts[name] += 1
        if self.grouped and group is not None:  # rows without a group count everywhere but here
            key = group if isinstance(group, (str, int, float, bool, type(None))) else str(group)
            g = self.groups.get(key)
            if g is None:
                g = self.groups[key] = _Group()
            g.n += 1
            g.c += bool(passed)
            if extracted is not None:
                entry = g.answers.setdefault(extracted.strip(), [0, 0, len(g.answers)])
                entry[0] += 1
                entry[1] += bool(passed)

    def _group_metrics(self) -> tuple[dict[str, float], float | None]:
        sizes = sorted({g.n for g in self.groups.values()})
        ks = [k for k in (1, 2, 4, 8, 16, 32, 64, 128, 256) if sizes and k <= sizes[-1]]
        if sizes and sizes[-1] not in ks:
            ks.append(sizes[-1])
        at_k = {}
        for k in ks:
            values = [pass_at_k(g.n, g.c, k) for g in self.groups.values() if g.n >= k]
            at_k[str(k)] = sum(values) / len(values)
        voted = [g for g in self.groups.values() if g.answers]
        if not self.groups:
            return at_k, None
        correct = 0
        for g in voted:
            count, passed, _ = max(g.answers.values(), key=lambda e: (e[0], -e[2]))
            correct += passed == count  # every row with the winning answer passed
        return at_k, correct / len(self.groups)

    def build(self, seconds: float, rows_graded_now: int | None = None, extra: dict | None = None) -> Summary:
        now = self.count if rows_graded_now is None else rows_graded_now
        at_k, majority = self._group_metrics() if self.grouped else (None, None)
        return Summary(
            count=self.count,
            graded=self.graded,
            mean_score=self.score_sum / self.graded if self.graded else None,
            pass_rate=self.passed / self.count if self.count else None,
            errors=dict(self.errors.most_common()),
            timeouts=self.timeouts,
            failed=sum(n for kind, n in self.errors.items() if kind in FAILED_ERRORS),
            part_means={k: self.part_sums[k] / self.part_counts[k] for k in sorted(self.part_sums)},
            seconds=round(seconds, 4),
            rows_per_second=round(now / seconds, 2) if seconds > 0 else 0.0,
            histogram=self.histogram,
            groups=len(self.groups) if self.grouped else None,
            pass_at_k=at_k,
            majority_vote_accuracy=majority,
            extra=extra or {},
        )
