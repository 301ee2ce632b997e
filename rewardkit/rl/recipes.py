"""Ready GRPO configs shipped with the package (``rewardkit/data/recipes/``)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from rewardkit.rl.config import ConfigError


def recipe_names() -> list[str]:
    return sorted(p.name.removesuffix(".yaml") for p in files("rewardkit").joinpath("data/recipes").iterdir()
                  if p.name.endswith(".yaml"))


def recipe_path(name: str) -> Path:
    """The installed path of recipe ``name`` (give it to ``rewardkit grpo --config``, or copy it)."""
    if name not in recipe_names():
        raise ConfigError(f"no recipe {name!r}; recipes: {', '.join(recipe_names())}")
    return Path(str(files("rewardkit").joinpath(f"data/recipes/{name}.yaml")))
