"""A bounded recursive-descent parser for answers in LaTeX or plain-text maths.

It never calls ``eval`` or ``sympify``: the text becomes a tree of plain tuples, which
``evaluate`` computes and ``symbolic`` turns into sympy objects by constructor calls.

Nodes (all tuples, picklable, hashable)::

    ("num", Fraction[, places])       a number; ``places`` for a decimal literal: the digits written after the point
                                      ("sym", "x")          ("const", "pi" | "e" | "i" | "inf" | "reals")
    ("add", (a, b, ...))              ("mul", (a, b, ...))  ("neg", a)     ("div", a, b)   ("pow", a, b)
    ("fn", name, (args...))           ("pm", a, b)          a ± b, expanded by ``expand_pm``
    ("tuple", open, close, (items))   ordered: points, vectors, intervals ("(", "]", ...)
    ("set", (items))                  ("matrix", ((row), ...))
    ("rel", (ops), (exprs))           x < 3, a = b, 1 < x \\le 2   ("list", (items), (seps))
    ("union", (items))                A \\cup B
"""

from __future__ import annotations

import re
from fractions import Fraction

MAX_ANSWER_CHARS = 2000
MAX_DEPTH = 60
MAX_DIGITS = 400

FUNCTIONS = {
    "sqrt", "exp", "ln", "log", "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "abs",
}
_ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "lg": "log"}
CONSTANT_WORDS = {"pi": "pi", "infty": "inf", "inf": "inf", "infinity": "inf", "oo": "inf"}
SEPARATOR_WORDS = {"or", "and"}
RELATIONS = {"=": "=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "!=": "!=", "\\le": "<=", "\\ge": ">=",
             "\\ne": "!=", "\\in": "in", "=<": "<=", "=>": ">="}
MATRIX_ENVS = {"pmatrix", "bmatrix", "matrix", "Bmatrix", "vmatrix", "smallmatrix", "array"}

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+(?![a-zA-Z]))?|\.\d+(?:[eE][-+]?\d+(?![a-zA-Z]))?)"
    r"|(?P<cmd>\\[a-zA-Z]+|\\[{}|]|\\\\)"
    r"|(?P<word>[a-zA-Z]+)"
    r"|(?P<op><=|>=|!=|=<|=>|\*\*|[-+*/^_()\[\]{},=<>!&|;':])"
    r")"
)


class ParseError(ValueError):
    """The answer is not maths this parser reads (or exceeds a size or depth bound)."""


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos, n = [], 0, len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            if text[pos:].strip():
                raise ParseError(f"unexpected character {text[pos]!r}")
            break
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "op" and value == "**":
            value = "^"
        tokens.append((kind, value))
        pos = m.end()
    return tokens


def number_node(text: str) -> tuple:
    """A number token's node; a decimal literal keeps how many places it was written with."""
    value = _number(text)
    mantissa = text.lower().partition("e")[0]
    if "." in mantissa and "e" not in text.lower():
        places = len(mantissa) - mantissa.index(".") - 1
        if places:
            return ("num", value, places)
    return ("num", value)


def _number(text: str) -> Fraction:
    if len(text) > MAX_DIGITS:
        raise ParseError("number too long")
    mantissa, _, exponent = text.lower().partition("e")
    value = Fraction(mantissa)
    if exponent:
        power = int(exponent)
        if abs(power) > 400:
            raise ParseError("scientific exponent out of range")
        value *= Fraction(10) ** power
    return value


class Parser:
    """Parses one answer; call ``parse``."""

    def __init__(self, text: str):
        if len(text) > MAX_ANSWER_CHARS:
            raise ParseError(f"answer longer than {MAX_ANSWER_CHARS} characters")
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.abs_depth = 0

    # -- token helpers ---------------------------------------------------------------------
    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def at(self, *values: str) -> bool:
        token = self.peek()
        return token is not None and token[1] in values

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ParseError("unexpected end of answer")
        if value is not None and token[1] != value:
            raise ParseError(f"expected {value!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError("nesting too deep")

    # -- grammar ---------------------------------------------------------------------------
    def parse(self) -> tuple:
        if not self.tokens:
            raise ParseError("empty answer")
        node = self.top(closers=())
        if self.peek() is not None:
            raise ParseError(f"unexpected {self.peek()[1]!r}")
        return node

    def top(self, closers: tuple[str, ...]) -> tuple:
        """item (sep item)* where sep is , ; or and."""
        items, seps = [self.union(closers)], []
        while True:
            token = self.peek()
            if token is None or token[1] in closers:
                break
            if token[1] in (",", ";") or (token[0] == "word" and token[1].lower() in SEPARATOR_WORDS):
                self.take()
                seps.append(token[1].lower())
                if self.peek() is not None and self.peek()[0] == "word" and self.peek()[1].lower() in SEPARATOR_WORDS:
                    seps[-1] = self.take()[1].lower()  # ", or"
                items.append(self.union(closers))
            else:
                break
        return items[0] if len(items) == 1 else ("list", tuple(items), tuple(seps))

    def union(self, closers: tuple[str, ...]) -> tuple:
        items = [self.relation(closers)]
        while self.at("\\cup"):
            self.take()
            items.append(self.relation(closers))
        return items[0] if len(items) == 1 else ("union", tuple(items))

    def relation(self, closers: tuple[str, ...]) -> tuple:
        exprs, ops = [self.ratio()], []
        while self.peek() is not None and self.peek()[1] in RELATIONS:
            ops.append(RELATIONS[self.take()[1]])
            exprs.append(self.ratio())
        return exprs[0] if not ops else ("rel", tuple(ops), tuple(exprs))

    def ratio(self) -> tuple:
        """'11:21' is the ratio 11/21 (a time such as '12:00' is only ever equal to its own text)."""
        node = self.expr()
        if self.at(":"):
            self.take()
            node = ("div", node, self.expr())
        return node

    def expr(self) -> tuple:
        self.enter()
        terms = [self.term()]
        while self.at("+", "-", "\\pm", "\\mp"):
            op = self.take()[1]
            term = self.term()
            if op == "+":
                terms.append(term)
            elif op == "-":
                terms.append(("neg", term))
            else:
                left = terms[0] if len(terms) == 1 else ("add", tuple(terms))
                terms = [("pm", left, term)]
        self.depth -= 1
        return terms[0] if len(terms) == 1 else ("add", tuple(terms))

    def starts_atom(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        kind, value = token
        if kind in ("num", "word"):
            return not (kind == "word" and value.lower() in SEPARATOR_WORDS)
        if kind == "cmd":
            return value not in RELATIONS and value not in ("\\cup", "\\pm", "\\mp", "\\\\", "\\end", "\\}", "\\rangle")
        if value == "|":
            return self.abs_depth == 0
        return value in ("(", "[", "{")

    def term(self) -> tuple:
        factors, applied = [self.unary()], False
        while True:
            if self.at("*"):
                self.take()
                factors.append(self.unary())
            elif self.at("/"):
                self.take()
                divisor = self.unary()
                last = factors.pop()
                factors.append(("div", last, divisor))
            elif self.starts_atom():
                # Mixed numbers: "2\frac12", "1 1/2" (an integer followed by a fraction of integers).
                mixed = self.mixed_fraction(factors[-1]) if len(factors) == 1 else None
                if mixed is not None:
                    factors[-1] = mixed
                else:
                    applied = len(factors) == 1 and self.at("(") and _is_name(factors[0])
                    factors.append(self.power())
            else:
                break
        if len(factors) == 1:
            return factors[0]
        # "f(3)", "W(x)", "f^{-1}(x)": a name applied to an argument, marked so that an equation
        # "f(3) = 10" reads as naming its value (a product "2x = 6" or "x \cdot 2 = 6" does not).
        return ("mul", tuple(factors), "apply") if len(factors) == 2 and applied else ("mul", tuple(factors))

    def mixed_fraction(self, whole: tuple) -> tuple | None:
        if whole[0] != "num" or whole[1].denominator != 1:
            return None
        start = self.pos
        token = self.peek()
        if token == ("cmd", "\\frac"):
            frac = self.power()
            if frac[0] == "div" and frac[1][0] == "num" and frac[2][0] == "num" and frac[1][1] < frac[2][1]:
                return ("num", whole[1] + frac[1][1] / frac[2][1])
        elif token and token[0] == "num" and self.peek(1) == ("op", "/") and (self.peek(2) or ("", ""))[0] == "num":
            num, den = _number(self.take()[1]), (self.take(), _number(self.take()[1]))[1]
            if den != 0 and num.denominator == 1 and 0 < num < den and self.peek() is None:
                return ("num", whole[1] + num / den)
        self.pos = start
        return None

    def unary(self) -> tuple:
        if self.at("-"):
            self.take()
            return ("neg", self.unary())
        if self.at("+"):
            self.take()
            return self.unary()
        if self.at("\\pm"):
            self.take()
            return ("pm", ("num", Fraction(0)), self.unary())
        return self.power()

    def power(self) -> tuple:
        self.enter()
        base = self.postfix(self.atom())
        if self.at("^"):
            self.take()
            base = ("pow", base, self.exponent())
        self.depth -= 1
        return base

    def exponent(self) -> tuple:
        if self.at("{"):
            return self.group("{", "}")
        if self.at("-"):
            self.take()
            return ("neg", self.exponent())
        base = self.postfix(self.atom())
        if self.at("^"):  # 2^3^2 is 2^(3^2)
            self.take()
            return ("pow", base, self.exponent())
        return base

    def postfix(self, node: tuple) -> tuple:
        while self.at("!") and not (self.peek(1) and self.peek(1)[1] == "="):
            self.take()
            node = ("fn", "factorial", (node,))
        while self.at("'"):
            self.take()
        return node

    def group(self, open_: str, close: str) -> tuple:
        self.take(open_)
        node = self.top(closers=(close,))
        self.take(close)
        return node

    def brace_or_token(self) -> tuple:
        """A LaTeX argument: {group}, or a single digit / letter / command (\\frac12, \\sqrt2)."""
        token = self.peek()
        if token is None:
            raise ParseError("missing argument")
        if token[1] == "{":
            return self.group("{", "}")
        if token[0] in ("num", "word") and len(token[1]) > 1:
            self.tokens[self.pos] = (token[0], token[1][1:])
            first = token[1][0]
            return ("num", Fraction(first)) if token[0] == "num" else self.word_node(first)
        return self.atom()

    def atom(self) -> tuple:
        self.enter()
        try:
            return self._atom()
        finally:
            self.depth -= 1

    def _atom(self) -> tuple:
        kind, value = self.take()
        if kind == "num":
            return number_node(value)
        if kind == "word":
            return self.word(value)
        if kind == "cmd":
            return self.command(value)
        if value in ("(", "["):
            return self.bracket(value)
        if value == "{":
            node = self.top(closers=("}",))
            self.take("}")
            return node
        if value == "|":
            self.abs_depth += 1
            inner = self.expr()
            self.abs_depth -= 1
            self.take("|")
            return ("fn", "abs", (inner,))
        raise ParseError(f"unexpected {value!r}")

    def bracket(self, open_: str) -> tuple:
        items = [self.union(closers=(")", "]"))]
        while self.at(",", ";"):
            self.take()
            items.append(self.union(closers=(")", "]")))
        close = self.take()[1]
        if close not in (")", "]"):
            raise ParseError(f"unbalanced bracket: {open_} closed by {close}")
        if len(items) == 1 and (open_, close) in (("(", ")"), ("[", "]")):
            return items[0]
        return ("tuple", open_, close, tuple(items))

    def word(self, value: str) -> tuple:
        low = value.lower()
        name = _ALIASES.get(low, low)
        if name in FUNCTIONS:
            return self.function(name)
        if low in CONSTANT_WORDS:
            return ("const", CONSTANT_WORDS[low])
        if len(value) > 3 and value.isalpha():
            raise ParseError(f"unknown word {value!r}")
        letters = [self.word_node(ch) for ch in value]
        node = letters[0] if len(letters) == 1 else ("mul", tuple(letters))
        return self.subscript(node) if len(letters) == 1 else node

    def word_node(self, letter: str) -> tuple:
        if letter == "e":
            return ("const", "e")
        if letter == "i":
            return ("const", "i")
        return ("sym", letter)

    def subscript(self, node: tuple) -> tuple:
        if node[0] == "sym" and self.at("_"):
            self.take()
            sub = self.take()[1] if not self.at("{") else _flat(self.group("{", "}"))
            return ("sym", f"{node[1]}_{sub}")
        return node

    def function(self, name: str) -> tuple:
        power = None
        if self.at("^"):  # \sin^2 x
            self.take()
            power = self.exponent()
        base = None
        if name == "log" and self.at("_"):
            self.take()
            base = self.brace_or_token()
        if name == "sqrt" and self.at("["):
            self.take("[")
            index = self.expr()
            self.take("]")
            arg = self.brace_or_token()
            node = ("pow", arg, ("div", ("num", Fraction(1)), index))
        else:
            if self.at("("):
                self.take("(")
                arg = self.bracket("(")
            elif self.at("{"):
                arg = self.group("{", "}")
            else:
                arg = self.bare_argument()
            node = ("fn", name, (arg,) if base is None else (arg, base))
        return node if power is None else ("pow", node, power)

    def bare_argument(self) -> tuple:
        """The argument of a function written without brackets: '\\sin 2x' is sin(2x), while
        '\\sin x \\cos x' is sin(x)cos(x): the argument runs over numbers and letters only."""
        factors = [self.power()]
        while True:
            token = self.peek()
            if token is None or token[0] not in ("num", "word"):
                break
            if token[0] == "word" and (_ALIASES.get(token[1].lower(), token[1].lower()) in FUNCTIONS
                                       or token[1].lower() in SEPARATOR_WORDS):
                break
            factors.append(self.power())
        return factors[0] if len(factors) == 1 else ("mul", tuple(factors))

    def command(self, value: str) -> tuple:
        name = value[1:]
        if name == "frac":
            num, den = self.brace_or_token(), self.brace_or_token()
            return ("div", num, den)
        if name == "binom":
            n, k = self.brace_or_token(), self.brace_or_token()
            return ("fn", "binom", (n, k))
        if name in FUNCTIONS or name in _ALIASES:
            return self.function(_ALIASES.get(name, name))
        if name in ("pi", "infty", "inf"):
            return ("const", CONSTANT_WORDS[name])
        if name in ("mathbb", "mathbf") and self.at("{"):
            inner = _flat(self.group("{", "}"))
            if inner == "R":
                return ("const", "reals")
            raise ParseError(f"unknown set {inner}")
        if name == "emptyset":
            return ("set", ())
        if value == "\\{":
            if self.at("\\}"):
                self.take()
                return ("set", ())
            inner = self.top(closers=("\\}",))
            self.take("\\}")
            items = inner[1] if inner[0] == "list" else (inner,)
            return ("set", tuple(items))
        if name == "langle":
            inner = self.top(closers=("\\rangle",))
            self.take("\\rangle")
            return ("tuple", "(", ")", inner[1] if inner[0] == "list" else (inner,))
        if name == "begin":
            return self.matrix()
        if name in ("theta", "alpha", "beta", "gamma", "lambda", "mu", "phi", "omega", "sigma", "tau", "rho"):
            return self.subscript(("sym", name))
        raise ParseError(f"unsupported command {value}")

    def matrix(self) -> tuple:
        self.take("{")
        env = self.take()[1]
        self.take("}")
        if env not in MATRIX_ENVS:
            raise ParseError(f"unsupported environment {env}")
        if env == "array" and self.at("{"):  # column spec such as {cc}
            while not self.at("}"):
                self.take()
            self.take("}")
        rows, row = [], [self.expr()]
        while True:
            if self.at("&"):
                self.take()
                row.append(self.expr())
            elif self.at("\\\\"):
                self.take()
                rows.append(tuple(row))
                if self.at("\\end"):
                    row = []
                    break
                row = [self.expr()]
            else:
                break
        if row:
            rows.append(tuple(row))
        self.take("\\end")
        self.take("{")
        self.take()
        self.take("}")
        if len({len(r) for r in rows}) != 1:
            raise ParseError("matrix rows of different lengths")
        return ("matrix", tuple(rows))


def _is_name(node: tuple) -> bool:
    return node[0] == "sym" or (node[0] == "pow" and node[1][0] == "sym")


def _flat(node: tuple) -> str:
    """The text of a simple node (a name or number), for environment names and subscripts."""
    if node[0] == "sym":
        return node[1]
    if node[0] == "num":
        return str(node[1])
    if node[0] == "const":
        return node[1]
    if node[0] == "mul":
        return "".join(_flat(n) for n in node[1])
    raise ParseError("expected a name")


def parse(text: str) -> tuple:
    """The tree of an answer's text (already normalised); ``ParseError`` when it is not maths."""
    return Parser(text).parse()
