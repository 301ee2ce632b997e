"""``format``: structural checks on the response: regex, templates, tag counts, length, JSON (Schema)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

import jsonschema
from pydantic import Field, model_validator

from rewardkit.grader import Grader, GraderConfig
from rewardkit.types import Grade, Grades, Sample

FLAGS = {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE, "DOTALL": re.DOTALL, "ASCII": re.ASCII}

# Ready-made formats. think_answer: exactly one <think> block, then exactly one <answer> block.
TEMPLATES = {
    "think_answer": re.compile(r"\s*<think>(?:(?!</?think>).)*</think>\s*<answer>(?:(?!</?answer>).)*</answer>\s*", re.DOTALL),
    "answer_tag": re.compile(r".*<answer>(?:(?!</?answer>).)*</answer>\s*", re.DOTALL),
}
_JSON_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n?```\s*$", re.DOTALL)


class FormatConfig(GraderConfig):
    type: Literal["format"] = Field(default="format", description="Grader name.")
    pattern: str | None = Field(default=None, description="A regular expression the response must match.")
    match: Literal["full", "search"] = Field(
        default="search", description="'full': the whole response must match pattern; 'search': anywhere."
    )
    flags: list[Literal["IGNORECASE", "MULTILINE", "DOTALL", "ASCII"]] = Field(
        default_factory=list, description="Regex flags for pattern."
    )
    template: Literal["think_answer", "answer_tag", "boxed"] | None = Field(
        default=None,
        description=(
            "A ready format. think_answer: '<think>...</think><answer>...</answer>' and nothing else; "
            "answer_tag: ends with one '<answer>...</answer>'; boxed: holds a \\boxed{...} with balanced braces."
        ),
    )
    tags: dict[str, int] | None = Field(
        default=None, description="Exact number of times each string must occur, e.g. {'<think>': 1}."
    )
    min_chars: int | None = Field(default=None, ge=0, description="Shortest acceptable response.")
    max_chars: int | None = Field(default=None, gt=0, description="Longest acceptable response.")
    json_valid: bool = Field(
        default=False, description="The response must be valid JSON (a ```json fence around it is allowed)."
    )
    json_schema: dict[str, Any] | None = Field(
        default=None, description="A JSON Schema the response (parsed as JSON) must satisfy; implies json_valid."
    )
    partial_credit: bool = Field(
        default=False, description="Score the fraction of checks passed instead of all-or-nothing."
    )

    @model_validator(mode="after")
    def _check(self) -> FormatConfig:
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regex: {exc}") from exc
        if self.json_schema is not None:
            try:
                jsonschema.validators.validator_for(self.json_schema).check_schema(self.json_schema)
            except jsonschema.SchemaError as exc:
                raise ValueError(f"json_schema is not a valid JSON Schema: {exc.message}") from exc
        if self.min_chars is not None and self.max_chars is not None and self.min_chars > self.max_chars:
            raise ValueError("min_chars is larger than max_chars")
        if not any([self.pattern, self.template, self.tags, self.min_chars is not None,
                    self.max_chars is not None, self.json_valid, self.json_schema]):
            raise ValueError("no check configured: set pattern, template, tags, min_chars/max_chars or json_*")
        return self


def has_boxed(text: str) -> bool:
    """Whether the text holds a ``\\boxed{...}`` whose braces close."""
    start = text.find("\\boxed{")
    while start != -1:
        depth = 0
        for ch in text[start + 6 :]:
            depth += (ch == "{") - (ch == "}")
            if depth == 0:
                return True
        start = text.find("\\boxed{", start + 1)
    return False


def written_text(sample: Sample) -> str:
    """The response as the model wrote it: a reasoning field that a chat parser split out (kept in
    ``metadata["reasoning"]`` by the trainer adapters) goes back in its ``<think>`` block."""
    reasoning = sample.metadata.get("reasoning")
    if isinstance(reasoning, str) and reasoning and "<think>" not in sample.response:
        return f"<think>{reasoning}</think>{sample.response}"
    return sample.response


def parse_json(text: str) -> Any:
    """The JSON value of the response, allowing one surrounding ```json fence. Raises ValueError."""
    fenced = _JSON_FENCE.match(text)
    return json.loads(fenced.group(1) if fenced else text)


class FormatGrader(Grader):
    """Checks the response's format: regex, templates, tag counts, length, JSON and JSON Schema."""

    Config = FormatConfig
    config: FormatConfig

    def __init__(self, config: FormatConfig | None = None, **fields):
        super().__init__(config, **fields)
        self._checks = self._build_checks()

    def _build_checks(self) -> dict[str, Callable[[str], str | None]]:
        """Named checks, each returning None when it passes or why it failed."""
        cfg, checks = self.config, {}
        if cfg.pattern is not None:
            flags = 0
            for flag in cfg.flags:
                flags |= FLAGS[flag]
            regex = re.compile(cfg.pattern, flags)
            find = regex.fullmatch if cfg.match == "full" else regex.search
            checks["pattern"] = lambda r: None if find(r) else f"does not {cfg.match}-match the pattern"
        if cfg.template == "boxed":
            checks["template"] = lambda r: None if has_boxed(r) else "no \\boxed{...}"
        elif cfg.template is not None:
            template = TEMPLATES[cfg.template]
            checks["template"] = lambda r: None if template.fullmatch(r) else f"not in the {cfg.template} format"
        if cfg.tags:
            def count_tags(r: str) -> str | None:
                wrong = [f"{tag!r} x{r.count(tag)} (want {n})" for tag, n in cfg.tags.items() if r.count(tag) != n]
                return "tag counts: " + ", ".join(wrong) if wrong else None
            checks["tags"] = count_tags
        if cfg.min_chars is not None or cfg.max_chars is not None:
            lo, hi = cfg.min_chars or 0, cfg.max_chars or float("inf")
            checks["length"] = lambda r: None if lo <= len(r) <= hi else f"length {len(r)} outside [{lo}, {hi}]"
        if cfg.json_valid or cfg.json_schema is not None:
            validator = (jsonschema.validators.validator_for(cfg.json_schema)(cfg.json_schema)
                         if cfg.json_schema is not None else None)

            def check_json(r: str) -> str | None:
                try:
                    value = parse_json(r)
                except ValueError as exc:
                    return f"invalid JSON: {exc}"
                if validator is not None:
                    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
                    if error is not None:
                        return f"JSON Schema: {error.message}"[:200]
                return None
            checks["json"] = check_json
        return checks

    def grade(self, sample: Sample) -> Grade:
        return self.grade_batch([sample])[0]

    def grade_batch(self, samples: Sequence[Sample]) -> Grades:
        responses = [written_text(s) for s in samples]
        # One pass per check over the whole batch: column of failure reasons (None = passed).
        columns = {name: [check(r) for r in responses] for name, check in self._checks.items()}
        scores, passed, reasons, parts = [], [], [], []
        for i in range(len(responses)):
            failures = {name: column[i] for name, column in columns.items()}
            failed = [why for why in failures.values() if why is not None]
            sub = {name: 0.0 if why else 1.0 for name, why in failures.items()}
            scores.append(sum(sub.values()) / len(sub) if self.config.partial_credit else float(not failed))
            passed.append(not failed)
            reasons.append("; ".join(failed) if failed else "format ok")
            parts.append(sub)
        return Grades(scores=scores, passed=passed, reasons=reasons, parts=parts)
