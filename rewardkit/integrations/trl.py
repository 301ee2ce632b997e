"""Reward functions for TRL's ``GRPOTrainer`` (checked against TRL 1.16).

    from rewardkit.integrations.trl import reward_funcs
    trainer = GRPOTrainer(model=..., reward_funcs=reward_funcs("math", {"type": "format", ...}), ...)

TRL calls each reward function with ``prompts``, ``completions``, ``completion_ids``, every
dataset column (one value per completion), ``trainer_state``, and the hooks ``log_extra(column,
values)`` and ``log_metric(name, value)``; it awaits functions whose ``__call__`` is a coroutine
(``async_reward_funcs``). Completions are strings, or for conversational data lists of messages:
with tools, the assistant's tool call, the tool's output and the assistant's follow-up.

What is graded is what the model wrote, through the one ``ResponseCleaner``: the last message,
which must be the assistant's final answer (a tool's output left last by a cut-off tool call, or an
assistant message still waiting on tool calls, scores 0 with error ``no_final_answer``), its
content blocks joined, its reasoning field (``reasoning_content`` / ``thinking``) kept apart in
``metadata["reasoning"]``. The reference is the ``reference_field`` column, by default the first of
``reference``, ``solution`` (TRL's convention), ``answer``, ``ground_truth``. A grade that does not
apply (score None) is returned as None, which TRL leaves out of the reward; grader errors and
timeouts give 0.0 and are counted in ``<name>/error_rate``; extracted answers and errors go to the
completions table through ``log_extra``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from rewardkit.cleaning import CleanBatch, ResponseCleaner, content_text
from rewardkit.errors import GraderConfigError
from rewardkit.integrations.runner import GraderRunner

REFERENCE_COLUMNS = ("reference", "solution", "answer", "ground_truth")
_JSON_SCALARS = (str, int, float, bool, type(None))
DEFAULT_CLEANER = ResponseCleaner()


def prompt_text(prompt: Any) -> str | None:
    """The text of a plain prompt, or of the last message of a conversational one."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list) and prompt and isinstance(prompt[-1], dict):
        return content_text(prompt[-1].get("content"))
    return None


def _plain(value: Any) -> bool:
    """Whether a column value can travel in a sample's metadata (JSON-like)."""
    if isinstance(value, _JSON_SCALARS):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


class RewardFunction:
    """One grader as a TRL reward function; picklable, named after the grader."""

    def __init__(self, spec: Any, name: str | None = None, reference_field: str | None = None,
                 timeout_s: float | None = None, special_tokens: Sequence[str] | None = None,
                 tokenizer: str | None = None):
        self.runner = GraderRunner(spec, timeout_s)
        self.__name__ = name or self.runner.name
        self.reference_field = reference_field
        self.cleaner = DEFAULT_CLEANER if special_tokens is None and tokenizer is None else \
            ResponseCleaner(special_tokens, tokenizer)
        self.requires_reference = type(self.runner.grader).requires_reference  # also: a bad spec fails here

    def _references(self, columns: dict[str, Any], n: int) -> list:
        if self.reference_field is not None:
            if self.reference_field not in columns:
                raise GraderConfigError(f"reference column {self.reference_field!r} is not among the dataset "
                                        f"columns {sorted(columns)}")
            return list(columns[self.reference_field])
        for name in REFERENCE_COLUMNS:
            if name in columns:
                return list(columns[name])
        if self.requires_reference:
            raise GraderConfigError(f"grader {self.runner.name!r} needs a reference, and no dataset column is one of "
                                    f"{list(REFERENCE_COLUMNS)} (columns: {sorted(columns)}); pass reference_field=")
        return [None] * n

    def score(self, prompts: list | None = None, completions: list | None = None, completion_ids: list | None = None,
              log_extra: Callable | None = None, log_metric: Callable | None = None, trainer_state: Any = None,
              **columns: Any) -> list[float | None]:
        """The rewards of a batch, one per completion (the body of ``__call__``)."""
        completions = list(completions or [])
        n = len(completions)
        columns.pop("environments", None)
        references = self._references(columns, n)
        prompts = list(prompts) if prompts is not None else [None] * n
        reference_column = self.reference_field or next((c for c in REFERENCE_COLUMNS if c in columns), None)
        extra = [{k: v[i] for k, v in columns.items() if k != reference_column and _plain(v[i])} for i in range(n)]
        cleaned = [self.cleaner.text(c) for c in completions]
        batch = CleanBatch.build(cleaned, references, [prompt_text(p) for p in prompts], extra)
        records = batch.merge(self.runner.grade(batch.samples))
        self._log(records, log_extra, log_metric)
        return [r["score"] for r in records]

    def _log(self, records: list[dict], log_extra: Callable | None, log_metric: Callable | None) -> None:
        if log_extra is not None:
            log_extra(f"{self.__name__}/extracted", [r["extracted"] for r in records])
            log_extra(f"{self.__name__}/error", [r["error"] for r in records])
        if log_metric is not None and records:
            log_metric(f"{self.__name__}/error_rate", sum(r["error"] is not None for r in records) / len(records))
            log_metric(f"{self.__name__}/pass_rate", sum(bool(r["passed"]) for r in records) / len(records))

    def __call__(self, prompts: list | None = None, completions: list | None = None,
                 completion_ids: list | None = None, **kwargs: Any) -> list[float | None]:
        return self.score(prompts, completions, completion_ids, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__name__!r})"


class AsyncRewardFunction(RewardFunction):
    """The async form: TRL awaits it beside its other async reward functions; grading runs in a thread."""

    async def __call__(self, prompts: list | None = None, completions: list | None = None,  # type: ignore[override]
                       completion_ids: list | None = None, **kwargs: Any) -> list[float | None]:
        return await asyncio.to_thread(self.score, prompts, completions, completion_ids, **kwargs)


def reward_funcs(*specs: Any, reference_field: str | None = None, timeout_s: float | None = None,
                 names: list[str] | None = None, special_tokens: Sequence[str] | None = None,
                 tokenizer: str | None = None, asynchronous: bool = False) -> list[RewardFunction]:
    """One TRL reward function per grader spec (name, dict, JSON or spec file); ``asynchronous`` for the async form."""
    if not specs:
        raise ValueError("give at least one grader spec")
    names = names or [None] * len(specs)
    if len(names) != len(specs):
        raise ValueError("names must have one entry per spec")
    cls = AsyncRewardFunction if asynchronous else RewardFunction
    return [cls(spec, name, reference_field, timeout_s, special_tokens, tokenizer) for spec, name in zip(specs, names)]


def async_reward_funcs(*specs: Any, **options: Any) -> list[RewardFunction]:
    """``reward_funcs(..., asynchronous=True)``."""
    return reward_funcs(*specs, asynchronous=True, **options)
