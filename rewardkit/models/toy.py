"""Synthetic reward-model data for the tests and the benchmark: additions, right and wrong."""

from __future__ import annotations

import random


def addition_preferences(n: int, seed: int) -> list[dict]:
    """Pairs with prompt 'a+b=', the right sum chosen and a sum off by 1-3 rejected."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a, b = rng.randint(0, 9), rng.randint(0, 9)
        wrong = a + b + rng.choice([-3, -2, -1, 1, 2, 3])
        rows.append({"prompt": f"{a}+{b}=", "chosen": str(a + b), "rejected": str(wrong if wrong >= 0 else a + b + 1)})
    return rows


def addition_steps(rng: random.Random) -> dict:
    """1-3 single-digit addition steps; in 60% of examples one of them is wrong (labelled False)."""
    steps, labels = [], []
    bad_at = rng.randrange(3) if rng.random() < 0.6 else None
    for i in range(rng.randint(1, 3)):
        a = rng.randint(0, 9)
        b = rng.randint(0, 9 - a)
        c = a + b if i != bad_at else rng.choice([x for x in range(10) if x != a + b])
        steps.append(f"{a}+{b}={c}")
        labels.append(c == a + b)
    return {"prompt": "", "completions": steps, "labels": labels}
