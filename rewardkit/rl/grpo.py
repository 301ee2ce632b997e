"""The GRPO training loop: sample a group per prompt, grade, turn rewards into advantages, update.

Read top to bottom, one step is: pick prompts -> generate in chunks (each chunk's grading runs in
background worker processes while the next chunk generates) -> optional dynamic-sampling refill
-> overlong penalty -> advantages -> old / reference log-probs -> ``num_iterations`` passes of
clipped policy-gradient updates over micro-batches -> metrics, evaluation, checkpoint.
"""

from __future__ import annotations

import math
import time
from collections import Counter

import torch
from tqdm import tqdm

from rewardkit.devices import sync_on_last
from rewardkit.rl.adapters import adapters_off
from rewardkit.rl.advantages import group_advantages, zero_variance_groups
from rewardkit.rl.config import TrainConfig
from rewardkit.rl.losses import aggregate, kl_estimate, overlong_penalty, policy_loss
from rewardkit.rl.rollout import Rollouts, pad_cat, token_logprobs
from rewardkit.rl.runtime import (
    gather_columns,
    load_policy,
    sum_over_processes,
)
from rewardkit.rl.session import RunResult, Session


def merge(parts: list[Rollouts], pad_id: int) -> Rollouts:
    return Rollouts(
        prompt_ids=pad_cat([p.prompt_ids for p in parts], pad_id, left=True),
        prompt_mask=pad_cat([p.prompt_mask for p in parts], 0, left=True),
        completion_ids=pad_cat([p.completion_ids for p in parts], pad_id, left=False),
        completion_mask=pad_cat([p.completion_mask for p in parts], 0, left=False),
        truncated=torch.cat([p.truncated for p in parts]),
        texts=[t for p in parts for t in p.texts],
    )


def select(rollouts: Rollouts, keep: torch.Tensor) -> Rollouts:
    """The rollouts at positions ``keep`` ([K] long)."""
    return Rollouts(rollouts.prompt_ids[keep], rollouts.prompt_mask[keep], rollouts.completion_ids[keep],
                    rollouts.completion_mask[keep], rollouts.truncated[keep], [rollouts.texts[i] for i in keep.tolist()])


def sample_groups(run: Session, n_prompts: int):
    """Rollouts and rewards for n_prompts prompts, generated chunk by chunk while earlier chunks grade."""
    config, items, rewards = run.config, run.prompts.items, run.rewards
    prompts_per_chunk = config.generation_batch_size // config.num_generations
    chosen = [items[run.rng.randrange(len(items))] for _ in range(n_prompts)]
    parts, futures = [], []
    for start in range(0, n_prompts, prompts_per_chunk):
        chunk = chosen[start:start + prompts_per_chunk]
        part = run.generate(chunk, config.num_generations)
        expanded = [item for item in chunk for _ in range(config.num_generations)]
        futures.append(rewards.submit(part.texts, [item.reference for item in expanded],
                                      [item.question for item in expanded]))
        parts.append(part)
    batches = [f.result() for f in futures]
    total = [x for b in batches for x in b.total]
    by_reward = {name: [x for b in batches for x in b.by_reward[name]] for name in rewards.names}
    errors = sum((b.errors for b in batches), Counter())
    return merge(parts, run.tokenizer.pad_token_id), torch.tensor(total, dtype=torch.float32), by_reward, errors


def train_grpo(config: TrainConfig, resume: bool = False, progress: bool = True,
               overwrite: bool = False) -> RunResult:
    """Run GRPO as configured; with ``resume``, continue from the latest checkpoint in output_dir."""
    run = Session.start(config, resume, overwrite)
    accelerator, model, policy, tokenizer, optimizer = run.accelerator, run.model, run.policy, run.tokenizer, run.optimizer
    reference = None  # with LoRA, the policy with its adapters off; otherwise a frozen copy
    if config.beta > 0:
        reference = policy if config.lora is not None else (
            load_policy(config)[1].requires_grad_(False).eval().to(accelerator.device))
    n_prompts = config.rollout_batch_size // config.num_generations
    last_accuracy = run.accuracy_before
    bar = tqdm(range(run.start_step, config.max_steps), initial=run.start_step, total=config.max_steps, desc="grpo",
               disable=not progress or not run.main, dynamic_ncols=True)
    model.train()
    for step in bar:
        t0 = time.perf_counter()
        # 1. rollouts and rewards (dynamic sampling keeps only groups with a reward spread)
        rollouts, total, by_reward, errors = sample_groups(run, n_prompts)
        groups_seen, groups_dropped = n_prompts, 0
        if config.dynamic_sampling:
            keep = ~zero_variance_groups(total, config.num_generations)
            groups_dropped = int((~keep).sum())
            kept = [(rollouts, total, by_reward)]
            refills = 0
            while int(keep.sum()) < n_prompts and refills < config.max_refills:
                more = sample_groups(run, n_prompts)
                more_keep = ~zero_variance_groups(more[1], config.num_generations)
                groups_seen += n_prompts
                groups_dropped += int((~more_keep).sum())
                kept.append(more[:3])
                errors += more[3]
                keep = torch.cat([keep, more_keep])
                refills += 1
            rollouts = merge([k[0] for k in kept], tokenizer.pad_token_id)
            total = torch.cat([k[1] for k in kept])
            by_reward = {n: [x for k in kept for x in k[2][n]] for n in run.rewards.names}
            # Groups with a reward spread first; when the refills run out, zero-variance groups
            # complete the batch (as plain GRPO would have them), so every step and every process
            # trains on rollout_batch_size completions.
            groups = torch.cat([keep.nonzero().squeeze(1), (~keep).nonzero().squeeze(1)])[:n_prompts]
            index = (groups.unsqueeze(1) * config.num_generations + torch.arange(config.num_generations)).reshape(-1)
            rollouts, total = select(rollouts, index), total[index]
            by_reward = {n: [v[i] for i in index.tolist()] for n, v in by_reward.items()}
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
        # 3. old and reference log-probs (no gradient), at the update's precision
        with torch.no_grad(), accelerator.autocast():
            old_logps = ([token_logprobs(policy, *(t[s] for t in batch)) for s in micro]
                         if config.num_iterations > 1 else None)
            with adapters_off(reference):
                ref_logps = [token_logprobs(reference, *(t[s] for t in batch)) for s in micro] if reference else None
        # 4. updates
        stats = Counter()
        for _ in range(config.num_iterations):
            optimizer.zero_grad(set_to_none=True)
            for k, s in enumerate(micro):
                with sync_on_last(accelerator, model, k, len(micro)):
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
        run.scheduler.step()
        run.push_weights()
        # 5. metrics, over the rollouts of every process
        seconds = time.perf_counter() - t0
        columns = gather_columns(accelerator, {
            "total": total, "length": rollouts.lengths, "truncated": rollouts.truncated,
            **{name: torch.tensor([math.nan if v is None else v for v in values]) for name, values in by_reward.items()}})
        # loss, KL, entropy, clip fractions: per update, averaged over iterations and processes
        sums = sum_over_processes(accelerator, [stats[k] / config.num_iterations for k in _PER_ITERATION])
        averaged = {k: v / accelerator.num_processes for k, v in zip(_PER_ITERATION, sums)}
        dropped, seen, n_errors = sum_over_processes(accelerator, [groups_dropped, groups_seen, sum(errors.values())])
        valid = columns["total"][~torch.isnan(columns["total"])]
        lengths = columns["length"]
        metrics = {
            "reward_mean": nanmean(columns["total"]),
            "reward_std": float(valid.std()) if valid.numel() > 1 else None,
            **{f"reward/{n}_mean": nanmean(columns[n]) for n in by_reward},
            "zero_variance_groups": float(zero_variance_groups(columns["total"], config.num_generations).float().mean()),
            "dynamic_sampling_dropped": dropped / seen if config.dynamic_sampling else 0.0,
            **averaged,
            "kl": averaged["kl"] if reference is not None else None,
            "grad_norm": float(grad_norm),
            "completion_length_mean": float(lengths.mean()),
            "completion_length_max": float(lengths.max()),
            "truncated_fraction": float(columns["truncated"].mean()),
            "grader_errors": int(n_errors),
            "rollouts": int(lengths.numel()),
            "tokens_per_second": float(lengths.sum()) / seconds,
            "step_seconds": seconds,
            "learning_rate": run.scheduler.get_last_lr()[0],
        }
        done = step + 1
        if (accuracy := run.maybe_evaluate(done)) is not None:
            metrics["accuracy"] = last_accuracy = accuracy
        run.log(done, metrics)
        bar.set_postfix(reward=f"{metrics['reward_mean'] or 0:.3f}", acc=f"{last_accuracy or 0:.2f}")
        run.maybe_save(done)
    return run.finish("GRPO")


_PER_ITERATION = ("loss", "kl", "entropy", "clip_fraction", "clip_high_fraction", "dual_clip_fraction")


def nanmean(values: torch.Tensor) -> float | None:
    """Mean of the values that are not NaN (rewards that did not apply); None when there are none."""
    present = values[~torch.isnan(values)]
    return float(present.mean()) if present.numel() else None
