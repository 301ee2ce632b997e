"""Telling a mistyped local model folder from a hub id, before anything loads (no torch needed)."""

from __future__ import annotations

import os
from pathlib import Path


def missing_model_dir(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be a model when it is meant as a local folder that is not there; None otherwise.

    A hub id is ``name`` or ``owner/name``; anything else (absolute, ``./``, ``~``, a backslash, two
    slashes or more, or ``folder/name`` where ``folder`` exists here) is a local path. Caught here, a
    typo is one line at once instead of the hub's retries ending in a connection error.
    """
    text = os.fspath(path)
    local = Path(text).expanduser()
    if local.exists():
        return None if local.is_dir() else f"not a directory: {text}"
    parts = text.replace("\\", "/").split("/")
    looks_local = (text.startswith((".", "~", "/")) or "\\" in text or len(parts) > 2
                   or (len(parts) == 2 and Path(parts[0]).is_dir()))
    return f"no such directory: {text}" if looks_local else None
