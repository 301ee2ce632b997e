"""A row that could not be read, kept so that it still yields an output row."""

from __future__ import annotations


class BadLine:
    """An input line that is not a JSON value (undecodable bytes, invalid JSON, a blank line)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return f"BadLine({self.reason!r})"
