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
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from pydantic import Field

from graders._text import reference_key
from graders.math import extract as ex
from graders.math.compare import Options, Timeout, compare, scaled
from graders.math.evaluate import free_symbols
from graders.math.normalize import Unit, normalize_answer, number_from_words
from graders.math.parse import (
    CONSTANT_WORDS,
    FUNCTIONS,
    MAX_ANSWER_CHARS,
    SEPARATOR_WORDS,
    ParseError,
    parse,
)
from rewardkit.bounded import ThreadBudget
from rewardkit.grader import Grader, GraderConfig, error_grade
from rewardkit.types import Grade, Grades, Sample, SampleBatch

Strategy = Literal["boxed", "answer_tag", "final_answer", "answer_is", "answer_colon", "gsm8k", "last_formula"]
_WORD = re.compile(r"[A-Za-z]{2,}")
_WORDS = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]+)*")
_COMMAND = re.compile(r"\\[A-Za-z]+")
KNOWN_WORDS = FUNCTIONS | set(CONSTANT_WORDS) | SEPARATOR_WORDS | {"asin", "acos", "atan"}
_UNREAD_VALUE = re.compile(r"\\(?:sum|prod|int|lim|iint|oint)(?![A-Za-z])")
_NOT_A_CHAIN = re.compile(r"\\(?:not|implies|Rightarrow|iff|vee|wedge|ne|le|ge|lor|land)(?![A-Za-z])|[<>]|\b(?:or|and)\b")
MAX_OTHER_ANSWERS = 32  # a response with more different final answers than this hedges outright
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


@dataclass(frozen=True)
class Prepared:
    """An answer ready to compare: its normalised text, percent sign, unit and parse tree (None when
    it does not read as maths)."""

    text: str
    percent: bool
    unit: Unit | None
    tree: tuple | None

    def is_words(self) -> bool:
        """Whether the answer is plain words ('Yes', 'odd'), compared without regard to case."""
        return _WORDS.fullmatch(self.text) is not None


def _tree(text: str) -> tuple | None:
    try:
        return parse(text) if text else None
    except (ParseError, RecursionError, ValueError, ZeroDivisionError):
        return None


@functools.lru_cache(maxsize=8192)
def _prepared(text: str, number_words: bool = False) -> Prepared:
    normalized, percent, unit = normalize_answer(text, number_words, KNOWN_WORDS)
    tree = _tree(normalized)
    if tree is None and "=" in normalized and _UNREAD_VALUE.search(normalized) and not _NOT_A_CHAIN.search(normalized):
        # "S = \\sum_{k=0}^{9} 2^k = 2^{10} - 1 = 1023": a chain through a sum, product, integral or
        # limit (notation this parser does not read) still ends in its value; a chain with a relation,
        # a negation or a connective in it ("x \\not= 42", "41 \\text{ or } 43 = 42") does not.
        last = _tree(normalized.rsplit("=", 1)[1].strip())
        tree = last if last is not None and not free_symbols(last) else None
    return Prepared(normalized, percent, unit, tree)


def _is_bare_answer(text: str, number_words: bool) -> bool:
    """Whether a whole response is just an answer: short, one line, maths with no prose words."""
    if len(text) > 120 or "\n" in text:
        return False
    if number_words and number_from_words(text) is not None:
        return True
    words = _WORD.findall(_COMMAND.sub(" ", text))
    return all(w.lower() in KNOWN_WORDS for w in words) and _prepared(text).tree is not None


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
        """What the response commits to: the first configured strategy that finds an answer gives its
        last one; every other final answer it or a marker strategy finds is kept to detect hedges."""
        text = ex.final_part(response, self.config.ignore_thinking)
        if ex.open_answer_tag(text):
            return ex.Found(None, unterminated=True)
        found: ex.Found | None = None
        for name in self.config.extract:
            answers = ex.STRATEGIES[name](text)
            if answers is None:  # an unclosed last box: a cut-off answer is no answer
                return ex.Found(None, unterminated=True)
            if answers:
                last = answers[-1]
                disavowed, offered = ex.after_answer(text, last.end)
                if disavowed:  # "\\boxed{42} is not the answer": nothing is committed to
                    return ex.Found(None)
                found = ex.Found(last.text, others=offered, marked=True)
                break
        if found is None:
            bare = text.strip()
            if _is_bare_answer(bare, self.config.number_words):
                return ex.Found(bare)  # a short bare answer ("pi/2", "x<1 or x>2") is the answer
            fallback = {"conclusion": ex.conclusion, "last_number": ex.last_number}.get(self.config.fallback)
            return ex.Found(fallback(text) if fallback else None)
        if not self.config.allow_hedges:
            others = {a.text for marker in ex.MARKERS for a in ex.STRATEGIES[marker](text) or ()}
            others.update(found.others)
            others.discard(found.answer)
            found.others = sorted(others)
            found.too_many_answers = len(others) > MAX_OTHER_ANSWERS
        else:
            found.others = []
        return found

    def extract_answer(self, response: str) -> str | None:
        """The answer the response gives (None when it gives none)."""
        return self.find_answer(response).answer

    def grade(self, sample: Sample) -> Grade:
        return self._grade_one(sample)

    def _grade_one(self, sample: Sample) -> Grade:
        """The grade of a sample the guard has already checked."""
        deadline = ThreadBudget(self.config.timeout_s)
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
            if not self.config.allow_hedges:
                hedge = "too many" if found.too_many_answers else next(
                    (repr(o[:40]) for o in found.others if not self._same_answer(o, answer, deadline)), None)
                if hedge is not None:
                    return Grade(score=0.0, error="hedge", extracted=answer,
                                 reason=f"several different final answers ({hedge} and {answer[:40]!r})")
            return self._compare(answer, references, deadline)
        except Timeout:
            return Grade(score=0.0, error="timeout", reason=f"no verdict within {self.config.timeout_s} s",
                         extracted=answer)

    def _same_answer(self, first: str, second: str, deadline: ThreadBudget) -> bool:
        """Whether another final answer of a response says the same as its answer (else it hedges).
        Prose without a digit ("the answer is the number of ways") is no answer; anything else that
        does not read as maths, or is too long to read, is a different answer."""
        if len(first) > MAX_ANSWER_CHARS:
            return False
        if deadline.expired():
            raise Timeout()
        a, b = _prepared(first, self.config.number_words), _prepared(second, self.config.number_words)
        if a.text.casefold() == b.text.casefold():
            return True
        if a.tree is None:
            return not any(ch.isdigit() for ch in a.text)
        return b.tree is not None and compare(a.tree, b.tree, self._options, deadline).equal

    def _compare(self, answer: str, references: list[str], deadline: ThreadBudget) -> Grade:
        ans = _prepared(answer, self.config.number_words)
        how, parsed_any_reference = "text", False
        for reference in references:
            ref = _prepared(reference, True)
            if ans.unit and ref.unit and ans.unit.dimension != ref.unit.dimension:
                how = "different units"
                continue
            same_unit = not (ans.unit and ref.unit) or ans.unit == ref.unit
            if same_unit and (ans.text == ref.text or (ans.text.casefold() == ref.text.casefold()
                                                       and (ref.tree is None or ref.is_words()))):
                return Grade(score=1.0, passed=True, reason="equal after normalisation", extracted=answer)
            if ref.tree is None:
                continue
            parsed_any_reference = True
            if ans.tree is None:
                continue
            tree = ans.tree
            if ans.unit and ref.unit and ans.unit.size != ref.unit.size:  # 180 minutes is 3 hours
                tree = scaled(tree, ans.unit.size / ref.unit.size)
            candidates = [tree]
            if self.config.percent and ans.percent != ref.percent:
                candidates.append(scaled(tree, Fraction(1, 100) if ans.percent else Fraction(100)))
            for candidate in candidates:
                verdict = compare(ref.tree, candidate, self._options, deadline)
                if verdict.equal:
                    return Grade(score=1.0, passed=True, reason=f"equivalent ({verdict.how})", extracted=answer)
                how = verdict.how
        if ans.tree is None and parsed_any_reference:
            return Grade(score=0.0, error="parse_error", reason=f"could not read the answer {ans.text[:80]!r}",
                         extracted=answer)
        return Grade(score=0.0, passed=False, reason=f"not equivalent ({how})", extracted=answer)

    def _grade_choice(self, response: str, letters: list[str]) -> Grade:
        text = ex.final_part(response, self.config.ignore_thinking)
        found = self.find_answer(response)
        chosen = ex.choice_letters(found.answer) if found.answer else set()
        if not found.marked and not found.unterminated:
            chosen = ex.find_choices(text)  # no marked answer: the response's own statement of a choice
        if chosen and not self.config.allow_hedges:
            for other in found.others[: 2 * MAX_OTHER_ANSWERS]:
                chosen |= ex.choice_letters(other) if len(other) <= MAX_ANSWER_CHARS else set()
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
