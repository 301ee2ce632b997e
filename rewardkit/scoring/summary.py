"""The summary of a scoring run: counts, means, pass rate, errors by kind, per-part means."""

from __future__ import annotations

from collections import Counter, defaultdict

from pydantic import BaseModel, ConfigDict, Field


class Summary(BaseModel):
    """What a scoring run reports at the end (and writes as summary.json)."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(description="Rows read (= rows written).")
    graded: int = Field(description="Rows with a score (not None).")
    mean_score: float | None = Field(description="Mean score over graded rows.")
    pass_rate: float | None = Field(description="Fraction of rows that passed, over all rows.")
    errors: dict[str, int] = Field(description="Rows with an error, by error kind.")
    part_means: dict[str, float] = Field(description="Mean of each sub-score over the rows that have it.")
    seconds: float = Field(description="Wall-clock time of the run.")
    rows_per_second: float = Field(description="Throughput.")


class SummaryBuilder:
    """Accumulates rows one at a time, so memory stays flat."""

    def __init__(self) -> None:
        self.count = self.graded = self.passed = 0
        self.score_sum = 0.0
        self.errors: Counter[str] = Counter()
        self.part_sums: dict[str, float] = defaultdict(float)
        self.part_counts: Counter[str] = Counter()

    def add(self, score: float | None, passed: bool, error: str | None, parts: dict[str, float | None]) -> None:
        self.count += 1
        if score is not None:
            self.graded += 1
            self.score_sum += score
        self.passed += bool(passed)
        if error:
            self.errors[error] += 1
        for name, value in parts.items():
            if value is not None:
                self.part_sums[name] += value
                self.part_counts[name] += 1

    def build(self, seconds: float) -> Summary:
        return Summary(
            count=self.count,
            graded=self.graded,
            mean_score=self.score_sum / self.graded if self.graded else None,
            pass_rate=self.passed / self.count if self.count else None,
            errors=dict(self.errors.most_common()),
            part_means={k: self.part_sums[k] / self.part_counts[k] for k in sorted(self.part_sums)},
            seconds=round(seconds, 4),
            rows_per_second=round(self.count / seconds, 2) if seconds > 0 else 0.0,
        )
