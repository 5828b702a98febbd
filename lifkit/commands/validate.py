"""``lifkit validate``: say at once whether returned forms are usable, in words to forward to the agency."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ..errors import ExitStatus
from .common import PathType, json_option, pass_workspace, plural, progress, to_jsonable

if TYPE_CHECKING:
    from pathlib import Path


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=PathType())
@click.option("--case", "case_ref", metavar="REF", help="The case the forms should be for; implies the "
              "process's request form unless --form says otherwise.")
@click.option("--form", "form_id", metavar="FORM", help="The form expected (referral, request, or a form's id).")
@json_option
@pass_workspace
@click.pass_context
def validate(ctx: click.Context, ws, files: tuple[Path, ...], case_ref: str | None, form_id: str | None,
             as_json: bool) -> None:
    """Check returned forms (PDF or Word): OK, or each problem with the section and box as printed.

    FILES are forms, or folders of them (every file in the folder is checked); one file that cannot be
    read never stops the others. An email (.eml, .msg, mbox) is read by `lifkit collect`, not here.
    Exit status 0 when every form is valid, 1 when any has problems, 2 when any file cannot be read at
    all (empty, damaged, password-protected, flattened or printed to PDF, not a lifkit form).

    \b
    Examples:
      lifkit validate IAS-RR-2026-004-POL.pdf
      lifkit validate --case RR-2026-004 returns/*.pdf returns/*.docx --json
      lifkit validate saved-forms/
    """
    from lifkit.documents.formdef import load_form
    from lifkit.documents.validate import form_files, iter_validate_files

    forms = {"referral": ws.process.referral_form, "request": ws.process.request_form}
    form_id = forms.get((form_id or "").lower(), form_id)
    if form_id:
        load_form(form_id, ws.root)  # an unknown form is a bad argument, named before any file is read
    expected = form_id or (ws.process.request_form if case_ref else None)
    # Each result is printed as soon as its file is read and then let go, so that checking 600 files
    # takes no more memory than checking 6. The lines themselves show progress on a terminal; the bar
    # (on stderr) is for when they go elsewhere.
    count = unreadable = invalid = 0
    files = form_files(list(files))
    with progress(0 if sys.stdout.isatty() else len(files), "Checking") as step:
        for outcome in iter_validate_files(ws, files, case_ref, expected, progress=step):
            if as_json:
                _print_json_item(outcome.to_dict(), first=count == 0)
            else:
                _print_outcome(outcome)
            count += 1
            unreadable += outcome.unreadable is not None
            invalid += outcome.validation is not None and not outcome.validation.valid
    if as_json:
        click.echo("\n]" if count else "[]")
    elif count > 1:
        valid = count - unreadable - invalid
        click.echo(f"{plural(count, 'file')}: {valid} valid, {invalid} with problems, {unreadable} unreadable.")
    if unreadable:
        ctx.exit(int(ExitStatus.BAD_INPUT))
    if invalid:
        ctx.exit(int(ExitStatus.ATTENTION))


def _print_json_item(item: dict, first: bool) -> None:
    """One item of the JSON list, printed as ``print_json`` prints the whole list (2-space indent)."""
    import json

    text = json.dumps(to_jsonable(item), indent=2, ensure_ascii=False)
    click.echo(("[\n" if first else ",\n") + "\n".join("  " + line for line in text.splitlines()), nl=False)


def _print_outcome(outcome) -> None:
    if outcome.unreadable is not None:
        click.echo(f"UNREADABLE  {outcome.unreadable.message}")
        if outcome.unreadable.hint:
            click.echo(f"    {outcome.unreadable.hint}")
        return
    v = outcome.validation
    about = ", ".join(part for part in (f"{v.form_id} version {v.version}", v.case_ref and f"case {v.case_ref}",
                                        v.agency and f"agency {v.agency}") if part)
    if v.valid:
        click.echo(f"OK          {v.path.name} ({about})")
        return
    click.echo(f"PROBLEMS    {v.path.name} ({about}): {plural(len(v.problems), 'problem')}")
    for problem in v.problems:
        click.echo(f"    - {problem}")
