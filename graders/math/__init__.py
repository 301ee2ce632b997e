"""``math``: extract the final answer and decide whether it equals the reference mathematically.

Pipeline per sample: cut the response to what the model committed to (chat tokens end it, the
reasoning before ``</think>`` is dropped) -> extract the answer (``extract``) -> normalise LaTeX /
Unicode / units (``normalize``) -> parse to a tree (``parse``) -> compare, cheapest first
(``compare``): normalised strings, exact rationals, numbers, sympy last. Several different final
answers (a hedge) score 0.
"""

from __future__ import annotations

import functools
import re
from fractions import Fraction
from typing import Literal

from pydantic import Field

from graders._text import reference_key
from graders.math import extract as ex
from graders.math.compare import Deadline, Options, Timeout, compare, scaled
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

Strategy = Literal["boxed", "answer_tag", "final_answer", "answer_is", "answer_colon", "gsm8k", "last_formula"]
_WORD = re.compile(r"[A-Za-z]{2,}")
_COMMAND = re.compile(r"\\[A-Za-z]+")
KNOWN_WORDS = FUNCTIONS | set(CONSTANT_WORDS) | SEPARATOR_WORDS | {"asin", "acos", "atan"}
_LETTER_REFERENCE = re.compile(r"^\s*(?:\\text\{)?\(?\s*([A-J])\s*\)?\}?\s*$")


class MathConfig(GraderConfig):
    type: Literal["math"] = Field(default="math", description="Grader name.")
    extract: list[Strategy] = Field(
        default_factory=lambda: ["boxed", "answer_tag", "final_answer", "answer_is", "answer_colon", "gsm8k",
                                 "last_formula"],
        min_length=1,
        description="Where to look for the answer, in priority order; the first strategy that finds one wins. "
        "boxed: the last group of adjacent \\boxed{}/\\fbox{} (an unclosed last box: no answer); "
        "answer_tag: <answer>...</answer>; final_answer: 'final answer is/:'; answer_is: 'the answer is'; "
        "answer_colon: a line 'Answer: ...'; gsm8k: '#### 42'; last_formula: the last $...$, \\(...\\) "
        "or \\[...\\] of the final paragraph.",
    )
    fallback: Literal["none", "conclusion", "last_number"] = Field(
        default="conclusion",
        description="When no strategy finds an answer and the response is not a short bare answer (taken "
        "whole): 'conclusion' reads the one number of a committing last sentence ('So she sold 72 clips.'; "
        "not 'maybe 72', not '5, 6 or 7'); 'last_number' takes the last number anywhere (lenient, gameable); "
        "'none' gives no_answer.",
    )
    allow_hedges: bool = Field(
        default=False,
        description="Grade the last of several different final answers (boxes apart, several choice "
        "letters) instead of scoring the hedge 0.",
    )
    number_words: bool = Field(
        default=False, description="Read spelled-out numbers ('twenty-one', 'one half') as numbers."
    )
    ordered_lists: bool = Field(
        default=False,
        description="Compare bare comma lists ('10, 4, -2') in order, as sequences; by default they are "
        "solution sets, compared in any order. Tuples '(..)' are always ordered, braces '\\{..\\}' never.",
    )
    decimal_digits: int = Field(
        default=6, ge=0, le=30,
        description="A decimal with at least this many significant digits equals a value with no exact "
        "decimal of that length (1/12, pi) when it is that value rounded or truncated to the places written; "
        "0 turns the rule off.",
    )
    ignore_thinking: bool = Field(
        default=True, description="Look for the answer only after the last '</think>'; an unclosed "
        "'<think>' leaves no answer."
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
        default=1.0, gt=0, le=600,
        description="Bound of one grade in CPU seconds (with a wall-clock net of 10x); past it: error "
        "'timeout', score 0.",
    )


@functools.lru_cache(maxsize=8192)
def _prepared(text: str, number_words: bool = False) -> tuple[str, bool, tuple | None]:
    """Normalised text, percent flag and parse tree (None if not maths) of an answer."""
    normalized, percent = normalize_answer(text, number_words, KNOWN_WORDS)
    try:
        tree = parse(normalized) if normalized else None
    except (ParseError, RecursionError, ValueError, ZeroDivisionError):
        tree = None
    return normalized, percent, tree


def _is_bare_answer(text: str, number_words: bool) -> bool:
    """Whether a whole response is just an answer: short, one line, maths with no prose words."""
    if len(text) > 120 or "\n" in text:
        return False
    if number_words and number_from_words(text) is not None:
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
        self._options = Options(rel_tol=cfg.rel_tol, abs_tol=cfg.abs_tol, symbolic=cfg.symbolic,
                                ordered_lists=cfg.ordered_lists, decimal_digits=cfg.decimal_digits)

    def find_answer(self, response: str) -> ex.Found:
        """What the response commits to, by the configured strategies, then the fallback."""
        text = ex.final_part(response, self.config.ignore_thinking)
        if ex.open_answer_tag(text):
            return ex.Found(None, unterminated=True)
        for name in self.config.extract:
            if name == "boxed":
                found = ex.boxed_answer(text)
                if found is not None:
                    return found  # also an unclosed last box: a cut-off answer is no answer
            elif answer := ex.STRATEGIES[name](text):
                return ex.Found(answer)
        bare = text.strip()
        if _is_bare_answer(bare, self.config.number_words):
            return ex.Found(bare)  # a short bare answer ("pi/2", "x<1 or x>2") is the answer
        fallback = {"conclusion": ex.conclusion, "last_number": ex.last_number}.get(self.config.fallback)
        return ex.Found(fallback(text) if fallback else None)

    def extract_answer(self, response: str) -> str | None:
        """The answer the response gives (None when it gives none)."""
        return self.find_answer(response).answer

    def grade(self, sample: Sample) -> Grade:
        return self._grade_one(sample)

    def _grade_one(self, sample: Sample) -> Grade:
        """The grade of a sample the guard has already checked."""
        deadline = Deadline(self.config.timeout_s)
        references = [_reference_answer(r) for r in sample.references()]
        letters = [m.group(1).upper() for r in references if (m := _LETTER_REFERENCE.match(r))]
        if self.config.multiple_choice and letters and len(letters) == len(references):
            return self._grade_choice(sample.response, letters)
        found = self.find_answer(sample.response)
        answer = found.answer
        if answer is None:
            why = ("the answer is cut off (an unclosed \\boxed{ or <answer>)" if found.unterminated
                   else "no final answer found in the response")
            return error_grade("no_answer", why)
        if len(answer) > MAX_ANSWER_CHARS:
            return Grade(score=0.0, error="answer_too_long", reason=f"answer longer than {MAX_ANSWER_CHARS} characters",
                         extracted=answer[:200])
        try:
            if found.others and not self.config.allow_hedges:
                hedge = next((o for o in found.others if not self._same_answer(o, answer, deadline)), None)
                if hedge is not None:
                    return Grade(score=0.0, error="hedge", extracted=answer,
                                 reason=f"several different final answers ({hedge[:40]!r} and {answer[:40]!r})")
            return self._compare(answer, references, deadline)
        except Timeout:
            return Grade(score=0.0, error="timeout", reason=f"no verdict within {self.config.timeout_s} s",
                         extracted=answer)

    def _same_answer(self, first: str, second: str, deadline: Deadline) -> bool:
        """Whether two final answers of one response say the same thing (else it hedges)."""
        text_a, _, tree_a = _prepared(first, self.config.number_words)
        text_b, _, tree_b = _prepared(second, self.config.number_words)
        if text_a.casefold() == text_b.casefold():
            return True
        return tree_a is not None and tree_b is not None and compare(tree_a, tree_b, self._options, deadline).equal

    def _compare(self, answer: str, references: list[str], deadline: Deadline) -> Grade:
        ans_text, ans_percent, ans_tree = _prepared(answer, self.config.number_words)
        how, parsed_any_reference = "text", False
        for reference in references:
            ref_text, ref_percent, ref_tree = _prepared(reference, True)
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
        text = ex.final_part(response, self.config.ignore_thinking)
        found = self.find_answer(response)
        chosen = ex.choice_letters(found.answer) if found.answer else set()
        if not chosen and not found.unterminated:
            chosen = ex.find_choices(text)
        if not chosen:
            return error_grade("no_answer", "no choice letter found in the response")
        if len(chosen) > 1 and not self.config.allow_hedges:
            return Grade(score=0.0, error="hedge", extracted=", ".join(sorted(chosen)),
                         reason=f"several choices ({', '.join(sorted(chosen))})")
        letter = max(chosen)
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
