"""Input datasets as a stream of raw rows: JSONL, Parquet, CSV, a folder of shards, a saved HF dataset.

Rows are produced lazily, so memory stays flat whatever the size of the input. JSONL lines are
handed on undecoded (bytes): the workers decode them in parallel. A file that cannot be read at
all raises ``DataError`` with one clear message.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rewardkit.errors import DataError, require
from rewardkit.scoring.badline import BadLine

JSONL = (".jsonl", ".json", ".ndjson")
FORMATS = {**dict.fromkeys(JSONL, "jsonl"), ".parquet": "parquet", ".csv": "csv"}
PARQUET_BATCH = 4096


def _jsonl_rows(path: Path) -> Iterator[Any]:
    with open(path, "rb") as handle:
        blank = 0
        for line in handle:
            if not line.strip():
                blank += 1  # a blank line counts only when a record follows it
                continue
            for _ in range(blank):
                yield BadLine("blank line")
            blank = 0
            yield line


def _csv_rows(path: Path) -> Iterator[Any]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    # surrogateescape keeps undecodable bytes; the grader reports them as invalid responses.
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as handle:
        yield from csv.DictReader(handle)


def _parquet_rows(path: Path) -> Iterator[Any]:
    pq = require("pyarrow.parquet", "reading Parquet")

    for batch in pq.ParquetFile(path).iter_batches(batch_size=PARQUET_BATCH):
        yield from batch.to_pylist()


def _is_saved_dataset(path: Path) -> bool:
    return path.is_dir() and ((path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists()
                              or (path / "state.json").exists())


def _dataset_rows(path: Path, split: str | None) -> Iterator[Any]:
    dataset = _load_dataset(path, split)
    for batch in dataset.iter(batch_size=PARQUET_BATCH):
        columns = list(batch)
        for values in zip(*(batch[c] for c in columns)):
            yield dict(zip(columns, values))


def _load_dataset(path: Path, split: str | None):
    datasets = require("datasets", "reading a saved Hugging Face dataset")
    try:
        dataset = datasets.load_from_disk(str(path))
    except Exception as exc:
        raise DataError(f"cannot load the dataset saved at {path}: {exc}") from exc
    if isinstance(dataset, datasets.DatasetDict):
        if split is None:
            if len(dataset) != 1:
                raise DataError(f"{path} holds splits {sorted(dataset)}: choose one with --split")
            split = next(iter(dataset))
        if split not in dataset:
            raise DataError(f"{path} has no split {split!r}; it has {sorted(dataset)}")
        dataset = dataset[split]
    return dataset


@dataclass
class Input:
    """One input: a file, a folder of shards, or a saved dataset."""

    path: Path
    split: str | None = None

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if not self.path.exists():
            raise DataError(f"cannot read {self.path}: no such file or folder")
        self.files = self._files()

    def _files(self) -> list[Path]:
        if _is_saved_dataset(self.path):
            return [self.path]
        if self.path.is_dir():
            shards = sorted(p for p in self.path.iterdir() if p.suffix in FORMATS and p.is_file())
            if not shards:
                raise DataError(f"{self.path} holds no .jsonl, .parquet or .csv shards and is not a saved dataset")
            return shards
        if self.path.suffix not in FORMATS:
            raise DataError(f"cannot tell the format of {self.path}: use .jsonl, .parquet, .csv or a folder")
        return [self.path]

    def rows(self) -> Iterator[Any]:
        """Every row of every shard, in order."""
        for file in self.files:
            try:
                if _is_saved_dataset(file):
                    yield from _dataset_rows(file, self.split)
                elif FORMATS[file.suffix] == "jsonl":
                    yield from _jsonl_rows(file)
                elif FORMATS[file.suffix] == "csv":
                    yield from _csv_rows(file)
                else:
                    yield from _parquet_rows(file)
            except DataError:
                raise
            except (OSError, ValueError, csv.Error) as exc:
                raise DataError(f"cannot read {file}: {exc}") from exc

    def count(self) -> int | None:
        """The number of rows, when it is cheap to know (for the progress bar); else None."""
        total = 0
        for file in self.files:
            try:
                if _is_saved_dataset(file):
                    total += len(_load_dataset(file, self.split))
                elif FORMATS[file.suffix] == "parquet":
                    import pyarrow.parquet as pq

                    total += pq.ParquetFile(file).metadata.num_rows
                elif FORMATS[file.suffix] == "jsonl":
                    total += _count_lines(file)
                else:
                    return None
            except Exception:
                return None
        return total


def _count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        count, last = 0, b"\n"
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            count += chunk.count(b"\n")
            last = chunk[-1:]
        return count + (last != b"\n")
