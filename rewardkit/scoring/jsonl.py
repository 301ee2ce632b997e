"""Reading and writing JSON Lines, one record per line, bad lines reported rather than dropped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from rewardkit.errors import DataError


class BadLine:
    """A line that is not a JSON value: kept so it still yields an output row."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


def read_jsonl(path: str | Path) -> Iterator[Any]:
    """Each line's JSON value, or a ``BadLine`` (undecodable bytes, invalid JSON, blank line)."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with handle:
        pending_blank = 0
        for raw in handle:
            if not raw.strip():
                pending_blank += 1  # a blank line counts only if a record follows it
                continue
            for _ in range(pending_blank):
                yield BadLine("blank line")
            pending_blank = 0
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield BadLine(f"line is not UTF-8 ({exc.reason} at byte {exc.start})")
                continue
            try:
                yield json.loads(text)
            except json.JSONDecodeError as exc:
                yield BadLine(f"invalid JSON: {exc.msg} at column {exc.colno}")


def write_jsonl_row(handle: IO[str], row: dict[str, Any]) -> None:
    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
