"""GRPO and RFT on the toy addition task: real tiny transformers models on CPU, no downloads."""

import importlib.util
import json
import shutil

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from rewardkit.rl.config import load_config  # noqa: E402
from rewardkit.rl.data import load_prompts  # noqa: E402
from rewardkit.rl.grpo import train_grpo  # noqa: E402
from rewardkit.rl.rft import select_for_rft, train_rft  # noqa: E402
from rewardkit.rl.toy import toy_config  # noqa: E402
from tests.conftest import DEVICES  # noqa: E402


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """One warm-started toy model and data, shared (each test copies what it changes)."""
    root = tmp_path_factory.mktemp("toy")
    return toy_config(root)


@pytest.mark.slow
@pytest.mark.parametrize("device", DEVICES)
def test_grpo_raises_held_out_accuracy_by_30_points(warm, tmp_path, device):
    result = train_grpo(load_config({**warm, "device": device, "output_dir": str(tmp_path / "run")}), progress=False)
    assert 0.0 < result.accuracy_before < 0.6, "the warm start must leave room to learn"
    assert result.accuracy_after - result.accuracy_before >= 0.30, (result.accuracy_before, result.accuracy_after)
    rows = [json.loads(line) for line in result.metrics_path.read_text().splitlines()]
    step = next(r for r in rows if "reward_mean" in r)
    for key in ("reward_mean", "reward_std", "reward/math_mean", "zero_variance_groups", "entropy", "clip_fraction",
                "completion_length_mean", "completion_length_max", "tokens_per_second", "step_seconds", "kl"):
        assert key in step
    assert result.plot_path.read_bytes()[:4] == b"\x89PNG"
    assert json.loads((result.final_dir / "train_config.json").read_text())["num_generations"] == 8


@pytest.mark.slow
@pytest.mark.parametrize("device", DEVICES)
def test_rft_raises_held_out_accuracy(warm, tmp_path, device):
    config = {**warm, "device": device, "output_dir": str(tmp_path / "rft"), "max_steps": 40}
    result = train_rft(load_config(config), progress=False)
    assert result.accuracy_after > result.accuracy_before + 0.10, (result.accuracy_before, result.accuracy_after)


@pytest.mark.parametrize("train", [train_grpo, train_rft])
def test_resume_continues_bit_for_bit(warm, tmp_path, train):
    config = {**warm, "eval_prompts": None, "max_steps": 4, "save_every": 2}
    full = train(load_config({**config, "output_dir": str(tmp_path / "full")}), progress=False)
    resumed_dir = tmp_path / "resumed"
    resumed_dir.mkdir()
    shutil.copytree(tmp_path / "full" / "checkpoint-2", resumed_dir / "checkpoint-2")
    shutil.copy(tmp_path / "full" / "metrics.jsonl", resumed_dir / "metrics.jsonl")
    resumed = train(load_config({**config, "output_dir": str(resumed_dir)}), resume=True, progress=False)
    from safetensors.torch import load_file

    a = load_file(full.final_dir / "model.safetensors")
    b = load_file(resumed.final_dir / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    lines = lambda p: [json.loads(x) for x in p.read_text().splitlines()]  # noqa: E731
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("step_seconds", "tokens_per_second")} for r in rows]  # noqa: E731
    assert strip(lines(full.metrics_path)) == strip(lines(resumed.metrics_path))


@pytest.mark.parametrize("device", DEVICES)
def test_every_objective_option_runs(warm, tmp_path, device):
    # TensorBoard events are an extra (the `tensorboard` one); with it installed, they are checked too.
    tensorboard = importlib.util.find_spec("tensorboard") is not None
    options = {"eval_prompts": None, "max_steps": 2, "device": device, "beta": 0.05, "tensorboard": tensorboard,
               "dynamic_sampling": True, "max_refills": 2,
               "overlong_buffer": 1, "mask_truncated": True, "dual_clip": 3.0, "importance_ratio": "sequence",
               "advantage": "dr_grpo", "loss_aggregation": "seq_mean_token_sum_norm", "num_iterations": 2,
               "epsilon_high": 0.28, "micro_batch_size": 16, "lr_schedule": "cosine", "warmup_steps": 1,
               "rewards": [{"grader": "math", "name": "acc"},
                           {"grader": {"type": "format", "pattern": r"\d+", "match": "full"}, "weight": 0.1}],
               "output_dir": str(tmp_path / "opts")}
    result = train_grpo(load_config({**warm, **options}), progress=False)
    step = json.loads(result.metrics_path.read_text().splitlines()[0])
    assert step["kl"] is not None and step["kl"] >= 0
    assert "reward/acc_mean" in step and "reward/format_mean" in step
    assert 0 <= step["dynamic_sampling_dropped"] <= 1
    assert step["rollouts"] == warm["rollout_batch_size"]  # refilled, or completed with zero-variance groups
    assert bool(list((tmp_path / "opts" / "tensorboard").glob("events.out.tfevents.*"))) == tensorboard


def test_prompts_over_the_limit_are_counted_and_skipped(tmp_path):
    from rewardkit.models.tiny import char_tokenizer

    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [{"prompt": "1+1=", "reference": "2"},
                                                           {"prompt": "1" * 50, "reference": "1"},
                                                           {"question": "no prompt"}]))
    prompts = load_prompts(str(path), "prompt", "reference", char_tokenizer(), max_prompt_tokens=10)
    assert [(item.text, item.reference) for item in prompts.items] == [("1+1=", "2")]
    assert prompts.skipped_too_long == 1 and prompts.skipped_invalid == 1


def test_rft_selection_by_hand():
    rewards = torch.tensor([1.0, 0.0, 0.5, float("nan"), 0.2, 0.9])
    assert select_for_rft(rewards, 3, threshold=0.5, best_of_group=False) == [0, 2, 5]
    assert select_for_rft(rewards, 3, threshold=None, best_of_group=True) == [0, 5]


def test_cli_grpo_and_plot(warm, tmp_path):
    import yaml
    from click.testing import CliRunner

    from rewardkit.cli import cli

    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump({**warm, "eval_prompts": None, "output_dir": str(tmp_path / "cli")}))
    result = CliRunner().invoke(cli, ["grpo", "--config", str(path), "--set", "max_steps=2", "-q"])
    assert result.exit_code == 0, result.output
    assert "metrics:" in result.output
    plot = CliRunner().invoke(cli, ["plot", str(tmp_path / "cli" / "metrics.jsonl"), "--out", str(tmp_path / "c.png")])
    assert plot.exit_code == 0 and (tmp_path / "c.png").exists()
    bad = CliRunner().invoke(cli, ["grpo", "--config", str(path), "--set", "num_generations=1"])
    assert bad.exit_code != 0 and "num_generations" in bad.output


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("train", [train_grpo, train_rft])
def test_bf16_autocast_with_gradient_checkpointing(warm, tmp_path, train, device):
    # The mixed-precision path that CUDA takes, also run with CPU bf16 autocast.
    import math

    config = {**warm, "eval_prompts": None, "max_steps": 2, "bf16": True, "gradient_checkpointing": True, "device": device,
              "beta": 0.05, "output_dir": str(tmp_path / "bf16")}
    result = train(load_config(config), progress=False)
    steps = [json.loads(line) for line in result.metrics_path.read_text().splitlines() if "loss" in line]
    assert len(steps) == 2 and all(r["loss"] is None or math.isfinite(r["loss"]) for r in steps)
    if train is train_grpo:
        assert all(math.isfinite(r["kl"]) and math.isfinite(r["grad_norm"]) for r in steps)


@pytest.mark.parametrize("device", DEVICES)
def test_old_and_reference_logprobs_share_the_training_precision(warm, tmp_path, device):
    # With the policy unchanged (a negligible learning rate) the ratio is 1 and the KL to the
    # reference 0 only if old, reference and new log-probs are all computed at the same (bf16) precision.
    config = {**warm, "eval_prompts": None, "max_steps": 1, "bf16": True, "device": device, "beta": 0.1,
              "num_iterations": 2, "epsilon_low": 1e-4, "epsilon_high": 1e-4, "learning_rate": 1e-30,
              "micro_batch_size": 32, "output_dir": str(tmp_path / "precision")}
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()  # the check below is about this run alone
    result = train_grpo(load_config(config), progress=False)
    step = json.loads(result.metrics_path.read_text().splitlines()[0])
    assert step["clip_fraction"] == 0.0 and abs(step["kl"]) < 1e-6, step
    if device == "cuda":
        assert torch.cuda.max_memory_allocated() > 0
