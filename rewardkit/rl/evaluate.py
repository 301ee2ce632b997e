"""Held-out accuracy: greedy completions graded by the first reward's grader."""

from __future__ import annotations

from collections.abc import Callable

from rewardkit.grading import runner_for
from rewardkit.rl.data import PromptItem
from rewardkit.rl.runtime import sum_over_processes


def accuracy(complete: Callable[[list[PromptItem]], list[str]], items: list[PromptItem], grader_spec,
             batch_size: int = 64, accelerator=None) -> float:
    """Fraction of prompts whose completion by ``complete`` (greedy, one per prompt) passes the
    grader. With an ``accelerator``, each process takes every n-th prompt and the counts are
    summed (call it in every process)."""
    if accelerator is not None:
        items = items[accelerator.process_index:: accelerator.num_processes]
    runner = runner_for(grader_spec)
    passed = 0
    for start in range(0, len(items), batch_size):
        chunk = items[start:start + batch_size]
        texts = complete(chunk)
        records = runner.grade([{"response": t, "reference": item.reference, "prompt": item.question}
                                for t, item in zip(texts, chunk)])
        passed += sum(bool(r["passed"]) for r in records)
    total = len(items)
    if accelerator is not None:
        passed, total = sum_over_processes(accelerator, [passed, total])
    return passed / max(1, total)
