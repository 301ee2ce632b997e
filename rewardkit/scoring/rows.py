"""Raw input rows -> output records: decode, map fields, grade in one batch, serialise.

This runs inside the worker processes, so decoding and serialising are parallel too. A row
that cannot be graded (bad JSON, missing field, wrong type) still yields exactly one record.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from rewardkit.grader import Grader
from rewardkit.scoring.badline import BadLine
from rewardkit.scoring.fields import FieldMapping


class RowStats(NamedTuple):
    """What the summary needs of one output row (so it never re-reads the output)."""

    score: float | None
    passed: bool
    error: str | None
    parts: dict[str, float | None]
    group: Any
    extracted: str | None


Result = tuple[int, str, RowStats]  # (row number, output JSON line, stats)


def decode(raw: Any) -> Any:
    """A JSONL line (bytes) as its JSON value, or a BadLine; other rows pass through."""
    if not isinstance(raw, bytes):
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BadLine(f"line is not UTF-8 ({exc.reason} at byte {exc.start})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return BadLine(f"invalid JSON: {exc.msg} at column {exc.colno}")


def record(row_id: Any, score, passed, reason, error, extracted, parts, group=None, with_group=False) -> dict:
    out = {"id": row_id, "score": score, "passed": passed, "reason": reason, "error": error,
           "extracted": extracted, "parts": parts}
    if with_group:
        out["group"] = group
    return out


def grade_rows(grader: Grader, fields: FieldMapping, items: list[tuple[int, Any]]) -> list[Result]:
    """One result per (row number, raw row), in the same order."""
    with_group = fields.group is not None
    results: list[Result | None] = [None] * len(items)
    samples, positions, groups = [], [], []
    for i, (row_number, raw) in enumerate(items):
        row = decode(raw)
        group = fields.group_of(row)
        if isinstance(row, BadLine):
            sample, why = None, row.reason
        else:
            sample, why = fields.sample(row, row_number)
        if sample is None:
            row_id = row_number if isinstance(row, BadLine) else fields.row_id(row, row_number)
            out = record(row_id, None, False, why, "invalid_row", None, {}, group, with_group)
            results[i] = (row_number, json.dumps(out, ensure_ascii=False),
                          RowStats(None, False, "invalid_row", {}, group, None))
            continue
        samples.append(sample)
        positions.append(i)
        groups.append(group)
    if samples:
        grades = grader.grade_batch(samples)
        scores, passed, reasons = grades.scores, grades.passed, grades.reasons
        errors, extracted, parts = grades.errors, grades.extracted, grades.parts
        for j, i in enumerate(positions):
            out = record(samples[j].id, scores[j], passed[j], reasons[j], errors[j], extracted[j], parts[j],
                         groups[j], with_group)
            results[i] = (items[i][0], json.dumps(out, ensure_ascii=False),
                          RowStats(scores[j], passed[j], errors[j], parts[j], groups[j], extracted[j]))
    return results  # type: ignore[return-value]


def error_results(items: list[tuple[int, Any]], fields: FieldMapping, error: str, reason: str) -> list[Result]:
    """Results for rows that could not be graded at all (a timeout, a crashed worker)."""
    with_group = fields.group is not None
    results = []
    for row_number, raw in items:
        row = decode(raw)
        row_id = row_number if isinstance(row, BadLine) else fields.row_id(row, row_number)
        group = fields.group_of(row)
        out = record(row_id, 0.0, False, reason, error, None, {}, group, with_group)
        results.append((row_number, json.dumps(out, ensure_ascii=False), RowStats(0.0, False, error, {}, group, None)))
    return results


def stats_of(line: str) -> RowStats:
    """The stats of an output line already written (when resuming)."""
    out = json.loads(line)
    return RowStats(out.get("score"), bool(out.get("passed")), out.get("error"), out.get("parts") or {},
                    out.get("group"), out.get("extracted"))


class RowJob:
    """The pool's job for the scorer: (row number, raw row) items in, ``Result``s out."""

    def __init__(self, fields: FieldMapping):
        self.fields = fields

    def grade(self, grader: Grader, items: list[tuple[int, Any]]) -> list[Result]:
        return grade_rows(grader, self.fields, items)

    def fail(self, items: list[tuple[int, Any]], error: str, reason: str) -> list[Result]:
        return error_results(items, self.fields, error, reason)
