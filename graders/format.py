"""``format``: structural checks on the response: regex, templates, tag counts, length, JSON (Schema).

A format reward is gamed by producing the shape without the content: empty tags
(``<think></think><answer></answer>``), nested or repeated answer blocks, an answer hidden in the
think block. The templates are parsed by hand, in one linear pass, and refuse all of these by
default (``allow_empty`` lets empty blocks through). Every regex that sees the response (``pattern``
and the JSON Schema's ``pattern`` / ``patternProperties``) runs on RE2, in linear time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal

import jsonschema
from jsonschema.exceptions import ValidationError
from pydantic import Field, field_validator, model_validator

from graders._regex import PatternError, compile_linear
from rewardkit.grader import Grader, GraderConfig
from rewardkit.types import Grade, Grades, Sample

_THINK, _END_THINK, _ANSWER, _END_ANSWER = "<think>", "</think>", "<answer>", "</answer>"
_BOXED = "\\boxed{"
_BOXED_OR_BRACE = re.compile(r"\\boxed\{|[{}]")  # literal alternatives: linear


class FormatConfig(GraderConfig):
    type: Literal["format"] = Field(default="format", description="Grader name.")
    pattern: str | None = Field(
        default=None,
        description="A regular expression the response must match, run by RE2 in linear time: no backreferences "
        "or lookaround; \\d \\w \\s \\b are ASCII (use \\pL, \\pN for Unicode).",
    )
    match: Literal["full", "search"] = Field(
        default="search", description="'full': the whole response must match pattern; 'search': anywhere."
    )
    flags: list[Literal["IGNORECASE", "MULTILINE", "DOTALL", "ASCII"]] = Field(
        default_factory=list, description="Regex flags for pattern (ASCII changes nothing: RE2's classes are ASCII)."
    )
    template: Literal["think_answer", "answer_tag", "boxed"] | None = Field(
        default=None,
        description=(
            "A ready format. think_answer: '<think>...</think><answer>...</answer>' and nothing else; "
            "answer_tag: ends with '<answer>...</answer>'; boxed: holds a \\boxed{...} with balanced braces. "
            "Each tag exactly once (no nested, repeated or misplaced blocks) and no empty block."
        ),
    )
    allow_empty: bool = Field(
        default=False,
        description="Let a template's blocks be empty or whitespace ('<answer></answer>', '\\boxed{}'); "
        "off by default, since an empty block is the format without the work.",
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
        default=None,
        description="A JSON Schema the response (parsed as JSON) must satisfy; implies json_valid. Its pattern "
        "and patternProperties regexes run on RE2.",
    )
    partial_credit: bool = Field(
        default=False, description="Score the fraction of checks passed instead of all-or-nothing."
    )

    @field_validator("pattern")
    @classmethod
    def _check_pattern(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                compile_linear(pattern)
            except PatternError as exc:
                raise ValueError(f"not a valid regex: {exc}") from None
        return pattern

    @field_validator("json_schema")
    @classmethod
    def _check_json_schema(cls, schema: dict[str, Any] | None) -> dict[str, Any] | None:
        if schema is not None:
            try:
                jsonschema.validators.validator_for(schema).check_schema(schema)
            except jsonschema.SchemaError as exc:
                raise ValueError(f"not a valid JSON Schema: {exc.message}") from exc
            _check_schema_regexes(schema)
        return schema

    @model_validator(mode="after")
    def _check(self) -> FormatConfig:
        if self.min_chars is not None and self.max_chars is not None and self.min_chars > self.max_chars:
            raise ValueError("min_chars is larger than max_chars")
        if not any([self.pattern, self.template, self.tags, self.min_chars is not None,
                    self.max_chars is not None, self.json_valid, self.json_schema]):
            raise ValueError("no check configured: set pattern, template, tags, min_chars/max_chars or json_*")
        return self


# -- templates ---------------------------------------------------------------------------------

def _once(text: str, tags: Sequence[str]) -> str | None:
    """Why the tags do not each occur exactly once, or None."""
    wrong = [f"{tag} x{n}" for tag in tags if (n := text.count(tag)) != 1]
    return f"each tag must occur once ({', '.join(wrong)})" if wrong else None


def _empty(name: str, content: str, allow_empty: bool) -> str | None:
    return None if allow_empty or content.strip() else f"empty {name} block"


def check_think_answer(text: str, allow_empty: bool = False) -> str | None:
    """Why the text is not exactly '<think>T</think> <answer>A</answer>' (T, A not empty), or None."""
    wrong = _once(text, (_THINK, _END_THINK, _ANSWER, _END_ANSWER))
    if wrong:
        return wrong
    body = text.strip()
    if not body.startswith(_THINK) or not body.endswith(_END_ANSWER):
        return "must start with <think> and end with </answer>"
    think_end, answer_start = body.index(_END_THINK), body.index(_ANSWER)
    if answer_start < think_end or body[think_end + len(_END_THINK):answer_start].strip():
        return "only whitespace may separate </think> and <answer>"
    return (_empty("<think>", body[len(_THINK):think_end], allow_empty)
            or _empty("<answer>", body[answer_start + len(_ANSWER):-len(_END_ANSWER)], allow_empty))


def check_answer_tag(text: str, allow_empty: bool = False) -> str | None:
    """Why the text does not end with its one '<answer>A</answer>' (A not empty), or None."""
    wrong = _once(text, (_ANSWER, _END_ANSWER))
    if wrong:
        return wrong
    body = text.rstrip()
    if not body.endswith(_END_ANSWER):
        return "must end with <answer>...</answer>"
    return _empty("<answer>", body[body.index(_ANSWER) + len(_ANSWER):-len(_END_ANSWER)], allow_empty)


def check_boxed(text: str, allow_empty: bool = False) -> str | None:
    """Why the text holds no ``\\boxed{...}`` whose braces close around content, or None.

    One pass over the braces with a stack (a brace opened by ``\\boxed{`` is marked), so a
    response of thousands of unclosed ``\\boxed{`` costs the same as one.
    """
    if _BOXED not in text:
        return "no \\boxed{...}"
    stack: list[int] = []  # for each open brace: where its content starts, or -1 if not a \boxed{
    for m in _BOXED_OR_BRACE.finditer(text, text.index(_BOXED)):
        token = m.group()
        if token == "}":
            if stack and (start := stack.pop()) >= 0 and (allow_empty or text[start:m.start()].strip()):
                return None
        else:
            stack.append(m.end() if token == _BOXED else -1)
    return "no \\boxed{...} with closed braces and content"


TEMPLATES: dict[str, Callable[[str, bool], str | None]] = {
    "think_answer": check_think_answer, "answer_tag": check_answer_tag, "boxed": check_boxed,
}


# -- JSON --------------------------------------------------------------------------------------

def written_text(sample: Sample) -> str:
    """The response as the model wrote it: a reasoning field that a chat parser split out (kept in
    ``metadata["reasoning"]`` by the trainer adapters) goes back in its ``<think>`` block."""
    reasoning = sample.metadata.get("reasoning")
    if isinstance(reasoning, str) and reasoning and "<think>" not in sample.response:
        return f"<think>{reasoning}</think>{sample.response}"
    return sample.response


def parse_json(text: str) -> Any:
    """The JSON value of the response, allowing one surrounding ```json fence. Raises ValueError."""
    body = text.strip()
    if len(body) >= 6 and body.startswith("```") and body.endswith("```"):
        info, newline, content = body[3:-3].partition("\n")
        if newline and info.strip() in ("", "json"):
            text = content
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _schema_regexes(schema: Any) -> Iterator[str]:
    """Every regex of a JSON Schema: ``pattern`` values and ``patternProperties`` keys, at any depth."""
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            elif key == "patternProperties" and isinstance(value, Mapping):
                yield from value
            yield from _schema_regexes(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _schema_regexes(item)


def _has_key(schema: Any, name: str) -> bool:
    if isinstance(schema, Mapping):
        return name in schema or any(_has_key(v, name) for v in schema.values())
    return isinstance(schema, list) and any(_has_key(v, name) for v in schema)


def _check_schema_regexes(schema: dict[str, Any]) -> None:
    for regex in _schema_regexes(schema):
        try:
            compile_linear(regex)
        except PatternError as exc:
            raise ValueError(f"regex {regex[:80]!r} is not valid: {exc}") from None
    if _has_key(schema, "patternProperties") and _has_key(schema, "unevaluatedProperties"):
        # jsonschema matches patternProperties with Python's re when it evaluates unevaluatedProperties.
        raise ValueError("patternProperties with unevaluatedProperties is not supported "
                         "(its regexes would run on a backtracking engine)")


# jsonschema matches regexes with Python's re; these keywords do the same on RE2.
def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not compile_linear(pattern).search(instance):
        yield ValidationError(f"{instance[:80]!r} does not match {pattern!r}")


def _pattern_properties(validator, patterns, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        regex = compile_linear(pattern)
        for key, value in instance.items():
            if regex.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(original):
    def additional_properties(validator, additional, instance, schema):
        if "patternProperties" not in schema or not validator.is_type(instance, "object"):
            yield from original(validator, additional, instance, schema)
            return
        regexes = [compile_linear(p) for p in schema["patternProperties"]]
        known = schema.get("properties", {})
        extras = sorted(k for k in instance if k not in known and not any(r.search(k) for r in regexes))
        if validator.is_type(additional, "object"):
            for extra in extras:
                yield from validator.descend(instance[extra], additional, path=extra)
        elif not additional and extras:
            yield ValidationError(f"{', '.join(map(repr, extras))} match none of the patternProperties")
    return additional_properties


def linear_validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    """A validator for ``schema`` whose regex keywords run on RE2."""
    cls = jsonschema.validators.validator_for(schema)
    keywords = {"pattern": _pattern, "patternProperties": _pattern_properties}
    if "additionalProperties" in cls.VALIDATORS:
        keywords["additionalProperties"] = _additional_properties(cls.VALIDATORS["additionalProperties"])
    return jsonschema.validators.extend(cls, keywords)(schema)


# -- the grader --------------------------------------------------------------------------------

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
            regex = compile_linear(cfg.pattern, ignore_case="IGNORECASE" in cfg.flags,
                                   multiline="MULTILINE" in cfg.flags, dotall="DOTALL" in cfg.flags)
            find = regex.fullmatch if cfg.match == "full" else regex.search
            checks["pattern"] = lambda r: None if find(r) else f"does not {cfg.match}-match the pattern"
        if cfg.template is not None:
            template, allow_empty = TEMPLATES[cfg.template], cfg.allow_empty

            def check_template(r: str) -> str | None:
                why = template(r, allow_empty)
                return f"not in the {cfg.template} format: {why}" if why else None
            checks["template"] = check_template
        if cfg.tags:
            def count_tags(r: str) -> str | None:
                wrong = [f"{tag!r} x{r.count(tag)} (want {n})" for tag, n in cfg.tags.items() if r.count(tag) != n]
                return "tag counts: " + ", ".join(wrong) if wrong else None
            checks["tags"] = count_tags
        if cfg.min_chars is not None or cfg.max_chars is not None:
            lo, hi = cfg.min_chars or 0, cfg.max_chars or float("inf")
            checks["length"] = lambda r: None if lo <= len(r) <= hi else f"length {len(r)} outside [{lo}, {hi}]"
        if cfg.json_valid or cfg.json_schema is not None:
            validator = linear_validator(cfg.json_schema) if cfg.json_schema is not None else None

            def check_json(r: str) -> str | None:
                try:
                    value = parse_json(r)
                except ValueError as exc:
                    return f"invalid JSON: {exc}"[:200]
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
