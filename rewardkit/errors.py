"""The exceptions rewardkit raises, all under one base so callers can catch them together.

Bad *model output* never raises (a grader returns a ``Grade`` with ``error`` set); these are
for mistakes a person made: a bad grader spec, a broken plugin, an unreadable file.
"""

from __future__ import annotations


class RewardkitError(Exception):
    """Base class of every error rewardkit raises on purpose."""


class GraderConfigError(RewardkitError, ValueError):
    """A grader spec is invalid: unknown grader, unknown or bad field, unreadable spec file."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}" if field else message)


class PluginError(RewardkitError):
    """A plugin could not be loaded or registered something invalid (e.g. a duplicate name)."""


class DataError(RewardkitError):
    """An input file cannot be read at all (a bad row is reported per row instead)."""


# Optional dependencies and the extra of rewardkit that installs each.
EXTRAS = {"pyarrow": "data", "datasets": "data", "torch": "train", "transformers": "train", "accelerate": "train",
          "matplotlib": "plot", "fastapi": "serve", "uvicorn": "serve", "ray": "ray", "trl": "trl",
          "tensorboard": "tensorboard", "sacrebleu": "text", "nltk": "text", "rouge_score": "text", "httpx": "judge"}


class MissingExtra(RewardkitError, ImportError):
    """An optional dependency is not installed; the message names the extra that installs it."""

    def __init__(self, module: str, purpose: str):
        self.module = module.partition(".")[0]
        self.extra = EXTRAS[self.module]
        super().__init__(f'{purpose} needs {self.module}, which is not installed: '
                         f'pip install "rewardkit[{self.extra}]"', name=self.module)


def require(module: str, purpose: str):
    """Import an optional dependency, or raise ``MissingExtra`` naming the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise as_missing_extra(exc, purpose) or exc from exc


def as_missing_extra(exc: BaseException, purpose: str = "this command") -> MissingExtra | None:
    """The ``MissingExtra`` an ImportError stands for (its module is an optional dependency), else None."""
    if isinstance(exc, MissingExtra):
        return exc
    if isinstance(exc, ImportError) and (exc.name or "").partition(".")[0] in EXTRAS:
        return MissingExtra(exc.name, purpose)
    return None
