"""Per-step metrics: JSONL (always), TensorBoard (optional), and a PNG of the curves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class MetricsWriter:
    """Appends one JSON object per step to ``metrics.jsonl`` (and TensorBoard scalars if asked)."""

    def __init__(self, output_dir: str | Path, tensorboard: bool = False, append: bool = False):
        self.path = Path(output_dir) / "metrics.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "a" if append else "w", encoding="utf-8")  # noqa: SIM115
        self._tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as exc:
                raise RuntimeError("tensorboard: true needs the tensorboard package") from exc
            self._tb = SummaryWriter(str(Path(output_dir) / "tensorboard"))

    def write(self, step: int, metrics: dict[str, Any]) -> None:
        self._handle.write(json.dumps({"step": step, **metrics}) + "\n")
        self._handle.flush()
        if self._tb is not None:
            for key, value in metrics.items():
                if isinstance(value, (int, float)):
                    self._tb.add_scalar(key, value, step)

    def close(self) -> None:
        self._handle.close()
        if self._tb is not None:
            self._tb.close()


def truncate_metrics(path: str | Path, last_step: int) -> None:
    """Drop the metrics after ``last_step`` (a resumed run writes them again)."""
    path = Path(path)
    if path.exists():
        keep = [line for line in path.read_text().splitlines() if line and json.loads(line)["step"] <= last_step]
        path.write_text("".join(line + "\n" for line in keep))


DEFAULT_CURVES = ("reward_mean", "accuracy", "kl", "completion_length_mean", "entropy", "clip_fraction")

# Why a metric can stay at 0 for a whole run, written on its panel so that a flat line does not puzzle.
WHY_ZERO = {
    "clip_fraction": "0 throughout: with num_iterations 1 each batch gets one on-policy update,\n"
                     "where the ratio is exactly 1 and nothing is clipped (set num_iterations > 1)",
    "kl": "0 throughout: the policy has not moved from the reference",
}


def plot_metrics(metrics_path: str | Path, out: str | Path, keys: tuple[str, ...] = DEFAULT_CURVES,
                 title: str | None = None) -> Path:
    """A PNG with one panel per metric present in the JSONL, titled (default: the run's folder)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in Path(metrics_path).read_text().splitlines() if line.strip()]
    present = [k for k in keys if any(r.get(k) is not None for r in rows)]
    if not present:
        raise ValueError(f"{metrics_path} has none of the metrics {keys}")
    fig, axes = plt.subplots(len(present), 1, figsize=(6, 2.2 * len(present)), squeeze=False)
    for ax, key in zip(axes[:, 0], present):
        points = [(r["step"], r[key]) for r in rows if key in r and r[key] is not None]
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="." if len(points) < 50 else None)
        ax.set_ylabel(key, fontsize=8)
        ax.grid(alpha=0.3)
        if key in WHY_ZERO and all(p[1] == 0 for p in points):
            ax.text(0.5, 0.5, WHY_ZERO[key], transform=ax.transAxes, ha="center", va="center", fontsize=7,
                    color="dimgray")
    axes[-1, 0].set_xlabel("step")
    fig.suptitle(title or f"{Path(metrics_path).resolve().parent.name}: metrics per step", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return Path(out)
