"""``rewardkit rm train|eval|score`` and ``rewardkit prm train|eval|score`` (added by the models plugin).

Everything a user typed is checked before a model loads: the files exist, the model folder exists
(or is a hub id), the settings are valid; each problem is one line naming the option or the file.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import click

from rewardkit.errors import RewardkitError


def _model_path(ctx, param, value: str | None) -> str | None:
    from rewardkit.models.paths import missing_model_dir

    if value is not None and (why := missing_model_dir(value)):
        raise click.BadParameter(why)
    return value


def _escapes(ctx, param, value: str) -> str:
    r"""A separator typed on a shell line: \n and \t stand for a newline and a tab."""
    return value.replace("\\n", "\n").replace("\\t", "\t")


_DATA = click.Path(exists=True, path_type=str)  # a file, a folder of shards or a saved dataset
_MODEL_HELP = "Model folder (save_pretrained) or hub id."


@contextlib.contextmanager
def _command(quiet: bool = False, resume_hint=None):
    """One line for every error a person made, transformers' bars off with --quiet, and after
    Ctrl-C how to continue (``resume_hint()``, asked then)."""
    from rewardkit.progress import transformers_bars

    try:
        with transformers_bars(not quiet):
            yield
    except RewardkitError as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        from rewardkit.cli import Interrupted

        raise Interrupted(f"interrupted; {resume_hint()}" if resume_hint else "interrupted") from None


def _train_args(options: dict, config: Path | None):
    import yaml
    from pydantic import ValidationError

    from rewardkit.models.training import TrainArgs

    data = yaml.safe_load(config.read_text()) if config else {}
    data.update({k: v for k, v in options.items() if v is not None})
    try:
        return TrainArgs(**data)
    except ValidationError as exc:  # every problem, one line each, naming the setting
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise click.ClickException("\n  ".join(["invalid training settings:", *lines]) if len(lines) > 1
                                   else lines[0]) from exc


def _common(fn):
    for option in reversed([
        click.option("--model", "model_path", required=True, callback=_model_path, help=_MODEL_HELP),
        click.option("--train", "train_path", required=True, type=_DATA, help="Training data (JSONL, Parquet, ...)."),
        click.option("--eval", "eval_path", default=None, type=_DATA,
                     help="Held-out data, evaluated every --eval-every steps."),
        click.option("--out", "output_dir", default=None, help="Output folder (best/, last/, metrics.jsonl)."),
        click.option("--config", "config", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                     help="YAML with training settings (flags override it)."),
        click.option("--epochs", type=int, default=None), click.option("--batch-size", type=int, default=None),
        click.option("--learning-rate", "learning_rate", type=float, default=None),
        click.option("--max-length", "max_length", type=int, default=None),
        click.option("--eval-every", "eval_every", type=int, default=None),
        click.option("--resume", is_flag=True, help="Continue from OUT/last."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bars."),
    ]):
        fn = option(fn)
    return fn


def _resume_hint(args):
    def hint() -> str:
        last = Path(args.output_dir) / "last"
        if last.exists():
            return f"the same command with --resume continues from {last}"
        return f"nothing to resume: {last} is written when training ends"

    return hint


def _report(metrics: dict) -> None:
    """The final metrics, printed once in a data-parallel run (by the main process)."""
    from accelerate import PartialState

    if PartialState().is_main_process:
        click.echo(json.dumps(metrics, indent=2))


def _ids(rows: list, id_field: str | None) -> list:
    """Each row's id (the ``--id-field``, as ``rewardkit score`` takes it), else its row number."""
    from rewardkit.scoring.fields import FieldMapping

    fields = FieldMapping(id=id_field)
    return [fields.row_id(row, i) for i, row in enumerate(rows)]


_ID_FIELD = click.option("--id-field", default="id", show_default=True,
                         help="Dotted path of the row id (else the row number), as in `rewardkit score`.")


@click.group("rm")
def rm_group() -> None:
    """Bradley-Terry outcome reward models: train, evaluate, score."""


@rm_group.command("train")
@_common
@click.option("--center-coef", type=float, default=0.0, show_default=True, help="Reward centering coefficient.")
def rm_train(model_path, train_path, eval_path, output_dir, config, epochs, batch_size, learning_rate, max_length,
             eval_every, resume, quiet, center_coef):
    """Train on prompt/chosen/rejected(/margin) pairs or ranked 'responses' lists."""
    args = _train_args(dict(output_dir=output_dir, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                            max_length=max_length, eval_every=eval_every), config)
    with _command(quiet, _resume_hint(args)):
        from rewardkit.models.bradley_terry import train_bradley_terry

        _, metrics = train_bradley_terry(model_path, train_path, args, eval_path, center_coef, resume=resume,
                                         progress=not quiet)
    _report(metrics)


@rm_group.command("eval")
@click.option("--model", "model_path", required=True, callback=_model_path, help=_MODEL_HELP)
@click.option("--data", "data_path", required=True, type=_DATA, help="Preference pairs or rankings.")
def rm_eval(model_path, data_path):
    """Pairwise accuracy, mean margin, reward mean and std on preference data."""
    with _command():
        from rewardkit.models.bradley_terry import RewardModel, evaluate_pairs
        from rewardkit.models.data import load_preferences

        data = load_preferences(data_path)
        metrics = evaluate_pairs(RewardModel.load(model_path), data.items)
    click.echo(json.dumps({**metrics, "skipped_rows": len(data.problems)}, indent=2))


@rm_group.command("score")
@click.option("--model", "model_path", required=True, callback=_model_path, help=_MODEL_HELP)
@click.option("--data", "data_path", required=True, type=_DATA, help="Rows with 'prompt' and 'response'.")
@click.option("--output", "-o", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@_ID_FIELD
def rm_score(model_path, data_path, output_path, batch_size, id_field):
    """Raw rewards of (prompt, response) rows, batched by length, one output row per input row."""
    with _command():
        from rewardkit.models.bradley_terry import RewardModel, render
        from rewardkit.scoring.readers import Input
        from rewardkit.scoring.rows import decode

        rows = [decode(r) for r in Input(data_path).rows()]
        rm = RewardModel.load(model_path)
        ok = [i for i, r in enumerate(rows) if isinstance(r, dict) and isinstance(r.get("response"), str) and r["response"]]
        texts = [render(rm.tokenizer, rows[i].get("prompt", ""), rows[i]["response"]) for i in ok]
        scores = dict(zip(ok, rm.score(texts, batch_size)))
    with open(output_path, "w") as handle:
        for i, row_id in enumerate(_ids(rows, id_field)):
            error = None if i in scores else "invalid_row"
            handle.write(json.dumps({"id": row_id, "reward": scores.get(i), "error": error}) + "\n")
    click.echo(f"{len(scores)} scored, {len(rows) - len(scores)} invalid rows, {rm.truncated} truncated -> {output_path}")


@click.group("prm")
def prm_group() -> None:
    """Process reward models: train, evaluate, score."""


@prm_group.command("train")
@_common
@click.option("--separator", default=r"\n", show_default=True, callback=_escapes,
              help=r"Step separator (one token); \n and \t stand for a newline and a tab.")
@click.option("--last-step-only", is_flag=True, help="Train on the label of the last step only.")
def prm_train(model_path, train_path, eval_path, output_dir, config, epochs, batch_size, learning_rate, max_length,
              eval_every, resume, quiet, separator, last_step_only):
    """Train on prompt / completions (steps) / labels (one bool per step)."""
    args = _train_args(dict(output_dir=output_dir, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                            max_length=max_length, eval_every=eval_every), config)
    with _command(quiet, _resume_hint(args)):
        from rewardkit.models.prm import train_prm

        _, metrics = train_prm(model_path, train_path, args, eval_path, separator, last_step_only, resume=resume,
                               progress=not quiet)
    _report(metrics)


@prm_group.command("eval")
@click.option("--model", "model_path", required=True, callback=_model_path, help=_MODEL_HELP)
@click.option("--data", "data_path", required=True, type=_DATA)
def prm_eval(model_path, data_path):
    """Step accuracy and first-wrong-step accuracy on stepwise data."""
    with _command():
        from rewardkit.models.data import load_stepwise
        from rewardkit.models.prm import ProcessRewardModel, evaluate_steps

        data = load_stepwise(data_path)
        metrics = evaluate_steps(ProcessRewardModel.load(model_path), data.items)
    click.echo(json.dumps({**metrics, "skipped_rows": len(data.problems)}, indent=2))


@prm_group.command("score")
@click.option("--model", "model_path", required=True, callback=_model_path, help=_MODEL_HELP)
@click.option("--data", "data_path", required=True, type=_DATA, help="Rows with 'prompt' and 'completions' (steps).")
@click.option("--output", "-o", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--aggregate", "how", type=click.Choice(["min", "product", "mean", "last", "first_error"]), default="min",
              show_default=True)
@_ID_FIELD
def prm_score(model_path, data_path, output_path, how, id_field):
    """Step scores and their aggregate for every row."""
    with _command():
        from rewardkit.models.prm import ProcessRewardModel, aggregate
        from rewardkit.scoring.readers import Input
        from rewardkit.scoring.rows import decode

        rows = [decode(raw) for raw in Input(data_path).rows()]
        prm = ProcessRewardModel.load(model_path)
        with open(output_path, "w") as handle:
            for row, row_id in zip(rows, _ids(rows, id_field)):
                steps = row.get("completions") if isinstance(row, dict) else None
                if not isinstance(steps, list) or not steps:
                    handle.write(json.dumps({"id": row_id, "reward": None, "steps": None, "error": "invalid_row"}) + "\n")
                    continue
                scores = prm.step_scores(str(row.get("prompt", "")), [str(s) for s in steps])
                handle.write(json.dumps({"id": row_id, "reward": aggregate(scores, how), "steps": scores,
                                         "error": None}) + "\n")
    click.echo(f"{len(rows)} rows -> {output_path}")
