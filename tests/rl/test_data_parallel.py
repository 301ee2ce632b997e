"""The same commands, data-parallel: two CPU processes under `accelerate launch` (gloo).

Each run is a real `accelerate launch --multi_gpu --num_processes 2` with the GPUs hidden, so that
accelerate runs it on the CPU with gloo on any machine (on a one-GPU machine the two ranks would
otherwise meet on one GPU, which NCCL refuses). Each is bounded in time so that a collective one
process skips (a hang) fails the test instead of stalling the suite.
"""

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")
yaml = pytest.importorskip("yaml")

from rewardkit.rl.toy import toy_config  # noqa: E402

PROCESSES = 2


def launch(*args: str, timeout: int = 1200) -> str:  # a bound for a hung run, not a speed
    with socket.socket() as s:  # a free port for the processes to meet on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(PROCESSES),
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port",
               str(port), "-m", "rewardkit", *args]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def config_file(tmp_path_factory):
    root = tmp_path_factory.mktemp("dp")
    config = toy_config(root, eval_samples=20, max_steps=4, save_every=2, rollout_batch_size=16,
                        generation_batch_size=16, micro_batch_size=8, dynamic_sampling=True)
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_grpo_runs_on_two_processes_and_resumes_bit_for_bit(config_file, tmp_path):
    full = tmp_path / "full"
    out = launch("grpo", "--config", str(config_file), "--set", f"output_dir={full}", "-q")
    assert out.count("metrics:") == 1, out  # reported once, by the main process
    steps = [r for r in rows(full / "metrics.jsonl") if "reward_mean" in r]
    assert [r["rollouts"] for r in steps] == [16 * PROCESSES] * 4  # every process's rollouts counted
    state = torch.load(full / "final" / "trainer_state.pt", weights_only=False)
    assert len(state["extra"]["rank_states"]) == PROCESSES
    a, b = (state["extra"]["rank_states"][i]["data_rng"] for i in range(PROCESSES))
    assert a != b, "each process samples its own prompts"

    resumed = tmp_path / "resumed"
    resumed.mkdir()
    shutil.copytree(full / "checkpoint-2", resumed / "checkpoint-2")
    shutil.copy(full / "metrics.jsonl", resumed / "metrics.jsonl")
    launch("grpo", "--config", str(config_file), "--set", f"output_dir={resumed}", "--resume", "-q")
    from safetensors.torch import load_file

    w1, w2 = load_file(full / "final" / "model.safetensors"), load_file(resumed / "final" / "model.safetensors")
    assert all(torch.equal(w1[k], w2[k]) for k in w1)
    timing = ("step_seconds", "tokens_per_second")
    strip = lambda rs: [{k: v for k, v in r.items() if k not in timing} for r in rs]  # noqa: E731
    assert strip(rows(full / "metrics.jsonl")) == strip(rows(resumed / "metrics.jsonl"))


def test_rft_with_uneven_kept_counts_does_not_hang(config_file, tmp_path):
    # micro_batch_size 2: the processes keep different numbers of completions, hence run
    # different numbers of micro-batches; the shorter one pads with zero-weight passes.
    out_dir = tmp_path / "rft"
    launch("rft", "--config", str(config_file), "--set", f"output_dir={out_dir}", "--set", "micro_batch_size=2",
           "--set", "max_steps=6", "-q")
    steps = [r for r in rows(out_dir / "metrics.jsonl") if "kept_fraction" in r]
    assert len(steps) == 6 and all(r["rollouts"] == 16 * PROCESSES for r in steps)
    assert any(r["loss"] is not None for r in steps)
    assert (out_dir / "final" / "model.safetensors").exists()


def test_reward_model_training_with_an_odd_number_of_pairs(tmp_path):
    from rewardkit.models.tiny import char_tokenizer, tiny_classifier
    from rewardkit.models.toy import addition_preferences

    tokenizer = char_tokenizer("0123456789+=")
    model = tiny_classifier(tokenizer)
    model.config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(tmp_path / "base")
    tokenizer.save_pretrained(tmp_path / "base")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(r) + "\n" for r in addition_preferences(101, seed=0)))
    out = launch("rm", "train", "--model", str(tmp_path / "base"), "--train", str(pairs), "--eval", str(pairs),
                 "--out", str(tmp_path / "rm"), "--epochs", "2", "--batch-size", "8", "-q")
    assert out.count('"pairwise_accuracy"') == 1, out
    assert (tmp_path / "rm" / "last" / "model.safetensors").exists()
