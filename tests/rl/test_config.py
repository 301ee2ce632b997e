import pytest

from rewardkit.rl.config import ConfigError, load_config

BASE = {"model": "nonexistent-org/model", "prompts": "/nonexistent/prompts.jsonl", "rewards": [{"grader": "math"}],
        "num_generations": 4, "rollout_batch_size": 16, "generation_batch_size": 8, "micro_batch_size": 8}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"num_generations": 1, "rollout_batch_size": 16, "generation_batch_size": 8}, "num_generations"),
        ({"epsilon_low": 0.3, "epsilon_high": 0.2}, "epsilon_high"),
        ({"rollout_batch_size": 18}, "rollout_batch_size"),
        ({"micro_batch_size": 5}, "micro_batch_size"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"bogus_key": 1}, "bogus_key"),
        ({"rewards": []}, "rewards"),
        ({"rewards": [{"grader": "nope"}]}, "rewards.0.grader"),
        ({"advantage": "ppo"}, "advantage"),
        ({"overlong_buffer": 300}, "overlong_buffer"),
    ],
)
def test_bad_configs_fail_before_any_model_loads_and_name_the_field(change, field):
    # The model and data paths do not exist: the error must come from validation, first.
    with pytest.raises(ConfigError) as err:
        load_config({**BASE, **change})
    assert field in str(err.value)


def test_yaml_file_and_overrides(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model: m\nprompts: p.jsonl\nrewards: [{grader: math, weight: 2}]\nnum_generations: 4\n"
                    "rollout_batch_size: 16\ngeneration_batch_size: 8\n")
    config = load_config(path, {"max_steps": 3})
    assert config.max_steps == 3 and config.rewards[0].weight == 2.0 and config.micro_batch_size == 8
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"prompt_template": "no placeholder"}, "prompt_template"),
        ({"chat_template": False, "system_prompt": "S"}, "chat_template"),
        ({"stop": ["</answer>", ""]}, "stop"),
        ({"top_k": -1}, "top_k"),
        ({"min_p": 1.0}, "min_p"),
        ({"repetition_penalty": 0}, "repetition_penalty"),
        ({"lora": {"r": 0}}, "lora.r"),
        ({"lora": {"target_modules": []}}, "target_modules"),
        ({"lora": {"rank": 8}}, "lora.rank"),
    ],
)
def test_bad_prompt_sampling_and_lora_fields_are_one_line_errors(change, field):
    with pytest.raises(ConfigError) as err:
        load_config({**BASE, **change})
    assert field in str(err.value) and "\n" not in str(err.value)


def test_lora_without_peft_names_the_extra(monkeypatch):
    import importlib.util
    import sys

    monkeypatch.delitem(sys.modules, "peft", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(ConfigError, match=r"lora: peft is not installed \(pip install 'rewardkit\[lora\]'\)"):
        load_config({**BASE, "lora": {"r": 8}})


def test_every_problem_is_reported_at_once_one_line_each():
    bad = {**BASE, "model": "/nonexistent/model", "num_generations": 1, "learning_rate": 0, "bogus_key": 1,
           "rewards": [{"grader": "mathh"}]}
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    lines = str(err.value).splitlines()
    assert lines[0] == "5 problems in the config:"
    fields = [line.strip().split(":")[0] for line in lines[1:]]
    assert sorted(fields) == ["bogus_key", "learning_rate", "model", "num_generations", "rewards.0.grader"]
    assert any("no such directory: /nonexistent/model" in line for line in lines)


def test_a_rule_across_fields_is_checked_only_when_its_fields_are_valid():
    # num_generations is invalid: "rollout_batch_size is not a multiple of num_generations" would only confuse.
    with pytest.raises(ConfigError) as err:
        load_config({**BASE, "model": "hub-org/model", "num_generations": "eight", "rollout_batch_size": 18})
    assert "num_generations" in str(err.value) and "multiple" not in str(err.value)


@pytest.mark.parametrize("typo", ["./policy", "/abs/policy", "runs/grpo/policy", "~/no/such/policy"])
def test_a_missing_local_model_folder_is_named_before_anything_loads(typo):
    with pytest.raises(ConfigError, match=f"model: no such directory: {typo}"):
        load_config({**BASE, "model": typo})


def test_hub_ids_and_existing_folders_pass(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "local").mkdir()
    for model in ["Qwen/Qwen2.5-0.5B-Instruct", "gpt2", str(tmp_path / "local"), "local"]:
        assert load_config({**BASE, "model": model}).model == model
    (tmp_path / "runs").mkdir()  # "runs/typo" is under a folder that exists here: meant as local
    with pytest.raises(ConfigError, match="no such directory: runs/typo"):
        load_config({**BASE, "model": "runs/typo"})


def test_tensorboard_without_the_package_is_a_config_error(monkeypatch):
    from rewardkit.rl import config

    monkeypatch.setattr(config, "_importable", lambda module: module != "tensorboard")
    with pytest.raises(ConfigError, match="tensorboard: the tensorboard package is not installed"):
        load_config({**BASE, "model": "org/model", "tensorboard": True})
