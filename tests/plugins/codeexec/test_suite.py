"""Reading references into test suites: APPS, CodeContests, LiveCodeBench, HumanEval, MBPP, own."""

import json

import pytest
from rewardkit_codeexec.suite import InvalidTests, parse_references


def test_apps_stdio_and_call_based():
    s = parse_references([json.dumps({"inputs": ["1 2\n", ["3", "4"]], "outputs": ["3\n", "7\n"]})], {})
    assert s.mode == "stdio" and [c.input for c in s.stdio] == ["1 2\n", "3\n4"]
    assert s.labels == ["case 1", "case 2"]
    assert s.job_cases() == [{"input": "1 2\n"}, {"input": "3\n4"}]  # no expected output in the job
    c = parse_references([json.dumps({"inputs": [[1, 2]], "outputs": [[3]], "fn_name": "add"})], {})
    assert c.mode == "call" and c.calls[0].fn == "add" and c.calls[0].apps_wrapped
    assert c.job_cases() == [{"fn": "add", "args": [1, 2], "kwargs": {"d": []}}]


def test_codecontests_and_own_cases():
    s = parse_references([json.dumps({"input": ["1\n"], "output": ["2\n"]})], {})
    assert s.mode == "stdio" and s.stdio[0].output == "2\n"
    c = parse_references([json.dumps({"fn_name": "f", "cases": [{"args": [[1, 2]], "expected": 3}]})], {})
    assert c.mode == "call" and c.calls[0].expected == 3 and not c.calls[0].apps_wrapped


def test_livecodebench_functional_and_stdin():
    cases = [{"input": "[1, 2]\n3", "output": "6", "testtype": "functional"}]
    c = parse_references([json.dumps(cases)], {"metadata": json.dumps({"func_name": "total"})})
    assert c.calls[0].fn == "total" and c.calls[0].args == [[1, 2], 3] and c.calls[0].expected == 6
    s = parse_references([json.dumps([{"input": "1", "output": "1", "testtype": "stdin"}])], {})
    assert s.mode == "stdio"


def test_humaneval_mbpp_and_plain_code():
    he = parse_references([json.dumps({"test": "def check(candidate):\n    assert candidate(1) == 2\n",
                                       "entry_point": "inc", "prompt": "def inc(x):\n    ..."})], {})
    assert he.mode == "assert" and he.labels == ["check(inc)"] and he.tests.prelude.startswith("def inc")
    mbpp = parse_references([json.dumps({"test_list": ["assert f(1) == 1", "assert f(2) == 4"],
                                         "test_imports": ["import math"]})], {})
    assert mbpp.labels == ["line 3", "line 4"]
    plain = parse_references(["x = 1\nassert f(x) == 1\nf(2)\n"], {"entry_point": "f"})
    assert plain.labels == ["line 2", "line 3"]
    several = parse_references(["assert f(1) == 1", "assert f(2) == 4"], {})
    assert several.labels == ["line 1", "line 2"]


@pytest.mark.parametrize(("refs", "meta", "why"), [
    (["{\"inputs\": [\"1\"], \"outputs\": []}"], {}, "same length"),
    (["[{\"input\": \"1\", \"output\": \"2\", \"testtype\": \"functional\"}]"], {}, "function name"),
    (["def f(:\n"], {}, "does not parse"),
    (["x = 1"], {}, "no test case"),
    (["assert f(1)", "{\"inputs\": [\"1\"], \"outputs\": [\"1\"]}"], {}, "mix"),
    (["{\"something\": 1}"], {}, "needs inputs"),
])
def test_bad_references_are_rejected(refs, meta, why):
    with pytest.raises(InvalidTests, match=why):
        parse_references(refs, meta)
