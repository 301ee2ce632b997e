"""Verdicts outside the sandbox: output comparison and strict value comparison."""

import math

import pytest
from rewardkit_codeexec.compare import output_matches, values_equal


@pytest.mark.parametrize(("got", "expected", "mode", "ok"), [
    ("3\n", "3", "exact", True),
    ("3\r\n", "3\n", "exact", True),
    ("3 \n4", "3\n4", "exact", False),
    ("3 \n4\n\n", "3\n4", "lines", True),
    ("3\n\n4", "3\n4", "lines", False),
    ("1  2\n3", "1 2 3", "tokens", True),
    ("1 2", "1 2 3", "tokens", False),
    ("", "", "lines", True),
    ("", "0", "lines", False),
])
def test_output_modes(got, expected, mode, ok):
    assert output_matches(got, expected, mode, None) is ok


def test_float_tolerance_compares_numbers_only():
    assert output_matches("0.3333333 2\n", "0.333333333 2", "lines", 1e-6)
    assert not output_matches("0.34 2", "0.333333333 2", "lines", 1e-6)
    assert not output_matches("YES", "NO", "lines", 1e-6)
    assert not output_matches("1.0 2.0", "1.0", "lines", 1e-6)
    assert not output_matches("inf", "1e400", "lines", 1e-6)


@pytest.mark.parametrize(("got", "expected", "ok"), [
    (3, 3, True),
    (3, 3.0, False),          # strict numbers
    (True, 1, False),         # a bool is never a number
    (1, True, False),
    ((1, 2), [1, 2], True),   # JSON has no tuples
    ([1, [2, (3,)]], [1, [2, [3]]], True),
    ("1", 1, False),
    (None, None, True),
    (None, 0, False),
    ({"a": 1}, {"a": 1}, True),
    ({"a": 1}, {"a": 1.0}, False),
    ({1: "x"}, {True: "x"}, False),
    ({1, 2}, {2, 1}, True),
    ({1}, {1.0}, False),
    (float("nan"), float("nan"), False),
    (0.1 + 0.2, 0.3, False),
])
def test_values_are_equal_only_with_the_same_types(got, expected, ok):
    assert values_equal(got, expected) is ok


def test_value_options():
    assert values_equal(0.1 + 0.2, 0.3, float_tolerance=1e-9)
    assert values_equal(3, 3.0, strict_numbers=False)
    assert not values_equal(True, 1.0, strict_numbers=False)
    assert not values_equal(math.nan, math.nan, float_tolerance=1.0)


def test_deep_values_do_not_recurse_forever():
    deep = []
    for _ in range(1000):
        deep = [deep]
    assert values_equal(deep, deep) is False  # past the depth bound: not equal, no RecursionError
