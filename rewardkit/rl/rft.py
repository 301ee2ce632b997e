"""Rejection-sampling fine-tuning (RAFT / RAFT++): sample groups, keep the good completions, train on them.

Each step samples ``rollout_batch_size`` completions (``num_generations`` per prompt) exactly as
GRPO does, keeps those whose reward reaches ``rft_threshold`` (or the best of each group with
``rft_best_of_group``), and takes one cross-entropy step on the kept (prompt, completion) pairs.
"""

from __future__ import annotations

import time

import torch
from tqdm import tqdm

from rewardkit.devices import sync_on_last
from rewardkit.rl.config import TrainConfig
from rewardkit.rl.grpo import nanmean, sample_groups
from rewardkit.rl.runtime import (
    gather_columns,
    max_over_processes,
    sum_over_processes,
)
from rewardkit.rl.session import RunResult, Session
from rewardkit.rl.sft import sft_batch, sft_batch_from_ids, sft_loss


def select_for_rft(rewards: torch.Tensor, group_size: int, threshold: float | None, best_of_group: bool) -> list[int]:
    """Indices of the completions to train on. rewards: [B] (NaN = not applicable, never kept)."""
    r = torch.nan_to_num(rewards, nan=-torch.inf).view(-1, group_size)  # [G, n]
    if best_of_group:
        best = r.argmax(dim=1)  # [G]
        keep = [g * group_size + int(i) for g, i in enumerate(best) if torch.isfinite(r[g, i])]
        return [k for k in keep if threshold is None or float(rewards[k]) >= threshold]
    return [i for i, value in enumerate(rewards.tolist()) if value == value and value >= (threshold or 0.0)]


def train_rft(config: TrainConfig, resume: bool = False, progress: bool = True,
              overwrite: bool = False) -> RunResult:
    """Run RFT as configured; with ``resume``, continue from the latest checkpoint in output_dir."""
    run = Session.start(config, resume, overwrite)
    accelerator, model, tokenizer = run.accelerator, run.model, run.tokenizer
    n_prompts = config.rollout_batch_size // config.num_generations
    for step in tqdm(range(run.start_step, config.max_steps), initial=run.start_step, total=config.max_steps,
                     desc="rft", disable=not progress or not run.main, dynamic_ncols=True):
        t0 = time.perf_counter()
        rollouts, total, _, errors = sample_groups(run, n_prompts)
        keep = select_for_rft(total, config.num_generations, config.rft_threshold, config.rft_best_of_group)
        # The tokens as sampled (a chat template's special tokens included), not decoded and re-encoded.
        prompt_ids = [rollouts.prompt_ids[i][rollouts.prompt_mask[i].bool()].tolist() for i in keep]
        completion_ids = [rollouts.completion_ids[i][rollouts.completion_mask[i].bool()].tolist() for i in keep]
        starts = range(0, len(keep), config.micro_batch_size)
        # Processes keep different numbers of completions but must run the same number of
        # backward passes (each takes part in the gradient all-reduce): a process with fewer
        # micro-batches runs extra ones weighted 0. Every kept completion weighs the same.
        [kept_everywhere] = sum_over_processes(accelerator, [len(keep)])
        [most_micro] = max_over_processes(accelerator, [len(starts)])
        loss_value = 0.0
        if kept_everywhere:
            model.train()
            run.optimizer.zero_grad(set_to_none=True)
            for k in range(int(most_micro)):
                if k < len(starts):
                    lo = starts[k]
                    batch = sft_batch_from_ids(prompt_ids[lo:lo + config.micro_batch_size],
                                               completion_ids[lo:lo + config.micro_batch_size],
                                               tokenizer.pad_token_id, accelerator.device)
                    weight = len(batch["input_ids"]) * accelerator.num_processes / kept_everywhere
                else:  # any completion, weighted 0
                    batch, weight = sft_batch(tokenizer, [""], rollouts.texts[:1], accelerator.device), 0.0
                with sync_on_last(accelerator, model, k, most_micro):
                    with accelerator.autocast():
                        loss = sft_loss(model, batch) * weight
                    accelerator.backward(loss)
                loss_value += loss.item() / accelerator.num_processes
            accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            run.optimizer.step()
            run.push_weights()
        run.scheduler.step()
        columns = gather_columns(accelerator, {"total": total, "length": rollouts.lengths})
        loss_sum, n_errors = sum_over_processes(accelerator, [loss_value, sum(errors.values())])
        metrics = {"reward_mean": nanmean(columns["total"]),
                   "kept_fraction": kept_everywhere / len(columns["total"]),
                   "loss": loss_sum if kept_everywhere else None, "grader_errors": int(n_errors),
                   "completion_length_mean": float(columns["length"].mean()), "rollouts": len(columns["total"]),
                   "step_seconds": time.perf_counter() - t0}
        done = step + 1
        if (accuracy := run.maybe_evaluate(done)) is not None:
            metrics["accuracy"] = accuracy
        run.log(done, metrics)
        run.maybe_save(done)
    return run.finish("RFT")
