"""The same grading on Ray Data, for datasets that outgrow one machine.

Ray reads the input (JSONL as text lines, so a malformed line is still one row; Parquet and CSV
natively), ``map_batches`` runs the grading on actors that each own a one-process
``ScoringPool`` (so the hard per-row bound holds there too), and the driver receives the output
lines in input order. ``ray.init`` connects to the cluster in ``RAY_ADDRESS`` when it is set,
and otherwise starts a local Ray.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

from rewardkit.errors import RewardkitError, require
from rewardkit.grader import GraderConfig
from rewardkit.scoring.fields import FieldMapping
from rewardkit.scoring.readers import FORMATS, Input
from rewardkit.scoring.rows import Result, stats_of


class _GradeBatch:
    """A Ray actor: loads the grader once (in its own bounded worker process) and grades batches."""

    def __init__(self, spec: GraderConfig, fields: dict, timeout_s: float, batch_size: int, column: str):
        from rewardkit.scoring.pool import ScoringPool

        self.column = column
        self.pool = ScoringPool(spec, FieldMapping(**fields), 1, timeout_s, batch_size).__enter__()

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        if self.column == "text":
            raws = [line.encode("utf-8") if isinstance(line, str) else bytes(line) for line in batch["text"]]
        else:
            columns = list(batch)
            size = len(batch[columns[0]]) if columns else 0
            raws = [{c: _plain(batch[c][i]) for c in columns} for i in range(size)]
        # Row numbers are global, known only to the driver: ids fall back to null here.
        return {"line": [line for _, line, _ in self.pool.run(zip(itertools.repeat(None), raws))]}


def _plain(value: Any) -> Any:
    """numpy scalars and arrays from Ray batches as plain Python values."""
    return value.tolist() if hasattr(value, "tolist") else value


def _read(ray, source: Input):
    kinds = {FORMATS.get(p.suffix) for p in source.files}
    if len(kinds) != 1 or None in kinds:
        raise RewardkitError("the ray engine reads JSONL, Parquet or CSV files of one kind")
    paths = [str(p) for p in source.files]
    kind = kinds.pop()
    if kind == "jsonl":  # as text lines, so that a malformed line is still one row
        return ray.data.read_text(paths, drop_empty_lines=False), "text"
    if kind == "parquet":
        return ray.data.read_parquet(paths), "row"
    return ray.data.read_csv(paths), "row"


_NULL_ID = '{"id": null'


def ray_results(source: Input, spec: GraderConfig, fields: FieldMapping, workers: int, timeout_s: float,
                batch_size: int, skip: int = 0) -> Iterator[Result]:
    """(row number, output line, stats) for every row after ``skip``, in input order."""
    ray = require("ray", "the ray engine")
    address = os.environ.get("RAY_ADDRESS")
    if not ray.is_initialized():
        # Locally, one CPU more than the grading actors, so that reading can run beside them.
        ray.init(address=address, num_cpus=None if address else max(1, workers) + 1, include_dashboard=False,
                 log_to_driver=False, ignore_reinit_error=True)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    dataset, column = _read(ray, source)
    graded = dataset.map_batches(
        _GradeBatch,
        fn_constructor_kwargs={"spec": spec, "fields": fields.model_dump(), "timeout_s": timeout_s,
                               "batch_size": batch_size, "column": column},
        batch_size=batch_size,
        batch_format="numpy",
        concurrency=max(1, workers),
    )
    for number, row in enumerate(graded.iter_rows()):
        line = row["line"]
        if number < skip:  # a resumed run re-reads (and re-grades) the rows it already has
            continue
        if line.startswith(_NULL_ID):
            line = f'{{"id": {number}' + line[len(_NULL_ID):]
        yield number, line, stats_of(line)
