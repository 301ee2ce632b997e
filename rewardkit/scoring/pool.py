"""The scorer's grading pool: ``rewardkit.pool.GradingPool`` grading raw input rows into output lines."""

from __future__ import annotations

from typing import Any

from rewardkit.bounded import WALL_FACTOR
from rewardkit.pool import GradingPool, PoolStats, default_workers
from rewardkit.registry import grader_config
from rewardkit.scoring.fields import FieldMapping
from rewardkit.scoring.rows import RowJob

__all__ = ["PoolStats", "ScoringPool", "default_workers"]


def ScoringPool(spec: Any, fields: FieldMapping, workers: int, timeout_s: float, batch_size: int = 256,  # noqa: N802
                start_method: str | None = None, wall_factor: float = WALL_FACTOR) -> GradingPool:
    """A pool whose ``run`` takes (row number, raw row) pairs and yields ``scoring.rows.Result``s."""
    return GradingPool(grader_config(spec), RowJob(fields), workers, timeout_s, batch_size, start_method,
                       wall_factor)
