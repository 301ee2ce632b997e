"""``exact``: the response equals a reference after normalisation, with optional partial credit."""

from __future__ import annotations

import functools
import operator
from collections import Counter
from typing import Literal

from pydantic import Field

from graders._text import TextNormalization, reference_key
from rewardkit.grader import Grader, GraderConfig
from rewardkit.types import Grade, Grades, Sample, SampleBatch


class ExactConfig(GraderConfig, TextNormalization):
    type: Literal["exact"] = Field(default="exact", description="Grader name.")
    partial_credit: bool = Field(
        default=False, description="Give partial_score when the word overlap reaches partial_threshold."
    )
    partial_score: float = Field(default=0.5, ge=0, le=1, description="Score of a partial match.")
    partial_threshold: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Word-overlap ratio (shared words / words of the longer text) needed for partial credit.",
    )


def word_overlap(a: str, b: str) -> float:
    """Shared words (as multisets) over the word count of the longer text; 0 when both are empty."""
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return 0.0
    shared = sum((Counter(wa) & Counter(wb)).values())
    return shared / max(len(wa), len(wb))


_MATCH, _NO_MATCH = "exact match", "no match"


class ExactGrader(Grader):
    """Response equals a reference after normalisation (several references allowed)."""

    Config = ExactConfig
    requires_reference = True
    config: ExactConfig

    def __init__(self, config: ExactConfig | None = None, **fields):
        super().__init__(config, **fields)
        self._normalize = self.config.normalizer()
        self._normalize_all = self.config.column_normalizer()
        self._normalize_reference = functools.lru_cache(maxsize=65536)(self._normalize)

    def _references(self, sample: Sample, cache: dict) -> frozenset[str]:
        key = reference_key(sample.reference)
        refs = cache.get(key)
        if refs is None:
            refs = cache[key] = frozenset(map(self._normalize, sample.references()))
        return refs

    def grade(self, sample: Sample) -> Grade:
        return self.grade_batch([sample])[0]

    def grade_batch(self, samples: SampleBatch) -> Grades:
        refs = None if self.config.partial_credit else samples.single_references()
        if refs is not None:  # vectorised: one normalised response vs one (cached) normalised reference
            responses = self._normalize_all(samples.responses)
            hits = list(map(operator.eq, responses, map(self._normalize_reference, refs)))
            return Grades.from_passed(hits, reasons=lambda: [_MATCH if h else _NO_MATCH for h in hits])
        normalize, cache = self._normalize, {}
        scores: list[float] = []
        reasons: list[str] = []
        for sample in samples:
            response = normalize(sample.response)
            refs_set = self._references(sample, cache)
            if response in refs_set:
                scores.append(1.0)
                reasons.append(_MATCH)
                continue
            if self.config.partial_credit:
                overlap = max(word_overlap(response, ref) for ref in refs_set)
                if overlap >= self.config.partial_threshold:
                    scores.append(self.config.partial_score)
                    reasons.append(f"partial match: word overlap {overlap:.2f}")
                    continue
            scores.append(0.0)
            reasons.append(_NO_MATCH)
        return Grades(scores=scores, passed=[s == 1.0 for s in scores], reasons=reasons)
