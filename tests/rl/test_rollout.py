"""Where completions end: stop tokens (several eos ids), per-prompt length caps, stop strings, and
the sampling options reaching generate."""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from rewardkit.models.tiny import char_tokenizer  # noqa: E402
from rewardkit.rl.rollout import (  # noqa: E402
    Sampling,
    completion_mask,
    cut_at_stop_strings,
    generate,
    stop_token_ids,
)
from rewardkit.rl.toy import chat_tokenizer, tiny_chat_model  # noqa: E402


def test_the_first_of_several_stop_ids_within_each_cap_ends_a_completion():
    ids = torch.tensor([[5, 7, 9, 9],    # stop id 7 at 1
                        [5, 5, 8, 9],    # stop id 8 at 2
                        [5, 5, 5, 7],    # stop at 3, but the cap is 2: truncated
                        [5, 5, 5, 5]])   # no stop: truncated at the full width
    mask, truncated = completion_mask(ids, (7, 8), caps=torch.tensor([4, 4, 2, 4]))
    assert mask.tolist() == [[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]]
    assert truncated.tolist() == [False, False, True, True]


def test_a_stop_string_ends_a_completion_at_the_token_that_completes_it():
    tok = char_tokenizer()
    ids = torch.tensor([tok("ab</a>cd", add_special_tokens=False)["input_ids"],
                        tok("abcdefgh", add_special_tokens=False)["input_ids"]])
    mask, truncated = completion_mask(ids, (tok.eos_token_id,))
    mask, truncated = cut_at_stop_strings(ids, mask, truncated, tok, ("</a>", "zz"))
    assert mask.sum(dim=1).tolist() == [6, 8] and truncated.tolist() == [False, True]


def test_stop_ids_come_from_the_tokenizer_and_the_generation_config():
    tok = chat_tokenizer()
    model = tiny_chat_model(tok)
    assert stop_token_ids(tok, model) == (tok.convert_tokens_to_ids("<|im_end|>"), tok.convert_tokens_to_ids("<eos>"))


def test_generate_honours_caps_stop_strings_and_sampling_options():
    tok = chat_tokenizer()
    model = tiny_chat_model(tok).eval()
    letters = tuple("etaoinshrdlucmfw")
    sampling = Sampling(max_new_tokens=12, stop_ids=stop_token_ids(tok, model), temperature=1.0, top_p=0.95, top_k=50,
                        min_p=0.01, repetition_penalty=1.2, stop=letters)
    torch.manual_seed(0)
    rollouts = generate(model, tok, ["<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", "x"], 8, sampling,
                        max_new_tokens=[12, 3])
    lengths = rollouts.lengths.tolist()
    assert all(n <= 3 for n in lengths[8:]), lengths  # the second prompt's cap
    by_string = 0
    for text, n, cut in zip(rollouts.texts, lengths, rollouts.truncated.tolist()):
        assert not any(s in text[:-1] for s in letters), text  # nothing is kept after a stop string
        by_string += text[-1:] in letters
        assert not cut or n in (3, 12)
    assert by_string > 0  # the stop strings were met (and kept, so that what is graded is what trains)


def test_completion_text_is_the_assistant_text_through_the_response_cleaner():
    from rewardkit.rl.rollout import assistant_texts

    tok = chat_tokenizer()
    ids = [tok("12<|im_end|>", add_special_tokens=False)["input_ids"],
           tok("<|im_start|>7<eos>", add_special_tokens=False)["input_ids"],
           tok("\\boxed{4}", add_special_tokens=False)["input_ids"]]
    assert tok.convert_tokens_to_ids("<|im_end|>") in ids[0]  # one special token, not its characters
    assert assistant_texts(tok, ids) == ["12", "7", "\\boxed{4}"]
