"""Equivalence of two parsed answers, cheapest check first.

Order: structure (lists, sets, tuples, intervals, matrices, equations), then for each pair of
values: exact rational arithmetic, high-precision numeric comparison (at random points when
variables are free), and sympy simplification in a bounded child process only when the
numeric check cannot decide.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from graders.math.evaluate import NotANumber, TooLarge, close, ctx, exact, free_symbols, numeric
from rewardkit.bounded import BoundTimeout, ThreadBudget, worker

INF = ("const", "inf")
NEG_INF = ("neg", ("const", "inf"))
MAX_ITEMS = 64
_POINTS = 4


class Timeout(Exception):
    """The comparison ran past its deadline."""


@dataclass(frozen=True)
class Options:
    """How values are compared (see MathConfig for the meaning of each)."""

    rel_tol: float = 1e-9
    abs_tol: float = 0.0
    symbolic: bool = True
    ordered_lists: bool = False
    decimal_digits: int = 6


@dataclass
class Verdict:
    equal: bool
    how: str


class Comparer:
    """Compares two answers under one deadline."""

    def __init__(self, options: Options, deadline: ThreadBudget):
        self.options = options
        self.deadline = deadline
        self.how = "structure"

    def tick(self) -> None:
        if self.deadline.expired():
            raise Timeout()

    # -- structures ------------------------------------------------------------------------
    def equal(self, a: tuple, b: tuple) -> bool:
        self.tick()
        a, b = canonical(a), canonical(b)
        ka, kb = a[0], b[0]
        if ka == "intervals" or kb == "intervals":
            ia, ib = as_intervals(a), as_intervals(b)
            return ia is not None and ib is not None and self.intervals_equal(ia, ib)
        if ka == "list" and kb == "list" and (named := _named_values(a)) and (other := _named_values(b)):
            return named.keys() == other.keys() and all(self.equal(named[k], other[k]) for k in named)
        if {ka, kb} == {"list", "tuple"}:  # "10, 4, -2" against the tuple "(10, 4, -2)": in order
            lst, tup = (a, b) if ka == "list" else (b, a)
            named = _named_values(lst)  # "y = 1, x = -1" against "(x, y)": in the names' order
            xs = tuple(named[k] for k in sorted(named, key=_flat_label)) if named else tuple(map(_value_of, lst[1]))
            return self.ordered(xs, tuple(map(_value_of, tup[3])))
        if ka == "list" and kb == "list" and self.options.ordered_lists:
            return self.ordered(items(a), items(b))
        if ka in ("list", "set") or kb in ("list", "set"):
            return self.unordered(items(a), items(b))
        if ka == "tuple" and kb == "tuple":
            return a[1:3] == b[1:3] and self.ordered(a[3], b[3])
        if (ka == "rel") != (kb == "rel") and "matrix" in (ka, kb):  # "A^{-1} = M" against M
            return self.relations_equal(a, b)
        if ka == "matrix" and kb == "matrix":  # shapes must agree: a row is not a column
            return len(a[1]) == len(b[1]) and all(self.ordered(ra, rb) for ra, rb in zip(a[1], b[1]))
        if ka == "matrix" or kb == "matrix":
            va, vb = as_matrix(a), as_matrix(b)
            return (va is not None and vb is not None and len(va) == len(vb)
                    and all(self.ordered(ra, rb) for ra, rb in zip(va, vb)))
        if ka == "rel" or kb == "rel":
            return self.relations_equal(a, b)
        if ka in VALUE_KINDS and kb in VALUE_KINDS:
            return self.values_equal(a, b)
        return False

    def ordered(self, xs: tuple, ys: tuple) -> bool:
        return len(xs) == len(ys) and all(self.equal(x, y) for x, y in zip(xs, ys))

    def unordered(self, xs: tuple, ys: tuple) -> bool:
        if len(xs) != len(ys) or len(xs) > MAX_ITEMS:
            return False
        remaining = list(ys)
        for x in xs:
            for j, y in enumerate(remaining):
                if self.equal(x, y):
                    del remaining[j]
                    break
            else:
                return False
        return True

    def relations_equal(self, a: tuple, b: tuple) -> bool:
        if a[0] != "rel":
            a, b = b, a
        if b[0] != "rel":  # "x = 3", "f(2) = 3" or "2 + 3 = 5" against "3": compare the final value
            value = assigned_value(a)
            if value is None and set(a[1]) == {"="} and not free_symbols(a[2][-1]) and not free_symbols(a[2][0]):
                value = a[2][-1]  # a computation chain; "a + 3z = 0" is an equation, not 0
            elif value is None and set(a[1]) == {"="} and all(e[0] in VALUE_KINDS for e in a[2]):
                value = a[2][-1]  # an identity "(x+1)^2 = x^2 + 2x + 1": checked step by step below
            if value is None or not self.equal(value, b):
                return False
            # Every step of a chain must hold: "41 = 42" is not an answer of 42 (nor of 41).
            steps = [e for e in a[2] if not (is_label(e) and free_symbols(e))]
            return all(self.values_equal(step, value) for step in steps if step is not value)
        if set(a[1]) != {"="} or set(b[1]) != {"="}:
            return a[1] == b[1] and self.ordered(a[2], b[2])
        va, vb = assignment(a), assignment(b)
        if va is not None and vb is not None and va[0] == vb[0]:
            return self.equal(va[1], vb[1])
        # Two equations: equal when lhs - rhs of one is a non-zero constant multiple of the other's.
        return self.proportional(("add", (a[2][0], ("neg", a[2][-1]))), ("add", (b[2][0], ("neg", b[2][-1]))))

    def intervals_equal(self, xs: list, ys: list) -> bool:
        if len(xs) != len(ys):
            return False
        return all(
            x[1] == y[1] and x[3] == y[3] and self.values_equal(x[0], y[0]) and self.values_equal(x[2], y[2])
            for x, y in zip(xs, ys)
        )

    # -- values ----------------------------------------------------------------------------
    def values_equal(self, a: tuple, b: tuple) -> bool:
        self.tick()
        if a == b:
            self.how = "same expression"
            return True
        try:
            ea, eb = exact(a), exact(b)
        except TooLarge:
            self.how = "too large to compare exactly"
            return False
        if ea is not None and eb is not None:
            self.how = "exact"
            return ea == eb or self.decimal_approximates(a, b) or self.decimal_approximates(b, a)
        symbols = free_symbols(a) | free_symbols(b)
        if not symbols:
            try:
                va, vb = numeric(a), numeric(b)
            except TooLarge:
                self.how = "too large to compare"
                return False
            except NotANumber:
                return self.symbolic(a, b)
            self.how = "numeric"
            return (close(va, vb, self.options.rel_tol, self.options.abs_tol)
                    or self.decimal_approximates(a, b, vb) or self.decimal_approximates(b, a, va))
        return self.at_random_points(a, b)

    def decimal_approximates(self, a: tuple, b: tuple, b_value=None) -> bool:
        """Whether ``a`` is a decimal literal giving ``b`` to every digit it writes.

        The rule (documented in the README): a decimal with at least ``decimal_digits`` significant
        digits equals a value that has no exact decimal form of that length when it is that value
        rounded or truncated to the places written: 0.0833333333 is 1/12 and 3.14159265 is pi,
        while 0.333 (too few digits) and 0.33333334 (a wrong last digit) are not 1/3.
        """
        sign = 1
        if a[0] == "neg":
            sign, a = -1, a[1]
        if a[0] != "num" or len(a) != 3:
            return False
        digits = self.options.decimal_digits
        value, places = sign * a[1], a[2]
        if digits <= 0 or len(str(abs(value.numerator * 10**places // value.denominator))) < digits:
            return False
        scale = 10**places
        target = exact(b) if b_value is None else None
        if target is not None:
            if _terminates(target):
                return False  # b has an exact decimal (1/8, 12345.67): only b itself is b
            shifted = target * scale
            candidates = {int(shifted), round(shifted)}
        else:
            if b_value is None:
                return False
            if ctx.im(b_value) != 0 or ctx.isinf(b_value) or places > 30:
                return False
            shifted = b_value * scale
            candidates = {int(ctx.nint(shifted)), int(ctx.floor(shifted)) if shifted > 0 else int(ctx.ceil(shifted))}
        if value * scale not in candidates:
            return False
        self.how = "decimal approximation"
        return True

    def sample_points(self, a: tuple, b: tuple, seed: int):
        """(value of a, value of b) at up to 2 * _POINTS random points where both are defined."""
        symbols = sorted(free_symbols(a) | free_symbols(b))
        rng = random.Random(seed)
        for _ in range(_POINTS * 2):
            self.tick()
            env = {s: ctx.mpf(rng.uniform(0.3, 2.9)) for s in symbols}
            try:
                yield numeric(a, env), numeric(b, env)
            except (NotANumber, TooLarge, ZeroDivisionError, ValueError):
                continue

    def at_random_points(self, a: tuple, b: tuple) -> bool:
        """Expressions with variables: equal at every sampled point; sympy when too few points work."""
        agreed = 0
        for va, vb in self.sample_points(a, b, seed=0x5EED):
            self.how = "numeric at random points"
            if not close(va, vb, max(self.options.rel_tol, 1e-12), max(self.options.abs_tol, 1e-20)):
                return False
            agreed += 1
            if agreed == _POINTS:
                return self.agree_at_negative_points(a, b)
        return self.symbolic(a, b)

    def agree_at_negative_points(self, a: tuple, b: tuple) -> bool:
        """Whether two expressions that agree at positive points also agree at negative ones, so that
        x is not |x|. Skipped where a root, logarithm or fractional power makes negative points a
        different branch: there, as in most answers, variables are taken to be positive."""
        if _has_branch(a) or _has_branch(b):
            return True
        symbols = sorted(free_symbols(a) | free_symbols(b))
        rng = random.Random(0xBAD)
        for _ in range(2):
            self.tick()
            env = {s: ctx.mpf(-rng.uniform(0.3, 2.9)) for s in symbols}
            try:
                va, vb = numeric(a, env), numeric(b, env)
            except (NotANumber, TooLarge, ZeroDivisionError, ValueError):
                continue
            if not close(va, vb, max(self.options.rel_tol, 1e-12), max(self.options.abs_tol, 1e-20)):
                return False
        return True

    def proportional(self, a: tuple, b: tuple) -> bool:
        """Whether a = k * b for a constant k != 0 (for comparing equations)."""
        ratio, agreed = None, 0
        for va, vb in self.sample_points(a, b, seed=0xC0FFEE):
            if vb == 0 or va == 0:
                if va != vb:
                    return False
                continue
            r = va / vb
            if ratio is None:
                ratio = r
            elif not close(r, ratio, 1e-12, 1e-20):
                return False
            agreed += 1
            if agreed == _POINTS:
                self.how = "equations proportional"
                return True
        return False

    def symbolic(self, a: tuple, b: tuple) -> bool:
        if not self.options.symbolic or has_large_power(a) or has_large_power(b):
            return False
        left = self.deadline.left()
        if left <= 0:
            raise Timeout()
        try:
            result = worker(("graders.math.symbolic",)).call("graders.math.symbolic:equal", (a, b), left)
        except BoundTimeout:
            raise Timeout() from None
        except RuntimeError:
            return False
        self.how = "symbolic"
        return bool(result)


VALUE_KINDS = {"num", "sym", "const", "add", "mul", "neg", "div", "pow", "fn"}


def has_large_power(node: tuple) -> bool:
    """Whether a tree holds a power or factorial that sympy could spend unbounded time on."""
    if node[0] == "pow":
        e = node[2]
        if e[0] == "pow" or (e[0] == "num" and abs(e[1]) > 10_000):
            return True
    if node[0] == "fn" and node[1] == "factorial" and node[2][0][0] == "num" and node[2][0][1] > 10_000:
        return True
    return any(
        has_large_power(child)
        for part in node[1:]
        if isinstance(part, tuple)
        for child in (part if part and isinstance(part[0], tuple) else (part,))
        if isinstance(child, tuple) and child and isinstance(child[0], str)
    )


_BRANCHING = {"sqrt", "ln", "log", "arcsin", "arccos"}


def _has_branch(node: tuple) -> bool:
    """Whether a tree holds a root, a logarithm or a non-integer power (values differ by branch)."""
    if node[0] == "fn" and node[1] in _BRANCHING:
        return True
    if node[0] == "pow":
        e = node[2]
        if not (e[0] == "num" and e[1].denominator == 1) and not (e[0] == "neg" and e[1][0] == "num"
                                                                   and e[1][1].denominator == 1):
            return True
    return any(_has_branch(child) for part in node[1:] if isinstance(part, tuple)
               for child in (part if part and isinstance(part[0], tuple) else (part,))
               if isinstance(child, tuple) and child and isinstance(child[0], str))


def expand_pm(node: tuple) -> list[tuple]:
    """The values of an expression with ± : 1 ± √2 -> [1 + √2, 1 - √2]."""
    if node[0] == "pm":
        lefts, rights = expand_pm(node[1]), expand_pm(node[2])
        return [("add", (l, r)) for l in lefts for r in rights] + [("add", (l, ("neg", r))) for l in lefts for r in rights]
    return [node]


def _contains_pm(node: tuple) -> bool:
    return node[0] == "pm" or (node[0] in ("add", "mul") and any(_contains_pm(c) for c in node[1]))


def canonical(node: tuple) -> tuple:
    """One form per meaning: ± expanded, inequalities and unions as intervals, x∈S as S."""
    kind = node[0]
    if kind == "pm" or (kind in ("add",) and _contains_pm(node)):
        if node[0] == "add":
            # (a ± b) + c: move the ± to the top.
            pm_at = next(i for i, c in enumerate(node[1]) if _contains_pm(c))
            pm = node[1][pm_at]
            if pm[0] == "pm":
                rest = node[1][:pm_at] + node[1][pm_at + 1:]
                node = ("pm", ("add", (pm[1], *rest)), pm[2])
        values = expand_pm(node) if node[0] == "pm" else [node]
        return ("list", tuple(values), ()) if len(values) > 1 else values[0]
    if kind == "rel" and node[1] == ("in",) and node[2][0][0] == "sym":  # x \in S is S; 3 \in S is not
        return canonical(node[2][1])
    if kind in ("rel", "list", "union"):
        intervals = as_intervals(node)
        if intervals is not None and (kind != "list" or all(c[0] in ("rel", "union") for c in node[1])):
            return ("intervals", tuple(intervals))
    if kind == "const" and node[1] == "reals":
        return ("intervals", ((NEG_INF, False, INF, False),))
    if kind == "mul" and sum(f[0] == "matrix" for f in node[1]) == 1:  # \frac12 \begin{pmatrix}..\end{pmatrix}
        matrix = next(f for f in node[1] if f[0] == "matrix")
        scalars = tuple(f for f in node[1] if f[0] != "matrix")
        if all(f[0] in VALUE_KINDS for f in scalars):
            return ("matrix", tuple(tuple(("mul", (*scalars, entry)) for entry in row) for row in matrix[1]))
    if kind == "list":
        expanded: list[tuple] = []
        for item in node[1]:
            c = canonical(item)
            expanded.extend(c[1] if c[0] == "list" else (c,))
        return ("list", tuple(expanded), node[2])
    return node


def _named_values(node: tuple) -> dict | None:
    """'k=45, n=2' as {k: 45, n: 2} (every item an assignment to a different label), else None."""
    found = [assignment(item) for item in node[1]]
    if ";" in node[2] or not all(found) or len({label for label, _ in found}) != len(found):
        return None
    return dict(found)


def _terminates(q: Fraction) -> bool:
    """Whether a rational has a finite decimal expansion (its denominator has no prime but 2 and 5)."""
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _flat_label(label: tuple) -> str:
    return label[1] if label[0] == "sym" else repr(label)


def _value_of(node: tuple) -> tuple:
    return canonical(assigned_value(node) or node)


def items(node: tuple) -> tuple:
    if node[0] == "list" and ";" in node[2] and any(assignment(i) for i in node[1]):
        return _solution_tuples(node)
    values = tuple(map(_value_of, node[1])) if node[0] in ("list", "set") else (_value_of(node),)
    # "x = \pm 2" is the list 2, -2: its items are the list's
    return tuple(v for value in values for v in (value[1] if value[0] == "list" else (value,)))


def _solution_tuples(node: tuple) -> tuple:
    """'p=5, q=2; p=7, q=2' -> the points (5, 2), (7, 2): ';' separates solutions, ',' their values."""
    solutions, current = [], [node[1][0]]
    for sep, item in zip(node[2], node[1][1:]):
        if sep == ";":
            solutions.append(current)
            current = []
        current.append(item)
    solutions.append(current)
    return tuple(("tuple", "(", ")", tuple(map(_value_of, s))) if len(s) > 1 else _value_of(s[0])
                 for s in solutions)


def label_names(node: tuple) -> set[str]:
    """The names a node is a label of (x, a_1, A^{-1}, f(3), f^{-1}(x), W(x), V_1:V_2), or an empty
    set when it computes a value instead (3z, a + 3z). A function's arguments are not its name."""
    if node[0] == "sym":
        return {node[1]}
    if node[0] == "pow" and node[1][0] == "sym" and node[2] in (("neg", ("num", Fraction(1))), ("sym", "T")):
        return {node[1][1]}  # an inverse or a transpose: A^{-1}, A^T
    if node[0] == "mul" and len(node) == 3 and node[2] == "apply":  # f(3), W(x): written as an application
        return label_names(node[1][0])
    if node[0] == "div":
        top, bottom = label_names(node[1]), label_names(node[2])
        return top | bottom if top and bottom else set()
    return set()


def is_label(node: tuple) -> bool:
    return bool(label_names(node))


def assignment(node: tuple) -> tuple[tuple, tuple] | None:
    """For 'x = v' or 'v = x' (x a label whose name is not in v): (x, v); for a chain 'x = 2 + 3 = 5':
    (x, 5). 'f(x) = 2x' assigns f(x), since the argument x is not the name."""
    if node[0] != "rel" or set(node[1]) != {"="}:
        return None
    left, right = node[2][0], node[2][-1]
    if (names := label_names(left)) and not names & free_symbols(right):
        return left, right
    if right[0] == "sym" and right[1] not in free_symbols(left):
        return right, left
    return None


def assigned_value(node: tuple) -> tuple | None:
    """The value side of an assignment 'x = v', or None."""
    found = assignment(node)
    return None if found is None else found[1]


def as_matrix(node: tuple) -> tuple | None:
    if node[0] == "matrix":
        rows = node[1]
        if len(rows[0]) == 1:  # column vector = its entries
            return (tuple(r[0] for r in rows),)
        return rows
    if node[0] == "tuple" and node[1:3] in (("(", ")"), ("[", "]")):
        return (node[3],)
    return None


_OPEN = {"<": False, "<=": True, ">": False, ">=": True}


def as_intervals(node: tuple) -> list | None:
    """A union of intervals as sorted (lo, lo_closed, hi, hi_closed), or None."""
    kind = node[0]
    if kind == "intervals":
        return list(node[1])
    if kind == "const" and node[1] == "reals":
        return [(NEG_INF, False, INF, False)]
    if kind == "tuple" and len(node[3]) == 2:
        return [(node[3][0], node[1] == "[", node[3][1], node[2] == "]")]
    if kind == "set" and not node[1]:
        return []
    if kind == "union":
        parts = [as_intervals(canonical(p)) for p in node[1]]
        if any(p is None for p in parts):
            return None
        return _sorted([i for p in parts for i in p])
    if kind == "rel":
        return _inequality(node)
    if kind == "list" and node[1]:
        parts = [as_intervals(p) for p in node[1]]
        if any(p is None for p in parts):
            return None
        if "and" in node[2] and len(parts) == 2 and len(parts[0]) == len(parts[1]) == 1:
            return _intersect(parts[0][0], parts[1][0])
        return _sorted([i for p in parts for i in p])
    return None


def _inequality(node: tuple) -> list | None:
    """The interval of the one expression an inequality bounds ('1 < x <= 2', '-x > -1', '0<f(x)<1').

    When that expression is linear in one variable (2x + 1), the interval is solved for the
    variable (a negative slope flips it); otherwise ('f(x)', 'x^2') it is the expression's range.
    """
    ops, exprs = node[1], node[2]
    if not all(op in _OPEN for op in ops):
        return None
    bounded = {e for e in exprs if free_symbols(e)}
    if len(bounded) != 1:
        return None
    subject = next(iter(bounded))
    lo, lo_closed, hi, hi_closed = NEG_INF, False, INF, False
    for i, op in enumerate(ops):
        left, right = exprs[i], exprs[i + 1]
        if left == subject and right != subject:
            bound, var_on_left = right, True
        elif right == subject and left != subject:
            bound, var_on_left = left, False
        else:
            return None
        upper = (op in ("<", "<=")) == var_on_left
        if upper:
            hi, hi_closed = bound, _OPEN[op]
        else:
            lo, lo_closed = bound, _OPEN[op]
    linear = _linear(subject)
    if linear is None:
        return [(lo, lo_closed, hi, hi_closed)]
    slope, offset = linear
    lo, hi = _solve_bound(lo, slope, offset), _solve_bound(hi, slope, offset)
    if _key(slope) < 0:
        lo, lo_closed, hi, hi_closed = hi, hi_closed, lo, lo_closed
    return [(lo, lo_closed, hi, hi_closed)]


def _substitute(node: tuple, name: str, value: tuple) -> tuple:
    """The tree with every ``("sym", name)`` replaced by ``value``."""
    if node == ("sym", name):
        return value
    if node[0] in ("add", "mul"):
        return (node[0], tuple(_substitute(c, name, value) for c in node[1]))
    if node[0] in ("neg",):
        return ("neg", _substitute(node[1], name, value))
    if node[0] in ("div", "pow"):
        return (node[0], _substitute(node[1], name, value), _substitute(node[2], name, value))
    if node[0] == "fn":
        return ("fn", node[1], tuple(_substitute(c, name, value) for c in node[2]))
    return node


def _linear(expr: tuple) -> tuple[tuple, tuple] | None:
    """(slope, offset) trees when ``expr`` is slope * v + offset in its one variable v, other than
    v itself (None for a bare variable, several variables or a non-linear expression)."""
    symbols = free_symbols(expr)
    if expr[0] == "sym" or len(symbols) != 1:
        return None
    (name,) = symbols
    try:
        at = {t: exact(_substitute(expr, name, ("num", Fraction(t)))) for t in (0, 1, 2, 7)}
    except (TooLarge, ZeroDivisionError):
        return None
    if any(v is None for v in at.values()):
        return None
    slope, offset = at[1] - at[0], at[0]
    if slope == 0 or any(at[t] != slope * t + offset for t in (2, 7)):
        return None
    return ("num", slope), ("num", offset)


def _solve_bound(bound: tuple, slope: tuple, offset: tuple) -> tuple:
    """(bound - offset) / slope; infinities keep their sign times the slope's."""
    if bound in (INF, NEG_INF):
        return bound if _key(slope) > 0 else (NEG_INF if bound == INF else INF)
    return ("div", ("add", (bound, ("neg", offset))), slope)


def _key(value: tuple) -> float:
    try:
        return float(numeric(value).real) if value not in (INF, NEG_INF) else (float("inf") if value == INF else float("-inf"))
    except (NotANumber, TooLarge, TypeError, AttributeError):
        return 0.0


def _sorted(intervals: list) -> list:
    return sorted(intervals, key=lambda i: (_key(i[0]), _key(i[2])))


def _intersect(a: tuple, b: tuple) -> list | None:
    lo = a if _key(a[0]) >= _key(b[0]) else b
    hi = a if _key(a[2]) <= _key(b[2]) else b
    return [(lo[0], lo[1], hi[2], hi[3])]


def compare(reference: tuple, answer: tuple, options: Options, deadline: ThreadBudget) -> Verdict:
    """Whether ``answer`` is equivalent to ``reference``; raises Timeout past the deadline."""
    comparer = Comparer(options, deadline)
    equal = comparer.equal(reference, answer)
    return Verdict(equal, comparer.how)


def scaled(node: tuple, factor: Fraction) -> tuple:
    """node * factor, for reading a percent both as a number and as a fraction."""
    return ("mul", (node, ("num", factor)))
