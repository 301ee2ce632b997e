"""An installed plugin distribution is found through importlib.metadata entry points."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[1] / "plugins" / "rewardkit-codeexec"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(PLUGIN)],
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
    assert "codeexec" in line and "Runs the response's last Python code block" in line
    plugins = run_cli(plugin_site, "plugins").stdout
    assert "codeexec  [rewardkit-codeexec 0.1.0]  hooks: register_graders" in plugins


def test_environment_variable_restricts_plugins(plugin_site):
    assert "code_exec" not in run_cli(plugin_site, "graders", plugins="").stdout
    assert "code_exec" not in run_cli(plugin_site, "graders", plugins="other").stdout
    assert "code_exec" in run_cli(plugin_site, "graders", plugins="codeexec").stdout


def test_plugin_grader_works_from_the_cli(plugin_site):
    good = "Here:\n```python\ndef add(a, b):\n    return a + b\n```"
    bad = "```python\ndef add(a, b):\n    return a - b\n```"
    ok = run_cli(plugin_site, "grade", "-g", "code_exec", "-r", good, "-R", "assert add(2, 3) == 5")
    assert ok.returncode == 0, ok.stderr
    assert '"passed": true' in ok.stdout
    wrong = run_cli(plugin_site, "grade", "-g", "code_exec", "-r", bad, "-R", "assert add(2, 3) == 5")
    assert '"passed": false' in wrong.stdout and "AssertionError" in wrong.stdout
    hang = run_cli(plugin_site, "grade", "-g", '{"type": "code_exec", "timeout_s": 1}',
                   "-r", "```python\nwhile True: pass\n```", "-R", "pass")
    assert '"error": "timeout"' in hang.stdout
