import json
from pathlib import Path

from rewardkit.schemas import all_schemas

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def test_checked_in_schemas_match_the_models():
    generated = all_schemas()
    on_disk = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    assert sorted(on_disk) == sorted(generated), "run: rewardkit schema --out schemas/"
    for name, schema in generated.items():
        assert on_disk[name] == json.loads(json.dumps(schema)), f"{name} drifted: run rewardkit schema --out schemas/"


def test_grader_spec_schema_is_a_union_over_type():
    spec = all_schemas()["grader-spec.schema.json"]
    mapping = spec["discriminator"]["mapping"]
    assert {"exact", "contains", "similarity", "math", "format", "combine"} <= set(mapping)


def test_every_config_field_is_described():
    spec = all_schemas()["grader-spec.schema.json"]
    for name, definition in spec["$defs"].items():
        for field, prop in definition.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field} has no description"
    for schema in (all_schemas()["sample.schema.json"], all_schemas()["grade.schema.json"]):
        for field, prop in schema["properties"].items():
            assert prop.get("description"), field


def test_readme_grader_reference_is_current():
    from rewardkit.schemas import grader_reference

    readme = (SCHEMAS.parent / "README.md").read_text()
    assert grader_reference() in readme, "regenerate the README's grader reference: rewardkit graders --markdown"
    for name in ("exact", "contains", "similarity", "math", "format", "combine"):
        assert f"### `{name}`" in readme
