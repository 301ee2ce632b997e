import json
import os
import signal
import subprocess
import sys
import time

import pytest

from rewardkit import DataError
from rewardkit.scoring import FieldMapping, iter_scores, read_summary, score_dataset

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def make_input(path, n=40):
    with open(path, "w") as handle:
        for i in range(n):
            answer = i % 3
            handle.write(json.dumps({"uid": f"q{i // 4}-{i % 4}", "prompt_id": f"q{i // 4}",
                                     "out": {"text": rf"so \boxed{{{answer}}}"}, "gold": "1"}) + "\n")
    return path


FIELDS = FieldMapping(response="out.text", reference="gold", id="uid", group="prompt_id")


def test_score_dataset_writes_one_row_per_input_in_order(tmp_path):
    src = make_input(tmp_path / "in.jsonl")
    summary = score_dataset(src, tmp_path / "out.jsonl", "math", FIELDS, workers=2, progress=False,
                            summary_path=tmp_path / "summary.json", histogram_path=tmp_path / "hist.png")
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"q{i // 4}-{i % 4}" for i in range(40)]
    assert [r["passed"] for r in rows] == [i % 3 == 1 for i in range(40)]
    assert rows[1]["extracted"] == "1" and rows[1]["group"] == "q0"
    assert summary.count == 40 and summary.groups == 10
    assert summary.pass_rate == pytest.approx(13 / 40)
    assert read_summary(tmp_path / "summary.json") == summary
    assert (tmp_path / "hist.png").read_bytes()[:4] == b"\x89PNG"


def test_parquet_output_and_iterator_form(tmp_path):
    import pyarrow.parquet as pq

    src = make_input(tmp_path / "in.jsonl", n=10)
    score_dataset(src, tmp_path / "out.parquet", "math", FIELDS, workers=1, progress=False)
    table = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert len(table) == 10 and table[1]["passed"] and json.loads(table[0]["parts"]) == {}
    assert not (tmp_path / "out.parquet.partial.jsonl").exists()
    records = list(iter_scores(src, "math", FIELDS, workers=0))
    assert [r["passed"] for r in records] == [r["passed"] for r in table]


def test_in_process_and_worker_engines_agree(tmp_path):
    src = make_input(tmp_path / "in.jsonl", n=30)
    score_dataset(src, tmp_path / "a.jsonl", "math", FIELDS, workers=0, progress=False)
    score_dataset(src, tmp_path / "b.jsonl", "math", FIELDS, workers=2, batch_size=7, progress=False)
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()


def test_existing_output_needs_resume_or_overwrite(tmp_path):
    src = make_input(tmp_path / "in.jsonl", n=5)
    score_dataset(src, tmp_path / "out.jsonl", "exact", workers=0, progress=False)
    with pytest.raises(DataError, match="exists: use --resume to continue it or --overwrite"):
        score_dataset(src, tmp_path / "out.jsonl", "exact", workers=0, progress=False)
    score_dataset(src, tmp_path / "out.jsonl", "exact", workers=0, progress=False, overwrite=True)
    with pytest.raises(DataError, match=r"\.jsonl or \.parquet"):
        score_dataset(src, tmp_path / "out.csv", "exact", workers=0, progress=False)


def test_resume_drops_a_torn_line_and_finishes(tmp_path):
    src = make_input(tmp_path / "in.jsonl", n=20)
    score_dataset(src, tmp_path / "full.jsonl", "math", FIELDS, workers=0, progress=False)
    full = (tmp_path / "full.jsonl").read_text()
    lines = full.splitlines(keepends=True)
    score_dataset(src, tmp_path / "part.jsonl", "math", FIELDS, workers=0, progress=False)
    (tmp_path / "part.jsonl").write_text("".join(lines[:7]) + lines[7][:15])  # cut short: a torn 8th line
    summary = score_dataset(src, tmp_path / "part.jsonl", "math", FIELDS, workers=1, progress=False, resume=True)
    assert (tmp_path / "part.jsonl").read_text() == full
    assert summary.count == 20 and summary.extra["resumed_rows"] == 7


def test_resume_after_kill_9_of_a_real_run(tmp_path):
    src = tmp_path / "in.jsonl"
    with open(src, "w") as handle:
        for i in range(30_000):
            handle.write(json.dumps({"id": i, "response": rf"\boxed{{{i % 7}}}", "reference": str(i % 5)}) + "\n")
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "rewardkit", "score", str(src), "-o", str(out), "-g", "math", "-q",
           "--workers", "1", "--batch-size", "64"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600  # waits only until the output grows
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 20_000):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = out.read_text().count("\n")
    assert 0 < written < 30_000, "the run must be killed mid-way"
    resumed = subprocess.run(cmd + ["--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    reference = tmp_path / "ref.jsonl"
    subprocess.run([*cmd[:6], str(reference), *cmd[7:]], check=True, capture_output=True)
    assert out.read_text() == reference.read_text()
    assert out.read_text().count("\n") == 30_000
