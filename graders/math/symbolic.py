"""Symbolic equality with sympy, built from the parse tree by constructors (never ``sympify``).

This module runs inside a ``rewardkit.bounded`` child process, where a hard time bound
applies; it is the last and most expensive check.
"""

from __future__ import annotations

import sympy

_FUNCTIONS = {
    "sqrt": sympy.sqrt, "exp": sympy.exp, "ln": sympy.log, "sin": sympy.sin, "cos": sympy.cos,
    "tan": sympy.tan, "cot": sympy.cot, "sec": sympy.sec, "csc": sympy.csc, "arcsin": sympy.asin,
    "arccos": sympy.acos, "arctan": sympy.atan, "sinh": sympy.sinh, "cosh": sympy.cosh,
    "tanh": sympy.tanh, "abs": sympy.Abs, "factorial": sympy.factorial, "binom": sympy.binomial,
}
_CONSTANTS = {"pi": sympy.pi, "e": sympy.E, "i": sympy.I, "inf": sympy.oo}


def to_sympy(node: tuple) -> sympy.Expr:
    """The sympy expression of a value node."""
    kind = node[0]
    if kind == "num":
        return sympy.Rational(node[1].numerator, node[1].denominator)
    if kind == "sym":
        return sympy.Symbol(node[1])
    if kind == "const":
        return _CONSTANTS[node[1]]
    if kind == "neg":
        return -to_sympy(node[1])
    if kind == "add":
        return sympy.Add(*(to_sympy(c) for c in node[1]))
    if kind == "mul":
        return sympy.Mul(*(to_sympy(c) for c in node[1]))
    if kind == "div":
        return to_sympy(node[1]) / to_sympy(node[2])
    if kind == "pow":
        return sympy.Pow(to_sympy(node[1]), to_sympy(node[2]))
    if kind == "fn":
        args = [to_sympy(a) for a in node[2]]
        if node[1] == "log":
            return sympy.log(*args)
        return _FUNCTIONS[node[1]](*args)
    raise ValueError(f"no sympy form for {kind}")


def equal(a: tuple, b: tuple) -> bool:
    """Whether two value trees are symbolically equal (simplify(a - b) == 0)."""
    difference = sympy.simplify(to_sympy(a) - to_sympy(b))
    return difference == 0
