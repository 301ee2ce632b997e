"""The shipped recipes parse, and run a couple of steps with their own settings, the model and data
swapped for a tiny local chat model and GSM8K-shaped rows (so a recipe cannot rot)."""

import json
import sys

import pytest
import yaml

from rewardkit.rl.config import ConfigError, load_config
from rewardkit.rl.recipes import recipe_names, recipe_path

RECIPE = "gsm8k-qwen2.5-1.5b-lora"


def test_the_gsm8k_recipe_is_shipped_and_parses(monkeypatch):
    from tests.rl import vllm_double

    monkeypatch.setitem(sys.modules, "vllm", vllm_double)  # the recipe generates with vLLM
    assert RECIPE in recipe_names()
    config = load_config(recipe_path(RECIPE))
    assert config.lora is not None and config.chat_template and config.system_prompt
    assert [r.name for r in config.rewards] == ["accuracy", "format"]
    with pytest.raises(ConfigError, match="no recipe"):
        recipe_path("nope")


def test_the_recipe_rewards_only_one_boxed_answer():
    import rewardkit

    rewards = {r["name"]: rewardkit.load_grader(r["grader"])
               for r in yaml.safe_load(recipe_path(RECIPE).read_text())["rewards"]}
    grade = lambda name, text: rewards[name].grade(rewardkit.Sample(response=text, reference="72")).score  # noqa: E731
    assert grade("accuracy", "48 + 24 = 72, so \\boxed{72}") == 1.0
    assert grade("accuracy", "\\boxed{71} or \\boxed{72}") == 0.0  # a hedge earns nothing
    assert grade("format", "so \\boxed{72}") == 1.0
    assert grade("format", "\\boxed{71} or \\boxed{72}") == 0.0  # a hedge is not the format


def test_a_run_with_the_recipe_settings_completes_steps(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    pytest.importorskip("peft")
    from rewardkit.rl.grpo import train_grpo
    from rewardkit.rl.toy import chat_tokenizer, tiny_chat_model
    from tests.rl import vllm_double

    monkeypatch.setitem(sys.modules, "vllm", vllm_double)
    vllm_double.LLM.created.clear()
    tokenizer = chat_tokenizer()
    tiny_chat_model(tokenizer).save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    rows = [{"question": f"Tom has {a} apples and buys {b}. How many now?", "reference": str(a + b)}
            for a, b in [(3, 4), (10, 7), (2, 9), (5, 5)]]
    data = tmp_path / "gsm8k.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    tiny = {"model": str(tmp_path / "model"), "prompts": str(data), "eval_prompts": str(data), "eval_samples": 2,
            "output_dir": str(tmp_path / "run"), "device": "cpu", "max_steps": 2, "save_every": 1, "eval_every": 1,
            "rollout_batch_size": 16, "generation_batch_size": 16, "micro_batch_size": 8, "max_new_tokens": 8,
            "grader_workers": 1}
    config = load_config(recipe_path(RECIPE), tiny)
    result = train_grpo(config, progress=False)
    steps = [json.loads(line) for line in result.metrics_path.read_text().splitlines() if "loss" in line]
    assert len(steps) == 2 and all(torch.isfinite(torch.tensor(s["loss"])) for s in steps)
    assert {"reward/accuracy_mean", "reward/format_mean"} <= set(steps[0])
    assert (result.final_dir / "adapter_model.safetensors").exists() and (result.final_dir / "merged").is_dir()
    [llm] = vllm_double.LLM.created
    assert llm.requests and all(r.max_tokens == 8 for r in llm.requests)
