"""Offline scoring of datasets of model outputs."""

from rewardkit.scoring.fields import FieldMapping, get_path
from rewardkit.scoring.run import format_summary, score_jsonl, score_rows, write_summary
from rewardkit.scoring.summary import Summary

__all__ = ["FieldMapping", "Summary", "format_summary", "get_path", "score_jsonl", "score_rows", "write_summary"]
