"""rewardkit: rewards and verifiers for RL with verifiable rewards and reinforcement fine-tuning.

    import rewardkit
    grader = rewardkit.load_grader("math")
    grade = grader.grade(rewardkit.Sample(response="... \\boxed{1/2}", reference="0.5"))
"""

from rewardkit.errors import DataError, GraderConfigError, PluginError, RewardkitError
from rewardkit.grader import Grader, GraderConfig
from rewardkit.hookspecs import hookimpl
from rewardkit.registry import get_registry, load_grader, register_plugin, unregister_plugin
from rewardkit.types import Grade, Grades, Sample

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "Grade",
    "Grader",
    "GraderConfig",
    "GraderConfigError",
    "Grades",
    "PluginError",
    "RewardkitError",
    "Sample",
    "get_registry",
    "hookimpl",
    "load_grader",
    "register_plugin",
    "unregister_plugin",
    "__version__",
]
