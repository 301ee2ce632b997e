"""rewardkit-codeexec: grade code by running it against tests (an example rewardkit plugin)."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from typing import Literal

from pydantic import Field

import rewardkit
from rewardkit import Grade, Grader, GraderConfig, Sample

_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL)


class CodeExecConfig(GraderConfig):
    type: Literal["code_exec"] = Field(default="code_exec", description="Grader name.")
    timeout_s: float = Field(default=5.0, gt=0, le=300, description="Wall-clock limit of one run.")
    memory_mb: int = Field(default=512, gt=16, description="Address-space limit of the child, in MiB.")


def extract_code(response: str) -> str | None:
    """The last fenced Python block, or None."""
    blocks = _FENCE.findall(response)
    return blocks[-1] if blocks else None


def _limits(cpu_s: int, memory_bytes: int):
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return apply


class CodeExecGrader(Grader):
    """Runs the response's last Python code block with the reference's tests; passes on exit 0."""

    Config = CodeExecConfig
    requires_reference = True
    config: CodeExecConfig

    def grade(self, sample: Sample) -> Grade:
        code = extract_code(sample.response)
        if code is None:
            return Grade(score=0.0, error="no_code", reason="no ```python block in the response")
        program = code + "\n\n" + "\n".join(sample.references()) + "\n"
        with tempfile.TemporaryDirectory() as workdir:
            try:
                done = subprocess.run(
                    [sys.executable, "-I", "-c", program],
                    cwd=workdir,
                    env={},
                    capture_output=True,
                    text=True,
                    timeout=self.config.timeout_s,
                    preexec_fn=_limits(int(self.config.timeout_s) + 1, self.config.memory_mb * 1024**2),
                )
            except subprocess.TimeoutExpired:
                return Grade(score=0.0, error="timeout", reason=f"ran past {self.config.timeout_s} s", extracted=code)
        if done.returncode == 0:
            return Grade(score=1.0, passed=True, reason="tests passed", extracted=code)
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return Grade(score=0.0, reason=f"tests failed: {last[:200]}", extracted=code)


@rewardkit.hookimpl
def register_graders(register):
    register(CodeExecGrader)
