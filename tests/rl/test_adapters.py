"""LoRA adapters: the adapter path learns the toy task as a chat model, with a fraction of the
optimizer state; only adapters are saved and resumed; the reference is the base model with the
adapters off; merged weights compute what the adapted model computes."""

import json
import shutil

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from rewardkit.rl.adapters import adapters_off, add_adapters, merged_parameters, save_merged  # noqa: E402
from rewardkit.rl.config import ConfigError, LoraConfig, load_config  # noqa: E402
from rewardkit.rl.grpo import train_grpo  # noqa: E402
from rewardkit.rl.rft import train_rft  # noqa: E402
from rewardkit.rl.toy import chat_tokenizer, tiny_chat_model  # noqa: E402
from tests.conftest import DEVICES  # noqa: E402

LORA = {"r": 8, "alpha": 16, "target_modules": "all-linear"}


@pytest.fixture
def chat(chat_toy):
    return chat_toy


def optimizer_state_bytes(checkpoint) -> int:
    state = torch.load(checkpoint / "trainer_state.pt", weights_only=False)["optimizer"]["state"]
    return sum(t.numel() * t.element_size() for s in state.values() for t in s.values() if torch.is_tensor(t))


def adapted_model(seed=0):
    """A tiny chat model with adapters whose B is not zero (so that they change the output)."""
    tokenizer = chat_tokenizer()
    model = add_adapters(tiny_chat_model(tokenizer, seed), LoraConfig(r=4, alpha=8, target_modules=["q_proj", "up_proj"]))
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(std=0.5)
    return tokenizer, model.eval()


@pytest.mark.slow  # a learning test (run by .ci/run with -m slow)
@pytest.mark.parametrize("device", DEVICES)
def test_lora_learns_the_chat_task_training_and_saving_only_adapters(chat, tmp_path, device):
    # 60 steps as the full fine-tuning test; the last run on CPU went from 0.475 to 0.74
    lora = train_grpo(load_config({**chat, "lora": LORA, "learning_rate": 1e-3, "device": device,
                                   "output_dir": str(tmp_path / "lora")}), progress=False)
    assert 0.0 < lora.accuracy_before < 0.6
    assert lora.accuracy_after - lora.accuracy_before >= 0.20, (lora.accuracy_before, lora.accuracy_after)
    saved = {p.name for p in lora.final_dir.iterdir()}
    assert {"adapter_model.safetensors", "adapter_config.json"} <= saved and "model.safetensors" not in saved
    # the same task with every weight trained, one step: its optimizer state is the comparison
    full = train_grpo(load_config({**chat, "eval_prompts": None, "max_steps": 1, "device": device,
                                   "output_dir": str(tmp_path / "full")}), progress=False)
    lora_bytes, full_bytes = optimizer_state_bytes(lora.final_dir), optimizer_state_bytes(full.final_dir)
    assert 0 < lora_bytes < full_bytes / 3, (lora_bytes, full_bytes)


@pytest.mark.parametrize("train", [train_grpo, train_rft])
def test_lora_resume_continues_bit_for_bit(chat, tmp_path, train):
    # beta > 0: the reference log-probs come from the policy with its adapters off
    config = {**chat, "eval_prompts": None, "max_steps": 4, "save_every": 2, "lora": LORA, "learning_rate": 3e-3,
              "beta": 0.05}
    full = train(load_config({**config, "output_dir": str(tmp_path / "full")}), progress=False)
    assert not (tmp_path / "full" / "checkpoint-2" / "model.safetensors").exists()
    resumed_dir = tmp_path / "resumed"
    resumed_dir.mkdir()
    shutil.copytree(tmp_path / "full" / "checkpoint-2", resumed_dir / "checkpoint-2")
    shutil.copy(tmp_path / "full" / "metrics.jsonl", resumed_dir / "metrics.jsonl")
    resumed = train(load_config({**config, "output_dir": str(resumed_dir)}), resume=True, progress=False)
    from safetensors.torch import load_file

    a = load_file(full.final_dir / "adapter_model.safetensors")
    b = load_file(resumed.final_dir / "adapter_model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    lines = lambda p: [json.loads(x) for x in p.read_text().splitlines()]  # noqa: E731
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("step_seconds", "tokens_per_second")} for r in rows]  # noqa: E731
    assert strip(lines(full.metrics_path)) == strip(lines(resumed.metrics_path))
    if train is train_grpo:
        steps = [r for r in lines(full.metrics_path) if "loss" in r]
        assert steps[0]["kl"] == 0.0 and steps[-1]["kl"] > 0  # B starts at 0: the policy starts as the reference


def test_the_reference_is_the_base_model_and_merged_weights_match_the_adapted_model(tmp_path):
    tokenizer, model = adapted_model()
    base = tiny_chat_model(tokenizer, 0).eval()
    ids = torch.tensor([[5, 17, 30, 41, 8]])
    with torch.no_grad():
        adapted = model(input_ids=ids).logits
        with adapters_off(model):
            reference = model(input_ids=ids).logits
        assert torch.equal(reference, base(input_ids=ids).logits)
        assert not torch.allclose(adapted, reference, atol=1e-3)
        assert model(input_ids=ids).logits.equal(adapted)  # the adapters are back on
        names = dict(merged_parameters(model))
        assert names.keys() == dict(base.named_parameters()).keys()
        base.load_state_dict(names, strict=False)
        torch.testing.assert_close(base(input_ids=ids).logits, adapted, atol=1e-5, rtol=1e-5)
        from transformers import AutoModelForCausalLM

        merged = AutoModelForCausalLM.from_pretrained(save_merged(model, tokenizer, tmp_path / "merged")).eval()
        torch.testing.assert_close(merged(input_ids=ids).logits, adapted, atol=1e-5, rtol=1e-5)
    assert any(".lora_" in n for n, _ in model.named_parameters())  # merging left the model as it was


def test_final_holds_merged_weights_on_request(chat, tmp_path):
    # also the path a GPU takes: bf16 autocast, gradient checkpointing, the KL to the adapters-off reference
    config = {**chat, "eval_prompts": None, "max_steps": 1, "lora": {**LORA, "save_merged": True},
              "learning_rate": 3e-3, "bf16": True, "gradient_checkpointing": True, "beta": 0.05,
              "output_dir": str(tmp_path / "merged")}
    result = train_grpo(load_config(config), progress=False)
    step = json.loads(result.metrics_path.read_text().splitlines()[0])
    assert step["kl"] == 0.0 and step["grad_norm"] > 0  # the adapters start at B = 0 and get gradients
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(result.final_dir / "merged")
    assert AutoTokenizer.from_pretrained(result.final_dir / "merged").chat_template is not None
    assert not any("lora" in n for n, _ in model.named_parameters())


def test_unknown_target_modules_name_the_field(chat, tmp_path):
    config = load_config({**chat, "lora": {**LORA, "target_modules": ["no_such_proj"]},
                          "output_dir": str(tmp_path / "bad")})
    with pytest.raises(ConfigError, match="lora.target_modules"):
        train_grpo(config, progress=False)
