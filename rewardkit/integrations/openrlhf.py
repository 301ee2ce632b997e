"""OpenRLHF reward functions: the ``--remote_rm_url reward.py`` file form, and the HTTP protocol's logic.

OpenRLHF calls ``reward_func(queries, prompts, labels)``: ``queries`` are prompt + response
texts, ``labels`` the references. Point ``--remote_rm_url`` at this file (grader from
``REWARDKIT_GRADER``, default ``math``) or at a file of yours::

    from rewardkit.integrations.openrlhf import make_reward_func
    reward_func = make_reward_func("reward.yaml", timeout_s=10)
"""

from __future__ import annotations

import os
from typing import Any

from rewardkit.integrations.runner import GraderRunner, runner_for


def split_response(query: str, prompt: str | None) -> str:
    """The response part of a query (the prompt followed by the response)."""
    if prompt and isinstance(query, str) and query.startswith(prompt):
        return query[len(prompt):]
    return query


def queries_to_samples(queries: list, prompts: list | None, labels: list | None) -> list[dict[str, Any]]:
    """OpenRLHF's query/prompts/labels as sample dicts; ValueError when the lengths differ."""
    n = len(queries)
    prompts = prompts if prompts else [None] * n
    labels = labels if labels else [None] * n
    if not (len(prompts) == len(labels) == n):
        raise ValueError(f"lengths differ: {n} queries, {len(prompts)} prompts, {len(labels)} labels")
    return [{"response": split_response(q, p), "reference": label, **({"prompt": p} if isinstance(p, str) else {})}
            for q, p, label in zip(queries, prompts, labels)]


def rewards_of(records: list[dict[str, Any]]) -> dict[str, Any]:
    """OpenRLHF's answer for graded records: rewards, scores and extra logs, as lists."""
    scores = [float(r["score"]) if r["score"] is not None else 0.0 for r in records]
    return {
        "rewards": scores,
        "scores": scores,
        "extra_logs": {"pass_rate": [float(r["passed"]) for r in records],
                       "error_rate": [float(r["error"] is not None) for r in records]},
    }


def grade_queries(runner: GraderRunner, queries: list, prompts: list | None, labels: list | None) -> dict[str, Any]:
    """Rewards, scores and extra logs (as lists) for OpenRLHF's query/prompts/labels."""
    return rewards_of(runner.grade(queries_to_samples(queries, prompts, labels)))


def _as_tensors(out: dict[str, Any]) -> dict[str, Any]:
    import torch

    return {"rewards": torch.tensor(out["rewards"]), "scores": torch.tensor(out["scores"]),
            "extra_logs": {k: torch.tensor(v) for k, v in out["extra_logs"].items()}}


def make_reward_func(spec: Any, timeout_s: float | None = None):
    """A ``reward_func(queries, prompts, labels, **kwargs)`` returning torch tensors, as OpenRLHF expects."""
    runner = GraderRunner(spec, timeout_s)

    def reward_func(queries, prompts=None, labels=None, **kwargs):
        return _as_tensors(grade_queries(runner, list(queries), prompts, labels))

    reward_func.__name__ = runner.name
    return reward_func


def reward_func(queries, prompts=None, labels=None, **kwargs):
    """The file form: the grader comes from REWARDKIT_GRADER (default 'math')."""
    spec = os.environ.get("REWARDKIT_GRADER", "math")
    timeout = float(os.environ["REWARDKIT_TIMEOUT"]) if os.environ.get("REWARDKIT_TIMEOUT") else None
    return _as_tensors(grade_queries(runner_for(spec, timeout), list(queries), prompts, labels))
