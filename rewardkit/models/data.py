"""Reward-model data: preference pairs / rankings, and stepwise (PRM) examples, with clear errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rewardkit.errors import DataError
from rewardkit.scoring.badline import BadLine
from rewardkit.scoring.readers import Input
from rewardkit.scoring.rows import decode


@dataclass
class Preference:
    prompt: Any  # text, or a list of chat messages
    responses: list[Any]  # best first: [chosen, rejected] or a ranked list of k > 2
    margin: float = 0.0


@dataclass
class Stepwise:
    prompt: str
    steps: list[str]
    labels: list[bool]


@dataclass
class Loaded:
    items: list
    problems: list[str]  # "row N: why" for every row left out


def _rows(path: str):
    for number, raw in enumerate(Input(path).rows()):
        row = decode(raw)
        yield number, (None if isinstance(row, BadLine) else row), (row.reason if isinstance(row, BadLine) else None)


def load_preferences(path: str) -> Loaded:
    """Rows with prompt + chosen + rejected (+ margin), or prompt + responses (ranked, best first)."""
    items, problems = [], []
    for number, row, bad in _rows(path):
        if row is None or not isinstance(row, dict):
            problems.append(f"row {number}: {bad or 'not an object'}")
            continue
        if "responses" in row:
            responses = row["responses"]
            if not isinstance(responses, list) or len(responses) < 2:
                problems.append(f"row {number}: 'responses' must be a list of at least 2 ranked responses")
                continue
        elif "chosen" in row and "rejected" in row:
            responses = [row["chosen"], row["rejected"]]
        else:
            problems.append(f"row {number}: needs 'chosen' and 'rejected' (or a ranked 'responses' list)")
            continue
        if any(_empty(r) for r in responses):
            problems.append(f"row {number}: empty response")
            continue
        margin = row.get("margin", 0.0)
        if not isinstance(margin, (int, float)) or isinstance(margin, bool):
            problems.append(f"row {number}: margin must be a number")
            continue
        items.append(Preference(row.get("prompt", ""), responses, float(margin)))
    if not items:
        raise DataError(f"{path}: no usable preference rows ({len(problems)} problems, first: "
                        f"{problems[0] if problems else 'empty file'})")
    return Loaded(items, problems)


def load_stepwise(path: str) -> Loaded:
    """Rows with prompt, completions (list of steps) and labels (one bool per step)."""
    items, problems = [], []
    for number, row, bad in _rows(path):
        if row is None or not isinstance(row, dict):
            problems.append(f"row {number}: {bad or 'not an object'}")
            continue
        steps, labels = row.get("completions"), row.get("labels")
        if not isinstance(steps, list) or not steps or not all(isinstance(s, str) and s for s in steps):
            problems.append(f"row {number}: 'completions' must be a non-empty list of non-empty steps")
            continue
        if not isinstance(labels, list) or len(labels) != len(steps):
            problems.append(f"row {number}: {len(labels) if isinstance(labels, list) else 'no'} labels for "
                            f"{len(steps)} steps")
            continue
        items.append(Stepwise(str(row.get("prompt", "")), steps, [bool(x) for x in labels]))
    if not items:
        raise DataError(f"{path}: no usable stepwise rows ({len(problems)} problems)")
    return Loaded(items, problems)


def _empty(response: Any) -> bool:
    if isinstance(response, str):
        return not response.strip()
    if isinstance(response, list):
        return not response
    return True
