"""Rule graders through grade_batch vs. the bare Python loop / bare rapidfuzz call doing the same comparison.

    python bench/rule_graders.py [--rows 1000000]

Prints rows/s of each and the ratio rewardkit / bare (target >= 0.5). The samples are built
before timing: both sides get their inputs ready-made (rewardkit as Sample objects, the bare
loop as lists of strings).
"""

from __future__ import annotations

import argparse
import random
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
# configuration: exact with whitespace collapsed and stripped; contains as a plain substring;
# similarity as normalised Levenshtein on the raw text.
def bare_exact(samples):
    return [1.0 if " ".join(s.response.split()) == " ".join(s.reference.split()) else 0.0 for s in samples]


def bare_contains(samples):
    return [1.0 if s.reference in s.response else 0.0 for s in samples]


def bare_similarity(samples):
    responses = [s.response for s in samples]
    references = [s.reference for s in samples]
    return process.cpdist(responses, references, scorer=Levenshtein.normalized_similarity, workers=1).tolist()


RAW = {"strip": False, "collapse_whitespace": False, "unicode_nfkc": False}
SPECS = {
    "exact": ({"type": "exact", "unicode_nfkc": False}, bare_exact),
    "contains": ({"type": "contains"}, bare_contains),
    "similarity": ({"type": "similarity", **RAW}, bare_similarity),
}


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    responses, refs = make_pairs(args.rows)
    samples = [Sample(response=r, reference=f) for r, f in zip(responses, refs)]
    print(f"{args.rows:,} (response, reference) pairs")
    print(f"{'grader':<12}{'rewardkit rows/s':>18}{'bare rows/s':>16}{'ratio':>8}  agree")
    for name, (spec, bare) in SPECS.items():
        grader = load_grader(spec)
        grader.grade_batch(samples[:1000])  # warm caches and imports
        t_rk, grades = timed(grader.grade_batch, samples)
        t_bare, expected = timed(bare, samples)
        agree = all(abs(a - b) < 1e-9 for a, b in zip(grades.scores, expected))
        print(f"{name:<12}{args.rows / t_rk:>18,.0f}{args.rows / t_bare:>16,.0f}{t_bare / t_rk:>8.2f}  {agree}")


if __name__ == "__main__":
    main()
