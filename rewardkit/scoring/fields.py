"""Turning an input row into a ``Sample``: which field holds the response, the reference, the id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rewardkit.types import Sample

_MISSING = object()


def get_path(row: Any, path: str) -> Any:
    """The value at a dotted path: 'output.text', 'choices.0.message.content'; _MISSING if absent."""
    if type(row) is dict and "." not in path:  # the common case, without the loop
        return row.get(path, _MISSING)
    value = row
    for key in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(key, _MISSING)
        elif isinstance(value, list) and key.lstrip("-").isdigit() and -len(value) <= int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


class FieldMapping(BaseModel):
    """Where each part of a sample lives in an input row (dotted paths)."""

    model_config = ConfigDict(extra="forbid")

    response: str = Field(default="response", description="Path of the model output.")
    reference: str | None = Field(default="reference", description="Path of the reference answer(s); None: no reference.")
    prompt: str | None = Field(default="prompt", description="Path of the prompt, if any.")
    id: str | None = Field(default="id", description="Path of the row id; the row number is used when absent.")
    group: str | None = Field(default=None, description="Path of the group (prompt id) for pass@k, if any.")

    def sample(self, row: Any, row_number: Any) -> tuple[Sample | None, str | None]:
        """The sample of a row, or None and why it cannot be built."""
        if not isinstance(row, Mapping):
            return None, f"row is a JSON {type(row).__name__}, not an object"
        response = get_path(row, self.response)
        if response is _MISSING:
            return None, f"missing field {self.response!r}"
        if type(response) is not str:
            return None, f"field {self.response!r} is {type(response).__name__}, not text"
        fields: dict[str, Any] = {"response": response, "id": self.row_id(row, row_number)}
        for name in ("reference", "prompt"):
            path = getattr(self, name)
            if path is not None and (value := get_path(row, path)) is not _MISSING:
                fields[name] = value
        used = (self.response, self.reference, self.prompt)
        fields["metadata"] = {k: v for k, v in row.items() if k not in used}
        try:
            return Sample.model_validate(fields), None
        except ValidationError as exc:
            first = exc.errors()[0]
            return None, f"{'.'.join(map(str, first['loc']))}: {first['msg']}"

    def row_id(self, row: Any, row_number: Any) -> Any:
        """The row's id field when it is a string or an integer, else the row number."""
        if self.id is not None and isinstance(row, Mapping):
            value = get_path(row, self.id)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                return value
        return row_number

    def group_of(self, row: Any) -> Any:
        if self.group is None or not isinstance(row, Mapping):
            return None
        value = get_path(row, self.group)
        return None if value is _MISSING else value
