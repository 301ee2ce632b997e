"""The integrations' runner is ``rewardkit.grading.GraderRunner`` (one grading path for the trainer,
the adapters and the server); re-exported here so that adapters keep their imports."""

from rewardkit.grading import GraderRunner, records_of, runner_for

__all__ = ["GraderRunner", "records_of", "runner_for"]
