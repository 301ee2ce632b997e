"""How the policy runs: loading, seeds, the data-parallel collectives, optimizer and checkpoints."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rewardkit.models.pretrained import load_pretrained
from rewardkit.rl.adapters import add_adapters, load_adapters
from rewardkit.rl.config import TrainConfig


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# -- data-parallel helpers: every process calls them (they are collectives), each returns the
#    same result everywhere; with one process they cost nothing.

def gather_columns(accelerator, columns: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Per-rollout columns ([B] each, same B in every process) from all processes: [B * processes] each."""
    names = list(columns)
    stacked = torch.stack([columns[n].float().to(accelerator.device) for n in names], dim=1)  # [B, C]
    gathered = accelerator.gather(stacked).cpu()  # [B * processes, C]
    return {name: gathered[:, i] for i, name in enumerate(names)}


def sum_over_processes(accelerator, values: list[float]) -> list[float]:
    """Element-wise sums of ``values`` over all processes."""
    return _over_processes(accelerator, values).sum(dim=0).tolist()


def max_over_processes(accelerator, values: list[float]) -> list[float]:
    """Element-wise maxima of ``values`` over all processes."""
    return _over_processes(accelerator, values).max(dim=0).values.tolist()


def _over_processes(accelerator, values: list[float]) -> torch.Tensor:
    local = torch.tensor([values], dtype=torch.float64, device=accelerator.device)  # [1, K]
    return accelerator.gather(local).cpu()  # [processes, K]


def rank_states(accelerator, data_rng: random.Random) -> list[dict[str, Any]]:
    """Every process's data-sampling and torch RNG states, by rank, for a checkpoint."""
    from accelerate.utils import gather_object

    mine = {"data_rng": data_rng.getstate(), "torch_rng": torch.get_rng_state()}
    return gather_object([mine]) if accelerator.num_processes > 1 else [mine]


def restore_rank_state(accelerator, extra: dict[str, Any], data_rng: random.Random) -> None:
    """Put this process's RNG states back from a checkpoint written with the same number of processes."""
    states = extra.get("rank_states") or []
    if len(states) == accelerator.num_processes:
        data_rng.setstate(states[accelerator.process_index]["data_rng"])
        torch.set_rng_state(states[accelerator.process_index]["torch_rng"])
    elif states:
        print(f"resuming {len(states)} processes' run on {accelerator.num_processes}: sampling RNGs start afresh")


def load_policy(config: TrainConfig, path: str | None = None):
    """The tokenizer and the causal LM to train (from checkpoint ``path`` or the config's model);
    with ``lora``, the config's model with fresh adapters, or with the adapters saved at ``path``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.tokenizer or path or config.model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    # fp32 master weights on the CPU; accelerate moves them (and runs bf16 autocast on CUDA).
    weights = config.model if config.lora is not None else path or config.model
    model = load_pretrained(AutoModelForCausalLM, weights, "cpu", torch.float32)
    if config.gradient_checkpointing:  # renamed in transformers 5
        enable = getattr(model, "activation_checkpointing_enable", None) or model.gradient_checkpointing_enable
        enable()
    if config.lora is not None:
        if config.gradient_checkpointing:  # the frozen embeddings' output must carry gradients through
            model.enable_input_require_grads()
        model = load_adapters(model, path) if path else add_adapters(model, config.lora)
    return tokenizer, model


def lr_lambda(config: TrainConfig, total_steps: int):
    import math

    def factor(step: int) -> float:
        if step < config.warmup_steps:
            return (step + 1) / (config.warmup_steps + 1)
        progress = (step - config.warmup_steps) / max(1, total_steps - config.warmup_steps)
        if config.lr_schedule == "linear":
            return max(0.0, 1 - progress)
        if config.lr_schedule == "cosine":
            return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
        return 1.0

    return factor


def make_optimizer(config: TrainConfig, model):
    """AdamW and its warmup + decay schedule over ``max_steps``."""
    trainable = [p for p in model.parameters() if p.requires_grad]  # all of them, or the LoRA adapters
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(config, config.max_steps))


def save_checkpoint(directory: Path, model, tokenizer, optimizer, scheduler, step: int, config: TrainConfig,
                    extra: dict[str, Any] | None = None) -> Path:
    """Weights (save_pretrained), optimizer, scheduler, every RNG state, step and the whole config."""
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory, safe_serialization=True)
    tokenizer.save_pretrained(directory)
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "step": step,
                "python_rng": random.getstate(), "numpy_rng": np.random.get_state(),
                "torch_rng": torch.get_rng_state(), "extra": extra or {}}, directory / "trainer_state.pt")
    (directory / "train_config.json").write_text(json.dumps(config.model_dump(), indent=2))
    return directory


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    checkpoints = sorted(Path(output_dir).glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    return checkpoints[-1] if checkpoints else None


def restore_trainer_state(directory: Path, optimizer, scheduler) -> tuple[int, dict]:
    state = torch.load(directory / "trainer_state.pt", weights_only=False)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    random.setstate(state["python_rng"])
    np.random.set_state(state["numpy_rng"])
    torch.set_rng_state(state["torch_rng"])
    return state["step"], state["extra"]
