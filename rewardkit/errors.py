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
