import json
import os
import subprocess
import sys
from typing import Literal

import pytest

import rewardkit
from rewardkit import Grader, GraderConfig, GraderConfigError, PluginError, hookimpl, load_grader
from rewardkit.registry import get_registry, read_spec


def test_builtin_graders_are_registered_by_the_graders_plugin():
    registry = get_registry()
    for name in ("exact", "contains", "similarity", "math", "format", "combine"):
        assert registry.graders[name].plugin == "graders"
    plugin = next(p for p in registry.plugins if p.name == "graders")
    assert plugin.distribution == "rewardkit" and plugin.hooks == ("register_graders",)


def test_load_grader_by_name_dict_json_and_files(tmp_path):
    assert load_grader("exact").config.case_sensitive is True
    assert load_grader({"type": "exact", "case_sensitive": False}).config.case_sensitive is False
    assert load_grader('{"type": "similarity", "metric": "indel"}').config.metric == "indel"
    (tmp_path / "g.json").write_text(json.dumps({"type": "contains", "mode": "all"}))
    (tmp_path / "g.yaml").write_text("type: math\nrel_tol: 1.0e-6\n")
    assert load_grader(str(tmp_path / "g.json")).config.mode == "all"
    assert load_grader(tmp_path / "g.yaml").config.rel_tol == 1e-6


def test_unknown_name_lists_known_names_and_the_closest():
    with pytest.raises(GraderConfigError) as err:
        load_grader("exactt")
    message = str(err.value)
    assert "Did you mean 'exact'?" in message
    assert ("Known graders: combine, contains, exact, format, label_model, math, multi, prm, python, reward_model, "
            "score_model, similarity") in message
    assert err.value.field == "type"


@pytest.mark.parametrize(
    "spec, field, words",
    [
        ({"type": "exact", "casefold": True}, "casefold", "Extra inputs"),
        ({"type": "exact", "partial_score": 2}, "partial_score", "less than or equal to 1"),
        ({"type": "similarity", "metric": "cosine"}, "metric", "levenshtein"),
        ({"type": "contains", "regex": True, "patterns": ["("]}, "patterns", "not a valid regex"),
        ({"type": "format"}, "spec", "no check configured"),
        ({"type": "combine", "graders": {"a": "exact"}, "weights": {"b": 1}}, "spec", "unknown sub-graders"),
        ({"type": "combine", "graders": {"a": {"type": "exact", "bogus": 1}}}, "graders.a.bogus", "Extra inputs"),
        ({"type": "combine", "graders": {"a": "nope"}}, "graders.a.type", "unknown grader"),
        ({"kind": "exact"}, "type", "needs a 'type'"),
    ],
)
def test_bad_specs_name_the_field(spec, field, words):
    with pytest.raises(GraderConfigError) as err:
        load_grader(spec)
    assert err.value.field == field
    assert words in str(err.value)


def test_bad_spec_files_and_strings(tmp_path):
    with pytest.raises(GraderConfigError, match="cannot read"):
        load_grader(str(tmp_path / "missing.yaml"))
    (tmp_path / "bad.yaml").write_text("type: [unclosed")
    with pytest.raises(GraderConfigError, match="not valid YAML"):
        load_grader(str(tmp_path / "bad.yaml"))
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(GraderConfigError, match="mapping"):
        load_grader(str(tmp_path / "list.json"))
    with pytest.raises(GraderConfigError, match="not valid JSON"):
        read_spec("{nope")
    with pytest.raises(GraderConfigError, match="empty"):
        read_spec("  ")


class EchoConfig(GraderConfig):
    type: Literal["echo_len"] = "echo_len"


class EchoGrader(Grader):
    """Scores 1 for short responses."""

    Config = EchoConfig

    def grade(self, sample):
        return rewardkit.Grade(score=float(len(sample.response) < 10))


class EchoPlugin:
    @hookimpl
    def register_graders(self, register):
        register(EchoGrader)


class ClashPlugin:
    @hookimpl
    def register_graders(self, register):
        from graders.exact import ExactGrader

        register(ExactGrader)


def test_inline_plugin_registers_and_unregisters(inline_plugin):
    inline_plugin(EchoPlugin(), "echo")
    assert get_registry().graders["echo_len"].plugin == "echo"
    assert load_grader("echo_len").grade(rewardkit.Sample(response="hi")).score == 1.0
    rewardkit.unregister_plugin("echo")
    assert "echo_len" not in get_registry().graders
    rewardkit.register_plugin(EchoPlugin(), name="echo")  # the fixture unregisters it again


def test_duplicate_grader_name_names_both_plugins():
    with pytest.raises(PluginError, match="'exact' is registered twice: by plugin 'graders' and by plugin 'clash'"):
        rewardkit.register_plugin(ClashPlugin(), name="clash")
    assert get_registry().plugin_manager.get_plugin("clash") is None
    assert get_registry().graders["exact"].plugin == "graders"


def test_registering_a_non_grader_is_an_error():
    class Bad:
        @hookimpl
        def register_graders(self, register):
            register(object)

    with pytest.raises(PluginError, match="not a rewardkit.Grader subclass"):
        rewardkit.register_plugin(Bad(), name="bad")


def _graders_listed(env_value):
    env = dict(os.environ)
    if env_value is None:
        env.pop("REWARDKIT_PLUGINS", None)
    else:
        env["REWARDKIT_PLUGINS"] = env_value
    code = "from rewardkit.registry import get_registry; print(sorted(p.name for p in get_registry().plugins))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_environment_variable_switches_off_third_party_plugins():
    # Built-ins always load; an empty value loads no third-party plugin; a list loads only those.
    assert _graders_listed("") == "['graders', 'models']"
    assert _graders_listed("someplugin") == "['graders', 'models']"


GOOD_PLUGIN = '''
from typing import Literal
import click
import rewardkit
from rewardkit import Grade, Grader, GraderConfig


class ShoutConfig(GraderConfig):
    type: Literal["shout"] = "shout"


class Shout(Grader):
    """Scores upper-case responses."""
    Config = ShoutConfig

    def grade(self, sample):
        return Grade(score=float(sample.response.isupper()))


@rewardkit.hookimpl
def register_graders(register):
    register(Shout)


@rewardkit.hookimpl
def register_commands(cli):
    @cli.command()
    def hello():
        """Say hello."""
        click.echo("hello from the good plugin")
'''

BROKEN_PLUGINS = {
    "rk_noimport": "import a_module_that_is_not_there\n",
    "rk_raises": "import rewardkit\n\n@rewardkit.hookimpl\ndef register_graders(register):\n"
                 "    raise RuntimeError('boom in register_graders')\n",
    "rk_clash": "import rewardkit\nfrom graders.exact import ExactGrader\n\n@rewardkit.hookimpl\n"
                "def register_graders(register):\n    register(ExactGrader)\n",
    "rk_badcli": "import click, rewardkit\n\n@rewardkit.hookimpl\ndef register_commands(cli):\n"
                 "    @cli.command()\n    def half():\n        pass\n    raise ValueError('boom in register_commands')\n",
}


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    from tests.conftest import write_plugin_distribution

    site = tmp_path_factory.mktemp("plugins")
    write_plugin_distribution(site, "rk_good", GOOD_PLUGIN)
    for module, code in BROKEN_PLUGINS.items():
        write_plugin_distribution(site, module, code)
    return site


def run_cli(site, *args):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, str(site)]))
    env.pop("REWARDKIT_PLUGINS", None)
    return subprocess.run([sys.executable, "-m", "rewardkit", *args], env=env, capture_output=True, text=True,
                          cwd=root)


def test_a_failing_plugin_is_reported_once_and_disabled_alone(plugin_site):
    helped = run_cli(plugin_site, "--help")
    assert helped.returncode == 0 and "Traceback" not in helped.stderr, helped.stderr
    assert "hello" in helped.stdout and "half" not in helped.stdout  # the failed plugin's command is taken back
    warnings = helped.stderr.splitlines()
    for line, name in [("rk_noimport", "ModuleNotFoundError: No module named 'a_module_that_is_not_there'"),
                       ("rk_raises", "RuntimeError: boom in register_graders"),
                       ("rk_clash", "'exact' is registered twice: by plugin 'graders' and by plugin 'rk_clash'"),
                       ("rk_badcli", "ValueError: boom in register_commands")]:
        found = [w for w in warnings if f"plugin '{line}' ({line}) is disabled" in w]
        assert len(found) == 1 and name in found[0], warnings
    graded = run_cli(plugin_site, "grade", "-g", "exact", "-r", "4", "-R", "4")
    assert graded.returncode == 0 and json.loads(graded.stdout)["score"] == 1.0
    listed = {line.split()[0]: line.split()[1] for line in run_cli(plugin_site, "graders").stdout.splitlines()[1:]}
    assert listed["shout"] == "rk_good" and listed["exact"] == "graders"
    plugins = run_cli(plugin_site, "plugins").stdout
    assert "rk_good  [rk_good 0.1]  hooks: register_commands, register_graders" in plugins
    assert "rk_raises  [rk_raises]  disabled: RuntimeError: boom in register_graders" in plugins


def test_a_failing_plugin_warns_in_python_and_the_rest_loads(plugin_site, monkeypatch):
    from rewardkit.registry import PluginWarning, build_registry

    monkeypatch.syspath_prepend(str(plugin_site))
    with pytest.warns(PluginWarning) as caught:
        registry = build_registry()
    assert registry.graders["shout"].plugin == "rk_good"
    assert registry.graders["exact"].plugin == "graders"
    # register_commands runs only for the command line: rk_badcli fails there, not here
    assert sorted(f.name for f in registry.failures) == ["rk_clash", "rk_noimport", "rk_raises"]
    assert sorted(str(w.message).split("'")[1] for w in caught) == ["rk_clash", "rk_noimport", "rk_raises"]
