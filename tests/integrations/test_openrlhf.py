import pytest

from rewardkit.integrations.openrlhf import make_reward_func, reward_func, split_response


def test_file_form_returns_tensors_and_splits_the_prompt(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("REWARDKIT_GRADER", "math")
    prompts = ["Q: 1+1? A:", "Q: 2+2? A:"]
    queries = [p + r" \boxed{2}" for p in prompts]
    out = reward_func(queries, prompts, ["2", "5"])
    assert torch.equal(out["rewards"], torch.tensor([1.0, 0.0]))
    assert torch.equal(out["scores"], out["rewards"])
    assert torch.equal(out["extra_logs"]["pass_rate"], torch.tensor([1.0, 0.0]))


def test_make_reward_func_and_bad_output():
    func = make_reward_func({"type": "exact"})
    out = func(["p:yes", "p:"], ["p:", "p:"], ["yes", "yes"])
    assert out["rewards"].tolist() == [1.0, 0.0]
    assert out["extra_logs"]["error_rate"].tolist() == [0.0, 1.0]
    assert func.__name__ == "exact"
    with pytest.raises(ValueError, match="lengths differ"):
        func(["a", "b"], ["a"], ["x", "y"])


def test_split_response():
    assert split_response("prompt + answer", "prompt + ") == "answer"
    assert split_response("no prefix here", "other") == "no prefix here"
