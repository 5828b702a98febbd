"""``lifkit actions``: a review's action plan, the agencies' updates, and the review meeting's pack."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..errors import ExitStatus
from .common import (PathType, DATE, allow_names_option, json_option, pass_workspace, plural, print_json, print_table,
                     show_date, warn)

if TYPE_CHECKING:
    from pathlib import Path


@click.group("actions")
def actions() -> None:
    """After a decision to review: the review's action plan, the agencies' updates on their actions,
    and the pack for the meeting that reviews the action plans.

    \b
    Examples:
      lifkit actions import RR-2026-001 plan.xlsx     record the review's actions
      lifkit actions request                            an update form to every agency with open actions
      lifkit collect RR-2026-001 saved-mail/*.eml     file the returned updates
      lifkit actions pack --meeting 10/06/2027          the pack for the review meeting
    """


def _print_added(ctx, result, as_json: bool) -> None:
    if as_json:
        print_json(result)
    else:
        _print_table(result)
    warned = [warn(w) for w in result.warnings]
    if warn(result.register_warning) or any(warned):
        ctx.exit(int(ExitStatus.ATTENTION))


def _print_table(result) -> None:
    print_table(["Action", "Rec.", "Agency", "Due", "Action text"],
                [[a.id, a.recommendation, a.agency, show_date(a.due), _short(a.text)] for a in result.actions])
    click.echo(f"{plural(len(result.actions), 'action')} recorded for {result.reference} (event {result.event[:8]}).")
    if result.skipped:
        click.echo(f"Skipped {plural(len(result.skipped), 'row')} already recorded (the same recommendation, action "
                   "and agency):")
        for line in result.skipped:
            click.echo(f"  {line}")


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


@actions.command("add")
@click.argument("reference", metavar="REF")
@click.option("--recommendation", "number", required=True, metavar="N", help="The number of the review's "
              "recommendation the action comes under.")
@click.option("--recommendation-text", default="", metavar="TEXT", help="The recommendation's words (once per "
              "recommendation is enough).")
@click.option("--action", "text", required=True, metavar="TEXT", help="What is to be done.")
@click.option("--agency", required=True, metavar="CODE", help="The member agency responsible (its code).")
@click.option("--lead", required=True, metavar="NAME", help="The lead for the action in that agency.")
@click.option("--due", required=True, metavar="DATE", help="When it is due (not before the decision).")
@click.option("--measure", required=True, metavar="TEXT", help="The measure of impact that will show it worked.")
@allow_names_option
@json_option
@pass_workspace
@click.pass_context
def add(ctx, ws, reference: str, number: str, recommendation_text: str, text: str, agency: str, lead: str, due: str,
        measure: str, allow_names: bool, as_json: bool) -> None:
    """Record one action of case REF's review (a decision whose review has an action plan). It gets a
    stable id (A1, A2...); its row goes on the register's Actions sheet.

    Every problem (an agency that is not a member, a due date before the decision, a box left empty) is
    listed and nothing is recorded (exit status 2). Words that hold a name, date of birth or address of a
    person in the case are recorded with a warning (exit status 1); --allow-names records them without it.

    \b
    Examples:
      lifkit actions add RR-2026-001 --recommendation 1 --recommendation-text "Bruising protocol" \\
        --action "Audit use of the bruising protocol" --agency COMM --lead "Named Nurse" \\
        --due 31/03/2027 --measure "90% of cases audited follow the protocol"
    """
    from lifkit.steps.actions import add_action

    _print_added(ctx, add_action(ws, reference, number, text, agency, lead, due, measure, recommendation_text,
                                 allow_names=allow_names), as_json)


@actions.command("import")
@click.argument("reference", metavar="REF")
@click.argument("file", type=PathType(dir_okay=False))
@allow_names_option
@json_option
@pass_workspace
@click.pass_context
def import_(ctx, ws, reference: str, file: Path, allow_names: bool, as_json: bool) -> None:
    """Record every action in FILE (a workbook .xlsx or a CSV file) for case REF's review.

    FILE has a header row with the headings Recommendation, Recommendation text, Action, Agency, Lead,
    Due and Measure of impact, and one row per action; the workspace's action-plan-template.xlsx is one
    to fill in. Every bad row is reported by row and column and nothing is recorded until all are good
    (exit status 2). A row already recorded (the same recommendation, action and agency) is skipped and
    said so; a plan whose every row is recorded is refused as already imported (exit status 2). A row
    whose words hold a name, date of birth or address of a person in the case is recorded with a
    warning (exit status 1); --allow-names records it without.

    \b
    Examples:
      lifkit actions import RR-2026-001 action-plan.xlsx
      lifkit actions import RR-2026-001 action-plan.csv --json
    """
    from lifkit.steps.actions import import_actions, import_template

    import_template(ws)
    _print_added(ctx, import_actions(ws, reference, file, allow_names=allow_names), as_json)


@actions.command("request")
@click.argument("reference", metavar="[REF]", required=False)
@click.option("--agency", "agencies", multiple=True, metavar="CODE", help="Only this agency (repeatable).")
@json_option
@pass_workspace
def request(ws, reference: str | None, agencies: tuple[str, ...], as_json: bool) -> None:
    """Draft an action update form (AUPD, PDF or Word as the member prefers), pre-filled and read-only
    with the agency's own open actions, and an email, for every agency with open actions in case REF
    (or in every case). The drafts are in the case's outbox; returns are filed by `lifkit collect`.

    \b
    Examples:
      lifkit actions request
      lifkit actions request RR-2026-001 --agency COMM
    """
    from lifkit.steps.actions import request_updates

    result = request_updates(ws, reference, list(agencies) or None)
    if as_json:
        print_json(result)
        return
    if result.requests:
        print_table(["Case", "Agency", "Actions", "Reply by", "Draft"],
                    [[r.reference, r.agency, ", ".join(r.actions), show_date(r.return_by), r.draft.name]
                     for r in result.requests])
    for line in result.skipped:
        click.echo(line)
    click.echo(f"{plural(len(result.requests), 'update request')} drafted.")


@actions.command("pack")
@click.option("--meeting", type=DATE, required=True, help="The date of the meeting that reviews the action plans.")
@click.option("--password-file", type=PathType(dir_okay=False, allow_dash=True), metavar="FILE",
              help="Encrypt the pack (AES-256) with the password on the first line of FILE ('-' reads it from "
                   "standard input).")
@click.option("--password-env", metavar="VAR", help="Encrypt the pack (AES-256) with the password held in the "
              "environment variable VAR.")
@click.option("--date", "built", type=DATE, help="The build date printed in the pack (default: SOURCE_DATE_EPOCH "
              "if set, else today).")
@click.option("-o", "--output", type=PathType(), metavar="PATH",
              help="The file to write, or a folder (default: the workspace's packs/ folder).")
@json_option
@pass_workspace
@click.pass_context
def pack(ctx, ws, meeting, password_file: Path | None, password_env: str | None, built, output: Path | None,
         as_json: bool) -> None:
    """Build the pack for the meeting that reviews the action plans: one PDF with every action of
    every review, by review and agency, open ones first and overdue ones marked, the latest evidence
    and impact in full, and the measures of impact collated per review.

    Every page is marked OFFICIAL-SENSITIVE with "page x of y"; the PDF has a bookmark for every review
    and agency. Exit status 1 when an action is overdue. A password is never shown, logged or written.

    \b
    Examples:
      lifkit actions pack --meeting 10/06/2027
      lifkit actions pack --meeting 10/06/2027 --password-file ~/pack-password.txt
    """
    from lifkit.steps.actions_pack import build_actions_pack
    from lifkit.steps.pack import read_password

    password = read_password(password_file, password_env)
    result = build_actions_pack(ws, meeting, built=built, password=password, output=output)
    if as_json:
        print_json(result)
    else:
        click.echo(f"Built {result.file}")
        click.echo(f"  {plural(result.pages, 'page')}, {plural(result.reviews, 'review')}, "
                   f"{plural(result.actions, 'action')} ({result.open} open, {result.overdue} overdue), "
                   + ("encrypted (AES-256)" if result.encrypted else "not encrypted"))
        click.echo(f"  SHA-256 {result.sha256}")
    if result.overdue:
        ctx.exit(int(ExitStatus.ATTENTION))
