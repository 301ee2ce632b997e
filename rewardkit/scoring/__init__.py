"""Offline scoring of datasets of model outputs: parallel, bounded, streaming, resumable."""

from rewardkit.scoring.fields import FieldMapping, get_path
from rewardkit.scoring.run import (
    format_summary,
    iter_scores,
    plot_histogram,
    read_summary,
    score_dataset,
    write_summary,
)
from rewardkit.scoring.summary import Summary, pass_at_k

__all__ = [
    "FieldMapping",
    "Summary",
    "format_summary",
    "get_path",
    "iter_scores",
    "pass_at_k",
    "plot_histogram",
    "read_summary",
    "score_dataset",
    "write_summary",
]
