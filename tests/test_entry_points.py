"""An installed plugin distribution is found through importlib.metadata entry points."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins.codeexec.conftest import needs_sandbox

PLUGIN = Path(__file__).resolve().parents[1] / "plugins" / "rewardkit-codeexec"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    # Built from a copy: an in-tree build would leave an .egg-info (an entry point) in the source
    # tree, which the plugin's own tests put on sys.path.
    source = shutil.copytree(PLUGIN, tmp_path_factory.mktemp("src") / PLUGIN.name,
                             ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(source)],
        check=True,
        capture_output=True,
    )
    assert (target / "rewardkit_codeexec").is_dir()
    assert list(target.glob("rewardkit_codeexec-*.dist-info/entry_points.txt"))
    return target


def run_cli(site, *args, plugins=None):
    env = dict(os.environ, PYTHONPATH=str(site))
    env.pop("REWARDKIT_PLUGINS", None)
    if plugins is not None:
        env["REWARDKIT_PLUGINS"] = plugins
    return subprocess.run([sys.executable, "-m", "rewardkit", *args], env=env, capture_output=True, text=True)


def test_installed_plugin_is_discovered_and_listed(plugin_site):
    out = run_cli(plugin_site, "graders")
    assert out.returncode == 0, out.stderr
    line = next(l for l in out.stdout.splitlines() if l.startswith("code_exec"))
    assert "codeexec" in line and "Runs the response's Python code against the reference's tests" in line
    plugins = run_cli(plugin_site, "plugins").stdout
    assert "codeexec  [rewardkit-codeexec 0.2.0]  hooks: register_graders" in plugins


def test_environment_variable_restricts_plugins(plugin_site):
    assert "code_exec" not in run_cli(plugin_site, "graders", plugins="").stdout
    assert "code_exec" not in run_cli(plugin_site, "graders", plugins="other").stdout
    assert "code_exec" in run_cli(plugin_site, "graders", plugins="codeexec").stdout


@needs_sandbox
def test_plugin_grader_works_from_the_cli(plugin_site):
    good = "Here:\n```python\ndef add(a, b):\n    return a + b\n```"
    bad = "```python\ndef add(a, b):\n    return a - b\n```"
    ok = run_cli(plugin_site, "grade", "-g", "code_exec", "-r", good, "-R", "assert add(2, 3) == 5")
    assert ok.returncode == 0, ok.stderr
    assert '"passed": true' in ok.stdout
    wrong = run_cli(plugin_site, "grade", "-g", "code_exec", "-r", bad, "-R", "assert add(2, 3) == 5")
    assert '"passed": false' in wrong.stdout and "AssertionError" in wrong.stdout
    hang = run_cli(plugin_site, "grade", "-g", '{"type": "code_exec", "timeout_s": 1}',
                   "-r", "```python\nwhile True: pass\n```", "-R", "assert f() == 1")
    assert '"error": "timeout"' in hang.stdout


@needs_sandbox
def test_plugin_scores_an_apps_style_file_end_to_end(plugin_site, tmp_path):
    """`rewardkit score -g code_exec` on APPS-style rows: stdin/stdout and call-based problems."""
    sum_io = json.dumps({"inputs": ["1 2\n", "5 5\n"], "outputs": ["3\n", "10\n"]})
    call_io = json.dumps({"inputs": [[[3, 1, 2]], [[]]], "outputs": [[[1, 2, 3]], [[]]], "fn_name": "sort_list"})
    fence = "```python\n{}\n```"
    rows = [
        {"problem_id": 1, "input_output": sum_io, "response": fence.format("a, b = map(int, input().split())\nprint(a + b)")},
        {"problem_id": 1, "input_output": sum_io, "response": fence.format("print(3)")},
        {"problem_id": 2, "input_output": call_io, "response": fence.format("def sort_list(xs):\n    return sorted(xs)")},
        {"problem_id": 2, "input_output": call_io, "response": fence.format("import sys\nsys.exit(0)")},
        {"problem_id": 3, "input_output": sum_io, "response": "I cannot solve this."},
    ]
    data = tmp_path / "apps.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "scores.jsonl"
    done = run_cli(plugin_site, "score", str(data), "-o", str(out), "-g", "code_exec", "--reference-field",
                   "input_output", "--id-field", "problem_id", "--group-field", "problem_id", "--workers", "2",
                   "--timeout", "300", "--quiet")
    assert done.returncode == 0, done.stderr
    scored = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["score"] for r in scored] == [1.0, 0.0, 1.0, 0.0, 0.0]
    assert scored[1]["reason"] == "passed 1/2 cases; first failure: case 2: wrong output"
    assert scored[4]["error"] == "no_code"
    summary = json.loads((tmp_path / "scores.jsonl.summary.json").read_text())
    assert summary["count"] == 5 and summary["groups"] == 3 and summary["errors"] == {"no_code": 1}
