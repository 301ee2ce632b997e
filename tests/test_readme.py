"""Every Python snippet in the README runs as written, and prints what its comments say it prints.

Each snippet runs as a script of its own (``python snippet.py``) in a fresh folder that holds the
files the README itself defines: a YAML or Python block whose first line is ``# NAME.yaml`` or
``# NAME.py`` is written there as NAME (``reward.yaml``, ``cfg.yaml``, a plugin module), and
``outputs.jsonl`` holds model outputs shaped as the scoring section describes them (``output.text``,
``reference``, ``prompt_id``). A line ``print(...)  # TEXT`` must print TEXT (the start of it when TEXT
ends in ``...``), in the order of the lines. A snippet that needs
more than that (a model to train, a cluster) says so in an HTML comment on the line above its fence,
``<!-- not run by tests/test_readme.py: WHY -->``, and is listed as skipped with that reason.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SKIP = re.compile(r"<!--\s*not run by tests/test_readme\.py:\s*(.+?)\s*-->")
FILE_NAME = re.compile(r"#\s*([\w.-]+\.(?:ya?ml|py|json))\b")
PRINTS = re.compile(r"^\s*print\(.*\)\s+#\s(.+)$")


@dataclass
class Block:
    language: str
    code: str
    line: int  # where the fence opens, 1-based
    skip: str | None  # why it is not run, from the comment above the fence


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, in order."""
    found, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        fence = re.match(r"^(```+)(\w*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(fence.group(1)))
        above = lines[i - 1] if i else ""
        skip = SKIP.search(above)
        found.append(Block(fence.group(2), "\n".join(lines[i + 1:end]) + "\n", i + 1, skip.group(1) if skip else None))
        i = end + 1
    return found


def defined_files(all_blocks: list[Block]) -> dict[str, str]:
    """NAME -> content for every block whose first line names the file it is."""
    files = {}
    for block in all_blocks:
        first = block.code.splitlines()[0] if block.code.strip() else ""
        if block.language in ("yaml", "python", "json") and (name := FILE_NAME.match(first.strip())):
            files[name.group(1)] = block.code
    return files


def model_outputs(path: Path) -> None:
    """A few model outputs as the scoring section describes them: groups of completions per prompt."""
    rows = []
    for prompt_id, (answer, attempts) in enumerate([("12", ["\\boxed{12}", "It is 13.", "12"]),
                                                     ("0.5", ["\\boxed{1/2}", "\\boxed{0.5}", "no idea"])]):
        rows += [{"prompt_id": prompt_id, "output": {"text": text}, "reference": answer} for text in attempts]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def shows(line: str, expected: str) -> bool:
    """``line`` is what a comment says is printed; a comment ending in ``...`` shows the start only."""
    if expected.endswith("..."):
        return line.startswith(expected[:-3].rstrip())
    return line == expected


ALL = blocks(README.read_text(encoding="utf-8"))
PYTHON = [b for b in ALL if b.language == "python"]


def test_the_readme_has_python_snippets_and_the_parser_finds_them():
    assert len(PYTHON) >= 3
    assert {"reward.yaml", "cfg.yaml"} <= set(defined_files(ALL))


@pytest.mark.parametrize("block", PYTHON, ids=[f"README.md:{b.line}" for b in PYTHON])
def test_python_snippet_runs_as_written(block, tmp_path):
    if block.skip:
        pytest.skip(block.skip)
    for name, content in defined_files(ALL).items():
        (tmp_path / name).write_text(content)
    model_outputs(tmp_path / "outputs.jsonl")
    script = tmp_path / "snippet.py"
    script.write_text(block.code)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"README.md:{block.line} failed:\n{done.stderr[-3000:]}"
    expected = [m.group(1).strip() for line in block.code.splitlines() if (m := PRINTS.match(line))]
    printed = iter(line.strip() for line in done.stdout.splitlines())
    missing = [text for text in expected if not any(shows(line, text) for line in printed)]  # in order
    assert not missing, f"README.md:{block.line} did not print {missing}; it printed:\n{done.stdout}"


def test_a_snippet_that_fails_is_caught(tmp_path):
    # The harness itself: an undefined name (the README's first snippet once used `samples` unset) fails.
    bad = blocks("```python\ngrades = grader.grade_batch(samples)\n```\n")
    assert len(bad) == 1 and bad[0].skip is None
    script = tmp_path / "s.py"
    script.write_text(bad[0].code)
    assert subprocess.run([sys.executable, str(script)], capture_output=True).returncode != 0
