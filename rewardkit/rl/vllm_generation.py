"""Generation with vLLM (optional): a colocated engine in every training process, given the
policy's weights after every update, as TRL's ``vllm_mode="colocate"`` does.

Select it with ``generation_backend: vllm`` (needs ``pip install vllm``, and a GPU for vLLM's
usual build). The engine samples; log-probs for the loss are still computed by the policy.
"""

from __future__ import annotations

import contextlib
import os
import socket

from rewardkit.rl.adapters import merged_parameters
from rewardkit.rl.config import TrainConfig
from rewardkit.rl.rollout import Rollouts, Sampling, rollouts_from_ids


class VLLMGeneration:
    """A vLLM ``LLM`` holding a copy of the policy; ``generate`` returns the same ``Rollouts`` as
    ``rollout.generate``, ``sync`` copies the policy's current weights into it."""

    def __init__(self, config: TrainConfig, model_path: str, accelerator, tokenizer):
        from vllm import LLM

        self.tokenizer = tokenizer
        with _launcher_environment(accelerator):
            self.llm = LLM(
                model=model_path, tokenizer=config.tokenizer or model_path, seed=config.seed + accelerator.process_index,
                dtype="bfloat16" if accelerator.mixed_precision == "bf16" else "auto",
                gpu_memory_utilization=config.vllm_gpu_memory_utilization,
                max_model_len=config.max_prompt_tokens + config.max_new_tokens,
                distributed_executor_backend="external_launcher",
            )

    def sync(self, policy) -> None:
        """Load the policy's current weights (with LoRA: the base weights with the adapters merged
        in) into the engine and drop its cached prefixes."""
        engine_model = self.llm.llm_engine.model_executor.driver_worker.model_runner.model
        for name, weight in merged_parameters(policy):
            engine_model.load_weights([(name.replace("_checkpoint_wrapped_module.", ""), weight)])
        self.llm.reset_prefix_cache()

    def generate(self, prompts: list[str], num_generations: int, sampling: Sampling, do_sample: bool = True,
                 max_new_tokens: list[int] | None = None) -> Rollouts:
        """num_generations completions of every prompt, each prompt's group adjacent (greedy without
        do_sample), each at most its prompt's ``max_new_tokens``."""
        from vllm import SamplingParams

        prompt_ids = [self.tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
        caps = max_new_tokens or [sampling.max_new_tokens] * len(prompts)
        shared = dict(n=num_generations, repetition_penalty=sampling.repetition_penalty, stop=list(sampling.stop),
                      include_stop_str_in_output=True, stop_token_ids=list(sampling.stop_ids))
        if do_sample:
            shared.update(temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k or -1,
                          min_p=sampling.min_p)
        else:
            shared.update(temperature=0.0)
        params = [SamplingParams(max_tokens=min(cap, sampling.max_new_tokens), **shared) for cap in caps]
        outputs = self.llm.generate([{"prompt_token_ids": ids} for ids in prompt_ids], sampling_params=params,
                                    use_tqdm=False)
        # stop_reason is None for eos, a token id for a stop token, the string for a stop string
        # (found again in the text by the rollouts, which do not append an eos to it).
        completions = [(list(c.token_ids), c.finish_reason == "stop" and not isinstance(c.stop_reason, str))
                       for request in outputs for c in request.outputs]
        return rollouts_from_ids([ids for ids in prompt_ids for _ in range(num_generations)], completions,
                                 self.tokenizer, sampling)


@contextlib.contextmanager
def _launcher_environment(accelerator):
    """The variables vLLM's external launcher reads to join this process's group, for as long as
    the engine starts: those ``accelerate launch`` set are kept, those missing (a lone process)
    are set and removed again, so that nothing later takes the process for a launched one."""
    wanted = {"RANK": str(accelerator.process_index), "LOCAL_RANK": str(accelerator.local_process_index),
              "WORLD_SIZE": str(accelerator.num_processes), "MASTER_ADDR": "127.0.0.1"}
    if "MASTER_PORT" not in os.environ:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            wanted["MASTER_PORT"] = str(s.getsockname()[1])
    added = [name for name in wanted if name not in os.environ]
    os.environ.update({name: wanted[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
