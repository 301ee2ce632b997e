"""The grader registry: one pluggy PluginManager, plugin loading, name -> grader, spec parsing.

Every plugin, the built-in ``graders`` package included, is found through the ``rewardkit``
entry-point group. ``REWARDKIT_PLUGINS`` restricts third-party plugins: unset loads all of
them, an empty value loads none, ``a,b`` loads only the entry points named ``a`` and ``b``.
The built-in plugins of the ``rewardkit`` distribution always load.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import json
import os
from collections.abc import Mapping
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


def build_registry() -> Registry:
    """Load the plugins and collect what they register."""
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    registry = Registry(plugin_manager=pm)
    allowed = _selected_plugins()
    loaded_builtin = False
    for ep in _entry_points():
        dist = ep.dist.name if ep.dist else None
        builtin = dist == BUILTIN_DISTRIBUTION
        if not builtin and allowed is not None and ep.name not in allowed:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(f"plugin {ep.name!r} ({dist}) failed to import: {exc}") from exc
        if pm.get_plugin(ep.name) is not None:
            other = next((p.distribution for p in registry.plugins if p.name == ep.name), None)
            raise PluginError(f"two plugins are named {ep.name!r}: from {other} and from {dist}")
        pm.register(plugin, name=ep.name)
        loaded_builtin |= builtin
        registry.plugins.append(
            PluginInfo(
                name=ep.name,
                distribution=dist,
                version=ep.dist.version if ep.dist else None,
                hooks=tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or [])),
            )
        )
    if not loaded_builtin:
        raise PluginError(
            "the built-in graders were not found through the 'rewardkit' entry points; "
            "install the package (pip install -e .) so its metadata is visible"
        )
    for impl in pm.hook.register_graders.get_hookimpls():
        impl.function(register=_registrar(registry, impl.plugin_name))
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
    registry.plugins.append(
        PluginInfo(
            name=name,
            distribution=None,
            version=None,
            hooks=tuple(sorted(h.name for h in registry.plugin_manager.get_hookcallers(plugin) or [])),
        )
    )
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
        raise GraderConfigError(f"{first['msg']} (got {first.get('input')!r:.80})", field=where) from exc


def load_grader(spec: str | Path | Mapping[str, Any] | GraderConfig) -> Grader:
    """A ready grader from a name, a spec dict, a JSON string, a JSON/YAML file, or a config."""
    registry = get_registry()
    config = spec if isinstance(spec, GraderConfig) else validate_config(read_spec(spec), registry)
    return registry.grader_class(config.type)(config)
