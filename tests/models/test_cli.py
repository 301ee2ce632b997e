"""``rewardkit rm`` / ``prm`` as a person meets them: every mistake is one line, named, before a model loads."""

import json

import pytest
from click.testing import CliRunner

from rewardkit.cli import cli

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from rewardkit.models.tiny import char_tokenizer, tiny_classifier  # noqa: E402


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line_error(result, *needles):
    """A clean failure: exit 1 (or 2 for usage), a single ``Error:`` line holding every needle, no traceback."""
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(lines) == 1, result.output
    assert all(n in lines[0] for n in needles), result.output


@pytest.fixture(scope="module")
def tiny_rm(tmp_path_factory):
    """A tiny (untrained) BT reward model folder: the commands only need something loadable."""
    folder = tmp_path_factory.mktemp("rm") / "model"
    tokenizer = char_tokenizer("0123456789+=")
    model = tiny_classifier(tokenizer)
    model.config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def no_model_loads(monkeypatch):
    """Any model load fails the test: the error must come first."""
    from rewardkit.models import bradley_terry, prm

    def refuse(*args, **kwargs):
        raise AssertionError("a model was loaded before the input was checked")

    monkeypatch.setattr(bradley_terry.RewardModel, "load", refuse)
    monkeypatch.setattr(prm.ProcessRewardModel, "load", refuse)


def test_prm_train_help_shows_the_separator_default_readably():
    out = run("prm", "train", "--help").output
    assert "[default:  ]" not in out and "[default: \n]" not in out
    assert r"[default: \n]" in " ".join(out.split())  # typed as \n, read as a newline


def test_a_separator_typed_as_backslash_n_is_a_newline(tmp_path, monkeypatch):
    seen = {}

    def fake_train(model_path, train_path, args, eval_path, separator, *rest, **kwargs):
        seen["separator"] = separator
        return None, {}

    from rewardkit.models import prm

    monkeypatch.setattr(prm, "train_prm", fake_train)
    data = tmp_path / "steps.jsonl"
    data.write_text('{"prompt": "", "completions": ["1"], "labels": [true]}\n')
    result = run("prm", "train", "--model", tmp_path, "--train", data, "--out", tmp_path / "o", "--separator", r"\n")
    assert result.exit_code == 0, result.output
    assert seen["separator"] == "\n"


@pytest.mark.parametrize("command", [["rm", "train"], ["prm", "train"]])
def test_a_missing_local_model_folder_is_one_line_at_once(tmp_path, command, no_model_loads):
    (tmp_path / "runs").mkdir()
    data = tmp_path / "d.jsonl"
    data.write_text("{}\n")
    for typo in [tmp_path / "runs" / "rm" / "bset", "runs/bset", "./base"]:
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(tmp_path)
            result = run(*command, "--model", typo, "--train", data)
        one_line_error(result, "--model", "no such directory", str(typo))


def test_rm_eval_and_score_check_the_model_folder_too(tmp_path, no_model_loads):
    data = tmp_path / "d.jsonl"
    data.write_text("{}\n")
    one_line_error(run("rm", "eval", "--model", tmp_path / "nope", "--data", data), "no such directory")
    one_line_error(run("rm", "score", "--model", tmp_path / "nope", "--data", data, "-o", tmp_path / "o.jsonl"),
                   "no such directory")


@pytest.mark.parametrize("command", [["rm", "train"], ["prm", "train"]])
def test_a_missing_data_file_is_one_line_before_the_model_loads(tmp_path, tiny_rm, command, no_model_loads):
    missing = tmp_path / "trian.jsonl"
    one_line_error(run(*command, "--model", tiny_rm, "--train", missing), "--train", str(missing), "does not exist")
    good = tmp_path / "ok.jsonl"
    good.write_text("{}\n")
    one_line_error(run(*command, "--model", tiny_rm, "--train", good, "--eval", missing), "--eval", "does not exist")


@pytest.mark.parametrize("command", [["rm", "train"], ["prm", "train"]])
def test_a_data_file_without_usable_rows_is_one_line_before_the_model_loads(tmp_path, tiny_rm, command,
                                                                            no_model_loads):
    data = tmp_path / "wrong_columns.jsonl"
    data.write_text('{"question": "1+1", "answer": "2"}\n')
    one_line_error(run(*command, "--model", tiny_rm, "--train", data, "--out", tmp_path / "o"), str(data),
                   "no usable")


def test_bad_training_settings_are_all_reported_at_once(tmp_path, tiny_rm, no_model_loads):
    data = tmp_path / "d.jsonl"
    data.write_text("{}\n")
    result = run("rm", "train", "--model", tiny_rm, "--train", data, "--epochs", "0", "--batch-size", "0")
    assert result.exit_code == 1 and "epochs" in result.output and "batch_size" in result.output, result.output


def test_rm_score_names_its_id_column_id_as_score_does(tmp_path, tiny_rm):
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"id": "a", "prompt": "1+1=", "response": "2"}\n{"prompt": "1+2=", "response": "3"}\n'
                    '{"id": "c", "prompt": "x"}\nnot json\n')
    result = run("rm", "score", "--model", tiny_rm, "--data", rows, "-o", tmp_path / "out.jsonl")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in out] == ["a", 1, "c", 3]  # the id field, else the row number
    assert all("row" not in r for r in out)
    assert [r["error"] for r in out] == [None, None, "invalid_row", "invalid_row"]
    by_field = run("rm", "score", "--model", tiny_rm, "--data", rows, "-o", tmp_path / "o2.jsonl", "--id-field", "prompt")
    assert by_field.exit_code == 0, by_field.output
    assert json.loads((tmp_path / "o2.jsonl").read_text().splitlines()[0])["id"] == "1+1="


@pytest.mark.parametrize("command", [["rm", "train"], ["prm", "train"]])
def test_ctrl_c_says_how_to_continue(tmp_path, monkeypatch, command):
    from rewardkit.models import bradley_terry, prm

    def interrupted(*args, **kwargs):
        (tmp_path / "o" / "last").mkdir(parents=True)  # as a run that saved a checkpoint would have
        raise KeyboardInterrupt

    monkeypatch.setattr(bradley_terry, "train_bradley_terry", interrupted)
    monkeypatch.setattr(prm, "train_prm", interrupted)
    data = tmp_path / "d.jsonl"
    data.write_text("{}\n")
    result = run(*command, "--model", tmp_path, "--train", data, "--out", tmp_path / "o")
    assert result.exit_code == 130, result.output
    assert "--resume" in result.output and "Aborted!" not in result.output


def test_quiet_turns_transformers_bars_off_during_the_work(tmp_path, monkeypatch):
    from transformers.utils import logging

    from rewardkit.models import bradley_terry

    seen = []
    monkeypatch.setattr(bradley_terry, "train_bradley_terry",
                        lambda *a, **k: (seen.append(logging.is_progress_bar_enabled()), (None, {}))[1])
    data = tmp_path / "d.jsonl"
    data.write_text("{}\n")
    assert run("rm", "train", "--model", tmp_path, "--train", data, "--out", tmp_path / "o", "-q").exit_code == 0
    assert run("rm", "train", "--model", tmp_path, "--train", data, "--out", tmp_path / "o").exit_code == 0
    assert seen == [False, True]
    assert logging.is_progress_bar_enabled()  # restored afterwards
