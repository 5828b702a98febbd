"""``lifkit form``: make a blank referral form, or a request pre-filled for a case and agency."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .common import PathType, json_option, pass_workspace, print_json

if TYPE_CHECKING:
    from pathlib import Path


@click.command("form")
@click.argument("form_id", metavar="referral|request|FORM")
@click.option("--case", "case_ref", metavar="REF", help="The case the form is for (the request: pre-fills it).")
@click.option("--agency", metavar="CODE", help="The member agency the form is for (the request, with --case).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx", "both"]), default="pdf", show_default=True,
              help="PDF (fillable in Acrobat Reader, Edge, Chrome, Preview), Word, or both.")
@click.option("-o", "--output", type=PathType(), metavar="PATH",
              help="The file to write, or a folder (default: this folder, named after form, case and agency).")
@json_option
@pass_workspace
def form(ws, form_id: str, case_ref: str | None, agency: str | None, fmt: str, output: Path | None,
         as_json: bool) -> None:
    """Make a fillable form as PDF and/or Word.

    FORM is `referral` or `request` (the workspace's process's two forms), or any form in lifkit's
    forms/ folder: cigscr1 and ciginf1 (lscb-2016), sir and ias (rapid-review-2023). A referral is
    blank but for the board's return address; a form sent to an agency is pre-filled, read-only, for
    one case and one agency. Every form carries hidden metadata (form, version, case, agency and an
    integrity token) that lifkit checks when it comes back.

    \b
    Examples:
      lifkit form referral --format both
      lifkit form request --case CIEC-2026-001 --agency POL -o outbox/
      lifkit form ias --case RR-2026-001 --agency POL
    """
    from lifkit.steps.exchange import make_form

    result = make_form(ws, form_id, case_ref, agency, fmt, output)
    if as_json:
        print_json(result)
        return
    for path in result.files:
        click.echo(str(path))
