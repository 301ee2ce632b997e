"""The grader registry: one pluggy PluginManager, plugin loading, name -> grader, spec parsing.

The built-in plugins (``BUILTIN_PLUGINS``: the ``graders`` package, the learned reward models)
load by module name, first, like pytest's ``default_plugins``; third-party plugins are found
through the ``rewardkit`` entry-point group. ``REWARDKIT_PLUGINS`` restricts third-party
plugins: unset loads all of them, an empty value loads none, ``a,b`` loads only the entry points
named ``a`` and ``b``.

A third-party plugin fails alone: one that cannot be imported, or whose ``register_graders``
raises or registers something invalid (a name already taken), is disabled and reported once
(``Registry.failures``, a ``PluginWarning``, a line from the command line); the built-ins and
the other plugins keep working.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import json
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Union

import pluggy
from pydantic import Field, TypeAdapter, ValidationError

from rewardkit import hookspecs
from rewardkit.errors import GraderConfigError, PluginError
from rewardkit.grader import Grader, GraderConfig

ENTRY_POINT_GROUP = "rewardkit"
PLUGINS_ENV = "REWARDKIT_PLUGINS"
BUILTIN_DISTRIBUTION = "rewardkit"
BUILTIN_PLUGINS = {"graders": "graders", "models": "rewardkit.models.plugin"}  # name -> module


class PluginWarning(UserWarning):
    """A third-party plugin was disabled (it failed to import or its hook raised)."""


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that was disabled, and why."""

    name: str
    distribution: str | None
    reason: str

    def __str__(self) -> str:
        return f"plugin {self.name!r} ({self.distribution or 'no distribution'}) is disabled: {self.reason}"


@dataclass(frozen=True)
class GraderEntry:
    """A registered grader class and the plugin that registered it."""

    cls: type[Grader]
    plugin: str


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin: its entry-point name, distribution and the hooks it implements."""

    name: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...]


@dataclass
class Registry:
    """The loaded plugins and everything they registered."""

    plugin_manager: pluggy.PluginManager
    graders: dict[str, GraderEntry] = field(default_factory=dict)
    plugins: list[PluginInfo] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)

    def disable(self, name: str, distribution: str | None, exc: BaseException, loaded: bool = True) -> None:
        """Drop a failing plugin (when ``loaded``) and whatever it registered; report it once."""
        if loaded:
            if self.plugin_manager.get_plugin(name) is not None:
                self.plugin_manager.unregister(name=name)
            for grader_name in [n for n, e in self.graders.items() if e.plugin == name]:
                del self.graders[grader_name]
            self.plugins[:] = [p for p in self.plugins if p.name != name]
        reason = str(exc) if isinstance(exc, PluginError) else f"{type(exc).__name__}: {exc}"
        failure = PluginFailure(name, distribution, reason.splitlines()[0][:300] if reason else type(exc).__name__)
        self.failures.append(failure)
        warnings.warn(str(failure), PluginWarning, stacklevel=3)

    def call_each(self, hook: str, kwargs: Callable[[str], dict[str, Any]],
                  undo: Callable[[str], None] | None = None) -> None:
        """Call one hook of every plugin separately (built-ins first), with ``kwargs(plugin name)``;
        a third-party plugin whose hook raises is disabled (after ``undo(plugin name)``, which takes
        back what it did before raising); a built-in's error is raised."""
        for impl in getattr(self.plugin_manager.hook, hook).get_hookimpls():
            if self.plugin_manager.get_plugin(impl.plugin_name) is None:
                continue  # disabled by an earlier impl of this call
            try:
                impl.function(**kwargs(impl.plugin_name))
            except Exception as exc:
                if impl.plugin_name in BUILTIN_PLUGINS:
                    raise
                if undo is not None:
                    undo(impl.plugin_name)
                self.disable(impl.plugin_name, self._distribution(impl.plugin_name), exc)

    def _distribution(self, name: str) -> str | None:
        return next((p.distribution for p in self.plugins if p.name == name), None)

    def grader_class(self, name: str) -> type[Grader]:
        """The grader class registered under ``name``; a helpful error when there is none."""
        try:
            return self.graders[name].cls
        except KeyError:
            known = sorted(self.graders)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise GraderConfigError(
                f"unknown grader {name!r}.{hint} Known graders: {', '.join(known)}", field="type"
            ) from None

    def spec_adapter(self) -> TypeAdapter:
        """A pydantic adapter for the union of every registered grader config, keyed by ``type``."""
        configs = tuple(entry.cls.Config for _, entry in sorted(self.graders.items()))
        if len(configs) == 1:
            return TypeAdapter(configs[0])
        return TypeAdapter(Annotated[Union[configs], Field(discriminator="type")])  # noqa: UP007


def _selected_plugins() -> set[str] | None:
    """Third-party entry-point names allowed by REWARDKIT_PLUGINS; None means all."""
    value = os.environ.get(PLUGINS_ENV)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    # An editable install can expose the same distribution twice; keep the first of each.
    unique: dict[tuple[str, str], importlib.metadata.EntryPoint] = {}
    for ep in found:
        dist = ep.dist.name if ep.dist else ""
        unique.setdefault((ep.name, dist), ep)
    return list(unique.values())


def _info(pm: pluggy.PluginManager, plugin: Any, name: str, dist: str | None, version: str | None) -> PluginInfo:
    hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or []))
    return PluginInfo(name=name, distribution=dist, version=version, hooks=hooks)


def build_registry() -> Registry:
    """Load the built-in plugins, then the third-party ones, and collect what they register."""
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    registry = Registry(plugin_manager=pm)
    try:
        version = importlib.metadata.version(BUILTIN_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = None
    for name, module in BUILTIN_PLUGINS.items():
        plugin = importlib.import_module(module)  # a broken built-in is a bug: it raises
        pm.register(plugin, name=name)
        registry.plugins.append(_info(pm, plugin, name, BUILTIN_DISTRIBUTION, version))
    allowed = _selected_plugins()
    for ep in _entry_points():
        dist = ep.dist.name if ep.dist else None
        if dist == BUILTIN_DISTRIBUTION or (allowed is not None and ep.name not in allowed):
            continue  # the built-ins load by module name; an older install may still declare them
        if pm.get_plugin(ep.name) is not None:
            taken = PluginError(f"the name {ep.name!r} is already taken by {registry._distribution(ep.name)}")
            registry.disable(ep.name, dist, taken, loaded=False)
            continue
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
        except Exception as exc:
            registry.disable(ep.name, dist, exc, loaded=False)
            continue
        registry.plugins.append(_info(pm, plugin, ep.name, dist, ep.dist.version if ep.dist else None))
    registry.call_each("register_graders", lambda name: {"register": _registrar(registry, name)})
    return registry


def _registrar(registry: Registry, plugin: str):
    """The ``register`` callable handed to one plugin's ``register_graders``."""

    def register(cls: type[Grader]) -> None:
        if not (isinstance(cls, type) and issubclass(cls, Grader)):
            raise PluginError(f"plugin {plugin!r} registered {cls!r}, which is not a rewardkit.Grader subclass")
        config = getattr(cls, "Config", None)
        if config is None or config is GraderConfig or "type" not in config.model_fields:
            raise PluginError(f"plugin {plugin!r}: grader {cls.__name__} needs a Config with a 'type' field")
        name = cls.type_name()
        if not isinstance(name, str) or not name:
            raise PluginError(f"plugin {plugin!r}: grader {cls.__name__} has no default for Config.type")
        if name in registry.graders:
            first = registry.graders[name].plugin
            raise PluginError(f"grader name {name!r} is registered twice: by plugin {first!r} and by plugin {plugin!r}")
        registry.graders[name] = GraderEntry(cls=cls, plugin=plugin)

    return register


_registry: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _registry
    if _registry is None:
        _registry = build_registry()
    return _registry


def reset_registry() -> None:
    """Forget the registry so the next use reloads plugins (after installing one, in tests)."""
    global _registry
    _registry = None


def register_plugin(plugin: Any, name: str) -> None:
    """Register a plugin object in this process (for tests and notebooks) and rebuild the graders."""
    registry = get_registry()
    registry.plugin_manager.register(plugin, name=name)
    _collect(registry, plugin, name)


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered with ``register_plugin`` and the graders it registered."""
    registry = get_registry()
    registry.plugin_manager.unregister(name=name)
    for grader_name in [n for n, e in registry.graders.items() if e.plugin == name]:
        del registry.graders[grader_name]
    registry.plugins[:] = [p for p in registry.plugins if p.name != name]


def _collect(registry: Registry, plugin: Any, name: str) -> None:
    hook = getattr(plugin, "register_graders", None)
    registry.plugins.append(_info(registry.plugin_manager, plugin, name, None, None))
    if hook is not None:
        try:
            hook(register=_registrar(registry, name))
        except Exception:
            unregister_plugin(name)
            raise


# -- specs ------------------------------------------------------------------------------------


def read_spec(spec: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """A grader spec as a dict, from a name, a JSON string, a dict, or a JSON/YAML file path."""
    if isinstance(spec, Mapping):
        return dict(spec)
    if isinstance(spec, Path) or (isinstance(spec, str) and spec.endswith((".json", ".yaml", ".yml"))):
        return _read_spec_file(Path(spec))
    if not isinstance(spec, str):
        raise GraderConfigError(f"a grader spec is a name, a dict or a file path, not {type(spec).__name__}")
    text = spec.strip()
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GraderConfigError(f"spec is not valid JSON: {exc}") from exc
        return _as_mapping(loaded, "the JSON spec")
    if not text:
        raise GraderConfigError("empty grader spec")
    return {"type": text}


def _read_spec_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GraderConfigError(f"cannot read spec file {path}: {exc.strerror or exc}") from exc
    try:
        if path.suffix == ".json":
            loaded = json.loads(text)
        else:
            import yaml

            loaded = yaml.safe_load(text)
    except Exception as exc:
        raise GraderConfigError(f"spec file {path} is not valid {path.suffix[1:].upper()}: {exc}") from exc
    return _as_mapping(loaded, f"spec file {path}")


def _as_mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise GraderConfigError(f"{what} must hold a mapping with a 'type', not {type(value).__name__}")
    return value


def validate_config(spec: Mapping[str, Any], registry: Registry | None = None) -> GraderConfig:
    """The config model for a spec dict; ``GraderConfigError`` naming the field on failure."""
    registry = registry or get_registry()
    if "type" not in spec:
        raise GraderConfigError("a grader spec needs a 'type' (the grader's name)", field="type")
    cls = registry.grader_class(spec["type"]) if isinstance(spec["type"], str) else None
    if cls is None:
        raise GraderConfigError(f"must be a grader name, got {spec['type']!r}", field="type")
    try:
        return cls.Config.model_validate(dict(spec))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "spec"
        message = first["msg"].removeprefix("Value error, ")  # a validator's own ValueError
        raise GraderConfigError(f"{message} (got {first.get('input')!r:.80})", field=where) from exc


def grader_config(spec: str | Path | Mapping[str, Any] | GraderConfig | Grader) -> GraderConfig:
    """The typed config of any accepted spec form, parsed and validated once (at the edge); it
    pickles, so it is what travels to worker processes."""
    if isinstance(spec, Grader):
        return spec.config
    if isinstance(spec, GraderConfig):
        return spec
    return validate_config(read_spec(spec))


def load_grader(spec: str | Path | Mapping[str, Any] | GraderConfig) -> Grader:
    """A ready grader from a name, a spec dict, a JSON string, a JSON/YAML file, or a config."""
    registry = get_registry()
    config = spec if isinstance(spec, GraderConfig) else validate_config(read_spec(spec), registry)
    return registry.grader_class(config.type)(config)
