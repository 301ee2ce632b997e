"""Reward functions for TRL's ``GRPOTrainer``.

    from rewardkit.integrations.trl import reward_funcs
    trainer = GRPOTrainer(model=..., reward_funcs=reward_funcs("math", {"type": "format", ...}), ...)

TRL calls each function with keyword arguments ``prompts``, ``completions``, ``completion_ids``
and every other dataset column (e.g. ``reference``), one value per completion, and logs
``rewards/<__name__>/mean``. Completions are plain strings or, for conversational datasets,
lists of messages (the last message's content is graded). A grade that does not apply
(score None) is returned as None, which TRL leaves out of the reward. Grader errors and
timeouts give 0.0; nothing is raised into TRL.
"""

from __future__ import annotations

from typing import Any

from rewardkit.integrations.runner import GraderRunner


def completion_text(completion: Any) -> Any:
    """The text of a plain or conversational completion (the last message's content)."""
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        return completion[-1].get("content", "")
    if isinstance(completion, dict):
        return completion.get("content", "")
    return completion


class RewardFunction:
    """One grader as a TRL reward function; picklable, named after the grader."""

    def __init__(self, spec: Any, name: str | None = None, reference_field: str = "reference",
                 timeout_s: float | None = None):
        self.runner = GraderRunner(spec, timeout_s)
        self.__name__ = name or self.runner.name
        self.reference_field = reference_field

    def __call__(self, prompts: list | None = None, completions: list | None = None,
                 completion_ids: list | None = None, **kwargs: Any) -> list[float | None]:
        completions = completions or []
        references = kwargs.get(self.reference_field) or [None] * len(completions)
        prompts = prompts or [None] * len(completions)
        samples = []
        for prompt, completion, reference in zip(prompts, completions, references):
            sample = {"response": completion_text(completion), "reference": reference}
            if isinstance(completion_text(prompt), str):
                sample["prompt"] = completion_text(prompt)
            samples.append(sample)
        return [r["score"] for r in self.runner.grade(samples)]

    def __repr__(self) -> str:
        return f"RewardFunction({self.__name__!r})"


def reward_funcs(*specs: Any, reference_field: str = "reference", timeout_s: float | None = None,
                 names: list[str] | None = None) -> list[RewardFunction]:
    """One TRL reward function per grader spec (name, dict, JSON or spec file)."""
    if not specs:
        raise ValueError("give at least one grader spec")
    names = names or [None] * len(specs)
    if len(names) != len(specs):
        raise ValueError("names must have one entry per spec")
    return [RewardFunction(spec, name, reference_field, timeout_s) for spec, name in zip(specs, names)]
