"""``contains``: the response contains the reference(s) or configured patterns, as text or regex."""

from __future__ import annotations

import functools
import re
from typing import Literal

from pydantic import Field, model_validator

from rewardkit.grader import Grader, GraderConfig, error_grade
from rewardkit.types import Grades, SampleBatch

_FOUND, _NOT_FOUND = "found 1 of 1 (any)", "found 0 of 1 (any)"


class ContainsConfig(GraderConfig):
    type: Literal["contains"] = Field(default="contains", description="Grader name.")
    patterns: list[str] | None = Field(
        default=None,
        description="Fixed strings (or regexes) to look for; when unset, the sample's reference(s) are used.",
    )
    mode: Literal["any", "all"] = Field(
        default="any", description="'any': one pattern must occur; 'all': every pattern must occur."
    )
    case_sensitive: bool = Field(default=True, description="False matches regardless of case.")
    whole_word: bool = Field(
        default=False, description="Match only where the pattern is not inside a longer word."
    )
    regex: bool = Field(default=False, description="Treat patterns as Python regular expressions.")
    max_pattern_chars: int = Field(
        default=1000, gt=0, description="Longest regex accepted (regex mode); a longer one is a config error, or a sample error "
        "'invalid_reference' when it comes from a reference."
    )

    @model_validator(mode="after")
    def _check_patterns(self) -> ContainsConfig:
        for i, pattern in enumerate(self.patterns or []):
            if self.regex and len(pattern) > self.max_pattern_chars:
                raise ValueError(f"patterns[{i}] has {len(pattern)} characters, more than max_pattern_chars")
            if self.regex:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"patterns[{i}] is not a valid regex: {exc}") from exc
        if self.patterns is not None and not self.patterns:
            raise ValueError("patterns is empty; leave it unset to use the sample's reference")
        return self


class ContainsGrader(Grader):
    """Response contains the reference(s) or patterns: any/all, case, whole word, or regex."""

    Config = ContainsConfig
    config: ContainsConfig

    def __init__(self, config: ContainsConfig | None = None, **fields):
        super().__init__(config, **fields)
        # Patterns are compiled once: the fixed ones here, references on first sight (cached).
        self._compile = functools.lru_cache(maxsize=4096)(self._compile_uncached)
        self._fixed = self._compile(tuple(self.config.patterns)) if self.config.patterns else None

    def _compile_uncached(self, patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
        cfg = self.config
        flags = 0 if cfg.case_sensitive else re.IGNORECASE
        compiled = []
        for pattern in patterns:
            if cfg.regex and len(pattern) > cfg.max_pattern_chars:
                raise ValueError(f"pattern has {len(pattern)} characters, max_pattern_chars is {cfg.max_pattern_chars}")
            body = pattern if cfg.regex else re.escape(pattern)
            if cfg.whole_word:
                body = rf"(?<!\w)(?:{body})(?!\w)"
            compiled.append(re.compile(body, flags))
        return compiled

    def grade_batch(self, samples: SampleBatch) -> Grades:
        cfg = self.config
        if not cfg.regex and not cfg.whole_word and cfg.patterns is None:
            scores = self._substring_scores(samples)
            if scores is not None:  # passed: score == 1.0, the default
                return Grades(scores, reasons=lambda: [_FOUND if s else _NOT_FOUND for s in scores],
                              extracted=lambda: [r if s else None for s, r in zip(scores, samples.references)])
        want_all = cfg.mode == "all"
        scores, reasons, errors, extracted = [], [], [], []
        for sample in samples:
            references = sample.references()
            if self._fixed is None and not references:
                grade = error_grade("missing_reference", "this grader needs a reference", score=None)
                scores.append(grade.score)
                reasons.append(grade.reason)
                errors.append(grade.error)
                extracted.append(None)
                continue
            try:
                patterns = self._fixed or self._compile(tuple(references))
            except (re.error, ValueError) as exc:
                scores.append(None)
                reasons.append(f"bad reference pattern: {exc}")
                errors.append("invalid_reference")
                extracted.append(None)
                continue
            matches = [m for p in patterns if (m := p.search(sample.response))]
            ok = len(matches) == len(patterns) if want_all else bool(matches)
            scores.append(1.0 if ok else 0.0)
            reasons.append(f"found {len(matches)} of {len(patterns)} ({cfg.mode})")
            errors.append(None)
            extracted.append(matches[0].group(0) if matches else None)
        return Grades(
            scores=scores, passed=[s == 1.0 for s in scores], reasons=reasons, errors=errors, extracted=extracted
        )

    def _substring_scores(self, samples: SampleBatch) -> list[float] | None:
        """1.0 where a sample's single reference occurs in its response, else 0.0, in one pass over
        the samples; None when a reference is missing or a list (TypeError in ``in``): per sample then."""
        responses = samples.responses
        try:
            if self.config.case_sensitive:
                return [1.0 if s.reference in r else 0.0 for s, r in zip(samples, responses)]
            return [1.0 if s.reference.casefold() in r else 0.0
                    for s, r in zip(samples, map(str.casefold, responses))]
        except (TypeError, AttributeError):
            return None
