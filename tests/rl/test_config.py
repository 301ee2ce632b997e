import pytest

from rewardkit.rl.config import ConfigError, load_config

BASE = {"model": "/nonexistent/model", "prompts": "/nonexistent/prompts.jsonl", "rewards": [{"grader": "math"}],
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
