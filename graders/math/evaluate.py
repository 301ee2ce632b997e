"""Values of parsed answers: exact rationals first, then high-precision numbers, within bounds.

``exact`` computes with ``Fraction`` and refuses (``TooLarge``) rather than approximating when
a result would exceed ``MAX_BITS``: 1/2^99 and 1/2^98 are compared exactly or not at all.
``numeric`` uses an mpmath context at 40 significant digits and refuses powers and factorials
whose size would make the work unbounded.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath

MAX_BITS = 100_000  # largest exact intermediate value (about 30,000 digits)
MAX_LOG10 = 1e6  # largest numeric magnitude, as a power of ten
MAX_FACTORIAL_EXACT = 2000
MAX_FACTORIAL_NUMERIC = 10**7
MAX_PERIODIC_LOG10 = 60  # sin(10^999999) needs a million digits of pi to reduce its argument
_PERIODIC = {"sin", "cos", "tan", "cot", "sec", "csc"}

ctx = mpmath.MPContext()
ctx.dps = 40


class TooLarge(ArithmeticError):
    """The exact value exists but is too large (or too small) to compute within the bounds."""


class NotANumber(ArithmeticError):
    """The expression has no value here (division by zero, log of 0, a free variable, ...)."""


def _bits(q: Fraction) -> int:
    return q.numerator.bit_length() + q.denominator.bit_length()


def _check(q: Fraction) -> Fraction:
    if _bits(q) > MAX_BITS:
        raise TooLarge("exact value too large")
    return q


def _int_root(n: int, k: int) -> int | None:
    """The exact k-th root of a non-negative integer, or None."""
    if n < 2:
        return n
    r = round(n ** (1.0 / k)) if n.bit_length() < 1000 else int(mpmath.nthroot(n, k))
    for c in (r - 1, r, r + 1):
        if c >= 0 and c**k == n:
            return c
    return None


def exact(node: tuple) -> Fraction | None:
    """The exact rational value, None when it is not rational or not known to be; may raise TooLarge."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "neg":
        v = exact(node[1])
        return None if v is None else -v
    if kind in ("add", "mul"):
        total = Fraction(0) if kind == "add" else Fraction(1)
        for child in node[1]:
            v = exact(child)
            if v is None:
                return None
            total = _check(total + v if kind == "add" else total * v)
        return total
    if kind == "div":
        a, b = exact(node[1]), exact(node[2])
        if a is None or b is None or b == 0:
            return None
        return _check(a / b)
    if kind == "pow":
        return _exact_pow(node[1], node[2])
    if kind == "fn":
        return _exact_fn(node[1], node[2])
    return None


def _exact_pow(base_node: tuple, exp_node: tuple) -> Fraction | None:
    e = exact(exp_node)
    if e is None:
        return None
    b = exact(base_node)
    if b is None:
        return None
    if b == 0:
        return None if e <= 0 else Fraction(0)
    if b in (1, -1) and e.denominator == 1:
        return b ** int(e)
    if abs(e.numerator) > MAX_BITS or _bits(b) * abs(e.numerator) > 2 * MAX_BITS:
        raise TooLarge("power too large to compute exactly")
    if e.denominator == 1:
        return _check(b ** int(e))
    if b < 0 or e.denominator > 64:
        return None
    num, den = _int_root(b.numerator, e.denominator), _int_root(b.denominator, e.denominator)
    if num is None or den is None:
        return None
    return _check(Fraction(num, den) ** e.numerator)


def _exact_fn(name: str, args: tuple) -> Fraction | None:
    if name == "sqrt":
        return _exact_pow(args[0], ("num", Fraction(1, 2)))
    if name == "abs":
        v = exact(args[0])
        return None if v is None else abs(v)
    if name == "factorial":
        v = exact(args[0])
        if v is None or v.denominator != 1 or v < 0:
            return None
        if v > MAX_FACTORIAL_EXACT:
            raise TooLarge("factorial too large to compute exactly")
        return Fraction(math.factorial(int(v)))
    if name == "binom":
        n, k = exact(args[0]), exact(args[1])
        if n is None or k is None or n.denominator != 1 or k.denominator != 1 or n < 0:
            return None
        if n > 2 * MAX_FACTORIAL_EXACT:
            raise TooLarge("binomial too large to compute exactly")
        return Fraction(math.comb(int(n), int(k))) if k >= 0 else Fraction(0)
    return None


_FUNCTIONS = {
    "sqrt": ctx.sqrt, "exp": ctx.exp, "ln": ctx.ln, "sin": ctx.sin, "cos": ctx.cos, "tan": ctx.tan,
    "cot": ctx.cot, "sec": ctx.sec, "csc": ctx.csc, "arcsin": ctx.asin, "arccos": ctx.acos,
    "arctan": ctx.atan, "sinh": ctx.sinh, "cosh": ctx.cosh, "tanh": ctx.tanh, "abs": ctx.fabs,
}
_CONSTANTS = {"pi": ctx.pi, "e": ctx.e, "i": ctx.mpc(0, 1), "inf": ctx.inf}


def _magnitude(value) -> float:
    """log10 of |value| (as a float), -inf for zero."""
    if value == 0:
        return -math.inf
    return float(ctx.log10(abs(value)))


def numeric(node: tuple, env: dict[str, object] | None = None):
    """The value as an mpmath number; raises NotANumber or TooLarge."""
    kind = node[0]
    if kind == "num":
        return ctx.mpf(node[1].numerator) / node[1].denominator
    if kind == "const":
        if node[1] not in _CONSTANTS:
            raise NotANumber(node[1])
        return _CONSTANTS[node[1]]
    if kind == "sym":
        if env is None or node[1] not in env:
            raise NotANumber(f"free variable {node[1]}")
        return env[node[1]]
    if kind == "neg":
        return -numeric(node[1], env)
    if kind in ("add", "mul"):
        values = [numeric(child, env) for child in node[1]]
        if kind == "add":
            return ctx.fsum(values)
        result = ctx.mpf(1)
        for v in values:
            result *= v
        return result
    if kind == "div":
        a, b = numeric(node[1], env), numeric(node[2], env)
        if b == 0:
            raise NotANumber("division by zero")
        return a / b
    if kind == "pow":
        b, e = numeric(node[1], env), numeric(node[2], env)
        if b == 0:
            if ctx.re(e) <= 0:
                raise NotANumber("0 to a non-positive power")
            return ctx.mpf(0)
        if abs(e) * abs(_magnitude(b) if b != 0 else 0) > MAX_LOG10 or abs(e) > 10**9:
            raise TooLarge("power too large")
        return ctx.power(b, e)
    if kind == "fn":
        return _numeric_fn(node[1], [numeric(a, env) for a in node[2]])
    raise NotANumber(f"{kind} has no single value")


def _numeric_fn(name: str, args: list):
    x = args[0]
    if name == "factorial":
        if ctx.im(x) != 0 or x < 0 or x != ctx.floor(x):
            raise NotANumber("factorial of a non-natural number")
        if x > MAX_FACTORIAL_NUMERIC:
            raise TooLarge("factorial too large")
        return ctx.factorial(x)
    if name == "binom":
        if abs(x) > MAX_FACTORIAL_NUMERIC or abs(args[1]) > MAX_FACTORIAL_NUMERIC:
            raise TooLarge("binomial too large")  # mpmath's value is wrong out there, not only slow
        return ctx.binomial(x, args[1])
    if name in ("ln", "log") and x == 0:
        raise NotANumber("log of 0")
    if name == "log":
        base = args[1] if len(args) > 1 else ctx.e
        if base in (0, 1):
            raise NotANumber("log base 0 or 1")
        return ctx.log(x, base)
    if name == "exp" and ctx.re(x) > MAX_LOG10:
        raise TooLarge("exp too large")
    if name in ("sinh", "cosh") and abs(ctx.re(x)) > MAX_LOG10 * 2.31:
        raise TooLarge(f"{name} too large")
    if name in _PERIODIC and x != 0 and _magnitude(x) > MAX_PERIODIC_LOG10:
        raise TooLarge(f"{name} of a number too large to reduce in time")
    try:
        return _FUNCTIONS[name](x)
    except (ValueError, ZeroDivisionError) as exc:
        raise NotANumber(str(exc)) from exc


def close(a, b, rel_tol: float, abs_tol: float) -> bool:
    """Whether two mpmath numbers agree within the tolerances (infinities equal only themselves)."""
    if ctx.isinf(a) or ctx.isinf(b):
        return a == b
    if ctx.isnan(a) or ctx.isnan(b):
        return False
    return abs(a - b) <= max(rel_tol * max(abs(a), abs(b)), abs_tol)


def free_symbols(node: tuple) -> set[str]:
    """The variable names in a tree."""
    if node[0] == "sym":
        return {node[1]}
    found: set[str] = set()
    for part in node[1:]:
        if isinstance(part, tuple):
            for child in part if part and isinstance(part[0], tuple) else (part,):
                if isinstance(child, tuple) and child and isinstance(child[0], str):
                    found |= free_symbols(child)
    return found
