"""Learned rewards in the registry (``reward_model``, ``prm``) and their commands (``rm``, ``prm``).

A built-in plugin (loaded by module name, see ``rewardkit.registry.BUILTIN_PLUGINS``). torch and
transformers are imported only when a model is loaded, so the registry works without them.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator

from rewardkit.grader import Grader, GraderConfig
from rewardkit.hookspecs import hookimpl
from rewardkit.models.paths import missing_model_dir
from rewardkit.types import Grades, SampleBatch

_LOADED: dict[tuple, object] = {}  # one model per (kind, path, options) and process


def _load(kind: str, path: str, **options):
    key = (kind, path, tuple(sorted(options.items())))
    if key not in _LOADED:
        if kind == "reward_model":
            from rewardkit.models.bradley_terry import RewardModel

            _LOADED[key] = RewardModel.load(path, **options)
        else:
            from rewardkit.models.prm import ProcessRewardModel

            _LOADED[key] = ProcessRewardModel.load(path, **options)
    return _LOADED[key]


def _existing_model(path: str) -> str:
    """A local model folder must exist (checked when the spec is read, not at the first grade)."""
    if why := missing_model_dir(path):
        raise ValueError(why)
    return path


class RewardModelConfig(GraderConfig):
    type: Literal["reward_model"] = Field(default="reward_model", description="Grader name.")
    path: str = Field(description="A Bradley-Terry reward model saved with save_pretrained.")
    normalize: Literal["sigmoid", "none"] = Field(
        default="sigmoid", description="sigmoid: score = 1 / (1 + exp(-(raw - center) / scale)); none: raw "
        "reward clipped to [0, 1]. The raw reward is in parts['raw'].")
    center: float = Field(default=0.0, description="Subtracted from the raw reward before the sigmoid.")
    scale: float = Field(default=1.0, gt=0, description="Divides the centred reward before the sigmoid.")
    pass_threshold: float = Field(default=0.5, ge=0, le=1, description="A score at or above this passes.")
    batch_size: int = Field(default=32, gt=0, description="Texts per forward pass.")
    max_length: int = Field(default=1024, gt=0, description="Longer texts are truncated (counted in reason).")
    device: str | None = Field(default=None, description="Where the model runs: cpu, cuda or cuda:N; default: "
                               "CUDA (bf16) when present, else CPU.")

    _path = field_validator("path")(_existing_model)


class RewardModelGrader(Grader):
    """A learned Bradley-Terry reward model, its output mapped into [0, 1]."""

    Config = RewardModelConfig
    config: RewardModelConfig

    def grade_batch(self, samples: SampleBatch) -> Grades:
        from rewardkit.models.bradley_terry import render

        rm = _load("reward_model", self.config.path, max_length=self.config.max_length, device=self.config.device)
        before = rm.truncated
        raw = rm.score([render(rm.tokenizer, s.prompt or "", s.response) for s in samples], self.config.batch_size)
        cut = rm.truncated - before
        cfg = self.config
        if cfg.normalize == "sigmoid":
            scores = [1 / (1 + math.exp(-max(-60.0, min(60.0, (r - cfg.center) / cfg.scale)))) for r in raw]
        else:
            scores = [min(1.0, max(0.0, r)) for r in raw]
        reason = f"reward model ({cut} truncated in batch)" if cut else "reward model"
        return Grades(scores=scores, passed=[s >= cfg.pass_threshold for s in scores],
                      reasons=[reason] * len(scores), parts=[{"raw": r} for r in raw])


class PRMConfig(GraderConfig):
    type: Literal["prm"] = Field(default="prm", description="Grader name.")
    path: str = Field(description="A process reward model saved with save_pretrained.")
    aggregate: Literal["min", "product", "mean", "last", "first_error"] = Field(
        default="min", description="How step scores (P(correct)) become one reward in [0, 1].")
    step_separator: str | None = Field(default=None, description="Splits the response into steps; default: the "
                                       "separator the model was trained with.")
    pass_threshold: float = Field(default=0.5, ge=0, le=1, description="A score at or above this passes.")
    max_length: int = Field(default=2048, gt=0, description="Longer texts are truncated.")
    device: str | None = Field(default=None, description="Where the model runs: cpu, cuda or cuda:N; default: "
                               "CUDA (bf16) when present, else CPU.")

    _path = field_validator("path")(_existing_model)


class PRMGrader(Grader):
    """A learned process reward model: step scores aggregated (min, product, mean, last, first error)."""

    Config = PRMConfig
    config: PRMConfig

    def grade_batch(self, samples: SampleBatch) -> Grades:
        from rewardkit.models.prm import aggregate

        prm = _load("prm", self.config.path, separator=self.config.step_separator, max_length=self.config.max_length,
                    device=self.config.device)
        sep = prm.separator
        examples = [(s.prompt or "", [step for step in s.response.split(sep) if step.strip()] or [s.response])
                    for s in samples]
        step_scores = prm.score_many(examples)
        scores = [aggregate(steps, self.config.aggregate) for steps in step_scores]
        return Grades(scores=scores, passed=[s >= self.config.pass_threshold for s in scores],
                      reasons=[f"{len(st)} steps, {self.config.aggregate}" for st in step_scores],
                      parts=[{f"step_{i}": v for i, v in enumerate(st)} for st in step_scores])


@hookimpl
def register_graders(register):
    register(RewardModelGrader)
    register(PRMGrader)


@hookimpl
def register_commands(cli):
    from rewardkit.models.cli import prm_group, rm_group

    cli.add_command(rm_group)
    cli.add_command(prm_group)
