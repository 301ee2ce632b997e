"""``rewardkit rm train|eval|score`` and ``rewardkit prm train|eval|score`` (added by the models plugin)."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _train_args(options: dict, config: Path | None):
    import yaml

    from rewardkit.models.training import TrainArgs

    data = yaml.safe_load(config.read_text()) if config else {}
    data.update({k: v for k, v in options.items() if v is not None})
    try:
        return TrainArgs(**data)
    except Exception as exc:  # pydantic ValidationError: name the field
        raise click.ClickException(str(exc)) from exc


def _common(fn):
    for option in reversed([
        click.option("--model", "model_path", required=True, help="Model folder (save_pretrained)."),
        click.option("--train", "train_path", required=True, help="Training data (JSONL, Parquet, ...)."),
        click.option("--eval", "eval_path", default=None, help="Held-out data, evaluated every --eval-every steps."),
        click.option("--out", "output_dir", default=None, help="Output folder (best/, last/, metrics.jsonl)."),
        click.option("--config", "config", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                     help="YAML with training settings (flags override it)."),
        click.option("--epochs", type=int, default=None), click.option("--batch-size", type=int, default=None),
        click.option("--learning-rate", "learning_rate", type=float, default=None),
        click.option("--max-length", "max_length", type=int, default=None),
        click.option("--eval-every", "eval_every", type=int, default=None),
        click.option("--quiet", "-q", is_flag=True),
    ]):
        fn = option(fn)
    return fn


def _report(metrics: dict) -> None:
    """The final metrics, printed once in a data-parallel run (by the main process)."""
    from accelerate import PartialState

    if PartialState().is_main_process:
        click.echo(json.dumps(metrics, indent=2))


@click.group("rm")
def rm_group() -> None:
    """Bradley-Terry outcome reward models: train, evaluate, score."""


@rm_group.command("train")
@_common
@click.option("--center-coef", type=float, default=0.0, show_default=True, help="Reward centering coefficient.")
@click.option("--resume", is_flag=True, help="Continue from OUT/last.")
def rm_train(model_path, train_path, eval_path, output_dir, config, epochs, batch_size, learning_rate, max_length,
             eval_every, quiet, center_coef, resume):
    """Train on prompt/chosen/rejected(/margin) pairs or ranked 'responses' lists."""
    from rewardkit.models.bradley_terry import train_bradley_terry

    args = _train_args(dict(output_dir=output_dir, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                            max_length=max_length, eval_every=eval_every), config)
    _, metrics = train_bradley_terry(model_path, train_path, args, eval_path, center_coef, resume=resume,
                                     progress=not quiet)
    _report(metrics)


@rm_group.command("eval")
@click.option("--model", "model_path", required=True)
@click.option("--data", "data_path", required=True, help="Preference pairs or rankings.")
def rm_eval(model_path, data_path):
    """Pairwise accuracy, mean margin, reward mean and std on preference data."""
    from rewardkit.models.bradley_terry import RewardModel, evaluate_pairs
    from rewardkit.models.data import load_preferences

    data = load_preferences(data_path)
    click.echo(json.dumps({**evaluate_pairs(RewardModel.load(model_path), data.items),
                           "skipped_rows": len(data.problems)}, indent=2))


@rm_group.command("score")
@click.option("--model", "model_path", required=True)
@click.option("--data", "data_path", required=True, help="Rows with 'prompt' and 'response'.")
@click.option("--output", "-o", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--batch-size", type=int, default=64, show_default=True)
def rm_score(model_path, data_path, output_path, batch_size):
    """Raw rewards of (prompt, response) rows, batched by length, one output row per input row."""
    from rewardkit.models.bradley_terry import RewardModel, render
    from rewardkit.scoring.readers import Input
    from rewardkit.scoring.rows import decode

    rm = RewardModel.load(model_path)
    rows = [decode(r) for r in Input(data_path).rows()]
    ok = [i for i, r in enumerate(rows) if isinstance(r, dict) and isinstance(r.get("response"), str) and r["response"]]
    scores = dict(zip(ok, rm.score([render(rm.tokenizer, rows[i].get("prompt", ""), rows[i]["response"]) for i in ok],
                                   batch_size)))
    with open(output_path, "w") as handle:
        for i in range(len(rows)):
            error = None if i in scores else "invalid_row"
            handle.write(json.dumps({"row": i, "reward": scores.get(i), "error": error}) + "\n")
    click.echo(f"{len(scores)} scored, {len(rows) - len(scores)} invalid rows, {rm.truncated} truncated -> {output_path}")


@click.group("prm")
def prm_group() -> None:
    """Process reward models: train, evaluate, score."""


@prm_group.command("train")
@_common
@click.option("--separator", default="\n", show_default=True, help="Step separator (one token).")
@click.option("--last-step-only", is_flag=True, help="Train on the label of the last step only.")
def prm_train(model_path, train_path, eval_path, output_dir, config, epochs, batch_size, learning_rate, max_length,
              eval_every, quiet, separator, last_step_only):
    """Train on prompt / completions (steps) / labels (one bool per step)."""
    from rewardkit.models.prm import train_prm

    args = _train_args(dict(output_dir=output_dir, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                            max_length=max_length, eval_every=eval_every), config)
    _, metrics = train_prm(model_path, train_path, args, eval_path, separator, last_step_only, progress=not quiet)
    _report(metrics)


@prm_group.command("eval")
@click.option("--model", "model_path", required=True)
@click.option("--data", "data_path", required=True)
def prm_eval(model_path, data_path):
    """Step accuracy and first-wrong-step accuracy on stepwise data."""
    from rewardkit.models.data import load_stepwise
    from rewardkit.models.prm import ProcessRewardModel, evaluate_steps

    data = load_stepwise(data_path)
    click.echo(json.dumps({**evaluate_steps(ProcessRewardModel.load(model_path), data.items),
                           "skipped_rows": len(data.problems)}, indent=2))


@prm_group.command("score")
@click.option("--model", "model_path", required=True)
@click.option("--data", "data_path", required=True, help="Rows with 'prompt' and 'completions' (steps).")
@click.option("--output", "-o", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--aggregate", "how", type=click.Choice(["min", "product", "mean", "last", "first_error"]), default="min")
def prm_score(model_path, data_path, output_path, how):
    """Step scores and their aggregate for every row."""
    from rewardkit.models.prm import ProcessRewardModel, aggregate
    from rewardkit.scoring.readers import Input
    from rewardkit.scoring.rows import decode

    prm = ProcessRewardModel.load(model_path)
    with open(output_path, "w") as handle:
        for i, raw in enumerate(Input(data_path).rows()):
            row = decode(raw)
            steps = row.get("completions") if isinstance(row, dict) else None
            if not isinstance(steps, list) or not steps:
                handle.write(json.dumps({"row": i, "reward": None, "steps": None, "error": "invalid_row"}) + "\n")
                continue
            scores = prm.step_scores(str(row.get("prompt", "")), [str(s) for s in steps])
            handle.write(json.dumps({"row": i, "reward": aggregate(scores, how), "steps": scores, "error": None}) + "\n")
    click.echo(f"-> {output_path}")
