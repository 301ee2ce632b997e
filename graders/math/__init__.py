"""``math``: extract the final answer and decide whether it equals the reference mathematically.

Pipeline per sample: drop the reasoning before ``</think>`` -> extract the answer (``extract``)
-> normalise LaTeX / Unicode / units (``normalize``) -> parse to a tree (``parse``) -> compare,
cheapest first (``compare``): normalised strings, exact rationals, numbers, sympy last.
"""

from __future__ import annotations

import functools
import re
import time
from fractions import Fraction
from typing import Literal

from pydantic import Field

from graders._text import reference_key
from graders.math import extract as ex
from graders.math.compare import Options, Timeout, compare, scaled
from graders.math.normalize import normalize_answer, number_from_words
from graders.math.parse import (
    CONSTANT_WORDS,
    FUNCTIONS,
    MAX_ANSWER_CHARS,
    SEPARATOR_WORDS,
    ParseError,
    parse,
)
from rewardkit.grader import Grader, GraderConfig, error_grade
from rewardkit.types import Grade, Grades, Sample, SampleBatch

Strategy = Literal["boxed", "answer_tag", "final_answer", "answer_is", "answer_colon", "gsm8k"]
_WORD = re.compile(r"[A-Za-z]{2,}")
_COMMAND = re.compile(r"\\[A-Za-z]+")
KNOWN_WORDS = FUNCTIONS | set(CONSTANT_WORDS) | SEPARATOR_WORDS | {"asin", "acos", "atan"}
_LETTER_REFERENCE = re.compile(r"^\s*(?:\\text\{)?\(?\s*([A-J])\s*\)?\}?\s*$")


class MathConfig(GraderConfig):
    type: Literal["math"] = Field(default="math", description="Grader name.")
    extract: list[Strategy] = Field(
        default_factory=lambda: ["boxed", "answer_tag", "final_answer", "answer_is", "answer_colon", "gsm8k"],
        min_length=1,
        description="Where to look for the answer, in priority order; the first strategy that finds one wins. "
        "boxed: last \\boxed{}/\\fbox{}; answer_tag: <answer>...</answer>; final_answer: 'final answer is/:'; "
        "answer_is: 'the answer is'; answer_colon: a line 'Answer: ...'; gsm8k: '#### 42'.",
    )
    fallback_last_number: bool = Field(
        default=True,
        description="When no strategy finds an answer (and the response is not a short bare answer, "
        "which is always taken whole), use the last number in the response.",
    )
    ignore_thinking: bool = Field(
        default=True, description="Look for the answer only after the last '</think>'."
    )
    multiple_choice: bool = Field(
        default=True,
        description="When the reference is a single capital letter A-J, read a choice letter ('(B)', 'B:', 'option B').",
    )
    rel_tol: float = Field(
        default=1e-9, ge=0, lt=1, description="Relative tolerance for values that are not both rational."
    )
    abs_tol: float = Field(default=0.0, ge=0, description="Absolute tolerance added to rel_tol (0: none).")
    percent: bool = Field(
        default=True, description="An answer with % also matches its value / 100 ('50%' equals 0.5 and 50)."
    )
    symbolic: bool = Field(
        default=True, description="Use sympy (in a bounded child process) when numeric checks cannot decide."
    )
    timeout_s: float = Field(
        default=1.0, gt=0, le=600, description="Wall-clock bound of one grade; past it: error 'timeout', score 0."
    )


@functools.lru_cache(maxsize=8192)
def _prepared(text: str) -> tuple[str, bool, tuple | None]:
    """Normalised text, percent flag and parse tree (None if not maths) of an answer."""
    normalized, percent = normalize_answer(text)
    try:
        tree = parse(normalized) if normalized else None
    except (ParseError, RecursionError, ValueError, ZeroDivisionError):
        tree = None
    return normalized, percent, tree


def _is_bare_answer(text: str) -> bool:
    """Whether a whole response is just an answer: short, one line, maths with no prose words."""
    if len(text) > 120 or "\n" in text:
        return False
    if number_from_words(text) is not None:
        return True
    words = _WORD.findall(_COMMAND.sub(" ", text))
    return all(w.lower() in KNOWN_WORDS for w in words) and _prepared(text)[2] is not None


def _reference_answer(reference: str) -> str:
    """References may be whole solutions: take their boxed / '####' answer when they have one."""
    return ex.boxed(reference) or ex.gsm8k(reference) or reference


class MathGrader(Grader):
    """Final-answer maths equivalence: extraction, LaTeX/plain-text parsing, exact and symbolic checks."""

    Config = MathConfig
    requires_reference = True
    config: MathConfig

    def __init__(self, config: MathConfig | None = None, **fields):
        super().__init__(config, **fields)
        cfg = self.config
        self._strategies = [ex.STRATEGIES[name] for name in cfg.extract]
        self._options = Options(rel_tol=cfg.rel_tol, abs_tol=cfg.abs_tol, symbolic=cfg.symbolic)

    def extract_answer(self, response: str) -> str | None:
        """The answer the response gives, by the configured strategies."""
        text = ex.strip_thinking(response) if self.config.ignore_thinking else response
        for strategy in self._strategies:
            found = strategy(text)
            if found:
                return found
        bare = text.strip()
        if _is_bare_answer(bare):
            return bare  # a short bare answer ("pi/2", "x<1 or x>2", "twelve") is the answer
        return ex.last_number(text) if self.config.fallback_last_number else None

    def grade(self, sample: Sample) -> Grade:
        return self._grade_one(sample)

    def _grade_one(self, sample: Sample) -> Grade:
        """The grade of a sample the guard has already checked."""
        deadline = time.monotonic() + self.config.timeout_s
        references = [_reference_answer(r) for r in sample.references()]
        letters = [m.group(1).upper() for r in references if (m := _LETTER_REFERENCE.match(r))]
        if self.config.multiple_choice and letters and len(letters) == len(references):
            return self._grade_choice(sample.response, letters)
        answer = self.extract_answer(sample.response)
        if answer is None:
            return error_grade("no_answer", "no final answer found in the response")
        if len(answer) > MAX_ANSWER_CHARS:
            return Grade(score=0.0, error="answer_too_long", reason=f"answer longer than {MAX_ANSWER_CHARS} characters",
                         extracted=answer[:200])
        try:
            return self._compare(answer, references, deadline)
        except Timeout:
            return Grade(score=0.0, error="timeout", reason=f"no verdict within {self.config.timeout_s} s",
                         extracted=answer)

    def _compare(self, answer: str, references: list[str], deadline: float) -> Grade:
        ans_text, ans_percent, ans_tree = _prepared(answer)
        how, parsed_any_reference = "text", False
        for reference in references:
            ref_text, ref_percent, ref_tree = _prepared(reference)
            if ans_text == ref_text or (ans_text.casefold() == ref_text.casefold() and ref_tree is None):
                return Grade(score=1.0, passed=True, reason="equal after normalisation", extracted=answer)
            if ref_tree is None:
                continue
            parsed_any_reference = True
            if ans_tree is None:
                continue
            candidates = [ans_tree]
            if self.config.percent and ans_percent != ref_percent:
                candidates.append(scaled(ans_tree, Fraction(1, 100) if ans_percent else Fraction(100)))
            for candidate in candidates:
                verdict = compare(ref_tree, candidate, self._options, deadline)
                if verdict.equal:
                    return Grade(score=1.0, passed=True, reason=f"equivalent ({verdict.how})", extracted=answer)
                how = verdict.how
        if ans_tree is None and parsed_any_reference:
            return Grade(score=0.0, error="parse_error", reason=f"could not read the answer {ans_text[:80]!r}",
                         extracted=answer)
        return Grade(score=0.0, passed=False, reason=f"not equivalent ({how})", extracted=answer)

    def _grade_choice(self, response: str, letters: list[str]) -> Grade:
        text = ex.strip_thinking(response) if self.config.ignore_thinking else response
        answer = next((found for s in self._strategies if (found := s(text))), None)
        letter = ex.choice_letter(answer) if answer else None
        if letter is None:
            letter = ex.find_choice(text)
        if letter is None:
            return error_grade("no_answer", "no choice letter found in the response")
        ok = letter in letters
        return Grade(score=float(ok), passed=ok, reason=f"choice {letter}" + (" matches" if ok else " differs"),
                     extracted=letter)

    def grade_batch(self, samples: SampleBatch) -> Grades:
        # GRPO groups repeat answers: identical (response, reference) pairs are graded once per batch,
        # and reference parses are cached across batches (_prepared).
        graded: dict[tuple, Grade] = {}
        grades = []
        for sample in samples:
            key = (sample.response, reference_key(sample.reference))
            grade = graded.get(key)
            if grade is None:
                try:
                    grade = self._grade_one(sample)
                except Exception as exc:  # as the guard of grade would
                    grade = Grade(score=0.0, error="grader_exception", reason=f"{type(exc).__name__}: {exc}"[:300])
                graded[key] = grade
            grades.append(grade)
        return Grades.of(grades)
