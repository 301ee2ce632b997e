"""The vLLM generation backend, against a stand-in of vLLM's API (tests/rl/vllm_double.py).

These check rewardkit's side: the engine is built as configured, its outputs become the same
rollouts as transformers' generate gives, and it holds the policy's weights after every update.
They do not run vLLM itself (not installed here).
"""

import importlib.util
import json
import os
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from rewardkit.models.tiny import char_tokenizer  # noqa: E402
from rewardkit.rl.config import ConfigError, load_config  # noqa: E402
from rewardkit.rl.grpo import train_grpo  # noqa: E402
from rewardkit.rl.rft import train_rft  # noqa: E402
from rewardkit.rl.rollout import rollouts_from_ids  # noqa: E402
from rewardkit.rl.toy import toy_config  # noqa: E402
from tests.rl import vllm_double  # noqa: E402


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    return toy_config(tmp_path_factory.mktemp("toy"), generation_backend="vllm")


@pytest.fixture
def fake_vllm(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", vllm_double)
    vllm_double.LLM.created.clear()
    return vllm_double


def test_engine_token_ids_become_rollouts():
    tokenizer = char_tokenizer("0123456789+=")
    eos, pad = tokenizer.eos_token_id, tokenizer.pad_token_id
    one, two, three = (tokenizer.convert_tokens_to_ids(c) for c in "123")
    rollouts = rollouts_from_ids(
        [[one, two], [three], [three]],
        [([one, eos], True),  # stopped, eos kept (as vLLM returns it)
         ([two], True),  # stopped, eos left out: one is appended
         ([one, two, three], False)],  # cut at max_tokens
        tokenizer)
    assert rollouts.prompt_ids.tolist() == [[one, two], [pad, three], [pad, three]]  # left-padded
    assert rollouts.prompt_mask.tolist() == [[1, 1], [0, 1], [0, 1]]
    assert rollouts.completion_ids.tolist() == [[one, eos, pad], [two, eos, pad], [one, two, three]]
    assert rollouts.completion_mask.tolist() == [[1, 1, 0], [1, 1, 0], [1, 1, 1]]
    assert rollouts.truncated.tolist() == [False, False, True]
    assert rollouts.texts == ["1", "2", "123"]


def test_grpo_generates_with_the_engine_and_keeps_it_in_sync(warm, tmp_path, fake_vllm):
    config = load_config({**warm, "max_steps": 3, "num_iterations": 2, "eval_samples": 20,
                          "output_dir": str(tmp_path / "run")})
    result = train_grpo(config, progress=False)
    [llm] = fake_vllm.LLM.created
    assert llm.engine_args["model"] == warm["model"]
    assert llm.engine_args["max_model_len"] == config.max_prompt_tokens + config.max_new_tokens
    assert llm.engine_args["distributed_executor_backend"] == "external_launcher"
    assert llm.engine_args["gpu_memory_utilization"] == config.vllm_gpu_memory_utilization
    # once per step (not per iteration), every weight went to the engine
    from safetensors.torch import load_file

    final = load_file(result.final_dir / "model.safetensors")
    names = dict(llm.model.named_parameters())
    assert llm.engine_model.loaded == 3 * len(names) and llm.prefix_cache_resets == 3
    assert final.keys() == names.keys() and all(torch.equal(names[k], final[k]) for k in final)
    step = json.loads(result.metrics_path.read_text().splitlines()[1])
    assert step["rollouts"] == warm["rollout_batch_size"] and step["completion_length_max"] <= warm["max_new_tokens"]
    assert "RANK" not in os.environ and "WORLD_SIZE" not in os.environ  # the launcher variables were put back


@pytest.mark.slow
def test_grpo_with_the_engine_raises_held_out_accuracy(warm, tmp_path, fake_vllm):
    result = train_grpo(load_config({**warm, "output_dir": str(tmp_path / "learn")}), progress=False)
    assert result.accuracy_after - result.accuracy_before >= 0.30, (result.accuracy_before, result.accuracy_after)
    assert len(fake_vllm.LLM.created) == 1  # the engine sampled (and evaluated)


def test_rft_keeps_the_engine_in_sync(warm, tmp_path, fake_vllm):
    train_rft(load_config({**warm, "eval_prompts": None, "max_steps": 2, "output_dir": str(tmp_path / "rft")}),
              progress=False)
    [llm] = fake_vllm.LLM.created
    assert llm.prefix_cache_resets == 2


def test_asking_for_vllm_without_it_names_the_field(warm, monkeypatch):
    monkeypatch.delitem(sys.modules, "vllm", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(ConfigError, match="generation_backend: vllm is not installed"):
        load_config(warm)


def test_a_lora_run_gives_the_engine_merged_weights_and_its_sampling_options(chat_toy, tmp_path, fake_vllm):
    pytest.importorskip("peft")
    from safetensors.torch import load_file

    chat = {**chat_toy, "generation_backend": "vllm"}
    config = load_config({**chat, "eval_prompts": None, "max_steps": 2, "learning_rate": 3e-3, "top_k": 5,
                          "min_p": 0.1, "repetition_penalty": 1.1, "stop": ["+"], "output_dir": str(tmp_path / "run"),
                          "save_every": 1, "lora": {"r": 4, "alpha": 8, "target_modules": "all-linear",
                                                    "save_merged": True}})
    result = train_grpo(config, progress=False)
    [llm] = fake_vllm.LLM.created
    assert llm.engine_args["model"] == chat["model"]  # the base model; the adapters arrive merged
    merged = load_file(result.final_dir / "merged" / "model.safetensors")
    engine = dict(llm.model.named_parameters())
    assert merged.keys() <= engine.keys() and all(torch.equal(engine[k], merged[k]) for k in merged)
    assert not torch.equal(merged["model.layers.0.self_attn.q_proj.weight"],
                           load_file(f"{chat['model']}/model.safetensors")["model.layers.0.self_attn.q_proj.weight"])
    request = llm.requests[0]
    assert (request.top_k, request.min_p, request.repetition_penalty, request.stop) == (5, 0.1, 1.1, ["+"])
    assert request.include_stop_str_in_output and set(request.stop_token_ids) == set(llm.model.generation_config.eos_token_id)
    # resumed from a checkpoint (adapters only), the engine starts from the base model and is given
    # the checkpoint's merged weights before it samples anything
    from rewardkit.rl.adapters import merged_parameters
    from rewardkit.rl.session import Session

    fake_vllm.LLM.created.clear()
    run = Session.start(config, resume=True)
    try:
        [llm] = fake_vllm.LLM.created
        engine = dict(llm.model.named_parameters())
        assert run.start_step == 1 and llm.engine_args["model"] == chat["model"]
        assert all(torch.equal(engine[name], weight) for name, weight in merged_parameters(run.policy))
    finally:
        run.rewards.close()
