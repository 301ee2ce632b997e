"""The ``rewardkit`` command line. Plugins add commands through the ``register_commands`` hook."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

import click

from rewardkit.errors import RewardkitError
from rewardkit.registry import get_registry, load_grader
from rewardkit.types import Grade, Sample


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc)) from exc


@click.group()
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
    for plugin in get_registry().plugins:
        dist = f"{plugin.distribution} {plugin.version}" if plugin.distribution else "(registered in process)"
        click.echo(f"{plugin.name}  [{dist}]  hooks: {', '.join(plugin.hooks) or '-'}")


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


@cli.command()
@click.argument("input_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--output", "-o", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output JSONL: one row per input line.")
@click.option("--grader", "-g", "spec", required=True, help="Grader name, JSON spec, or spec file (.json/.yaml).")
@click.option("--response-field", default="response", show_default=True, help="Dotted path of the response.")
@click.option("--reference-field", default="reference", show_default=True, help="Dotted path of the reference.")
@click.option("--prompt-field", default="prompt", show_default=True, help="Dotted path of the prompt.")
@click.option("--id-field", default="id", show_default=True, help="Dotted path of the row id (else row number).")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the summary as JSON here.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def score(input_path, output_path, spec, response_field, reference_field, prompt_field, id_field,
          summary_path, quiet) -> None:
    """Score a JSONL file of model outputs; print a summary."""
    from rewardkit.scoring import FieldMapping, format_summary, score_jsonl, write_summary

    try:
        grader = load_grader(spec)
        fields = FieldMapping(response=response_field, reference=reference_field, prompt=prompt_field, id=id_field)
        summary = score_jsonl(input_path, output_path, grader, fields, progress=not quiet)
    except RewardkitError as exc:
        _fail(exc)
    if summary_path:
        write_summary(summary, summary_path)
    click.echo(format_summary(summary))


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"),
              show_default=True, help="Folder for the JSON Schema files.")
def schema(out_dir: Path) -> None:
    """Write JSON Schemas of Sample, Grade and every registered grader spec."""
    from rewardkit.schemas import write_schemas

    for path in write_schemas(out_dir):
        click.echo(str(path))


@cli.command()
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--output", "-o", "output_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("demo-scores.jsonl"), show_default=True, help="Where the scored rows go.")
def demo(quiet: bool, output_path: Path) -> None:
    """Score the bundled arithmetic dataset with a format + math grader and print the summary."""
    from rewardkit.scoring import format_summary, score_jsonl

    data = resources.files("rewardkit") / "data"
    with resources.as_file(data / "arithmetic.jsonl") as dataset, resources.as_file(data / "demo_grader.yaml") as spec:
        grader = load_grader(spec)
        click.echo(f"dataset: {dataset.name}\ngrader:  {json.dumps({'type': grader.name, **grader.config.model_dump(exclude_defaults=True)})}")
        summary = score_jsonl(dataset, output_path, grader, progress=not quiet)
    click.echo(format_summary(summary))
    click.echo(f"scored rows: {output_path}")


def _register_plugin_commands() -> None:
    try:
        pm = get_registry().plugin_manager
    except RewardkitError as exc:  # the built-in commands still work and report it
        click.echo(f"warning: {exc}", err=True)
        return
    pm.hook.register_commands(cli=cli)


def main() -> None:
    _register_plugin_commands()
    cli()


__all__ = ["Grade", "cli", "main"]
