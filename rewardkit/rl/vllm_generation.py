"""Generation with vLLM (optional): a colocated engine in every training process, given the
policy's weights after every update, as TRL's ``vllm_mode="colocate"`` does.

Select it with ``generation_backend: vllm`` (needs ``pip install vllm``, and a GPU for vLLM's
usual build). The engine samples; log-probs for the loss are still computed by the policy.
"""

from __future__ import annotations

import contextlib
import os
import socket

from rewardkit.rl.config import TrainConfig
from rewardkit.rl.rollout import Rollouts, rollouts_from_ids


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
        """Load the policy's current weights into the engine and drop its cached prefixes."""
        engine_model = self.llm.llm_engine.model_executor.driver_worker.model_runner.model
        for name, param in policy.named_parameters():
            engine_model.load_weights([(name.replace("_checkpoint_wrapped_module.", ""), param.data)])
        self.llm.reset_prefix_cache()

    def generate(self, prompts: list[str], num_generations: int, max_new_tokens: int, temperature: float = 1.0,
                 top_p: float = 1.0, do_sample: bool = True) -> Rollouts:
        """num_generations completions of every prompt, each prompt's group adjacent (greedy without do_sample)."""
        from vllm import SamplingParams

        prompt_ids = [self.tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
        params = SamplingParams(n=num_generations, max_tokens=max_new_tokens,
                                temperature=temperature if do_sample else 0.0, top_p=top_p if do_sample else 1.0)
        outputs = self.llm.generate([{"prompt_token_ids": ids} for ids in prompt_ids], sampling_params=params,
                                    use_tqdm=False)
        completions = [(list(c.token_ids), c.finish_reason == "stop") for request in outputs for c in request.outputs]
        return rollouts_from_ids([ids for ids in prompt_ids for _ in range(num_generations)], completions,
                                 self.tokenizer)


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
