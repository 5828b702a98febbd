"""``lifkit processes`` and ``lifkit process copy|copy-template|use``: the process a workspace runs, as data."""

from __future__ import annotations

import click

from .common import json_option, pass_workspace, print_json


@click.command("processes")
@click.option("--show", "show", metavar="NAME", help="Also list one process's deadlines, options and notices.")
@json_option
def processes(show: str | None, as_json: bool) -> None:
    """List the processes lifkit ships, a line each.

    \b
    Examples:
      lifkit processes
      lifkit processes --show rapid-review-2023
    """
    from lifkit.case.process import load_shipped, shipped_processes

    loaded = [load_shipped(name) for name in shipped_processes()]
    if as_json:
        print_json([{"id": p.id, "version": p.version, "name": p.name, "description": p.description} for p in loaded])
    else:
        width = max(len(p.id) for p in loaded)
        for process in loaded:
            click.echo(f"{process.id.ljust(width)}  {process.name}")
    if show:
        process = load_shipped(show)
        click.echo(f"\n{process.id}: {process.description}")
        click.echo("Deadlines:")
        for deadline in process.deadlines:
            click.echo(f"  {deadline.label}: {process.deadline_words(deadline)}")
        click.echo(f"Options ({process.recommendation.by}, then the {process.decision.by}): "
                   + "; ".join(process.option_names))
        click.echo("Notices (the name `lifkit notified` takes, and what it is):")
        width = max((len(n.id) for n in process.notices), default=0)
        for notice in process.notices:
            click.echo(f"  {notice.id.replace('_', '-').ljust(width)}  {notice.label}")


@click.group("process")
def process() -> None:
    """The workspace's process: copy it into the workspace to edit it, or change to another.

    \b
    Examples:
      lifkit process copy
      lifkit process copy-template
      lifkit process use rapid-review-2023
    """


@process.command("copy")
@json_option
@pass_workspace
def copy(ws, as_json: bool) -> None:
    """Put an editable copy of the workspace's process into the workspace as process.yaml.

    lifkit then uses the copy: change its words, deadlines, options, notices or register columns, and
    check it with `lifkit config check`.

    \b
    Example:
      lifkit process copy
    """
    from lifkit.steps.init import copy_process

    result = copy_process(ws)
    if as_json:
        print_json(result)
        return
    click.echo(f"Copied the process {result.process} to {result.file}; lifkit uses it from now on.")
    click.echo("Next: edit it, then run: lifkit config check")


@process.command("copy-template")
@click.argument("name", required=False)
@click.option("--as", "new_name", metavar="NAME.docx", help="The copy's name (then name it in process.yaml's "
              "summary template).")
@json_option
@pass_workspace
def copy_template(ws, name: str | None, new_name: str | None, as_json: bool) -> None:
    """Copy a Word template into the workspace's templates/ folder to edit: by default the process's
    summary document's.

    lifkit uses the workspace's own template before its own of the same name. Keep its {{ }} tags
    (see lifkit's templates/README.md), and check it with `lifkit config check`. Nothing is replaced.

    \b
    Examples:
      lifkit process copy-template
      lifkit process copy-template rrsum.docx --as sarsum.docx
    """
    from lifkit.steps.init import copy_template as copy_one

    result = copy_one(ws, name, new_name)
    if as_json:
        print_json(result)
        return
    click.echo(str(result.files[0]))
    click.echo("Next: edit it, then run: lifkit config check")


@process.command("use")
@click.argument("name")
@json_option
@pass_workspace
def use(ws, name: str, as_json: bool) -> None:
    """Make the workspace run the shipped process NAME (refused while cases are open under another).

    \b
    Example:
      lifkit process use rapid-review-2023
    """
    from lifkit.steps.init import use_process

    result = use_process(ws, name)
    if as_json:
        print_json(result)
        return
    click.echo(f"The workspace now runs {result.process} ({result.file}).")
    click.echo("Next: name the people it needs in lifkit.toml, then run: lifkit config check")
