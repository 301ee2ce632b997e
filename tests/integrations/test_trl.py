"""TRL: rewardkit reward functions under GRPOTrainer's contract (TRL 1.16), grading only what the model wrote."""

import asyncio
import pickle

import pytest

from rewardkit import GraderConfigError
from rewardkit.integrations.trl import (
    AsyncRewardFunction,
    RewardFunction,
    async_reward_funcs,
    reward_funcs,
)

USER = [{"role": "user", "content": "What is 40+2? Use the calculator."}]
TOOL_CALL = {"role": "assistant", "content": "",
             "tool_calls": [{"type": "function", "function": {"name": "add", "arguments": {"a": 40, "b": 2}}}]}
TOOL_OUTPUT = {"role": "tool", "name": "add", "content": "42"}


class Hooks:
    """Stands in for GRPOTrainer's _log_completion_extra / _log_metric (tested for real below)."""

    def __init__(self):
        self.extra, self.metrics = {}, {}

    def log_extra(self, column, values):
        self.extra.setdefault(column, []).extend(values)

    def log_metric(self, name, value):
        self.metrics.setdefault(name, []).append(value)


def test_plain_and_conversational_completions():
    math, = reward_funcs("math")
    assert math.__name__ == "math"
    plain = math(prompts=["1+1=", "2+2="], completions=[r"\boxed{2}", r"\boxed{5}"], completion_ids=[[1], [2]],
                 reference=["2", "4"], trainer_state=None)
    assert plain == [1.0, 0.0]
    chat = math(prompts=[USER], completions=[[{"role": "assistant", "content": "The answer is 42."}]],
                reference=["42"])
    assert chat == [1.0]


def test_a_cut_off_tool_call_is_not_graded_as_the_answer():
    math, = reward_funcs("math")
    hooks = Hooks()
    completions = [[TOOL_CALL, TOOL_OUTPUT],  # cut off after the tool's output: the model never answered
                   [TOOL_CALL],  # still waiting on the tool call
                   [TOOL_CALL, TOOL_OUTPUT, {"role": "assistant", "content": "The sum is 42."}]]
    out = math(prompts=[USER] * 3, completions=completions, reference=["42"] * 3,
               log_extra=hooks.log_extra, log_metric=hooks.log_metric)
    assert out == [0.0, 0.0, 1.0]
    assert hooks.extra["math/error"] == ["no_final_answer", "no_final_answer", None]
    assert hooks.metrics["math/error_rate"] == [pytest.approx(2 / 3)]


def test_content_blocks_and_special_tokens():
    exact, = reward_funcs("exact")
    blocks = [[{"role": "assistant", "content": [{"type": "text", "text": "4"}, {"type": "text", "text": "2"}]}],
              [{"role": "assistant", "content": [{"type": "image"}, {"type": "text", "text": "42"}]}]]
    assert exact(prompts=[USER, USER], completions=blocks, reference=["42", "42"]) == [1.0, 1.0]
    assert exact(prompts=["q"], completions=["42<|im_end|>"], reference=["42"]) == [1.0]


def test_a_separate_reasoning_field_works_with_format_think_answer():
    fmt, math = reward_funcs({"type": "format", "template": "think_answer"}, "math")
    split = [[{"role": "assistant", "reasoning_content": "40+2 is 42", "content": "<answer>42</answer>"}],
             [{"role": "assistant", "thinking": "hmm", "content": "<answer>42</answer>"}],
             [{"role": "assistant", "content": "<answer>42</answer>"}]]  # no reasoning at all: not the format
    assert fmt(prompts=[USER] * 3, completions=split, reference=["42"] * 3) == [1.0, 1.0, 0.0]
    # The reasoning is kept apart from what math grades: a right number in the reasoning alone earns nothing.
    wrong = [[{"role": "assistant", "reasoning_content": "it is 42", "content": "<answer>41</answer>"}]]
    assert math(prompts=[USER], completions=wrong, reference=["42"]) == [0.0]


def test_reference_columns():
    math, = reward_funcs("math")
    assert math(prompts=["q"], completions=[r"\boxed{3}"], solution=["3"]) == [1.0]  # TRL's convention
    named, = reward_funcs("math", reference_field="gold")
    assert named(prompts=["q"], completions=[r"\boxed{3}"], gold=["3"], solution=["4"]) == [1.0]
    with pytest.raises(GraderConfigError, match="not among the dataset columns"):
        named(prompts=["q"], completions=["x"], solution=["3"])
    with pytest.raises(GraderConfigError, match="needs a reference"):
        math(prompts=["q"], completions=["x"], problem=["1+2"])
    fmt, = reward_funcs({"type": "format", "pattern": "x"})  # needs no reference
    assert fmt(prompts=["q"], completions=["x"], problem=["1+2"]) == [1.0]


def test_other_columns_reach_hosted_templates_as_item_fields():
    spec = {"type": "string_check", "input": "{{ sample.output_text }}", "reference": "{{ item.city }}",
            "operation": "ilike"}
    check, = reward_funcs(spec)
    assert check(prompts=["q", "q"], completions=["It is PARIS", "Rome"], city=["Paris", "Paris"]) == [1.0, 0.0]


def test_none_when_not_applicable_and_zero_on_errors():
    exact, = reward_funcs("exact", names=["exactness"])
    assert exact.__name__ == "exactness"
    assert exact(prompts=["p", "p", "p"], completions=["a", "", 7], reference=[None, "a", "7"]) == [None, 0.0, 0.0]


def test_async_form():
    func, = async_reward_funcs("math")
    assert isinstance(func, AsyncRewardFunction) and asyncio.iscoroutinefunction(func.__call__)
    out = asyncio.run(func(prompts=["q"], completions=[r"\boxed{2}"], completion_ids=[[1]], reference=["2"]))
    assert out == [1.0]


def test_picklable_and_bounded():
    func = RewardFunction({"type": "math"}, timeout_s=5.0)
    clone = pickle.loads(pickle.dumps(func))
    assert clone.__name__ == "math"
    assert clone(prompts=["q"], completions=[r"\boxed{1/2}"], reference=["0.5"], topic=["fractions"]) == [1.0]
    clone.runner.close()


def test_bad_spec_fails_at_construction():
    with pytest.raises(GraderConfigError):
        reward_funcs("nope")


@pytest.fixture(scope="module", params=["standard", "conversational"])
def trained(request, tmp_path_factory):
    """A real GRPOTrainer, two steps, standard or conversational data, one sync and one async rewardkit function."""
    datasets = pytest.importorskip("datasets")
    trl = pytest.importorskip("trl")
    from rewardkit.models.tiny import char_tokenizer, tiny_causal_lm

    tokenizer = char_tokenizer()
    model = tiny_causal_lm(tokenizer)
    def prompt(text):
        return text if request.param == "standard" else [{"role": "user", "content": text}]

    rows = [{"prompt": prompt(f"{a}+{b}="), "solution": str(a + b)} for a, b in [(1, 2), (3, 4), (2, 2), (5, 1)]]
    funcs = reward_funcs("math") + async_reward_funcs({"type": "format", "pattern": r"\d+", "match": "full"})
    config = trl.GRPOConfig(output_dir=str(tmp_path_factory.mktemp("grpo")), per_device_train_batch_size=4,
                            num_generations=4, max_completion_length=6, max_steps=2, learning_rate=1e-4,
                            report_to=[], logging_steps=1, use_cpu=True, save_strategy="no", bf16=False,
                            temperature=1.0, log_completions=True)
    trainer = trl.GRPOTrainer(model=model, reward_funcs=funcs, args=config,
                              train_dataset=datasets.Dataset.from_list(rows), processing_class=tokenizer)
    trainer.train()
    return trainer


def test_two_grpo_steps_log_through_trls_hooks(trained):
    logs = [entry for entry in trained.state.log_history if "rewards/math/mean" in entry]
    assert len(logs) == 2
    for entry in logs:
        assert 0.0 <= entry["rewards/math/mean"] <= 1.0 and "rewards/format/mean" in entry
        assert 0.0 <= entry["math/error_rate"] <= 1.0 and 0.0 <= entry["format/pass_rate"] <= 1.0


def test_trls_reward_path_with_plain_and_tool_calling_completions(trained):
    """TRL's own _calculate_rewards (sync and async functions, its hooks) on standard and tool-calling rows."""
    trained._pending_extra_logs.clear()
    trained._pending_metrics.clear()
    inputs = [{"prompt": USER, "solution": "42"}] * 3
    completions = [[TOOL_CALL, TOOL_OUTPUT], [TOOL_CALL, TOOL_OUTPUT, {"role": "assistant", "content": "42"}],
                   [{"role": "assistant", "content": [{"type": "text", "text": "42"}]}]]
    rewards = trained._calculate_rewards(inputs, [USER] * 3, completions, [[1]] * 3)
    assert rewards[:, 0].tolist() == [0.0, 1.0, 1.0]  # math
    assert rewards[:, 1].tolist() == [0.0, 1.0, 1.0]  # format (async)
    assert trained._pending_extra_logs["math/error"] == ["no_final_answer", None, None]
    assert trained._pending_extra_logs["format/error"] == ["no_final_answer", None, None]
    assert trained._pending_metrics["math/error_rate"] == [pytest.approx(1 / 3)]
    plain = trained._calculate_rewards([{"prompt": "40+2=", "solution": "42"}] * 2, ["40+2="] * 2,
                                       ["42", "no idea"], [[1], [2]])
    assert plain[:, 0].tolist() == [1.0, 0.0]
