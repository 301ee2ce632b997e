"""The code_exec grader end to end in the sandbox: every test format, scores, parts, reasons."""

import json

import pytest
from rewardkit_codeexec import CodeExecGrader, extract_code, sandbox

import rewardkit
from rewardkit import GraderConfigError, Sample
from tests.plugins.codeexec.conftest import fenced, needs_sandbox

APPS = json.dumps({"inputs": ["1 2\n", "10 20\n", "-5 5\n"], "outputs": ["3\n", "30\n", "0\n"]})
SUM = "a, b = map(int, input().split())\nprint(a + b)"


def test_extract_code_takes_the_last_python_block():
    text = "```python\nA\n```\ntext\n```js\nB\n```\n```\nC\n```\n```py\nD\n```\n``` python3\nE\n```"
    assert extract_code(text) == "E\n"
    assert extract_code("```python\nonly open") is None
    assert extract_code("no code") is None


def test_refuses_without_a_sandbox_unless_told(monkeypatch):
    monkeypatch.setattr(sandbox, "unavailable_reason", lambda: "no bwrap here")
    with pytest.raises(GraderConfigError, match="unsafe_no_sandbox.*no sandbox can be made here"):
        CodeExecGrader()
    with pytest.warns(RuntimeWarning, match="WITHOUT isolation"):
        grader = CodeExecGrader(unsafe_no_sandbox=True)
    assert grader.grade(Sample(response=fenced(SUM), reference=APPS)).score == 1.0


@needs_sandbox
def test_a_sandbox_that_does_not_start_is_skipped_not_failed(monkeypatch):
    grader = CodeExecGrader()
    monkeypatch.setattr(sandbox, "sandbox_argv", lambda tmp_mb: ["/bin/false"])
    g = grader.grade(Sample(response=fenced(SUM), reference=APPS))
    assert (g.score, g.error) == (None, "sandbox_error") and "did not start" in g.reason


@pytest.fixture(scope="module")
def grader():
    return CodeExecGrader(timeout_s=2)


@needs_sandbox
def test_formats_in_one_batch(grader):
    lcb = json.dumps([{"input": "[1, 2, 3]", "output": "6", "testtype": "functional"},
                      {"input": "[]", "output": "0", "testtype": "functional"}])
    humaneval = json.dumps({"test": "METADATA = {}\n\ndef check(candidate):\n    assert candidate([3, 1]) == [1, 3]\n"
                                    "    assert candidate([]) == []\n", "entry_point": "sort_it",
                            "prompt": "def sort_it(xs):\n    \"\"\"Sort.\"\"\"\n"})
    mbpp = json.dumps({"test_list": ["assert sq(2) == 4", "assert sq(3) == 9"], "test_imports": ["import math"]})
    samples = [
        Sample(response=fenced(SUM), reference=APPS),
        Sample(response=fenced("def total(xs):\n    return sum(xs)"), reference=lcb, metadata={"func_name": "total"}),
        Sample(response=fenced("class Solution:\n    def total(self, xs):\n        return sum(xs)"), reference=lcb,
               metadata={"func_name": "total"}),
        Sample(response=fenced("def sort_it(xs):\n    return sorted(xs)"), reference=humaneval),
        Sample(response=fenced("def sq(x):\n    return x * x"), reference=mbpp),
        Sample(response=fenced("def app(xs):\n    xs.append(1)"), reference="xs = []\napp(xs)\nassert xs == [1]"),
        Sample(response=fenced("def make(v):\n    return Box(v)\nclass Box:\n    def __init__(self, v):\n"
                               "        self.v = v\n    def get(self):\n        return self.v"),
               reference="assert make(3).get() == 3\nassert Box(4).v == 4"),
        Sample(response=fenced("import sys\nprint(sum(map(float, sys.stdin.read().split())) / 3)"),
               reference=json.dumps({"inputs": ["1 1 2"], "outputs": ["1.3333333"]})),
        Sample(response=fenced("import sys\nprint(len(sys.stdin.buffer.read()))"),  # a lone surrogate
               reference=json.dumps({"inputs": ["\ud800\u00e9"], "outputs": ["5"]})),
    ]
    grades = grader.grade_batch(samples)
    assert [g.score for g in grades[:7]] == [1.0] * 7, [g.reason for g in grades]
    assert grades[0].parts == {"case_1": 1.0, "case_2": 1.0, "case_3": 1.0}
    assert grades[0].reason == "passed 3/3 cases" and grades[0].extracted.startswith("a, b")
    assert grades[7].score == 0.0  # exact lines by default
    assert grades[8].score == 1.0, grades[8].reason
    tolerant = CodeExecGrader(timeout_s=2, float_tolerance=1e-6)
    assert tolerant.grade(samples[7]).score == 1.0


@needs_sandbox
def test_scores_parts_and_reasons(grader):
    half = "a, b = map(int, input().split())\nprint(a + b if a > 0 else 1)"
    crash = "raise ValueError('/etc/passwd: root:x:0:0')"
    mbpp_wrong = "def sq(x):\n    return x + x"
    fraction = CodeExecGrader(timeout_s=2, score="fraction")
    samples = [Sample(response=fenced(half), reference=APPS), Sample(response=fenced(crash), reference=APPS),
               Sample(response=fenced(mbpp_wrong), reference=["assert sq(2) == 4", "assert sq(3) == 9"]),
               Sample(response="no code at all", reference=APPS),
               Sample(response=fenced(SUM), reference="{\"nonsense\": 1}"),
               Sample(response=fenced(SUM), reference=None)]
    g = grader.grade_batch(samples)
    f = fraction.grade_batch(samples[:3])
    assert g[0].score == 0.0 and f[0].score == pytest.approx(2 / 3)
    assert g[0].parts == {"case_1": 1.0, "case_2": 1.0, "case_3": 0.0}
    assert g[0].reason == "passed 2/3 cases; first failure: case 3: wrong output"
    assert g[1].reason == "passed 0/3 cases; first failure: case 1: runtime error (exit status 1)"
    assert "passwd" not in g[1].reason  # nothing the program printed reaches the reason
    assert g[2].reason == "passed 1/2 cases; first failure: line 2: raised AssertionError"
    assert f[2].score == 0.5
    assert (g[3].score, g[3].error) == (0.0, "no_code")
    assert (g[4].score, g[4].error) == (None, "invalid_reference")
    assert (g[5].score, g[5].error) == (None, "missing_reference")


@needs_sandbox
def test_time_limit_is_cpu_time_with_an_idle_net():
    grader = CodeExecGrader(timeout_s=0.5)
    spin = grader.grade(Sample(response=fenced("while True:\n    pass"), reference=APPS))
    sleep = grader.grade(Sample(response=fenced("import time\ntime.sleep(60)"), reference=APPS))
    for g in (spin, sleep):
        assert (g.score, g.error) == (0.0, "timeout")
        assert "first failure: case 1: time limit (0.5 s CPU)" in g.reason


@needs_sandbox
def test_the_solution_has_the_standard_library_only(grader):
    probe = ("import importlib.util, sys\n"
             "print([m for m in ('rewardkit', 'rewardkit_codeexec', 'pydantic', 'numpy') if importlib.util.find_spec(m)])")
    ref = json.dumps({"inputs": [""], "outputs": ["[]"]})
    assert grader.grade(Sample(response=fenced(probe), reference=ref)).score == 1.0


@needs_sandbox
def test_what_the_solution_sees(grader):
    """Its own user, no capabilities, no_new_privs (a setuid binary gives nothing), seccomp on
    x86_64, only a loopback interface, a fresh /tmp, none of the host's files or environment."""
    probe = """
import os, platform
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
nets = [line.split(":")[0].strip() for line in open("/proc/net/dev").read().splitlines()[2:]]
checks = [
    os.getuid() >= 1 << 24 and os.getgid() >= 1 << 24 and os.getgroups() == [],
    int(status["CapEff"], 16) == 0 and int(status["CapPrm"], 16) == 0,
    status["NoNewPrivs"].strip() == "1",
    status["Seccomp"].strip() == "2" or platform.machine() != "x86_64",
    nets == ["lo"],
    os.getcwd() == "/tmp" and os.listdir("/tmp") == [],
    not any(os.path.exists(p) for p in ("/work", "/home", "/etc/passwd", "/var", "/run", "/sys/class")),
    dict(os.environ).keys() <= {"PATH", "LANG", "HOME", "PWD"},
    len([p for p in os.listdir("/proc") if p.isdigit()]) <= 4,
]
print(checks)
"""
    ref = json.dumps({"inputs": [""], "outputs": [str([True] * 9)]})
    g = grader.grade(Sample(response=fenced(probe), reference=ref))
    assert g.score == 1.0, g.reason


@needs_sandbox
def test_loads_through_the_registry(inline_plugin):
    import rewardkit_codeexec

    inline_plugin(rewardkit_codeexec, "codeexec-test")
    g = rewardkit.load_grader({"type": "code_exec", "timeout_s": 2}).grade(
        {"response": fenced(SUM), "reference": APPS})
    assert g.passed
