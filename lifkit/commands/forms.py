"""``lifkit form``: make a blank referral form, or a request pre-filled for a case and agency; ``lifkit form
copy`` puts a form's definition and rules into the workspace to edit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .common import PathType, json_option, pass_workspace, print_json

if TYPE_CHECKING:
    from pathlib import Path


class _FormGroup(click.Group):
    """``lifkit form FORM ...`` makes a form (the ``make`` command), as before ``form`` was a group; ``lifkit
    form copy ...`` and ``lifkit form make ...`` are its commands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["make", *args]
        return super().parse_args(ctx, args)


@click.group("form", cls=_FormGroup)
def form() -> None:
    """Make a fillable form (PDF or Word), or copy one into the workspace to make it the board's own.

    `lifkit form FORM` is `lifkit form make FORM`. A workspace's own forms (forms/<id>.yaml, their rules in
    schemas/<id>.yaml) are used before lifkit's; `lifkit config check` checks them.

    \b
    Examples:
      lifkit form referral --format both
      lifkit form request --case RR-2026-001 --agency POL -o outbox/
      lifkit form copy referral --as sar1
    """


@form.command("make")
@click.argument("form_id", metavar="referral|request|FORM")
@click.option("--case", "case_ref", metavar="REF", help="The case the form is for (the request: pre-fills it).")
@click.option("--agency", metavar="CODE", help="The member agency the form is for (the request, with --case).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx", "both"]), default="pdf", show_default=True,
              help="PDF (fillable in Acrobat Reader, Edge, Chrome, Preview), Word, or both.")
@click.option("-o", "--output", type=PathType(), metavar="PATH",
              help="The file to write, or a folder (default: this folder, named after form, case and agency).")
@json_option
@pass_workspace
def make(ws, form_id: str, case_ref: str | None, agency: str | None, fmt: str, output: Path | None,
         as_json: bool) -> None:
    """Make a fillable form as PDF and/or Word.

    FORM is `referral` or `request` (the workspace's process's two forms), or the id of any other form:
    one of lifkit's, or the workspace's own in its forms/ folder. A
    referral is blank but for the board's return address; a form sent to an agency is pre-filled,
    read-only, for one case and one agency. Every form carries hidden metadata (form, version, case,
    agency and an integrity token) that lifkit checks when it comes back.

    \b
    Examples:
      lifkit form referral --format both
      lifkit form request --case RR-2026-001 --agency POL -o outbox/
      lifkit form make referral
    """
    from lifkit.steps.exchange import make_form

    result = make_form(ws, form_id, case_ref, agency, fmt, output)
    if as_json:
        print_json(result)
        return
    for path in result.files:
        click.echo(str(path))


@form.command("copy")
@click.argument("form_id", metavar="referral|request|FORM")
@click.option("--as", "new_id", metavar="ID", help="Make the copy a new form with this id (e.g. sar1), to name in "
              "process.yaml's forms.")
@json_option
@pass_workspace
def copy(ws, form_id: str, new_id: str | None, as_json: bool) -> None:
    """Copy a form's definition and rules into the workspace (forms/ and schemas/) to edit.

    lifkit uses the workspace's own form before its own of the same id. Edit the sections, boxes and
    words, keep its `roles` naming the boxes that hold the subject's details, and check it with
    `lifkit config check`. Nothing is ever replaced.

    \b
    Examples:
      lifkit form copy referral
      lifkit form copy referral --as own1
    """
    from lifkit.steps.init import copy_form

    result = copy_form(ws, form_id, new_id)
    if as_json:
        print_json(result)
        return
    for path in result.files:
        click.echo(str(path))
    click.echo(f"Next: edit them, name {result.what.lower()} in process.yaml's forms if it is new "
               "(lifkit process copy), then run: lifkit config check")
