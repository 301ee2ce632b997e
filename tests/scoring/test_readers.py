import csv
import json

import pytest

from rewardkit import DataError
from rewardkit.scoring.badline import BadLine
from rewardkit.scoring.readers import Input

ROWS = [{"id": f"r{i}", "response": str(i), "reference": str(i % 2)} for i in range(5)]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def write_csv(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path, rows):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def as_dicts(source):
    return [json.loads(r) if isinstance(r, bytes) else r for r in source.rows()]


@pytest.mark.parametrize("writer, name", [(write_jsonl, "d.jsonl"), (write_csv, "d.csv"), (write_parquet, "d.parquet")])
def test_each_file_format(tmp_path, writer, name):
    source = Input(writer(tmp_path / name, ROWS))
    assert as_dicts(source) == ROWS
    assert source.count() in (5, None)


def test_jsonl_rows_stay_undecoded_and_blank_lines_are_kept(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"a": 2}\n\n\n')
    rows = list(Input(path).rows())
    assert rows[0] == b'{"a": 1}\n' and isinstance(rows[1], BadLine) and rows[2] == b'{"a": 2}\n'
    assert len(rows) == 3  # trailing blank lines are not rows
    assert Input(path).count() == 5


def test_folder_of_shards_in_name_order(tmp_path):
    write_jsonl(tmp_path / "part-1.jsonl", ROWS[2:])
    write_parquet(tmp_path / "part-0.parquet", ROWS[:2])
    (tmp_path / "notes.txt").write_text("ignored")
    assert as_dicts(Input(tmp_path)) == ROWS
    assert Input(tmp_path).count() == 5


def test_saved_huggingface_dataset(tmp_path):
    import datasets

    datasets.Dataset.from_list(ROWS).save_to_disk(tmp_path / "ds")
    assert as_dicts(Input(tmp_path / "ds")) == ROWS
    assert Input(tmp_path / "ds").count() == 5
    datasets.DatasetDict({"train": datasets.Dataset.from_list(ROWS), "test": datasets.Dataset.from_list(ROWS[:1])}
                         ).save_to_disk(tmp_path / "dd")
    assert as_dicts(Input(tmp_path / "dd", split="test")) == ROWS[:1]
    with pytest.raises(DataError, match="choose one with --split"):
        list(Input(tmp_path / "dd").rows())


def test_unreadable_inputs_raise_one_clear_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        Input(tmp_path / "missing.jsonl")
    (tmp_path / "data.xml").write_text("<a/>")
    with pytest.raises(DataError, match="cannot tell the format"):
        Input(tmp_path / "data.xml")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no .jsonl"):
        Input(tmp_path / "empty")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="cannot read"):
        list(Input(tmp_path / "bad.parquet").rows())
