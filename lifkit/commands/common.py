"""What every command shares: the application context, shared options, and output helpers.

Commands parse options, call one domain function and print its result: text for a person on stdout,
or JSON with ``--json``. Progress and logs go to stderr.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import sys
from typing import Any, Callable, Iterable, Sequence

import click


class PathType(click.Path):
    """``click.Path`` giving a :class:`pathlib.Path`, with pathlib imported when a path is given, not
    when lifkit starts (pathlib brings urllib and ipaddress: a tenth of `lifkit --help`)."""

    def convert(self, value, param, ctx):
        from pathlib import Path

        converted = super().convert(value, param, ctx)
        return Path(converted) if isinstance(converted, str) else converted


class AppContext:
    """Global options, shared by every command through ``ctx.obj`` (a plain class: `lifkit --help`
    imports no dataclasses)."""

    def __init__(self, workspace_arg: str | None = None, verbose: int = 0, debug: bool = False):
        self.workspace_arg, self.verbose, self.debug = workspace_arg, verbose, debug
        self._workspace: Any = None

    def workspace(self):
        """The workspace the command works in, found and checked once per run."""
        if self._workspace is None:
            from lifkit.case.workspace import open_workspace

            self._workspace = open_workspace(self.workspace_arg)
        return self._workspace


pass_app = click.make_pass_decorator(AppContext, ensure=True)


class DateParam(click.ParamType):
    """A date typed the UK way (03/12/2026, 3 Dec 2026) or as yyyy-mm-dd."""

    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        from lifkit.mechanics.dates import parse_date

        parsed = parse_date(value)
        if parsed is None:
            self.fail(f"{value!r} is not a date; use dd/mm/yyyy (e.g. 03/12/2026) or yyyy-mm-dd.", param, ctx)
        return parsed


DATE = DateParam()


def json_option(function: Callable) -> Callable:
    """``--json``: print the result as JSON on stdout instead of text."""
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(function)


def allow_names_option(function: Callable) -> Callable:
    """``--allow-names``: record typed text that holds a person's details from the case without the warning."""
    return click.option("--allow-names", is_flag=True, help="Record typed text that holds a name, date of birth or "
                        "address of a person in the case without the warning (exit status 1) it otherwise gets."
                        )(function)


def pass_workspace(function: Callable) -> Callable:
    """Give the command the workspace (found from --workspace, LIFKIT_WORKSPACE or the folder) as ``ws``."""

    @pass_app
    @functools.wraps(function)
    def wrapper(app: AppContext, *args, **kwargs):
        return function(app.workspace(), *args, **kwargs)

    return wrapper


def to_jsonable(value: Any) -> Any:
    """Dataclasses, paths and dates as plain JSON values (dates as ISO yyyy-mm-dd)."""
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):
            return to_jsonable(value.to_dict())
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not f.name.startswith("_")}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    from pathlib import PurePath

    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@contextlib.contextmanager
def progress(length: int, label: str):
    """A progress bar on stderr for work over many files; silent when stderr is not a terminal.

    Yields a function to call once per item done.
    """
    if length < 2 or not sys.stderr.isatty():
        yield lambda *_: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield lambda *_: bar.update(1)


def warn(message: str | None) -> bool:
    """Print a warning on stderr (when there is one); True when there was."""
    if message:
        click.echo(f"Warning: {message}", err=True)
    return bool(message)


def show_date(value) -> str:
    """A date as people read it (dd/mm/yyyy), or "-" when there is none."""
    from lifkit.mechanics.dates import format_date

    return format_date(value) if value else "-"


def plural(count: int, word: str) -> str:
    """``1 warning``, ``2 warnings``."""
    return f"{count} {word}" + ("" if count == 1 else "s")


def print_json(value: Any) -> None:
    import json

    click.echo(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False))


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain aligned table that a person reads at a glance (and that survives copy and paste)."""
    rows = [["" if cell is None else str(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]

    def line(cells):
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    click.echo(line(headers))
    click.echo(line(["-" * w for w in widths]))
    for row in rows:
        click.echo(line(row))
