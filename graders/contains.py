"""``contains``: the response contains the reference(s) or configured patterns, as text or regex."""

from __future__ import annotations

import functools
import operator
import re
from typing import Literal

from pydantic import Field, model_validator

from rewardkit.grader import Grader, GraderConfig
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
        self.requires_reference = self.config.patterns is None
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
        literal = not cfg.regex and not cfg.whole_word and cfg.patterns is None
        refs = samples.single_references() if literal else None
        if refs is not None:
            # Vectorised: plain substring tests, no regex (and no pattern-size concern).
            responses = samples.responses
            if not cfg.case_sensitive:
                responses, refs = list(map(str.casefold, responses)), list(map(str.casefold, refs))
            hits = list(map(operator.contains, responses, refs))
            return Grades(scores=list(map(float, hits)), passed=hits,
                          reasons=lambda: [_FOUND if h else _NOT_FOUND for h in hits],
                          extracted=lambda: [r if h else None for h, r in zip(hits, refs)])
        want_all = cfg.mode == "all"
        scores, reasons, errors, extracted = [], [], [], []
        for sample in samples:
            try:
                patterns = self._fixed or self._compile(tuple(sample.references()))
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
