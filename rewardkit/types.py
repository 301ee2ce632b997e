"""The records that flow through rewardkit: what is graded (``Sample``) and the verdict (``Grade``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Sample(BaseModel):
    """One model output to grade, with what it is graded against."""

    model_config = ConfigDict(extra="forbid")

    response: str = Field(strict=True, description="The model output to grade (text only; bytes are not decoded).")
    reference: str | list[str] | None = Field(
        default=None,
        description="The expected answer, or several acceptable answers; numbers are read as text.",
    )
    prompt: str | None = Field(default=None, description="The prompt the response answers, if known.")
    id: str | int | None = Field(default=None, description="An identifier carried through to the output.")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Any other fields of the input row, for graders that need them."
    )

    @field_validator("reference", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: Any) -> Any:
        # Datasets often store numeric answers (GSM8K: 72); read them as their decimal text.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return repr(value) if isinstance(value, float) else str(value)
        if isinstance(value, list):
            return [cls._numbers_as_text(v) for v in value]
        return value

    def references(self) -> list[str]:
        """The acceptable references as a list (empty when there is none)."""
        if self.reference is None:
            return []
        return [self.reference] if isinstance(self.reference, str) else list(self.reference)


class Grade(BaseModel):
    """The verdict of a grader on one sample."""

    model_config = ConfigDict(extra="forbid")

    score: float | None = Field(
        default=None,
        description="Reward in [0, 1]; None means 'not applicable, skip this sample'.",
    )
    passed: bool = Field(default=False, description="Whether the sample counts as correct.")
    reason: str = Field(default="", description="A short human-readable explanation.")
    error: str | None = Field(
        default=None,
        description="None, or a machine-readable error kind ('timeout', 'parse_error', 'invalid_response', ...).",
    )
    parts: dict[str, float | None] = Field(
        default_factory=dict, description="Sub-scores of composite graders, by sub-grader name."
    )
    extracted: str | None = Field(
        default=None, description="What the grader read out of the response (e.g. the final answer)."
    )


class SampleBatch(Sequence[Sample]):
    """The samples a ``grade_batch`` implementation receives, with their columns cached.

    It wraps the caller's list without copying it, and the guard, the grader and every
    sub-grader of a ``combine`` read the same columns, so each is built once per batch.
    Treat it as read-only.
    """

    __slots__ = ("_samples", "_responses", "_references")

    def __init__(self, samples: Iterable[Sample] = ()):
        self._samples = samples if type(samples) is list else list(samples)

    def __len__(self) -> int:
        return len(self._samples)

    def __getitem__(self, index):  # type: ignore[override]
        return self._samples[index]

    def __iter__(self) -> Iterator[Sample]:
        return iter(self._samples)

    def __repr__(self) -> str:
        return f"SampleBatch({self._samples!r})"

    @property
    def responses(self) -> list[str]:
        """Every sample's response, in order."""
        try:
            return self._responses
        except AttributeError:
            self._responses = [s.response for s in self._samples]
            return self._responses

    @property
    def references(self) -> list[str | list[str] | None]:
        """Every sample's reference (a string, a list of strings, or None), in order."""
        try:
            return self._references
        except AttributeError:
            self._references = [s.reference for s in self._samples]
            return self._references

    def single_references(self) -> list[str] | None:
        """The references when every sample has exactly one (the vectorised case), else None."""
        refs = self.references
        return refs if set(map(type, refs)) <= {str} else None


Column = list | Callable[[], list] | None


class Grades(Sequence[Grade]):
    """The result of ``grade_batch``: a sequence of ``Grade`` stored as columns.

    Trainers need only ``scores`` and writers read the columns directly, so a batch of a
    million grades costs a few lists, not a million objects; a ``Grade`` is built only when
    an item is accessed. Every column but ``scores`` may be given as a function that builds
    it, called the first time the column is read; ``passed`` defaults to ``score == 1.0``.
    """

    __slots__ = ("scores", "_columns")
    _DEFAULTS = {"reasons": "", "errors": None, "extracted": None, "parts": None}

    def __init__(
        self,
        scores: list[float | None],
        passed: Column = None,
        reasons: Column = None,
        errors: Column = None,
        extracted: Column = None,
        parts: Column = None,
    ):
        self.scores = scores
        self._columns: dict[str, Column] = {"passed": passed, "reasons": reasons, "errors": errors,
                                            "extracted": extracted, "parts": parts}
        for name, column in self._columns.items():
            if isinstance(column, list):
                self._check(name, column)

    def _check(self, name: str, column: list) -> None:
        if len(column) != len(self.scores):
            raise ValueError(f"Grades column {name!r} has {len(column)} rows, scores has {len(self.scores)}")

    def _column(self, name: str) -> list:
        column = self._columns[name]
        if column is None and name == "passed":
            column = [score == 1.0 for score in self.scores]
        elif column is None:
            default = self._DEFAULTS[name]
            column = [{} for _ in self.scores] if name == "parts" else [default] * len(self.scores)
        elif callable(column):
            column = column()
            self._check(name, column)
        self._columns[name] = column
        return column

    @property
    def passed(self) -> list[bool]:
        return self._column("passed")

    @property
    def reasons(self) -> list[str]:
        return self._column("reasons")

    @property
    def errors(self) -> list[str | None]:
        return self._column("errors")

    @property
    def extracted(self) -> list[str | None]:
        return self._column("extracted")

    @property
    def parts(self) -> list[dict[str, float | None]]:
        return self._column("parts")

    @classmethod
    def from_passed(cls, passed: list[bool], **columns: Column) -> Grades:
        """Pass/fail grades: score 1.0 where passed, else 0.0."""
        return cls(scores=[1.0 if p else 0.0 for p in passed], passed=passed, **columns)

    @classmethod
    def of(cls, grades: Sequence[Grade]) -> Grades:
        """Columns from a list of ``Grade`` objects."""
        return cls(
            scores=[g.score for g in grades],
            passed=[g.passed for g in grades],
            reasons=[g.reason for g in grades],
            errors=[g.error for g in grades],
            extracted=[g.extracted for g in grades],
            parts=[g.parts for g in grades],
        )

    def __len__(self) -> int:
        return len(self.scores)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Grade(
            score=self.scores[index],
            passed=self.passed[index],
            reason=self.reasons[index],
            error=self.errors[index],
            extracted=self.extracted[index],
            parts=dict(self.parts[index]),
        )

    def __iter__(self) -> Iterator[Grade]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"Grades({list(self)!r})"
