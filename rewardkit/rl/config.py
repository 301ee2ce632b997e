"""The training configuration: one pydantic model, validated before any model loads, saved with
every checkpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rewardkit.devices import Device
from rewardkit.errors import GraderConfigError, RewardkitError


class ConfigError(RewardkitError, ValueError):
    """A training config is invalid; the message names the field."""


class RewardConfig(BaseModel):
    """One reward: a rewardkit grader spec and its weight in the total reward."""

    model_config = ConfigDict(extra="forbid")

    grader: str | dict[str, Any] = Field(description="A grader name, spec dict or spec file (any registered grader).")
    weight: float = Field(default=1.0, description="Weight of this reward in the weighted sum.")
    name: str | None = Field(default=None, description="Name in the metrics (default: the grader's type).")


class LoraConfig(BaseModel):
    """LoRA adapters (peft): only the adapters train, are checkpointed and take optimizer state."""

    model_config = ConfigDict(extra="forbid")

    r: int = Field(default=16, gt=0, description="Rank of the adapter matrices.")
    alpha: float = Field(default=32.0, gt=0, description="Scale numerator: the update is (alpha / r) * B A.")
    dropout: float = Field(default=0.0, ge=0, lt=1, description="Dropout on the adapters' input (0 keeps the "
                           "policy ratio exact between the sampling and the update).")
    target_modules: list[str] | Literal["all-linear"] = Field(
        default="all-linear", description="Module names (or suffixes) that get adapters, e.g. [q_proj, v_proj]; "
        "all-linear: every linear layer but the output head.")
    save_merged: bool = Field(default=False, description="Also write final/merged: the full model with the "
                              "adapters folded in (save_pretrained format, for vLLM or transformers).")

    @model_validator(mode="after")
    def _targets(self) -> LoraConfig:
        if isinstance(self.target_modules, list) and not all(m.strip() for m in self.target_modules):
            raise ValueError("target_modules: module names must not be empty")
        if isinstance(self.target_modules, list) and not self.target_modules:
            raise ValueError("target_modules: name at least one module, or all-linear")
        return self


class TrainConfig(BaseModel):
    """Everything a GRPO or RFT run needs; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")

    # model and data
    model: str = Field(description="Path (or hub id) of the policy; save_pretrained format.")
    tokenizer: str | None = Field(default=None, description="Tokenizer path; default: the model's.")
    prompts: str = Field(description="Prompt dataset (JSONL, Parquet, CSV, folder, saved HF dataset).")
    eval_prompts: str | None = Field(default=None, description="Held-out prompts for accuracy; default: none.")
    prompt_field: str = Field(default="prompt", description="Dotted path of the prompt: a string, or a list of "
                              "messages [{role, content}] (TRL's conversational format).")
    reference_field: str = Field(default="reference", description="Dotted path of the reference answer.")
    max_prompt_tokens: int = Field(default=512, gt=0, description="Longer prompts are skipped (and counted).")
    # prompt formatting
    chat_template: bool | None = Field(
        default=None, description="Apply the tokenizer's chat template (with add_generation_prompt). Default: for "
        "prompts that are lists of messages or with a system_prompt; true: string prompts too (as a user message); "
        "false: never (prompts are fed as they are; message lists are then an error).")
    system_prompt: str | None = Field(default=None, description="A system message put first (unless a prompt "
                                      "already starts with one); implies the chat template.")
    prompt_template: str | None = Field(default=None, description="Text around the user's prompt, with {prompt} "
                                        "where it goes, e.g. '{prompt}\nPut the final answer in \\boxed{}.'.")
    chat_template_kwargs: dict[str, Any] = Field(default_factory=dict, description="Extra arguments of the "
                                                 "chat template, e.g. {enable_thinking: false}.")
    # rewards
    rewards: list[RewardConfig] = Field(min_length=1, description="Rewards summed with their weights.")
    grader_workers: int = Field(default=1, ge=1, description="Worker processes grading each reward.")
    grader_timeout_s: float = Field(default=10.0, gt=0, description="Bound of one grade; past it the reward is 0.")
    # sampling
    num_generations: int = Field(default=8, description="Completions per prompt (the group size), >= 2.")
    rollout_batch_size: int = Field(default=64, gt=0, description="Completions per step; a multiple of num_generations.")
    generation_batch_size: int = Field(default=32, gt=0, description="Completions generated at once (grading of "
                                       "each chunk overlaps the next chunk's generation).")
    temperature: float = Field(default=1.0, gt=0, description="Sampling temperature.")
    top_p: float = Field(default=1.0, gt=0, le=1, description="Nucleus sampling mass.")
    top_k: int = Field(default=0, ge=0, description="Sample from the k likeliest tokens only (0: off).")
    min_p: float = Field(default=0.0, ge=0, lt=1, description="Drop tokens below min_p times the likeliest "
                         "token's probability (0: off).")
    repetition_penalty: float = Field(default=1.0, gt=0, description="Penalty of tokens already in the prompt "
                                      "or completion (1: off; also in the greedy evaluation).")
    stop: list[str] = Field(default_factory=list, max_length=16, description="Strings that end a completion "
                            "(kept in it, so that what is graded is what is trained on).")
    max_new_tokens: int = Field(default=256, gt=0, description="Longest completion (L_max).")
    max_new_tokens_field: str | None = Field(default=None, description="Dotted path of a per-prompt cap on the "
                                             "completion length (at most max_new_tokens); rows without it use "
                                             "max_new_tokens.")
    # adapters
    lora: LoraConfig | None = Field(default=None, description="Train LoRA adapters instead of every weight "
                                    "(pip install 'rewardkit[lora]'); the reference model is the same model with "
                                    "its adapters off.")
    # optimisation
    learning_rate: float = Field(default=1e-6, gt=0, description="Peak learning rate (AdamW).")
    lr_schedule: Literal["constant", "linear", "cosine"] = Field(default="constant", description="Decay after warmup.")
    warmup_steps: int = Field(default=0, ge=0, description="Linear warmup steps.")
    weight_decay: float = Field(default=0.0, ge=0, description="AdamW weight decay.")
    max_grad_norm: float = Field(default=1.0, gt=0, description="Gradient clipping norm.")
    micro_batch_size: int = Field(default=8, gt=0, description="Completions per forward/backward; rollout_batch_size "
                                  "/ micro_batch_size steps of gradient accumulation.")
    num_iterations: int = Field(default=1, ge=1, description="Updates per batch of rollouts (with stored old log-probs).")
    max_steps: int = Field(default=100, gt=0, description="Training steps (batches of rollouts).")
    # GRPO objective
    beta: float = Field(default=0.0, ge=0, description="KL coefficient to the frozen reference (k3); 0 loads none.")
    epsilon_low: float = Field(default=0.2, gt=0, lt=1, description="Lower clip range of the ratio.")
    epsilon_high: float = Field(default=0.2, gt=0, description="Upper clip range (clip-higher when > epsilon_low).")
    dual_clip: float | None = Field(default=None, gt=1, description="Dual-clip constant c for negative advantages.")
    advantage: Literal["grpo", "dr_grpo", "rloo", "batch_std"] = Field(default="grpo", description="Advantage estimator.")
    loss_aggregation: Literal["token_mean", "seq_mean_token_mean", "seq_mean_token_sum_norm"] = Field(
        default="token_mean", description="token_mean (DAPO), seq_mean_token_mean (GRPO), seq_mean_token_sum_norm "
        "(Dr. GRPO).")
    importance_ratio: Literal["token", "sequence"] = Field(default="token", description="token, or sequence (GSPO).")
    dynamic_sampling: bool = Field(default=False, description="Drop groups whose rewards are all equal and refill.")
    max_refills: int = Field(default=4, ge=0, description="Extra generation rounds to refill a dynamic-sampling batch.")
    overlong_buffer: int | None = Field(default=None, gt=0, description="DAPO L_cache: soft penalty in the last "
                                        "overlong_buffer tokens before max_new_tokens.")
    overlong_penalty_factor: float = Field(default=1.0, ge=0, description="Scale of the overlong penalty.")
    mask_truncated: bool = Field(default=False, description="Completions cut at max_new_tokens get no loss.")
    # RFT
    rft_threshold: float | None = Field(default=1.0, description="RFT keeps completions scoring at least this.")
    rft_best_of_group: bool = Field(default=False, description="RFT keeps the best completion of each group instead.")
    # run
    seed: int = Field(default=0, description="Seed of every random number generator.")
    output_dir: str = Field(default="runs/grpo", description="Metrics, checkpoints and plots go here.")
    save_every: int = Field(default=0, ge=0, description="Checkpoint every N steps (0: only at the end).")
    eval_every: int = Field(default=0, ge=0, description="Evaluate accuracy every N steps (0: start and end).")
    eval_samples: int = Field(default=256, gt=0, description="Held-out prompts per evaluation (greedy).")
    device: Device = Field(default="auto", description="auto: CUDA when present.")
    bf16: bool | None = Field(default=None, description="bf16 autocast/weights; default: on with CUDA.")
    gradient_checkpointing: bool = Field(default=False, description="Trade compute for activation memory.")
    generation_backend: Literal["transformers", "vllm"] = Field(
        default="transformers", description="transformers: generate() with a KV cache; vllm: a colocated vLLM "
        "engine per process, given the policy's weights after every update (pip install vllm).")
    vllm_gpu_memory_utilization: float = Field(default=0.3, gt=0, lt=1, description="Share of the GPU's memory "
                                               "that the vLLM engine may take (the policy needs the rest).")
    tensorboard: bool = Field(default=False, description="Also write TensorBoard events.")

    @model_validator(mode="after")
    def _consistent(self) -> TrainConfig:
        problems = [message for _, message in _inconsistencies(self)]
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _inconsistencies(c: TrainConfig):
    """(the fields it reads, ``field: why``) for every rule across fields that ``c`` breaks."""
    if c.num_generations < 2:
        yield ("num_generations",), "num_generations: a group needs at least 2 completions to compare"
    if c.epsilon_high < c.epsilon_low:
        yield ("epsilon_high", "epsilon_low"), f"epsilon_high: {c.epsilon_high} is below epsilon_low {c.epsilon_low}"
    if c.num_generations > 0 and c.rollout_batch_size % c.num_generations:
        yield (("rollout_batch_size", "num_generations"), f"rollout_batch_size: {c.rollout_batch_size} is not a "
               f"multiple of num_generations {c.num_generations}")
    if c.micro_batch_size > 0 and c.rollout_batch_size % c.micro_batch_size:
        yield (("micro_batch_size", "rollout_batch_size"), f"micro_batch_size: {c.micro_batch_size} does not divide "
               f"rollout_batch_size {c.rollout_batch_size}")
    if c.num_generations > 0 and c.generation_batch_size % c.num_generations:
        yield (("generation_batch_size", "num_generations"), f"generation_batch_size: {c.generation_batch_size} is "
               f"not a multiple of num_generations {c.num_generations}")
    if c.overlong_buffer is not None and c.overlong_buffer >= c.max_new_tokens:
        yield ("overlong_buffer", "max_new_tokens"), "overlong_buffer: must be smaller than max_new_tokens"
    if c.prompt_template is not None and "{prompt}" not in c.prompt_template:
        yield ("prompt_template",), "prompt_template: has no {prompt} placeholder"
    if c.chat_template is False and (c.system_prompt is not None or c.chat_template_kwargs):
        yield (("chat_template", "system_prompt", "chat_template_kwargs"), "chat_template: is false, but "
               "system_prompt or chat_template_kwargs need it")
    if any(not s for s in c.stop):
        yield ("stop",), "stop: stop strings must not be empty"
    if c.lora is not None and not _importable("peft"):
        yield ("lora",), "lora: peft is not installed (pip install 'rewardkit[lora]')"
    if c.generation_backend == "vllm" and not _importable("vllm"):
        yield (("generation_backend",), "generation_backend: vllm is not installed (pip install vllm), or use "
               "transformers")
    if c.tensorboard is True and not _importable("tensorboard"):
        yield (("tensorboard",), "tensorboard: the tensorboard package is not installed (pip install "
               "'rewardkit[tensorboard]'), or set it to false")


def _importable(module: str) -> bool:
    import importlib.util
    import sys

    return module in sys.modules or importlib.util.find_spec(module) is not None


def load_config(source: str | Path | dict[str, Any], overrides: dict[str, Any] | None = None) -> TrainConfig:
    """A validated config from a YAML/JSON file or a dict; ``ConfigError`` naming the field otherwise."""
    if isinstance(source, dict):
        data = dict(source)
    else:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
        import yaml

        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ConfigError(f"config {path} must hold a mapping")
    data.update(overrides or {})
    return _validate(data)


def _validate(data: dict[str, Any]) -> TrainConfig:
    """The config, or one ``ConfigError`` listing every problem, one ``field: why`` line each: the
    fields, their consistency, the graders, and local model folders that are not there (all checked
    here, before any model loads)."""
    from rewardkit.models.paths import missing_model_dir
    from rewardkit.registry import load_grader

    config, problems = None, []
    try:
        config = TrainConfig.model_validate(data)
    except ValidationError as exc:
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            for message in error["msg"].removeprefix("Value error, ").splitlines():
                problems.append(f"{where}: {message}" if where else message)
        if bad:  # the rules across fields were not checked: check those whose fields are valid
            partial = TrainConfig.model_construct(**{k: v for k, v in data.items() if k not in bad})
            try:
                problems += [message for fields, message in _inconsistencies(partial) if not bad & set(fields)]
            except TypeError:  # a value pydantic would have converted (say "8" for 8): checked once it is fixed
                pass
    for field in ("model", "tokenizer"):
        if isinstance(data.get(field), str) and (why := missing_model_dir(data[field])):
            problems.append(f"{field}: {why}")
    rewards = data.get("rewards")
    for i, reward in enumerate(rewards if isinstance(rewards, list) else []):
        if isinstance(reward, dict) and isinstance(reward.get("grader"), (str, dict)):
            try:
                load_grader(reward["grader"])
            except GraderConfigError as exc:
                problems.append(f"rewards.{i}.grader: {exc}")
    if len(problems) == 1:
        raise ConfigError(problems[0])
    if problems:
        raise ConfigError(f"{len(problems)} problems in the config:\n  " + "\n  ".join(problems))
    return config
