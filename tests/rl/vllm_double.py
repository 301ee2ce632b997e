"""A stand-in for the parts of vLLM's API that rewardkit calls (``LLM``, ``SamplingParams``,
``RequestOutput.outputs[i].token_ids`` / ``finish_reason`` / ``stop_reason``, the engine model's
``load_weights``, ``reset_prefix_cache``), run by a transformers model on the CPU.

It checks rewardkit's side of the contract (what is asked for, what is done with the answer,
that weights reach the engine); it is not vLLM, and says nothing about vLLM itself. Like vLLM,
a completion that stops on eos or a stop token keeps its id in ``token_ids``, and one that stops on
a stop string keeps the tokens that completed it (``include_stop_str_in_output``). top_p, top_k,
min_p and the repetition penalty are recorded, not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import torch


@dataclass
class SamplingParams:
    n: int = 1
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = -1
    min_p: float = 0.0
    repetition_penalty: float = 1.0
    stop: list[str] | None = None
    include_stop_str_in_output: bool = False
    stop_token_ids: list[int] | None = None
    max_tokens: int = 16


@dataclass
class CompletionOutput:
    token_ids: list[int]
    finish_reason: str  # "stop" (eos, a stop token or a stop string) or "length"
    stop_reason: int | str | None = None  # None: eos; a stop token id; a stop string


@dataclass
class RequestOutput:
    prompt_token_ids: list[int]
    outputs: list[CompletionOutput]


class EngineModel:
    """What ``llm.llm_engine.model_executor.driver_worker.model_runner.model`` is: takes weights by name."""

    def __init__(self, model):
        self.model = model
        self.loaded = 0

    def load_weights(self, weights):
        params = dict(self.model.named_parameters())
        for name, tensor in weights:
            params[name].data.copy_(tensor)
            self.loaded += 1


class LLM:
    created: list[LLM] = []

    def __init__(self, model: str, tokenizer: str | None = None, seed: int = 0, **engine_args):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.engine_args = {"model": model, "tokenizer": tokenizer, "seed": seed, **engine_args}
        self.model = AutoModelForCausalLM.from_pretrained(model).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(tokenizer or model)
        self.eos = self.tokenizer.eos_token_id
        self.requests: list[SamplingParams] = []
        self.rng = torch.Generator().manual_seed(seed)
        self.engine_model = EngineModel(self.model)
        runner = SimpleNamespace(model=self.engine_model)
        self.llm_engine = SimpleNamespace(model_executor=SimpleNamespace(driver_worker=SimpleNamespace(model_runner=runner)))
        self.prefix_cache_resets = 0
        LLM.created.append(self)

    def reset_prefix_cache(self):
        self.prefix_cache_resets += 1

    @torch.no_grad()
    def generate(self, prompts: list[dict], sampling_params: SamplingParams | list[SamplingParams],
                 use_tqdm: bool = True):
        if not isinstance(sampling_params, list):
            sampling_params = [sampling_params] * len(prompts)
        assert len(sampling_params) == len(prompts)
        results = []
        for prompt, params in zip(prompts, sampling_params):
            self.requests.append(params)
            assert params.include_stop_str_in_output or not params.stop
            outputs = []
            for _ in range(params.n):
                sequence, new = list(prompt["prompt_token_ids"]), []
                finish, reason = "length", None
                while len(new) < params.max_tokens:
                    logits = self.model(torch.tensor([sequence])).logits[0, -1]  # [V]
                    if params.temperature == 0:
                        token = int(logits.argmax())
                    else:
                        probs = torch.softmax(logits / params.temperature, dim=-1)
                        token = int(torch.multinomial(probs, 1, generator=self.rng))
                    new.append(token)
                    sequence.append(token)
                    if token == self.eos or token in (params.stop_token_ids or []):
                        finish, reason = "stop", None if token == self.eos else token
                        break
                    text = self.tokenizer.decode(new, skip_special_tokens=True)
                    hit = next((s for s in params.stop or [] if s in text), None)
                    if hit is not None:
                        finish, reason = "stop", hit
                        break
                outputs.append(CompletionOutput(new, finish, reason))
            results.append(RequestOutput(list(prompt["prompt_token_ids"]), outputs))
        return results
