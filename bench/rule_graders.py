"""Rule graders through grade_batch vs. the bare Python loop / bare rapidfuzz call doing the same comparison.

    python bench/rule_graders.py [--rows 1000000]

Prints rows/s of each and the ratio rewardkit / bare (target >= 0.5). The samples are built
before timing, and both sides read the same Sample objects. Each side is timed --repeat times,
alternating, and its fastest run counts (as timeit does), so a noisy machine does not pick the
winner. ``contains`` runs with its lenient options (a plain substring test, as the bare loop);
``contains*`` with its defaults (whole words, a word bound, distractors), next to a bare loop doing
the same checks with Python's re.
"""

from __future__ import annotations

import argparse
import functools
import random
import re
import time

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from rewardkit import Sample, load_grader

WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa", "42", "7"]


def make_pairs(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    refs = [" ".join(rng.choices(WORDS, k=rng.randint(1, 4))) for _ in range(n)]
    responses = []
    for ref in refs:
        roll = rng.random()
        if roll < 0.4:
            responses.append(f"  {ref} ")
        elif roll < 0.7:
            responses.append(f"the answer: {ref} indeed")
        else:
            responses.append(" ".join(rng.choices(WORDS, k=rng.randint(1, 6))))
    return responses, refs


# The bare side reads the same Sample objects and does the same comparison as the grader's
# configuration: exact with whitespace collapsed and stripped; contains as a plain substring (its
# lenient options) and with its default anti-hedge checks; similarity as normalised Levenshtein on
# the raw text.
def bare_exact(samples):
    return [1.0 if " ".join(s.response.split()) == " ".join(s.reference.split()) else 0.0 for s in samples]


def bare_contains(samples):
    return [1.0 if s.reference in s.response else 0.0 for s in samples]


@functools.lru_cache(maxsize=4096)
def _whole_word(reference: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(reference)}(?!\w)")  # the references here are words at both ends


def bare_contains_defaults(samples):
    """contains' default checks by hand: a whole-word match and at most 12 words beyond it (the
    samples have no distractors)."""
    return [1.0 if s.reference in s.response and _whole_word(s.reference).search(s.response)
            and len(s.response.split()) - len(s.reference.split()) <= 12 else 0.0 for s in samples]


def bare_similarity(samples):
    responses = [s.response for s in samples]
    references = [s.reference for s in samples]
    return process.cpdist(responses, references, scorer=Levenshtein.normalized_similarity, workers=1).tolist()


RAW = {"strip": False, "collapse_whitespace": False, "unicode_nfkc": False}
SPECS = {
    "exact": ({"type": "exact", "unicode_nfkc": False}, bare_exact),
    "contains": ({"type": "contains", "whole_word": False, "distractors_field": None, "max_extra_words": None},
                 bare_contains),
    "contains*": ({"type": "contains"}, bare_contains_defaults),
    "similarity": ({"type": "similarity", **RAW}, bare_similarity),
}


def fastest(repeat: int, samples, *runs):
    """For each function of ``samples``, the shortest of ``repeat`` runs (they take turns) and its result."""
    best, results = [float("inf")] * len(runs), [None] * len(runs)
    for _ in range(repeat):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            results[i] = run(samples)
            best[i] = min(best[i], time.perf_counter() - start)
    return best, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per side; the fastest counts")
    args = parser.parse_args()
    responses, refs = make_pairs(args.rows)
    samples = [Sample(response=r, reference=f) for r, f in zip(responses, refs)]
    print(f"{args.rows:,} (response, reference) pairs")
    print(f"{'grader':<12}{'rewardkit rows/s':>18}{'bare rows/s':>16}{'ratio':>8}  agree")
    for name, (spec, bare) in SPECS.items():
        grader = load_grader(spec)
        grader.grade_batch(samples[:1000])  # warm caches and imports
        (t_rk, t_bare), (grades, expected) = fastest(args.repeat, samples, grader.grade_batch, bare)
        agree = all(abs(a - b) < 1e-9 for a, b in zip(grades.scores, expected))
        print(f"{name:<12}{args.rows / t_rk:>18,.0f}{args.rows / t_bare:>16,.0f}{t_bare / t_rk:>8.2f}  {agree}")


if __name__ == "__main__":
    main()
