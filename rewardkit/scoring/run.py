"""Score a JSONL file of model outputs with a grader: one output row per input line, in order."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rewardkit.grader import Grader
from rewardkit.scoring.fields import FieldMapping
from rewardkit.scoring.jsonl import BadLine, read_jsonl, write_jsonl_row
from rewardkit.scoring.summary import Summary, SummaryBuilder

BATCH_SIZE = 256


def _count_lines(path: Path) -> int | None:
    try:
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return None


def score_rows(rows: Iterable[Any], grader: Grader, fields: FieldMapping) -> Iterator[dict[str, Any]]:
    """One output record per input row (errors included), graded in batches."""
    numbered = enumerate(rows)
    while batch := list(itertools.islice(numbered, BATCH_SIZE)):
        samples, positions, out = [], [], []
        for row_number, row in batch:
            if isinstance(row, BadLine):
                out.append(_error_row(row_number, "invalid_row", row.reason))
                continue
            sample, why = fields.sample(row, row_number)
            if sample is None:
                out.append(_error_row(fields.row_id(row, row_number), "invalid_row", why))
                continue
            positions.append(len(out))
            out.append(None)
            samples.append(sample)
        grades = grader.grade_batch(samples)
        for i, position in enumerate(positions):
            out[position] = {
                "id": samples[i].id,
                "score": grades.scores[i],
                "passed": grades.passed[i],
                "reason": grades.reasons[i],
                "error": grades.errors[i],
                "extracted": grades.extracted[i],
                "parts": grades.parts[i],
            }
        yield from out


def _error_row(row_id: Any, error: str, reason: str | None) -> dict[str, Any]:
    return {"id": row_id, "score": None, "passed": False, "reason": reason or error, "error": error,
            "extracted": None, "parts": {}}


def score_jsonl(
    input_path: str | Path,
    output_path: str | Path,
    grader: Grader,
    fields: FieldMapping | None = None,
    progress: bool = True,
) -> Summary:
    """Grade every line of ``input_path`` into ``output_path`` (JSONL) and return the summary."""
    input_path, output_path = Path(input_path), Path(output_path)
    fields = fields or FieldMapping()
    builder = SummaryBuilder()
    start = time.perf_counter()
    rows = read_jsonl(input_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    with open(output_path, "w", encoding="utf-8") as handle, tqdm(
        total=_count_lines(input_path) if progress else None, disable=not progress, unit="row", desc="scoring"
    ) as bar:
        for record in score_rows(rows, grader, fields):
            write_jsonl_row(handle, record)
            builder.add(record["score"], record["passed"], record["error"], record["parts"])
            bar.update(1)
    return builder.build(time.perf_counter() - start)


def format_summary(summary: Summary) -> str:
    """A small text table of the summary for the terminal."""
    lines = [
        f"rows          {summary.count}",
        f"graded        {summary.graded}",
        f"mean score    {summary.mean_score:.4f}" if summary.mean_score is not None else "mean score    -",
        f"pass rate     {summary.pass_rate:.4f}" if summary.pass_rate is not None else "pass rate     -",
        f"rows/s        {summary.rows_per_second:,.0f}",
    ]
    for kind, n in summary.errors.items():
        lines.append(f"error {kind:<16} {n}")
    for part, mean in summary.part_means.items():
        lines.append(f"part {part:<17} {mean:.4f}")
    return "\n".join(lines)


def write_summary(summary: Summary, path: str | Path) -> None:
    Path(path).write_text(json.dumps(summary.model_dump(), indent=2) + "\n", encoding="utf-8")
