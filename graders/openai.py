"""Hosted-RFT grader specs (``string_check``, ``text_similarity``, ``multi``, ``score_model``,
``label_model``, ``python``) loaded as they are written for a hosted reinforcement fine-tuning service::

    {"type": "string_check", "name": "exact", "input": "{{ sample.output_text }}",
     "reference": "{{ item.answer }}", "operation": "eq"}

Templates: ``{{ sample.output_text }}`` (the response), ``{{ sample.output_json.a.b }}`` (a field of
the response parsed as JSON; a response that is not JSON, or lacks the field, scores 0 with error
``invalid_response``), ``{{ item.a.b }}`` (the sample's metadata field, i.e. the dataset row's column;
a missing top-level field falls back to the sample's reference), mixed with literal text. References
may only use ``item`` fields: a reference made of the model's own output would pass every answer.
``item.reasoning`` is refused too: the trainer adapters keep the model's reasoning there.

``text_similarity`` implements every metric but ``cosine`` (see ``graders.text_metrics``);
``pass_threshold`` is optional, as in the fine-tuning grader type (without it a sample passes at
similarity 1). ``score_model`` / ``label_model`` call an OpenAI-compatible endpoint
(``graders.judge``). ``python`` graders run the spec's ``grade(sample, item)`` inside the
rewardkit-codeexec plugin's sandbox (no network, no host files, CPU and memory limits), and are
refused where that plugin or its sandbox is missing.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graders import text_metrics
from graders.combine import CombineGrader
from graders.contains import ContainsGrader
from graders.exact import ExactGrader
from graders.formula import FormulaError, parse_formula, variables
from graders.judge import ChatJudge, EndpointConfig, JudgeUnavailable, reply_number, reply_result
from rewardkit.errors import GraderConfigError
from rewardkit.grader import Grader, GraderConfig, error_grade
from rewardkit.types import Grade, Grades, Sample, SampleBatch

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_PATH = re.compile(r"^(sample\.output_text|sample\.output_json(?:\.\w+)*|item(?:\.\w+)+)$")
RAW_TEXT = {"strip": False, "collapse_whitespace": False, "unicode_nfkc": False}
MODEL_REASONING_FIELD = "reasoning"
MAPPABLE = ("string_check", "text_similarity", "multi", "score_model", "label_model", "python")


class TemplateError(ValueError):
    """A template cannot be filled for a sample (the response is not JSON, a field is missing)."""


def check_template(text: str, allow_sample: bool, where: str) -> str:
    """Validate every ``{{ ... }}`` of a template; ValueError with the reason."""
    for path in _PLACEHOLDER.findall(text):
        if not _PATH.match(path):
            raise ValueError(f"{where}: '{{{{ {path} }}}}' is not sample.output_text, sample.output_json[.FIELD] "
                             "or item.FIELD")
        if path.startswith("sample.") and not allow_sample:
            raise ValueError(f"{where}: references must be '{{{{ item.FIELD }}}}' or text, not '{{{{ {path} }}}}' "
                             "(the model's own output would pass every answer)")
        if path.split(".")[:2] == ["item", MODEL_REASONING_FIELD]:
            raise ValueError(f"{where}: item.{MODEL_REASONING_FIELD} holds the model's own reasoning in rewardkit")
    if "{{" in _PLACEHOLDER.sub("", text) or "}}" in _PLACEHOLDER.sub("", text):
        raise ValueError(f"{where}: unbalanced '{{{{' / '}}}}' in {text!r}")
    return text


def _walk(value: Any, keys: list[str], what: str) -> Any:
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise TemplateError(f"{what} has no field {key!r}")
        value = value[key]
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def fill(text: str, sample: Sample) -> Any:
    """The template filled for one sample: text, or a whole item value (a template of one placeholder)."""
    parsed: dict[str, Any] = {}

    def value(path: str) -> Any:
        head, *keys = path.split(".")
        if head == "item":
            if keys[0] not in sample.metadata and len(keys) == 1:
                return sample.reference
            return _walk(sample.metadata, keys, "the item")
        if keys == ["output_text"]:
            return sample.response
        if "json" not in parsed:
            try:
                parsed["json"] = json.loads(sample.response)
            except (ValueError, RecursionError) as exc:
                raise TemplateError(f"the response is not JSON: {exc}"[:200]) from exc
        return _walk(parsed["json"], keys[1:], "the response's JSON")

    whole = _PLACEHOLDER.fullmatch(text.strip())
    if whole:
        return value(whole.group(1))
    return _PLACEHOLDER.sub(lambda m: _text(value(m.group(1))), text)


class _TemplateConfig(GraderConfig):
    name: str = Field(default="", description="The grader's name (used in multi formulas).")
    input: str = Field(default="{{ sample.output_text }}",
                       description="The graded text: a template over sample.output_text, sample.output_json, item.")
    reference: str = Field(description="'{{ item.FIELD }}' (metadata FIELD, else the sample's reference), text, or both.")

    @field_validator("input")
    @classmethod
    def _input(cls, value: str) -> str:
        return check_template(value, allow_sample=True, where="input")

    @field_validator("reference")
    @classmethod
    def _reference(cls, value: str) -> str:
        return check_template(value, allow_sample=False, where="reference")


def _filled(config: _TemplateConfig, sample: Sample) -> Sample | Grade:
    """The sample with its input and reference templates filled, or an error grade."""
    try:
        response, reference = fill(config.input, sample), fill(config.reference, sample)
    except TemplateError as exc:
        return error_grade("invalid_response", str(exc))
    if not isinstance(response, str):
        response = _text(response)
    if reference is not None and not isinstance(reference, str) and not (
            isinstance(reference, list) and all(isinstance(r, str) for r in reference)):
        reference = _text(reference)
    return sample.model_copy(update={"response": response, "reference": reference})


def grade_filled(grade_some, config: _TemplateConfig, samples: SampleBatch) -> Grades:
    """Fill the templates of every sample, grade those that could be filled with ``grade_some``."""
    filled = [_filled(config, s) for s in samples]
    ready = [i for i, f in enumerate(filled) if isinstance(f, Sample)]
    graded = iter(grade_some([filled[i] for i in ready]) if ready else [])
    return Grades.of([next(graded) if isinstance(f, Sample) else f for f in filled])


class _Templated(Grader):
    """Fills the templates, then delegates to a rewardkit grader."""

    inner: Grader

    def grade_batch(self, samples: SampleBatch) -> Grades:
        return grade_filled(self.inner.grade_batch, self.config, samples)


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
    evaluation_metric: str = Field(
        description="fuzzy_match, bleu, gleu, meteor (no WordNet synonyms), rouge_1..rouge_5, rouge_l; "
        "cosine is refused (it needs an embedding model).")
    pass_threshold: float | None = Field(
        default=None, ge=0, le=1, description="A similarity at or above this passes; none: only similarity 1 passes.")

    @field_validator("evaluation_metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value == "cosine":
            raise ValueError("evaluation_metric 'cosine' compares embeddings and needs an embedding model, which "
                             "text_similarity does not run; use rouge_l, meteor, bleu or fuzzy_match")
        if value not in text_metrics.METRICS:
            raise ValueError(f"evaluation_metric {value!r} is not one of {', '.join(text_metrics.METRICS)}")
        text_metrics.check_available(value)
        return value


class TextSimilarityGrader(Grader):
    """Hosted-RFT text_similarity: every metric but cosine, the best over several references."""

    Config = TextSimilarityConfig

    def grade_batch(self, samples: SampleBatch) -> Grades:
        return grade_filled(self._similarities, self.config, samples)

    def _similarities(self, samples: list[Sample]) -> Grades:
        metric = self.config.evaluation_metric
        scorer = text_metrics.SCORERS[metric]
        threshold = self.config.pass_threshold if self.config.pass_threshold is not None else 1.0
        grades = []
        for sample in samples:
            references = sample.references()
            if not references:
                grades.append(error_grade("missing_reference", "this grader needs a reference", score=None))
                continue
            if any(text_metrics.too_costly(metric, sample.response, r) for r in references):
                grades.append(error_grade("response_too_long", f"{metric} would align more than "
                                          f"{text_metrics.MAX_ALIGNED_PAIRS} word pairs"))
                continue
            score = max(scorer(sample.response, r) for r in references)
            passed = score >= threshold
            grades.append(Grade(score=score, passed=passed, reason=f"{metric} {score:.3f}"))
        return Grades.of(grades)


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
            if spec.get("type") not in MAPPABLE:
                raise ValueError(f"graders.{name}: type {spec.get('type')!r} cannot be mapped "
                                 f"({', '.join(MAPPABLE)} can)")
        return self


class MultiGrader(Grader):
    """Hosted-RFT multi grader (sub-graders and calculate_output) as combine with a formula."""

    Config = MultiConfig

    def __init__(self, config=None, **fields):
        super().__init__(config, **fields)
        self.inner = CombineGrader(graders=self.config.graders, method="formula", formula=self.config.calculate_output)

    def grade_batch(self, samples: SampleBatch) -> Grades:
        return self.inner.grade_batch(samples)


class Message(BaseModel):
    """One message of a judge's prompt."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["message"] = Field(default="message", description="Always 'message'.")
    role: Literal["system", "developer", "user", "assistant"] = Field(description="Who says it.")
    content: str | list[dict[str, Any]] = Field(
        description="A template, or a list of {'type': 'input_text', 'text': template} parts.")

    def template(self) -> str:
        if isinstance(self.content, str):
            return self.content
        parts = []
        for part in self.content:
            if part.get("type") not in ("input_text", "text") or not isinstance(part.get("text"), str):
                raise ValueError("message content parts must be {'type': 'input_text', 'text': ...}")
            parts.append(part["text"])
        return "".join(parts)

    @model_validator(mode="after")
    def _check(self) -> Message:
        check_template(self.template(), allow_sample=True, where=f"{self.role} message")
        return self


class _ModelConfig(GraderConfig):
    name: str = Field(default="", description="The grader's name.")
    model: str = Field(min_length=1, description="The judge model's name at the endpoint.")
    input: list[Message] = Field(min_length=1, description="The judge's messages (templates).")
    sampling_params: dict[str, Any] = Field(
        default_factory=dict,
        description="temperature, top_p, seed, max_completions_tokens (sent as max_tokens), passed to the endpoint.")
    endpoint: EndpointConfig | None = Field(
        default=None, description="rewardkit: where the judge runs (base_url, api_key_env, max_concurrency, "
        "max_retries, request_timeout_s); none: the environment's endpoint and the defaults.")

    @field_validator("sampling_params")
    @classmethod
    def _sampling(cls, value: dict[str, Any]) -> dict[str, Any]:
        allowed = {"temperature", "top_p", "seed", "max_completions_tokens", "max_tokens", "reasoning_effort"}
        if set(value) - allowed:
            raise ValueError(f"sampling_params: unknown {sorted(set(value) - allowed)} (known: {sorted(allowed)})")
        return value


class _ModelGrader(Grader):
    """Fills the judge's message templates per sample and asks the judge, several at a time."""

    def __init__(self, config=None, **fields):
        super().__init__(config, **fields)
        sampling = dict(self.config.sampling_params)
        if "max_completions_tokens" in sampling:
            sampling["max_tokens"] = sampling.pop("max_completions_tokens")
        self.endpoint = self.config.endpoint or EndpointConfig()
        self.judge = ChatJudge(self.endpoint, self.config.model, sampling)

    def instruction(self) -> str:
        raise NotImplementedError

    def verdict(self, reply: str) -> Grade:
        raise NotImplementedError

    def _one(self, sample: Sample) -> Grade:
        try:
            messages = [{"role": m.role, "content": _text(fill(m.template(), sample))} for m in self.config.input]
        except TemplateError as exc:
            return error_grade("invalid_response", str(exc))
        messages.append({"role": "system", "content": self.instruction()})
        try:
            reply = self.judge.reply(messages)
        except JudgeUnavailable as exc:
            return error_grade("judge_unavailable", str(exc)[:300], score=None)
        return self.verdict(reply)

    def grade_batch(self, samples: SampleBatch) -> Grades:
        with ThreadPoolExecutor(self.endpoint.max_concurrency) as pool:
            return Grades.of(list(pool.map(self._one, samples)))


class ScoreModelConfig(_ModelConfig):
    type: Literal["score_model"] = Field(default="score_model", description="Grader name.")
    range: tuple[float, float] = Field(default=(0.0, 1.0), description="The judge's score range [low, high].")
    pass_threshold: float | None = Field(
        default=None, description="A judge score at or above this passes; none: only the top of the range.")

    @model_validator(mode="after")
    def _range(self) -> ScoreModelConfig:
        low, high = self.range
        if not low < high:
            raise ValueError(f"range must be [low, high] with low < high, not {list(self.range)}")
        return self


class ScoreModelGrader(_ModelGrader):
    """Hosted-RFT score_model: an LLM judge's number in range, scaled to [0, 1]."""

    Config = ScoreModelConfig

    def instruction(self) -> str:
        low, high = self.config.range
        return f'Reply with only a JSON object {{"result": <a number from {low:g} to {high:g}>}}.'

    def verdict(self, reply: str) -> Grade:
        low, high = self.config.range
        value = reply_number(reply)
        if value is None:
            return error_grade("judge_parse_error", f"the judge's reply is not a number: {reply[:120]!r}")
        if not low <= value <= high:
            return error_grade("judge_parse_error", f"the judge's score {value:g} is outside [{low:g}, {high:g}]")
        threshold = self.config.pass_threshold if self.config.pass_threshold is not None else high
        return Grade(score=(value - low) / (high - low), passed=value >= threshold, reason=f"judge score {value:g}",
                     extracted=f"{value:g}")


class LabelModelConfig(_ModelConfig):
    type: Literal["label_model"] = Field(default="label_model", description="Grader name.")
    labels: list[str] = Field(min_length=1, description="The labels the judge chooses from.")
    passing_labels: list[str] = Field(min_length=1, description="The labels that pass (score 1).")

    @model_validator(mode="after")
    def _labels(self) -> LabelModelConfig:
        if set(self.passing_labels) - set(self.labels):
            raise ValueError(f"passing_labels {sorted(set(self.passing_labels) - set(self.labels))} are not labels")
        return self


class LabelModelGrader(_ModelGrader):
    """Hosted-RFT label_model: an LLM judge's label; 1 when it is a passing label."""

    Config = LabelModelConfig

    def instruction(self) -> str:
        return f'Reply with only a JSON object {{"result": <one of {json.dumps(self.config.labels)}>}}.'

    def verdict(self, reply: str) -> Grade:
        label = reply_result(reply)
        if not isinstance(label, str) or label.strip() not in self.config.labels:
            return error_grade("judge_parse_error", f"the judge's reply is not one of the labels: {reply[:120]!r}")
        passed = label.strip() in self.config.passing_labels
        return Grade(score=float(passed), passed=passed, reason=f"judge label {label.strip()!r}",
                     extracted=label.strip())


PYTHON_PLUGIN = ("python graders run the spec's code on every sample, which rewardkit does only in the sandbox of "
                 "the rewardkit-codeexec plugin: pip install ./plugins/rewardkit-codeexec")


def _codeexec():
    """The code_exec plugin's sandbox and harness; GraderConfigError when they cannot run here."""
    try:
        from rewardkit_codeexec import harness, sandbox
    except ImportError as exc:
        raise GraderConfigError(f"{PYTHON_PLUGIN} (not installed)", field="type") from exc
    reason = sandbox.unavailable_reason()
    if reason is not None:
        raise GraderConfigError(f"python graders run only in the rewardkit-codeexec sandbox, which cannot be made "
                                f"here ({reason})", field="type")
    return sandbox, harness


class PythonConfig(GraderConfig):
    type: Literal["python"] = Field(default="python", description="Grader name.")
    name: str = Field(default="", description="The grader's name.")
    source: str = Field(min_length=1, description="Python source defining grade(sample, item) -> float in [0, 1].")
    image_tag: str | None = Field(
        default=None, description="The hosted runtime's image: ignored (the sandbox has the standard library only).")
    timeout_s: float = Field(default=10.0, gt=0, le=600, description="CPU seconds one grade may use.")
    memory_mb: int = Field(default=512, ge=16, le=16384, description="Memory limit of the sandboxed process.")


class PythonGrader(Grader):
    """Hosted-RFT python grader: the spec's grade(sample, item) run in the rewardkit-codeexec sandbox."""

    Config = PythonConfig

    def __init__(self, config=None, **fields):
        super().__init__(config, **fields)
        self._sandbox, self._harness = _codeexec()

    def _one(self, sample: Sample) -> Grade:
        harness, cfg = self._harness, self.config
        try:
            output_json = json.loads(sample.response)
        except (ValueError, RecursionError):
            output_json = None
        item = dict(sample.metadata)
        item.pop(MODEL_REASONING_FIELD, None)  # the model's own text is in sample, not in item
        item.setdefault("reference", sample.reference)
        try:
            args = harness.encode([{"output_text": sample.response, "output_json": output_json}, item])
        except harness.NotData as exc:
            return error_grade("invalid_reference", f"the item is not plain data: {exc}", score=None)
        limits = {"timeout_s": cfg.timeout_s, "memory_mb": cfg.memory_mb, "file_mb": 16, "processes": 1,
                  "output_bytes": 1 << 16}
        job = {"mode": "call", "code": cfg.source, "cases": [{"fn": "grade", "args": args, "kwargs": harness.encode({})}],
               "limits": limits, "n_cases": 1}
        try:
            frames = self._sandbox.run(job, None, sandboxed=True, tmp_mb=16, wall_s=10 * cfg.timeout_s + 10,
                                       max_bytes=1 << 20)
        except self._sandbox.SandboxError as exc:
            return error_grade("sandbox_error", str(exc)[:200])
        frame = next((f for f in frames if f.get("case") == 0), None)
        status = frame.get("status") if frame else "timeout"
        if status in ("timeout", "crash", "output_limit", "load_error"):
            return error_grade("timeout" if status == "timeout" else "grader_error", f"the python grader: {status}")
        try:
            reply = harness.decode(frame.get("reply")) if isinstance(frame.get("reply"), str) else None
        except (ValueError, TypeError, RecursionError):
            reply = None
        if type(reply) is not list or len(reply) < 2 or reply[0] != "ok":
            raised = reply[1] if type(reply) is list and len(reply) > 1 and reply[0] == "raise" else "nothing usable"
            return error_grade("grader_error", f"the python grader raised {str(raised)[:80]}")
        value = reply[1]
        if type(value) not in (int, float) or not 0.0 <= value <= 1.0:
            return error_grade("grader_error", f"the python grader returned {str(value)[:40]}, not a number in [0, 1]")
        return Grade(score=float(value), passed=value >= 1.0, reason=f"python grader {float(value):g}")

    def grade_batch(self, samples: SampleBatch) -> Grades:
        with ThreadPoolExecutor(min(len(samples), 4) or 1) as pool:
            return Grades.of(list(pool.map(self._one, samples)))


HOSTED_GRADERS = (StringCheckGrader, TextSimilarityGrader, MultiGrader, ScoreModelGrader, LabelModelGrader,
                  PythonGrader)
