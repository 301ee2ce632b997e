"""The GRPO training loop: sample a group per prompt, grade, turn rewards into advantages, update.

Read top to bottom, one step is: pick prompts -> generate in chunks (each chunk's grading runs in
background worker processes while the next chunk generates) -> optional dynamic-sampling refill
-> overlong penalty -> advantages -> old / reference log-probs -> ``num_iterations`` passes of
clipped policy-gradient updates over micro-batches -> metrics, evaluation, checkpoint.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from rewardkit.rl.advantages import group_advantages, zero_variance_groups
from rewardkit.rl.config import TrainConfig
from rewardkit.rl.data import load_run_prompts
from rewardkit.rl.evaluate import accuracy
from rewardkit.rl.losses import aggregate, kl_estimate, overlong_penalty, policy_loss
from rewardkit.rl.metrics import MetricsWriter, plot_metrics, truncate_metrics
from rewardkit.rl.rewards import RewardComputer
from rewardkit.rl.rollout import Rollouts, generate, token_logprobs
from rewardkit.rl.runtime import (
    latest_checkpoint,
    load_policy,
    make_accelerator,
    make_optimizer,
    restore_trainer_state,
    save_checkpoint,
    seed_everything,
)


@dataclass
class RunResult:
    """What a run reports when it ends."""

    steps: int
    accuracy_before: float | None
    accuracy_after: float | None
    metrics_path: Path
    plot_path: Path | None
    final_dir: Path


def _pad_cat(tensors: list[torch.Tensor], value: int, left: bool) -> torch.Tensor:
    """Concatenate [b_i, L_i] tensors along dim 0, padding to the longest L (left or right)."""
    width = max(t.shape[1] for t in tensors)
    padded = []
    for t in tensors:
        pad = torch.full((t.shape[0], width - t.shape[1]), value, dtype=t.dtype, device=t.device)
        padded.append(torch.cat([pad, t] if left else [t, pad], dim=1))
    return torch.cat(padded, dim=0)


def merge(parts: list[Rollouts], pad_id: int) -> Rollouts:
    return Rollouts(
        prompt_ids=_pad_cat([p.prompt_ids for p in parts], pad_id, left=True),
        prompt_mask=_pad_cat([p.prompt_mask for p in parts], 0, left=True),
        completion_ids=_pad_cat([p.completion_ids for p in parts], pad_id, left=False),
        completion_mask=_pad_cat([p.completion_mask for p in parts], 0, left=False),
        truncated=torch.cat([p.truncated for p in parts]),
        texts=[t for p in parts for t in p.texts],
    )


def select(rollouts: Rollouts, keep: torch.Tensor) -> Rollouts:
    """The rollouts at positions ``keep`` ([K] long)."""
    return Rollouts(rollouts.prompt_ids[keep], rollouts.prompt_mask[keep], rollouts.completion_ids[keep],
                    rollouts.completion_mask[keep], rollouts.truncated[keep], [rollouts.texts[i] for i in keep.tolist()])


def sample_groups(model, tokenizer, items, rewards: RewardComputer, config: TrainConfig, n_prompts: int,
                  rng: random.Random):
    """Rollouts and rewards for n_prompts prompts, generated chunk by chunk while earlier chunks grade."""
    prompts_per_chunk = config.generation_batch_size // config.num_generations
    chosen = [items[rng.randrange(len(items))] for _ in range(n_prompts)]
    parts, futures = [], []
    for start in range(0, n_prompts, prompts_per_chunk):
        chunk = chosen[start:start + prompts_per_chunk]
        part = generate(model, tokenizer, [p for p, _ in chunk], config.num_generations, config.max_new_tokens,
                        config.temperature, config.top_p)
        expanded = [item for item in chunk for _ in range(config.num_generations)]
        futures.append(rewards.submit(part.texts, [r for _, r in expanded], [p for p, _ in expanded]))
        parts.append(part)
    batches = [f.result() for f in futures]
    total = [x for b in batches for x in b.total]
    by_reward = {name: [x for b in batches for x in b.by_reward[name]] for name in rewards.names}
    errors = sum((b.errors for b in batches), Counter())
    return merge(parts, tokenizer.pad_token_id), torch.tensor(total, dtype=torch.float32), by_reward, errors


def train_grpo(config: TrainConfig, resume: bool = False, progress: bool = True) -> RunResult:
    """Run GRPO as configured; with ``resume``, continue from the latest checkpoint in output_dir."""
    output = Path(config.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    checkpoint = latest_checkpoint(output) if resume else None
    seed_everything(config.seed)
    accelerator = make_accelerator(config)
    # Reward workers first: while the process has one thread they can be forked (fast, no re-import).
    rewards = RewardComputer(config.rewards, config.grader_workers, config.grader_timeout_s)
    tokenizer, model = load_policy(config, str(checkpoint) if checkpoint else None)
    reference = None
    if config.beta > 0:
        _, reference = load_policy(config)
        reference.requires_grad_(False).eval()
    prompts, eval_items = load_run_prompts(config, tokenizer)
    optimizer, scheduler = make_optimizer(config, model)
    start_step, extra = 0, {}
    if checkpoint is not None:
        start_step, extra = restore_trainer_state(checkpoint, optimizer, scheduler)
    model, optimizer = accelerator.prepare(model, optimizer)
    if reference is not None:
        reference = reference.to(accelerator.device)
    policy = accelerator.unwrap_model(model)
    rng = random.Random(config.seed * 1000 + accelerator.process_index)
    if "data_rng" in extra:
        rng.setstate(extra["data_rng"])
    first_grader = config.rewards[0].grader
    if checkpoint is not None:
        truncate_metrics(output / "metrics.jsonl", start_step)
    writer = MetricsWriter(output, config.tensorboard, append=checkpoint is not None) if accelerator.is_main_process else None
    accuracy_before = extra.get("accuracy_before")
    if eval_items and accuracy_before is None:
        accuracy_before = accuracy(policy, tokenizer, eval_items, first_grader, config.max_new_tokens)
        if writer:
            writer.write(start_step, {"accuracy": accuracy_before})
    if writer and (prompts.skipped_too_long or prompts.skipped_invalid):
        print(f"skipped prompts: {prompts.skipped_too_long} longer than {config.max_prompt_tokens} tokens, "
              f"{prompts.skipped_invalid} without a prompt")
    n_prompts = config.rollout_batch_size // config.num_generations
    last_accuracy = accuracy_before
    bar = tqdm(range(start_step, config.max_steps), initial=start_step, total=config.max_steps, desc="grpo",
               disable=not progress or not accelerator.is_main_process, dynamic_ncols=True)
    model.train()
    for step in bar:
        t0 = time.perf_counter()
        # 1. rollouts and rewards (dynamic sampling keeps only groups with a reward spread)
        rollouts, total, by_reward, errors = sample_groups(policy, tokenizer, prompts.items, rewards, config,
                                                           n_prompts, rng)
        groups_seen, groups_dropped = n_prompts, 0
        if config.dynamic_sampling:
            keep = ~zero_variance_groups(total, config.num_generations)
            groups_dropped = int((~keep).sum())
            kept = [(rollouts, total, by_reward)]
            refills = 0
            while int(keep.sum()) < n_prompts and refills < config.max_refills:
                more = sample_groups(policy, tokenizer, prompts.items, rewards, config, n_prompts, rng)
                more_keep = ~zero_variance_groups(more[1], config.num_generations)
                groups_seen += n_prompts
                groups_dropped += int((~more_keep).sum())
                kept.append(more[:3])
                errors += more[3]
                keep = torch.cat([keep, more_keep])
                refills += 1
            rollouts = merge([k[0] for k in kept], tokenizer.pad_token_id)
            total = torch.cat([k[1] for k in kept])
            by_reward = {n: [x for k in kept for x in k[2][n]] for n in rewards.names}
            groups = keep.nonzero().squeeze(1)[:n_prompts]
            if groups.numel() == 0:  # nothing to learn from this step
                groups = torch.arange(n_prompts)
            index = (groups.unsqueeze(1) * config.num_generations + torch.arange(config.num_generations)).reshape(-1)
            rollouts, total = select(rollouts, index), total[index]
            by_reward = {n: [v[i] for i in index.tolist()] for n, v in by_reward.items()}
        zero_var = float(zero_variance_groups(total, config.num_generations).float().mean())
        # 2. shaping and advantages
        shaped = total.clone()
        if config.overlong_buffer is not None:
            shaped += config.overlong_penalty_factor * overlong_penalty(rollouts.lengths, config.max_new_tokens,
                                                                        config.overlong_buffer)
        advantages = group_advantages(shaped, config.num_generations, config.advantage)  # [B]
        loss_mask = rollouts.completion_mask.clone()  # [B, T]
        if config.mask_truncated:
            loss_mask[rollouts.truncated] = 0
        device = accelerator.device
        batch = [t.to(device) for t in (rollouts.prompt_ids, rollouts.prompt_mask, rollouts.completion_ids,
                                        rollouts.completion_mask)]
        loss_mask, advantages = loss_mask.to(device), advantages.to(device)
        B = advantages.shape[0]
        micro = [slice(i, i + config.micro_batch_size) for i in range(0, B, config.micro_batch_size)]
        # 3. old and reference log-probs (no gradient)
        with torch.no_grad():
            old_logps = ([token_logprobs(policy, *(t[s] for t in batch)) for s in micro]
                         if config.num_iterations > 1 else None)
            ref_logps = [token_logprobs(reference, *(t[s] for t in batch)) for s in micro] if reference else None
        # 4. updates
        stats = Counter()
        for _ in range(config.num_iterations):
            optimizer.zero_grad(set_to_none=True)
            for k, s in enumerate(micro):
                with accelerator.autocast():
                    logps, entropy = token_logprobs(model, *(t[s] for t in batch), with_entropy=True)
                old = old_logps[k] if old_logps is not None else logps.detach()
                loss, loss_stats = policy_loss(
                    logps, old, advantages[s], loss_mask[s], config.epsilon_low, config.epsilon_high,
                    config.dual_clip, config.importance_ratio, config.loss_aggregation, config.max_new_tokens)
                if ref_logps is not None:
                    kl = aggregate(kl_estimate(logps, ref_logps[k], "k3"), loss_mask[s], config.loss_aggregation,
                                   config.max_new_tokens)
                    loss = loss + config.beta * kl
                    stats["kl"] += kl.item() / len(micro)
                accelerator.backward(loss / len(micro))
                stats["loss"] += loss.item() / len(micro)
                stats["entropy"] += (entropy * loss_mask[s]).sum().item() / loss_mask[s].sum().clamp(min=1).item() / len(micro)
                stats["clip_fraction"] += (loss_stats.clip_low_fraction + loss_stats.clip_high_fraction) / len(micro)
                stats["clip_high_fraction"] += loss_stats.clip_high_fraction / len(micro)
                stats["dual_clip_fraction"] += loss_stats.dual_clip_fraction / len(micro)
            grad_norm = accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            optimizer.step()
        scheduler.step()
        # 5. metrics
        seconds = time.perf_counter() - t0
        valid = total[~torch.isnan(total)]
        lengths = rollouts.lengths.float()
        metrics = {
            "reward_mean": float(valid.mean()) if valid.numel() else None,
            "reward_std": float(valid.std()) if valid.numel() > 1 else None,
            **{f"reward/{n}_mean": _mean(v) for n, v in by_reward.items()},
            "zero_variance_groups": zero_var,
            "dynamic_sampling_dropped": groups_dropped / groups_seen if config.dynamic_sampling else 0.0,
            "kl": stats["kl"] if reference is not None else None,
            "loss": stats["loss"] / config.num_iterations,
            "entropy": stats["entropy"] / config.num_iterations,
            "clip_fraction": stats["clip_fraction"] / config.num_iterations,
            "clip_high_fraction": stats["clip_high_fraction"] / config.num_iterations,
            "dual_clip_fraction": stats["dual_clip_fraction"] / config.num_iterations,
            "grad_norm": float(grad_norm),
            "completion_length_mean": float(lengths.mean()),
            "completion_length_max": float(lengths.max()),
            "truncated_fraction": float(rollouts.truncated.float().mean()),
            "grader_errors": sum(errors.values()),
            "tokens_per_second": float(lengths.sum()) / seconds,
            "step_seconds": seconds,
            "learning_rate": scheduler.get_last_lr()[0],
        }
        done = step + 1
        if eval_items and config.eval_every and done % config.eval_every == 0 and done < config.max_steps:
            metrics["accuracy"] = last_accuracy = accuracy(policy, tokenizer, eval_items, first_grader,
                                                           config.max_new_tokens)
        if writer:
            writer.write(done, metrics)
            bar.set_postfix(reward=f"{metrics['reward_mean'] or 0:.3f}", acc=f"{last_accuracy or 0:.2f}")
        if config.save_every and done % config.save_every == 0 and done < config.max_steps and accelerator.is_main_process:
            save_checkpoint(output / f"checkpoint-{done}", policy, tokenizer, optimizer, scheduler, done, config,
                            {"data_rng": rng.getstate(), "accuracy_before": accuracy_before})
    accuracy_after = accuracy(policy, tokenizer, eval_items, first_grader, config.max_new_tokens) if eval_items else None
    final = output / "final"
    plot = None
    if accelerator.is_main_process:
        writer.write(config.max_steps, {"accuracy": accuracy_after} if accuracy_after is not None else {})
        writer.close()
        save_checkpoint(final, policy, tokenizer, optimizer, scheduler, config.max_steps, config,
                        {"data_rng": rng.getstate(), "accuracy_before": accuracy_before})
        try:
            plot = plot_metrics(writer.path, output / "curves.png")
        except ImportError:
            plot = None
    rewards.close()
    return RunResult(config.max_steps, accuracy_before, accuracy_after, output / "metrics.jsonl", plot, final)


def _mean(values: list) -> float | None:
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return sum(present) / len(present) if present else None
