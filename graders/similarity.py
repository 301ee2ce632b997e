"""``similarity``: edit-distance and token similarity from rapidfuzz, continuous or pass/fail.

A response that pastes the prompt earns whatever the prompt's own similarity to the reference is,
and references often restate the prompt. By default (``prompt_baseline``) that is the zero of the
scale: with ``b`` the best similarity of the reference to the whole prompt or to one of its lines
or sentences, the score is ``max(0, (s - b) / (1 - b))``, the share of the way from pasting the
prompt to the reference that the response covers (a skill score). Where the prompt alone reaches
the reference (``b == 1``: a subset metric with the reference inside the prompt), a paste cannot be
told from an answer, and the grade is not applicable (``reference_in_prompt``).
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from pydantic import Field
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, JaroWinkler, Levenshtein

from graders._text import TextNormalization
from rewardkit.grader import Grader, GraderConfig
from rewardkit.types import Grade, Grades, SampleBatch

# Every scorer returns a similarity in [0, 1] (the fuzz ratios are rescaled from [0, 100]).
METRICS = {
    "levenshtein": (Levenshtein.normalized_similarity, 1.0),
    "indel": (Indel.normalized_similarity, 1.0),
    "token_sort": (fuzz.token_sort_ratio, 100.0),
    "token_set": (fuzz.token_set_ratio, 100.0),
    "partial": (fuzz.partial_ratio, 100.0),
    "jaro_winkler": (JaroWinkler.normalized_similarity, 1.0),
}


_ABOVE, _BELOW = "similarity at or above threshold", "similarity below threshold"
# Lines and sentences of a prompt: a newline, or whitespace after . ! ? (one-character lookbehind: linear).
_SEGMENT_BREAK = re.compile(r"\n|(?<=[.!?])\s+")


class SimilarityConfig(GraderConfig, TextNormalization):
    type: Literal["similarity"] = Field(default="similarity", description="Grader name.")
    metric: Literal["levenshtein", "indel", "token_sort", "token_set", "partial", "jaro_winkler"] = Field(
        default="levenshtein",
        description=(
            "levenshtein: normalised Levenshtein similarity; indel: normalised Indel similarity "
            "(fuzz.ratio); token_sort / token_set / partial: fuzz.token_sort_ratio, token_set_ratio, "
            "partial_ratio; jaro_winkler: Jaro-Winkler similarity. All scaled to [0, 1]."
        ),
    )
    threshold: float = Field(default=0.8, ge=0, le=1, description="A similarity at or above this passes.")
    binary: bool = Field(
        default=False, description="Score 1.0 when passed and 0.0 otherwise, instead of the similarity."
    )
    prompt_baseline: bool = Field(
        default=True,
        description="The prompt's text earns nothing: with b the best similarity of the reference to the prompt "
        "or one of its lines or sentences, the score is max(0, (s - b) / (1 - b)); b = 1: error "
        "'reference_in_prompt', score None. Needs the sample's prompt; False: the plain similarity.",
    )


class SimilarityGrader(Grader):
    """Similarity of response and reference (rapidfuzz metrics), continuous or pass at a threshold."""

    Config = SimilarityConfig
    requires_reference = True
    config: SimilarityConfig

    def __init__(self, config: SimilarityConfig | None = None, **fields):
        super().__init__(config, **fields)
        self._normalize = self.config.normalizer()
        self._normalize_all = self.config.column_normalizer()
        self._scorer, self._scale = METRICS[self.config.metric]
        self._baseline = functools.lru_cache(maxsize=4096)(self._baseline_uncached)

    def _similarities(self, responses: list[str], references: list[str]) -> list[float]:
        """Similarity in [0, 1] of each (normalised) response with its reference, in one C call."""
        sims = process.cpdist(responses, references, scorer=self._scorer, workers=1)
        return (sims / self._scale).tolist() if self._scale != 1.0 else sims.tolist()

    def _baseline_uncached(self, prompt: str, reference: str) -> float:
        """What pasting the prompt earns: the best similarity of the normalised reference to the whole
        prompt or one of its lines or sentences (cached: a group of responses shares its prompt)."""
        segments = {self._normalize(part) for part in [prompt, *_SEGMENT_BREAK.split(prompt)]} - {""}
        if not segments:
            return 0.0
        segments = sorted(segments)
        return max(self._similarities(segments, [reference] * len(segments)))

    def grade_batch(self, samples: SampleBatch) -> Grades:
        normalize = self._normalize
        refs = samples.single_references()
        if refs is not None:  # vectorised: one pair per sample
            refs = self._normalize_all(refs)
            best = self._similarities(self._normalize_all(samples.responses), refs)
            best_refs = refs
        else:  # several references: one pair per reference, the best one counts
            owners, responses, references = [], [], []
            for i, sample in enumerate(samples):
                response = normalize(sample.response)
                for ref in sample.references():
                    owners.append(i)
                    responses.append(response)
                    references.append(normalize(ref))
            sims = self._similarities(responses, references)
            best, best_refs = [-1.0] * len(samples), [""] * len(samples)
            for owner, sim, ref in zip(owners, sims, references):
                if sim > best[owner]:
                    best[owner], best_refs[owner] = sim, ref
        if self.config.prompt_baseline and any(s.prompt for s in samples):
            return self._against_prompts(samples, best, best_refs)
        threshold = self.config.threshold
        passed = [s >= threshold for s in best]
        reasons = lambda: [_ABOVE if p else _BELOW for p in passed]  # noqa: E731
        if self.config.binary:
            return Grades.from_passed(passed, reasons=reasons)
        return Grades(scores=best, passed=passed, reasons=reasons)

    def _against_prompts(self, samples: SampleBatch, sims: list[float], refs: list[str]) -> Grades:
        """Grades with what pasting the prompt would earn taken as zero (see the module docstring).

        With several references, the one most similar to the response is measured against the prompt.
        """
        cfg, grades = self.config, []
        for sample, sim, ref in zip(samples, sims, refs):
            if not sample.prompt:
                passed = sim >= cfg.threshold
                grades.append(Grade(score=float(passed) if cfg.binary else sim, passed=passed,
                                    reason=_ABOVE if passed else _BELOW))
                continue
            base = self._baseline(sample.prompt, ref)
            parts = {"similarity": sim, "prompt_baseline": base}
            if base >= 1.0:
                grades.append(Grade(score=None, error="reference_in_prompt", parts=parts,
                                    reason="the prompt alone reaches the reference: a paste cannot be told from an answer"))
                continue
            score = max(0.0, (sim - base) / (1.0 - base))
            passed = score >= cfg.threshold
            reason = f"{_ABOVE if passed else _BELOW} (similarity {sim:.3f}, prompt alone {base:.3f})"
            grades.append(Grade(score=float(passed) if cfg.binary else score, passed=passed, reason=reason,
                                parts=parts))
        return Grades.of(grades)
