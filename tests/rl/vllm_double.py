"""A stand-in for the parts of vLLM's API that rewardkit calls (``LLM``, ``SamplingParams``,
``RequestOutput.outputs[i].token_ids`` / ``finish_reason``, the engine model's ``load_weights``,
``reset_prefix_cache``), run by a transformers model on the CPU.

It checks rewardkit's side of the contract (what is asked for, what is done with the answer,
that weights reach the engine); it is not vLLM, and says nothing about vLLM itself. Like vLLM,
a completion that stops on eos keeps the eos id in ``token_ids``. top_p is not applied.
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
    max_tokens: int = 16


@dataclass
class CompletionOutput:
    token_ids: list[int]
    finish_reason: str  # "stop" (eos) or "length"


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
        self.eos = AutoTokenizer.from_pretrained(tokenizer or model).eos_token_id
        self.rng = torch.Generator().manual_seed(seed)
        self.engine_model = EngineModel(self.model)
        runner = SimpleNamespace(model=self.engine_model)
        self.llm_engine = SimpleNamespace(model_executor=SimpleNamespace(driver_worker=SimpleNamespace(model_runner=runner)))
        self.prefix_cache_resets = 0
        LLM.created.append(self)

    def reset_prefix_cache(self):
        self.prefix_cache_resets += 1

    @torch.no_grad()
    def generate(self, prompts: list[dict], sampling_params: SamplingParams, use_tqdm: bool = True):
        results = []
        for prompt in prompts:
            outputs = []
            for _ in range(sampling_params.n):
                sequence, new = list(prompt["prompt_token_ids"]), []
                while len(new) < sampling_params.max_tokens and (not new or new[-1] != self.eos):
                    logits = self.model(torch.tensor([sequence])).logits[0, -1]  # [V]
                    if sampling_params.temperature == 0:
                        token = int(logits.argmax())
                    else:
                        probs = torch.softmax(logits / sampling_params.temperature, dim=-1)
                        token = int(torch.multinomial(probs, 1, generator=self.rng))
                    new.append(token)
                    sequence.append(token)
                outputs.append(CompletionOutput(new, "stop" if new[-1] == self.eos else "length"))
            results.append(RequestOutput(list(prompt["prompt_token_ids"]), outputs))
        return results
