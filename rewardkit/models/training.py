"""A plain torch training loop for reward models: AdamW, warmup + decay, accumulation, clipping,
evaluation every N steps, best and last checkpoints, resume, progress bar, JSONL metrics."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field
from tqdm import tqdm

from rewardkit.devices import Device, make_accelerator, sync_on_last


class TrainArgs(BaseModel):
    """Optimisation settings shared by the BT and PRM trainers."""

    model_config = ConfigDict(extra="forbid")

    output_dir: str = Field(default="runs/rm", description="Checkpoints (best/, last/) and metrics.jsonl.")
    epochs: int = Field(default=1, gt=0, description="Passes over the training data.")
    max_steps: int | None = Field(default=None, gt=0, description="Stop after this many optimizer steps.")
    batch_size: int = Field(default=16, gt=0, description="Examples per forward/backward.")
    gradient_accumulation: int = Field(default=1, gt=0, description="Batches per optimizer step.")
    learning_rate: float = Field(default=1e-5, gt=0, description="Peak learning rate (AdamW).")
    weight_decay: float = Field(default=0.0, ge=0, description="AdamW weight decay.")
    warmup_steps: int = Field(default=0, ge=0, description="Linear warmup steps.")
    schedule: Literal["cosine", "linear", "constant"] = Field(default="cosine", description="Decay after warmup.")
    max_grad_norm: float = Field(default=1.0, gt=0, description="Gradient clipping norm.")
    eval_every: int = Field(default=0, ge=0, description="Evaluate every N steps (0: at the end only).")
    max_length: int = Field(default=512, gt=0, description="Longer sequences are truncated (and counted).")
    seed: int = Field(default=0, description="Seed of the shuffling and initialisation.")
    device: Device = Field(default="auto", description="auto: CUDA when present.")
    bf16: bool | None = Field(default=None, description="bf16 autocast; default: on with CUDA.")


def schedule(args: TrainArgs, total: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < args.warmup_steps:
            return (step + 1) / (args.warmup_steps + 1)
        progress = min(1.0, (step - args.warmup_steps) / max(1, total - args.warmup_steps))
        return {"cosine": 0.5 * (1 + math.cos(math.pi * progress)), "linear": 1 - progress}.get(args.schedule, 1.0)

    return factor


def train_loop(model, items: list, args: TrainArgs, loss_fn: Callable[[Any, list], torch.Tensor],
               evaluate: Callable[[Any], dict[str, float]] | None, save: Callable[[Path], None],
               best_key: str | None = None, resume: bool = False, progress: bool = True) -> dict[str, Any]:
    """Train ``model`` on ``items`` with ``loss_fn(model, batch_items)``; returns the final metrics."""
    output = Path(args.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    accelerator = make_accelerator(args.device, args.bf16)  # data-parallel under `accelerate launch`
    # Every process takes every n-th example, the list wrapped round to a multiple of n first so
    # that all take the same number of steps (each backward pass is a collective).
    items = (items + items[: -len(items) % accelerator.num_processes])[accelerator.process_index:: accelerator.num_processes]
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    per_epoch = math.ceil(len(items) / (args.batch_size * args.gradient_accumulation))
    total = min(args.max_steps or per_epoch * args.epochs, per_epoch * args.epochs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule(args, total))
    step, best = 0, None
    state_path = output / "last" / "trainer_state.pt"
    if resume and state_path.exists():
        state = torch.load(state_path, weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, best = state["step"], state["best"]
        rng.setstate(state["rng"])
        torch.set_rng_state(state["torch_rng"])
    model, optimizer = accelerator.prepare(model, optimizer)
    metrics_file = open(output / "metrics.jsonl", "a" if resume else "w", encoding="utf-8")  # noqa: SIM115
    bar = tqdm(total=total, initial=step, desc="train", disable=not progress or not accelerator.is_main_process,
               dynamic_ncols=True)
    model.train()
    last: dict[str, Any] = {}
    while step < total:
        order = list(range(len(items)))
        rng.shuffle(order)
        batches = [[items[i] for i in order[k:k + args.batch_size]] for k in range(0, len(order), args.batch_size)]
        for start in range(0, len(batches), args.gradient_accumulation):
            group = batches[start:start + args.gradient_accumulation]
            optimizer.zero_grad(set_to_none=True)
            loss_total = 0.0
            for k, batch in enumerate(group):
                with sync_on_last(accelerator, model, k, len(group)):
                    with accelerator.autocast():
                        loss = loss_fn(model, batch) / len(group)
                    accelerator.backward(loss)
                loss_total += loss.item()
            accelerator.clip_grad_norm_(model.parameters(), args.max_grad_norm)
            optimizer.step()
            scheduler.step()
            step += 1
            bar.update(1)
            last = {"step": step, "loss": loss_total, "learning_rate": scheduler.get_last_lr()[0]}
            main = accelerator.is_main_process
            if main and evaluate and (step == total or (args.eval_every and step % args.eval_every == 0)):
                last.update(evaluate(model))
                model.train()
                if best_key and (best is None or last[best_key] > best):
                    best = last[best_key]
                    save(output / "best")
            if main:
                metrics_file.write(json.dumps(last) + "\n")
                metrics_file.flush()
            bar.set_postfix(loss=f"{loss_total:.4f}")
            if step >= total:
                break
    bar.close()
    metrics_file.close()
    accelerator.wait_for_everyone()
    if not accelerator.is_main_process:
        return last
    save(output / "last")
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "step": step,
                "best": best, "rng": rng.getstate(), "torch_rng": torch.get_rng_state()}, state_path)
    return last
