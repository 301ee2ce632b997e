"""verl reward functions: ``compute_score`` (per sample) and ``compute_score_batch`` (BatchRewardManager).

In a verl config::

    custom_reward_function:
      path: <site-packages>/rewardkit/integrations/verl.py   # or a file of yours that imports it
      name: compute_score            # compute_score_batch with reward_model.reward_manager=batch
      reward_kwargs:                  # optional, passed on as keyword arguments
        graders: {"openai/gsm8k": "math", "my_dataset": "reward.yaml"}
        timeout_s: 10

The grader of a sample is, in order: ``extra_info["rewardkit_grader"]``, the ``graders`` mapping
(keyword argument, or JSON in ``REWARDKIT_VERL_GRADERS``) by ``data_source``, the ``grader``
keyword argument, then the built-in mapping of well-known maths datasets to ``math``. The result
is a dict with ``score`` (0.0 when a grade fails or does not apply) and the grade's details,
which verl logs as extra reward information.
"""

from __future__ import annotations

import json
import os
from typing import Any

from rewardkit.errors import GraderConfigError
from rewardkit.integrations.runner import runner_for

KNOWN_SOURCES = {
    "openai/gsm8k": "math",
    "lighteval/MATH": "math",
    "DigitalLearningGmbH/MATH-lighteval": "math",
    "HuggingFaceH4/MATH-500": "math",
    "math_dapo": "math",
    "aime24": "math",
    "aime25": "math",
}


def choose_grader(data_source: Any, extra_info: Any = None, grader: Any = None, graders: Any = None) -> Any:
    """The grader spec for one sample (see the module docstring for the order)."""
    if isinstance(extra_info, dict) and extra_info.get("rewardkit_grader"):
        return extra_info["rewardkit_grader"]
    mapping = graders
    if mapping is None and os.environ.get("REWARDKIT_VERL_GRADERS"):
        mapping = json.loads(os.environ["REWARDKIT_VERL_GRADERS"])
    if mapping and data_source in mapping:
        return mapping[data_source]
    if grader is not None:
        return grader
    if data_source in KNOWN_SOURCES:
        return KNOWN_SOURCES[data_source]
    raise GraderConfigError(
        f"no grader for data_source {data_source!r}: pass grader= or graders={{...}} in reward_kwargs, "
        "set REWARDKIT_VERL_GRADERS, or put 'rewardkit_grader' in extra_info"
    )


def _result(record: dict) -> dict[str, Any]:
    score = record["score"]
    return {
        "score": float(score) if score is not None else 0.0,
        "acc": bool(record["passed"]),
        "applicable": score is not None,
        "pred": record["extracted"] or "",
        "error": record["error"] or "",
        "reason": record["reason"] or "",
    }


def compute_score(data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None,
                  grader: Any = None, graders: Any = None, timeout_s: float | None = None, **kwargs: Any) -> dict:
    """verl's ``custom_reward_function`` signature: one response, its ground truth, a dict back."""
    spec = choose_grader(data_source, extra_info, grader, graders)
    sample = {"response": solution_str, "reference": ground_truth}
    return _result(runner_for(spec, timeout_s).grade([sample])[0])


def compute_score_batch(data_sources: list, solution_strs: list, ground_truths: list, extra_infos: list | None = None,
                        grader: Any = None, graders: Any = None, timeout_s: float | None = None,
                        **kwargs: Any) -> list[dict]:
    """verl's ``BatchRewardManager`` signature: lists in, one dict per sample out, graded per grader in batches."""
    n = len(solution_strs)
    if not (len(data_sources) == len(ground_truths) == n):
        raise ValueError(f"lengths differ: {len(data_sources)} data_sources, {n} solution_strs, "
                         f"{len(ground_truths)} ground_truths")
    extra_infos = list(extra_infos) if extra_infos is not None else [None] * n
    by_spec: dict[str, tuple[Any, list[int]]] = {}
    for i in range(n):
        spec = choose_grader(data_sources[i], extra_infos[i], grader, graders)
        key = json.dumps(spec, sort_keys=True, default=str)
        by_spec.setdefault(key, (spec, []))[1].append(i)
    results: list[dict | None] = [None] * n
    for spec, indices in by_spec.values():
        samples = [{"response": solution_strs[i], "reference": ground_truths[i]} for i in indices]
        for i, rec in zip(indices, runner_for(spec, timeout_s).grade(samples)):
            results[i] = _result(rec)
    return results  # type: ignore[return-value]
