"""JSON Schemas generated from the pydantic models (checked in under schemas/, kept current by a test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rewardkit.registry import get_registry
from rewardkit.types import Grade, Sample


def all_schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema: Sample, Grade, and the union of every registered grader spec."""
    spec = get_registry().spec_adapter().json_schema()
    spec["title"] = "GraderSpec"
    spec["description"] = "A grader spec: one of the registered graders' configs, chosen by 'type'."
    return {
        "sample.schema.json": Sample.model_json_schema(),
        "grade.schema.json": Grade.model_json_schema(),
        "grader-spec.schema.json": spec,
    }


def write_schemas(out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = out / name
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written


def grader_reference(names: list[str] | None = None) -> str:
    """Markdown tables of every grader's options (the README's grader reference is this output)."""
    registry = get_registry()
    lines: list[str] = []
    for name in names or sorted(registry.graders):
        cls = registry.graders[name].cls
        lines += [f"### `{name}`", "", cls.description(), "", "| option | default | meaning |", "| --- | --- | --- |"]
        for field_name, field in cls.Config.model_fields.items():
            if field_name == "type":
                continue
            default = "(required)" if field.is_required() else json.dumps(field.get_default(call_default_factory=True))
            meaning = (field.description or "").replace("|", "\\|")
            lines.append(f"| `{field_name}` | `{default}` | {meaning} |")
        lines.append("")
    return "\n".join(lines) + "\n"
