import pytest

from rewardkit.scoring.fields import FieldMapping, get_path


def test_dotted_paths():
    row = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert get_path(row, "a.b.1.c") == 2
    assert get_path(row, "a.b.-1.c") == 2
    assert get_path(row, "a.x") is not None and get_path(row, "a.b.5") is get_path(row, "a.x")


def test_mapping_builds_samples_and_explains_failures():
    fields = FieldMapping(response="out.text", reference="gold", id="uid")
    sample, why = fields.sample({"uid": "u1", "out": {"text": "hi"}, "gold": 3, "extra": 1}, 0)
    assert why is None and sample.id == "u1" and sample.reference == "3" and sample.metadata["extra"] == 1
    assert fields.sample({"out": {}}, 0) == (None, "missing field 'out.text'")
    assert fields.sample([1, 2], 0) == (None, "row is a JSON list, not an object")
    _, why = fields.sample({"out": {"text": "x"}, "gold": {"a": 1}}, 0)
    assert why.startswith("reference")


@pytest.mark.parametrize("row, expected", [({"uid": "x"}, "x"), ({"uid": True}, 7), ({}, 7)])
def test_row_id_falls_back_to_row_number(row, expected):
    assert FieldMapping(id="uid").row_id(row, 7) == expected
