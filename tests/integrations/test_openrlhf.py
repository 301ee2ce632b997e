"""OpenRLHF: the file form and the HTTP protocol, fed exactly as OpenRLHF's SingleTurnAgentExecutor feeds them.

The executor (openrlhf/utils/agent.py, 0.11) tokenises the prompt without special tokens, keeps its
last tokens when it is too long, appends the generated ids (the end-of-turn id included, as vLLM
returns it), decodes the whole with ``skip_special_tokens=False`` and asks for one sample's reward:
``reward_func([query], [prompt], [label])`` in a thread, or a POST of the same three lists.
"""

import asyncio

import pytest

from rewardkit.cleaning import ResponseCleaner, prompt_end
from rewardkit.integrations.openrlhf import clean_queries, make_reward_func, reward_func

torch = pytest.importorskip("torch")

CHAT_PROMPT = ("<|im_start|>system\nYou are a careful assistant who answers maths questions.<|im_end|>\n"
               "<|im_start|>user\nWhat is 40+2?<|im_end|>\n<|im_start|>assistant\n")


@pytest.fixture(scope="module")
def chat_tokenizer():
    from rewardkit.models.tiny import char_tokenizer

    tokenizer = char_tokenizer()
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.eos_token = "<|im_end|>"
    return tokenizer


def executor_query(tokenizer, prompt: str, response: str, max_prompt_tokens: int | None = None) -> str:
    """The query OpenRLHF's executor builds: truncated prompt ids + generated ids + eos, decoded with specials."""
    prompt_ids = tokenizer(text=prompt, add_special_tokens=False)["input_ids"]
    if max_prompt_tokens is not None and len(prompt_ids) > max_prompt_tokens:
        prompt_ids = prompt_ids[-max_prompt_tokens:]
    action_ids = tokenizer(text=response, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return tokenizer.decode(prompt_ids + action_ids, skip_special_tokens=False)


def one_sample_at_a_time(func, query, prompt, label):
    """The executor's ``_fetch_rewards_via_func``: one sample per call, in a thread, result [0]."""
    async def call():
        return (await asyncio.gather(asyncio.to_thread(func, [query], [prompt], [label])))[0]
    return asyncio.run(call())


def test_special_tokens_in_decoded_queries_are_cleaned(chat_tokenizer):
    exact = make_reward_func({"type": "exact"})
    query = executor_query(chat_tokenizer, CHAT_PROMPT, "42")
    assert query.endswith("42<|im_end|>")
    out = one_sample_at_a_time(exact, query, CHAT_PROMPT, "42")
    assert out["rewards"].tolist() == [1.0] and out["scores"].tolist() == [1.0]
    # Every common end marker ends the response; text the model writes after one is not graded.
    cleaner = ResponseCleaner()
    for marker in ["<|im_end|>", "</s>", "<|eot_id|>", "<|endoftext|>", "<end_of_turn>"]:
        assert cleaner.after_prompt("Q:" + "#### 42" + marker, "Q:").response == "#### 42"
    assert cleaner.text("#### 1<|im_end|>\n<|im_start|>user\n#### 42").response == "#### 1"
    gsm = make_reward_func({"type": "math", "extract": ["gsm8k"]})
    assert gsm(["Q:#### 42<|eot_id|>"], ["Q:"], ["42"])["rewards"].tolist() == [1.0]


def test_a_left_truncated_prompt_is_never_graded(chat_tokenizer):
    math = make_reward_func("math")
    for max_prompt_tokens in (80, 30, 10, 3):  # the anchor search and the short-overlap search
        query = executor_query(chat_tokenizer, CHAT_PROMPT, "no idea", max_prompt_tokens)
        assert not query.startswith(CHAT_PROMPT) and "40+2" in query or max_prompt_tokens < 30
        out = one_sample_at_a_time(math, query, CHAT_PROMPT, "42")
        assert out["rewards"].tolist() == [0.0], max_prompt_tokens
        right = one_sample_at_a_time(math, executor_query(chat_tokenizer, CHAT_PROMPT, "It is 42.", max_prompt_tokens),
                                     CHAT_PROMPT, "42")
        assert right["rewards"].tolist() == [1.0], max_prompt_tokens
    # A bare "40+2" prompt cut to "+2": "no idea" must not earn the prompt's value.
    assert math(["+2no idea"], ["40+2"], ["42"])["rewards"].tolist() == [0.0]


def test_when_the_boundary_cannot_be_found_the_grade_says_so():
    batch = clean_queries(["something else entirely: 42"], ["What is 40+2?"], ["42"])
    records = batch.merge([])
    assert records[0]["score"] == 0.0 and records[0]["error"] == "prompt_not_found"
    out = make_reward_func("math")(["something else entirely: 42"], ["What is 40+2?"], ["42"])
    assert out["rewards"].tolist() == [0.0] and out["extra_logs"]["error_rate"].tolist() == [1.0]


def test_the_boundary_is_never_before_the_real_one():
    prompt = "abcabcabc"
    for cut in range(1, len(prompt) + 1):
        for response in ["", "x", "abc", "cabc42", prompt]:
            query = prompt[-cut:] + response
            start = prompt_end(query, prompt)
            assert start is None or start >= cut  # never inside the prompt's text
    assert prompt_end("\ufffd\ufffdbc+ 42", "long prompt abc+") == 5  # a cut inside a multi-byte character


def test_the_file_form_uses_the_environment(monkeypatch, chat_tokenizer, tmp_path):
    monkeypatch.setenv("REWARDKIT_GRADER", '{"type": "exact"}')
    chat_tokenizer.save_pretrained(tmp_path)
    monkeypatch.setenv("REWARDKIT_TOKENIZER", str(tmp_path))
    query = executor_query(chat_tokenizer, CHAT_PROMPT, "42")
    out = one_sample_at_a_time(reward_func, query, CHAT_PROMPT, "42")
    assert out["rewards"].tolist() == [1.0]
    assert set(out["extra_logs"]) == {"pass_rate", "error_rate"}


def test_a_tokenizer_path_gives_its_own_special_tokens(chat_tokenizer, tmp_path):
    chat_tokenizer.save_pretrained(tmp_path)
    cleaner = ResponseCleaner(tokenizer=str(tmp_path))
    assert "<|im_end|>" in cleaner.end_tokens and "<|im_start|>" in cleaner.other_tokens
    assert cleaner.text("<|im_start|>42<|im_end|>junk").response == "42"
    custom = ResponseCleaner(special_tokens=["[END]"])
    assert custom.text("42[END]").response == "42[END]".replace("[END]", "")
    with pytest.raises(ValueError, match="not both"):
        ResponseCleaner(special_tokens=["x"], tokenizer=str(tmp_path))


def test_lengths_and_labels():
    func = make_reward_func({"type": "exact"})
    with pytest.raises(ValueError, match="lengths differ"):
        func(["a", "b"], ["a"], ["x", "y"])
    assert func(["p:yes", "p:"], ["p:", "p:"], ["yes", "yes"])["extra_logs"]["error_rate"].tolist() == [0.0, 1.0]


def test_the_http_protocol_with_the_executors_payload(chat_tokenizer):
    from fastapi.testclient import TestClient

    from rewardkit.integrations.server import create_app

    query = executor_query(chat_tokenizer, CHAT_PROMPT, "no idea", 10)
    good = executor_query(chat_tokenizer, CHAT_PROMPT, "#### 42", 10)
    with TestClient(create_app("math", workers=1, timeout_s=10)) as client:
        for q, expected in [(query, 0.0), (good, 1.0)]:
            payload = {"query": [q], "prompts": [CHAT_PROMPT], "labels": ["42"]}  # one sample per request
            body = client.post("/get_reward", json=payload).json()
            assert body["rewards"] == [expected] and body["scores"] == [expected]
            assert set(body["extra_logs"]) == {"pass_rate", "error_rate"}
