"""Score a dataset of model outputs: one output row per input row, in input order, resumable.

Results are appended to a JSONL journal as they arrive (the output itself for ``.jsonl``; a
``.partial.jsonl`` beside it for ``.parquet``, converted at the end). ``resume=True`` keeps the
complete lines already in the journal, drops a torn last line, skips that many input rows and
carries on, so an interrupted run (even ``kill -9``) ends with the same output as an
uninterrupted one.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from tqdm import tqdm

from rewardkit.errors import DataError, RewardkitError, as_missing_extra, require
from rewardkit.grader import Grader, GraderConfig
from rewardkit.pool import GradingPool, default_workers
from rewardkit.registry import grader_config, load_grader
from rewardkit.scoring.fields import FieldMapping
from rewardkit.scoring.readers import Input
from rewardkit.scoring.rows import Result, RowJob, grade_rows, stats_of
from rewardkit.scoring.runrecord import RunLock, RunRecord, differences, fingerprint
from rewardkit.scoring.summary import HISTOGRAM_BINS, Summary, SummaryBuilder

Engine = Literal["process", "ray"]
tqdm.monitor_interval = 0  # no monitor thread: worker processes can then be forked safely
FLUSH_SECONDS = 1.0


def _resolve(input_path, grader, workers: int | None, split: str | None) -> tuple[Input, GraderConfig, int]:
    """The opened input, the grader config (parsed and validated here, once) and the worker count."""
    return Input(Path(input_path), split=split), grader_config(grader), default_workers() if workers is None else workers


def iter_results(
    source: Input,
    spec: GraderConfig,
    fields: FieldMapping,
    workers: int,
    timeout_s: float,
    batch_size: int,
    skip: int = 0,
    engine: Engine = "process",
    stats: dict | None = None,
) -> Iterator[Result]:
    """(row number, output line, stats) for every input row after the first ``skip``, in order."""
    rows = itertools.islice(enumerate(source.rows()), skip, None)
    if engine == "ray":
        from rewardkit.scoring.ray_engine import ray_results

        yield from ray_results(source, spec, fields, workers, timeout_s, batch_size, skip)
        return
    if workers == 0:  # in this process: no hard per-row bound beyond the graders' own
        grader = load_grader(spec)
        while batch := list(itertools.islice(rows, batch_size)):
            yield from grade_rows(grader, fields, batch)
        return
    pool = GradingPool(spec, RowJob(fields), workers=workers, timeout_s=timeout_s, batch_size=batch_size)
    yield from pool.run(rows)
    if stats is not None:
        stats.update(timeouts=pool.stats.timeouts, crashes=pool.stats.crashes,
                     replaced_workers=pool.stats.replaced, split_batches=pool.stats.split_batches)


def iter_scores(
    input_path: str | Path,
    grader: str | Path | Mapping | GraderConfig | Grader,
    fields: FieldMapping | None = None,
    workers: int | None = None,
    timeout_s: float = 10.0,
    batch_size: int = 256,
    engine: Engine = "process",
    split: str | None = None,
) -> Iterator[dict[str, Any]]:
    """The output records of a dataset, in input order, as they are graded (nothing is written)."""
    source, spec, workers = _resolve(input_path, grader, workers, split)
    for _, line, _ in iter_results(source, spec, fields or FieldMapping(), workers, timeout_s, batch_size, engine=engine):
        yield json.loads(line)


def _journal_path(output: Path) -> Path:
    return output if output.suffix != ".parquet" else output.with_name(output.name + ".partial.jsonl")


def _recover(journal: Path, builder: SummaryBuilder) -> int:
    """Keep the complete lines of a journal (dropping a torn last line); their count."""
    done = 0
    with open(journal, "rb+") as handle:
        good = 0
        for line in handle:
            if not line.endswith(b"\n"):
                break
            stats = stats_of(line.decode("utf-8"))
            builder.add(*stats)
            good += len(line)
            done += 1
        handle.truncate(good)
    return done


def _to_parquet(journal: Path, output: Path) -> None:
    pa = require("pyarrow", "writing Parquet")
    import pyarrow.parquet as pq

    writer = None
    with open(journal, encoding="utf-8") as handle:
        while lines := list(itertools.islice(handle, 65536)):
            records = [json.loads(line) for line in lines]
            for r in records:  # parts as JSON text: its keys differ from grader to grader
                r["parts"] = json.dumps(r["parts"])
                r["id"] = str(r["id"])
            table = pa.Table.from_pylist(records, schema=writer.schema if writer else None)
            if writer is None:
                writer = pq.ParquetWriter(output, table.schema)
            writer.write_table(table)
    if writer is None:
        raise DataError("no rows to write")
    writer.close()


def _check_input(source: Input, input_path) -> None:
    """Read the first row, so that an empty or unreadable input (or a missing reader) stops the
    run before anything is created."""
    try:
        first = next(iter(source.rows()), None)
    except ImportError as exc:
        raise as_missing_extra(exc, f"reading {input_path}") or exc from exc
    if first is None:
        raise DataError(f"{input_path} has no rows")


def _start(output: Path, journal: Path, record: RunRecord, resume: bool, overwrite: bool) -> RunLock:
    """Lock the output and check (resume) or write its run record; raises before creating anything
    when the output exists and neither --resume nor --overwrite was given."""
    if not resume and not overwrite and (output.exists() or journal.exists()):
        raise DataError(f"{output} exists: use --resume to continue it or --overwrite to replace it")
    if resume and not journal.exists() and output.exists():  # a finished parquet run
        raise DataError(f"{output} is already complete; use --overwrite to score it again")
    output.parent.mkdir(parents=True, exist_ok=True)
    lock = RunLock(output).acquire()
    try:
        if resume and journal.exists():
            before = lock.read()
            if before is None:
                raise DataError(f"cannot --resume {output}: it has no run record ({lock.path.name}) to check "
                                "the input, grader and fields against; use --overwrite to score again")
            changed = differences(before, record)
            if changed:
                raise DataError(f"cannot --resume {output}: " + "; ".join(changed)
                                + ". Use --overwrite to score again from the start")
        else:
            journal.unlink(missing_ok=True)
            if output != journal:
                output.unlink(missing_ok=True)
        lock.write(record)
    except BaseException:
        lock.release(remove=lock.created)
        raise
    return lock


def _run_record(source: Input, spec: GraderConfig, fields: FieldMapping, split, timeout_s: float,
                engine: str) -> RunRecord:
    return RunRecord(input=fingerprint(source.files, source.path),
                     grader=spec.model_dump(mode="json"), fields=fields.model_dump(),
                     options={"split": split, "timeout_s": timeout_s, "engine": engine})


def score_dataset(
    input_path: str | Path,
    output_path: str | Path,
    grader: str | Path | Mapping | GraderConfig | Grader,
    fields: FieldMapping | None = None,
    workers: int | None = None,
    timeout_s: float = 10.0,
    batch_size: int = 256,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    engine: Engine = "process",
    split: str | None = None,
    summary_path: str | Path | None = None,
    histogram_path: str | Path | None = None,
) -> Summary:
    """Grade every row of ``input_path`` into ``output_path`` (.jsonl or .parquet); the summary.

    ``workers``: grading processes (default: every core; 0 grades in this process without the
    per-row time bound). ``timeout_s``: the hard bound of one row. ``resume``: continue an
    interrupted run (refused when the input, grader, fields or options differ from the run that
    wrote the output). ``summary_path`` / ``histogram_path``: also write summary JSON / a PNG.
    Nothing is created until the input, the grader and the needed extras are checked.
    """
    fields = fields or FieldMapping()
    output = Path(output_path)
    if output.suffix not in (".jsonl", ".parquet"):
        raise DataError(f"output must end in .jsonl or .parquet, not {output.name!r}")
    source, spec, workers = _resolve(input_path, grader, workers, split)
    _check_input(source, input_path)
    if output.suffix == ".parquet":
        require("pyarrow", "writing Parquet")
    if histogram_path is not None:
        require("matplotlib", "drawing the histogram")
    journal = _journal_path(output)
    lock = _start(output, journal, _run_record(source, spec, fields, split, timeout_s, engine), resume, overwrite)
    try:
        summary = _score(source, spec, fields, workers, timeout_s, batch_size, engine, progress, output, journal,
                         resume, summary_path, histogram_path)
    except BaseException:
        empty = journal.exists() and journal.stat().st_size == 0
        if empty:  # nothing written: leave nothing behind that would block the corrected rerun
            journal.unlink()
        lock.release(remove=empty)
        raise
    lock.release()
    return summary


def _score(source, spec, fields, workers, timeout_s, batch_size, engine, progress, output: Path, journal: Path,
           resume: bool, summary_path, histogram_path) -> Summary:
    builder = SummaryBuilder(grouped=fields.group is not None)
    skip = _recover(journal, builder) if resume and journal.exists() else 0
    total = source.count() if progress else None
    start = time.perf_counter()
    graded_now = 0
    extra: dict[str, Any] = {"engine": engine, "workers": workers, "resumed_rows": skip}
    try:
        with open(journal, "ab") as handle, tqdm(
            total=total, initial=skip, disable=not progress, unit="row", desc="scoring", dynamic_ncols=True
        ) as bar:
            last_flush, unreported = time.monotonic(), 0
            for _, line, stats in iter_results(source, spec, fields, workers, timeout_s, batch_size, skip, engine,
                                               extra):
                handle.write(line.encode("utf-8") + b"\n")
                builder.add(*stats)
                graded_now += 1
                unreported += 1
                if unreported == 1024 or time.monotonic() - last_flush > FLUSH_SECONDS:
                    bar.update(unreported)
                    unreported = 0
                    if time.monotonic() - last_flush > FLUSH_SECONDS:
                        handle.flush()
                        last_flush = time.monotonic()
            bar.update(unreported)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise DataError(f"cannot write {journal}: {exc.strerror or exc}; the complete rows written so far are "
                        "kept: fix the cause and run the same command with --resume") from exc
    if journal != output:
        try:
            _to_parquet(journal, output)
        except OSError as exc:
            output.unlink(missing_ok=True)
            raise DataError(f"cannot write {output}: {exc.strerror or exc}; the rows are kept in {journal.name}: "
                            "fix the cause and run the same command with --resume") from exc
        journal.unlink()
    summary = builder.build(time.perf_counter() - start, graded_now, extra)
    if summary_path is not None:
        write_summary(summary, summary_path)
    if histogram_path is not None:
        plot_histogram(summary, histogram_path)
    return summary


def write_summary(summary: Summary, path: str | Path) -> None:
    Path(path).write_text(json.dumps(summary.model_dump(), indent=2) + "\n", encoding="utf-8")


def read_summary(path: str | Path) -> Summary:
    try:
        return Summary.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RewardkitError(f"cannot read a summary from {path}: {exc}") from exc


def plot_histogram(summary: Summary, path: str | Path) -> Path:
    """A PNG bar chart of the score histogram (needs matplotlib)."""
    matplotlib = require("matplotlib", "drawing a histogram")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    width = 1 / HISTOGRAM_BINS
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar([i * width for i in range(HISTOGRAM_BINS)], summary.histogram, width=width, align="edge",
           edgecolor="white")
    ax.set_xlabel("score")
    ax.set_ylabel("rows")
    mean = "-" if summary.mean_score is None else f"{summary.mean_score:.3f}"
    ax.set_title(f"{summary.graded} graded rows, mean score {mean}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def format_summary(summary: Summary) -> str:
    """A small text table of the summary for the terminal."""
    def num(value, fmt="{:.4f}"):
        return "-" if value is None else fmt.format(value)

    lines = [
        f"rows            {summary.count}",
        f"graded          {summary.graded}",
        f"mean score      {num(summary.mean_score)}",
        f"pass rate       {num(summary.pass_rate)}",
        f"timeouts        {summary.timeouts}",
        f"failed rows     {summary.failed}",
        f"rows/s          {summary.rows_per_second:,.0f}",
    ]
    lines += [f"error {kind:<18}{n}" for kind, n in summary.errors.items()]
    lines += [f"part {part:<19}{mean:.4f}" for part, mean in summary.part_means.items()]
    if summary.pass_at_k is not None:
        lines.append(f"groups          {summary.groups}")
        lines += [f"pass@{k:<11}{v:.4f}" for k, v in summary.pass_at_k.items()]
        lines.append(f"majority vote   {num(summary.majority_vote_accuracy)}")
    return "\n".join(lines)
