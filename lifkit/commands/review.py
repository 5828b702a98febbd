"""``review``: where a commissioned review stands, and its stages recorded, from the decision to publication."""

from __future__ import annotations

import click

from ..errors import ExitStatus
from .common import DATE, PathType, json_option, pass_workspace, print_json, print_table, show_date, warn


@click.command("review")
@click.argument("reference", metavar="REF")
@click.option("--done", "stage", metavar="STAGE", help="Record a stage as done (one the process names; lifkit "
              "review REF lists them), or an occurrence of a recurring one.")
@click.option("--on", "on", type=DATE, help="With --done or --reviewer: the date it was done (default: today).")
@click.option("--file", "file", type=PathType(dir_okay=False), metavar="FILE",
              help="With --done: the document that marks it (kept whole in the case folder, under a name lifkit "
                   "makes).")
@click.option("--note", default="", metavar="TEXT", help="With --done: a note (no names); for an outcome, the "
              "reason; for a progress check, what the written request to the reviewer asks for.")
@click.option("--outcome", metavar="OUTCOME", help="With --done, for a stage marked done by an outcome (e.g. the "
              "family invited: accepted, declined, not appropriate).")
@click.option("--agency", "agencies", multiple=True, metavar="CODE", help="With --done, for a stage that sends the "
              "agencies a form (their reports and chronologies): an agency to send it to (repeat; default: those asked "
              "for the case's returns).")
@click.option("--reviewer", "reviewers", multiple=True, metavar="NAME", help="Record the reviewer appointed (repeat "
              "for more than one).")
@click.option("--email", default="", metavar="ADDRESS", help="With --reviewer: the reviewer's email address, for the "
              "written requests and reminders.")
@click.option("--plan-publication", "planned", type=DATE, metavar="DATE",
              help="The date publication is planned for: the copy to the Panel falls due before it.")
@click.option("--defer-publication", "deferred", metavar="REASON", help="Publication is deferred, and why.")
@click.option("--until", type=DATE, metavar="DATE", help="With --defer-publication: the date it is deferred until.")
@click.option("--not-publish", "not_published", metavar="REASON", help="The report will not be published, and why "
              "(the reason goes to the Panel, in a notice drafted now).")
@click.option("--pack", "pack", is_flag=True, help="Build the pack for a meeting of the review's panel: the stage "
              "table and the documents filed (PDFs merged), in the case's pack/ folder.")
@click.option("--meeting", type=DATE, metavar="DATE", help="With --pack: the meeting's date (default: today); the "
              "documents filed by then go in.")
@click.option("--password-file", type=PathType(dir_okay=False, allow_dash=True), metavar="FILE",
              help="With --pack: encrypt it (AES-256) with the password on the first line of FILE ('-': stdin).")
@click.option("--password-env", metavar="VAR", help="With --pack: encrypt it with the password in this environment "
              "variable.")
@click.option("--amend", metavar="REASON", help="With --done and --on, or --plan-publication: change a date already "
              "recorded; the reason is kept beside the original.")
@json_option
@pass_workspace
@click.pass_context
def review(ctx, ws, reference, stage, on, file, note, outcome, agencies, reviewers, email, planned, deferred, until,
           not_published, pack, meeting, password_file, password_env, amend, as_json) -> None:
    """Where the review the decision commissioned stands: each stage, its owner, when it is due and when it
    was done; or record a stage, the reviewer, or the publication's plan, deferral or refusal.

    A stage is refused (exit status 2, nothing recorded) when a stage it follows is not recorded, when its
    date is in the future or before that stage, when a once-only stage is recorded again, and, for the
    copy to the Panel, when it is fewer than the process's working days before the planned publication.
    Exit status 1 when a stage is late.

    \b
    Examples:
      lifkit review RR-2026-001
      lifkit review RR-2026-001 --reviewer "A. Reviewer" --email reviewer@example.org
      lifkit review RR-2026-001 --done terms-of-reference --file terms-of-reference.docx
      lifkit review RR-2026-001 --done family --outcome declined --note "The family did not wish to take part"
      lifkit review RR-2026-001 --done panel-meeting --on 12/01/2027
      lifkit review RR-2026-001 --plan-publication 14/04/2027
      lifkit review RR-2026-001 --defer-publication "Criminal proceedings" --until 01/09/2027
      lifkit review RR-2026-001 --done panel-copy --on 25/08/2027
      lifkit review RR-2026-001 --pack --meeting 12/01/2027
    """
    from lifkit.steps import review as steps

    from ..errors import InputError

    modes = [name for name, given in (("--done", stage), ("--reviewer", reviewers and not stage),
                                       ("--plan-publication", planned), ("--defer-publication", deferred),
                                       ("--not-publish", not_published), ("--pack", pack)) if given]
    if len(modes) > 1:
        raise InputError(f"Give one of {', '.join(modes)} at a time.", "See the examples in: lifkit review --help")
    if until and not deferred:
        raise InputError("--until goes with --defer-publication.")
    if amend is not None and not (stage or planned):
        raise InputError("--amend goes with --done STAGE --on DATE, or with --plan-publication DATE.")
    if (meeting or password_file or password_env) and not pack:
        raise InputError("--meeting, --password-file and --password-env go with --pack.")
    if pack:
        from lifkit.steps.pack import read_password
        from lifkit.steps.review_pack import build_review_pack

        built = build_review_pack(ws, reference, meeting, read_password(password_file, password_env))
        if as_json:
            print_json(built)
        else:
            merged = len(built.documents)
            click.echo(f"Built {built.file}")
            click.echo(f"  {built.pages} pages, {merged} document{'s' if merged != 1 else ''} filed with the review "
                       f"merged, {'encrypted' if built.encrypted else 'not encrypted'}")
            click.echo(f"  SHA-256 {built.sha256}")
            if built.earlier:
                click.echo(f"  {built.earlier.name}, built earlier, is kept as it was: this pack has the next number.")
        if any(warn(f"Not merged: {item}") for item in built.listed):
            ctx.exit(int(ExitStatus.ATTENTION))
        return
    if not modes:
        if any((on, file, note, outcome, email, agencies)):
            raise InputError("--on, --file, --note, --outcome and --email go with --done or --reviewer.")
        view = steps.review_view(ws, reference)
        if as_json:
            print_json(view)
        else:
            _show(ws, view)
        if view.late:
            ctx.exit(int(ExitStatus.ATTENTION))
        return
    if stage or reviewers:
        if not stage:
            stage = steps._reviewer_stage(ws.process).id
        result = steps.record_stage(ws, reference, stage, on, file, note, outcome, list(reviewers), email, amend,
                                    list(agencies))
    elif planned:
        result = steps.plan_publication(ws, reference, planned, amend)
    elif deferred:
        result = steps.defer_publication(ws, reference, deferred, until)
    else:
        result = steps.not_publish(ws, reference, not_published)
    if as_json:
        print_json(result)
    else:
        click.echo(f"{result.reference}: {result.what}")
        if result.filed:
            click.echo(f"  filed: {result.filed.relative_to(ws.root).as_posix()}")
        for draft in result.drafts:
            click.echo(f"  draft: {draft.name}")
    warned = [warn(w) for w in result.warnings]
    if warn(result.register_warning) or any(warned):
        ctx.exit(int(ExitStatus.ATTENTION))


def _show(ws, view) -> None:
    from lifkit.mechanics.dates import today

    review = view.review
    click.echo(f"{view.reference}: {view.review_name}, decided {show_date(view.decision_date)}")
    click.echo(f"  {review.describe()}")
    if review.reviewers:
        click.echo(f"  reviewer: {', '.join(review.reviewers)}")
    process = ws.process
    for planned in process.review.planned:
        recorded = review.planned.get(planned.id)
        due = review.planned_due.get(planned.id)
        text = (show_date(recorded) if recorded else
                f"not yet planned (by {show_date(due)} at the latest)" if due and not review.deferred
                else "not planned")
        click.echo(f"  {planned.label}: {text}")
    for deferral in review.deferrals:
        until = deferral.get("until")
        click.echo(f"  deferred {show_date(deferral['on'])}" + (f" until {show_date(until)}" if until else "")
                   + f": {deferral['reason']}")
    if review.not_published:
        click.echo(f"  not to be published ({show_date(review.not_published['on'])}): "
                   f"{review.not_published['reason']}")
    on = today()
    rows = []
    for stage in review.stages:
        if stage.recurring:
            done = ", ".join(show_date(o.on) for o in stage.occurrences) or "-"
        else:
            done = show_date(stage.done)
        notes = []
        if stage.late(on):
            notes.append("LATE")
        elif stage.met is False:
            notes.append("late")
        if stage.ended and not stage.done:
            notes.append("not needed")
        if stage.chased:
            notes.append(f"chased {stage.chased}")
        last = stage.occurrences[-1] if stage.occurrences else None
        if last and last.outcome:
            notes.append(last.outcome)
        if last and last.amended:
            notes.append(f"date amended: {last.amended[-1]['reason']}")
        rows.append((stage.key, stage.owner_label, "-" if not stage.open and stage.recurring else show_date(stage.due),
                     done, "; ".join(notes)))
    print_table(["Stage", "Owner", "Due", "Done", ""], rows)
    for stage in review.stages:
        if stage.reports:
            click.echo(f"{stage.label} ({show_date(stage.occurrences[-1].on)}, reply by "
                       f"{show_date(stage.reports[0].due)}):")
            for report in stage.reports:
                state = (("valid" if report.valid else "NOT VALID") + f", received {show_date(report.received)}"
                         if report.received else ("LATE" if report.late(on) else "awaited"))
                click.echo(f"  {report.agency:<8} {state}" + (f"; chased {report.chased}" if report.chased else ""))
    if process.learning is not None and (view.actions or view.findings_agreed):
        plan = process.learning.action_plan
        click.echo(f"{plan[:1].upper() + plan[1:]}: {view.actions} action{'s' if view.actions != 1 else ''}"
                   + (f" (lifkit actions {view.reference})" if view.actions else
                      "; start it from the final report's recommendations: "
                      f"lifkit actions import {view.reference} FILE"))
    files = [f for s in review.stages for f in s.files]
    if files:
        click.echo("Documents filed:")
        for name in files:
            click.echo(f"  cases/{view.reference}/{name}")
