"""verl reward functions, for its reward loop (naive, dapo, rate_limited, remote) and its legacy managers.

verl (0.9) loads ``reward.custom_reward_function.path`` / ``.name`` and calls the function with
``data_source``, ``solution_str`` (the response decoded without special tokens), ``ground_truth`` and
``extra_info`` as keyword arguments, plus ``reward.custom_reward_function.reward_kwargs``. The reward
loop's managers read ``result["score"]`` of a dict (logging its other keys) or take a number as it
is, and await a coroutine function; the legacy PRIME manager calls it positionally and needs a
number (``float(result)``). So:

* ``compute_score``: a dict with ``score`` (naive, dapo, rate_limited, remote);
* ``compute_score_async``: the same, awaited by naive, dapo and rate_limited (not remote, which refuses
  coroutines); grading runs in a thread so the reward loop keeps going;
* ``compute_score_float``: the score alone (PRIME);
* ``compute_score_batch``: the legacy ``batch`` manager's list form.

The grader of a sample is, in order: ``extra_info["rewardkit_grader"]``, the ``graders`` mapping
(keyword argument, or JSON in ``REWARDKIT_VERL_GRADERS``) by ``data_source``, the ``grader``
keyword argument, then the data sources verl's own ``default_compute_score`` names, scored with
verl's semantics (``semantics="verl"``, the default; see ``VERL_SOURCES``): the answer is read
where verl reads it and nowhere else, the score has verl's scale (-1/+1 for ``math_dapo``, ``math``
and ``aime*``), and only the equivalence test is rewardkit's (``math``: ``0.5`` equals ``\\frac12``
where verl compares normalised strings). ``semantics="rewardkit"`` grades those sources with the
plain ``math`` grader instead (0/1, answer found anywhere).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from typing import Any, Literal, NamedTuple

from rewardkit.cleaning import ResponseCleaner
from rewardkit.errors import GraderConfigError
from rewardkit.integrations.runner import runner_for

CLEANER = ResponseCleaner()
Semantics = Literal["verl", "rewardkit"]
# How rewardkit grades an answer already read out the way verl reads it.
_ANSWER_ONLY = {"type": "math", "extract": ["boxed"], "fallback": "none"}
# verl's patterns, in linear time: gsm8k's strict '#### <number>', math_dapo's 'Answer: <line>'.
_GSM8K = re.compile(r"#### (-?[0-9.,]+)")
_ANSWER_LINE = re.compile(r"(?i)answer\s*:\s*([^\n]+)")


def _last_boxed(text: str) -> str | None:
    from graders.math.extract import boxed

    return boxed(text)


class SourceRule(NamedTuple):
    """How verl scores a data source: where the answer is read, and the scores for right and wrong.

    A NamedTuple, not a dataclass: verl loads this file by path, outside ``sys.modules``."""

    read: Literal["gsm8k", "boxed", "dapo"]
    right: float = 1.0
    wrong: float = 0.0

    def answer(self, response: str) -> str | None:
        """The answer verl would read from the response, or None (verl's 'no answer')."""
        if self.read == "gsm8k":  # verl: the last '#### number' in the last 300 characters
            found = _GSM8K.findall(response[-300:])
            return found[-1].replace(",", "").replace("$", "") if found else None
        if self.read == "boxed":  # verl math_reward: the last \boxed{...}
            return _last_boxed(response)
        tail = response[-300:]  # verl math_dapo: the last 'Answer: ...' line, else a \boxed{} in the last 100
        lines = _ANSWER_LINE.findall(tail)
        return lines[-1].strip() if lines else _last_boxed(tail[-100:])


VERL_SOURCES = {
    "openai/gsm8k": SourceRule("gsm8k"),
    "lighteval/MATH": SourceRule("boxed"),
    "DigitalLearningGmbH/MATH-lighteval": SourceRule("boxed"),
    "HuggingFaceH4/MATH-500": SourceRule("boxed"),
    "math_dapo": SourceRule("dapo", 1.0, -1.0),
    "math": SourceRule("dapo", 1.0, -1.0),
    "math_dapo_reasoning": SourceRule("dapo", 1.0, -1.0),
}
_AIME = SourceRule("dapo", 1.0, -1.0)


def verl_rule(data_source: Any) -> SourceRule | None:
    """verl's own rule for a data source it names, or None."""
    if not isinstance(data_source, str):
        return None
    return VERL_SOURCES.get(data_source) or (_AIME if data_source.startswith("aime") else None)


def choose_grader(data_source: Any, extra_info: Any = None, grader: Any = None, graders: Any = None) -> Any:
    """The grader spec chosen for a sample, or None for a source scored by verl's rule."""
    if isinstance(extra_info, dict) and extra_info.get("rewardkit_grader"):
        return extra_info["rewardkit_grader"]
    mapping = graders
    if mapping is None and os.environ.get("REWARDKIT_VERL_GRADERS"):
        mapping = json.loads(os.environ["REWARDKIT_VERL_GRADERS"])
    if mapping and data_source in mapping:
        return mapping[data_source]
    if grader is not None:
        return grader
    if verl_rule(data_source) is not None:
        return None
    raise GraderConfigError(
        f"no grader for data_source {data_source!r}: pass grader= or graders={{...}} in "
        "reward.custom_reward_function.reward_kwargs, set REWARDKIT_VERL_GRADERS, or put 'rewardkit_grader' in extra_info"
    )


def _result(record: dict, right: float = 1.0, wrong: float = 0.0, scale: bool = False) -> dict[str, Any]:
    score = record["score"]
    applicable = score is not None
    if scale:
        score = right if record["passed"] else wrong
    return {
        "score": float(score) if score is not None else 0.0,
        "acc": bool(record["passed"]),
        "applicable": applicable,
        "pred": record["extracted"] or "",
        "error": record["error"] or "",
        "reason": record["reason"] or "",
    }


def _check_semantics(semantics: str) -> None:
    if semantics not in ("verl", "rewardkit"):
        raise GraderConfigError(f"semantics must be 'verl' or 'rewardkit', not {semantics!r}")


def _plan(data_source: Any, solution_str: Any, ground_truth: Any, extra_info: Any, grader: Any, graders: Any,
          semantics: str) -> tuple[Any, dict | None, SourceRule | None, dict | None]:
    """(spec, sample, rule, result): the grading to do for one sample, or its result already."""
    _check_semantics(semantics)
    spec = choose_grader(data_source, extra_info, grader, graders)
    cleaned = CLEANER.text(solution_str)
    rule = None
    if spec is None:
        if semantics == "rewardkit":
            spec = "math"
        else:
            rule = verl_rule(data_source)
            spec = _ANSWER_ONLY
    if cleaned.error is not None:
        return spec, None, rule, {"score": rule.wrong if rule else 0.0, "acc": False, "applicable": True, "pred": "",
                                  "error": cleaned.error, "reason": cleaned.reason}
    if rule is None:
        return spec, {"response": cleaned.response, "reference": ground_truth}, None, None
    answer = rule.answer(cleaned.response)
    if answer is None:
        return spec, None, rule, {"score": rule.wrong, "acc": False, "applicable": True, "pred": "",
                                  "error": "no_answer", "reason": f"no answer where verl reads one ({rule.read})"}
    # The answer read, boxed so that rewardkit's math grader reads exactly it and nothing around it.
    return spec, {"response": f"\\boxed{{{answer}}}", "reference": ground_truth}, rule, None


def compute_score(data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None,
                  grader: Any = None, graders: Any = None, timeout_s: float | None = None,
                  semantics: Semantics = "verl", **kwargs: Any) -> dict:
    """verl's ``custom_reward_function`` signature: one response, its ground truth, a dict with ``score`` back."""
    spec, sample, rule, done = _plan(data_source, solution_str, ground_truth, extra_info, grader, graders, semantics)
    if done is not None:
        return done
    record = runner_for(spec, timeout_s).grade([sample])[0]
    return _result(record, rule.right, rule.wrong, True) if rule else _result(record)


async def compute_score_async(data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None,
                              **kwargs: Any) -> dict:
    """``compute_score`` as a coroutine function, which verl's reward loop awaits (grading in a thread)."""
    return await asyncio.to_thread(compute_score, data_source, solution_str, ground_truth, extra_info, **kwargs)


def compute_score_float(data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None,
                        **kwargs: Any) -> float:
    """``compute_score``'s score alone, for managers that take ``float(result)`` (PRIME)."""
    return compute_score(data_source, solution_str, ground_truth, extra_info, **kwargs)["score"]


def compute_score_batch(data_sources: list, solution_strs: list, ground_truths: list, extra_infos: list | None = None,
                        grader: Any = None, graders: Any = None, timeout_s: float | None = None,
                        semantics: Semantics = "verl", **kwargs: Any) -> list[dict]:
    """verl's legacy ``BatchRewardManager`` signature: lists in, one dict per sample out, graded per grader in batches."""
    n = len(solution_strs)
    if not (len(data_sources) == len(ground_truths) == n):
        raise ValueError(f"lengths differ: {len(data_sources)} data_sources, {n} solution_strs, "
                         f"{len(ground_truths)} ground_truths")
    extra_infos = list(extra_infos) if extra_infos is not None else [None] * n
    results: list[dict | None] = [None] * n
    by_spec: dict[str, tuple[Any, list[tuple[int, dict, SourceRule | None]]]] = {}
    for i in range(n):
        spec, sample, rule, done = _plan(data_sources[i], solution_strs[i], ground_truths[i], extra_infos[i],
                                         grader, graders, semantics)
        if done is not None:
            results[i] = done
            continue
        key = json.dumps(spec, sort_keys=True, default=str)
        by_spec.setdefault(key, (spec, []))[1].append((i, sample, rule))
    for spec, items in by_spec.values():
        records = runner_for(spec, timeout_s).grade([sample for _, sample, _ in items])
        for (i, _, rule), record in zip(items, records):
            results[i] = _result(record, rule.right, rule.wrong, True) if rule else _result(record)
    return results  # type: ignore[return-value]
