"""A tiny BT reward model learns a synthetic preference (right sums over wrong ones) on CPU."""

import json

import pytest

torch = pytest.importorskip("torch")

from rewardkit import DataError, Sample, load_grader  # noqa: E402
from rewardkit.models.bradley_terry import RewardModel, evaluate_pairs, train_bradley_terry  # noqa: E402
from rewardkit.models.data import load_preferences  # noqa: E402
from rewardkit.models.tiny import char_tokenizer, tiny_classifier  # noqa: E402
from rewardkit.models.toy import addition_preferences as pairs  # noqa: E402
from rewardkit.models.training import TrainArgs  # noqa: E402
from tests.conftest import needs_cuda  # noqa: E402


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def train_toy(root, device):
    """A tiny BT model trained on ``device`` to prefer right sums; (root, model, metrics)."""
    train, held_out = write(root / "train.jsonl", pairs(6000, 1)), write(root / "eval.jsonl", pairs(300, 2))
    tokenizer = char_tokenizer("0123456789+=")
    rm = RewardModel(tiny_classifier(tokenizer), tokenizer, max_length=16)
    args = TrainArgs(output_dir=str(root / "run"), epochs=4, batch_size=32, learning_rate=2e-3, warmup_steps=10,
                     device=device)
    rm, metrics = train_bradley_terry(None, train, args, eval_path=held_out, model=rm, progress=False)
    return root, rm, metrics


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return train_toy(tmp_path_factory.mktemp("bt"), "cpu")  # the CPU: exact save/load round trips


@pytest.mark.slow
def test_reaches_90_percent_held_out_pairwise_accuracy(trained):
    # How long this takes is measured in bench/, not asserted here (tests pass on a busy machine).
    _, _, metrics = trained
    assert metrics["pairwise_accuracy"] >= 0.90, metrics
    assert {"mean_margin", "reward_mean", "reward_std"} <= set(metrics)


@pytest.mark.slow
def test_save_load_round_trip_gives_identical_scores(trained):
    root, rm, _ = trained
    rm.model.eval()
    texts = ["3+4=7", "3+4=8", "9+9=18"]
    before = rm.score(texts)
    loaded = RewardModel.load(root / "run" / "last", device="cpu")
    assert loaded.score(texts) == before
    assert before[0] > before[1]


@pytest.mark.slow
def test_as_a_grader_in_the_registry_and_in_combine(trained):
    root, _, _ = trained
    spec = {"type": "reward_model", "path": str(root / "run" / "last"), "max_length": 16, "device": "cpu"}
    grader = load_grader(spec)
    good, bad = grader.grade_batch([Sample(prompt="3+4=", response="7"), Sample(prompt="3+4=", response="9")])
    assert good.score > bad.score and 0 <= bad.score <= 1 and "raw" in good.parts
    combo = load_grader({"type": "combine", "graders": {"rm": spec, "fmt": {"type": "format", "pattern": r"\d+"}}})
    assert combo.grade(Sample(prompt="3+4=", response="7")).parts["rm"] == pytest.approx(good.score)


@needs_cuda
def test_trains_on_cuda_and_scores_in_bf16(tmp_path):
    _, rm, metrics = train_toy(tmp_path, "cuda")
    assert metrics["pairwise_accuracy"] >= 0.90, metrics
    assert next(rm.model.parameters()).device.type == "cuda"
    rm.model.eval()
    texts = ["3+4=7", "3+4=8", "9+9=18", "9+9=17"]
    loaded = RewardModel.load(tmp_path / "run" / "last")  # default: CUDA, bf16 weights
    assert loaded.model.device.type == "cuda" and loaded.model.dtype == torch.bfloat16
    scores = loaded.score(texts)
    assert scores == pytest.approx(rm.score(texts), abs=0.15) and scores[0] > scores[1] and scores[2] > scores[3]
    grader = load_grader({"type": "reward_model", "path": str(tmp_path / "run" / "last"), "max_length": 16,
                          "device": "cuda"})
    good, bad = grader.grade_batch([Sample(prompt="3+4=", response="7"), Sample(prompt="3+4=", response="9")])
    assert good.score > bad.score


def test_bad_rows_are_reported_and_truncation_counted(tmp_path):
    rows = [{"prompt": "1+1=", "chosen": "2", "rejected": "3"}, {"prompt": "x", "chosen": "2"},
            {"prompt": "y", "chosen": " ", "rejected": "3"}, {"prompt": "z", "responses": ["a", "b", "c"]},
            {"prompt": "m", "chosen": "a", "rejected": "b", "margin": "big"}]
    loaded = load_preferences(write(tmp_path / "p.jsonl", rows))
    assert len(loaded.items) == 2 and len(loaded.problems) == 3
    assert "row 1" in loaded.problems[0] and "empty response" in loaded.problems[1] and "margin" in loaded.problems[2]
    (tmp_path / "empty.jsonl").write_text('{"prompt": "x"}\n')
    with pytest.raises(DataError, match="no usable preference rows"):
        load_preferences(str(tmp_path / "empty.jsonl"))
    tokenizer = char_tokenizer("0123456789+=abc")
    rm = RewardModel(tiny_classifier(tokenizer), tokenizer, max_length=4)
    evaluate_pairs(rm, loaded.items)
    assert rm.truncated >= 1  # "1+1=2" is 5 tokens


def test_ranked_lists_train_with_plackett_luce(tmp_path):
    rows = [{"prompt": f"{a}+1=", "responses": [str(a + 1), str(a + 2), str(a + 5)]} for a in range(8)]
    tokenizer = char_tokenizer("0123456789+=")
    rm = RewardModel(tiny_classifier(tokenizer), tokenizer, max_length=16)
    args = TrainArgs(output_dir=str(tmp_path / "pl"), epochs=2, batch_size=4, learning_rate=1e-3)
    _, metrics = train_bradley_terry(None, write(tmp_path / "r.jsonl", rows), args, model=rm, progress=False)
    assert metrics["loss"] > 0 and (tmp_path / "pl" / "last" / "config.json").exists()


def test_chat_prompts_are_rendered_with_the_chat_template():
    from rewardkit.models.bradley_terry import render

    tokenizer = char_tokenizer()
    text = render(tokenizer, [{"role": "user", "content": "hi"}], "hello")
    assert text == "u:hi\na:hello\n"
    assert render(tokenizer, "2+2=", "4") == "2+2=4"


def test_resume_continues_from_last(tmp_path):
    train = write(tmp_path / "t.jsonl", pairs(64, 3))
    tokenizer = char_tokenizer("0123456789+=")
    args = TrainArgs(output_dir=str(tmp_path / "r"), epochs=1, batch_size=16, learning_rate=1e-3)
    rm = RewardModel(tiny_classifier(tokenizer), tokenizer, max_length=16)
    _, first = train_bradley_terry(None, train, args, model=rm, progress=False)
    assert first["step"] == 4
    more = args.model_copy(update={"epochs": 2})
    _, second = train_bradley_terry(None, train, more, resume=True, progress=False)
    assert second["step"] == 8  # continued from step 4, not restarted
    assert len((tmp_path / "r" / "metrics.jsonl").read_text().splitlines()) == 8
