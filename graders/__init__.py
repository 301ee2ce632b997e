"""The built-in rule graders, registered through the ``rewardkit`` entry point like any plugin."""

from graders.combine import CombineGrader
from graders.contains import ContainsGrader
from graders.exact import ExactGrader
from graders.format import FormatGrader
from graders.math import MathGrader
from graders.openai import HOSTED_GRADERS
from graders.similarity import SimilarityGrader
from rewardkit import hookimpl

BUILTIN_GRADERS = (ExactGrader, ContainsGrader, SimilarityGrader, MathGrader, FormatGrader, CombineGrader,
                   *HOSTED_GRADERS)


@hookimpl
def register_graders(register):
    for grader in BUILTIN_GRADERS:
        register(grader)
