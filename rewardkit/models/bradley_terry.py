"""Bradley-Terry outcome reward models around ``AutoModelForSequenceClassification`` (num_labels=1).

The reward of (prompt, response) is the model's scalar output on their text (for chat prompts,
the conversation rendered with the tokenizer's chat template). Training minimises
``-log sigmoid(r_chosen - r_rejected - margin)`` (or Plackett-Luce for ranked lists of k > 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from rewardkit.models.data import Preference, load_preferences
from rewardkit.models.losses import bradley_terry_loss, plackett_luce_loss
from rewardkit.models.pretrained import load_pretrained
from rewardkit.models.training import TrainArgs, train_loop


def render(tokenizer, prompt: Any, response: Any) -> str:
    """The text a reward model reads: plain prompt + response, or a chat rendered by its template."""
    if isinstance(prompt, list) or isinstance(response, list):
        messages = (list(prompt) if isinstance(prompt, list) else [{"role": "user", "content": str(prompt)}])
        messages += response if isinstance(response, list) else [{"role": "assistant", "content": str(response)}]
        return tokenizer.apply_chat_template(messages, tokenize=False)
    return f"{prompt}{response}"


class RewardModel:
    """A sequence-classification model and its tokenizer, scoring texts in length-sorted batches."""

    def __init__(self, model, tokenizer, max_length: int = 512):
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.truncated = 0  # sequences cut to max_length so far (reported, never silent)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        model.config.pad_token_id = tokenizer.pad_token_id

    @classmethod
    def load(cls, path: str | Path, device: str | None = None, max_length: int = 512) -> RewardModel:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        model = load_pretrained(AutoModelForSequenceClassification, path, device, num_labels=1)
        return cls(model, AutoTokenizer.from_pretrained(path), max_length)

    def save(self, path: str | Path) -> None:
        self.model.save_pretrained(path)
        self.tokenizer.save_pretrained(path)

    def encode(self, texts: list[str]) -> dict[str, torch.Tensor]:
        """Right-padded input_ids and attention_mask; sequences over max_length are cut (and counted)."""
        ids = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        self.truncated += sum(len(x) > self.max_length for x in ids)
        ids = [x[: self.max_length] for x in ids]
        width = max(len(x) for x in ids)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([x + [pad] * (width - len(x)) for x in ids])  # [N, L]
        attention = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in ids])  # [N, L]
        return {"input_ids": input_ids.to(self.model.device), "attention_mask": attention.to(self.model.device)}

    def forward(self, texts: list[str], model=None) -> torch.Tensor:
        """Rewards [N] with gradient (training); ``model`` is the wrapped one under accelerate."""
        return (model or self.model)(**self.encode(texts), use_cache=False).logits[:, 0].float()

    @torch.inference_mode()
    def score(self, texts: list[str], batch_size: int = 128) -> list[float]:
        """Rewards of many texts: sorted by length so each batch pads little, returned in input order."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        scores = [0.0] * len(texts)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            for i, value in zip(chunk, self.forward([texts[i] for i in chunk]).tolist()):
                scores[i] = value
        return scores


def pair_loss(rm: RewardModel, batch: list[Preference], center_coef: float = 0.0, model=None) -> torch.Tensor:
    """BT loss for pairs, Plackett-Luce for ranked lists (grouped by list length)."""
    by_k: dict[int, list[Preference]] = {}
    for item in batch:
        by_k.setdefault(len(item.responses), []).append(item)
    losses = []
    for k, items in by_k.items():
        texts = [render(rm.tokenizer, it.prompt, r) for it in items for r in it.responses]
        scores = rm.forward(texts, model).view(len(items), k)  # [b, k]
        if k == 2:
            margin = torch.tensor([it.margin for it in items], device=scores.device)
            losses.append(bradley_terry_loss(scores[:, 0], scores[:, 1], margin, center_coef) * len(items))
        else:
            losses.append(plackett_luce_loss(scores) * len(items))
    return sum(losses) / len(batch)


def evaluate_pairs(rm: RewardModel, items: list[Preference], batch_size: int = 128) -> dict[str, float]:
    """Pairwise accuracy (chosen above rejected; every ordered pair for rankings), mean margin, reward mean/std."""
    texts = [render(rm.tokenizer, it.prompt, r) for it in items for r in it.responses]
    rm.model.eval()
    scores = rm.score(texts, batch_size)
    right = total = 0
    margins, offset = [], 0
    for it in items:
        s = scores[offset: offset + len(it.responses)]
        offset += len(it.responses)
        for i in range(len(s)):
            for j in range(i + 1, len(s)):
                right += s[i] > s[j]
                total += 1
                margins.append(s[i] - s[j])
    values = torch.tensor(scores)
    return {"pairwise_accuracy": right / max(1, total), "mean_margin": sum(margins) / max(1, len(margins)),
            "reward_mean": float(values.mean()), "reward_std": float(values.std()) if len(scores) > 1 else 0.0}


def train_bradley_terry(model_path: str | Path | None, train_path: str, args: TrainArgs, eval_path: str | None = None,
                        center_coef: float = 0.0, model: RewardModel | None = None, resume: bool = False,
                        progress: bool = True) -> tuple[RewardModel, dict[str, Any]]:
    """Train a BT reward model from ``model_path`` (or a ready ``model``) on a preference file."""
    train = load_preferences(train_path)  # the data first: a bad file is reported before a model loads
    held_out = load_preferences(eval_path).items if eval_path else None
    last = Path(args.output_dir) / "last"
    if resume and last.exists():  # the weights to continue from; the optimizer state follows in train_loop
        rm = RewardModel.load(last, max_length=args.max_length)
    else:
        rm = model or RewardModel.load(model_path, max_length=args.max_length)
    rm.model.train()
    metrics = train_loop(
        rm.model, train.items, args, lambda model, batch: pair_loss(rm, batch, center_coef, model),
        (lambda _: evaluate_pairs(rm, held_out)) if held_out else None, rm.save,
        best_key="pairwise_accuracy" if held_out else None, resume=resume, progress=progress)
    metrics["skipped_rows"] = len(train.problems)
    metrics["truncated_sequences"] = rm.truncated
    return rm, metrics
