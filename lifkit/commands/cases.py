"""The case exchange: ``referral open``, ``request``, ``collect``, ``status`` and ``chase``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..errors import ExitStatus
from .common import PathType, DATE, json_option, pass_workspace, plural, print_json, print_table, progress, show_date, warn

if TYPE_CHECKING:
    from pathlib import Path


@click.group()
def referral() -> None:
    """Open a case from a returned referral form (the process's referral form).

    \b
    Example:
      lifkit referral open referral-returned.pdf --notified 02/11/2026
    """


@referral.command("open")
@click.argument("file", type=PathType())
@click.option("--notified", type=DATE, help="The date the board or partnership was notified (or became aware) of the "
              "incident, as the process counts it, which starts the process's clocks. Default: the date the "
              "referral form gives, where it asks for one.")
@click.option("--new-case", is_flag=True, help="Open a new case even though this referral (or the same subject "
              "and incident) was opened before.")
@click.option("--accept-problems", is_flag=True, help="Open the case even though the form has problems "
              "(they are recorded with the case).")
@click.option("--subject-address", "--child-address", "subject_address", default="", metavar="TEXT",
              help="The subject's address, which the requests carry, where the referral form does not ask for it "
              "(--child-address: the same, by its old name).")
@json_option
@pass_workspace
@click.pass_context
def referral_open(ctx, ws, file: Path, notified, new_case: bool, accept_problems: bool, subject_address: str,
                  as_json: bool) -> None:
    """Validate a returned referral form (PDF, Word, or the email holding it) and open its case.

    The case gets the next reference, its folder under cases/, and a row on the register. The
    significant people's addresses, where the referral form does not ask for them, can be added to
    the case's case.yaml before the requests go out.

    \b
    Example:
      lifkit referral open referral-returned.pdf --notified 02/11/2026 --subject-address "1 Any Road, Town"
    """
    from lifkit.steps.exchange import open_referral

    result = open_referral(ws, file, notified, accept_problems, subject_address, new_case)
    if as_json:
        print_json(result)
    else:
        click.echo(f"Opened case {result.reference} in {result.folder}")
        click.echo(f"  {ws.process.terms.get('notified_word', 'notified')} {show_date(result.notified)}; decision due by "
                   f"{show_date(result.decision_due)}")
        for problem in result.problems:
            click.echo(f"  accepted problem: {problem}")
        click.echo(f"Next: lifkit request {result.reference} --meeting DATE")
    if warn(result.register_warning) or result.problems:
        ctx.exit(int(ExitStatus.ATTENTION))


@click.command("request")
@click.argument("reference", metavar="REF")
@click.option("--meeting", type=DATE, help="The meeting date (returns are due as the process says, e.g. 7 days "
              "after issue, or by the meeting if sooner).")
@click.option("--agency", "agencies", multiple=True, metavar="CODE", help="Only this member (repeat for more).")
@click.option("--send", is_flag=True, help="Send the drafts through the [smtp] server in lifkit.toml.")
@click.option("--move-meeting", is_flag=True, help="Move the case's meeting to --meeting: the open requests are "
              "re-dated and every agency already told gets a note (drafted in the outbox).")
@json_option
@pass_workspace
@click.pass_context
def request(ctx, ws, reference: str, meeting, agencies: tuple[str, ...], send: bool, move_meeting: bool,
            as_json: bool) -> None:
    """Issue the process's pre-filled request form and an email draft to every member.

    The drafts (outbox/request-REF-CODE.eml) open in Outlook or Thunderbird ready to send. Subjects and
    file names carry the case reference and agency code only.

    A --meeting other than the one the case already has is refused (exit status 2) unless --move-meeting
    is given; then the open requests are re-dated, every agency already told gets a note, and requests
    go only to the agencies named with --agency. A meeting on a weekend, a bank holiday or a closure
    day, or after the decision is due, is recorded with a warning (exit status 1).

    \b
    Examples:
      lifkit request RR-2026-004 --meeting 20/11/2026
      lifkit request RR-2026-004 --agency POL --agency CSC
      lifkit request RR-2026-004 --meeting 27/11/2026 --move-meeting
    """
    from lifkit.steps.exchange import issue_requests

    count = len(agencies) or (0 if move_meeting else len(ws.settings.members))
    with progress(count, "Making requests") as step:
        result = issue_requests(ws, reference, meeting, list(agencies) or None, send, progress=step,
                                move_meeting=move_meeting)
    if as_json:
        print_json(result)
    elif result.moved_from and not result.issued:
        _print_moved(ws, result)
    else:
        _print_moved(ws, result)
        print_table(["Agency", "Email", "Reply by", "Draft"],
                    [(r.agency, r.email, show_date(r.return_by), r.draft.name) for r in result.issued])
        click.echo(f"{plural(len(result.issued), 'request')} for {result.reference} in "
                   f"{result.issued[0].draft.parent if result.issued else '-'}"
                   + (f"; {len(result.sent)} sent." if send else "."))
    placeholders = result.placeholders and (f"{', '.join(result.placeholders)} still have placeholder addresses "
                                            "from `lifkit init`: correct lifkit.toml before sending these drafts.")
    warned = [warn(w[:1].upper() + w[1:]) for w in result.warnings]
    if warn(result.register_warning) | warn(placeholders or None) | any(warned):
        ctx.exit(int(ExitStatus.ATTENTION))


def _print_moved(ws, result) -> None:
    if result.moved_from:
        click.echo(f"{result.reference}: the {ws.process.term('meeting')} moved from {show_date(result.moved_from)} to "
                   f"{show_date(result.meeting_date)}; {plural(len(result.move_notes), 'note')} to the agencies "
                   "already told" + (f" in {result.move_notes[0].parent}" if result.move_notes else "") + ".")


@click.command("collect")
@click.argument("reference", metavar="REF")
@click.argument("paths", nargs=-1, required=True, type=PathType())
@json_option
@pass_workspace
@click.pass_context
def collect(ctx, ws, reference: str, paths: tuple[Path, ...], as_json: bool) -> None:
    """Read saved replies (.eml, .msg, mbox, Maildir, bare PDF/Word forms, or a folder of them); file each return.

    Each form is identified by its hidden metadata, matched to its member, checked against the
    sender's address and validated. Invalid returns get a reply draft listing the problems; forms for
    another case or from an unknown sender are kept aside and reported, never dropped.

    \b
    Examples:
      lifkit collect RR-2026-004 saved-replies/*.eml
      lifkit collect RR-2026-004 saved-replies
      lifkit collect RR-2026-004 ~/Mail/reviews.mbox
    """
    from lifkit.steps.exchange import collect as collect_returns

    with progress(len(paths), "Collecting") as step:
        result = collect_returns(ws, reference, list(paths), progress=step)
    if as_json:
        print_json(result)
    else:
        for item in result.received:
            state = "valid" if item.valid else f"{plural(len(item.problems), 'problem')}"
            extra = f", {plural(len(item.attachments), 'attached document')}" if item.attachments else ""
            again = " (replaces the earlier return)" if item.supersedes else ""
            click.echo(f"{item.agency:<8} returned: {state}{extra}{again}")
            for problem in item.problems:
                click.echo(f"    - {problem}")
            if item.reply_draft:
                click.echo(f"    reply draft: {item.reply_draft.name}")
        for item in result.aside:
            click.echo(f"SET ASIDE {item.name or item.file.name}: {item.reason} (kept as inbox/aside/{item.file.name})")
        for note in result.notes:
            click.echo(f"NOTE      {note}")
        for already in result.already:
            click.echo(f"ALREADY   {already}")
        click.echo(f"{plural(len(result.received), 'return')} filed, {len(result.aside)} set aside.")
    if warn(result.register_warning) or result.needs_attention:
        ctx.exit(int(ExitStatus.ATTENTION))


@click.command("status")
@click.argument("reference", metavar="[REF]", required=False)
@click.option("--all", "everything", is_flag=True, help="Without REF: the closed cases too (decided, every "
              "notice sent).")
@json_option
@pass_workspace
@click.pass_context
def status(ctx, ws, reference: str | None, everything: bool, as_json: bool) -> None:
    """Where the cases stand. Without REF, one line per open case (the dashboard's table): its stage,
    what it waits for next and by when, the days left (working days where the process counts them),
    returns received of requested, and what is late; cases with something late come first. With REF,
    the case in full: every deadline, each member's request and return, and whose sign-off or which
    notice is awaited. `--json` gives every case (closed ones too) in full.

    Exit status 1 when anything needs attention (overdue or invalid returns, a late decision, forms
    set aside).

    \b
    Examples:
      lifkit status
      lifkit status --all
      lifkit status RR-2026-004 --json
    """
    if reference is None and not as_json:
        from lifkit.case.state import case_summaries

        _print_summaries(ws, case_summaries(ws, include_closed=everything), everything)
        return
    from lifkit.steps.exchange import all_status

    cases = all_status(ws, reference)
    if as_json:
        print_json(cases)
    else:
        if not cases:
            click.echo("No cases yet.")
        for number, case in enumerate(cases):
            if number:  # a blank line between cases, none after the last
                click.echo()
            if case.decision_date:
                clock = f"decided {show_date(case.decision_date)}"
            else:
                clock = "decision due " + show_date(case.decision_due) + ("" if case.days_left is None else (
                    f" ({case.days_left} days left)" if case.days_left >= 0 else f" ({-case.days_left} days LATE)"))
            click.echo(f"{case.reference}: {case.stage}")
            click.echo(f"  {ws.process.terms.get('notified_word', 'notified')} {show_date(case.notified)}, {clock}, "
                       f"meeting {show_date(case.meeting_date)}")
            for deadline in case.deadlines:
                done = f", done {show_date(deadline.done)}" + ("" if deadline.met is not False else " (LATE)") \
                    if deadline.done else ""
                click.echo(f"  {deadline.label}: due {show_date(deadline.due)}{done}")
            for notice in case.notices:
                state = f"sent {show_date(notice.sent)}" if notice.sent else f"due {show_date(notice.due)}" \
                    if notice.due else "not yet recorded"
                if notice.sent and notice.amended:
                    state += f" (amended; first recorded as {show_date(notice.amended[0])})"
                if notice.reply:
                    state += f"; reply {show_date(notice.reply)} ({'agreed' if notice.agreed else 'not agreed'})"
                elif notice.expects_reply and notice.sent:
                    state += "; reply awaited"
                click.echo(f"  notice, {notice.label}: {state}")
            if case.awaiting_signoff:
                click.echo(f"  sign-off awaited from: {', '.join(case.awaiting_signoff)}")
            if case.members:
                print_table(["Agency", "Issued", "Due", "Returned", "Valid", "Overdue", "Chased"], [
                    (m.code, show_date(m.issued), show_date(m.due), show_date(m.returned),
                     "-" if m.valid is None else ("yes" if m.valid else f"NO ({m.problems})"),
                     "OVERDUE" if m.overdue else "", m.chased or "")
                    for m in case.members])
                returned = sum(1 for m in case.members if m.valid)
                click.echo(f"{returned} of {len(case.members)} valid returns"
                           + (f"; {case.aside} set aside" if case.aside else "") + ".")
            else:
                click.echo("No requests issued yet.")
    if any(c.needs_attention for c in cases):
        ctx.exit(int(ExitStatus.ATTENTION))


def days_left_words(days: int | None, working: bool = False) -> str:
    """``6 days``, ``due today``, ``LATE by 1 working day``."""
    if days is None:
        return ""
    unit = "working day" if working else "day"
    if days == 0:
        return "due today"
    return plural(days, unit) if days > 0 else f"LATE by {plural(-days, unit)}"


def _print_summaries(ws, summaries, everything: bool) -> None:
    ctx = click.get_current_context()
    if not summaries:
        click.echo("No cases yet." if everything else "No open cases (lifkit status --all lists the closed ones).")
    else:
        rows = []
        for summary in summaries:
            state, nxt = summary.state, summary.state.next_due
            valid, issued = state.returns
            rows.append((state.reference, state.stage, nxt.what if nxt else "-", show_date(nxt.due if nxt else None),
                         f"closed {show_date(state.closed)}" if state.closed else
                         days_left_words(nxt.days_left, nxt.working) if nxt else "",
                         f"{valid} of {issued}" if issued else "-",
                         f"{len(summary.late)} late" if summary.late else ""))
        print_table(["Case", "Stage", "Next", "Due", "Left", "Returns", "Overdue"], rows)
        late = sum(1 for s in summaries if s.late)
        closed = sum(1 for s in summaries if s.state.closed)
        click.echo(f"{plural(len(summaries) - closed, 'open case')}" + (f", {closed} closed" if everything else "")
                   + f"; {late} with something late." + ("" if everything else
                                                         " lifkit status REF shows a case in full."))
    if any(s.state.needs_attention for s in summaries):
        ctx.exit(int(ExitStatus.ATTENTION))


@click.command("chase")
@click.argument("reference", metavar="REF")
@click.option("--by", "new_date", type=DATE, help="The new date to ask for, a working day (default: the first "
              "working day 3 days from today, or the last before the meeting if sooner).")
@json_option
@pass_workspace
def chase(ws, reference: str, new_date, as_json: bool) -> None:
    """Reminder drafts to every member whose return is outstanding or invalid.

    \b
    Examples:
      lifkit chase RR-2026-004
      lifkit chase RR-2026-004 --by 18/11/2026
    """
    from lifkit.steps.exchange import chase as chase_members

    drafts = chase_members(ws, reference, new_date)
    if as_json:
        print_json(drafts)
        return
    for draft in drafts:
        click.echo(f"{draft.agency:<8} {draft.reason:<12} new date {show_date(draft.new_date)}  {draft.draft.name}")
    click.echo(f"{plural(len(drafts), 'reminder')} drafted." if drafts else "Nothing to chase: every return is in "
               "and valid.")
