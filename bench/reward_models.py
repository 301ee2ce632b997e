"""Bradley-Terry reward-model training and scoring: rewardkit vs. TRL's RewardTrainer, same model and pairs.

    pip install -e ".[train,trl]"
    python bench/reward_models.py [--pairs 4000]

Both start from the same freshly initialised tiny Llama sequence classifier (character tokenizer)
and see the same synthetic pairs (prompt "a+b=", chosen the right sum, rejected a wrong one), one
epoch at batch size 32 and learning rate 2e-3, on CPU. Training pairs/s is measured around
``train`` / ``trainer.train()`` (TRL's tokenisation of the dataset happens before and is not
counted); scoring pairs/s around rewardkit's ``evaluate_pairs`` and TRL's ``trainer.evaluate()``
on held-out pairs (both compute the pairwise accuracy, printed too).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")


def fresh_model(tokenizer):
    from rewardkit.models.tiny import tiny_classifier

    model = tiny_classifier(tokenizer, seed=0)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


def run_rewardkit(train, held_out, tmp: Path) -> dict:
    from rewardkit.models.bradley_terry import RewardModel, evaluate_pairs, train_bradley_terry
    from rewardkit.models.data import load_preferences
    from rewardkit.models.tiny import char_tokenizer
    from rewardkit.models.training import TrainArgs

    tokenizer = char_tokenizer("0123456789+=")
    rm = RewardModel(fresh_model(tokenizer), tokenizer, max_length=16)
    (tmp / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train))
    args = TrainArgs(output_dir=str(tmp / "rk"), epochs=1, batch_size=32, learning_rate=2e-3, schedule="linear")
    start = time.perf_counter()
    train_bradley_terry(None, str(tmp / "train.jsonl"), args, model=rm, progress=False)
    train_s = time.perf_counter() - start
    (tmp / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in held_out))
    items = load_preferences(str(tmp / "eval.jsonl")).items
    start = time.perf_counter()
    metrics = evaluate_pairs(rm, items, batch_size=128)  # 64 pairs per forward, as TRL's eval batch
    score_s = time.perf_counter() - start
    return {"train": len(train) / train_s, "score": len(held_out) / score_s, "accuracy": metrics["pairwise_accuracy"]}


def run_trl(train, held_out, tmp: Path) -> dict:
    import datasets
    import trl

    from rewardkit.models.tiny import char_tokenizer

    tokenizer = char_tokenizer("0123456789+=")
    tokenizer.padding_side = "right"
    model = fresh_model(tokenizer)
    config = trl.RewardConfig(output_dir=str(tmp / "trl"), per_device_train_batch_size=32, per_device_eval_batch_size=64,
                              num_train_epochs=1, learning_rate=2e-3, lr_scheduler_type="linear", report_to=[],
                              use_cpu=True, save_strategy="no", logging_steps=10_000, max_length=16, bf16=False,
                              disable_tqdm=True, seed=0)
    trainer = trl.RewardTrainer(model=model, args=config, train_dataset=datasets.Dataset.from_list(train),
                                eval_dataset=datasets.Dataset.from_list(held_out), processing_class=tokenizer)
    start = time.perf_counter()
    trainer.train()
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    metrics = trainer.evaluate()
    score_s = time.perf_counter() - start
    accuracy = next((v for k, v in metrics.items() if "accuracy" in k), float("nan"))
    return {"train": len(train) / train_s, "score": len(held_out) / score_s, "accuracy": accuracy}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4000)
    args = parser.parse_args()
    from rewardkit.models.toy import addition_preferences

    train, held_out = addition_preferences(args.pairs, 1), addition_preferences(5000, 2)
    with tempfile.TemporaryDirectory() as tmp:
        results = {"rewardkit": run_rewardkit(train, held_out, Path(tmp)), "trl": run_trl(train, held_out, Path(tmp))}
    print(f"{args.pairs:,} training pairs (1 epoch, batch 32), 5,000 held-out pairs; tiny Llama classifier on CPU\n")
    print(f"{'':<11}{'train pairs/s':>15}{'score pairs/s':>15}{'held-out acc':>14}")
    for name, r in results.items():
        print(f"{name:<11}{r['train']:>15,.0f}{r['score']:>15,.0f}{r['accuracy']:>14.3f}")
    rk, tr = results["rewardkit"], results["trl"]
    print(f"\nratio rewardkit / TRL: training {rk['train'] / tr['train']:.2f}, scoring {rk['score'] / tr['score']:.2f}")


if __name__ == "__main__":
    main()
