"""Verdicts, computed outside the sandbox: a program's output against the expected output, a
returned value against the expected value. Both sides are plain builtin values here (the
returned value was decoded by ``harness.decode``), so no object of the solution takes part."""

from __future__ import annotations

import math
import re

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def output_matches(got: str, expected: str, mode: str, float_tolerance: float | None) -> bool:
    """Whether a program's stdout is the expected output.

    ``exact``: the same text, but for \\r\\n line ends and whitespace at the very end.
    ``lines``: the same lines, each compared without trailing whitespace, blank lines at the end
    ignored. ``tokens``: the same whitespace-separated tokens. With ``float_tolerance``, tokens
    are compared and two numbers match when within that absolute or relative difference.
    """
    got, expected = got.replace("\r\n", "\n"), expected.replace("\r\n", "\n")
    if float_tolerance is not None:
        return _tokens_close(got.split(), expected.split(), float_tolerance)
    if mode == "exact":
        return got.rstrip() == expected.rstrip()
    if mode == "tokens":
        return got.split() == expected.split()
    return [line.rstrip() for line in got.rstrip().split("\n")] == [
        line.rstrip() for line in expected.rstrip().split("\n")]


def _tokens_close(got: list[str], expected: list[str], tol: float) -> bool:
    if len(got) != len(expected):
        return False
    for g, e in zip(got, expected):
        if g == e:
            continue
        if not (_NUMBER.fullmatch(g) and _NUMBER.fullmatch(e)):
            return False
        if not math.isclose(float(g), float(e), rel_tol=tol, abs_tol=tol):
            return False
    return True


def values_equal(got, expected, float_tolerance: float | None = None, strict_numbers: bool = True) -> bool:
    """Whether a returned value is the expected one: the same type and value all the way down.

    A tuple counts as a list (JSON, where expected values come from, has no tuples); a bool is
    never a number; with ``strict_numbers`` an int never equals a float; floats are equal when
    identical or, with ``float_tolerance``, close; NaN equals nothing."""
    return _equal(got, expected, float_tolerance, strict_numbers, 0)


def _equal(got, expected, tol, strict, depth) -> bool:
    if depth > 200:
        return False
    g, e = type(got), type(expected)
    if g is tuple:
        got, g = list(got), list
    if e is tuple:
        expected, e = list(expected), list
    if g is float or e is float:
        if g is not e and (strict or bool in (g, e) or not {g, e} <= {int, float}):
            return False
        got, expected = float(got), float(expected)
        return got == expected or (tol is not None and math.isclose(got, expected, rel_tol=tol, abs_tol=tol))
    if g is not e:
        return False
    if g is list:
        return len(got) == len(expected) and all(
            _equal(a, b, tol, strict, depth + 1) for a, b in zip(got, expected))
    if g is dict:
        if len(got) != len(expected):
            return False
        keys = {(type(k), k) for k in got}
        return all((type(k), k) in keys and _equal(got[k], v, tol, strict, depth + 1) for k, v in expected.items())
    if g in (set, frozenset):
        return {(type(x), x) for x in got} == {(type(x), x) for x in expected}
    return got == expected  # None, bool, int, str, bytes, complex: builtins of the same type
