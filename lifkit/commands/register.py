"""``lifkit register``: show the register's cases, check the workbook, rebuild rows from the cases."""

from __future__ import annotations

import datetime as dt

import click

from ..errors import ExitStatus, InputError
from .common import json_option, pass_workspace, plural, print_json, print_table



def summary_headers(process) -> list[str]:
    """The columns of `lifkit register show`'s table: enough to find a case; `show REF` gives the whole row."""
    wanted = ("case_ref", "notified", "referral:agency", "meeting", "decision", f"due:{process.decision.deadline}",
              "status")
    by_key = {c.key: c.header for c in process.register_columns}
    return [by_key[key] for key in wanted if key in by_key]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


@click.group()
def register() -> None:
    """Show the register (the Excel workbook), check it, and bring it up to date.

    lifkit updates the register itself as cases move on. `show` and `check` only read it, so they are
    safe while the workbook is open in Excel; `sync` writes, so close it first.

    \b
    Examples:
      lifkit register show
      lifkit register show RR-2026-004
      lifkit register check
      lifkit register sync
      lifkit register headings
    """


@register.command("show")
@click.argument("ref", required=False)
@json_option
@pass_workspace
def show(ws, ref: str | None, as_json: bool) -> None:
    """List the cases on the register, or show case REF's row in full (every column, yours too).

    Dates are shown dd/mm/yyyy; with --json, yyyy-mm-dd, and each row carries its row number as _row.

    \b
    Examples:
      lifkit register show
      lifkit register show RR-2026-004
      lifkit register show --json
    """
    from lifkit.register.workbook import ROW_KEY, open_register

    reg = open_register(ws.register_path, columns=ws.process.register_columns)
    if ref:
        row = reg.find(ref)
        if row is None:
            raise InputError(f"{ref} is not on the register ({ws.register_path}).",
                             "`lifkit register show` lists the cases that are.")
        if as_json:
            print_json(row)
            return
        click.echo(f"{row.get('Case ref', ref)} (row {row[ROW_KEY]} of the Register sheet)")
        width = max(len(h) for h in reg.headers)
        for header in reg.headers:
            click.echo(f"  {header.ljust(width)}  {_text(row.get(header))}".rstrip())
        return
    rows = reg.rows()
    if as_json:
        print_json(rows)
        return
    headers = summary_headers(ws.process)
    print_table(headers, [[_text(row.get(h)) for h in headers] for row in rows])
    click.echo(f"{plural(len(rows), 'case')} on the register ({ws.register_path}).")


@register.command("check")
@json_option
@pass_workspace
@click.pass_context
def check(ctx: click.Context, ws, as_json: bool) -> None:
    """Check the register: missing or doubled column headings, a case on two rows, rows added by hand
    (no case folder), and dates that are not dates, on the Register, Decisions and Actions sheets (an
    action on two rows, a workbook without an Actions sheet). Exit status 1 when something needs
    attention.

    \b
    Examples:
      lifkit register check
      lifkit register check --json
    """
    from lifkit.register.upkeep import check_whole_register

    problems = check_whole_register(ws)
    if as_json:
        print_json({"register": ws.register_path, "problems": problems})
    else:
        for problem in problems:
            click.echo(str(problem))
        if problems:
            click.echo(f"{ws.register_path}: {plural(len(problems), 'problem')}.")
        else:
            click.echo(f"{ws.register_path}: OK")
    if problems:
        ctx.exit(int(ExitStatus.ATTENTION))


@register.command("sync")
@click.argument("ref", required=False)
@json_option
@pass_workspace
@click.pass_context
def sync(ctx: click.Context, ws, ref: str | None, as_json: bool) -> None:
    """Rewrite lifkit's columns of every case's row (or case REF's) and of every action's row on the
    Actions sheet from the case folders, and add the Decisions rows that could not be written before
    (while the register was open in Excel, say).

    Your own columns, the Notes column, and rows lifkit does not know are left as they are. The
    workbook must not be open in Excel (exit status 3 if it is; nothing is changed).

    \b
    Examples:
      lifkit register sync
      lifkit register sync RR-2026-004
    """
    from lifkit.register.upkeep import sync_whole_register

    result = sync_whole_register(ws, ref)
    if as_json:
        print_json({"register": ws.register_path, "written": result.written, "failed": result.failed})
    else:
        for reference, message in result.failed.items():
            click.echo(f"{reference}: {message}", err=True)
        click.echo(f"{ws.register_path}: {plural(len(result.written), 'case')} brought up to date"
                   + (f", {len(result.failed)} not." if result.failed else "."))
    if result.failed:
        ctx.exit(int(ExitStatus.ATTENTION))


@register.command("headings")
@json_option
@pass_workspace
def headings(ws, as_json: bool) -> None:
    """Add a column for each of the process's register columns the Register sheet lacks (after changing
    process, or a process.yaml that adds columns); then `lifkit register sync` fills them in.

    Every column already there is kept as it is, with its values: your own, and those of the process the
    register was made for. The workbook must not be open in Excel (exit status 3 if it is).

    \b
    Example:
      lifkit register headings
    """
    from lifkit.register.upkeep import bring_headings

    added, result = bring_headings(ws)
    if as_json:
        print_json({"register": ws.register_path, "added": added, "backup": result.backup})
        return
    if not added:
        click.echo(f"{ws.register_path}: every column of the process is headed already; nothing changed.")
        return
    click.echo(f"{ws.register_path}: added {plural(len(added), 'column')}: {', '.join(added)}")
    click.echo("Next: lifkit register sync")
