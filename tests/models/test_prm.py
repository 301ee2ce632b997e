"""Process reward models: labels on separators, learning to find the first wrong step, registry, bad rows."""

import json
import random

import pytest

torch = pytest.importorskip("torch")

from rewardkit import DataError, Sample, load_grader  # noqa: E402
from rewardkit.models.data import Stepwise, load_stepwise  # noqa: E402
from rewardkit.models.prm import ProcessRewardModel, train_prm  # noqa: E402
from rewardkit.models.tiny import char_tokenizer, tiny_classifier  # noqa: E402
from rewardkit.models.toy import addition_steps  # noqa: E402
from rewardkit.models.training import TrainArgs  # noqa: E402
from tests.conftest import DEVICES  # noqa: E402


def make_prm(max_length=64):
    tokenizer = char_tokenizer("0123456789+=:\n")
    return ProcessRewardModel(tiny_classifier(tokenizer, num_labels=2, token_classification=True), tokenizer, "\n",
                              max_length)


def test_labels_sit_on_each_separator():
    prm = make_prm()
    ids, attention, labels = prm.encode([Stepwise("1+2:", ["1+2=3", "3+1=5"], [True, False])])
    positions = (labels[0] != -100).nonzero().squeeze(1).tolist()
    assert [int(ids[0, p]) for p in positions] == [prm.separator_id] * 2
    assert labels[0, positions].tolist() == [1, 0]
    _, _, last_only = prm.encode([Stepwise("1+2:", ["1+2=3", "3+1=5"], [True, False])], last_step_only=True)
    assert (last_only[0] != -100).sum() == 1


def test_train_save_load_and_grade(tmp_path):
    rows = [{"prompt": f"{a}+1:", "completions": [f"{a}+1={a + 1}"], "labels": [True]} for a in range(8)]
    rows += [{"prompt": f"{a}+1:", "completions": [f"{a}+1={a + 3}"], "labels": [False]} for a in range(8)]
    path = tmp_path / "steps.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = TrainArgs(output_dir=str(tmp_path / "prm"), epochs=3, batch_size=8, learning_rate=1e-3, device="cpu")
    prm, metrics = train_prm(None, str(path), args, eval_path=str(path), model=make_prm(), progress=False)
    assert {"step_accuracy", "first_error_accuracy"} <= set(metrics)
    prm.model.eval()
    before = prm.step_scores("2+1:", ["2+1=3", "3+1=4"])
    loaded = ProcessRewardModel.load(tmp_path / "prm" / "last", device="cpu")
    assert loaded.separator == "\n" and loaded.step_scores("2+1:", ["2+1=3", "3+1=4"]) == before
    grader = load_grader({"type": "prm", "path": str(tmp_path / "prm" / "last"), "aggregate": "min", "device": "cpu"})
    grade = grader.grade(Sample(prompt="2+1:", response="2+1=3\n3+1=4\n"))
    assert grade.score == pytest.approx(min(before)) and set(grade.parts) == {"step_0", "step_1"}


def test_bad_stepwise_rows_are_reported(tmp_path):
    rows = [{"prompt": "p", "completions": ["a", "b"], "labels": [True]}, {"prompt": "p", "completions": []},
            {"prompt": "p", "completions": ["a"], "labels": [False]}]
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{broken\n")
    loaded = load_stepwise(str(path))
    assert len(loaded.items) == 1 and len(loaded.problems) == 3
    assert "1 labels for 2 steps" in loaded.problems[0]
    (tmp_path / "none.jsonl").write_text('{"x": 1}\n')
    with pytest.raises(DataError):
        load_stepwise(str(tmp_path / "none.jsonl"))
    prm = make_prm(max_length=8)
    prm.encode([Stepwise("1+2:", ["1+2=3", "3+1=4"], [True, True])])
    assert prm.truncated == 1


def test_separator_must_be_one_token():
    tokenizer = char_tokenizer("0123456789+=:\n")
    with pytest.raises(ValueError, match="single token"):
        ProcessRewardModel(tiny_classifier(tokenizer, num_labels=2, token_classification=True), tokenizer, "\n\n")


def test_rm_cli_train_eval_score(tmp_path):
    from click.testing import CliRunner

    from rewardkit.cli import cli
    from rewardkit.models.tiny import char_tokenizer as tok

    tokenizer = tok("0123456789+=")
    base = tmp_path / "base"
    model = tiny_classifier(tokenizer)
    model.config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(base)
    tokenizer.save_pretrained(base)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"prompt": f"{a}+1=", "chosen": str(a + 1), "rejected": str(a + 3)}) + "\n"
                             for a in range(6)))
    runner = CliRunner()
    out = runner.invoke(cli, ["rm", "train", "--model", str(base), "--train", str(pairs), "--out", str(tmp_path / "o"),
                              "--epochs", "1", "--batch-size", "3", "-q"])
    assert out.exit_code == 0, out.output
    assert '"loss"' in out.output
    ev = runner.invoke(cli, ["rm", "eval", "--model", str(tmp_path / "o" / "last"), "--data", str(pairs)])
    assert ev.exit_code == 0 and "pairwise_accuracy" in ev.output
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"prompt": "1+1=", "response": "2"}\n{"prompt": "x"}\n')
    sc = runner.invoke(cli, ["rm", "score", "--model", str(tmp_path / "o" / "last"), "--data", str(rows),
                             "-o", str(tmp_path / "scores.jsonl")])
    assert sc.exit_code == 0, sc.output
    scored = [json.loads(line) for line in (tmp_path / "scores.jsonl").read_text().splitlines()]
    assert scored[0]["reward"] is not None and scored[1]["error"] == "invalid_row"


@pytest.mark.slow
@pytest.mark.parametrize("device", DEVICES)
def test_finds_the_first_wrong_step_in_90_percent_of_held_out_cases(tmp_path, device):
    rng = random.Random(0)
    for name, n in (("train", 4000), ("eval", 300)):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(addition_steps(rng)) + "\n" for _ in range(n)))
    args = TrainArgs(output_dir=str(tmp_path / "run"), epochs=8, batch_size=32, learning_rate=2e-3, warmup_steps=10,
                     device=device)
    _, metrics = train_prm(None, str(tmp_path / "train.jsonl"), args, eval_path=str(tmp_path / "eval.jsonl"),
                           model=make_prm(), progress=False)
    assert metrics["first_error_accuracy"] >= 0.90, metrics
    # Loaded for grading where it was trained (bf16 weights on CUDA): still tells a wrong step from a right one.
    grader = load_grader({"type": "prm", "path": str(tmp_path / "run" / "last"), "aggregate": "min",
                          "device": device})
    right, wrong = grader.grade_batch([Sample(prompt="", response="2+1=3\n3+1=4\n"),
                                       Sample(prompt="", response="2+1=3\n3+1=5\n")])
    assert right.score > wrong.score, (right, wrong)


def test_prm_cli_train_eval_score(tmp_path):
    from click.testing import CliRunner

    from rewardkit.cli import cli

    prm = make_prm()
    base = tmp_path / "base"
    prm.save(base)
    rng = random.Random(1)
    data = tmp_path / "steps.jsonl"
    data.write_text("".join(json.dumps(addition_steps(rng)) + "\n" for _ in range(24)))
    runner = CliRunner()
    out = runner.invoke(cli, ["prm", "train", "--model", str(base), "--train", str(data), "--out", str(tmp_path / "o"),
                              "--epochs", "1", "--batch-size", "8", "-q"])
    assert out.exit_code == 0, out.output
    ev = runner.invoke(cli, ["prm", "eval", "--model", str(tmp_path / "o" / "last"), "--data", str(data)])
    assert ev.exit_code == 0 and "first_error_accuracy" in ev.output
    sc = runner.invoke(cli, ["prm", "score", "--model", str(tmp_path / "o" / "last"), "--data", str(data),
                             "-o", str(tmp_path / "s.jsonl"), "--aggregate", "first_error"])
    assert sc.exit_code == 0, sc.output
    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert len(rows) == 24 and all(0 <= r["reward"] <= 1 for r in rows)
