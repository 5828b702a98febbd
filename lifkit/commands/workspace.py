"""Commands about the workspace itself: ``init``, ``members``, ``config check`` and ``demo``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..errors import ExitStatus
from .common import PathType, AppContext, json_option, pass_app, pass_workspace, plural, print_json, print_table

if TYPE_CHECKING:
    from pathlib import Path


@click.command()
@click.argument("directory", type=PathType(file_okay=False))
@click.option("--board", metavar="NAME", help="The board's name, as printed on forms and packs.")
@click.option("--admin-name", metavar="NAME", help="The administrator's name.")
@click.option("--admin-email", metavar="EMAIL", help="The administrator's email; forms come back to it.")
@click.option("--process", "process_name", metavar="NAME", default="lscb-2016", show_default=True,
              help="The process the workspace runs (lifkit processes lists them).")
@json_option
def init(directory: Path, board: str | None, admin_name: str | None, admin_email: str | None, process_name: str,
         as_json: bool) -> None:
    """Create a workspace in DIRECTORY: lifkit.toml, the register workbook and cases/.

    The starting members are the partner agencies a board usually has, with placeholder
    addresses that `lifkit config check` flags until you replace them. An existing workspace is
    never overwritten.

    \b
    Example:
      lifkit init lscb --board "Exampleshire Safeguarding Children Board" \\
          --admin-name "Jordan Avery" --admin-email lscb.admin@exampleshire.gov.uk
    """
    from lifkit.steps.init import init_workspace

    result = init_workspace(directory, board, admin_name, admin_email, process_name)
    if as_json:
        print_json(result)
        return
    click.echo(f"Created the workspace {result.root}")
    click.echo(f"  settings:  {result.settings_file}")
    click.echo(f"  register:  {result.register}")
    click.echo(f"  cases:     {result.cases_dir}")
    click.echo(f"Next: put the real names and addresses into lifkit.toml ({result.members} starting members), "
               "then run: lifkit config check")


@click.group(invoke_without_command=True)
@json_option
@click.pass_context
def members(ctx: click.Context, as_json: bool) -> None:
    """List the member agencies, or add and remove them.

    \b
    Examples:
      lifkit members
      lifkit members --json
      lifkit members add FIRE --agency "Fire and Rescue Service" --name "A. Person" --email a.person@fire.gov.uk
      lifkit members remove FIRE
    """
    if ctx.invoked_subcommand is not None:
        return
    ws = ctx.find_object(AppContext).workspace()
    if as_json:
        print_json(list(ws.settings.members))
        return
    print_table(["Code", "Agency", "Member", "Email", "Format"],
                [(m.code, m.agency, m.name, m.email, m.format) for m in ws.settings.members])
    click.echo(f"{len(ws.settings.members)} members.")


@members.command("add")
@click.argument("code")
@click.option("--agency", required=True, metavar="NAME", help="The partner agency's name.")
@click.option("--name", required=True, metavar="NAME", help="The member's name.")
@click.option("--email", required=True, metavar="EMAIL", help="The member's (secure) email address.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx", "both"]), default="pdf", show_default=True,
              help="The form the member prefers to receive.")
@json_option
@pass_workspace
def members_add(ws, code: str, agency: str, name: str, email: str, fmt: str, as_json: bool) -> None:
    """Add a member agency with agency code CODE to lifkit.toml (comments and layout are kept).

    \b
    Example:
      lifkit members add FIRE --agency "Fire and Rescue Service" --name "A. Person" --email a.person@fire.gov.uk
    """
    from lifkit.case.workspace import Member, add_member

    member = add_member(ws.root, Member(code=code, agency=agency, name=name, email=email, format=fmt))
    if as_json:
        print_json(member)
    else:
        click.echo(f"Added {member.code} ({member.agency}) to {ws.settings_file}")


@members.command("remove")
@click.argument("code")
@json_option
@pass_workspace
def members_remove(ws, code: str, as_json: bool) -> None:
    """Remove the member agency with agency code CODE from lifkit.toml.

    \b
    Example:
      lifkit members remove FIRE
    """
    from lifkit.case.workspace import remove_member

    member = remove_member(ws.root, code)
    if as_json:
        print_json(member)
    else:
        click.echo(f"Removed {member.code} ({member.agency}) from {ws.settings_file}")


@click.group()
def config() -> None:
    """Check the workspace's settings (lifkit.toml).

    \b
    Example:
      lifkit config check
    """


@config.command("check")
@json_option
@pass_app
@click.pass_context
def config_check(ctx: click.Context, app: AppContext, as_json: bool) -> None:
    """Check lifkit.toml and the workspace's process.yaml: errors (exit status 2), then warnings such as
    placeholders (exit status 1).

    \b
    Example:
      lifkit config check
      lifkit --workspace D:\\Board config check --json
    """
    from lifkit.case.workspace import check_workspace

    result = check_workspace(app.workspace_arg)
    if as_json:
        print_json({"settings_file": result.settings_file, "errors": result.errors, "warnings": result.warnings})
    else:
        for problem in result.problems:
            click.echo(f"{problem.severity}: {problem}")
        for path, (errors, warnings) in result.by_file().items():
            if not errors and not warnings:
                click.echo(f"{path}: OK")
            else:
                click.echo(f"{path}: {plural(errors, 'error')}, {plural(warnings, 'warning')}.")
    if result.errors:
        ctx.exit(int(ExitStatus.BAD_INPUT))
    if result.warnings:
        ctx.exit(int(ExitStatus.ATTENTION))


@click.command()
@click.argument("directory", type=PathType(file_okay=False))
@click.option("--process", "process_name", metavar="NAME", default="lscb-2016", show_default=True,
              help="The process the practice workspace runs (lifkit processes lists them).")
@json_option
def demo(directory: Path, process_name: str, as_json: bool) -> None:
    """Make a practice workspace in DIRECTORY and run the whole cycle of a process on fictional cases.

    A fictional board or partnership and its member agencies: a referral opened from an emailed
    form, requests, replies (PDF and Word, one late, one invalid then corrected, one with an attached
    chronology), collect, status, chase, the pack (and an encrypted copy), the recommendation, the
    decision (the chair's, or each partner's sign-off), the summary document, the notices (and, in a
    process expecting one, the reply to a notice), the register, overdue and the year's report; a second
    case part-way, awaiting returns; and a new referral and two replies saved for you to open and
    collect. The demo's dates are fixed: it ends on 25/11/2026 (set LIFKIT_TODAY=2026-11-25 to see it
    as of that day). Everything in it is fictional and marked so; addresses use the reserved .example
    domain.

    \b
    Examples:
      lifkit demo lifkit-practice
      lifkit demo partnership-practice --process rapid-review-2023
    """
    from lifkit.steps.demo import run_demo

    result = run_demo(directory, process_name=process_name)
    if as_json:
        print_json(result)
        return
    click.echo(f"Practice workspace (everything in it is fictional): {result.root}")
    for step in result.steps:
        click.echo(f"  - {step}")
    click.echo("Made:")
    for what, path in result.files.items():
        click.echo(f"  {what + ':':<21} {path}")
    click.echo(f"The encrypted pack's password: {result.pack_password}")
    click.echo(f"The demo ends on {result.today:%d/%m/%Y}; to see it as of that day: "
               f"export LIFKIT_TODAY={result.today.isoformat()}")
    click.echo(f"Try: lifkit --workspace {result.root} status")
