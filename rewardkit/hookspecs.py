"""The plugin API of rewardkit: every hook a plugin can implement.

A plugin is a module (or any object) with functions decorated by ``rewardkit.hookimpl``
whose names match the hooks below. It is found through the ``rewardkit`` entry-point group
of an installed distribution::

    # pyproject.toml of your plugin
    [project.entry-points.rewardkit]
    myplugin = "rewardkit_myplugin"

The built-in plugins (``graders``, ``rewardkit.models.plugin``) implement the same hooks and load
first, by module name. A third-party plugin whose import or hook raises is disabled and reported;
the others keep working.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("rewardkit")
hookimpl = pluggy.HookimplMarker("rewardkit")


@hookspec
def register_graders(register):
    """Contribute graders to the registry.

    Call ``register(GraderClass)`` once for each grader class your plugin provides. The class
    subclasses ``rewardkit.Grader`` and has a pydantic ``Config`` whose ``type`` field is a
    ``Literal`` holding the grader's name (``type: Literal["my_grader"] = "my_grader"``);
    that name is how users ask for it (``rewardkit.load_grader("my_grader")`` or
    ``{"type": "my_grader", ...}``). The first line of the class docstring is the
    description shown by ``rewardkit graders``.

    Names are global: registering a name that another plugin already registered is an
    error that names both plugins. ``register`` raises ``rewardkit.PluginError`` for a
    class that is not a valid grader.
    """


@hookspec
def register_commands(cli):
    """Add commands to the ``rewardkit`` command line.

    ``cli`` is the top-level ``click.Group``; decorate new commands with ``@cli.command()``
    (or add a group with ``@cli.group()``). Called once, when the command line starts.
    """
