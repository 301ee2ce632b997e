"""Reading a sample's reference into the tests to run: stdin/stdout cases, function-call cases or
assert-style test code. Every dataset shape is parsed here, once, into a ``Suite``.

Accepted references (a JSON text, or plain test code):

* APPS ``input_output``: ``{"inputs": [...], "outputs": [...], "fn_name"?: name}``
* CodeContests: ``{"input": [...], "output": [...]}``
* LiveCodeBench test lists: ``[{"input": ..., "output": ..., "testtype": "stdin" | "functional"}]``
  (functional inputs are one JSON argument per line; the function name comes from the sample's
  metadata ``func_name`` / ``fn_name``, also inside a ``metadata`` JSON field)
* this plugin's own: ``{"cases": [{"input": ..., "output": ...} | {"args": [...], "kwargs"?: {...},
  "expected": ...}], "fn_name"?: name}``
* HumanEval: ``{"test": code, "entry_point": name, "prompt"?: code}`` (the prompt, when given, is
  run in the tester before the tests so that its helpers are trusted, not the solution's)
* MBPP: ``{"test_list": [...], "test_setup_code"?: code, "test_imports"?: [...]}``
* plain Python test code (asserts; ``check(candidate)`` with ``entry_point`` in the metadata).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from rewardkit_codeexec.harness import encode, split_tests

MAX_CASES = 2000


class InvalidTests(ValueError):
    """The reference cannot be read as tests."""


@dataclass(frozen=True)
class StdioCase:
    input: str
    output: str


@dataclass(frozen=True)
class CallCase:
    fn: str
    args: list
    kwargs: dict
    expected: Any
    apps_wrapped: bool = False  # APPS wraps expected values in a one-element list, sometimes


@dataclass(frozen=True)
class AssertCode:
    code: str
    entry_point: str | None = None
    prelude: str | None = None


@dataclass
class Suite:
    mode: Literal["stdio", "call", "assert"]
    stdio: list[StdioCase] = field(default_factory=list)
    calls: list[CallCase] = field(default_factory=list)
    tests: AssertCode | None = None
    labels: list[str] = field(default_factory=list)  # one per case, for reasons

    def job_cases(self) -> list[dict]:
        """What the harness gets: inputs and calls, never an expected value."""
        if self.mode == "stdio":
            return [{"input": c.input} for c in self.stdio]
        if self.mode == "call":
            return [{"fn": c.fn, "args": encode(c.args), "kwargs": encode(c.kwargs)} for c in self.calls]
        return []


def function_name(metadata: dict) -> str | None:
    """The function under test named in a sample's metadata, if any."""
    for key in ("fn_name", "func_name", "entry_point"):
        if isinstance(metadata.get(key), str) and metadata[key]:
            return metadata[key]
    nested = metadata.get("metadata")
    if isinstance(nested, str):
        try:
            nested = json.loads(nested)
        except ValueError:
            nested = None
    if isinstance(nested, dict):
        return function_name({k: v for k, v in nested.items() if k != "metadata"})
    return None


def parse_references(references: list[str], metadata: dict) -> Suite:
    """The tests of all references together; InvalidTests when they cannot be read, are of
    different kinds or hold no case."""
    fn = function_name(metadata)
    suites = [_parse_one(ref, fn) for ref in references]
    modes = {s.mode for s in suites}
    if len(modes) != 1:
        raise InvalidTests("the references mix stdin/stdout, function-call and assert tests")
    mode = modes.pop()
    if mode == "assert":
        code = "\n".join(s.tests.code for s in suites)
        first = suites[0].tests
        suite = Suite("assert", tests=AssertCode(code, first.entry_point, first.prelude))
    else:
        suite = Suite(mode, stdio=[c for s in suites for c in s.stdio], calls=[c for s in suites for c in s.calls])
    _label(suite)
    if not suite.labels:
        raise InvalidTests("the reference holds no test case")
    if len(suite.labels) > MAX_CASES:
        raise InvalidTests(f"{len(suite.labels)} test cases, at most {MAX_CASES}")
    return suite


def _label(suite: Suite) -> None:
    if suite.mode == "assert":
        try:
            parts = split_tests(suite.tests.code, suite.tests.entry_point)
        except SyntaxError as exc:
            raise InvalidTests(f"the test code does not parse (line {exc.lineno})") from None
        suite.labels = [f"check({p[2]})" if p[0] == "check" else f"line {p[1]}" for p in parts if p[0] != "setup"]
    else:
        suite.labels = [f"case {i + 1}" for i in range(len(suite.stdio) + len(suite.calls))]


def _parse_one(text: str, fn: str | None) -> Suite:
    stripped = text.strip()
    if stripped[:1] in "[{":
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None  # not JSON: Python test code (a set or list display, say)
        if data is not None:
            return _from_json(data, fn)
    return Suite("assert", tests=AssertCode(text, fn))


def _text(value: Any, what: str) -> str:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)  # APPS sometimes stores an input as its lines
    if not isinstance(value, str):
        raise InvalidTests(f"{what} is {type(value).__name__}, not text")
    return value


def _stdio(inputs: Any, outputs: Any) -> Suite:
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
        raise InvalidTests("inputs and outputs must be lists of the same length")
    return Suite("stdio", stdio=[StdioCase(_text(i, "an input"), _text(o, "an output"))
                                     for i, o in zip(inputs, outputs)])


def _from_json(data: Any, fn: str | None) -> Suite:
    if isinstance(data, dict):
        if isinstance(data.get("fn_name"), str) and data["fn_name"]:
            fn = data["fn_name"]
        if "inputs" in data and "outputs" in data:  # APPS
            if data.get("fn_name"):
                return _calls([(args, {}, out) for args, out in _pairs(data["inputs"], data["outputs"])], fn, apps=True)
            return _stdio(data["inputs"], data["outputs"])
        if "input" in data and "output" in data and isinstance(data["input"], list):  # CodeContests
            return _stdio(data["input"], data["output"])
        if "cases" in data and isinstance(data["cases"], list):
            return _own_cases(data["cases"], fn)
        if "test" in data:  # HumanEval
            entry = data.get("entry_point") or fn
            return Suite("assert", tests=AssertCode(_text(data["test"], "test"), entry, data.get("prompt")))
        if "test_list" in data:  # MBPP
            parts = [*data.get("test_imports", []), data.get("test_setup_code", ""), *data["test_list"]]
            return Suite("assert", tests=AssertCode("\n".join(_text(p, "a test") for p in parts), fn))
        raise InvalidTests("a JSON reference needs inputs/outputs, input/output, cases, test or test_list")
    if isinstance(data, list) and data and all(isinstance(c, dict) for c in data):  # LiveCodeBench
        return _lcb(data, fn)
    if isinstance(data, list) and data and all(isinstance(c, str) for c in data):  # a list of asserts
        return Suite("assert", tests=AssertCode("\n".join(data), fn))
    raise InvalidTests("a JSON reference must be an object or a non-empty list of cases")


def _pairs(inputs: Any, outputs: Any) -> list[tuple[Any, Any]]:
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
        raise InvalidTests("inputs and outputs must be lists of the same length")
    for args in inputs:
        if not isinstance(args, list):
            raise InvalidTests("the arguments of a call must be a list")
    return list(zip(inputs, outputs))


def _calls(items: list[tuple[Any, Any, Any]], fn: Any, apps: bool = False) -> Suite:
    if not isinstance(fn, str) or not fn.isidentifier():
        raise InvalidTests("function-call tests need a function name (fn_name / func_name)")
    calls = []
    for args, kwargs, expected in items:
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise InvalidTests("a call needs a list of args and an object of kwargs")
        calls.append(CallCase(fn, args, kwargs, expected, apps and isinstance(expected, list) and len(expected) == 1))
    return Suite("call", calls=calls)


def _own_cases(cases: list, fn: str | None) -> Suite:
    if all(isinstance(c, dict) and "args" in c for c in cases):
        return _calls([(c["args"], c.get("kwargs", {}), c.get("expected")) for c in cases], fn)
    if all(isinstance(c, dict) and "input" in c and "output" in c for c in cases):
        return _stdio([c["input"] for c in cases], [c["output"] for c in cases])
    raise InvalidTests("cases must all be {input, output} or all be {args, expected}")


def _lcb(cases: list[dict], fn: str | None) -> Suite:
    kinds = {c.get("testtype", "stdin") for c in cases}
    if kinds == {"functional"}:
        items = []
        for c in cases:
            try:
                args = [json.loads(line) for line in _text(c["input"], "an input").split("\n") if line.strip()]
                expected = json.loads(_text(c["output"], "an output"))
            except (KeyError, ValueError) as exc:
                raise InvalidTests(f"a functional case is not JSON: {type(exc).__name__}") from None
            items.append((args, {}, expected))
        return _calls(items, fn)
    if kinds == {"stdin"}:
        return _stdio([c.get("input") for c in cases], [c.get("output") for c in cases])
    raise InvalidTests("test cases mix testtype stdin and functional")
