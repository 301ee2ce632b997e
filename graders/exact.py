"""``exact``: the response equals a reference after normalisation, with optional partial credit.

Partial credit is for a near miss, not for words the policy can produce without the answer: by
default the shared words must come in the reference's order (a shuffle or a bag of its words
earns nothing more than their longest ordered run), words given by the prompt count for nothing
(restating the question is not answering it), and repeating words or padding with junk only
lengthens the response, which the overlap divides by. With ``partial_score <= partial_threshold``
(the defaults), listing several candidate answers never earns more in expectation than committing
to the likeliest one.
"""

from __future__ import annotations

import functools
import operator
from collections import Counter
from typing import Literal

from pydantic import Field
from rapidfuzz.distance import LCSseq

from graders._text import TextNormalization, reference_key, without_prompt_words, word_key
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
    partial_in_order: bool = Field(
        default=True,
        description="Shared words must come in the reference's order (longest common subsequence of words); "
        "False counts them in any order (lenient: a shuffle of the reference's words earns credit).",
    )
    partial_ignore_prompt: bool = Field(
        default=True,
        description="Words that occur in the sample's prompt count for nothing in partial credit: they are left "
        "out of both texts (a reference made only of prompt words earns none). False: they count.",
    )


def word_overlap(a: str | list[str], b: str | list[str], in_order: bool = False) -> float:
    """Shared words over the word count of the longer text; 0 when either is empty. Shared words
    are counted as multisets, or in order (longest common subsequence) with ``in_order``."""
    wa = a.split() if isinstance(a, str) else a
    wb = b.split() if isinstance(b, str) else b
    if not wa or not wb:
        return 0.0
    shared = LCSseq.similarity(wa, wb) if in_order else sum((Counter(wa) & Counter(wb)).values())
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
                overlap = self._partial_overlap(response, refs_set, sample.prompt)
                if overlap >= self.config.partial_threshold:
                    scores.append(self.config.partial_score)
                    reasons.append(f"partial match: word overlap {overlap:.2f}")
                    continue
            scores.append(0.0)
            reasons.append(_NO_MATCH)
        return Grades(scores=scores, passed=[s == 1.0 for s in scores], reasons=reasons)

    def _partial_overlap(self, response: str, references: frozenset[str], prompt: str | None) -> float:
        """The best word overlap of the (normalised) response with a reference, prompt words left out."""
        cfg = self.config
        words = response.split()
        prompt_keys = (frozenset(map(word_key, self._normalize(prompt).split()))
                       if cfg.partial_ignore_prompt and prompt else frozenset())
        if prompt_keys:
            words = without_prompt_words(words, prompt_keys)
        best = 0.0
        for ref in references:
            ref_words = without_prompt_words(ref.split(), prompt_keys) if prompt_keys else ref.split()
            # The overlap is at most shorter / longer: skip the LCS when that cannot reach the threshold.
            if min(len(words), len(ref_words)) >= cfg.partial_threshold * max(len(words), len(ref_words)):
                best = max(best, word_overlap(words, ref_words, in_order=cfg.partial_in_order))
        return best
