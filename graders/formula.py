"""A small, safe arithmetic language for ``combine`` formulas (never ``eval``).

Grammar (``^`` binds tightest and is right-associative; unary minus binds looser than ``^``)::

    expr   := term (('+' | '-') term)*
    term   := unary (('*' | '/') unary)*
    unary  := '-' unary | power
    power  := atom ('^' unary)?
    atom   := NUMBER | NAME | FUNC '(' expr (',' expr)* ')' | '(' expr ')'

Names are sub-grader names; functions are min, max, abs, floor, ceil, exp, sqrt, log.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

FUNCTIONS = {
    "min": (min, 1, None),
    "max": (max, 1, None),
    "abs": (abs, 1, 1),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
    "exp": (math.exp, 1, 1),
    "sqrt": (math.sqrt, 1, 1),
    "log": (math.log, 1, 1),
}
MAX_FORMULA_CHARS = 2000
_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_.]*)|(\S))")


class FormulaError(ValueError):
    """The formula cannot be parsed, or cannot be evaluated on these values."""


@dataclass(frozen=True)
class Node:
    """A parsed formula: op is 'num', 'var', 'neg', a binary operator, or 'call'."""

    op: str
    args: tuple = ()
    value: float | str | None = None


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        number, name, symbol = m.groups()
        if number:
            tokens.append(("num", number))
        elif name:
            tokens.append(("name", name))
        elif symbol:
            if symbol not in "+-*/^(),":
                raise FormulaError(f"unexpected character {symbol!r} at position {m.start(3)}")
            tokens.append(("sym", symbol))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, symbol: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FormulaError("unexpected end of formula")
        if symbol is not None and token != ("sym", symbol):
            raise FormulaError(f"expected {symbol!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def expr(self) -> Node:
        node = self.term()
        while self.peek() in (("sym", "+"), ("sym", "-")):
            node = Node(self.take()[1], (node, self.term()))
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek() in (("sym", "*"), ("sym", "/")):
            node = Node(self.take()[1], (node, self.unary()))
        return node

    def unary(self) -> Node:
        if self.peek() == ("sym", "-"):
            self.take()
            return Node("neg", (self.unary(),))
        return self.power()

    def power(self) -> Node:
        node = self.atom()
        if self.peek() == ("sym", "^"):
            self.take()
            node = Node("^", (node, self.unary()))
        return node

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            return Node("num", value=float(text))
        if kind == "name" and self.peek() == ("sym", "("):
            if text not in FUNCTIONS:
                raise FormulaError(f"unknown function {text!r}; known: {', '.join(FUNCTIONS)}")
            self.take("(")
            args = [self.expr()]
            while self.peek() == ("sym", ","):
                self.take()
                args.append(self.expr())
            self.take(")")
            _, lo, hi = FUNCTIONS[text]
            if len(args) < lo or (hi is not None and len(args) > hi):
                raise FormulaError(f"{text}() takes {'1' if hi == 1 else 'one or more'} argument(s), got {len(args)}")
            return Node("call", tuple(args), text)
        if kind == "name":
            return Node("var", value=text)
        if text == "(":
            node = self.expr()
            self.take(")")
            return node
        raise FormulaError(f"unexpected {text!r}")


def parse_formula(text: str) -> Node:
    """The syntax tree of a formula; ``FormulaError`` with the reason when it is not valid."""
    if len(text) > MAX_FORMULA_CHARS:
        raise FormulaError(f"formula longer than {MAX_FORMULA_CHARS} characters")
    parser = _Parser(text)
    if not parser.tokens:
        raise FormulaError("empty formula")
    node = parser.expr()
    if parser.peek() is not None:
        raise FormulaError(f"unexpected {parser.peek()[1]!r} after the end of the expression")
    return node


def variables(node: Node) -> set[str]:
    """The names a formula refers to."""
    if node.op == "var":
        return {str(node.value)}
    return set().union(*(variables(a) for a in node.args)) if node.args else set()


def evaluate(node: Node, values: Mapping[str, float]) -> float:
    """The formula's value; ``FormulaError`` on maths errors (division by zero, log of 0, overflow)."""
    op = node.op
    try:
        if op == "num":
            return float(node.value)  # type: ignore[arg-type]
        if op == "var":
            return float(values[str(node.value)])
        if op == "neg":
            return -evaluate(node.args[0], values)
        if op == "call":
            fn = FUNCTIONS[str(node.value)][0]
            return float(fn(*(evaluate(a, values) for a in node.args)))
        a, b = (evaluate(x, values) for x in node.args)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        result = a**b
        if isinstance(result, complex):
            raise FormulaError("power of a negative number to a fractional exponent")
        return float(result)
    except (ZeroDivisionError, ValueError, OverflowError) as exc:
        if isinstance(exc, FormulaError):
            raise
        raise FormulaError(f"{op}: {exc}") from exc
