"""Progress bars a command shows. rewardkit's own bars take a ``progress`` flag; transformers' bars
(loading and writing weights) are switched process-wide, so they are turned off around quiet work."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator


@contextlib.contextmanager
def transformers_bars(enabled: bool) -> Iterator[None]:
    """transformers' progress bars on or off inside the block; as they were afterwards."""
    if importlib.util.find_spec("transformers") is None:
        yield
        return
    from transformers.utils import logging

    was = logging.is_progress_bar_enabled()
    (logging.enable_progress_bar if enabled else logging.disable_progress_bar)()
    try:
        yield
    finally:
        (logging.enable_progress_bar if was else logging.disable_progress_bar)()
