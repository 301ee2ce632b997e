"""Loading a saved transformers model so that it computes exactly what the saved one did."""

from __future__ import annotations

from pathlib import Path

import torch


def load_pretrained(auto_class, path: str | Path, device: str | None = None, dtype: torch.dtype | None = None,
                    **kwargs):
    """``auto_class.from_pretrained`` on ``device`` (default: CUDA when present), in eval mode.

    ``dtype`` defaults to bf16 on CUDA and fp32 on CPU. On CPU, safetensors weights are
    memory-mapped at whatever byte offset the file gives them; the CPU kernels then take an
    unaligned path whose sums differ in the last bit, so a save/load round trip would not give
    identical scores. The weights are copied into memory of their own, which is aligned.
    """
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if dtype is None:
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    model = auto_class.from_pretrained(path, dtype=dtype, **kwargs).to(device).eval()
    if device == "cpu":
        with torch.no_grad():
            for tensor in [*model.parameters(), *model.buffers()]:
                tensor.data = tensor.data.clone()
    return model
