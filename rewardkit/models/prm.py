"""Process reward models: a token-classification head whose label sits on each step's separator.

The text is ``prompt + step_1 + sep + step_2 + sep + ...``; the label of step i (correct or not)
is trained on the separator token after it, and at inference the probability of "correct" there
is the step score. ``aggregate`` turns step scores into one reward.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import torch
import torch.nn.functional as F

from rewardkit.models.data import Stepwise, load_stepwise
from rewardkit.models.pretrained import load_pretrained
from rewardkit.models.training import TrainArgs, train_loop

Aggregate = Literal["min", "product", "mean", "last", "first_error"]


def aggregate(step_scores: list[float], how: Aggregate = "min", threshold: float = 0.5) -> float:
    """One reward in [0, 1] from step probabilities. first_error: the fraction of steps before the
    first step scored below ``threshold`` (1.0 when every step passes)."""
    if not step_scores:
        return 0.0
    if how == "min":
        return min(step_scores)
    if how == "product":
        out = 1.0
        for s in step_scores:
            out *= s
        return out
    if how == "mean":
        return sum(step_scores) / len(step_scores)
    if how == "last":
        return step_scores[-1]
    if how == "first_error":
        first = next((i for i, s in enumerate(step_scores) if s < threshold), None)
        return 1.0 if first is None else first / len(step_scores)
    raise ValueError(f"unknown aggregation {how!r}")


class ProcessRewardModel:
    """A token classifier (2 labels: wrong, correct) and its tokenizer."""

    def __init__(self, model, tokenizer, separator: str = "\n", max_length: int = 512):
        self.model = model
        self.tokenizer = tokenizer
        self.separator = separator
        self.max_length = max_length
        self.truncated = 0
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        separator_ids = tokenizer(separator, add_special_tokens=False)["input_ids"]
        if len(separator_ids) != 1:
            raise ValueError(f"the step separator {separator!r} must be a single token, it is {len(separator_ids)}")
        self.separator_id = separator_ids[0]

    @classmethod
    def load(cls, path: str | Path, separator: str | None = None, device: str | None = None,
             max_length: int = 512) -> ProcessRewardModel:
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        model = load_pretrained(AutoModelForTokenClassification, path, device, num_labels=2)
        separator = separator or getattr(model.config, "rewardkit_step_separator", "\n")
        return cls(model, AutoTokenizer.from_pretrained(path), separator, max_length)

    def save(self, path: str | Path) -> None:
        self.model.config.rewardkit_step_separator = self.separator
        self.model.save_pretrained(path)
        self.tokenizer.save_pretrained(path)

    def encode(self, items: list[Stepwise], last_step_only: bool = False):
        """input_ids, attention_mask [B, L] (right-padded) and labels [B, L] (-100 off separators)."""
        ids, labels = [], []
        for item in items:
            row = self.tokenizer(item.prompt, add_special_tokens=False)["input_ids"]
            row_labels = [-100] * len(row)
            for i, (step, label) in enumerate(zip(item.steps, item.labels)):
                step_ids = self.tokenizer(step, add_special_tokens=False)["input_ids"]
                row += step_ids + [self.separator_id]
                keep = not last_step_only or i == len(item.steps) - 1
                row_labels += [-100] * len(step_ids) + [int(label) if keep else -100]
            if len(row) > self.max_length:
                self.truncated += 1
                row, row_labels = row[: self.max_length], row_labels[: self.max_length]
            ids.append(row)
            labels.append(row_labels)
        width = max(len(r) for r in ids)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([r + [pad] * (width - len(r)) for r in ids])
        attention = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in ids])
        label_ids = torch.tensor([r + [-100] * (width - len(r)) for r in labels])
        device = self.model.device
        return input_ids.to(device), attention.to(device), label_ids.to(device)

    def loss(self, items: list[Stepwise], last_step_only: bool = False, model=None) -> torch.Tensor:
        """Cross-entropy on the separator labels; ``model`` is the wrapped one under accelerate."""
        input_ids, attention, labels = self.encode(items, last_step_only)
        logits = (model or self.model)(input_ids=input_ids, attention_mask=attention).logits.float()  # [B, L, 2]
        return F.cross_entropy(logits.view(-1, 2), labels.view(-1), ignore_index=-100)

    @torch.no_grad()
    def step_scores(self, prompt: str, steps: list[str]) -> list[float]:
        return self.score_many([(prompt, steps)])[0]

    @torch.no_grad()
    def score_many(self, examples: list[tuple[str, list[str]]], batch_size: int = 32) -> list[list[float]]:
        """P(correct) of every step of every (prompt, steps) example."""
        out: list[list[float]] = []
        for start in range(0, len(examples), batch_size):
            chunk = [Stepwise(p, s, [True] * len(s)) for p, s in examples[start:start + batch_size]]
            input_ids, attention, labels = self.encode(chunk)
            probs = torch.softmax(self.model(input_ids=input_ids, attention_mask=attention).logits.float(), -1)[..., 1]
            for row in range(len(chunk)):
                out.append(probs[row][labels[row] != -100].tolist())
        return out


def first_wrong_step(scores: list[float], threshold: float = 0.5) -> int | None:
    return next((i for i, s in enumerate(scores) if s < threshold), None)


def evaluate_steps(prm: ProcessRewardModel, items: list[Stepwise]) -> dict[str, float]:
    """Step accuracy and how often the first wrong step (or its absence) is found exactly."""
    prm.model.eval()
    scores = prm.score_many([(it.prompt, it.steps) for it in items])
    right_steps = total_steps = found = 0
    for item, s in zip(items, scores):
        right_steps += sum((p >= 0.5) == label for p, label in zip(s, item.labels))
        total_steps += len(s)
        truth = next((i for i, label in enumerate(item.labels) if not label), None)
        found += first_wrong_step(s) == truth
    return {"step_accuracy": right_steps / max(1, total_steps), "first_error_accuracy": found / max(1, len(items))}


def train_prm(model_path: str | Path | None, train_path: str, args: TrainArgs, eval_path: str | None = None,
              separator: str = "\n", last_step_only: bool = False, model: ProcessRewardModel | None = None,
              progress: bool = True, resume: bool = False) -> tuple[ProcessRewardModel, dict[str, Any]]:
    """Train a PRM from ``model_path`` (or a ready ``model``) on a stepwise file; ``resume``
    continues from ``output_dir/last``."""
    train = load_stepwise(train_path)  # the data first: a bad file is reported before a model loads
    held_out = load_stepwise(eval_path).items if eval_path else None
    last = Path(args.output_dir) / "last"
    if resume and last.exists():  # the weights to continue from; the optimizer state follows in train_loop
        prm = ProcessRewardModel.load(last, separator, max_length=args.max_length)
    else:
        prm = model or ProcessRewardModel.load(model_path, separator, max_length=args.max_length)
    prm.model.train()
    metrics = train_loop(prm.model, train.items, args, lambda model, batch: prm.loss(batch, last_step_only, model),
                         (lambda _: evaluate_steps(prm, held_out)) if held_out else None, prm.save,
                         best_key="first_error_accuracy" if held_out else None, resume=resume, progress=progress)
    metrics["skipped_rows"] = len(train.problems)
    metrics["truncated_sequences"] = prm.truncated
    return prm, metrics
