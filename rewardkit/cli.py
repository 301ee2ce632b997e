"""The ``rewardkit`` command line. Plugins add commands through the ``register_commands`` hook."""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import sys
import warnings
from importlib import resources
from pathlib import Path

import click

from rewardkit.errors import RewardkitError, as_missing_extra, require
from rewardkit.registry import PluginWarning, get_registry, grader_config, load_grader, read_spec
from rewardkit.types import Sample


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc)) from exc


class PluginGroup(click.Group):
    """The top-level group; plugins' ``register_commands`` hooks add to it on first use. A plugin
    that fails is reported in one line and left out; the built-in commands (and ``--help``) work."""

    _plugins_loaded = False

    def _load_plugins(self) -> None:
        if PluginGroup._plugins_loaded:
            return
        PluginGroup._plugins_loaded = True
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PluginWarning)  # reported below, once, in one line each
                registry = get_registry()
                reported = len(registry.failures)
                for failure in registry.failures:
                    click.echo(f"warning: {failure}", err=True)
                before: dict[str, set[str]] = {}

                def kwargs(name: str) -> dict:
                    before[name] = set(self.commands)
                    return {"cli": self}

                def undo(name: str) -> None:
                    for command in set(self.commands) - before[name]:
                        del self.commands[command]

                registry.call_each("register_commands", kwargs, undo)
        except Exception as exc:  # even a broken built-in leaves the rest of the command line working
            click.echo(f"warning: plugins could not be loaded: {type(exc).__name__}: {exc}", err=True)
            return
        for failure in registry.failures[reported:]:
            click.echo(f"warning: {failure}", err=True)

    def list_commands(self, ctx):
        self._load_plugins()
        return super().list_commands(ctx)

    def get_command(self, ctx, name):
        self._load_plugins()
        return super().get_command(ctx, name)


@click.group(cls=PluginGroup)
@click.version_option(package_name="rewardkit")
def cli() -> None:
    """Rewards and verifiers for RL with verifiable rewards (RLVR) and reinforcement fine-tuning."""


@cli.command()
@click.option("--markdown", is_flag=True, help="Print the option reference of every grader as Markdown.")
def graders(markdown: bool) -> None:
    """List the registered graders: name, plugin, description."""
    if markdown:
        from rewardkit.schemas import grader_reference

        click.echo(grader_reference(), nl=False)
        return
    entries = sorted(get_registry().graders.items())
    width = max(len(name) for name, _ in entries)
    pwidth = max(len(e.plugin) for _, e in entries)
    click.echo(f"{'name':<{width}}  {'plugin':<{pwidth}}  description")
    for name, entry in entries:
        click.echo(f"{name:<{width}}  {entry.plugin:<{pwidth}}  {entry.cls.description()}")


@cli.command()
def plugins() -> None:
    """List the loaded plugins and the hooks each implements."""
    registry = get_registry()
    for plugin in registry.plugins:
        dist = f"{plugin.distribution} {plugin.version}" if plugin.distribution else "(registered in process)"
        click.echo(f"{plugin.name}  [{dist}]  hooks: {', '.join(plugin.hooks) or '-'}")
    for failure in registry.failures:
        click.echo(f"{failure.name}  [{failure.distribution or '-'}]  disabled: {failure.reason}")


@cli.command()
@click.option("--grader", "-g", "spec", required=True, help="Grader name, JSON spec, or spec file (.json/.yaml).")
@click.option("--response", "-r", required=True, help="The model output ('-' reads standard input).")
@click.option("--reference", "-R", multiple=True, help="Reference answer; repeat for several acceptable ones.")
@click.option("--prompt", default=None, help="The prompt, for graders that use it.")
def grade(spec: str, response: str, reference: tuple[str, ...], prompt: str | None) -> None:
    """Grade one response and print the Grade as JSON."""
    try:
        grader = load_grader(spec)
    except RewardkitError as exc:
        _fail(exc)
    if response == "-":
        response = sys.stdin.read()
    refs = list(reference)
    sample = Sample(response=response, reference=refs[0] if len(refs) == 1 else (refs or None), prompt=prompt)
    click.echo(json.dumps(grader.grade(sample).model_dump(), indent=2, ensure_ascii=False))


def _grader_spec(specs: tuple[str, ...]):
    """One spec, or several (NAME=SPEC or SPEC) combined by their mean."""
    if len(specs) == 1 and "=" not in specs[0].split("{", 1)[0]:
        return specs[0]
    graders = {}
    for spec in specs:
        name, sep, body = spec.partition("=")
        if not sep or "{" in name:
            name, body = read_spec(spec)["type"], spec
        if name in graders:
            raise click.BadParameter(f"two graders named {name!r}: name them as NAME=SPEC", param_hint="--grader")
        graders[name] = read_spec(body)
    return {"type": "combine", "graders": graders}


@cli.command()
@click.argument("input_path", type=click.Path(path_type=Path))
@click.option("--output", "-o", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output .jsonl or .parquet: one row per input row, in input order.")
@click.option("--grader", "-g", "specs", required=True, multiple=True,
              help="Grader name, JSON spec or spec file; repeat (as NAME=SPEC) to average several.")
@click.option("--response-field", default="response", show_default=True, help="Dotted path of the response.")
@click.option("--reference-field", default="reference", show_default=True, help="Dotted path of the reference.")
@click.option("--prompt-field", default="prompt", show_default=True, help="Dotted path of the prompt.")
@click.option("--id-field", default="id", show_default=True, help="Dotted path of the row id (else row number).")
@click.option("--group-field", default=None, help="Dotted path of the prompt id: adds pass@k and majority vote.")
@click.option("--workers", "-w", type=click.IntRange(min=0), default=None,
              help="Grading processes [default: all cores]; 0 grades in this process (no time bound).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="Hard bound of one row: seconds of CPU time (wall-clock net: 10x).")
@click.option("--batch-size", type=click.IntRange(min=1), default=256, show_default=True,
              help="Rows sent to a worker at a time.")
@click.option("--engine", type=click.Choice(["process", "ray"]), default="process", show_default=True,
              help="process: a local worker pool; ray: Ray Data (local, or the cluster in RAY_ADDRESS).")
@click.option("--split", default=None, help="Split of a saved Hugging Face DatasetDict.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run into the same output.")
@click.option("--overwrite", is_flag=True, help="Replace an existing output.")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Summary JSON [default: OUTPUT.summary.json].")
@click.option("--histogram", "histogram_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PNG histogram of scores [default: OUTPUT.hist.png when matplotlib is installed].")
@click.option("--max-error-rate", type=click.FloatRange(0, 1), default=None,
              help="Exit with status 3 when more than this fraction of rows could not be graded "
                   "(invalid rows, timeouts, crashes, grader exceptions) [default: only when all of them].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def score(input_path, output_path, specs, response_field, reference_field, prompt_field, id_field, group_field,
          workers, timeout_s, batch_size, engine, split, resume, overwrite, summary_path, histogram_path,
          max_error_rate, quiet) -> None:
    """Score a dataset (JSONL, Parquet, CSV, a folder of shards, a saved HF dataset); print a summary.

    Exit status: 0 every row written; 1 the run could not start or stopped (bad input, spec or
    output, a missing extra, another run writing the output, a --resume mismatch, a write error:
    the output is left resumable); 2 bad usage; 3 every row written, but all rows (or more than
    --max-error-rate of them) could not be graded."""
    from rewardkit.scoring import FieldMapping, format_summary, score_dataset

    if histogram_path is None and importlib.util.find_spec("matplotlib") is not None:
        histogram_path = output_path.with_name(output_path.name + ".hist.png")
    summary_path = summary_path or output_path.with_name(output_path.name + ".summary.json")
    try:
        fields = FieldMapping(response=response_field, reference=reference_field, prompt=prompt_field,
                              id=id_field, group=group_field)
        summary = score_dataset(input_path, output_path, _grader_spec(specs), fields, workers=workers,
                                timeout_s=timeout_s, batch_size=batch_size, resume=resume, overwrite=overwrite,
                                progress=not quiet, engine=engine, split=split, summary_path=summary_path,
                                histogram_path=histogram_path)
    except RewardkitError as exc:
        _fail(exc)
    click.echo(format_summary(summary))
    click.echo(f"output: {output_path}\nsummary: {summary_path}" + (f"\nhistogram: {histogram_path}" if histogram_path else ""))
    rate = summary.failed / summary.count if summary.count else 0.0
    if summary.failed == summary.count or (max_error_rate is not None and rate > max_error_rate):
        worst = ", ".join(f"{kind} {n}" for kind, n in summary.errors.items())
        click.echo(f"error: {summary.failed} of {summary.count} rows could not be graded ({worst}); "
                   "check --response-field / --reference-field and the grader", err=True)
        sys.exit(3)


@cli.command()
@click.argument("summary_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the score histogram to this PNG.")
def report(summary_path: Path, plot_path: Path | None) -> None:
    """Print a summary written by `score` again, and optionally plot its histogram."""
    from rewardkit.scoring import format_summary, plot_histogram, read_summary

    try:
        summary = read_summary(summary_path)
        click.echo(format_summary(summary))
        if plot_path:
            click.echo(f"histogram: {plot_histogram(summary, plot_path)}")
    except RewardkitError as exc:
        _fail(exc)


@cli.command()
@click.option("--grader", "-g", "specs", required=True, multiple=True,
              help="Grader name, JSON spec or spec file; repeat (as NAME=SPEC) to average several.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--workers", "-w", type=click.IntRange(min=1), default=None,
              help="Grading processes [default: all cores].")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="Hard bound of one sample: seconds of CPU time (wall-clock net: 10x).")
@click.option("--max-body-bytes", type=click.IntRange(min=1), default=32 * 1024 * 1024, show_default=True,
              help="Larger request bodies get 413.")
@click.option("--request-timeout", "request_timeout_s", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Time budget of one request: rows not started by then are timeouts [default: max(60, 6 x --timeout)].")
def serve(specs, host, port, workers, timeout_s, max_body_bytes, request_timeout_s) -> None:
    """Serve graders over HTTP: OpenRLHF's remote reward protocol, POST /grade and GET /health."""
    from rewardkit.integrations.server import serve as run_server
    from rewardkit.scoring.pool import default_workers

    try:
        require("fastapi", "serving")
        require("uvicorn", "serving")
        config = grader_config(_grader_spec(specs))  # parsed once, here; the typed config goes on
    except RewardkitError as exc:
        _fail(exc)
    click.echo(f"rewardkit serving {config.type} on http://{host}:{port}")
    run_server(config, host=host, port=port, workers=workers or default_workers(), timeout_s=timeout_s,
               max_body_bytes=max_body_bytes, request_timeout_s=request_timeout_s)


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"),
              show_default=True, help="Folder for the JSON Schema files.")
def schema(out_dir: Path) -> None:
    """Write JSON Schemas of Sample, Grade and every registered grader spec."""
    from rewardkit.schemas import write_schemas

    for path in write_schemas(out_dir):
        click.echo(str(path))


@cli.command()
@click.option("--quiet", "-q", is_flag=True, help="No progress bars or status lines: the results only.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("rewardkit-demo"),
              show_default=True, help="Where the demo writes its files (replaced on every run).")
@click.option("--no-train", is_flag=True, help="Only the scoring part (no torch needed).")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True,
              help="Where the GRPO part trains (cuda: bf16); the tiny model needs no GPU.")
def demo(quiet: bool, out_dir: Path, no_train: bool, device: str) -> None:
    """Score bundled data with a format + math reward, then train a tiny model with GRPO on additions."""
    from rewardkit.progress import transformers_bars
    from rewardkit.scoring import format_summary, score_dataset

    def status(line: str) -> None:
        if not quiet:
            click.echo(line)

    out_dir.mkdir(parents=True, exist_ok=True)
    data = resources.files("rewardkit") / "data"
    click.echo("== 1. offline scoring of the bundled arithmetic dataset")
    scores = out_dir / "scores.jsonl"
    summary_path = scores.with_name(scores.name + ".summary.json")
    histogram = scores.with_name(scores.name + ".hist.png") if importlib.util.find_spec("matplotlib") else None
    with resources.as_file(data / "arithmetic.jsonl") as dataset, resources.as_file(data / "demo_grader.yaml") as spec:
        grader = load_grader(spec)
        click.echo(f"dataset: {dataset.name}\ngrader:  {json.dumps({'type': grader.name, **grader.config.model_dump(exclude_defaults=True)})}")
        summary = score_dataset(dataset, scores, grader, progress=not quiet, overwrite=True, summary_path=summary_path,
                                histogram_path=histogram)
    click.echo(format_summary(summary))
    files = {scores: "one graded row per input row", summary_path: f"this summary (rewardkit report {summary_path})"}
    if histogram:
        files[histogram] = "score histogram"
    if not no_train and importlib.util.find_spec("torch") is None:
        click.echo("\n(GRPO part skipped: install the train extra, pip install -e '.[train]')")
    elif not no_train:
        files.update(_demo_grpo(out_dir, device, quiet, status, transformers_bars))
    click.echo(f"\nfiles in {out_dir}{os.sep}")
    width = max(len(str(path.relative_to(out_dir))) for path in files) + 2
    for path, what in files.items():
        name = str(path.relative_to(out_dir)) + (os.sep if path.is_dir() else "")
        click.echo(f"  {name:<{width}}{what}")


def _demo_grpo(out_dir: Path, device: str, quiet: bool, status, transformers_bars) -> dict[Path, str]:
    """The demo's second part: warm start, GRPO, results; the files it wrote."""
    import time

    from rewardkit.rl.config import load_config
    from rewardkit.rl.grpo import train_grpo
    from rewardkit.rl.toy import toy_config

    click.echo("\n== 2. GRPO on a toy task: a tiny model, warm-started on noisy additions, rewarded by `math`")
    start = time.perf_counter()
    with transformers_bars(False):  # the tiny model's loading and saving bars say nothing here
        status("warm start: supervised training on additions, half of the answers off by one")
        workdir = out_dir / "grpo-toy"
        config = load_config(toy_config(workdir, progress=not quiet, output_dir=str(workdir / "run"), device=device))
        status(f"GRPO: {config.max_steps} steps of {config.rollout_batch_size} completions; held-out accuracy on "
               f"{config.eval_samples} prompts before, every {config.eval_every} steps and after")
        result = train_grpo(config, progress=not quiet, overwrite=True)
    click.echo(f"held-out accuracy before GRPO: {result.accuracy_before:.3f}")
    click.echo(f"held-out accuracy after  GRPO: {result.accuracy_after:.3f}  ({config.max_steps} steps, "
               f"{time.perf_counter() - start:.0f} s with the warm start)")
    files = {result.metrics_path: "GRPO metrics, one line per step"}
    if result.plot_path:
        files[result.plot_path] = "their curves (rewardkit plot redraws them)"
    files[result.final_dir] = "the trained model (save_pretrained)"
    return files


class Interrupted(click.ClickException):
    """Ctrl-C during a long job: exit 130, with how to continue."""

    exit_code = 130


def _train_command(kind: str):
    @click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="Training config (YAML or JSON).")
    @click.option("--resume", is_flag=True, help="Continue from the latest checkpoint in output_dir.")
    @click.option("--overwrite", is_flag=True, help="Replace a run already in output_dir.")
    @click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                  help="Override a config field (VALUE is read as YAML), e.g. --set max_steps=10.")
    @click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
    def command(config_path: Path, resume: bool, overwrite: bool, overrides: tuple[str, ...], quiet: bool) -> None:
        import yaml

        from rewardkit.progress import transformers_bars
        from rewardkit.rl.config import load_config

        try:
            extra = {}
            for item in overrides:
                key, sep, value = item.partition("=")
                if not sep:
                    raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--set")
                extra[key] = yaml.safe_load(value)
            config = load_config(config_path, extra)
        except RewardkitError as exc:
            _fail(exc)
        if kind == "grpo":
            from rewardkit.rl.grpo import train_grpo as train
        else:
            from rewardkit.rl.rft import train_rft as train
        try:
            with transformers_bars(not quiet):
                result = train(config, resume=resume, progress=not quiet, overwrite=overwrite)
        except RewardkitError as exc:
            _fail(exc)
        except KeyboardInterrupt:
            raise Interrupted(_how_to_continue(kind, config_path, overrides, Path(config.output_dir))) from None
        if not result.main_process:  # the other processes of a data-parallel run
            return
        if result.accuracy_before is not None:
            click.echo(f"accuracy: {result.accuracy_before:.3f} -> {result.accuracy_after:.3f}")
        click.echo(f"metrics: {result.metrics_path}\nmodel: {result.final_dir}")
        if result.plot_path:
            click.echo(f"curves: {result.plot_path}")

    command.__doc__ = ("Train with GRPO from a config file." if kind == "grpo"
                       else "Rejection-sampling fine-tuning (RAFT) from a config file.")
    return cli.command(name=kind)(command)


def _how_to_continue(kind: str, config_path: Path, overrides: tuple[str, ...], output: Path) -> str:
    """What to run after Ctrl-C: --resume from the latest checkpoint, or --overwrite when there is none."""
    from rewardkit.rl.runtime import latest_checkpoint

    again = " ".join(["rewardkit", kind, "--config", shlex.quote(str(config_path)),
                      *(f"--set {shlex.quote(item)}" for item in overrides)])
    checkpoint = latest_checkpoint(output)
    if checkpoint is None:
        return (f"interrupted before the first checkpoint in {output} (save_every sets how often): "
                f"start again with {again} --overwrite")
    return f"interrupted; {again} --resume continues from {checkpoint}"


_train_command("grpo")
_train_command("rft")


@cli.command()
@click.argument("metrics_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PNG path [default: next to the metrics, curves.png].")
@click.option("--key", "keys", multiple=True, help="Metrics to draw (default: reward, accuracy, KL, length, ...).")
def plot(metrics_path: Path, out_path: Path | None, keys: tuple[str, ...]) -> None:
    """Draw the curves of a metrics.jsonl to a PNG."""
    from rewardkit.rl.metrics import DEFAULT_CURVES, plot_metrics

    out_path = out_path or metrics_path.with_name("curves.png")
    try:
        click.echo(str(plot_metrics(metrics_path, out_path, keys or DEFAULT_CURVES)))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def main(args: list[str] | None = None) -> None:
    """The console script: a missing optional dependency anywhere is one line naming its extra."""
    try:
        cli(args)
    except ImportError as exc:
        missing = as_missing_extra(exc)
        if missing is None:
            raise
        click.echo(f"Error: {missing}", err=True)
        sys.exit(1)


__all__ = ["cli", "main"]
