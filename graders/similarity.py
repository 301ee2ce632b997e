"""``similarity``: edit-distance and token similarity from rapidfuzz, continuous or pass/fail."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, JaroWinkler, Levenshtein

from graders._text import TextNormalization
from rewardkit.grader import Grader, GraderConfig
from rewardkit.types import Grades, SampleBatch

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

    def grade_batch(self, samples: SampleBatch) -> Grades:
        normalize = self._normalize
        refs = samples.single_references()
        if refs is not None:  # vectorised: one pair per sample
            sims = process.cpdist(self._normalize_all(samples.responses), self._normalize_all(refs),
                                  scorer=self._scorer, workers=1)
            best = (sims / self._scale).tolist() if self._scale != 1.0 else sims.tolist()
        else:  # several references: one pair per reference, the best one counts
            owners, responses, references = [], [], []
            for i, sample in enumerate(samples):
                response = normalize(sample.response)
                for ref in sample.references():
                    owners.append(i)
                    responses.append(response)
                    references.append(normalize(ref))
            sims = process.cpdist(responses, references, scorer=self._scorer, workers=1).tolist()
            best = [0.0] * len(samples)
            for owner, sim in zip(owners, sims):
                best[owner] = max(best[owner], sim / self._scale)
        threshold = self.config.threshold
        passed = [s >= threshold for s in best]
        reasons = lambda: [_ABOVE if p else _BELOW for p in passed]  # noqa: E731
        if self.config.binary:
            return Grades.from_passed(passed, reasons=reasons)
        return Grades(scores=best, passed=passed, reasons=reasons)
