"""``contains``: the response contains the reference(s) or configured patterns, as text or regex.

Containment is the easiest reward to game: a response that lists every option, or stuffs many
candidate strings, contains the right one. The defaults close that: a match must be a whole word
(``42`` is not found in ``1423``), a response that also contains a known wrong answer (the
sample's ``distractors``) is a hedge and earns 0, and a response may hold at most
``max_extra_words`` words beyond the matched answer, so a list of candidates does not fit.
Regexes run on RE2 (``graders._regex``): linear time, whoever wrote the pattern.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from graders._regex import PatternError, compile_linear, whole_word
from graders._text import WholeWordFinder
from rewardkit.grader import Grader, GraderConfig
from rewardkit.types import Grade, Grades, Sample, SampleBatch

_FOUND, _NOT_FOUND = "found 1 of 1 (any)", "found 0 of 1 (any)"

# A matcher returns the text it found in a response, or None.
Matcher = Callable[[str], "str | None"]


class ContainsConfig(GraderConfig):
    type: Literal["contains"] = Field(default="contains", description="Grader name.")
    regex: bool = Field(
        default=False,
        description="Treat patterns (or references) as regular expressions, run by RE2 in linear time: "
        "no backreferences or lookaround; \\d \\w \\s \\b are ASCII (use \\pL, \\pN for Unicode).",
    )
    case_sensitive: bool = Field(default=True, description="False matches regardless of case.")
    max_pattern_chars: int = Field(
        default=1000, gt=0, description="Longest regex accepted (regex mode); a longer one is a config error, or a sample error "
        "'invalid_reference' when it comes from a reference."
    )
    patterns: list[str] | None = Field(
        default=None,
        description="Fixed strings (or regexes) to look for; when unset, the sample's reference(s) are used.",
    )
    mode: Literal["any", "all"] = Field(
        default="any", description="'any': one pattern must occur; 'all': every pattern must occur."
    )
    whole_word: bool = Field(
        default=True,
        description="A match may not continue a word: '42' is not found in '1423', 'def ' is found in 'def f' "
        "(regex mode: the characters on both sides of a match must not be word characters). Characters of "
        "scripts written without spaces (Chinese, Japanese, Thai) never continue one. False: any substring.",
    )
    distractors_field: str | None = Field(
        default="distractors",
        description="Metadata field with known wrong answers (or all the options: the references among them are "
        "skipped). A response that also contains one of them is a hedge: score 0. None: not checked.",
    )
    max_extra_words: int | None = Field(
        default=12,
        ge=0,
        description="When matching references: most words the response may hold beyond the matched answer(s), "
        "so that a list of candidates does not pass; longer: score 0. None: no bound (e.g. chain of thought).",
    )

    @field_validator("patterns")
    @classmethod
    def _check_patterns(cls, patterns: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if patterns is not None and not patterns:
            raise ValueError("patterns is empty; leave it unset to use the sample's reference")
        if info.data.get("regex"):
            limit = info.data.get("max_pattern_chars", 1000)
            for i, pattern in enumerate(patterns or []):
                if len(pattern) > limit:
                    raise ValueError(f"patterns[{i}] has {len(pattern)} characters, more than max_pattern_chars")
                try:
                    compile_linear(pattern)
                except PatternError as exc:
                    raise ValueError(f"patterns[{i}] is not a valid regex: {exc}") from None
        return patterns


class ContainsGrader(Grader):
    """Response contains the reference(s) or patterns: any/all, case, whole word, regex; hedges earn 0."""

    Config = ContainsConfig
    config: ContainsConfig

    def __init__(self, config: ContainsConfig | None = None, **fields):
        super().__init__(config, **fields)
        # Matchers are built once: the fixed ones here, references and distractors on first sight.
        self._compile = functools.lru_cache(maxsize=4096)(self._compile_uncached)
        self._fixed = self._compile(tuple(self.config.patterns), self.config.regex) if self.config.patterns else None
        self._fold: Callable[[str], str] = str if self.config.case_sensitive else str.casefold

    # -- matchers --------------------------------------------------------------------------

    def _compile_uncached(self, patterns: tuple[str, ...], regex: bool) -> list[Matcher]:
        return [self._matcher(p, regex) for p in patterns]

    def _matcher(self, pattern: str, regex: bool) -> Matcher:
        """A function finding ``pattern`` in a response; ``PatternError`` for a bad regex."""
        cfg = self.config
        if regex:
            if len(pattern) > cfg.max_pattern_chars:
                raise PatternError(f"pattern has {len(pattern)} characters, max_pattern_chars is {cfg.max_pattern_chars}")
            plain = compile_linear(pattern, ignore_case=not cfg.case_sensitive)
            if not cfg.whole_word:
                return lambda text: m.group(0) if (m := plain.search(text)) else None
            bounded = functools.cache(lambda: compile_linear(whole_word(pattern), ignore_case=not cfg.case_sensitive))
            # No match at all is no whole-word match either: the costlier bounded pattern only on a hit.
            return lambda text: (m.group(1) if plain.search(text) and (m := bounded().search(text)) else None)
        # Literal text: compared after casefold when case does not matter (full Unicode folding).
        needle, fold = self._fold_text(pattern), self._fold_text
        if not cfg.whole_word:
            return lambda text: pattern if needle in fold(text) else None
        finder = WholeWordFinder(needle)
        return lambda text: pattern if finder.find(fold(text)) >= 0 else None

    def _fold_text(self, text: str) -> str:
        return text if self.config.case_sensitive else text.casefold()

    # -- grading ---------------------------------------------------------------------------

    def grade(self, sample: Sample) -> Grade:
        return self.grade_batch([sample])[0]

    def grade_batch(self, samples: SampleBatch) -> Grades:
        found = self._substring_hits(samples)
        if found is not None and self._lenient():
            scores = [1.0 if hit else 0.0 for hit in found]  # passed: score == 1.0, the default
            return Grades(scores, reasons=lambda: [_FOUND if s else _NOT_FOUND for s in scores],
                          extracted=lambda: [r if s else None for s, r in zip(scores, samples.references)])
        rows = [self._grade_one(s) if found is None or found[i] else (0.0, _NOT_FOUND, None, None)
                for i, s in enumerate(samples)]
        scores, reasons, errors, extracted = (list(column) for column in zip(*rows))
        return Grades(scores=scores, passed=[s == 1.0 for s in scores], reasons=reasons, errors=errors,
                      extracted=extracted)

    def _lenient(self) -> bool:
        """Whether plain substring containment is the whole verdict (every anti-hedge check off)."""
        cfg = self.config
        return not cfg.whole_word and cfg.distractors_field is None and cfg.max_extra_words is None

    def _substring_hits(self, samples: SampleBatch) -> list[bool] | None:
        """Whether each sample's single literal reference occurs in its response, in one pass over the
        samples; None when that is not the question (patterns, regex) or a reference is missing or a list.
        A miss is final whatever the other options; a hit is checked further unless they are all off."""
        if self.config.regex or self._fixed is not None:
            return None
        responses = samples.responses
        try:
            if self.config.case_sensitive:
                return [s.reference in r for s, r in zip(samples, responses)]
            return [s.reference.casefold() in r for s, r in zip(samples, map(str.casefold, responses))]
        except (TypeError, AttributeError):
            return None

    def _grade_one(self, sample: Sample) -> tuple[float | None, str, str | None, str | None]:
        """(score, reason, error, extracted) of one sample."""
        cfg = self.config
        references = sample.references()
        if self._fixed is None and not references:
            return None, "this grader needs a reference", "missing_reference", None
        try:
            matchers = self._fixed or self._compile(tuple(references), cfg.regex)
        except PatternError as exc:
            return None, f"bad reference pattern: {exc}", "invalid_reference", None
        response = sample.response
        try:
            matches = [m for match in matchers if (m := match(response)) is not None]
        except PatternError as exc:  # the whole-word form of a reference regex, built on its first hit
            return None, f"bad reference pattern: {exc}", "invalid_reference", None
        ok = len(matches) == len(matchers) if cfg.mode == "all" else bool(matches)
        reason = f"found {len(matches)} of {len(matchers)} ({cfg.mode})"
        extracted = matches[0] if matches else None
        if not ok:
            return 0.0, reason, None, extracted
        hedge = self._hedge(sample, response, matches)
        if hedge is not None:
            return 0.0, f"{reason}; {hedge}", None, extracted
        return 1.0, reason, None, extracted

    def _hedge(self, sample: Sample, response: str, matches: list[str]) -> str | None:
        """Why a response that contains the answer still earns nothing, or None."""
        cfg = self.config
        if cfg.max_extra_words is not None and self._fixed is None:
            extra = len(response.split()) - sum(len(m.split()) for m in matches)
            if extra > cfg.max_extra_words:
                return f"{extra} words beyond the answer, more than max_extra_words {cfg.max_extra_words}"
        distractors = _distractors(sample.metadata.get(cfg.distractors_field)) if cfg.distractors_field else ()
        if distractors:
            answers = [self._fold_text(m) for m in matches]
            # A distractor inside the matched answer ('York' in 'New York') is the answer, not a hedge.
            references = {self._fold_text(r) for r in sample.references()}
            others = tuple(d for d in distractors
                           if self._fold_text(d) not in references and not any(self._fold_text(d) in a for a in answers))
            for distractor, match in zip(others, self._compile(others, False)):
                if match(response) is not None:
                    return f"hedge: also contains the distractor {distractor[:80]!r}"
        return None


def _distractors(value: Any) -> tuple[str, ...]:
    """The distractors of a sample's metadata field as strings (a single string or number is one)."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if v is not None and str(v).strip())
    return (str(value),) if str(value).strip() else ()
