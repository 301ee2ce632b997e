"""Prompts as the policy sees them: strings unchanged for plain models, chat templates for
conversations, system prompt, prompt template and template arguments (a local ChatML tokenizer)."""

import json

import pytest

pytest.importorskip("transformers")

from rewardkit.errors import DataError  # noqa: E402
from rewardkit.models.tiny import char_tokenizer  # noqa: E402
from rewardkit.rl.data import load_prompts  # noqa: E402
from rewardkit.rl.prompting import PromptError, PromptFormat  # noqa: E402
from rewardkit.rl.toy import chat_tokenizer  # noqa: E402

USER = [{"role": "user", "content": "2+2="}]


@pytest.fixture(scope="module")
def chat():
    return chat_tokenizer()


def test_a_plain_string_prompt_is_fed_as_it_is(chat):
    assert PromptFormat().render("2+2=", chat) == ("2+2=", "2+2=")
    assert PromptFormat(prompt_template="Q: {prompt}\nA:").render("2+2=", chat) == ("Q: 2+2=\nA:",) * 2


def test_messages_go_through_the_chat_template_with_a_generation_prompt(chat):
    text, question = PromptFormat().render(USER, chat)
    assert text == "<|im_start|>user\n2+2=<|im_end|>\n<|im_start|>assistant\n"
    assert question == "2+2="
    ids = chat(text, add_special_tokens=False)["input_ids"]
    assert ids[0] == chat.convert_tokens_to_ids("<|im_start|>")  # one special token, not its characters


def test_system_prompt_template_and_template_arguments(chat):
    fmt = PromptFormat(system_prompt="Be brief.", prompt_template="{prompt} Answer in \\boxed{}.",
                       template_kwargs={"enable_thinking": False})
    text, question = fmt.render("2+2=", chat)
    assert text == ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2= Answer in \\boxed{}.<|im_end|>\n"
                    "<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert question == "2+2= Answer in \\boxed{}."
    # a conversation's own system message wins; the template goes around its last user message
    own = [{"role": "system", "content": "S"}, {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
           {"role": "user", "content": "c"}]
    text, question = fmt.render(own, chat)
    assert "Be brief." not in text and "user\na<|im_end|>" in text and question == "c Answer in \\boxed{}."


def test_string_prompts_become_a_user_message_when_asked(chat):
    assert PromptFormat(chat_template=True).render("2+2=", chat)[0] == PromptFormat().render(USER, chat)[0]


def test_a_prefilled_assistant_message_is_continued(chat):
    text, _ = PromptFormat().render([*USER, {"role": "assistant", "content": "The answer is"}], chat)
    assert text.endswith("<|im_start|>assistant\nThe answer is")


@pytest.mark.parametrize("prompt", [[], [{"role": "user"}], [{"role": "robot", "content": "x"}],
                                    [{"role": "system", "content": "only"}], 42, ""])
def test_unusable_prompts_are_rejected(chat, prompt):
    with pytest.raises(PromptError):
        PromptFormat().render(prompt, chat)


def test_messages_with_chat_template_off_are_rejected(chat):
    with pytest.raises(PromptError, match="chat_template is false"):
        PromptFormat(chat_template=False).render(USER, chat)


def test_a_tokenizer_without_chat_template_is_one_clear_error():
    plain = char_tokenizer()
    plain.chat_template = None
    with pytest.raises(DataError, match="no chat template"):
        PromptFormat().render(USER, plain)


def test_loading_counts_bad_rows_caps_lengths_and_measures_the_formatted_prompt(tmp_path, chat):
    path = tmp_path / "p.jsonl"
    rows = [{"prompt": USER, "reference": "4", "budget": 2},
            {"prompt": USER, "reference": "4"},
            {"prompt": USER, "reference": "4", "budget": 99},
            {"prompt": USER, "reference": "4", "budget": -1},
            {"prompt": [{"role": "user", "content": "9" * 40}], "reference": "1"},
            {"prompt": [{"role": "bot", "content": "x"}]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    prompts = load_prompts(str(path), "prompt", "reference", chat, max_prompt_tokens=40, max_new_tokens=8,
                           max_new_tokens_field="budget")
    assert [item.max_new_tokens for item in prompts.items] == [2, 8, 8]
    assert all(item.text.startswith("<|im_start|>user") and item.question == "2+2=" for item in prompts.items)
    assert prompts.skipped_too_long == 1 and prompts.skipped_invalid == 2
