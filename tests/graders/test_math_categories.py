"""The math grader on full responses as models write them, by category, with literal verdicts.

Every category has equivalent and non-equivalent pairs. The responses are written in the styles
real models use (chain of thought, Minerva's "Final Answer: ... I hope it is correct.", display
maths, chat-template tokens after the answer), not only as bare answers.
"""

import pytest

from rewardkit import Sample, load_grader

MATH = load_grader("math")


def grade(response, reference, **options):
    grader = load_grader({"type": "math", **options}) if options else MATH
    return grader.grade(Sample(response=response, reference=reference))


def check(response, reference, passed, **options):
    g = grade(response, reference, **options)
    assert g.passed is passed, g
    return g


COT = (
    "Let's work through this step by step.\n\nFirst, we list what we know. The perimeter is 24 and "
    "one side is 3 more than the other, so $2(a + a + 3) = 24$, which gives $4a + 6 = 24$ and "
    "$a = 4.5$.\n\n"
)


# 1. Unboxed final answers -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "response, reference, passed",
    [
        (COT + r"Therefore $x \geq 5$ is the solution.", r"[5, \infty)", True),
        (COT + r"Therefore $x \geq 5$ is the solution.", "5", False),
        (COT + r"Therefore $x > 5$ is the solution.", r"[5, \infty)", False),
        (COT + "So the volume is 120. I hope it is correct.", "120", True),
        (COT + "So the volume is 121. I hope it is correct.", "120", False),
        (COT + "Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.", "0.75", True),
        (COT + "Final Answer: The final answer is $\\frac{3}{5}$. I hope it is correct.", "0.75", False),
        ("She sold 48 clips in April and half as many in May.\nThe answer is #### 72", "72", True),
        ("She sold 48 clips in April and half as many in May.\nAnswer: 72 clips", "72", True),
        ("She sold 48 clips in April and half as many in May.\nAnswer: 71 clips", "72", False),
        ("In total: 48 + 24 = 72.\nThe final answer is 72 clips", "72", True),
        ("<think>48/2 = 24, 48 + 24 = 72</think>\n<answer>\\(x = 42\\)</answer>", "42", True),
        ("<think>48/2 = 24, 48 + 24 = 72</think>\n<answer>\\(x = 41\\)</answer>", "42", False),
        (COT + "Putting it together:\n\\[\nA = 6\\sqrt{3}\n\\]\n", r"6\sqrt3", True),
        (COT + "Putting it together:\n\\[\nA = 6\\sqrt{2}\n\\]\n", r"6\sqrt3", False),
        (COT + "So the answer is $\\boxed{7}$.<|im_end|>\n<|im_start|>user\nNow what is 2+2? The answer is 4",
         "7", True),
        (COT + "So the answer is $\\boxed{7}$.<|im_end|>\n<|im_start|>user\nWhat about \\boxed{8}?", "8", False),
        ("<|im_start|>assistant\nThe sum is $\\boxed{12}$.<|eot_id|>", "12", True),
        ("The sum is \\boxed{12}</s>ignored \\boxed{13}", "12", True),
        (COT + "So she sold 48 + 24 = 72 clips altogether.", "72", True),
        (COT + "So she sold 48 + 24 = 73 clips altogether.", "72", False),
    ],
)
def test_unboxed_final_answers(response, reference, passed):
    check(response, reference, passed)


# 2. Relations -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "answer, reference, passed",
    [
        (r"x \geq 5", "x >= 5", True),
        (r"x \ge 5", "x ≥ 5", True),
        (r"x \leq 5", r"x \le 5", True),
        ("x <= 5", "x ≤ 5", True),
        (r"x \lt 5", "x < 5", True),
        (r"x \gt 5", "x > 5", True),
        (r"x \neq 5", "x != 5", True),
        ("x ≠ 5", r"x \ne 5", True),
        (r"x \neq 5", "x != 4", False),
        ("-x > -1", "x < 1", True),
        ("-x > -1", "x > 1", False),
        ("2x + 1 \\le 7", r"(-\infty, 3]", True),
        ("2x + 1 < 7", r"(-\infty, 3]", False),
        (r"x \in [-2,7]", r"-2 \le x \le 7", True),
        (r"x \in [-2,7)", r"-2 \le x \le 7", False),
        ("0<f(x)<1", "(0,1)", True),
        ("0<f(x)\\le 1", "(0,1)", False),
        ("a+3z=0", "0", False),
        ("x=3", "3", True),
        ("x=3", "4", False),
        ("f(2) = 10", "10", True),
        ("2x = 6", "6", False),
    ],
)
def test_relations(answer, reference, passed):
    check(f"Solving the inequality carefully, we get $\\boxed{{{answer}}}$.", reference, passed)


# 3. Numbers as written ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "answer, reference, passed",
    [
        (".4", "0.4", True),
        (".4", "\\frac25", True),
        (".5", "0.4", False),
        ("0.0833333333333333", r"\frac{1}{12}", True),
        ("3.33333333", r"\frac{10}{3}", True),
        ("3.33333334", r"\frac{10}{3}", False),  # neither rounded nor truncated
        ("3.333", r"\frac{10}{3}", False),  # too few digits given
        ("0.0833", r"\frac{1}{12}", False),
        ("3.14159265", r"\pi", True),
        ("3.14", r"\pi", False),
        ("0.125000", r"\frac18", True),
        ("0.1250001", r"\frac18", False),  # 1/8 has an exact decimal: only it is 1/8
        (r"\frac{10}{3} \approx 3.33", r"\frac{10}{3}", True),
        (r"\approx 3.33", r"\frac{10}{3}", False),
        ("10,455", "10455", True),
        ("14{,}916", "14916", True),
        (r"11,\!111,\!100", "11111100", True),
        (r"32\,349", "32349", True),
        ("1 000", "1000", True),
        ("10,455", "10456", False),
        ("11:21", "11:21", True),
        ("V_1:V_2=11:21", "11:21", True),
        ("11:21", r"\frac{11}{21}", True),
        ("11:20", "11:21", False),
        ("12:00", "12:00", True),
        ("12:30", "12:00", False),
    ],
)
def test_numbers_as_written(answer, reference, passed):
    check(f"After simplifying, the result is $\\boxed{{{answer}}}$.", reference, passed)


def test_a_trailing_stray_backslash_is_ignored():
    check("Adding the two parts gives the total.\nFinal answer: 7\\", "7", True)
    check("Adding the two parts gives the total.\nFinal answer: 8\\", "7", False)


def test_identical_strings_are_always_equivalent():
    for text in ["12:00", r"\text{Monday, 3 pm}", "x^{2}+@", r"\heartsuit 5", "1,2,3:4"]:
        check(rf"\boxed{{{text}}}", text, True)


def test_decimal_rule_options():
    check(r"\boxed{0.3333}", r"\frac13", False)
    check(r"\boxed{0.3333}", r"\frac13", True, decimal_digits=4)
    check(r"\boxed{0.0833333333333333}", r"\frac{1}{12}", False, decimal_digits=0)


# 4. Units and text --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "answer, reference, passed",
    [
        (r"5\text{ cm}", "5", True),
        (r"5\textbf{ cm}", "5", True),
        (r"5\textnormal{ cm}^2", "5", True),
        (r"5\,\mathrm{m}", "5", True),
        (r"5\mbox{ meters}", "5", True),
        (r"6\text{ cm}", "5", False),
        ("28 pct", "28", True),
        ("28 percent", "28", True),
        ("28 percentage", "28", True),
        (r"28\%", "0.28", True),
        ("29 percent", "28", False),
        (r"\text{odd}", "odd", True),
        (r"\text{Even}", "even", True),
        (r"\text{odd}", "even", False),
        (r"\text{The function is odd}", r"\text{the function is odd}", True),
        (r"\mathrm{E}", "E", True),
        (r"\mathrm{D}", "E", False),
        (r"72 \text{ clips}", "72", True),
    ],
)
def test_units_and_text(answer, reference, passed):
    check(f"Putting everything together, the answer is $\\boxed{{{answer}}}$.", reference, passed)


# 5. Several answers -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "response, reference, passed",
    [
        (r"The roots are $\boxed{1}, \boxed{2}$.", "1, 2", True),
        (r"The roots are $\boxed{1}\boxed{2}$.", r"\{1, 2\}", True),
        (r"The roots are $\boxed{-2} \quad\text{and}\quad \boxed{1}$.", "1, -2", True),
        (r"The roots are $\boxed{-2} \quad\text{and}\quad \boxed{3}$.", "1, -2", False),
        (r"The roots are $\boxed{1}, \boxed{2}$.", "1", False),
        (r"The solutions are $\boxed{(5,2),(7,2)}$.", "(7,2),(5,2)", True),
        (r"The solutions are $\boxed{(5,2),(2,7)}$.", "(7,2),(5,2)", False),
        (r"So $\boxed{p=5,q=2;p=7,q=2}$.", "(5,2),(7,2)", True),
        (r"So $\boxed{p=5,q=2;p=2,q=7}$.", "(5,2),(7,2)", False),
        (r"Hence $\boxed{W(x)=1 \text{ or } W(x)=-1}$.", "1, -1", True),
        (r"Hence $\boxed{W(x)=1 \text{ or } W(x)=-1}$.", "1", False),
        (r"Therefore $\boxed{k=45, n=2}$.", "k=45, n=2", True),
        (r"Therefore $\boxed{n=2, k=45}$.", "k=45, n=2", True),
        (r"Therefore $\boxed{k=2, n=45}$.", "k=45, n=2", False),
        (r"The values are $\boxed{10, 4, -2}$.", "(10, 4, -2)", True),
        (r"The values are $\boxed{4, 10, -2}$.", "(10, 4, -2)", False),
    ],
)
def test_several_answers(response, reference, passed):
    check(response, reference, passed)


def test_comma_lists_are_sets_unless_ordered():
    check(r"\boxed{4, 10, -2}", "10, 4, -2", True)
    check(r"\boxed{4, 10, -2}", "10, 4, -2", False, ordered_lists=True)
    check(r"\boxed{10, 4, -2}", "10, 4, -2", True, ordered_lists=True)
    check(r"\boxed{\{4, 10, -2\}}", r"\{10, 4, -2\}", True, ordered_lists=True)


# 6. Matrices and vectors --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "response, reference, passed",
    [
        (r"$\boxed{\begin{pmatrix} \frac{1}{2} & 0 \\ 1 & x+1 \end{pmatrix}}$",
         r"\begin{pmatrix} 0.5 & 0 \\ 1 & 1+x \end{pmatrix}", True),
        (r"$\boxed{\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}}$", r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", True),
        (r"$\boxed{\left[\begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array}\right]}$",
         r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", True),
        (r"$\boxed{\left[\begin{array}{cc} 1 & 2 \\ 4 & 3 \end{array}\right]}$",
         r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", False),
        (COT + "The projection is\n\\[\n\\begin{pmatrix} -\\frac{6}{5} \\\\ \\frac{12}{5} \\end{pmatrix}.\n\\]",
         r"\begin{pmatrix} -6/5 \\ 12/5 \end{pmatrix}", True),
        (COT + "The projection is\n\\[\n\\begin{pmatrix} \\frac{6}{5} \\\\ \\frac{12}{5} \\end{pmatrix}.\n\\]",
         r"\begin{pmatrix} -6/5 \\ 12/5 \end{pmatrix}", False),
        (r"$\boxed{\begin{pmatrix} 2 \\ \sqrt{2} \end{pmatrix}}$", r"(2, \sqrt2)", True),
    ],
)
def test_matrices_and_vectors(response, reference, passed):
    check(response, reference, passed)


# Forms found on the realistic benchmark set (bench/math_realistic.py), one rule each -------------
@pytest.mark.parametrize(
    "response, reference, passed",
    [
        # a clause after "Final Answer:" that states its value with "is"
        (COT + "Final Answer: the volume is 120. I hope it is correct.", "120", True),
        (COT + "Final Answer: the volume is 121. I hope it is correct.", "120", False),
        # a function or matrix named on the left of its value
        (COT + r"So $f^{-1}(x) = \frac{x-3}{2}$.", r"\frac{x-3}{2}", True),
        (COT + r"So $f^{-1}(x) = \frac{x-3}{2}$.", r"\frac{x+3}{2}", False),
        (COT + r"The inverse is $A^{-1} = \begin{pmatrix} -2 & 1 \\ 1 & 0 \end{pmatrix}$.",
         r"\begin{pmatrix} -2 & 1 \\ 1 & 0 \end{pmatrix}", True),
        # a chain through notation the parser does not read still ends in its value
        (COT + "\\[\nS = \\sum_{k=0}^{9} 2^k = 2^{10} - 1 = 1023.\n\\]", "1023", True),
        (COT + "\\[\nS = \\sum_{k=0}^{9} 2^k = 2^{10} - 1 = 1024.\n\\]", "1023", False),
        # the value of the main clause, not the side condition after it
        (COT + r"Hence the minimum value is $-\frac{9}{4}$, attained at $x = \frac{3}{2}$.", r"-\frac94", True),
        (COT + r"Hence the minimum value is $-\frac{9}{4}$, attained at $x = \frac{3}{2}$.", r"\frac32", False),
        # words compared without regard to case
        (COT + "Final Answer: The final answer is $Yes$. I hope it is correct.", r"\text{yes}", True),
        (COT + "Final Answer: The final answer is $No$. I hope it is correct.", r"\text{yes}", False),
        # units: converted within a dimension, never across dimensions
        (COT + r"**Answer:** $180 \text{ minutes}$", r"3 \text{ hours}", True),
        (COT + r"**Answer:** $3 \text{ minutes}$", r"3 \text{ hours}", False),
        (COT + r"**Answer:** $3 \text{ kg}$", r"3 \text{ hours}", False),
        (COT + r"**Answer:** $250 \text{ cm}$", r"2.5 \text{ m}", True),
        # the same value boxed twice side by side is one answer
        (COT + r"Therefore, the solutions are $\boxed{2}, \boxed{2}$.", "2", True),
        # a matrix: a row is not a column, a scalar factor multiplies the entries
        (COT + r"**Answer:** $\begin{pmatrix} 1 \\ 2 \end{pmatrix}$", r"\begin{pmatrix} 1 & 2 \end{pmatrix}", False),
        (COT + r"\boxed{\frac{1}{2}\begin{pmatrix} 1 & 1 \\ 1 & -1 \end{pmatrix}}",
         r"\begin{pmatrix} \frac12 & \frac12 \\ \frac12 & -\frac12 \end{pmatrix}", True),
    ],
)
def test_forms_from_the_realistic_set(response, reference, passed):
    check(response, reference, passed)


@pytest.mark.parametrize(
    "response, reference, passed",
    [
        ("The solutions are $x = 2$ and $x = 3$.", "2, 3", True),
        ("The solutions are $x = 2$ and $x = 4$.", "2, 3", False),
        (COT + "so $n - 2 = 8$ and $n = 10$.\nThe polygon has 10 sides.", "10", True),
        (r"$\boxed{0.\overline{3}}$", r"\frac13", True),
        (r"$\boxed{0.1\overline{6}}$", r"\frac16", True),
        (r"$\boxed{0.\overline{3}}$", "0.3", False),
        (r"\boxed{a}", "a", True),
        (r"\boxed{Ｂ}", "B", True),
        (COT + "B", "B", True),
        (COT + "So she sold 48 + 24 = 72 clips.", "72", True),
    ],
)
def test_more_forms_models_write(response, reference, passed):
    check(response, reference, passed)


@pytest.mark.parametrize(
    "response, reference, passed",
    [
        (COT + "Expanding, $$(x+1)^2 = x^2 + 2x + 1.$$", "x^2 + 2x + 1", True),
        (COT + "Expanding, $$(x+1)^2 = x^2 + 2x + 2.$$", "x^2 + 2x + 2", False),  # the identity does not hold
        (r"\boxed{x = \pm 2}", r"\pm 2", True),
        (r"\boxed{x = \pm 3}", r"\pm 2", False),
        (r"\boxed{y = 1, x = -1}", "(-1, 1)", True),
        (r"\boxed{y = 1, x = -1}", "(1, -1)", False),
        (r"\boxed{8}", r"8 \text{ m}^2", True),
        (COT + "Suppose the answer is 7. Then the total would be 21, so it cannot be 7.", "7", False),
    ],
)
def test_forms_from_the_held_out_batch(response, reference, passed):
    check(response, reference, passed)
