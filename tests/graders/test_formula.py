import math

import pytest

from graders.formula import FormulaError, evaluate, parse_formula, variables


@pytest.mark.parametrize(
    "text, value",
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("2 ^ 3 ^ 2", 512.0),
        ("-2 ^ 2", -4.0),
        ("10 / 4 - 1", 1.5),
        ("min(a, b, 0.3) + max(a, b)", 0.1 + 0.9),
        ("abs(a - b) + floor(2.7) + ceil(0.2)", 0.8 + 3.0),
        ("exp(0) + sqrt(16) + log(1)", 5.0),
        ("1e-1 * 10 + .5", 1.5),
    ],
)
def test_evaluate(text, value):
    assert evaluate(parse_formula(text), {"a": 0.1, "b": 0.9}) == pytest.approx(value)


def test_variables():
    assert variables(parse_formula("0.5 * acc + fmt ^ 2 - max(acc, x1)")) == {"acc", "fmt", "x1"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("1 +", "unexpected end"),
        ("a b", "unexpected 'b'"),
        ("__import__('os')", "unexpected character"),
        ("a; b", "unexpected character ';'"),
        ("pow(a, 2)", "unknown function 'pow'"),
        ("abs(a, b)", "takes 1 argument"),
        ("(a + b", "unexpected end"),
        ("a" * 3000, "longer than"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(FormulaError, match=message):
        parse_formula(text)


@pytest.mark.parametrize("text", ["1 / (a - a)", "log(0 * a)", "sqrt(0 - 1)", "(0 - 1) ^ 0.5", "exp(1000)"])
def test_maths_errors_are_formula_errors(text):
    with pytest.raises(FormulaError):
        evaluate(parse_formula(text), {"a": 1.0})


def test_nan_free_results():
    assert not math.isnan(evaluate(parse_formula("a * 0"), {"a": 1.0}))
