"""rewardkit's GRPO vs. TRL's GRPOTrainer: seconds per step and peak memory, same everything.

    pip install -e ".[train,trl]"
    python bench/grpo_vs_trl.py [--steps 20] [--repeats 3] [--device cuda]

Both train the same tiny warm-started model (rewardkit.rl.toy) on the same addition prompts with
8 completions per prompt, 64 completions per step generated in one batch, 3 new tokens, sampling
at temperature 1, AdamW at 3e-4, no KL term (beta 0), token-mean (DAPO) loss, and the same reward:
rewardkit's ``math`` grader (TRL gets it through ``rewardkit.integrations.trl``). Each trainer
runs in its own fresh process, ``--repeats`` times each, taking turns. A run's step time is its
median after the first step; each trainer's fastest run counts (the spread of its runs is printed
too, as step times at this size swing between runs), and its largest peak RSS. On CUDA both
train in bf16 autocast, and the peak GPU memory that torch allocated is reported too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r'''
import json, resource, sys, time
from pathlib import Path
kind, root, steps, device = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
import torch
from rewardkit.rl.toy import toy_config
# all 64 completions of a step generated in one batch, as TRL does
base = toy_config(root / "data", eval_prompts=None, max_steps=steps, output_dir=str(root / kind), device=device,
                  generation_batch_size=64)
times = []
if kind == "rewardkit":
    from rewardkit.rl.config import load_config
    from rewardkit.rl.grpo import train_grpo
    result = train_grpo(load_config(base), progress=False, overwrite=True)  # the repeats reuse the folder
    rows = [json.loads(l) for l in result.metrics_path.read_text().splitlines()]
    times = [r["step_seconds"] for r in rows if "step_seconds" in r]
else:
    import datasets, trl
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from rewardkit.integrations.trl import reward_funcs
    tokenizer = AutoTokenizer.from_pretrained(base["model"])
    model = AutoModelForCausalLM.from_pretrained(base["model"])
    rows = [json.loads(l) for l in Path(base["prompts"]).read_text().splitlines()]
    data = datasets.Dataset.from_list(rows)

    class Timer(TrainerCallback):
        def on_step_begin(self, args, state, control, **kw):
            self.t = time.perf_counter()
        def on_step_end(self, args, state, control, **kw):
            times.append(time.perf_counter() - self.t)

    config = trl.GRPOConfig(output_dir=base["output_dir"], per_device_train_batch_size=64, num_generations=8,
                            max_completion_length=3, max_steps=steps, learning_rate=3e-4, beta=0.0,
                            loss_type="dapo", temperature=1.0, report_to=[], logging_steps=1000, use_cpu=device == "cpu",
                            save_strategy="no", bf16=device == "cuda", seed=0)
    trainer = trl.GRPOTrainer(model=model, reward_funcs=reward_funcs("math"), args=config, train_dataset=data,
                              processing_class=tokenizer, callbacks=[Timer()])
    trainer.train()
gpu_mb = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None
print(json.dumps({"times": times, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "gpu_mb": gpu_mb}))
'''


def run(kind: str, root: Path, steps: int, device: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, kind, str(root), str(steps), device], capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3, help="Runs of each trainer, taking turns.")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = parser.parse_args()
    kinds = ("rewardkit", "trl")
    runs = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            for kind in kinds:
                result = run(kind, Path(tmp) / f"{kind}{i}", args.steps, args.device)
                runs[kind].append({**result, "step": statistics.median(result["times"][1:])})
    cuda = args.device == "cuda"
    memory = "gpu_mb" if cuda else "peak_mb"
    best = {kind: min(r["step"] for r in runs[kind]) for kind in kinds}
    peak = {kind: {m: max(r[m] or 0 for r in runs[kind]) for m in ("peak_mb", "gpu_mb")} for kind in kinds}
    where = "CUDA, bf16 autocast" if cuda else "CPU"
    print(f"{args.steps} steps, 64 completions per step (8 per prompt), 3 new tokens, tiny Llama on {where}; "
          f"{args.repeats} runs each\n")
    print(f"{'':<11}{'s/step (best)':>15}{'runs':>22}{'peak RSS MiB':>14}" + (f"{'peak GPU MiB':>14}" if cuda else ""))
    for kind in kinds:
        spread = f"{best[kind]:.4f}-{max(r['step'] for r in runs[kind]):.4f}"
        gpu = f"{peak[kind]['gpu_mb']:>14.1f}" if cuda else ""
        print(f"{kind:<11}{best[kind]:>15.4f}{spread:>22}{peak[kind]['peak_mb']:>14.1f}{gpu}")
    print(f"\nstep-time ratio rewardkit / TRL: {best['rewardkit'] / best['trl']:.2f}"
          f"   peak-memory ratio ({'GPU' if cuda else 'RSS'}): {peak['rewardkit'][memory] / peak['trl'][memory]:.2f}")


if __name__ == "__main__":
    main()
