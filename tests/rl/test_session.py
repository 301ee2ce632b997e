"""A run's output_dir: an existing run is continued only with resume and replaced only with overwrite."""

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from rewardkit.rl.config import ConfigError, load_config  # noqa: E402
from rewardkit.rl.grpo import train_grpo  # noqa: E402
from rewardkit.rl.rft import train_rft  # noqa: E402
from rewardkit.rl.session import previous_run  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """An untrained tiny policy and a few prompts: enough for a one-step run."""
    from rewardkit.models.tiny import char_tokenizer, tiny_causal_lm

    root = tmp_path_factory.mktemp("tiny")
    tokenizer = char_tokenizer("0123456789+=")
    tiny_causal_lm(tokenizer, hidden_size=32, layers=1, heads=2).save_pretrained(root / "policy")
    tokenizer.save_pretrained(root / "policy")
    (root / "p.jsonl").write_text("".join(json.dumps({"prompt": f"{a}+1=", "reference": str(a + 1)}) + "\n"
                                          for a in range(8)))
    return {"model": str(root / "policy"), "prompts": str(root / "p.jsonl"), "rewards": [{"grader": "math"}],
            "num_generations": 2, "rollout_batch_size": 4, "generation_batch_size": 4, "micro_batch_size": 4,
            "max_new_tokens": 2, "max_steps": 1, "device": "cpu"}


@pytest.mark.parametrize("train", [train_grpo, train_rft])
def test_a_run_in_output_dir_is_not_overwritten_without_asking(tiny, tmp_path, train, monkeypatch):
    out = tmp_path / "run"
    (out / "checkpoint-5").mkdir(parents=True)
    (out / "metrics.jsonl").write_text('{"step": 5}\n')
    from rewardkit.rl import session

    monkeypatch.setattr(session, "load_policy", lambda *a: pytest.fail("loaded a model before refusing"))
    with pytest.raises(ConfigError, match=r"output_dir: .* holds a run \(metrics.jsonl, checkpoint-5\).*--resume.*"
                                          r"--overwrite"):
        train(load_config({**tiny, "output_dir": str(out)}), progress=False)
    assert (out / "checkpoint-5").is_dir() and (out / "metrics.jsonl").read_text() == '{"step": 5}\n'


def test_overwrite_replaces_the_run_and_keeps_other_files(tiny, tmp_path):
    out = tmp_path / "run"
    (out / "checkpoint-5").mkdir(parents=True)
    (out / "metrics.jsonl").write_text('{"step": 5}\n')
    (out / "notes.txt").write_text("mine")
    result = train_grpo(load_config({**tiny, "output_dir": str(out)}), progress=False, overwrite=True)
    assert not (out / "checkpoint-5").exists()  # a later --resume must not pick up the old run's checkpoint
    assert {json.loads(line)["step"] for line in result.metrics_path.read_text().splitlines()} == {1}
    assert (out / "notes.txt").read_text() == "mine"
    assert {p.name for p in previous_run(out)} >= {"metrics.jsonl", "final"}


def test_an_empty_or_unrelated_output_dir_is_fine(tmp_path):
    (tmp_path / "data.jsonl").write_text("{}\n")
    assert previous_run(tmp_path) == [] and previous_run(tmp_path / "missing") == []
