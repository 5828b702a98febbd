"""After the meeting: ``decide``, ``notified``, ``overdue`` and ``report``."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ExitStatus
from .common import DATE, json_option, pass_workspace, plural, print_json, print_table, show_date, warn

RECOMMENDATION_HELP = "SCR, Critical Case Review, MA Concise Review, Individual Agency Review or Review not initiated"


def _finish(ctx, outcome, as_json: bool, what: str) -> None:
    if as_json:
        print_json(outcome)
    else:
        click.echo(f"{outcome.reference}: {what}")
        click.echo(f"  case summary: {outcome.summary}")
        for notice in outcome.notices:
            click.echo(f"  notice draft: {notice.name}")
    if warn(outcome.register_warning):
        ctx.exit(int(ExitStatus.ATTENTION))


@click.command("decide")
@click.argument("reference", metavar="REF")
@click.option("--ciec", "recommendation", metavar="RECOMMENDATION", help=f"The CIEC's recommendation: {RECOMMENDATION_HELP}.")
@click.option("--further-info", is_flag=True, help="The CIEC asks for further information (give --next-meeting).")
@click.option("--next-meeting", type=DATE, help="With --further-info: the meeting the case goes back to.")
@click.option("--chair", "response", type=click.Choice(["affirmed", "challenged"]),
              help="The LSCB Independent Chair's response to the CIEC's recommendation.")
@click.option("--decision", metavar="DECISION", help=f"With --chair: the decision ({RECOMMENDATION_HELP}).")
@click.option("--rationale", metavar="TEXT", required=True, help="The reasons, as recorded.")
@click.option("--meeting", type=DATE, help="The CIEC meeting (default: the case's meeting date).")
@click.option("--criterion", "criteria", multiple=True, metavar="C=VIEW",
              help="With --ciec: the CIEC's view of a criterion, e.g. a=met, b_i=not-met, b_ii=unclear, custody=..., "
                   "looked_after=... (repeat).")
@click.option("--reviewer", "reviewers", multiple=True, metavar="NAME", help="With --chair: a reviewer appointed (repeat).")
@click.option("--relationship", default="", metavar="TEXT", help="With --chair: the child's relationship to the "
              "alleged perpetrator, for the National Panel notice (no names).")
@click.option("--criminal-investigation", type=click.Choice(["yes", "no", "unknown"]), default="unknown",
              show_default=True, help="With --chair: whether there is a criminal investigation.")
@click.option("--reason-not-met", metavar="TEXT", help="With --chair and no SCR: why the criteria are not met "
              "(default: the rationale).")
@click.option("--amend", metavar="REASON", help="Change a recommendation or decision already recorded; the reason "
              "is recorded beside the original.")
@json_option
@pass_workspace
@click.pass_context
def decide(ctx, ws, reference, recommendation, further_info, next_meeting, response, decision, rationale, meeting,
           criteria, reviewers, relationship, criminal_investigation, reason_not_met, amend, as_json) -> None:
    """Record the CIEC's recommendation, a request for further information, or the Chair's decision.

    Each updates the case's register row, adds a row to the Decisions sheet, goes in the journal and
    makes the case summary (CIGSUM1) again. The Chair's decision also drafts the notices to the
    referrer, Ofsted and the National Panel.

    \b
    Examples:
      lifkit decide CIEC-2026-004 --ciec "MA Concise Review" --rationale "..." --criterion a=met
      lifkit decide CIEC-2026-004 --further-info --next-meeting 08/01/2027 --rationale "Awaiting the post-mortem"
      lifkit decide CIEC-2026-004 --chair affirmed --decision "MA Concise Review" --rationale "..."
      lifkit decide CIEC-2026-004 --chair challenged --decision SCR --reviewer "A. Reviewer" --rationale "..."
    """
    from lifkit.steps import decisions
    from ..errors import InputError

    modes = [m for m, on in (("--ciec", recommendation), ("--further-info", further_info), ("--chair", response)) if on]
    if len(modes) != 1:
        raise InputError("Give exactly one of --ciec, --further-info or --chair.",
                         "See the examples in: lifkit decide --help")
    if recommendation:
        parsed = {}
        for item in criteria:
            key, sep, view = item.partition("=")
            if not sep:
                raise InputError(f"--criterion {item!r} has no '='.", "Write it as a=met, b_i=not-met or b_ii=unclear.")
            parsed[key] = view
        outcome = decisions.recommend(ws, reference, recommendation, rationale, meeting, parsed, amend)
        _finish(ctx, outcome, as_json, f"CIEC recommendation recorded: {outcome.event['recommendation']}")
    elif further_info:
        if next_meeting is None:
            raise InputError("--further-info needs --next-meeting DATE.", "Give the meeting the case goes back to.")
        outcome = decisions.further_information(ws, reference, rationale, next_meeting, meeting)
        _finish(ctx, outcome, as_json, f"further information asked for; on the agenda of {show_date(next_meeting)}")
    else:
        if not decision:
            raise InputError("--chair needs --decision.", f"Give the decision: {RECOMMENDATION_HELP}.")
        outcome = decisions.chair_decide(ws, reference, response, decision, rationale, list(reviewers), amend,
                                         relationship, criminal_investigation, reason_not_met)
        _finish(ctx, outcome, as_json, f"Independent Chair {response}: {outcome.event['decision']}")


@click.command("notified")
@click.argument("reference", metavar="REF")
@click.argument("notice", type=click.Choice(["ofsted", "panel", "referrer"]))
@click.option("--on", "on", type=DATE, required=True, help="The date the notice was sent.")
@json_option
@pass_workspace
@click.pass_context
def notified(ctx, ws, reference: str, notice: str, on, as_json: bool) -> None:
    """Record that Ofsted, the National Panel or the referrer was told of the decision.

    \b
    Example:
      lifkit notified CIEC-2026-004 ofsted --on 03/12/2026
    """
    from lifkit.steps.decisions import record_notified

    outcome = record_notified(ws, reference, notice, on)
    _finish(ctx, outcome, as_json, f"{notice} notified on {show_date(on)}")


@click.command("overdue")
@json_option
@pass_workspace
@click.pass_context
def overdue(ctx, ws, as_json: bool) -> None:
    """What is due soon or late across all cases: decisions, notices, returns.

    Exit status 1 when anything is late, so it can run from a scheduled task.
    LIFKIT_TODAY=yyyy-mm-dd checks as of another day.

    \b
    Examples:
      lifkit overdue
      lifkit overdue --json
    """
    from lifkit.steps.decisions import overdue as find_overdue

    items = find_overdue(ws)
    if as_json:
        print_json(items)
    elif not items:
        click.echo("Nothing due within 7 days and nothing late.")
    else:
        def when(item) -> str:
            if item.days is None:
                return ""
            return f"LATE by {-item.days} days" if item.days < 0 else ("due today" if item.days == 0 else
                                                                      f"due in {item.days} days")
        print_table(["Case", "What", "Due", "When"], [(i.reference, i.what, show_date(i.due), when(i)) for i in items])
        late = sum(1 for i in items if i.late)
        click.echo(f"{plural(len(items), 'item')}, {late} late.")
    if any(i.late for i in items):
        ctx.exit(int(ExitStatus.ATTENTION))


@click.command("report")
@click.option("--year", type=int, required=True, help="The year of notification.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.xlsx",
              help="Also write the figures as a workbook with charts.")
@json_option
@pass_workspace
def report(ws, year: int, output: Path | None, as_json: bool) -> None:
    """The year's figures: cases referred, by agency, route, recommendation and decision, and timeliness.

    \b
    Examples:
      lifkit report --year 2026
      lifkit report --year 2026 -o ciec-2026.xlsx
    """
    from lifkit.steps.decisions import year_report

    figures = year_report(ws, year, output)
    if as_json:
        print_json({**figures.__dict__, "median_days": figures.median_days,
                    "share_within_one_month": figures.share_within_one_month})
        return
    share = figures.share_within_one_month
    print_table(["Figure", str(year)], [
        ("Cases referred", figures.cases), ("Decided", figures.decided),
        ("Chair challenged the CIEC", figures.challenged),
        ("Median days, notification to decision", "-" if figures.median_days is None else f"{figures.median_days:g}"),
        ("Decided within one month", "-" if share is None else f"{figures.within_one_month} ({share:.0%})"),
    ])
    for title, data in (("Referring agency", figures.by_agency), ("Route", figures.by_route),
                        ("Recommendation", figures.by_recommendation), ("Decision", figures.by_decision)):
        click.echo()
        print_table([title, "Cases"], sorted(data.items(), key=lambda kv: (-kv[1], kv[0])))
    if figures.workbook:
        click.echo(f"\nWorkbook: {figures.workbook}")
