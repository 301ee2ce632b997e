"""rewardkit-codeexec: grade code by running it against tests in a sandbox (a rewardkit plugin).

The ``code_exec`` grader runs the response's Python code in a bubblewrap sandbox against the
reference's tests: stdin/stdout cases, function-call cases or assert-style test code. Verdicts
are computed outside the solution's reach; see the README for the formats and the isolation.
"""

from __future__ import annotations

import rewardkit
from rewardkit_codeexec.grader import CodeExecConfig, CodeExecGrader, extract_code

__all__ = ["CodeExecConfig", "CodeExecGrader", "extract_code", "register_graders"]


@rewardkit.hookimpl
def register_graders(register):
    register(CodeExecGrader)
