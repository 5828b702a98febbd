"""The data files lifkit ships: form definitions, Word templates and cerberus schemas.

They live at the top of the source tree (``forms/``, ``templates/``, ``schemas/``) and are installed
as the packages ``lifkit.forms``, ``lifkit.templates`` and ``lifkit.schemas``; this module is the one
place that finds them, so a wheel install, an editable install and a source checkout all behave alike.
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable

from lifkit.errors import ExitStatus, LifkitError


class MissingResource(LifkitError):
    """A file that should have been installed with lifkit is not there: a broken installation."""

    exit_status = ExitStatus.INTERNAL


def resource(kind: str, name: str) -> Traversable:
    """The installed file ``name`` of ``kind`` ("forms", "templates" or "schemas")."""
    path = resources.files(f"lifkit.{kind}").joinpath(name)
    if not path.is_file():
        raise MissingResource(
            f"lifkit's installed {kind} folder has no {name}.",
            "The installation is incomplete: reinstall lifkit (pip install --force-reinstall lifkit).",
        )
    return path


@functools.lru_cache(maxsize=None)
def load_yaml(kind: str, name: str):
    """Parse an installed YAML file (a schema or a form definition). Cached: they never change."""
    return parse_yaml(resource(kind, name).read_text(encoding="utf-8"))


def parse_yaml(text: str):
    """``yaml.safe_load(text)``, by libyaml's parser when PyYAML has it (about ten times faster; the
    same safe constructors, the same ``yaml.YAMLError`` for bad input)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


def schema(name: str) -> dict:
    """The cerberus schema ``schemas/<name>.yaml``."""
    return load_yaml("schemas", f"{name}.yaml")
