"""The data files lifkit ships: form definitions, Word templates and cerberus schemas.

They live at the top of the source tree (``forms/``, ``templates/``, ``schemas/``) and are installed
as the packages ``lifkit.forms``, ``lifkit.templates`` and ``lifkit.schemas``; this module is the one
place that finds them, so a wheel install, an editable install and a source checkout all behave alike.

A workspace may hold its own (``<workspace>/forms/<id>.yaml``, ``<workspace>/schemas/<id>.yaml``,
``<workspace>/templates/<name>.docx``, made by ``lifkit form copy`` and ``lifkit process copy-template``):
:func:`find` looks there first, then among the installed files.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

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


WORKSPACE_KINDS = ("forms", "schemas", "templates")


@dataclass(frozen=True)
class Found:
    """A data file found for a workspace: its own, or the installed one."""

    kind: str
    name: str
    where: str  # as messages name it: the workspace file's path, or "<kind>/<name>" for the installed one
    stamp: tuple = ()  # a workspace file's (modification time, size): a new stamp is a new version
    in_workspace: bool = False

    def read_bytes(self) -> bytes:
        return Path(self.where).read_bytes() if self.in_workspace else resource(self.kind, self.name).read_bytes()

    def read_text(self) -> str:
        return self.read_bytes().decode("utf-8")


def workspace_file(root, kind: str, name: str) -> Path | None:
    """The workspace's own ``<root>/<kind>/<name>`` when it has one (its name's case aside), else None."""
    if root is None:
        return None
    folder = Path(root) / kind
    path = folder / name
    if path.is_file():
        return path
    if folder.is_dir():
        for candidate in folder.iterdir():
            if candidate.name.casefold() == name.casefold() and candidate.is_file():
                return candidate
    return None


def workspace_names(root, kind: str, suffix: str) -> list[str]:
    """The names (lower case, without ``suffix``) of the workspace's own files of ``kind``."""
    folder = Path(root) / kind if root is not None else None
    if folder is None or not folder.is_dir():
        return []
    return sorted(p.name[: -len(suffix)].lower() for p in folder.iterdir()
                  if p.name.lower().endswith(suffix) and p.is_file() and not p.name.startswith((".", "~$")))


def installed(kind: str, name: str) -> bool:
    return resources.files(f"lifkit.{kind}").joinpath(name).is_file()


def find(kind: str, name: str, root=None) -> Found:
    """``name`` of ``kind`` for the workspace at ``root``: its own file first, then the installed one
    (:class:`MissingResource` when neither exists)."""
    own = workspace_file(root, kind, name)
    if own is not None:
        status = own.stat()
        return Found(kind, name, str(own), (status.st_mtime_ns, status.st_size), True)
    resource(kind, name)  # raises when it is not installed either
    return Found(kind, name, f"{kind}/{name}")


def find_template(name: str, root=None, what: str = "template") -> Found:
    """A Word template the process names: in the workspace's templates/ folder, else installed. A name
    neither holds is the user's mistake (exit 2), named with where it was looked for."""
    from lifkit.errors import InputError

    if workspace_file(root, "templates", name) is None and not installed("templates", name):
        where = f"{Path(root) / 'templates'} nor among lifkit's own" if root is not None else "lifkit's templates"
        raise InputError(f"The {what} {name!r} is neither in {where}.",
                         "Put the file in the workspace's templates/ folder (lifkit process copy-template copies "
                         "one of lifkit's to start from), or name another in process.yaml; then check with: "
                         "lifkit config check")
    return find("templates", name, root)


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


def schema(name: str, root=None) -> dict:
    """The cerberus schema ``schemas/<name>.yaml``: the workspace's own when ``root`` is given and it has one."""
    if root is not None and workspace_file(root, "schemas", f"{name}.yaml") is not None:
        return found_yaml(find("schemas", f"{name}.yaml", root))
    return load_yaml("schemas", f"{name}.yaml")


@functools.lru_cache(maxsize=64)
def found_yaml(found: Found):
    """A found YAML file parsed (once for each version of it); a workspace file that is not readable YAML is
    the user's to correct (exit 2), named with its line."""
    from lifkit.errors import InputError

    if not found.in_workspace:
        return load_yaml(found.kind, found.name)
    import yaml

    try:
        return parse_yaml(found.read_text())
    except UnicodeDecodeError:
        raise InputError(f"{found.where} is not text (UTF-8).", "Save it as UTF-8 text, then check it with: "
                         "lifkit config check") from None
    except OSError as exc:
        raise InputError(f"{found.where} cannot be read: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}: " if mark else ""
        raise InputError(f"{found.where}: {place}not readable as YAML ({getattr(exc, 'problem', None) or exc}).",
                         "Correct it, then check it with: lifkit config check") from None
