"""OpenRLHF reward functions: the ``--remote_rm_url reward.py`` file form, and the HTTP protocol's logic.

OpenRLHF's ``SingleTurnAgentExecutor`` scores each sample as it is generated, one per call: it
decodes prompt + response with the special tokens kept (the query), then either calls
``reward_func([query], [prompt], [label])`` from the file given as ``--remote_rm_url`` (in a thread),
or POSTs ``{"query": [query], "prompts": [prompt], "labels": [label]}`` to each URL given there, and
reads ``rewards``, ``scores`` and ``extra_logs`` of the answer. Long prompts are cut from the left
before generation, so the query need not start with the prompt.

rewardkit cleans every query with the one ``ResponseCleaner``: the response is what follows the
prompt (found even when the prompt was cut; a query where it cannot be found scores 0 with error
``prompt_not_found``, the prompt is never graded), up to the first end-of-turn token. Point
``--remote_rm_url`` at this file (grader from ``REWARDKIT_GRADER``, default ``math``; a local
tokenizer's special tokens from ``REWARDKIT_TOKENIZER``) or at a file of yours::

    from rewardkit.integrations.openrlhf import make_reward_func
    reward_func = make_reward_func("reward.yaml", timeout_s=10)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from rewardkit.cleaning import CleanBatch, ResponseCleaner
from rewardkit.integrations.runner import GraderRunner, runner_for

DEFAULT_CLEANER = ResponseCleaner()


def _as_list(value: Any, n: int) -> list:
    if value is None:
        return [None] * n
    return value.tolist() if hasattr(value, "tolist") else list(value)


def clean_queries(queries: Sequence, prompts: Sequence | None, labels: Sequence | None,
                  cleaner: ResponseCleaner = DEFAULT_CLEANER) -> CleanBatch:
    """OpenRLHF's query/prompts/labels as cleaned samples; ValueError when the lengths differ."""
    queries = _as_list(queries, 0)
    n = len(queries)
    prompts = _as_list(prompts, n) if prompts is not None and len(prompts) else [None] * n
    labels = _as_list(labels, n) if labels is not None and len(labels) else [None] * n
    if not (len(prompts) == len(labels) == n):
        raise ValueError(f"lengths differ: {n} queries, {len(prompts)} prompts, {len(labels)} labels")
    cleaned = [cleaner.after_prompt(q, p) for q, p in zip(queries, prompts)]
    return CleanBatch.build(cleaned, labels, prompts)


def rewards_of(records: list[dict[str, Any]]) -> dict[str, Any]:
    """OpenRLHF's answer for graded records: rewards, scores and extra logs, as lists (one per query)."""
    scores = [float(r["score"]) if r["score"] is not None else 0.0 for r in records]
    return {
        "rewards": scores,
        "scores": scores,
        "extra_logs": {"pass_rate": [float(r["passed"]) for r in records],
                       "error_rate": [float(r["error"] is not None) for r in records]},
    }


def grade_queries(runner: GraderRunner, queries: Sequence, prompts: Sequence | None, labels: Sequence | None,
                  cleaner: ResponseCleaner = DEFAULT_CLEANER) -> dict[str, Any]:
    """Rewards, scores and extra logs (as lists) for OpenRLHF's query/prompts/labels."""
    batch = clean_queries(queries, prompts, labels, cleaner)
    return rewards_of(batch.merge(runner.grade(batch.samples)))


def _as_tensors(out: dict[str, Any]) -> dict[str, Any]:
    import torch

    return {"rewards": torch.tensor(out["rewards"]), "scores": torch.tensor(out["scores"]),
            "extra_logs": {k: torch.tensor(v) for k, v in out["extra_logs"].items()}}


def make_reward_func(spec: Any, timeout_s: float | None = None, special_tokens: Sequence[str] | None = None,
                     tokenizer: str | None = None):
    """A ``reward_func(queries, prompts, labels, **kwargs)`` returning torch tensors, as OpenRLHF expects.

    ``special_tokens`` or ``tokenizer`` (a local path) replace the common chat markers the response is cleaned of.
    """
    runner = GraderRunner(spec, timeout_s)
    cleaner = DEFAULT_CLEANER if special_tokens is None and tokenizer is None else \
        ResponseCleaner(special_tokens, tokenizer)

    def reward_func(queries, prompts=None, labels=None, **kwargs):
        return _as_tensors(grade_queries(runner, queries, prompts, labels, cleaner))

    reward_func.__name__ = runner.name
    return reward_func


_env_cleaners: dict[str | None, ResponseCleaner] = {}


def reward_func(queries, prompts=None, labels=None, **kwargs):
    """The file form: grader from REWARDKIT_GRADER (default 'math'), tokenizer from REWARDKIT_TOKENIZER."""
    spec = os.environ.get("REWARDKIT_GRADER", "math")
    timeout = float(os.environ["REWARDKIT_TIMEOUT"]) if os.environ.get("REWARDKIT_TIMEOUT") else None
    tokenizer = os.environ.get("REWARDKIT_TOKENIZER") or None
    if tokenizer not in _env_cleaners:
        _env_cleaners[tokenizer] = ResponseCleaner(tokenizer=tokenizer) if tokenizer else DEFAULT_CLEANER
    return _as_tensors(grade_queries(runner_for(spec, timeout), queries, prompts, labels, _env_cleaners[tokenizer]))
