"""A toy verifiable task for the demo and the tests: additions checked by the ``math`` grader.

A tiny causal LM with a character tokenizer is warm-started with a little supervised training on
additions (some answers deliberately off by one), so that its held-out accuracy starts low but
above zero; GRPO or RFT then has signal to improve it. With ``chat``, the same task as a chat
model sees it: ChatML special tokens and template, prompts as lists of messages.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import torch
from tqdm import tqdm

from rewardkit.models.tiny import DEFAULT_ALPHABET, char_tokenizer, tiny_causal_lm
from rewardkit.rl.prompting import PromptFormat
from rewardkit.rl.sft import sft_batch, sft_loss

ALPHABET = "0123456789+="
# ChatML as Qwen's instruct models write it, with Qwen3's switch for an empty thinking block.
CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n"
          "{% if enable_thinking is defined and not enable_thinking %}<think>\n\n</think>\n\n{% endif %}"
          "{% endif %}")


def chat_tokenizer():
    """A character tokenizer with ChatML's special tokens and template; the end of a turn,
    ``<|im_end|>``, is its eos (as in Qwen's instruct tokenizers)."""
    tokenizer = char_tokenizer(DEFAULT_ALPHABET)
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.eos_token = "<|im_end|>"
    tokenizer.chat_template = CHATML
    return tokenizer


def tiny_chat_model(tokenizer, seed: int = 0, hidden_size: int = 64):
    """A tiny Llama for ``chat_tokenizer`` whose generation stops at the end of a turn or at ``<eos>``
    (two eos ids, as chat models' generation configs list them)."""
    model = tiny_causal_lm(tokenizer, hidden_size=hidden_size, layers=2, heads=4, seed=seed)
    model.generation_config.eos_token_id = [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<eos>")]
    return model


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


def as_chat(rows: list[dict]) -> list[dict]:
    """The rows with each prompt as a conversation of one user message."""
    return [{**r, "prompt": [{"role": "user", "content": r["prompt"]}]} for r in rows]


def warm_start(directory: Path, steps: int = 150, noise: float = 0.5, seed: int = 0, lr: float = 3e-3,
               chat: bool = False, progress: bool = False) -> Path:
    """A tiny model trained briefly on additions (a ``noise`` fraction of them wrong by one), saved;
    with ``chat``, a chat model trained on the prompts rendered by its chat template."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tokenizer = chat_tokenizer() if chat else char_tokenizer(ALPHABET)
    model = tiny_chat_model(tokenizer, seed) if chat else tiny_causal_lm(tokenizer, hidden_size=64, layers=2,
                                                                          heads=4, seed=seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    for _ in tqdm(range(steps), desc="warm start", disable=not progress, dynamic_ncols=True):
        rows = addition_problems(32, rng.randrange(10**9))
        answers = [str(int(r["reference"]) + (rng.choice([-1, 1]) if rng.random() < noise else 0)) for r in rows]
        prompts = [PromptFormat().render(r["prompt"], tokenizer)[0] for r in (as_chat(rows) if chat else rows)]
        loss = sft_loss(model, sft_batch(tokenizer, prompts, answers, "cpu"))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def toy_config(workdir: Path, chat: bool = False, progress: bool = False, **overrides) -> dict:
    """A GRPO config dict for the toy task (a fresh warm-started model under ``workdir``); with
    ``chat``, a chat model and conversational prompts."""
    shape = as_chat if chat else list
    model = warm_start(workdir / "warm_start", chat=chat, progress=progress)
    train = write_jsonl(shape(addition_problems(2000, seed=1)), workdir / "train.jsonl")
    held_out = write_jsonl(shape(addition_problems(200, seed=2)), workdir / "eval.jsonl")
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
