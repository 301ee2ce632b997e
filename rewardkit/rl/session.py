"""What a GRPO run and an RFT run share: setting up (or resuming) a run, evaluating, checkpointing,
and finishing it. Every method is called in every process; only the main one writes files."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rewardkit.devices import make_accelerator
from rewardkit.rl.adapters import has_adapters, save_merged
from rewardkit.rl.config import ConfigError, TrainConfig
from rewardkit.rl.data import PromptItem, Prompts, load_run_prompts
from rewardkit.rl.evaluate import accuracy
from rewardkit.rl.metrics import MetricsWriter, plot_metrics, truncate_metrics
from rewardkit.rl.rewards import RewardComputer
from rewardkit.rl.rollout import Rollouts, Sampling, generate, stop_token_ids
from rewardkit.rl.runtime import (
    latest_checkpoint,
    load_policy,
    make_optimizer,
    rank_states,
    restore_rank_state,
    restore_trainer_state,
    save_checkpoint,
    seed_everything,
)


@dataclass
class RunResult:
    """What a run reports when it ends."""

    steps: int
    accuracy_before: float | None
    accuracy_after: float | None
    metrics_path: Path
    plot_path: Path | None
    final_dir: Path
    main_process: bool = True  # False in the other processes of a data-parallel run


def previous_run(output: Path) -> list[Path]:
    """What a run leaves in its output_dir (only these are removed to replace it; other files stay)."""
    names = ("metrics.jsonl", "final", "curves.png", "tensorboard")
    found = [output / name for name in names if (output / name).exists()]
    return found + sorted(output.glob("checkpoint-*"))


@dataclass
class Session:
    """A run's moving parts. ``model`` is the one to train (wrapped for data parallelism),
    ``policy`` the same weights unwrapped, for generation and log-probs without gradients."""

    config: TrainConfig
    output: Path
    accelerator: Any
    rewards: RewardComputer
    tokenizer: Any
    model: Any
    policy: Any
    optimizer: Any
    scheduler: Any
    prompts: Prompts
    eval_items: list[PromptItem]
    rng: random.Random  # picks this process's prompts
    start_step: int
    writer: MetricsWriter | None
    accuracy_before: float | None
    sampling: Sampling
    vllm: Any = None  # a VLLMGeneration with generation_backend vllm

    @classmethod
    def start(cls, config: TrainConfig, resume: bool = False, overwrite: bool = False) -> Session:
        """Everything set up; with ``resume``, weights, optimizer, schedule and RNGs from the
        latest checkpoint in output_dir (metrics past it are dropped and written again). A run
        already in output_dir is continued only with ``resume`` and replaced only with ``overwrite``."""
        output = Path(config.output_dir)
        previous = [] if resume else previous_run(output)
        if previous and not overwrite:
            raise ConfigError(f"output_dir: {output} holds a run ({', '.join(p.name for p in previous)}): continue "
                              "it with --resume or replace it with --overwrite")
        output.mkdir(parents=True, exist_ok=True)
        checkpoint = latest_checkpoint(output) if resume else None
        accelerator = make_accelerator(config.device, config.bf16)
        if previous and accelerator.is_main_process:
            for path in previous:
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        accelerator.wait_for_everyone()
        seed_everything(config.seed + accelerator.process_index)  # each process samples differently
        # Reward workers first: while the process has one thread they can be forked (fast, no re-import).
        rewards = RewardComputer(config.rewards, config.grader_workers, config.grader_timeout_s)
        try:
            tokenizer, model = load_policy(config, str(checkpoint) if checkpoint else None)
            prompts, eval_items = load_run_prompts(config, tokenizer)
        except BaseException:  # a bad model, adapter or dataset: the reward workers stop with the run
            rewards.close()
            raise
        optimizer, scheduler = make_optimizer(config, model)
        start_step, extra = 0, {}
        if checkpoint is not None:
            start_step, extra = restore_trainer_state(checkpoint, optimizer, scheduler)
        model, optimizer = accelerator.prepare(model, optimizer)
        rng = random.Random(config.seed * 1000 + accelerator.process_index)
        restore_rank_state(accelerator, extra, rng)
        writer = None
        if accelerator.is_main_process:
            if checkpoint is not None:
                truncate_metrics(output / "metrics.jsonl", start_step)
            writer = MetricsWriter(output, config.tensorboard, append=checkpoint is not None)
            if prompts.skipped_too_long or prompts.skipped_invalid:
                print(f"skipped prompts: {prompts.skipped_too_long} longer than {config.max_prompt_tokens} tokens, "
                      f"{prompts.skipped_invalid} without a prompt")
        policy = accelerator.unwrap_model(model)
        sampling = Sampling(config.max_new_tokens, stop_token_ids(tokenizer, policy), config.temperature, config.top_p,
                            config.top_k, config.min_p, config.repetition_penalty, tuple(config.stop))
        session = cls(config, output, accelerator, rewards, tokenizer, model, policy, optimizer, scheduler, prompts,
                      eval_items, rng, start_step, writer, extra.get("accuracy_before"), sampling)
        if config.generation_backend == "vllm":
            from rewardkit.rl.vllm_generation import VLLMGeneration

            # A LoRA checkpoint holds only adapters: the engine starts from the base model and is
            # given the merged weights at once.
            engine_weights = config.model if config.lora is not None else str(checkpoint or config.model)
            session.vllm = VLLMGeneration(config, engine_weights, accelerator, tokenizer)
            if config.lora is not None and checkpoint is not None:
                session.push_weights()
        if eval_items and session.accuracy_before is None:
            session.accuracy_before = session.evaluate()
            session.log(start_step, {"accuracy": session.accuracy_before})
        return session

    @property
    def main(self) -> bool:
        return self.accelerator.is_main_process

    def generate(self, items: list[PromptItem], num_generations: int, do_sample: bool = True) -> Rollouts:
        """Completions of the current policy, by the configured backend (each prompt's group adjacent,
        each at most its prompt's max_new_tokens)."""
        prompts, caps = [item.text for item in items], [item.max_new_tokens for item in items]
        if self.vllm is not None:
            return self.vllm.generate(prompts, num_generations, self.sampling, do_sample, caps)
        was_training = self.policy.training
        self.policy.eval()
        try:
            return generate(self.policy, self.tokenizer, prompts, num_generations, self.sampling, do_sample, caps)
        finally:
            self.policy.train(was_training)

    def push_weights(self) -> None:
        """The vLLM engine, if any, takes the policy's current weights (after a step's updates,
        before the next rollouts)."""
        if self.vllm is not None:
            self.vllm.sync(self.policy)

    def evaluate(self) -> float | None:
        """Greedy held-out accuracy under the first reward's grader (None without eval_prompts)."""
        if not self.eval_items:
            return None
        return accuracy(lambda items: self.generate(items, 1, do_sample=False).texts, self.eval_items,
                        self.config.rewards[0].grader, accelerator=self.accelerator)

    def log(self, step: int, metrics: dict[str, Any]) -> None:
        if self.writer:
            self.writer.write(step, metrics)

    def save(self, directory: Path, step: int) -> None:
        """A checkpoint with every process's RNG states (collective), written by the main process."""
        states = rank_states(self.accelerator, self.rng)
        if self.main:
            save_checkpoint(directory, self.policy, self.tokenizer, self.optimizer, self.scheduler, step,
                            self.config, {"rank_states": states, "accuracy_before": self.accuracy_before})

    def maybe_evaluate(self, step: int) -> float | None:
        """Held-out accuracy every ``eval_every`` steps (start and end are evaluated anyway); None otherwise."""
        c = self.config
        if c.eval_every and step % c.eval_every == 0 and step < c.max_steps and self.eval_items:
            return self.evaluate()
        return None

    def maybe_save(self, step: int) -> None:
        """A ``checkpoint-<step>`` every ``save_every`` steps (the last step saves ``final`` instead)."""
        if self.config.save_every and step % self.config.save_every == 0 and step < self.config.max_steps:
            self.save(self.output / f"checkpoint-{step}", step)

    def finish(self, kind: str) -> RunResult:
        """Final accuracy, the ``final`` checkpoint, the curves (titled with ``kind``, GRPO or RFT);
        the reward workers stop."""
        accuracy_after = self.evaluate()
        final, plot = self.output / "final", None
        self.log(self.config.max_steps, {"accuracy": accuracy_after} if accuracy_after is not None else {})
        self.save(final, self.config.max_steps)
        if self.main and self.config.lora is not None and self.config.lora.save_merged and has_adapters(self.policy):
            save_merged(self.policy, self.tokenizer, final / "merged")
        if self.writer:
            self.writer.close()
            try:
                c = self.config
                title = (f"{kind} of {Path(c.model).name}: {c.rollout_batch_size} completions per step, "
                         f"{c.num_generations} per prompt")
                plot = plot_metrics(self.writer.path, self.output / "curves.png", title=title)
            except ImportError:
                plot = None
        self.rewards.close()
        return RunResult(self.config.max_steps, self.accuracy_before, accuracy_after, self.output / "metrics.jsonl",
                         plot, final, self.main)
