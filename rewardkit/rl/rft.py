"""Rejection-sampling fine-tuning (RAFT / RAFT++): sample groups, keep the good completions, train on them.

Each step samples ``rollout_batch_size`` completions (``num_generations`` per prompt) exactly as
GRPO does, keeps those whose reward reaches ``rft_threshold`` (or the best of each group with
``rft_best_of_group``), and takes one cross-entropy step on the kept (prompt, completion) pairs.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import torch
from tqdm import tqdm

from rewardkit.rl.config import TrainConfig
from rewardkit.rl.data import load_run_prompts
from rewardkit.rl.evaluate import accuracy
from rewardkit.rl.grpo import RunResult, sample_groups
from rewardkit.rl.metrics import MetricsWriter, plot_metrics
from rewardkit.rl.rewards import RewardComputer
from rewardkit.rl.runtime import (
    load_policy,
    make_accelerator,
    make_optimizer,
    save_checkpoint,
    seed_everything,
)
from rewardkit.rl.sft import sft_batch, sft_loss


def select_for_rft(rewards: torch.Tensor, group_size: int, threshold: float | None, best_of_group: bool) -> list[int]:
    """Indices of the completions to train on. rewards: [B] (NaN = not applicable, never kept)."""
    r = torch.nan_to_num(rewards, nan=-torch.inf).view(-1, group_size)  # [G, n]
    if best_of_group:
        best = r.argmax(dim=1)  # [G]
        keep = [g * group_size + int(i) for g, i in enumerate(best) if torch.isfinite(r[g, i])]
        return [k for k in keep if threshold is None or float(rewards[k]) >= threshold]
    return [i for i, value in enumerate(rewards.tolist()) if value == value and value >= (threshold or 0.0)]


def train_rft(config: TrainConfig, progress: bool = True) -> RunResult:
    output = Path(config.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    seed_everything(config.seed)
    accelerator = make_accelerator(config)
    rewards = RewardComputer(config.rewards, config.grader_workers, config.grader_timeout_s)
    tokenizer, model = load_policy(config)
    prompts, eval_items = load_run_prompts(config, tokenizer)
    optimizer, scheduler = make_optimizer(config, model)
    model, optimizer = accelerator.prepare(model, optimizer)
    policy = accelerator.unwrap_model(model)
    rng = random.Random(config.seed * 1000 + accelerator.process_index)
    writer = MetricsWriter(output, config.tensorboard)
    first_grader = config.rewards[0].grader
    before = accuracy(policy, tokenizer, eval_items, first_grader, config.max_new_tokens) if eval_items else None
    writer.write(0, {"accuracy": before} if before is not None else {})
    n_prompts = config.rollout_batch_size // config.num_generations
    for step in tqdm(range(config.max_steps), desc="rft", disable=not progress, dynamic_ncols=True):
        t0 = time.perf_counter()
        rollouts, total, _, errors = sample_groups(policy, tokenizer, prompts.items, rewards, config, n_prompts, rng)
        keep = select_for_rft(total, config.num_generations, config.rft_threshold, config.rft_best_of_group)
        loss_value = None
        if keep:
            texts = [rollouts.texts[i] for i in keep]
            prompt_texts = tokenizer.batch_decode(rollouts.prompt_ids[keep], skip_special_tokens=True)
            model.train()
            optimizer.zero_grad(set_to_none=True)
            for start in range(0, len(keep), config.micro_batch_size):
                batch = sft_batch(tokenizer, prompt_texts[start:start + config.micro_batch_size],
                                  texts[start:start + config.micro_batch_size], accelerator.device)
                with accelerator.autocast():
                    loss = sft_loss(model, batch) * len(batch["input_ids"]) / len(keep)
                accelerator.backward(loss)
                loss_value = (loss_value or 0.0) + loss.item()
            accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            optimizer.step()
        scheduler.step()
        valid = total[~torch.isnan(total)]
        metrics = {"reward_mean": float(valid.mean()) if valid.numel() else None, "kept_fraction": len(keep) / len(total),
                   "loss": loss_value, "grader_errors": sum(errors.values()),
                   "completion_length_mean": float(rollouts.lengths.float().mean()),
                   "step_seconds": time.perf_counter() - t0}
        if eval_items and config.eval_every and (step + 1) % config.eval_every == 0 and step + 1 < config.max_steps:
            metrics["accuracy"] = accuracy(policy, tokenizer, eval_items, first_grader, config.max_new_tokens)
        writer.write(step + 1, metrics)
    after = accuracy(policy, tokenizer, eval_items, first_grader, config.max_new_tokens) if eval_items else None
    writer.write(config.max_steps, {"accuracy": after} if after is not None else {})
    writer.close()
    final = save_checkpoint(output / "final", policy, tokenizer, optimizer, scheduler, config.max_steps, config)
    try:
        plot = plot_metrics(writer.path, output / "curves.png")
    except ImportError:
        plot = None
    rewards.close()
    return RunResult(config.max_steps, before, after, writer.path, plot, final)
