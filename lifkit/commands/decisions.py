"""After the meeting: ``decide``, ``notified``, ``overdue`` and ``report``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..errors import ExitStatus
from .common import (PathType, DATE, allow_names_option, json_option, pass_workspace, plural, print_json, print_table,
                     show_date, warn)

if TYPE_CHECKING:
    from pathlib import Path

OPTIONS_HELP = "one of the process's options (lifkit processes --show lists them)"


def _finish(ctx, outcome, as_json: bool, what: str) -> None:
    if as_json:
        print_json(outcome)
    else:
        click.echo(f"{outcome.reference}: {what}")
        click.echo(f"  case summary: {outcome.summary}")
        for notice in outcome.notices:
            click.echo(f"  notice draft: {notice.name}")
        for note in getattr(outcome, "notes", []):
            click.echo(f"  note: {note}")
    warned = [warn(w) for w in getattr(outcome, "warnings", [])]
    if warn(outcome.register_warning) or any(warned):
        ctx.exit(int(ExitStatus.ATTENTION))


@click.command("decide")
@click.argument("reference", metavar="REF")
@click.option("--recommend", "recommendation", metavar="OPTION",
              help=f"The committee's (or review panel's) recommendation: {OPTIONS_HELP}.")
@click.option("--ciec", "ciec", metavar="OPTION", hidden=True, help="The same as --recommend (lscb-2016's word).")
@click.option("--further-info", is_flag=True, help="The committee asks for further information (give --next-meeting).")
@click.option("--next-meeting", type=DATE, help="With --further-info: the meeting the case goes back to.")
@click.option("--chair", "response", metavar="RESPONSE",
              help="Where one chair decides: the chair's response to the recommendation (e.g. affirmed, challenged).")
@click.option("--decision", metavar="OPTION", help=f"With --chair: the decision, {OPTIONS_HELP}.")
@click.option("--sign", "partner", metavar="PARTNER", help="Where partners sign off: the partner signing (e.g. LA, "
              "ICB, POL); the decision stands when every partner has signed.")
@click.option("--signer", default="", metavar="NAME", help="With --sign: who signed for the partner.")
@click.option("--decline", metavar="REASON", help="With --sign: the partner does not sign, and why (exit status 1: "
              "the recommendation is then amended, or the partner signs later).")
@click.option("--not-met", "not_met", metavar="REASON", help="Close the case without the process's decision, e.g. a "
              "notification that does not meet the criteria, saying why (where the process has a close).")
@click.option("--rationale", metavar="TEXT", help="The reasons, as recorded (needed except with --sign).")
@click.option("--learning", default="", metavar="TEXT", help="With --recommend, for an option that needs it: how the "
              "learning will be taken forward.")
@click.option("--national-review", is_flag=True, help="With --recommend: the case may need a national review.")
@click.option("--meeting", type=DATE, help="The meeting (default: the case's meeting date).")
@click.option("--criterion", "criteria", multiple=True, metavar="C=VIEW",
              help="With --recommend (the panel's) or --sign (the partner's): the view of a criterion of the process, "
              "e.g. a=met, b_i=not-met (repeat).")
@click.option("--reviewer", "reviewers", multiple=True, metavar="NAME", help="With --chair: a reviewer appointed (repeat).")
@click.option("--relationship", default="", metavar="TEXT", help="With --chair or --sign: the subject's relationship to "
              "the alleged perpetrator, for the anonymised notice (no names).")
@click.option("--criminal-investigation", type=click.Choice(["yes", "no", "unknown"]), default="unknown",
              show_default=True, help="With --chair or --sign: whether there is a criminal investigation.")
@click.option("--reason-not-met", metavar="TEXT", help="With --chair and no review: why the criteria are not met "
              "(default: the rationale).")
@click.option("--amend", metavar="REASON", help="Change a recommendation or decision already recorded; the reason "
              "is recorded beside the original.")
@allow_names_option
@json_option
@pass_workspace
@click.pass_context
def decide(ctx, ws, reference, recommendation, ciec, further_info, next_meeting, response, decision, partner, signer,
           decline, not_met, rationale, learning, national_review, meeting, criteria, reviewers, relationship,
           criminal_investigation, reason_not_met, amend, allow_names, as_json) -> None:
    """Record a recommendation, a request for further information, a chair's decision or a partner's sign-off.

    Each updates the case's register row, adds a row to the Decisions sheet, goes in the journal and
    makes the case summary again. When the decision stands (the chair decides, or the last partner
    signs) the notices the process names are drafted.

    Typed text (a rationale, the learning, a reason) that holds a name, date of birth or address of a
    person in the case is recorded with a warning (exit status 1): it appears on the register, in the
    case summary and in the journal; write the case reference or a pseudonym. --allow-names records
    it without the warning (the anonymised notices leave such details out either way).

    \b
    Examples:
      lifkit decide RR-2026-001 --recommend "No LCSPR" --learning "A learning event" --rationale "..."
      lifkit decide RR-2026-001 --further-info --next-meeting 08/01/2027 --rationale "Awaiting the post-mortem"
      lifkit decide RR-2026-001 --sign ICB --signer "A. Partner"
      lifkit decide RR-2026-001 --sign POL --decline "We think a local review is needed"
      lifkit decide RR-2026-003 --not-met "No abuse or neglect is known or suspected"
      lifkit decide REF --chair affirmed --decision OPTION --rationale "..."   (where one chair decides)
    """
    from lifkit.steps import decisions

    from ..errors import InputError

    recommendation = recommendation or ciec
    modes = [m for m, on in (("--recommend", recommendation), ("--further-info", further_info), ("--chair", response),
                             ("--sign", partner), ("--not-met", not_met is not None)) if on]
    if len(modes) != 1:
        raise InputError("Give exactly one of --recommend, --further-info, --chair, --sign or --not-met.",
                         "See the examples in: lifkit decide --help")
    if not_met is not None:
        outcome = decisions.close_case(ws, reference, not_met, amend, allow_names=allow_names)
        _finish(ctx, outcome, as_json, f"closed: {outcome.event['outcome']}")
        return
    if not partner and not (rationale or "").strip():
        raise InputError(f"{modes[0]} needs --rationale TEXT.", "Give the reasons, as recorded.")
    process = ws.process
    parsed = {}
    for item in criteria:
        key, sep, view = item.partition("=")
        if not sep:
            raise InputError(f"--criterion {item!r} has no '='.", "Write it as a=met, b_i=not-met or b_ii=unclear.")
        parsed[key] = view
    if recommendation:
        outcome = decisions.recommend(ws, reference, recommendation, rationale, meeting, parsed, amend, learning,
                                      {"national_review": True} if national_review else None,
                                      allow_names=allow_names)
        _finish(ctx, outcome, as_json, f"{process.recommendation.title} recorded: {outcome.event['recommendation']}")
    elif further_info:
        if next_meeting is None:
            raise InputError("--further-info needs --next-meeting DATE.", "Give the meeting the case goes back to.")
        outcome = decisions.further_information(ws, reference, rationale, next_meeting, meeting,
                                                allow_names=allow_names)
        _finish(ctx, outcome, as_json, f"further information asked for; on the agenda of {show_date(next_meeting)}")
    elif partner:
        outcome = decisions.sign_off(ws, reference, partner, signer, decline, relationship, criminal_investigation,
                                     parsed, allow_names=allow_names)
        who = process.decision.partner(partner)
        _finish(ctx, outcome, as_json, f"{who.name} ({who.code}) " + ("declined to sign" if decline else "signed off"))
    else:
        if not decision:
            raise InputError("--chair needs --decision.", "Give the decision: " + "; ".join(process.option_names) + ".")
        outcome = decisions.chair_decide(ws, reference, response, decision, rationale, list(reviewers), amend,
                                         relationship, criminal_investigation, reason_not_met,
                                         allow_names=allow_names)
        _finish(ctx, outcome, as_json, f"{process.decision.by} {response}: {outcome.event['decision']}")


@click.command("summary")
@click.argument("reference", metavar="REF")
@click.option("--use", "use", metavar="VERSION", help="Make this version of the summary the current one (e.g. v2): "
              "the one the partners sign and the Panel's copy is made from.")
@json_option
@pass_workspace
@click.pass_context
def summary(ctx, ws, reference: str, use: str | None, as_json: bool) -> None:
    """Bring the case's summary up to date and list its versions: which is current, which a person edited,
    which the partners signed, and the Panel's copy.

    lifkit never overwrites a summary a person edited in Word: its next draft goes beside it (-v2, -v3...),
    and the edited one stays current until you choose another with --use. This also finishes a step that
    stopped before its documents were written.

    \b
    Examples:
      lifkit summary RR-2026-001
      lifkit summary RR-2026-001 --use v2
    """
    from lifkit.steps.decisions import bring_summary_up_to_date

    found = bring_summary_up_to_date(ws, reference, use)
    if as_json:
        print_json(found)
        return
    click.echo(f"{found.reference}: summary versions")
    print_table(["Version", "File", "Current", "Edited by a person", "Signed by"], [
        (v.label, v.file.name, "CURRENT" if v.current else "", "yes" if v.edited else "",
         ", ".join(v.signed_by)) for v in found.versions])
    if found.message:
        click.echo(f"  note: {found.message}")
    for notice in found.notices:
        click.echo(f"  notice draft: {notice.name}")
    for copy in found.panel_copy:
        click.echo(f"  the Panel's copy: {copy.name}")


@click.command("contact")
@click.argument("reference", metavar="REF")
@click.argument("name", metavar="NAME")
@click.option("--email", required=True, metavar="ADDRESS", help="Where the notices addressed to this contact go.")
@click.option("--name", "person", default="", metavar="TEXT", help="Who they are (kept in the case folder only).")
@click.option("--consent", type=DATE, help="The date they agreed to be written to.")
@json_option
@pass_workspace
def contact(ws, reference: str, name: str, email: str, person: str, consent, as_json: bool) -> None:
    """Set who a case's notices addressed to contact NAME go to: the family, or their representative.

    A process's notice names such a contact with `address: contact:NAME`. The address (and the name and
    consent date) are kept in the case's case.yaml; the journal records only that it was set.

    \b
    Example:
      lifkit contact RR-2026-004 family --email parent@example.net --consent 04/11/2026
    """
    from lifkit.steps.contacts import set_contact

    result = set_contact(ws, reference, name, email, person, consent)
    if as_json:
        print_json(result)
        return
    word = "set" if result.changed else "already set so; nothing changed"
    click.echo(f"{result.reference}: contact {result.contact.key} {word}"
               + (f" (consent {show_date(result.contact.consent)})" if result.contact.consent else ""))
    if result.used_by:
        click.echo(f"  used by the notice{'s' if len(result.used_by) != 1 else ''}: {', '.join(result.used_by)}")
    else:
        click.echo(f"  no notice of the process is addressed to contact:{result.contact.key} yet")


@click.command("notified")
@click.argument("reference", metavar="REF")
@click.argument("notice", metavar="NOTICE")
@click.option("--on", "on", type=DATE, help="The date the notice was sent (default: today).")
@click.option("--amend", metavar="REASON", help="Correct the date of a notice already recorded, saying why (the "
              "original is kept beside it).")
@allow_names_option
@json_option
@pass_workspace
@click.pass_context
def notified(ctx, ws, reference: str, notice: str, on, amend: str | None, allow_names: bool, as_json: bool) -> None:
    """Record that a notice was sent (NOTICE: one the process names; `lifkit processes --show NAME` lists them).

    A date in the future, or before the event the notice follows (the decision; for a notice due from the
    start of the case, the day the board was notified or the local authority became aware), is refused
    (exit status 2). A different date for a notice already recorded needs --amend "the reason".

    \b
    Examples:
      lifkit notified RR-2026-001 notification --on 03/12/2026
      lifkit notified RR-2026-001 notification --on 02/12/2026 --amend "the email went a day earlier"
    """
    from lifkit.steps.decisions import record_notified

    import datetime as dt

    outcome = record_notified(ws, reference, notice, on, amend, allow_names=allow_names)
    sent = dt.date.fromisoformat(str(outcome.event["on"]))
    _finish(ctx, outcome, as_json, f"{ws.process.notice(notice).label}: sent on {show_date(sent)}")


@click.command("reply")
@click.argument("reference", metavar="REF")
@click.argument("notice", metavar="NOTICE")
@click.option("--on", "on", type=DATE, required=True, help="The date of the reply.")
@click.option("--agreed/--not-agreed", required=True, help="Whether the reply agrees with the decision.")
@click.option("--note", default="", metavar="TEXT", help="What the reply says, briefly (no names).")
@allow_names_option
@json_option
@pass_workspace
@click.pass_context
def reply(ctx, ws, reference: str, notice: str, on, agreed: bool, note: str, allow_names: bool, as_json: bool) -> None:
    """Record the reply to a notice that expects one (the process names which do, and what the reply is called).

    \b
    Example:
      lifkit reply RR-2026-001 rapid-review --on 14/01/2027 --agreed
    """
    from lifkit.steps.decisions import record_reply

    outcome = record_reply(ws, reference, notice, on, agreed, note, allow_names=allow_names)
    definition = ws.process.notice(notice)
    _finish(ctx, outcome, as_json, f"{definition.label}: the {definition.reply} of {show_date(on)} recorded, "
                                   + ("agreed" if agreed else "not agreed"))


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
            return f"LATE by {plural(-item.days, 'day')}" if item.days < 0 else (
                "due today" if item.days == 0 else f"due in {plural(item.days, 'day')}")
        print_table(["Case", "What", "Due", "When"], [(i.reference, i.what, show_date(i.due), when(i)) for i in items])
        late = sum(1 for i in items if i.late)
        click.echo(f"{plural(len(items), 'item')}, {late} late.")
    if any(i.late for i in items):
        ctx.exit(int(ExitStatus.ATTENTION))


@click.command("report")
@click.option("--year", type=int, required=True,
              help="The year of notification (a process's reporting year may start in another month than January, "
                   "e.g. April: then 2026 is April 2026 to March 2027).")
@click.option("-o", "--output", type=PathType(dir_okay=False), metavar="FILE.xlsx",
              help="Also write the figures as a workbook with charts.")
@json_option
@pass_workspace
def report(ws, year: int, output: Path | None, as_json: bool) -> None:
    """The year's figures: cases referred, by agency, route, recommendation and decision, and timeliness.

    \b
    Examples:
      lifkit report --year 2026
      lifkit report --year 2026 -o report-2026.xlsx
    """
    from lifkit.steps.decisions import year_report

    figures = year_report(ws, year, output)
    if as_json:
        print_json({**figures.__dict__, "median_days": figures.median_days,
                    "median_months_to_publication": figures.median_months_to_publication,
                    "share_within_one_month": figures.share_within_one_month})
        return
    share = figures.share_within_one_month
    deadline = ws.process.deadline(ws.process.decision.deadline)
    within = (deadline.met_column[:1].lower() + deadline.met_column[1:]) if deadline.met_column else "by the due date"
    print_table(["Figure", figures.name or str(year)], [
        ("Cases referred", figures.cases), ("Decided", figures.decided),
        *([(f"{ws.process.decision.by} {ws.process.decision.responses[-1]}", figures.challenged)]
          if ws.process.decision.mode == "chair" else []),
        (figures.median_label, "-" if figures.median_days is None else f"{figures.median_days:g}"),
        (f"Decided {within}", "-" if share is None else f"{figures.within_one_month} ({share:.0%})"),
        *([(f"{_capital(ws.process.term('review'))}s in progress", figures.reviews_in_progress),
           ("Months, decision to publication", "-" if figures.median_months_to_publication is None
            else f"{figures.median_months_to_publication:g} (median of {len(figures.months_to_publication)})"),
           ("Publication deferred", figures.deferred)] if ws.process.review else []),
    ])
    for title, data in (("Referring agency", figures.by_agency), *((("Route", figures.by_route),) if figures.routes
                                                                  else ()),
                        ("Recommendation", figures.by_recommendation), ("Decision", figures.by_decision)):
        click.echo()
        print_table([title, "Cases"], sorted(data.items(), key=lambda kv: (-kv[1], kv[0])))
    if figures.workbook:
        click.echo(f"\nWorkbook: {figures.workbook}")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
