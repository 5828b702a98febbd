"""Write docs/cli.md, the command-line reference, from the commands' own --help.

Run it after changing a command's options or help text (a test fails until docs/cli.md matches):

    .venv/bin/python docs/make_cli_reference.py
"""

from __future__ import annotations

import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "cli.md"


def _commands(group, prefix=()):
    import click

    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


def reference() -> str:
    from click.testing import CliRunner

    from lifkit.cli import cli

    runner = CliRunner()
    parts = ["# lifkit command-line reference", "",
             "Generated from each command's own `--help` by `docs/make_cli_reference.py`; do not edit by hand.", ""]
    entries = [((), cli)] + list(_commands(cli))
    for path, _command in entries:
        result = runner.invoke(cli, [*path, "--help"], prog_name="lifkit", terminal_width=100)
        title = " ".join(("lifkit", *path))
        parts += [f"## {title}", "", "```", result.output.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    target.write_text(reference(), encoding="utf-8")
    print(target)
