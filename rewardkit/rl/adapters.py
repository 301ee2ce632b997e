"""LoRA adapters with peft: only the adapters train, are saved and hold optimizer state; the frozen
base model with its adapters switched off is the reference policy, so no second copy is loaded."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import torch

from rewardkit.rl.config import ConfigError, LoraConfig

ADAPTER_FILE = "adapter_config.json"


def add_adapters(model, lora: LoraConfig):
    """``model`` wrapped in fresh LoRA adapters (B = 0, so it starts as the base model)."""
    from peft import LoraConfig as PeftLoraConfig
    from peft import get_peft_model

    config = PeftLoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                            target_modules=lora.target_modules, task_type="CAUSAL_LM")
    try:
        return get_peft_model(model, config)
    except ValueError as exc:  # peft names the modules it could not find
        raise ConfigError(f"lora.target_modules: {str(exc).splitlines()[0]}") from exc


def load_adapters(model, directory: str | Path):
    """``model`` with the trainable adapters saved in ``directory`` (a checkpoint of a LoRA run)."""
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(directory), is_trainable=True)


def has_adapters(model) -> bool:
    from rewardkit.rl.config import _importable

    if not _importable("peft"):
        return False
    from peft import PeftModel

    return isinstance(model, PeftModel)


@contextlib.contextmanager
def adapters_off(model) -> Iterator:
    """The model as the reference policy: with its adapters off (a no-op for a model without)."""
    if has_adapters(model):
        with model.disable_adapter():
            yield model
    else:
        yield model


@torch.no_grad()
def merged_parameters(model) -> Iterator[tuple[str, torch.Tensor]]:
    """(name, weight) of every weight the model computes with, named as in the base model, with
    each adapter's update added to its layer's weight out of place (the model is not changed)."""
    if not has_adapters(model):
        yield from ((name, param.data) for name, param in model.named_parameters())
        return
    from peft.tuners.lora import LoraLayer

    base = model.get_base_model()
    deltas = {}
    for name, module in base.named_modules():
        if isinstance(module, LoraLayer) and not module.merged and not module.disable_adapters:
            active = [a for a in module.active_adapters if a in module.lora_A or a in module.lora_embedding_A]
            if active:
                deltas[f"{name}.base_layer.weight"] = sum(module.get_delta_weight(a) for a in active)
    for name, param in base.named_parameters():
        if ".lora_" in name:
            continue
        weight = param.data + deltas[name].to(param.dtype) if name in deltas else param.data
        yield name.replace(".base_layer.", "."), weight


def save_merged(model, tokenizer, directory: Path) -> Path:
    """The full model with the adapters folded in, in save_pretrained format (loadable by
    transformers and vLLM without peft)."""
    base = model.get_base_model()
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in merged_parameters(model)}
    directory.mkdir(parents=True, exist_ok=True)
    base.save_pretrained(directory, state_dict=state, safe_serialization=True)
    tokenizer.save_pretrained(directory)
    return directory
