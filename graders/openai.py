"""Hosted-RFT grader specs (``string_check``, ``text_similarity``, ``multi``) mapped onto rewardkit graders.

A spec written for a hosted reinforcement fine-tuning service loads as it is::

    {"type": "string_check", "name": "exact", "input": "{{ sample.output_text }}",
     "reference": "{{ item.answer }}", "operation": "eq"}

``input`` must be ``{{ sample.output_text }}`` (the response). ``reference`` is either
``{{ item.FIELD }}`` (the sample's metadata field FIELD, else the sample's reference) or literal
text. What cannot be mapped (other templates, other metrics, model or Python graders) is rejected
with the reason when the spec is loaded.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from graders.combine import CombineGrader
from graders.contains import ContainsGrader
from graders.exact import ExactGrader
from graders.formula import FormulaError, parse_formula, variables
from graders.similarity import SimilarityGrader
from rewardkit.grader import Grader, GraderConfig
from rewardkit.types import Grades, Sample, SampleBatch

_TEMPLATE = re.compile(r"^\{\{\s*([A-Za-z_][\w.]*)\s*\}\}$")
_ANY_TEMPLATE = re.compile(r"\{\{.*?\}\}")
RAW_TEXT = {"strip": False, "collapse_whitespace": False, "unicode_nfkc": False}


def _check_input(value: str) -> str:
    m = _TEMPLATE.match(value.strip())
    if not m or m.group(1) != "sample.output_text":
        raise ValueError(f"only '{{{{ sample.output_text }}}}' can be mapped as input, not {value!r}")
    return value


def _check_reference(value: str) -> str:
    m = _TEMPLATE.match(value.strip())
    if m:
        if not m.group(1).startswith("item."):
            raise ValueError(f"reference templates must be '{{{{ item.FIELD }}}}', not {value!r}")
    elif _ANY_TEMPLATE.search(value):
        raise ValueError(f"a reference mixing text and templates cannot be mapped: {value!r}")
    return value


class _TemplateConfig(GraderConfig):
    name: str = Field(default="", description="The grader's name (used in multi formulas).")
    input: str = Field(default="{{ sample.output_text }}", description="Must be '{{ sample.output_text }}'.")
    reference: str = Field(description="'{{ item.FIELD }}' (metadata FIELD, else the sample's reference) or text.")

    @field_validator("input")
    @classmethod
    def _input(cls, value: str) -> str:
        return _check_input(value)

    @field_validator("reference")
    @classmethod
    def _reference(cls, value: str) -> str:
        return _check_reference(value)


class _Templated(Grader):
    """Resolves the reference template, then delegates to a rewardkit grader."""

    inner: Grader

    def _resolve(self, sample: Sample) -> Sample:
        m = _TEMPLATE.match(self.config.reference.strip())
        if not m:
            reference: Any = self.config.reference
        else:
            field = m.group(1)[len("item."):]
            reference = sample.metadata.get(field, sample.reference)
        return sample.model_copy(update={"reference": reference})

    def grade_batch(self, samples: SampleBatch) -> Grades:
        return self.inner.grade_batch([self._resolve(s) for s in samples])


class StringCheckConfig(_TemplateConfig):
    type: Literal["string_check"] = Field(default="string_check", description="Grader name.")
    operation: Literal["eq", "ne", "like", "ilike"] = Field(
        description="eq / ne: the response equals / differs from the reference, exactly; like / ilike: it "
        "contains the reference, case-sensitive / case-insensitive."
    )


class StringCheckGrader(_Templated):
    """Hosted-RFT string_check (eq, ne, like, ilike) as exact / contains."""

    Config = StringCheckConfig

    def __init__(self, config=None, **fields):
        super().__init__(config, **fields)
        op = self.config.operation
        if op in ("eq", "ne"):
            exact = ExactGrader(**RAW_TEXT)
            self.inner = exact if op == "eq" else CombineGrader(
                graders={"eq": {"type": "exact", **RAW_TEXT}}, method="formula", formula="1 - eq", pass_threshold=1.0)
        else:
            # The hosted like / ilike is a plain substring test: its semantics, not contains' defaults.
            self.inner = ContainsGrader(case_sensitive=op == "like", whole_word=False, distractors_field=None,
                                        max_extra_words=None)


class TextSimilarityConfig(_TemplateConfig):
    type: Literal["text_similarity"] = Field(default="text_similarity", description="Grader name.")
    evaluation_metric: str = Field(description="Only 'fuzzy_match' (rapidfuzz fuzz.ratio / 100) can be mapped.")
    pass_threshold: float = Field(ge=0, le=1, description="A similarity at or above this passes.")

    @field_validator("evaluation_metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value != "fuzzy_match":
            raise ValueError(f"evaluation_metric {value!r} has no rewardkit equivalent; only 'fuzzy_match' maps")
        return value


class TextSimilarityGrader(_Templated):
    """Hosted-RFT text_similarity (fuzzy_match) as similarity with the indel metric."""

    Config = TextSimilarityConfig

    def __init__(self, config=None, **fields):
        super().__init__(config, **fields)
        self.inner = SimilarityGrader(metric="indel", threshold=self.config.pass_threshold, **RAW_TEXT)


class MultiConfig(GraderConfig):
    type: Literal["multi"] = Field(default="multi", description="Grader name.")
    name: str = Field(default="", description="The grader's name.")
    graders: dict[str, dict[str, Any]] = Field(min_length=1, description="Sub-graders (hosted-RFT specs) by name.")
    calculate_output: str = Field(description="Formula over the sub-grader names (+ - * / ^ min max abs ...).")

    @model_validator(mode="after")
    def _formula(self) -> MultiConfig:
        try:
            unknown = variables(parse_formula(self.calculate_output)) - set(self.graders)
        except FormulaError as exc:
            raise ValueError(f"calculate_output: {exc}") from exc
        if unknown:
            raise ValueError(f"calculate_output uses unknown graders {sorted(unknown)}")
        for name, spec in self.graders.items():
            if spec.get("type") not in ("string_check", "text_similarity", "multi"):
                raise ValueError(f"graders.{name}: type {spec.get('type')!r} cannot be mapped "
                                 "(string_check, text_similarity and multi can)")
        return self


class MultiGrader(Grader):
    """Hosted-RFT multi grader (sub-graders and calculate_output) as combine with a formula."""

    Config = MultiConfig

    def __init__(self, config=None, **fields):
        super().__init__(config, **fields)
        self.inner = CombineGrader(graders=self.config.graders, method="formula", formula=self.config.calculate_output)

    def grade_batch(self, samples: SampleBatch) -> Grades:
        return self.inner.grade_batch(samples)


HOSTED_GRADERS = (StringCheckGrader, TextSimilarityGrader, MultiGrader)
