"""Where training runs: one ``accelerate.Accelerator`` per run, CUDA + bf16 when present, CPU otherwise.

Under ``accelerate launch`` (or torchrun) the same accelerator is data-parallel.
"""

from __future__ import annotations

import contextlib
from typing import Literal

Device = Literal["auto", "cpu", "cuda"]  # auto: CUDA when present


def make_accelerator(device: Device = "auto", bf16: bool | None = None):
    """An ``Accelerator`` on CUDA when present (unless ``device`` is cpu), bf16 by default there."""
    import torch
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState

    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device: cuda was asked for, but CUDA is not available")
    cuda = torch.cuda.is_available() and device != "cpu"
    # accelerate keeps its settings, the device among them, process-wide: a second run in the same
    # process (a notebook, the tests) may ask for another device or precision. Under a launcher the
    # process group and its device are kept.
    AcceleratorState._reset_state(reset_partial_state=not _launched())
    return Accelerator(cpu=not cuda, mixed_precision="bf16" if (cuda if bf16 is None else bf16) else "no")


def _launched() -> bool:
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


def sync_on_last(accelerator, model, index: int, count: int):
    """The context for backward pass ``index`` of ``count`` accumulated ones: gradients are
    averaged across processes once, on the last; the others accumulate locally (``no_sync``)."""
    return accelerator.no_sync(model) if index < count - 1 else contextlib.nullcontext()
