import json
import sys

import pytest
from click.testing import CliRunner

from rewardkit.cli import cli


def invoke(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_graders_table_lists_builtins():
    out = invoke("graders").output
    for name in ("combine", "contains", "exact", "format", "math", "similarity"):
        assert any(line.startswith(name + " ") and "graders" in line for line in out.splitlines())


def test_grade_prints_the_grade_as_json():
    result = invoke("grade", "-g", "math", "-r", r"so \boxed{\frac{1}{2}}", "-R", "0.5")
    assert result.exit_code == 0
    grade = json.loads(result.output)
    assert grade["passed"] is True and grade["extracted"] == r"\frac{1}{2}"
    several = json.loads(invoke("grade", "-g", "exact", "-r", "NYC", "-R", "New York", "-R", "NYC").output)
    assert several["passed"] is True
    stdin = json.loads(invoke("grade", "-g", "exact", "-r", "-", "-R", "hi", input="hi\n").output)
    assert stdin["passed"] is True


def test_bad_spec_is_a_clean_error():
    result = CliRunner().invoke(cli, ["grade", "-g", "exactt", "-r", "x"])
    assert result.exit_code != 0 and "Did you mean 'exact'?" in result.output


def test_score_streams_one_row_per_line_with_errors(tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "a", "output": {"text": r"\boxed{4}"}, "answer": "4"}),
        "{not json",
        json.dumps({"id": "c", "answer": "4"}),
        json.dumps({"id": "d", "output": {"text": 7}, "answer": "7"}),
        "",
        json.dumps({"output": {"text": "5"}, "answer": 5}),
    ]
    src.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": "f", "output": {"text": "\xff"}}\n')
    out = tmp_path / "out.jsonl"
    result = invoke("score", str(src), "-o", str(out), "-g", "math", "--response-field", "output.text",
                    "--reference-field", "answer", "--summary", str(tmp_path / "summary.json"), "-q")
    assert result.exit_code == 0, result.output
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(rows) == 7
    assert [r["id"] for r in rows] == ["a", 1, "c", "d", 4, 5, 6]
    assert rows[0]["passed"] and rows[5]["passed"]
    assert [r["error"] for r in rows] == [None, "invalid_row", "invalid_row", "invalid_row", "invalid_row", None,
                                          "invalid_row"]
    assert "invalid JSON" in rows[1]["reason"] and "missing field 'output.text'" in rows[2]["reason"]
    assert "int, not text" in rows[3]["reason"] and "not UTF-8" in rows[6]["reason"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["count"] == 7 and summary["errors"] == {"invalid_row": 5}
    assert "rows            7" in result.output


def test_score_unreadable_or_empty_input_fails_cleanly(tmp_path):
    def score(src):
        return CliRunner().invoke(cli, ["score", str(src), "-o", str(tmp_path / "o.jsonl"), "-g", "exact", "-q",
                                        "--overwrite"])

    missing = score(tmp_path / "nope.jsonl")
    assert missing.exit_code != 0 and "cannot read" in missing.output and "Traceback" not in missing.output
    (tmp_path / "empty.jsonl").write_text("")
    empty = score(tmp_path / "empty.jsonl")
    assert empty.exit_code != 0 and "has no rows" in empty.output


def test_score_csv_with_several_graders_and_report(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,response,reference\na,<answer>4</answer>,4\nb,<answer>5</answer>,4\nc,\xff\xfe,4\n")
    out = tmp_path / "out.jsonl"
    result = invoke("score", str(src), "-o", str(out), "-g", "acc=math", "-g",
                    'fmt={"type": "format", "template": "answer_tag"}', "-q", "--workers", "1")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["score"] for r in rows] == [1.0, 0.5, 0.0]
    assert rows[2]["error"] == "invalid_response"
    assert rows[0]["parts"]["acc"] == 1.0 and rows[1]["parts"] == {"acc": 0.0, "fmt": 1.0, "fmt.template": 1.0}
    report = invoke("report", str(tmp_path / "out.jsonl.summary.json"), "--plot", str(tmp_path / "again.png"))
    assert "rows            3" in report.output and (tmp_path / "again.png").exists()
    again = CliRunner().invoke(cli, ["score", str(src), "-o", str(out), "-g", "math", "-q"])
    assert again.exit_code == 1 and "use --resume" in again.output and "exists" in again.output


def test_score_with_the_ray_engine_in_local_mode(tmp_path):
    import subprocess
    import sys

    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": i, "response": rf"\boxed{{{i % 3}}}", "reference": "1"}) + "\n"
                           for i in range(50)) + "{broken\n")
    base = [sys.executable, "-m", "rewardkit", "score", str(src), "-g", "math", "-q", "--workers", "1"]
    ray_run = subprocess.run(base + ["-o", str(tmp_path / "ray.jsonl"), "--engine", "ray"], capture_output=True,
                             text=True, timeout=1200)
    assert ray_run.returncode == 0, ray_run.stderr[-2000:]
    subprocess.run(base + ["-o", str(tmp_path / "pool.jsonl")], check=True, capture_output=True, timeout=600)
    assert (tmp_path / "ray.jsonl").read_text() == (tmp_path / "pool.jsonl").read_text()
    assert (tmp_path / "ray.jsonl").read_text().count("\n") == 51


def test_schema_writes_the_files(tmp_path):
    out = invoke("schema", "--out", str(tmp_path)).output
    assert {p.name for p in tmp_path.iterdir()} == {"sample.schema.json", "grade.schema.json",
                                                    "grader-spec.schema.json"}
    assert "grade.schema.json" in out


def test_plugins_lists_the_builtin_plugin():
    assert "graders  [rewardkit" in invoke("plugins").output


@pytest.mark.slow
def test_demo_scores_the_bundled_dataset_and_learns(tmp_path):
    result = invoke("demo", "-q", "--out", str(tmp_path))
    assert result.exit_code == 0
    assert "rows            200" in result.output
    rows = [json.loads(line) for line in (tmp_path / "scores.jsonl").read_text().splitlines()]
    assert len(rows) == 200
    assert 0.4 < sum(r["passed"] for r in rows) / 200 < 0.8
    before = float(result.output.split("accuracy before GRPO:")[1].split()[0])
    after = float(result.output.split("accuracy after  GRPO:")[1].split()[0])
    assert after >= before + 0.3
    assert (tmp_path / "grpo-toy" / "run" / "curves.png").exists()


def test_demo_is_silent_with_q_shows_every_phase_without_and_says_where_its_files_are(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from rewardkit.rl import toy

    real = toy.toy_config  # the demo as it is, with a 2-step GRPO run (learning: the slow test above)
    monkeypatch.setattr(toy, "toy_config", lambda workdir, **kw: real(workdir, **{**kw, "max_steps": 2,
                                                                                 "eval_samples": 8, "eval_every": 0}))
    quiet = invoke("demo", "-q", "--out", str(tmp_path))
    assert quiet.exit_code == 0 and "rows            200" in quiet.output
    for noise in ("Loading weights", "Writing model shards", "warm start:", "%|", "it/s"):  # no bars at all
        assert noise not in quiet.output, quiet.output
    listed = quiet.output.split(f"files in {tmp_path}")[1].split()
    for name in ("scores.jsonl", "scores.jsonl.summary.json", "scores.jsonl.hist.png",
                 "grpo-toy/run/metrics.jsonl", "grpo-toy/run/curves.png"):
        assert name in listed and (tmp_path / name).is_file(), name
    assert json.loads((tmp_path / "scores.jsonl.summary.json").read_text())["count"] == 200
    # Again into the same folder (its GRPO run is replaced), now with progress: every phase shows some.
    loud = invoke("demo", "--out", str(tmp_path))
    assert loud.exit_code == 0, loud.output
    for phase in ("scoring: 100%", "warm start: 100%", "GRPO: 2 steps", "grpo: 100%"):
        assert phase in loud.output, phase
    for noise in ("Loading weights", "Writing model shards"):  # transformers' bars say nothing here
        assert noise not in loud.output


@pytest.mark.parametrize("module, extra", [("pyarrow", "data"), ("uvicorn", "serve"), ("matplotlib", "plot"),
                                           ("torch", "train")])
def test_a_missing_extra_is_one_line_naming_it(tmp_path, monkeypatch, capsys, module, extra):
    import builtins

    from rewardkit.cli import main

    (tmp_path / "in.jsonl").write_text('{"response": "4", "reference": "4"}\n')
    (tmp_path / "in.parquet").write_bytes(b"PAR1")
    (tmp_path / "p.jsonl").write_text('{"prompt": "1+1", "reference": "2"}\n')
    (tmp_path / "c.yaml").write_text(f"model: x\nprompts: {tmp_path / 'p.jsonl'}\nrewards:\n  - grader: math\n"
                                     f"output_dir: {tmp_path / 'run'}\n")
    assert invoke("score", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "s.jsonl"), "-g", "exact", "-q",
                  "-w", "0").exit_code == 0
    command = {
        "pyarrow": ["score", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "o.jsonl"), "-g", "exact", "-q"],
        "uvicorn": ["serve", "-g", "exact"],
        "matplotlib": ["report", str(tmp_path / "s.jsonl.summary.json"), "--plot", str(tmp_path / "h.png")],
        "torch": ["grpo", "--config", str(tmp_path / "c.yaml"), "-q"],
    }[module]
    real_import = builtins.__import__

    def without(name, *args, **kwargs):
        if name.partition(".")[0] == module:
            raise ImportError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    for loaded in [m for m in sys.modules if m.partition(".")[0] == module]:
        monkeypatch.delitem(sys.modules, loaded)
    monkeypatch.setattr(builtins, "__import__", without)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(command)
    err = capsys.readouterr().err
    assert exited.value.code == 1
    assert err.count("\n") == 1 and f'needs {module}, which is not installed: pip install "rewardkit[{extra}]"' in err
    assert not (tmp_path / "o.jsonl").exists()


def _train_config(tmp_path, **extra):
    import yaml

    (tmp_path / "policy").mkdir(exist_ok=True)
    (tmp_path / "p.jsonl").write_text('{"prompt": "1+1=", "reference": "2"}\n')
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump({"model": str(tmp_path / "policy"), "prompts": str(tmp_path / "p.jsonl"),
                                    "rewards": [{"grader": "math"}], "output_dir": str(tmp_path / "run"), **extra}))
    return path


def test_grpo_refuses_a_folder_that_holds_a_run(tmp_path):
    pytest.importorskip("torch")
    config = _train_config(tmp_path)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.jsonl").write_text('{"step": 1}\n')
    for kind in ("grpo", "rft"):
        result = CliRunner().invoke(cli, [kind, "--config", str(config)])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert "output_dir" in result.output and "--resume" in result.output and "--overwrite" in result.output


def test_config_problems_are_listed_together(tmp_path):
    config = _train_config(tmp_path, num_generations=1, learning_rate=-1, model=str(tmp_path / "polcy"))
    result = CliRunner().invoke(cli, ["grpo", "--config", str(config), "--set", "bogus=1"])
    assert result.exit_code == 1
    for field in ("num_generations", "learning_rate", "model: no such directory", "bogus"):
        assert field in result.output, result.output


def test_ctrl_c_during_training_says_how_to_continue(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from rewardkit.rl import grpo

    def interrupted(config, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(grpo, "train_grpo", interrupted)
    config = _train_config(tmp_path)
    result = CliRunner().invoke(cli, ["grpo", "--config", str(config), "--set", "max_steps=9"])
    assert result.exit_code == 130 and "Aborted!" not in result.output
    assert "--overwrite" in result.output and "--set max_steps=9" in result.output  # no checkpoint yet
    (tmp_path / "run" / "checkpoint-4").mkdir(parents=True)
    result = CliRunner().invoke(cli, ["grpo", "--config", str(config)])
    assert result.exit_code == 130
    assert f"rewardkit grpo --config {config} --resume continues from {tmp_path / 'run' / 'checkpoint-4'}" in \
        " ".join(result.output.split())
