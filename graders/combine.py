"""``combine``: several named sub-graders mixed into one reward; sub-scores go to ``Grade.parts``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, model_validator

from graders.formula import FormulaError, evaluate, parse_formula, variables
from rewardkit.errors import GraderConfigError
from rewardkit.grader import Grader, GraderConfig
from rewardkit.registry import load_grader
from rewardkit.types import Grades, Sample


class CombineConfig(GraderConfig):
    type: Literal["combine"] = Field(default="combine", description="Grader name.")
    graders: dict[str, str | dict[str, Any]] = Field(
        description="Sub-graders by the name used in weights, gate and formula; each a grader name or spec.",
        min_length=1,
    )
    method: Literal["mean", "min", "max", "product", "formula"] = Field(
        default="mean",
        description="How sub-scores combine: weighted mean, min, max, product, or formula.",
    )
    weights: dict[str, float] | None = Field(
        default=None, description="Weights for 'mean' by sub-grader name (default 1 each); must be >= 0."
    )
    gate: list[str] = Field(
        default_factory=list,
        description="Sub-graders that must pass; if one fails the score is 0 (e.g. accuracy counts only with format).",
    )
    formula: str | None = Field(
        default=None,
        description="For method 'formula': arithmetic over sub-grader names with + - * / ^ and "
        "min max abs floor ceil exp sqrt log; the result is clipped to [0, 1].",
    )
    pass_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Passed when the score reaches this; unset: passed when every sub-grader passed.",
    )

    @model_validator(mode="after")
    def _check(self) -> CombineConfig:
        names = set(self.graders)
        for field, used in (("weights", set(self.weights or {})), ("gate", set(self.gate))):
            unknown = used - names
            if unknown:
                raise ValueError(f"{field} names unknown sub-graders {sorted(unknown)}; known: {sorted(names)}")
        if any(w < 0 for w in (self.weights or {}).values()):
            raise ValueError("weights must be >= 0")
        if self.method == "formula":
            if not self.formula:
                raise ValueError("method 'formula' needs a formula")
            try:
                unknown = variables(parse_formula(self.formula)) - names
            except FormulaError as exc:
                raise ValueError(f"formula: {exc}") from exc
            if unknown:
                raise ValueError(f"formula uses unknown sub-graders {sorted(unknown)}; known: {sorted(names)}")
        elif self.formula is not None:
            raise ValueError("formula is set but method is not 'formula'")
        return self


class CombineGrader(Grader):
    """Mixes named sub-graders: weighted mean, min, max, product, gate, or a formula."""

    Config = CombineConfig
    config: CombineConfig

    def __init__(self, config: CombineConfig | None = None, **fields):
        super().__init__(config, **fields)
        self.graders: dict[str, Grader] = {}
        for name, spec in self.config.graders.items():
            try:
                self.graders[name] = load_grader(spec)
            except GraderConfigError as exc:
                where = f"graders.{name}" + (f".{exc.field}" if exc.field else "")
                raise GraderConfigError(exc.reason, field=where) from exc
        self._formula = parse_formula(self.config.formula) if self.config.formula else None

    def grade_batch(self, samples: Sequence[Sample]) -> Grades:
        # Each sub-grader sees the whole batch once, so its own vectorised path is used.
        results = {name: grader.grade_batch(samples) for name, grader in self.graders.items()}
        scores, passed, reasons, errors, extracted, parts = [], [], [], [], [], []
        for i in range(len(samples)):
            sub = {name: r.scores[i] for name, r in results.items()}
            score, why = self._combine(sub, {name: r.passed[i] for name, r in results.items()})
            sub_errors = [(name, r.errors[i]) for name, r in results.items() if r.errors[i]]
            all_passed = all(r.passed[i] for r in results.values())
            threshold = self.config.pass_threshold
            scores.append(score)
            passed.append(score is not None and (all_passed if threshold is None else score >= threshold))
            errors.append(sub_errors[0][1] if sub_errors else None)
            details = ", ".join(f"{n}={'-' if s is None else f'{s:.3g}'}" for n, s in sub.items())
            errs = "".join(f"; {n}: {e}" for n, e in sub_errors)
            reasons.append(f"{why} ({details}){errs}")
            extracted.append(next((r.extracted[i] for r in results.values() if r.extracted[i] is not None), None))
            part = dict(sub)
            for name, r in results.items():
                part.update({f"{name}.{k}": v for k, v in r.parts[i].items()})
            parts.append(part)
        return Grades(scores=scores, passed=passed, reasons=reasons, errors=errors, extracted=extracted, parts=parts)

    def _combine(self, sub: dict[str, float | None], sub_passed: dict[str, bool]) -> tuple[float | None, str]:
        """The combined score and a word on how it was reached."""
        cfg = self.config
        failed_gates = [g for g in cfg.gate if not sub_passed[g]]
        if failed_gates:
            return 0.0, f"gate failed: {', '.join(failed_gates)}"
        if cfg.method == "formula":
            if any(sub[n] is None for n in variables(self._formula)):
                return None, "formula input not applicable"
            try:
                value = evaluate(self._formula, {n: s for n, s in sub.items() if s is not None})
            except FormulaError as exc:
                return 0.0, f"formula error: {exc}"
            if math.isnan(value):
                return 0.0, "formula gave NaN"
            return min(1.0, max(0.0, value)), "formula"
        present = {n: s for n, s in sub.items() if s is not None}
        if not present:
            return None, "no sub-grader applicable"
        if cfg.method == "mean":
            weights = {n: (cfg.weights or {}).get(n, 1.0) for n in present}
            total = sum(weights.values())
            if total == 0:
                return 0.0, "weighted mean of zero weights"
            return sum(present[n] * w for n, w in weights.items()) / total, "weighted mean"
        if cfg.method == "min":
            return min(present.values()), "min"
        if cfg.method == "max":
            return max(present.values()), "max"
        return math.prod(present.values()), "product"
