"""The math grader: extraction, normalisation, structures and equivalence, with literal verdicts."""

import threading

import pytest

from rewardkit import Sample, load_grader

MATH = load_grader("math")


def verdict(response, reference, **options):
    grader = load_grader({"type": "math", **options}) if options else MATH
    return grader.grade(Sample(response=response, reference=reference))


@pytest.mark.parametrize(
    "response, extracted",
    [
        (r"so the result is \boxed{\frac{1}{2}}.", r"\frac{1}{2}"),
        (r"first \boxed{1} then \boxed{2}", "2"),
        (r"\boxed{\{1, \{2\}\}}", r"\{1, \{2\}\}"),
        (r"\fbox{7}", "7"),
        (r"\boxed 5 is it", "5"),
        ("The answer is 42.", "42"),
        ("Final answer: 3.5", "3.5"),
        ("so the final answer is $\\frac{3}{4}$.", r"\frac{3}{4}"),
        ("Janet sells 16 - 3 - 4 = 9 eggs.\n#### 18", "18"),
        ("<answer>12</answer>", "12"),
        ("Answer: 7 apples", "7 apples"),
        ("I think it is 3, no wait, 4", None),  # two numbers in the last sentence: no commitment
        ("<think>the answer is 5</think>The answer is 6.", "6"),
    ],
)
def test_extraction(response, extracted):
    assert MATH.extract_answer(response) == extracted


def test_extraction_options():
    assert verdict("It is 12 apples", "12").passed  # the one number of a committing last sentence
    assert verdict("It is 12 apples", "12", fallback="none").error == "no_answer"
    assert verdict("I think it is 3, no wait, 4", "4", fallback="last_number").passed
    assert verdict("<think>\\boxed{5}</think> I give up", "5").error == "no_answer"
    assert verdict("<think>\\boxed{5}</think> I give up", "5", ignore_thinking=False).passed
    assert verdict(r"The answer is 3. \boxed{4}", "3", extract=["answer_is", "boxed"], allow_hedges=True).passed
    assert verdict(r"The answer is 3. \boxed{4}", "3", extract=["answer_is", "boxed"]).error == "hedge"
    assert not verdict(r"The answer is 3. \boxed{4}", "3").passed


@pytest.mark.parametrize(
    "response, reference, passed",
    [
        # numbers and normalisation
        (r"\boxed{0.5}", r"\frac12", True),
        (r"\boxed{\dfrac{1}{2}}", "1/2", True),
        (r"\boxed{\tfrac{3}{6}}", "0.5", True),
        (r"\boxed{\left(\frac{1}{2}\right)}", "0.5", True),
        (r"\boxed{1,000,000}", "1000000", True),
        (r"\boxed{50\%}", "50", True),
        (r"\boxed{50\%}", "0.5", True),
        (r"\boxed{5\text{ cm}}", "5", True),
        (r"\boxed{90^\circ}", "90", True),
        (r"\boxed{\$4.50}", "4.5", True),
        (r"\boxed{2\frac12}", "2.5", True),
        (r"\boxed{1 1/2}", "3/2", True),
        (r"\boxed{1.5\times10^{-3}}", "0.0015", True),
        (r"\boxed{1e-3}", "0.001", True),
        ("√3", r"\sqrt{3}", True),
        ("π/4", r"\frac{\pi}{4}", True),
        ("3 × 4 − 2", "10", True),
        ("sqrt(3)/3", r"\frac{\sqrt{3}}{3}", True),
        ("pi/2", r"\frac{\pi}{2}", True),
        ("exp(16)", "e^{16}", True),
        ("2^10", "1024", True),
        (r"\boxed{\frac{1}{\sqrt{3}}}", r"\frac{\sqrt3}{3}", True),
        # exact arithmetic: no float chop
        (r"\boxed{\frac{1}{2^{99}}}", r"\frac{1}{2^{98}}", False),
        (r"\boxed{2^{100}+1}", "1267650600228229401496703205377", True),
        (r"\boxed{2^{100}}", "1267650600228229401496703205377", False),
        (r"\boxed{0.333}", r"\frac13", False),
        (r"\boxed{3}", "4", False),
        # structures
        (r"\boxed{(1, 2)}", "(1,2)", True),
        (r"\boxed{(2, 1)}", "(1,2)", False),
        (r"\boxed{3, 2}", "2, 3", True),
        (r"\boxed{\{3, 2\}}", r"\{2, 3\}", True),
        (r"\boxed{x=2 \text{ or } x=3}", "2, 3", True),
        (r"\boxed{[1, 2)}", "[1,2)", True),
        (r"\boxed{(1, 2]}", "[1,2)", False),
        (r"\boxed{(-\infty, 1) \cup (2, \infty)}", r"(2,\infty)\cup(-\infty,1)", True),
        ("x<1 or x>2", r"(-\infty,1)\cup(2,\infty)", True),
        (r"\boxed{x \le 3}", r"(-\infty, 3]", True),
        (r"\boxed{x < 3}", r"(-\infty, 3]", False),
        (r"\boxed{1 < x \le 2}", "(1, 2]", True),
        (r"\boxed{x=3}", "3", True),
        (r"\boxed{y=2x+1}", "2x-y+1=0", True),
        (r"\boxed{y=2x+2}", "2x-y+1=0", False),
        (r"\boxed{\begin{pmatrix}1 & 2\\3 & 4\end{pmatrix}}", r"\begin{bmatrix}1&2\\3&4\end{bmatrix}", True),
        (r"\boxed{\begin{pmatrix}1 & 2\\3 & 5\end{pmatrix}}", r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", False),
        (r"\boxed{\begin{pmatrix}1\\2\end{pmatrix}}", "(1,2)", True),
        (r"\boxed{4i+3}", "3+4i", True),
        (r"\boxed{3-4i}", "3+4i", False),
        (r"\boxed{\infty}", r"\infty", True),
        (r"\boxed{1 \pm \sqrt{2}}", r"1+\sqrt2, 1-\sqrt2", True),
        # symbolic
        (r"\boxed{(x+1)^2}", "x^2+2x+1", True),
        (r"\boxed{(x+1)^2}", "x^2+1", False),
        (r"\boxed{\sin^2 x + \cos^2 x}", "1", True),
        (r"\boxed{\frac{x^2-1}{x-1}}", "x+1", True),
        # text answers
        (r"\boxed{\text{blue}}", "Blue", True),
        (r"\boxed{\text{red}}", "blue", False),
    ],
)
def test_equivalence(response, reference, passed):
    g = verdict(response, reference)
    assert g.passed is passed, g


@pytest.mark.parametrize(
    "response, reference, passed",
    [
        ("The answer is (B).", "B", True),
        (r"\boxed{B}", "(B)", True),
        (r"\boxed{\text{(C)}}", "C", True),
        ("B: because the slope is 2", "B", True),
        ("I pick option D", "D", True),
        ("The answer is (A).", "B", False),
    ],
)
def test_multiple_choice(response, reference, passed):
    g = verdict(response, reference)
    assert g.passed is passed and g.extracted in "ABCD"


def test_number_words_only_when_asked():
    assert verdict("twelve", "12").score == 0.0
    assert verdict(r"\boxed{\text{forty-two}}", "42").score == 0.0
    assert verdict("twelve", "12", number_words=True).passed
    assert verdict(r"\boxed{\text{forty-two}}", "42", number_words=True).passed


def test_tolerance_option():
    assert not verdict(r"\boxed{3.1416}", r"\pi").passed
    assert verdict(r"\boxed{3.1416}", r"\pi", rel_tol=1e-4).passed
    assert not verdict(r"\boxed{50\%}", "0.5", percent=False).passed


def test_references_can_be_whole_solutions():
    assert verdict("#### 18", "She makes 9 * 2 = 18 dollars.\n#### 18").passed
    assert verdict("18", r"so \boxed{18}").passed


def test_unreadable_answer_is_a_parse_error():
    g = verdict(r"\boxed{3 + * 4}", "7")
    assert g.error == "parse_error" and g.score == 0.0


@pytest.mark.parametrize(
    "answer",
    [r"9^{9^{9^9}}", "1000000!", "10^{10^{10}}", "(" * 5000 + "1" + ")" * 5000, "+".join(["1"] * 100_000),
     "__import__('os').system('echo pwned')", "exec('import os')"],
)
def test_adversarial_answers_are_refused_not_timed_out(answer):
    g = verdict(rf"\boxed{{{answer}}}", "5")
    assert not g.passed and g.error != "timeout", g


def test_timeout_works_off_the_main_thread():
    grader = load_grader({"type": "math", "timeout_s": 0.2})
    hard = r"\boxed{\frac{\sin(x)^{7} \cos(x)^{5} - \tan(x)^{3}}{\sinh(x)^{3} + \ln(x)^{4}}}"
    results = []
    # A response whose numeric check cannot decide forces the bounded sympy path.
    thread = threading.Thread(target=lambda: results.append(
        grader.grade(Sample(response=hard, reference=r"\frac{\sin(x)^7\cos(x)^5-\tan(x)^3}{\sinh(x)^3+\ln(x)^4}"))))
    thread.start()
    thread.join(60)
    assert results
    assert results[0].passed or results[0].error == "timeout"


def test_grade_batch_equals_grade():
    samples = [Sample(response=r, reference=ref) for r, ref in [(r"\boxed{2}", "2"), ("x", "3"), ("1/2", "0.5")]]
    assert MATH.grade_batch(samples) == [MATH.grade(s) for s in samples]


@pytest.mark.parametrize(
    "response, reference, passed",
    [
        (r"\boxed{2+3=5}", "5", True),
        (r"\boxed{x=2+3=5}", "x=5", True),
        (r"\boxed{x=2+3=6}", "x=5", False),
        ("2^3^2", "512", True),
        (r"\boxed{x! \cdot (x+1)}", "(x+1)!", True),  # numeric cannot decide: sympy in the child
        (r"\boxed{x! + 1}", "x! + 2", False),
    ],
)
def test_equation_chains_and_the_symbolic_path(response, reference, passed):
    assert verdict(response, reference).passed is passed


def test_deadline_gives_a_timeout_grade_in_a_thread():
    grader = load_grader({"type": "math", "timeout_s": 1e-6})
    results = []
    thread = threading.Thread(target=lambda: results.append(
        grader.grade(Sample(response=r"\boxed{x! + 1}", reference="x! + 2"))))
    thread.start()
    thread.join(30)
    assert results[0].error == "timeout" and results[0].score == 0.0


def test_grade_batch_grades_repeated_pairs_once(monkeypatch):
    calls = []
    original = type(MATH).find_answer
    monkeypatch.setattr(type(MATH), "find_answer", lambda self, r: calls.append(r) or original(self, r))
    samples = [Sample(response=r"\boxed{4}", reference="4")] * 8 + [Sample(response=r"\boxed{5}", reference="4")]
    grades = MATH.grade_batch(samples)
    assert grades.scores == [1.0] * 8 + [0.0]
    assert len(calls) == 2
