"""What an output was scored from, so that ``--resume`` never mixes two runs in one file.

Beside every output ``out.jsonl`` lies ``out.jsonl.run.json``: the fingerprint of the input (per
file: size, modification time and a hash of its first and last blocks), the grader config, the
field mapping and the options that change rows. ``--resume`` compares it with the run being
started and refuses a difference, naming it. The same file is held under an exclusive lock while
a run writes, so a second writer stops at once with a clear message. The lock is a POSIX record
lock (``lockf``): it belongs to the scoring process only, so forked workers never hold it, and
the kernel drops it when the process dies however it dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rewardkit.errors import DataError

BLOCK = 1 << 16  # bytes hashed at each end of every input file


class FileFingerprint(BaseModel):
    """One input file as it was when the run started."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Path of the file relative to the input (its name for a single file).")
    size: int = Field(description="Size in bytes.")
    mtime_ns: int = Field(description="Modification time in nanoseconds.")
    ends_sha256: str = Field(description="SHA-256 of the first and last 64 KiB of the file and of its size.")


class RunRecord(BaseModel):
    """Everything that decides the rows of an output, compared field by field on resume."""

    model_config = ConfigDict(extra="forbid")

    input: list[FileFingerprint] = Field(description="Fingerprints of the input files, in reading order.")
    grader: dict[str, Any] = Field(description="The validated grader config, every field explicit.")
    fields: dict[str, Any] = Field(description="The field mapping (response, reference, prompt, id, group).")
    options: dict[str, Any] = Field(description="Options that change rows: split, per-row timeout, engine.")


def _ends_hash(path: Path, size: int) -> str:
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as handle:
        digest.update(handle.read(BLOCK))
        if size > BLOCK:
            handle.seek(max(BLOCK, size - BLOCK))
            digest.update(handle.read(BLOCK))
    return digest.hexdigest()


def fingerprint(files: list[Path], root: Path) -> list[FileFingerprint]:
    """Fingerprints of the input files (the files inside a saved dataset's folder included)."""
    found = []
    for file in files:
        inside = sorted(p for p in file.rglob("*") if p.is_file()) if file.is_dir() else [file]
        for path in inside:
            stat = path.stat()
            name = str(path.relative_to(root)) if path != root else path.name
            found.append(FileFingerprint(name=name, size=stat.st_size, mtime_ns=stat.st_mtime_ns,
                                         ends_sha256=_ends_hash(path, stat.st_size)))
    return found


def differences(old: RunRecord, new: RunRecord) -> list[str]:
    """What changed between the run that wrote an output and this one, one phrase per change."""
    changed = []
    if old.input != new.input:
        before = {f.name: f for f in old.input}
        after = {f.name: f for f in new.input}
        for name in sorted(before.keys() | after.keys()):
            a, b = before.get(name), after.get(name)
            if a is None or b is None:
                changed.append(f"input file {name} was {'added' if a is None else 'removed'}")
            elif a.size != b.size:
                changed.append(f"input file {name} changed size ({a.size} -> {b.size} bytes)")
            elif a.ends_sha256 != b.ends_sha256:
                changed.append(f"input file {name} changed content")
            elif a.mtime_ns != b.mtime_ns:
                changed.append(f"input file {name} was modified (its modification time changed)")
    for part in ("grader", "fields", "options"):
        a, b = getattr(old, part), getattr(new, part)
        for key in sorted(a.keys() | b.keys()):
            if a.get(key) != b.get(key):
                changed.append(f"{part} {key}: {json.dumps(a.get(key))} -> {json.dumps(b.get(key))}")
    return changed


def record_path(output: Path) -> Path:
    return output.with_name(output.name + ".run.json")


class RunLock:
    """The exclusive lock on an output's run record, held while a run writes the output."""

    def __init__(self, output: Path):
        self.output = output
        self.path = record_path(output)
        self._handle = None
        self.created = False

    def acquire(self) -> RunLock:
        self.created = not self.path.exists()
        self._handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.lockf(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # EACCES or EAGAIN: another process holds it
            self._handle.close()
            self._handle = None
            raise DataError(f"another run is writing {self.output} (it holds {self.path.name}); "
                            "wait for it to finish or choose another --output") from None
        return self

    def read(self) -> RunRecord | None:
        """The record of the run that wrote the output, or None when there is none."""
        self._handle.seek(0)
        text = self._handle.read()
        if not text.strip():
            return None
        try:
            return RunRecord.model_validate_json(text)
        except ValidationError as exc:
            raise DataError(f"{self.path} is not a rewardkit run record: {exc.errors()[0]['msg']}") from exc

    def write(self, record: RunRecord) -> None:
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(record.model_dump_json(indent=2) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def release(self, remove: bool = False) -> None:
        if self._handle is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        self._handle.close()  # closing drops the lock
        self._handle = None
