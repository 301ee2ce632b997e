"""The ``code_exec`` grader: the response's Python code against the reference's tests, in a sandbox."""

from __future__ import annotations

import builtins
import multiprocessing
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from pydantic import Field

from rewardkit import Grade, Grader, GraderConfig, GraderConfigError, Grades, Sample
from rewardkit_codeexec import harness, sandbox
from rewardkit_codeexec.compare import output_matches, values_equal
from rewardkit_codeexec.suite import InvalidTests, Suite, parse_references

MAX_RESULT_BYTES = 64 << 20
SANDBOXES_PER_CORE = 4
_MARKERS = {"NotData": "returned something that is not plain data",
            "SolutionGone": "the solution stopped answering",
            "CandidateError": "raised an exception of its own"}


class CodeExecConfig(GraderConfig):
    type: Literal["code_exec"] = Field(default="code_exec", description="Grader name.")
    timeout_s: float = Field(default=4.0, gt=0, le=120, description=(
        "CPU seconds one case may use (one run for stdin/stdout, one call, one assert statement); "
        "a wall-clock net of 3x + 1 s catches sleeping or waiting."))
    total_timeout_s: float = Field(default=120.0, gt=0, le=3600, description=(
        "Wall-clock bound of one response's whole sandbox; cases left are failed as timeouts."))
    memory_mb: int = Field(default=1024, ge=64, le=65536, description=(
        "Address space of each process, and resident memory of all of the solution's processes "
        "together, in MiB."))
    max_processes: int = Field(default=16, ge=1, le=1024, description=(
        "Processes and threads the solution may have at once."))
    max_output_kb: int = Field(default=1024, ge=1, le=65536, description=(
        "Bytes of stdout read per case (and of a returned value); more is cut and the case fails."))
    file_mb: int = Field(default=16, ge=1, le=4096, description="Largest file the solution may write, in MiB.")
    tmp_mb: int = Field(default=64, ge=1, le=4096, description="Size of the private in-memory /tmp, in MiB.")
    score: Literal["all", "fraction"] = Field(default="all", description=(
        "all: 1 when every case passes, else 0; fraction: the fraction of cases passed."))
    output_match: Literal["exact", "lines", "tokens"] = Field(default="lines", description=(
        "stdin/stdout comparison. exact: same text (\\r\\n and trailing whitespace at the end "
        "ignored); lines: same lines, each without trailing whitespace; tokens: same "
        "whitespace-separated tokens."))
    float_tolerance: float | None = Field(default=None, ge=0, description=(
        "If set, outputs are compared token by token and numbers within this absolute or relative "
        "difference match; returned floats are compared with it too."))
    strict_numbers: bool = Field(default=True, description=(
        "Function-call cases: an int never equals a float (False lets 1 equal 1.0). A bool is "
        "never a number either way."))
    require_fence: bool = Field(default=True, description=(
        "True: the code is the last ```python (or bare ```) block, and a response without one "
        "scores 0 (error no_code). False: such a response is taken whole as the code."))
    parallel: int | None = Field(default=None, ge=1, le=1024, description=(
        "Sandboxes one grade_batch call runs at once; default: 4 per core this process may use, "
        "4 in a pool's worker process (starting and ending a sandbox mostly waits on the kernel, "
        "and verdicts count CPU time, so more sandboxes than cores change no verdict)."))
    unsafe_no_sandbox: bool = Field(default=False, description=(
        "Run model code WITHOUT the sandbox where none can be made. Only for code you trust: it "
        "can then read and change your files, use the network and forge its verdict."))


def extract_code(response: str) -> str | None:
    """The last fenced block tagged python / py / python3 (or untagged), or None."""
    blocks, current = [], None
    for line in response.splitlines(keepends=True):
        stripped = line.strip()
        if current is None:
            if stripped.startswith("```"):
                tag = stripped[3:].strip().lower()
                current = [] if tag in ("", "python", "py", "python3") else False
        elif stripped.startswith("```") and not stripped[3:].strip():
            if current is not False:
                blocks.append("".join(current))
            current = None
        elif current is not False:
            current.append(line)
    return blocks[-1] if blocks else None


class CodeExecGrader(Grader):
    """Runs the response's Python code against the reference's tests in a sandbox."""

    Config = CodeExecConfig
    requires_reference = True
    config: CodeExecConfig

    def __init__(self, config: CodeExecConfig | None = None, **fields):
        super().__init__(config, **fields)
        if self.config.unsafe_no_sandbox:
            warnings.warn("code_exec: unsafe_no_sandbox is set, model code runs WITHOUT isolation",
                          RuntimeWarning, stacklevel=2)
        else:
            reason = sandbox.unavailable_reason()
            if reason is not None:
                raise GraderConfigError(
                    f"no sandbox can be made here ({reason}), and code_exec does not run untrusted code "
                    "without one; set unsafe_no_sandbox: true only for code you trust", field="unsafe_no_sandbox")

    def grade_batch(self, samples) -> Grades:
        jobs = [self._prepare(s) for s in samples]
        todo = [i for i, job in enumerate(jobs) if not isinstance(job, Grade)]
        workers = min(len(todo), self.config.parallel or _default_parallel())
        if workers > 1:
            with ThreadPoolExecutor(workers, thread_name_prefix="code_exec") as pool:
                for i, grade in zip(todo, pool.map(lambda i: self._run(*jobs[i]), todo)):
                    jobs[i] = grade
        else:
            for i in todo:
                jobs[i] = self._run(*jobs[i])
        return Grades.of(jobs)

    def _prepare(self, sample: Sample) -> Grade | tuple[str, Suite]:
        code = extract_code(sample.response)
        if code is None and not self.config.require_fence:
            code = sample.response
        if code is None or not code.strip():
            return Grade(score=0.0, passed=False, error="no_code", reason="no ```python block in the response")
        try:
            suite = parse_references(sample.references(), sample.metadata)
        except InvalidTests as exc:
            return Grade(score=None, passed=False, error="invalid_reference", reason=str(exc))
        return code, suite

    def _run(self, code: str, suite: Suite) -> Grade:
        cfg = self.config
        cap = cfg.max_output_kb * 1024
        limits = {"timeout_s": cfg.timeout_s, "memory_mb": cfg.memory_mb, "file_mb": cfg.file_mb,
                  "processes": cfg.max_processes, "output_bytes": cap}
        n = len(suite.labels)
        job = {"mode": suite.mode, "code": code, "cases": suite.job_cases(), "limits": limits, "n_cases": n}
        tests = None
        if suite.mode == "assert":
            t = suite.tests
            tests = {"code": t.code, "entry_point": t.entry_point, "prelude": t.prelude}
        try:
            frames = sandbox.run(job, tests, sandboxed=not cfg.unsafe_no_sandbox, tmp_mb=cfg.tmp_mb,
                                 wall_s=cfg.total_timeout_s, max_bytes=min(3 * cap * n, MAX_RESULT_BYTES) + (1 << 20))
        except sandbox.SandboxError as exc:  # not the model's doing: the sample is skipped
            return Grade(score=None, passed=False, error="sandbox_error", reason=str(exc)[:200], extracted=code)
        by_case = {f.get("case"): f for f in frames}
        verdicts = [self._verdict(suite, i, by_case.get(i)) for i in range(n)]
        return self._grade(suite, verdicts, code)

    def _verdict(self, suite: Suite, i: int, frame: dict | None) -> tuple[bool, str]:
        """(passed, why not) for case ``i`` from its result frame."""
        if frame is None:  # the sandbox was stopped (total_timeout_s, result size) before this case
            return False, "time limit (no result from the sandbox)"
        status = frame.get("status")
        if status == "timeout":
            return False, f"time limit ({self.config.timeout_s:g} s CPU)"
        if status == "output_limit":
            return False, f"output over {self.config.max_output_kb} KiB"
        if status == "memory_limit":
            return False, f"memory over {self.config.memory_mb} MiB"
        if status == "crash":
            return False, "the process died" + (f" (signal {int(frame['signal'])})" if "signal" in frame else "")
        if suite.mode == "stdio":
            if status != "exit":
                return False, "no result"
            if frame.get("code") != 0:
                return False, f"runtime error (exit status {int(frame.get('code', -1))})"
            ok = output_matches(str(frame.get("stdout", "")), suite.stdio[i].output,
                                self.config.output_match, self.config.float_tolerance)
            return ok, "" if ok else "wrong output"
        if suite.mode == "call":
            if status == "load_error":
                return False, "the code failed to load"
            return self._call_verdict(suite.calls[i], frame.get("reply"))
        if frame.get("passed") is True:
            return True, ""
        return False, _exception_text(str(frame.get("exc", "")))

    def _call_verdict(self, case, reply) -> tuple[bool, str]:
        try:
            message = harness.decode(reply) if isinstance(reply, str) else None
        except (ValueError, TypeError, RecursionError):
            message = None
        if type(message) is not list or len(message) < 2 or message[0] not in ("ok", "raise"):
            return False, "malformed reply"
        if message[0] == "raise":
            return False, _exception_text(str(message[1]))
        got, tol, strict = message[1], self.config.float_tolerance, self.config.strict_numbers
        ok = values_equal(got, case.expected, tol, strict) or (
            case.apps_wrapped and values_equal(got, case.expected[0], tol, strict))
        return ok, "" if ok else "wrong value"

    def _grade(self, suite: Suite, verdicts: list[tuple[bool, str]], code: str) -> Grade:
        n = len(verdicts)
        passed = sum(ok for ok, _ in verdicts)
        parts = {f"case_{i + 1}": float(ok) for i, (ok, _) in enumerate(verdicts)}
        score = passed / n if self.config.score == "fraction" else float(passed == n)
        if passed == n:
            return Grade(score=1.0, passed=True, reason=f"passed {n}/{n} cases", parts=parts, extracted=code)
        first = next(i for i, (ok, _) in enumerate(verdicts) if not ok)
        why = verdicts[first][1]
        error = "timeout" if why.startswith("time limit") and score == 0 else None
        reason = f"passed {passed}/{n} cases; first failure: {suite.labels[first]}: {why}"
        return Grade(score=score, passed=False, error=error, reason=reason, parts=parts, extracted=code)


def _exception_text(name: str) -> str:
    """A failure named by an exception: builtin exception names only (never text of the solution)."""
    prefix, _, name = name.rpartition(":")
    if name in _MARKERS:
        text = _MARKERS[name]
    elif isinstance(getattr(builtins, name, None), type) and issubclass(getattr(builtins, name), BaseException):
        text = f"raised {name}"
    else:
        text = "raised an exception"
    where = {"load": "while loading the code: ", "setup": "in the tests' setup: ",
             "prelude": "in the prelude: "}.get(prefix, "")
    return where + text


def _default_parallel() -> int:
    """4 sandboxes per core; in a worker process of a pool (a daemon process, as the scoring
    pool starts one per core) 4, so that a pool of workers does not run cores x cores."""
    if multiprocessing.current_process().daemon:
        return SANDBOXES_PER_CORE
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return SANDBOXES_PER_CORE * cores
