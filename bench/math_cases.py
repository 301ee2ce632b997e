"""A labelled set of (reference, response, equivalent) cases for maths verifiers, written for the project.

This set was written by the people who wrote the ``math`` grader, alongside it (grader bugs it exposed
were fixed before its figures were recorded). The independent set of realistic full responses, labelled
without reference to the grader, is ``bench/math_realistic.py``.

Every core pair below was written by hand with its verdict. ``cases()`` wraps each pair in
several response styles (a boxed answer, an "answer is" sentence, a long chain of thought with
distracting intermediate numbers) so that extraction is exercised together with equivalence.
Used by ``bench/math_vs_mathverify.py`` and by the regression test of the math grader.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    category: str
    reference: str
    response: str
    equivalent: bool
    style: str
    note: str = ""  # what the case checks (the realistic set fills it in)
    rule: str = ""  # the labelling rule a verdict depends on, when one had to be decided


# (category, reference, answer as the model writes it, equivalent)
CORE: list[tuple[str, str, str, bool]] = [
    # LaTeX normalisation
    ("latex", r"\frac{1}{2}", r"\dfrac{1}{2}", True),
    ("latex", r"\frac{1}{2}", r"\tfrac12", True),
    ("latex", r"\frac{1}{2}", r"\frac12", True),
    ("latex", r"\frac{3}{4}", r"\left(\frac{3}{4}\right)", True),
    ("latex", r"2\sqrt{2}", r"2\sqrt2", True),
    ("latex", r"\sqrt{8}", r"2\sqrt{2}", True),
    ("latex", r"\frac{\sqrt{3}}{2}", r"\frac{1}{2}\sqrt{3}", True),
    ("latex", r"\frac{1}{2}", r"\frac{1}{3}", False),
    ("latex", r"2\sqrt{2}", r"2\sqrt{3}", False),
    ("latex", r"\frac{3}{4}", r"\frac{4}{3}", False),
    ("latex", "1000000", "1,000,000", True),
    ("latex", "12345", "12{,}345", True),
    ("latex", "1000000", "100,000", False),
    ("latex", "18", r"\$18", True),
    ("latex", "18", r"\$18.00", True),
    ("latex", "18", r"\$19", False),
    ("latex", "90", r"90^\circ", True),
    ("latex", "90", r"90^{\circ}", True),
    ("latex", "45", r"90^\circ", False),
    ("latex", "5", r"5\text{ cm}", True),
    ("latex", "12", r"12 \text{ apples}", True),
    ("latex", "7", r"7\mbox{ meters}", True),
    ("latex", "5", r"6\text{ cm}", False),
    ("latex", "25", r"25\%", True),
    ("latex", "0.25", r"25\%", True),
    ("latex", "25", r"35\%", False),
    ("latex", r"\pi", r"\pi", True),
    ("latex", r"2\pi", r"\pi \cdot 2", True),
    ("latex", r"2\pi", r"\pi", False),
    ("latex", r"6", r"2 \times 3", True),
    ("latex", r"3", r"6 \div 2", True),
    ("latex", r"7", r"2 \times 3", False),
    # mixed numbers and scientific notation
    ("mixed_sci", "2.5", r"2\frac{1}{2}", True),
    ("mixed_sci", r"\frac{7}{2}", r"3\frac12", True),
    ("mixed_sci", "1.5", "1 1/2", True),
    ("mixed_sci", "2.5", r"2\frac{1}{3}", False),
    ("mixed_sci", "0.001", "1e-3", True),
    ("mixed_sci", "0.0015", r"1.5 \times 10^{-3}", True),
    ("mixed_sci", "3000000", r"3 \cdot 10^6", True),
    ("mixed_sci", "602200000000000000000000", r"6.022\times10^{23}", True),
    ("mixed_sci", "0.01", "1e-3", False),
    ("mixed_sci", "3000000", r"3 \times 10^{5}", False),
    # Unicode maths
    ("unicode", r"\sqrt{3}", "√3", True),
    ("unicode", r"\frac{\pi}{4}", "π/4", True),
    ("unicode", "12", "3 × 4", True),
    ("unicode", "-5", "−5", True),
    ("unicode", r"x^2+1", "x²+1", True),
    ("unicode", r"(-\infty, 3]", "x ≤ 3", True),
    ("unicode", r"\sqrt{2}", "√3", False),
    ("unicode", r"\frac{\pi}{2}", "π/4", False),
    ("unicode", "5", "−5", False),
    ("unicode", r"x^2+1", "x³+1", False),
    # number words
    ("words", "12", "twelve", True),
    ("words", "21", "twenty-one", True),
    ("words", "105", "one hundred and five", True),
    ("words", "0.5", "one half", True),
    ("words", "12", "eleven", False),
    ("words", "30", "thirteen", False),
    # plain-text maths
    ("plain_text", r"\frac{\sqrt{3}}{3}", "sqrt(3)/3", True),
    ("plain_text", r"\frac{\pi}{2}", "pi/2", True),
    ("plain_text", r"e^{16}", "exp(16)", True),
    ("plain_text", "1024", "2^10", True),
    ("plain_text", "1024", "2**10", True),
    ("plain_text", "0.001", "1e-3", True),
    ("plain_text", r"\frac{1}{\sqrt{3}}", "sqrt(3)/3", True),
    ("plain_text", r"\ln 2", "ln(2)", True),
    ("plain_text", r"\frac{\sqrt{3}}{3}", "sqrt(3)/2", False),
    ("plain_text", r"\frac{\pi}{2}", "pi/3", False),
    ("plain_text", r"e^{16}", "exp(15)", False),
    ("plain_text", "1024", "2^11", False),
    # exact arithmetic: no float chop
    ("exact", r"\frac{1}{2^{98}}", r"\frac{1}{2^{99}}", False),
    ("exact", r"\frac{1}{2^{99}}", r"2^{-99}", True),
    ("exact", "1267650600228229401496703205377", r"2^{100}+1", True),
    ("exact", "1267650600228229401496703205377", r"2^{100}", False),
    ("exact", r"\frac{1}{3}", "0.333", False),
    ("exact", r"\frac{1}{3}", "0.3333333", True),  # 7 digits, truncated: the decimal rule (README)
    ("exact", r"\frac{1}{3}", "0.33333", False),  # 5 significant digits: too few for the decimal rule
    ("exact", r"\frac{2}{3}", r"\frac{4}{6}", True),
    ("exact", "0.1", r"\frac{1}{10}", True),
    ("exact", "100000000000000000001", "100000000000000000000", False),
    ("exact", "123456789123456789", "123456789123456789", True),
    ("exact", r"10^{-20}", "0", False),
    ("exact", r"3^{40}", "12157665459056928801", True),
    ("exact", r"3^{40}", "12157665459056928800", False),
    ("exact", "0.5", "0.50", True),
    ("exact", "7", "7.0", True),
    ("exact", "7", "7.01", False),
    # irrational values compared numerically
    ("numeric", r"\frac{\sqrt{3}}{3}", r"\frac{1}{\sqrt{3}}", True),
    ("numeric", r"\sqrt{2}", r"\frac{2}{\sqrt{2}}", True),
    ("numeric", r"2", r"e^{\ln 2}", True),
    ("numeric", r"\frac{\sqrt{2}}{2}", r"\sin\frac{\pi}{4}", True),
    ("numeric", r"\sqrt{2}", "1.414", False),
    ("numeric", r"\pi", "3.14", False),
    ("numeric", r"\frac{\sqrt{3}}{3}", r"\frac{1}{\sqrt{2}}", False),
    ("numeric", r"\log_2 8", "3", True),
    ("numeric", r"\log_2 8", "4", False),
    # ordered tuples and points
    ("tuple", "(1, 2)", "(1,2)", True),
    ("tuple", "(1, 2)", r"\left(1, 2\right)", True),
    ("tuple", r"(\frac{1}{2}, 3)", "(0.5, 3)", True),
    ("tuple", "(1, 2)", "(2, 1)", False),
    ("tuple", "(1, 2, 3)", "(1, 2)", False),
    ("tuple", r"(3, -\frac{1}{2})", "(3, -0.5)", True),
    # unordered sets and solution lists
    ("set", r"\{1, 2, 3\}", r"\{3, 2, 1\}", True),
    ("set", r"\{1, 2\}", r"\{1, 3\}", False),
    ("set", "2, 3", "3, 2", True),
    ("set", "2, 3", r"x = 2 \text{ or } x = 3", True),
    ("set", "2, 3", "x=2, x=3", True),
    ("set", "-2, 2", r"\pm 2", True),
    ("set", r"1+\sqrt{2}, 1-\sqrt{2}", r"1 \pm \sqrt{2}", True),
    ("set", "2, 3", "2, 4", False),
    ("set", "2, 3", "2", False),
    ("set", "-2, 2", r"\pm 3", False),
    # intervals, unions, inequalities
    ("interval", "[1, 2)", "[1,2)", True),
    ("interval", "(1, 2]", "[1, 2)", False),
    ("interval", r"(-\infty, 1) \cup (2, \infty)", r"(2, \infty) \cup (-\infty, 1)", True),
    ("interval", r"(-\infty, 1) \cup (2, \infty)", "x<1 or x>2", True),
    ("interval", r"(-\infty, 1) \cup (2, \infty)", r"x \le 1 \text{ or } x > 2", False),
    ("interval", r"(-\infty, 3]", r"x \le 3", True),
    ("interval", r"(-\infty, 3]", "x < 3", False),
    ("interval", "(1, 2]", r"1 < x \le 2", True),
    ("interval", "(1, 2]", r"1 \le x \le 2", False),
    ("interval", r"[0, \infty)", r"x \geq 0", True),
    ("interval", r"[0, \infty)", r"x > 0", False),
    ("interval", r"(-\infty, \infty)", r"\mathbb{R}", True),
    ("interval", r"[2, 5]", r"x \in [2, 5]", True),
    ("interval", r"(2, 5)", r"2 < x < 5", True),
    ("interval", r"(2, 5)", r"2 < x < 6", False),
    # equations
    ("equation", "3", "x = 3", True),
    ("equation", "x = 3", "3", True),
    ("equation", "3", "x = 4", False),
    ("equation", "y = 2x + 1", "2x - y + 1 = 0", True),
    ("equation", "y = 2x + 1", "y = 1 + 2x", True),
    ("equation", "y = 2x + 1", "2x - y + 2 = 0", False),
    ("equation", "x^2 + y^2 = 1", "y^2 + x^2 = 1", True),
    ("equation", "x^2 + y^2 = 1", "2x^2 + 2y^2 = 2", True),
    ("equation", "x^2 + y^2 = 1", "x^2 + y^2 = 2", False),
    ("equation", "y = -x + 4", "x + y = 4", True),
    # matrices and vectors
    ("matrix", r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\begin{bmatrix}1&2\\3&4\end{bmatrix}", True),
    ("matrix", r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\begin{pmatrix}1&2\\4&3\end{pmatrix}", False),
    ("matrix", r"\begin{pmatrix} \frac12 & 0 \\ 0 & 1 \end{pmatrix}", r"\begin{pmatrix}0.5&0\\0&1\end{pmatrix}", True),
    ("matrix", r"\begin{pmatrix} 1 \\ 2 \\ 3 \end{pmatrix}", "(1, 2, 3)", True),
    ("matrix", r"\begin{pmatrix} 1 \\ 2 \\ 3 \end{pmatrix}", "(1, 3, 2)", False),
    ("matrix", r"\begin{pmatrix} 2 \\ -1 \end{pmatrix}", r"\begin{pmatrix}2\\-1\end{pmatrix}", True),
    # complex numbers
    ("complex", "3+4i", "4i+3", True),
    ("complex", "3+4i", "3-4i", False),
    ("complex", "i", r"\sqrt{-1}", True),
    ("complex", "2i", "i+i", True),
    ("complex", r"\frac{1}{2}+\frac{\sqrt{3}}{2}i", r"\frac{1+i\sqrt{3}}{2}", True),
    ("complex", "1+i", "1-i", False),
    # infinities
    ("infinity", r"\infty", r"\infty", True),
    ("infinity", r"\infty", "∞", True),
    ("infinity", r"-\infty", r"\infty", False),
    ("infinity", r"\infty", "1000000", False),
    # symbolic
    ("symbolic", "x^2+2x+1", "(x+1)^2", True),
    ("symbolic", "x^2+1", "(x+1)^2", False),
    ("symbolic", "1", r"\sin^2 x + \cos^2 x", True),
    ("symbolic", "x+1", r"\frac{x^2-1}{x-1}", True),
    ("symbolic", r"\frac{1}{x}+\frac{1}{y}", r"\frac{x+y}{xy}", True),
    ("symbolic", r"\frac{1}{x}+\frac{1}{y}", r"\frac{1}{x+y}", False),
    ("symbolic", "2a+2b", "2(a+b)", True),
    ("symbolic", "2a+2b", "2(a-b)", False),
    ("symbolic", r"\sin 2x", r"2 \sin x \cos x", True),
    ("symbolic", r"\sin 2x", r"2 \sin x", False),
    ("symbolic", r"e^{2x}", r"(e^x)^2", True),
    ("symbolic", r"\frac{n(n+1)}{2}", r"\frac{n^2+n}{2}", True),
    ("symbolic", r"\frac{n(n+1)}{2}", r"\frac{n^2-n}{2}", False),
    # text answers
    ("text", r"\text{blue}", "blue", True),
    ("text", "Tuesday", r"\text{Tuesday}", True),
    ("text", "Tuesday", "Wednesday", False),
    ("text", r"\text{even}", r"\text{odd}", False),
]

# (reference letter, response text, equivalent): multiple choice.
CHOICE: list[tuple[str, str, bool]] = [
    ("B", "The answer is (B).", True),
    ("B", r"Therefore the correct option is \boxed{B}.", True),
    ("C", r"So the answer is $\text{(C)}$.", True),
    ("D", "After checking each choice, option D works.", True),
    ("A", "Answer: A", True),
    ("B", "(B) 12\nThis is correct because 3 x 4 = 12.", True),
    ("B", "The answer is (C).", False),
    ("A", r"\boxed{D}", False),
    ("E", "I would go with option B.", False),
    ("C", "Answer: B", False),
]

# (reference, response, equivalent): where the answer has to be found.
EXTRACTION: list[tuple[str, str, bool]] = [
    ("5", r"First \boxed{3}, but on reflection \boxed{5}.", False),  # a hedge: two different boxes
    ("3", r"First \boxed{3}, but on reflection \boxed{5}.", False),
    (r"\{1, \{2\}\}", r"The set is \boxed{\{1, \{2\}\}}", True),
    ("7", r"\fbox{7}", True),
    ("5", r"so $\boxed 5$", True),
    ("42", "The final answer is 42.", True),
    ("42", "Final answer: 42", True),
    ("3.5", "Final answer: 3.5", True),
    ("18", "Janet sells 16 - 3 - 4 = 9 duck eggs a day.\nShe makes 9 * 2 = $18.\n#### 18", True),
    ("17", "Janet sells 16 - 3 - 4 = 9 duck eggs a day.\nShe makes 9 * 2 = $18.\n#### 18", False),
    ("12", "<think>maybe 10</think><answer>12</answer>", True),
    ("10", "<think>maybe 10</think><answer>12</answer>", False),
    ("6", r"<think>I think \boxed{5}.</think> The answer is 6.", True),
    ("5", r"<think>I think \boxed{5}.</think> The answer is 6.", False),
    ("4", "I think it is 3, no wait, it is 4", False),  # commits to no single number
    ("3", "I think it is 3, no wait, it is 4", False),
    ("8", "**Answer:** 8", True),
    (r"\frac{3}{4}", r"so the final answer is $\frac{3}{4}$.", True),
    ("27", "The answer is: 27 marbles.", True),
    ("1/2", r"The probability is therefore $\boxed{\dfrac{1}{2}}$.", True),
]

_FILLER = [
    "Let me restate the problem to make sure I understand what is being asked.",
    "We are given several quantities, and we need to combine them carefully.",
    "A common mistake here would be to forget a case, so let us be systematic.",
    "Checking the arithmetic once more to avoid a silly error.",
    "This matches the constraint from the problem statement, which is reassuring.",
    "Alternatively, we could set up an equation, but direct counting is simpler.",
]


def long_chain_of_thought(answer: str, rng: random.Random) -> str:
    """A realistic long response: steps with distracting numbers, then the boxed answer."""
    steps = []
    for i in range(rng.randint(14, 22)):
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        kind = rng.random()
        if kind < 0.4:
            steps.append(f"Step {i + 1}: we compute ${a} \\times {b} = {a * b}$, so the partial total is {a * b + i}.")
        elif kind < 0.7:
            steps.append(f"Step {i + 1}: dividing gives $\\frac{{{a}}}{{{b}}} \\approx {a / b:.3f}$. " + rng.choice(_FILLER))
        else:
            steps.append(f"Step {i + 1}: " + rng.choice(_FILLER) + f" Note that ${a}^2 = {a * a}$.")
    intro = "<think>\n" + "\n".join(steps[: len(steps) // 2]) + "\nWait, let me double-check.\n</think>\n"
    return intro + "\n".join(steps[len(steps) // 2 :]) + f"\n\nTherefore, the final answer is $\\boxed{{{answer}}}$."


def cases(seed: int = 0) -> list[Case]:
    """The whole labelled set: every core pair in three response styles, plus choice and extraction cases."""
    rng = random.Random(seed)
    out: list[Case] = []
    for category, reference, answer, equivalent in CORE:
        out.append(Case(category, reference, f"So the answer is $\\boxed{{{answer}}}$.", equivalent, "boxed"))
        out.append(Case(category, reference, f"The answer is ${answer}$.", equivalent, "answer_is"))
        out.append(Case(category, reference, long_chain_of_thought(answer, rng), equivalent, "long_cot"))
    out += [Case("choice", ref, resp, eq, "choice") for ref, resp, eq in CHOICE]
    out += [Case("extraction", ref, resp, eq, "extraction") for ref, resp, eq in EXTRACTION]
    return out


# Inputs that try to make a verifier hang, exhaust memory, or run code. None equals its reference.
ADVERSARIAL: list[tuple[str, str]] = [
    ("tower", r"\boxed{9^{9^{9^9}}}"),
    ("tower_text", "The answer is 9**9**9**9."),
    ("factorial", r"\boxed{1000000!}"),
    ("huge_power", r"\boxed{10^{10^{10}}}"),
    ("huge_power_text", "2**(10**10)"),
    ("nested_braces", r"\boxed{" + "{" * 100_000 + "1" + "}" * 100_000 + "}"),
    ("nested_parens", r"\boxed{" + "(" * 50_000 + "1" + ")" * 50_000 + "}"),
    ("sum_1mb", r"\boxed{" + "+".join(["1"] * 300_000) + "}"),
    ("python_import", r"\boxed{__import__('os').system('touch /tmp/rewardkit_pwned')}"),
    ("python_exec", "The answer is exec(\"open('/tmp/rewardkit_pwned','w')\")."),
    ("python_eval_lambda", r"\boxed{(lambda: __import__('os').system('touch /tmp/rewardkit_pwned'))()}"),
    ("sympify_payload", r"\boxed{Symbol('x').__class__.__mro__[-1].__subclasses__()}"),
]
