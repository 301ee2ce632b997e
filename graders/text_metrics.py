"""The text-similarity metrics of hosted RFT graders, each a function (response, reference) -> [0, 1].

From well-kept libraries: rapidfuzz (fuzzy_match), sacrebleu (bleu, sentence BLEU with its
default smoothing), nltk (gleu: Google-BLEU; meteor: exact and Porter-stem matches, see below),
rouge-score (rouge_1..rouge_5, rouge_l: F-measure, with stemming). Install with
``pip install "rewardkit[text]"``.

METEOR normally also matches WordNet synonyms; WordNet is a data download, which rewardkit never
makes, so the synonym stage matches nothing and the score counts exact and stemmed matches only
(a lower bound of full METEOR). ``cosine`` is the cosine similarity of two embeddings, which needs
an embedding model: it is refused rather than replaced by a different measure.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from rapidfuzz.distance import Indel

from rewardkit.errors import require

METRICS = ("fuzzy_match", "bleu", "gleu", "meteor", "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5", "rouge_l")
# rouge_l and meteor align every response word with every reference word: their cost is the product.
MAX_ALIGNED_PAIRS = 4_000_000
_WORDS = re.compile(r"\w+|[^\w\s]")


class _NoWordNet:
    """Stands in for nltk's WordNet corpus (a download): no word has synonyms."""

    @staticmethod
    def synsets(*args, **kwargs) -> list:
        return []


def words(text: str) -> list[str]:
    """Lower-cased words and punctuation marks (for gleu and meteor)."""
    return _WORDS.findall(text.lower())


def fuzzy_match(response: str, reference: str) -> float:
    return Indel.normalized_similarity(response, reference)


def bleu(response: str, reference: str) -> float:
    sacrebleu = require("sacrebleu", "the bleu metric")
    return min(1.0, sacrebleu.sentence_bleu(response, [reference]).score / 100.0)


def gleu(response: str, reference: str) -> float:
    require("nltk", "the gleu metric")
    from nltk.translate.gleu_score import sentence_gleu

    return float(sentence_gleu([words(reference)], words(response)))


def meteor(response: str, reference: str) -> float:
    require("nltk", "the meteor metric")
    from nltk.translate.meteor_score import meteor_score

    return float(meteor_score([words(reference)], words(response), wordnet=_NoWordNet()))


@functools.lru_cache(maxsize=8)
def _rouge_scorer(kind: str):
    rouge_scorer = require("rouge_score.rouge_scorer", "the rouge metrics")
    return rouge_scorer.RougeScorer([kind], use_stemmer=True)


def rouge(kind: str) -> Callable[[str, str], float]:
    def score(response: str, reference: str) -> float:
        return float(_rouge_scorer(kind).score(reference, response)[kind].fmeasure)
    return score


SCORERS: dict[str, Callable[[str, str], float]] = {
    "fuzzy_match": fuzzy_match, "bleu": bleu, "gleu": gleu, "meteor": meteor,
    **{f"rouge_{n}": rouge(f"rouge{n}") for n in range(1, 6)}, "rouge_l": rouge("rougeL"),
}


def too_costly(metric: str, response: str, reference: str) -> bool:
    """Whether aligning the two texts would cost more than MAX_ALIGNED_PAIRS (rouge_l, meteor)."""
    if metric not in ("rouge_l", "meteor"):
        return False
    return len(response.split()) * len(reference.split()) > MAX_ALIGNED_PAIRS


def check_available(metric: str) -> None:
    """Import the metric's library now, so that a missing extra fails when the spec is loaded."""
    module = {"bleu": "sacrebleu", "gleu": "nltk", "meteor": "nltk"}.get(metric)
    if metric.startswith("rouge_"):
        module = "rouge_score"
    if module is not None:
        require(module, f"the {metric} metric")
