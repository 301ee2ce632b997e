"""The base class of every grader, and the guard that keeps graders from raising on model output.

A grader author writes a ``Config`` (pydantic) and ``grade`` and/or ``grade_batch``. This
base class wraps both so that, whatever the subclass does, bad responses (non-text, empty,
too long, binary junk) and exceptions come back as a ``Grade`` with ``error`` set instead of
an exception in the trainer or the scorer.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rewardkit.types import Grade, Grades, Sample, SampleBatch

DEFAULT_MAX_RESPONSE_CHARS = 262_144


class GraderConfig(BaseModel):
    """Fields every grader config has; subclasses add a ``type: Literal[...]`` and their own."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="The registered name of the grader.")
    max_response_chars: int = Field(
        default=DEFAULT_MAX_RESPONSE_CHARS,
        gt=0,
        description="Longer responses are not graded: error 'response_too_long', score 0.",
    )


def error_grade(error: str, reason: str, score: float | None = 0.0) -> Grade:
    """A grade for a sample that could not be graded normally."""
    return Grade(score=score, passed=False, error=error, reason=reason)


def as_sample(value: Any) -> Sample | Grade:
    """A ``Sample`` from a Sample or a mapping; an error grade when the mapping is not a valid sample."""
    if isinstance(value, Sample):
        return value
    if isinstance(value, Mapping):
        try:
            return Sample.model_validate(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "sample"
            bad_response = first["loc"][:1] == ("response",) and first["type"] != "missing"
            kind = "invalid_response" if bad_response else "invalid_sample"
            return error_grade(kind, f"{where}: {first['msg']}")
    return error_grade("invalid_sample", f"expected a Sample or a mapping, got {type(value).__name__}")


def _is_junk(text: str) -> bool:
    # NUL bytes or lone surrogates (undecodable input) cannot be real model text.
    if "\x00" in text:
        return True
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class Grader:
    """A named, configured function from a ``Sample`` to a ``Grade``.

    Subclasses set ``Config`` and implement ``grade`` (one sample) and/or ``grade_batch``
    (many samples, vectorised where possible). ``requires_reference`` makes a sample with no
    reference come back as ``score=None, error='missing_reference'`` without calling them.
    """

    Config: ClassVar[type[GraderConfig]] = GraderConfig
    requires_reference: ClassVar[bool] = False

    def __init__(self, config: GraderConfig | None = None, **fields: Any):
        if config is None:
            config = self.Config(**fields)
        elif fields:
            raise TypeError("pass either a config or keyword fields, not both")
        self.config = config

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if "grade" in cls.__dict__:
            cls.grade = _guard_grade(cls.__dict__["grade"])  # type: ignore[method-assign]
        if "grade_batch" in cls.__dict__:
            cls.grade_batch = _guard_grade_batch(cls.__dict__["grade_batch"])  # type: ignore[method-assign]

    @classmethod
    def type_name(cls) -> str:
        """The registered name: the default of the config's ``type`` field."""
        return cls.Config.model_fields["type"].default

    @classmethod
    def description(cls) -> str:
        """The first line of the class docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""

    @property
    def name(self) -> str:
        return self.config.type

    def grade(self, sample: Sample) -> Grade:
        """Grade one sample. The default grades a batch of one."""
        if type(self).grade_batch is Grader.grade_batch:
            raise NotImplementedError(f"{type(self).__name__} implements neither grade nor grade_batch")
        return self.grade_batch([sample])[0]

    def grade_batch(self, samples: Iterable[Sample]) -> Grades:
        """Grade many samples; one ``Grade`` per sample, in order. The default calls ``grade``.

        Implementations receive a ``SampleBatch`` (a list of ``Sample`` with cached
        ``responses`` and ``references`` columns) holding only gradable samples.
        """
        return Grades.of([self.grade(s) for s in samples])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"

    # -- checks shared by grade and grade_batch ---------------------------------------------

    def reject(self, sample: Sample) -> Grade | None:
        """An error grade when the sample cannot be graded at all, else None."""
        response = sample.response
        if not isinstance(response, str):
            return error_grade("invalid_response", f"response is {type(response).__name__}, not text")
        if not response or response.isspace():
            return error_grade("empty_response", "the response is empty")
        if len(response) > self.config.max_response_chars:
            return error_grade(
                "response_too_long",
                f"response has {len(response)} characters, max_response_chars is {self.config.max_response_chars}",
            )
        if _is_junk(response):
            return error_grade("invalid_response", "the response holds NUL bytes or undecodable characters")
        if self.requires_reference and not sample.references():
            return error_grade("missing_reference", "this grader needs a reference", score=None)
        return None

    def reject_batch(self, samples: SampleBatch) -> dict[int, Grade]:
        """Error grades by position for the samples that cannot be graded.

        The common case (nothing to reject) is proved for the whole response column at once;
        only when that fails are the samples checked one by one.
        """
        clean = _all_gradable(samples.responses, self.config.max_response_chars) and not (
            self.requires_reference and None in samples.references)
        if clean:
            return {}
        rejected = {}
        for i, sample in enumerate(samples):
            grade = self.reject(sample)
            if grade is not None:
                rejected[i] = grade
        return rejected


def _all_gradable(texts: list[str], limit: int) -> bool:
    """Whether no text is empty, only whitespace, longer than ``limit`` or holding NUL or lone
    surrogates: a few C-speed passes over the column and over the NUL-joined texts."""
    try:
        joined = "\x00".join(texts)
    except TypeError:  # a non-text response (a Sample built without validation)
        return False
    if joined.isascii():  # no surrogates; count the NULs as bytes, vectorised
        nuls = np.count_nonzero(np.frombuffer(joined.encode("ascii"), np.uint8) == 0)
    elif _is_junk(joined):
        return False
    else:
        nuls = joined.count("\x00")
    return (nuls == len(texts) - 1 and all(texts) and not any(map(str.isspace, texts))
            and _parts_within(joined, limit, texts))


def _parts_within(joined: str, limit: int, parts: list[str]) -> bool:
    """Whether no NUL-separated part of ``joined`` is longer than ``limit`` characters.

    For a large limit, windows of ``limit + 1`` characters are searched for their last NUL
    (memrchr speed, about 2 * len(joined) / limit steps); for a small one, lengths are compared.
    """
    if limit < 256:
        return max(map(len, parts), default=0) <= limit
    start, end = 0, len(joined)
    while end - start > limit:
        cut = joined.rfind("\x00", start, start + limit + 1)
        if cut < 0:
            return False
        start = cut + 1
    return True


def _exception_grade(exc: BaseException) -> Grade:
    return error_grade("grader_exception", f"{type(exc).__name__}: {exc}"[:300])


def _guard_grade(grade):
    @functools.wraps(grade)
    def guarded(self: Grader, sample: Sample) -> Grade:
        sample = as_sample(sample)
        if isinstance(sample, Grade):
            return sample
        rejected = self.reject(sample)
        if rejected is not None:
            return rejected
        try:
            return grade(self, sample)
        except Exception as exc:  # a grader never raises on model output
            return _exception_grade(exc)

    return guarded


def _guard_grade_batch(grade_batch):
    @functools.wraps(grade_batch)
    def guarded(self: Grader, samples: Iterable[Sample]) -> Grades:
        samples = samples if type(samples) is SampleBatch else SampleBatch(samples)
        try:  # Samples (or objects with the same fields): the columns read, the batch checks apply
            rejected = self.reject_batch(samples)
        except AttributeError:  # mappings or junk among them: convert, then check one by one
            samples = SampleBatch(as_sample(s) for s in samples)
            checked = {i: s if isinstance(s, Grade) else self.reject(s) for i, s in enumerate(samples)}
            rejected = {i: g for i, g in checked.items() if g is not None}
        todo = SampleBatch(s for i, s in enumerate(samples) if i not in rejected) if rejected else samples
        try:
            graded = grade_batch(self, todo) if todo else Grades([])
            if not isinstance(graded, Grades):
                graded = Grades.of(list(graded))
            if len(graded) != len(todo):
                raise RuntimeError(f"grade_batch returned {len(graded)} grades for {len(todo)} samples")
        except Exception as exc:
            # One bad sample must not sink the batch: grade one by one, each guarded.
            graded = Grades.of([_exception_grade(exc)] if len(todo) == 1 else [self.grade(s) for s in todo])
        if not rejected:
            return graded
        merged: list[Grade] = []
        it = iter(graded)
        for i in range(len(samples)):
            merged.append(rejected[i] if i in rejected else next(it))
        return Grades.of(merged)

    return guarded
