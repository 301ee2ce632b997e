"""Rewards for rollouts from rewardkit graders, computed in worker processes in the background.

``RewardComputer.submit`` returns at once; the grading runs in each reward's bounded worker
pool from a background thread while the trainer generates the next chunk. A grade that fails or
times out is a reward of 0 (counted in the errors); a grade that does not apply (None) is
left out of the total and of the group statistics.
"""

from __future__ import annotations

import math
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from rewardkit.grading import GraderRunner
from rewardkit.rl.config import RewardConfig


@dataclass
class RewardBatch:
    """Rewards of a chunk of completions."""

    total: list[float]  # weighted sum over applicable rewards; NaN when none applies
    by_reward: dict[str, list[float | None]]
    passed: dict[str, list[bool]]
    errors: Counter = field(default_factory=Counter)


class RewardComputer:
    """The rewards of a run, graded in background worker processes."""

    def __init__(self, rewards: list[RewardConfig], workers: int = 1, timeout_s: float = 10.0):
        self.rewards = []
        for reward in rewards:
            runner = GraderRunner(reward.grader, timeout_s=timeout_s, workers=workers)
            runner.start()
            self.rewards.append((reward.name or runner.name, reward.weight, runner))
        names = [name for name, _, _ in self.rewards]
        if len(set(names)) != len(names):
            raise ValueError(f"reward names must differ, got {names}: set 'name' on the rewards")
        self._executor = ThreadPoolExecutor(max_workers=max(1, len(self.rewards)))

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.rewards]

    def submit(self, completions: list[str], references: list, prompts: list[str]) -> Future:
        """Start grading; the future's result is a RewardBatch."""
        samples = [{"response": c, "reference": r, "prompt": p} for c, r, p in zip(completions, references, prompts)]
        futures = [(name, weight, self._executor.submit(runner.grade, samples)) for name, weight, runner in self.rewards]
        done: Future = Future()

        def collect(_=None):
            if not all(f.done() for _, _, f in futures) or done.done():
                return
            try:
                done.set_result(self._combine([(n, w, f.result()) for n, w, f in futures], len(samples)))
            except Exception as exc:  # pragma: no cover - the runner never raises
                done.set_exception(exc)

        for _, _, future in futures:
            future.add_done_callback(collect)
        return done

    @staticmethod
    def _combine(results, n: int) -> RewardBatch:
        by_reward, passed, errors = {}, {}, Counter()
        total = [0.0] * n
        applicable = [False] * n
        for name, weight, records in results:
            by_reward[name] = [r["score"] for r in records]
            passed[name] = [bool(r["passed"]) for r in records]
            for i, r in enumerate(records):
                if r["error"]:
                    errors[f"{name}:{r['error']}"] += 1
                if r["score"] is not None:
                    total[i] += weight * r["score"]
                    applicable[i] = True
        total = [t if ok else math.nan for t, ok in zip(total, applicable)]
        return RewardBatch(total, by_reward, passed, errors)

    def close(self) -> None:
        self._executor.shutdown(wait=False)
        for _, _, runner in self.rewards:
            runner.close()
