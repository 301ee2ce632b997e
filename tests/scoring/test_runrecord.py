"""Resume checks its input, grader, fields and options; one writer at a time; nothing left by a failed start."""

import builtins
import errno
import json
import subprocess
import sys

import pytest

from rewardkit import DataError
from rewardkit.scoring import FieldMapping, score_dataset
from rewardkit.scoring import run as run_module


def make_input(path, n=12, extra=""):
    with open(path, "w") as handle:
        for i in range(n):
            handle.write(json.dumps({"id": i, "response": rf"\boxed{{{i % 3}}}", "reference": "1",
                                     "q": f"q{i // 3}"}) + "\n" + extra)
    return path


def interrupted(src, out, keep=5, **kwargs):
    """An output as an interrupted run leaves it: the first ``keep`` rows and the run record."""
    score_dataset(src, out, "math", workers=0, progress=False, **kwargs)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:keep]))


@pytest.mark.parametrize("change, reason", [
    ("append", r"input file in.jsonl changed size"),
    ("shrink", r"input file in.jsonl changed size"),
    ("same_size", r"input file in.jsonl changed content"),
    ("grader", r"grader type: \"math\" -> \"exact\""),
    ("group", r"fields group: null -> \"q\""),
    ("timeout", r"options timeout_s: 10.0 -> 3.0"),
])
def test_resume_refuses_a_run_that_differs_naming_what_changed(tmp_path, change, reason):
    src, out = make_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"
    interrupted(src, out)
    kwargs = {"grader": "math", "fields": FieldMapping(), "timeout_s": 10.0}
    if change == "append":
        make_input(src, n=13)
    elif change == "shrink":
        make_input(src, n=8)
    elif change == "same_size":
        src.write_text(src.read_text().replace('"reference": "1"', '"reference": "2"'))
    elif change == "grader":
        kwargs["grader"] = "exact"
    elif change == "group":
        kwargs["fields"] = FieldMapping(group="q")
    else:
        kwargs["timeout_s"] = 3.0
    before = out.read_text()
    with pytest.raises(DataError, match=f"cannot --resume .*{reason}.*--overwrite"):
        score_dataset(src, out, workers=0, progress=False, resume=True, **kwargs)
    assert out.read_text() == before  # nothing mixed in


def test_resume_of_the_same_run_finishes_it(tmp_path):
    src, out = make_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"
    score_dataset(src, tmp_path / "full.jsonl", "math", workers=0, progress=False)
    interrupted(src, out)
    summary = score_dataset(src, out, "math", workers=0, progress=False, resume=True)
    assert out.read_text() == (tmp_path / "full.jsonl").read_text()
    assert summary.extra["resumed_rows"] == 5


def test_an_output_without_a_run_record_is_not_resumed(tmp_path):
    src, out = make_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"
    out.write_text('{"id": 0}\n')
    with pytest.raises(DataError, match="no run record"):
        score_dataset(src, out, "math", workers=0, progress=False, resume=True)


def test_a_second_writer_stops_with_a_clear_message(tmp_path):
    src, out = make_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl"
    holder = subprocess.Popen(  # another process holding the lock, as a running `rewardkit score` does
        [sys.executable, "-c", "import sys, pathlib; from rewardkit.scoring.runrecord import RunLock; "
         "lock = RunLock(pathlib.Path(sys.argv[1])).acquire(); print('held', flush=True); sys.stdin.read()", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        for kwargs in ({}, {"overwrite": True}, {"resume": True}):
            with pytest.raises(DataError, match="another run is writing"):
                score_dataset(src, out, "exact", workers=0, progress=False, **kwargs)
    finally:
        holder.communicate("")
    assert not out.exists()
    score_dataset(src, out, "exact", workers=0, progress=False)  # free again once the holder is gone


def test_a_failed_start_creates_nothing(tmp_path, monkeypatch):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(DataError, match="has no rows"):
        score_dataset(empty, tmp_path / "out.jsonl", "exact", workers=0, progress=False)
    with pytest.raises(Exception, match="unknown grader"):
        score_dataset(make_input(tmp_path / "in.jsonl"), tmp_path / "out.jsonl", "nope", workers=0, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl", "in.jsonl"]
    # a missing extra (pyarrow) for a Parquet output: one line naming the extra, nothing created
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.partition(".")[0] == "pyarrow":
            raise ImportError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    monkeypatch.delitem(sys.modules, "pyarrow", raising=False)
    with pytest.raises(DataError.__mro__[1], match=r'pip install "rewardkit\[data\]"'):
        score_dataset(tmp_path / "in.jsonl", tmp_path / "out.parquet", "exact", workers=0, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl", "in.jsonl"]


def test_disk_full_is_one_clear_error_and_the_output_resumes(tmp_path, monkeypatch):
    src, out = make_input(tmp_path / "in.jsonl", n=40), tmp_path / "out.jsonl"
    score_dataset(src, tmp_path / "full.jsonl", "math", workers=0, progress=False)
    real_open = builtins.open

    class FullDisk:
        def __init__(self, handle):
            self.handle, self.writes = handle, 0

        def write(self, data):
            self.writes += 1
            if self.writes > 17:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.handle.write(data[: len(data) // 2] if self.writes == 17 else data)  # a torn line

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    def opener(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        return FullDisk(handle) if mode == "ab" else handle

    monkeypatch.setattr(run_module, "open", opener, raising=False)
    with pytest.raises(DataError, match="No space left on device.*--resume"):
        score_dataset(src, out, "math", workers=0, progress=False, batch_size=4)
    monkeypatch.undo()
    score_dataset(src, out, "math", workers=0, progress=False, resume=True)
    assert out.read_text() == (tmp_path / "full.jsonl").read_text()


def cli(*args):
    return subprocess.run([sys.executable, "-m", "rewardkit", "score", *args], capture_output=True, text=True)


def test_exit_status_3_when_every_row_failed_after_writing_them_all(tmp_path):
    src = make_input(tmp_path / "in.jsonl")
    done = cli(str(src), "-o", str(tmp_path / "out.jsonl"), "-g", "exact", "--response-field", "answer",
               "-q", "-w", "0")
    assert done.returncode == 3, done.stderr
    assert "12 of 12 rows could not be graded (invalid_row 12)" in done.stderr
    assert (tmp_path / "out.jsonl").read_text().count("\n") == 12
    ok = cli(str(src), "-o", str(tmp_path / "ok.jsonl"), "-g", "exact", "-q", "-w", "0", "--max-error-rate", "0")
    assert ok.returncode == 0, ok.stderr
    taken = cli(str(src), "-o", str(tmp_path / "ok.jsonl"), "-g", "exact", "-q", "-w", "0")
    assert taken.returncode == 1 and "use --resume" in taken.stderr and "Traceback" not in taken.stderr
