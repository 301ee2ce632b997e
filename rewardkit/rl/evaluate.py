"""Held-out accuracy: greedy completions graded by the first reward's grader."""

from __future__ import annotations

import torch

from rewardkit.integrations.runner import runner_for
from rewardkit.rl.rollout import generate
from rewardkit.rl.runtime import sum_over_processes


@torch.no_grad()
def accuracy(model, tokenizer, items: list[tuple[str, object]], grader_spec, max_new_tokens: int,
             batch_size: int = 64, accelerator=None) -> float:
    """Fraction of prompts whose greedy completion passes the grader. With an ``accelerator``,
    each process takes every n-th prompt and the counts are summed (call it in every process)."""
    if accelerator is not None:
        items = items[accelerator.process_index:: accelerator.num_processes]
    runner = runner_for(grader_spec)
    passed = 0
    was_training = model.training
    model.eval()
    for start in range(0, len(items), batch_size):
        chunk = items[start:start + batch_size]
        rollouts = generate(model, tokenizer, [p for p, _ in chunk], 1, max_new_tokens, do_sample=False)
        records = runner.grade([{"response": t, "reference": r, "prompt": p}
                                for t, (p, r) in zip(rollouts.texts, chunk)])
        passed += sum(bool(r["passed"]) for r in records)
    model.train(was_training)
    total = len(items)
    if accelerator is not None:
        passed, total = sum_over_processes(accelerator, [passed, total])
    return passed / max(1, total)
