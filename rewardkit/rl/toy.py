"""A toy verifiable task for the demo and the tests: additions checked by the ``math`` grader.

A tiny causal LM with a character tokenizer is warm-started with a little supervised training on
additions (some answers deliberately off by one), so that its held-out accuracy starts low but
above zero; GRPO or RFT then has signal to improve it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import torch

from rewardkit.models.tiny import char_tokenizer, tiny_causal_lm
from rewardkit.rl.sft import sft_batch, sft_loss

ALPHABET = "0123456789+="


def addition_problems(n: int, seed: int, low: int = 0, high: int = 9) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a, b = rng.randint(low, high), rng.randint(low, high)
        rows.append({"prompt": f"{a}+{b}=", "reference": str(a + b)})
    return rows


def write_jsonl(rows: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def warm_start(directory: Path, steps: int = 150, noise: float = 0.5, seed: int = 0, lr: float = 3e-3) -> Path:
    """A tiny model trained briefly on additions (a ``noise`` fraction of them wrong by one), saved."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tokenizer = char_tokenizer(ALPHABET)
    model = tiny_causal_lm(tokenizer, hidden_size=64, layers=2, heads=4, seed=seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        rows = addition_problems(32, rng.randrange(10**9))
        answers = [str(int(r["reference"]) + (rng.choice([-1, 1]) if rng.random() < noise else 0)) for r in rows]
        loss = sft_loss(model, sft_batch(tokenizer, [r["prompt"] for r in rows], answers, "cpu"))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def toy_config(workdir: Path, **overrides) -> dict:
    """A GRPO config dict for the toy task (a fresh warm-started model under ``workdir``)."""
    model = warm_start(workdir / "warm_start")
    train = write_jsonl(addition_problems(2000, seed=1), workdir / "train.jsonl")
    held_out = write_jsonl(addition_problems(200, seed=2), workdir / "eval.jsonl")
    config = {
        "model": str(model), "prompts": str(train), "eval_prompts": str(held_out),
        "rewards": [{"grader": {"type": "math", "fallback": "last_number"}}],
        "num_generations": 8, "rollout_batch_size": 64, "generation_batch_size": 32, "micro_batch_size": 64,
        "max_new_tokens": 3, "temperature": 1.0, "learning_rate": 3e-4, "max_steps": 60, "advantage": "grpo",
        "loss_aggregation": "token_mean", "output_dir": str(workdir / "grpo"), "seed": 0, "eval_samples": 200, "eval_every": 10,
        "device": "cpu",
    }
    config.update(overrides)
    return config
