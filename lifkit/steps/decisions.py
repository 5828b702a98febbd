"""After the meeting: the recommendation, the decision (a chair's, or the partners' sign-offs), the case summary
(CIGSUM1), the notifications, what is overdue, and the year's figures.

Every recommendation and decision is an event in the case's journal (amendments are new events that
say why, never edits), a row on the register's Decisions sheet and an update of the case's Register
row. The state of a case's decision is derived from its journal alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifkit.case.folder import (Case, case_folder, case_lock, case_references, journal, load_case, load_returns,
                                record_event, update_case_file)
from lifkit.case.folder import _entry as _pending_entry  # the entry a step will record, to check it first
from lifkit.case.identifiers import case_identifiers
from lifkit.case.state import DecisionSoFar, OverdueItem, case_state, decision_so_far, overdue_items
from lifkit.mechanics.dates import format_date, today
from lifkit.mechanics.files import unique_path
from lifkit.errors import ExitStatus, InputError, LifkitError
from lifkit.documents.identifiers import Identifiers
from lifkit.documents.mail import build_draft
from lifkit.register.sync import sync_case
from lifkit.steps.summary import signed_version, summary_context, summary_path, write_summary  # noqa: F401 (callers)

DUE_SOON_DAYS = 7
CRITERION_VIEWS = ("met", "not met", "unclear")


def canonical_recommendation(text: str, process=None) -> str:
    """One of the process's options, from what the administrator typed (any case, common short names)."""
    from lifkit.case.process import DEFAULT_PROCESS, load_shipped

    return (process or load_shipped(DEFAULT_PROCESS)).option(text).name


def decision_state(case: Case, process=None) -> DecisionSoFar:
    from lifkit.case.process import DEFAULT_PROCESS, load_shipped

    return decision_so_far(process or load_shipped(DEFAULT_PROCESS), journal(case.folder))


# --- results ----------------------------------------------------------------------------------


@dataclass
class DecisionOutcome:
    reference: str
    event: dict
    summary: Path  # the summary's current version (a person's edited one stays current)
    notices: list[Path] = field(default_factory=list)
    register_warning: str | None = None
    warnings: list[str] = field(default_factory=list)  # what needs attention (exit status 1)
    notes: list[str] = field(default_factory=list)  # what to know (an edited summary kept, the Panel's copy)


class StepUnfinished(LifkitError):
    """The step is recorded in the case's journal, but a document it makes could not be written: the
    message says what was recorded, and ``lifkit summary REF`` finishes it."""

    exit_status = ExitStatus.ATTENTION


def _finish_step(ws, case: Case, event: dict, what: str, decides: bool = False,
                 warnings: list[str] | None = None) -> DecisionOutcome:
    """After a step's journal entry: the summary drafted, the notices of a decision that now stands, the
    register. A document that cannot be written stops the step with a message saying exactly what was
    recorded; the next step (or ``lifkit summary REF``) writes it."""
    notices: list[Path] = []
    notes: list[str] = []
    try:
        written = write_summary(ws, case.reference)
        if written.message:
            notes.append(written.message)
        if decides:
            notices = write_notices(ws, case.reference, notes)
            warnings = [*(warnings or []), *unaddressed(ws, case, notices)]
    except LifkitError as exc:
        sync_case(ws, case.reference)
        raise StepUnfinished(f"{case.reference}: {what} was recorded (the case's journal and register), but "
                             f"{'the summary or the notices' if decides else 'the summary'} could not be written: "
                             f"{exc.message}", f"Put right what the message says, then run: lifkit summary "
                             f"{case.reference} (it writes them from the journal).") from exc
    warning = sync_case(ws, case.reference)
    return DecisionOutcome(case.reference, event, written.current, notices, warning, list(warnings or []), notes)


def _check_notices(ws, case: Case, kind: str, details: dict) -> bool:
    """Whether the step (an event ``kind`` with ``details``) makes the decision stand; when it does, the
    notices it will draft are composed first, so that one that cannot be written refuses the step before
    anything is recorded."""
    events = journal(case.folder) + [_pending_entry(kind, details)]
    stands = decision_so_far(ws.process, events).decided
    stood = decision_so_far(ws.process, events[:-1]).decided
    if not stands or (kind == "signed off" and stood):  # a later sign-off of a decision that stands drafts nothing
        return False
    compose_notices(ws, case, events)
    return True


def _who(ws) -> str:
    return ws.settings.administrator.name


def _decision_row(ws, case: Case, by: str, decision: str, rationale: str, amend: str | None) -> dict:
    """The Decisions row a step makes; it is recorded in the step's own journal entry (``row``)."""
    return {"date": today().isoformat(), "case_ref": case.reference, "by": by,
            "decision": decision + (" (amended)" if amend else ""),
            "rationale": rationale.strip() + (f" [Amended: {amend}]" if amend else ""), "recorded_by": _who(ws)}


def _locked(step):
    """Run a decision step holding its case, so that its checks and its record cannot interleave with
    another shell's (two people deciding the same case at once record one step, and refuse the other)."""
    import functools

    @functools.wraps(step)
    def run(ws, reference: str, *args, **kwargs):
        from lifkit.documents.wordform import check_template

        # every step ends by writing the summary: a template it cannot use refuses the step before it records
        check_template(ws.process.summary_template, ws.root, "summary template")
        with case_lock(ws, case_folder(ws, reference).name):
            return step(ws, reference, *args, **kwargs)

    return run


DECISION_TEXT_APPEARS = "on the register (the Decisions sheet), in the case summary and in the journal"


def _names_typed(ws, case: Case, allow_names: bool, texts: list[tuple[str, str | None]],
                 appears: str = DECISION_TEXT_APPEARS) -> list[str]:
    """The warning for typed text that holds a person's details (none with ``allow_names``): the step
    records it all the same, and nothing later refuses it (the anonymised notices scrub it)."""
    if allow_names:
        return []
    from lifkit.case.identifiers import typed_names_warning

    warning = typed_names_warning(ws, case, [(label, text or "") for label, text in texts], appears)
    return [warning] if warning else []


def _state(ws, case: Case) -> DecisionSoFar:
    return decision_so_far(ws.process, journal(case.folder))


def _when(event: dict) -> str:
    return format_date(dt.date.fromisoformat(event["date"]))


# --- recommending and deciding ----------------------------------------------------------------


@_locked
def recommend(ws, reference: str, recommendation: str, rationale: str, meeting: dt.date | None = None,
              criteria: dict[str, str] | None = None, amend: str | None = None, learning: str = "",
              flags: dict[str, bool] | None = None, *, allow_names: bool = False) -> DecisionOutcome:
    """Record the committee's recommendation (one of the process's options), with its rationale."""
    process = ws.process
    case = load_case(ws, reference)
    state = _state(ws, case)
    option = process.option(recommendation)
    _need_text(rationale, "--rationale", f"why the {process.recommendation.by} recommends this")
    if option.needs == "learning":
        _need_text(learning, "--learning", option.needs_label or "how the learning will be taken forward")
    if state.decided and process.decision.mode == "partners" and not amend:
        raise InputError(f"The {process.decision.by} have signed off {case.reference} ({state.outcome}).",
                         "To change it, give --amend \"the reason\": the partners then sign the new outcome.")
    if state.recommendation and not amend:
        raise InputError(f"The {process.recommendation.by} already recommended "
                         f"{state.recommendation['recommendation']} for {case.reference} on "
                         f"{_when(state.recommendation)}.",
                         "To change it, give --amend \"the reason\": the change is recorded beside the original.")
    meeting = meeting or case.meeting_date or today()
    warnings = []
    if not case.meeting_date and not any(load_returns(case, m.code) for m in ws.settings.members):
        warnings.append(f"{case.reference} has no {process.term('meeting')} and no returns: is this the right case?")
    warnings += _names_typed(ws, case, allow_names, [("--rationale", rationale), ("--learning", learning),
                                                     ("--amend", amend)])
    event = record_event(case.folder, "recommended", recommendation=option.name, rationale=rationale.strip(),
                         meeting=meeting, date=today(), criteria=_criteria(process, criteria),
                         amends=amend or None, learning=learning.strip(),
                         flags={k: bool(v) for k, v in (flags or {}).items()},
                         row=_decision_row(ws, case, process.recommendation.by, option.name, rationale, amend))
    return _finish_step(ws, case, event, f"the {process.recommendation.title}", warnings=warnings)


@_locked
def further_information(ws, reference: str, rationale: str, next_meeting: dt.date,
                        meeting: dt.date | None = None, *, allow_names: bool = False) -> DecisionOutcome:
    """The committee asks for further information and puts the case on another meeting's agenda."""
    process = ws.process
    if not process.recommendation.further_information:
        raise InputError(f"The process {process.id} has no further-information step.")
    case = load_case(ws, reference)
    _need_text(rationale, "--rationale", "what further information is needed")
    if next_meeting < today():
        raise InputError(f"The next meeting {format_date(next_meeting)} is in the past.", "Give the next meeting's date.")
    meeting = meeting or case.meeting_date or today()
    latest = (_state(ws, case).further_info or [None])[-1]
    if latest and latest["rationale"] == rationale.strip() and latest["next_meeting"] == next_meeting.isoformat():
        raise InputError(f"Further information was already asked for on {_when(latest)}, for the meeting of "
                         f"{format_date(next_meeting)}, in the same words: this is a repeat.", "Nothing was recorded.")
    warnings = _names_typed(ws, case, allow_names, [("--rationale", rationale)])
    update_case_file(case.folder, meeting_date=next_meeting)
    event = record_event(case.folder, "further information", rationale=rationale.strip(), meeting=meeting,
                         next_meeting=next_meeting, date=today(), row=_decision_row(
                             ws, case, process.recommendation.by,
                             f"Further information requested; next meeting {format_date(next_meeting)}", rationale, None))
    return _finish_step(ws, case, event, "the request for further information", warnings=warnings)


@_locked
def chair_decide(ws, reference: str, response: str, decision: str, rationale: str, reviewers: list[str] = (),
                 amend: str | None = None, relationship: str = "", criminal_investigation: str = "unknown",
                 reason_not_met: str | None = None, *, allow_names: bool = False) -> DecisionOutcome:
    """Record the chair's response (e.g. affirmed or challenged) and decision, then draft the notices."""
    process = ws.process
    if process.decision.mode != "chair":
        raise InputError(f"In the process {process.id} the {process.decision.by} each sign off; nobody decides alone.",
                         f"Record each sign-off: lifkit decide {reference} --sign PARTNER")
    case = load_case(ws, reference)
    state = _state(ws, case)
    response = response.strip().lower()
    if response not in process.decision.responses:
        raise InputError(f"{response!r} is not a response.", f"The {process.decision.by} either "
                         + " or ".join(process.decision.responses) + f" the {process.recommendation.by}'s "
                         "recommendation: " + " or ".join(f"--chair {r}" for r in process.decision.responses) + ".")
    decision = process.option(decision).name
    _need_text(rationale, "--rationale", f"the {process.decision.by}'s reasons")
    if state.recommendation is None:
        raise InputError(f"{case.reference} has no {process.recommendation.title} yet: the {process.decision.by} "
                         "decides on one.",
                         f"Record it first: lifkit decide {case.reference} --recommend OPTION --rationale TEXT")
    if state.chair and not amend:
        same = (state.chair["decision"] == decision and state.chair["response"] == response
                and state.chair["rationale"] == rationale.strip())
        raise InputError(f"{case.reference} was already decided ({state.chair['decision']}) on "
                         f"{format_date(state.decision_date)}" + (": this is a repeat of it." if same else "."),
                         "To change it, give --amend \"the reason\": the change is recorded beside the original.")
    agreeing = process.decision.responses[0]
    if response == agreeing and decision != state.recommendation["recommendation"]:
        raise InputError(f"The {process.decision.by} {agreeing} the {process.recommendation.by}'s recommendation "
                         f"({state.recommendation['recommendation']}), but the decision given is {decision}.",
                         f"Use --chair {process.decision.responses[-1]}, or give the same decision.")
    reviewers = [r.strip() for r in reviewers if r.strip()]  # often appointed later: the notice says so
    warnings = _names_typed(ws, case, allow_names, [("--rationale", rationale), ("--relationship", relationship),
                                                    ("--reason-not-met", reason_not_met), ("--amend", amend)])
    details = dict(response=response, decision=decision, rationale=rationale.strip(), reviewers=reviewers,
                   date=today(), amends=amend or None, relationship=relationship.strip(),
                   criminal_investigation=criminal_investigation, reason_not_met=(reason_not_met or "").strip(),
                   row=_decision_row(ws, case, process.decision.by, f"{decision} ({response})", rationale, amend))
    _check_notices(ws, case, "decided", details)
    event = record_event(case.folder, "decided", **details)
    return _finish_step(ws, case, event, f"the {process.decision.by}'s decision ({decision})", decides=True,
                        warnings=warnings)


@_locked
def sign_off(ws, reference: str, partner: str, name: str = "", decline: str | None = None,
             relationship: str = "", criminal_investigation: str = "unknown",
             criteria: dict[str, str] | None = None, *, allow_names: bool = False) -> DecisionOutcome:
    """One safeguarding partner signs off the recommended outcome (or declines to, saying why). The
    decision stands when every partner has signed; then the notices are drafted."""
    process = ws.process
    if process.decision.mode != "partners":
        raise InputError(f"In the process {process.id} the {process.decision.by} decides; there are no sign-offs.",
                         f"Record the decision: lifkit decide {reference} --chair RESPONSE --decision OPTION")
    views = _criteria(process, criteria)  # the partner's own view of each criterion, shown on the summary
    case = load_case(ws, reference)
    state = _state(ws, case)
    who = process.decision.partner(partner)
    if state.recommendation is None:
        raise InputError(f"{case.reference} has no {process.recommendation.title} yet: the partners sign one off.",
                         f"Record it first: lifkit decide {case.reference} --recommend OPTION --rationale TEXT")
    if who.code in state.signoffs and decline is None:
        raise InputError(f"{who.name} ({who.code}) already signed off {case.reference} on "
                         f"{_when(state.signoffs[who.code])}: this is a repeat.",
                         "Nothing was recorded. A changed outcome is recorded with --recommend ... --amend \"why\".")
    warnings = _names_typed(ws, case, allow_names, [("--decline", decline), ("--relationship", relationship)])
    if decline is not None:
        _need_text(decline, "--decline", f"why {who.name} does not sign")
        if who.code in state.declined and state.declined[who.code]["reason"] == decline.strip():
            raise InputError(f"{who.name} ({who.code}) already declined to sign, for the same reason: a repeat.")
        event = record_event(case.folder, "sign-off declined", partner=who.code, reason=decline.strip(), date=today(),
                             summary=signed_version(ws, case), criteria=views,
                             row=_decision_row(ws, case, who.name, "Sign-off declined", decline, None))
        others = [p.code for p in process.decision.partners if p.code != who.code and p.code not in state.signoffs]
        attention = (f"{who.name} ({who.code}) declined to sign the {process.recommendation.title.lower()} "
                     f"({state.recommendation['recommendation']}): {decline.strip()}. Next: amend the recommendation "
                     f"(lifkit decide {case.reference} --recommend OPTION --rationale TEXT --amend \"why\"), which "
                     f"the {process.decision.by} then sign afresh; or record {who.code}'s sign-off when it signs "
                     f"(lifkit decide {case.reference} --sign {who.code})."
                     + (f" Still awaited from: {', '.join(others)}." if others else ""))
        return _finish_step(ws, case, event, f"{who.name}'s refusal to sign", warnings=[*warnings, attention])
    details = dict(partner=who.code, name=name.strip(), date=today(), outcome=state.recommendation["recommendation"],
                   relationship=relationship.strip(), criminal_investigation=criminal_investigation,
                   summary=signed_version(ws, case), criteria=views,
                   row=_decision_row(ws, case, who.name, f"Signed off: {state.recommendation['recommendation']}",
                                     state.recommendation["rationale"], None))
    decides = _check_notices(ws, case, "signed off", details)
    event = record_event(case.folder, "signed off", **details)
    return _finish_step(ws, case, event, f"{who.name}'s sign-off", decides=decides, warnings=warnings)


@_locked
def close_case(ws, reference: str, reason: str, amend: str | None = None, *,
               allow_names: bool = False) -> DecisionOutcome:
    """Close the case without the process's decision, for a reason (a notification found not to meet the
    criteria for one): the outcome is the process's ``close.outcome``; its ``when: closed`` notices are
    drafted (the National Panel told)."""
    process = ws.process
    close = process.close
    if close is None:
        raise InputError(f"The process {process.id} has no way to close a case without its "
                         f"{process.term('decision')} (it has no 'close' part).",
                         "Record the decision instead: see lifkit decide --help.")
    case = load_case(ws, reference)
    state = _state(ws, case)
    _need_text(reason, "--not-met", "why the case is closed")
    if state.decided and not amend:
        same = bool(state.close_event) and state.close_event.get("rationale") == reason.strip()
        raise InputError(f"{case.reference} was already {'closed' if state.close_event else 'decided'} ({state.outcome}) "
                         f"on {format_date(state.decision_date)}" + (": this is a repeat." if same else "."),
                         "To change it, give --amend \"the reason\": the change is recorded beside the original.")
    warnings = _names_typed(ws, case, allow_names, [("--not-met", reason), ("--amend", amend)])
    details = dict(outcome=close.outcome, rationale=reason.strip(), reason_not_met=reason.strip(), date=today(),
                   amends=amend or None,
                   row=_decision_row(ws, case, close.by or process.decision.by, close.outcome, reason, amend))
    _check_notices(ws, case, "closed", details)
    event = record_event(case.folder, "closed", **details)
    return _finish_step(ws, case, event, f"the close ({close.outcome})", decides=True, warnings=warnings)


def _notice_follows(ws, case: Case, state, definition) -> tuple[dt.date | None, str]:
    """The earliest date a notice can have been sent, and the event it follows, in the process's words: the
    start of the case for a notice due from it (the local authority became aware; the board was notified),
    else the decision."""
    process = ws.process
    if definition.when == "opened":
        return case.notified, f"the day {process.term('notified')} ({format_date(case.notified)})" \
            if case.notified else ""
    return state.decision_date, f"the {process.term('decision')} ({format_date(state.decision_date)})" \
        if state.decision_date else ""


@_locked
def record_notified(ws, reference: str, notice: str, on: dt.date | None = None,
                    amend: str | None = None, *, allow_names: bool = False) -> DecisionOutcome:
    """Record that a notice of the process was sent (Ofsted, the National Panel, the referrer...). A date
    before the event the notice follows, or in the future, is refused; a different date for a notice already
    recorded needs ``amend`` (the reason), and is recorded beside the original."""
    process = ws.process
    case = load_case(ws, reference)
    definition = process.notice(notice)
    on = on or today()
    state = case_state(ws, case.reference)
    current = state.notice(definition.id)
    if current is None:
        if not state.decision_date:
            raise InputError(f"{case.reference} has no decision yet, so nobody has been told of one.",
                             f"Record the decision first: lifkit decide {case.reference} ...")
        raise InputError(f"{definition.label}: not needed for {case.reference}'s decision ({state.decision}).")
    if on > today():
        raise InputError(f"{format_date(on)} is in the future (today is {format_date(today())}).",
                         "Give the date the notice was sent.")
    earliest, follows = _notice_follows(ws, case, state, definition)
    if earliest is not None and on < earliest:
        raise InputError(f"{definition.label}: {format_date(on)} is before {follows}, which the notice follows.",
                         "Give the date the notice was sent.")
    sent = current.sent
    if sent == on:
        raise InputError(f"{definition.label} was already recorded as told on {format_date(on)}: a repeat.",
                         "Nothing was recorded.")
    if sent is not None and not (amend or "").strip():
        raise InputError(f"{definition.label} was already recorded as told on {format_date(sent)}; "
                         f"{format_date(on)} is a different date.",
                         f"To correct it, give --amend \"the reason\": the new date is recorded beside the original "
                         f"(lifkit notified {case.reference} {notice} --on {format_date(on)} --amend \"...\").")
    if sent is None and amend:
        raise InputError(f"{definition.label} has not been recorded for {case.reference}: there is nothing to amend.",
                         f"Leave out --amend: lifkit notified {case.reference} {notice} --on {format_date(on)}")
    if current.reply is not None and on > current.reply:
        raise InputError(f"{definition.label}: {format_date(on)} is after the {definition.reply} to it "
                         f"({format_date(current.reply)}).", "Give the date the notice was sent.")
    details = {"amends": amend.strip(), "replaces": sent} if sent is not None else {}
    stage = next((s for s in process.review.stages if s.notice == definition.id), None) \
        if process.review and state.review_state else None
    if stage is not None:  # the record of a stage of the review: the same checks as lifkit review --done
        from lifkit.steps.review import check_stage, scan_before_publication

        check_stage(ws, case, state, stage, on, amend)
        scan_before_publication(ws, case, state, stage)
        details["stage"] = stage.id
    warnings = _names_typed(ws, case, allow_names, [("--amend", amend)], "in the journal")
    event = record_event(case.folder, "notified", notice=definition.id, on=on, **details)
    return _finish_step(ws, case, event, f"{definition.label}: sent on {format_date(on)}", warnings=warnings)


@_locked
def record_reply(ws, reference: str, notice: str, on: dt.date, agreed: bool, note: str = "", *,
                 allow_names: bool = False) -> DecisionOutcome:
    """Record the reply to a notice that expects one (the National Panel's reply to a rapid review)."""
    process = ws.process
    case = load_case(ws, reference)
    definition = process.notice(notice)
    if not definition.reply:
        raise InputError(f"{definition.label} expects no reply in the process {process.id}.")
    state = case_state(ws, case.reference)
    current = state.notice(definition.id)
    if current is None or current.sent is None:
        raise InputError(f"{definition.label} has not been recorded as sent for {case.reference}.",
                         f"Record it first: lifkit notified {case.reference} {definition.id.replace('_', '-')}")
    if on > today() or on < current.sent:
        raise InputError(f"{format_date(on)} is not a date the reply can have come: it is "
                         + ("in the future." if on > today() else f"before the notice was sent ({format_date(current.sent)})."))
    if current.reply == on and current.agreed == agreed:
        raise InputError(f"The {definition.reply} of {format_date(on)} is already recorded: a repeat.")
    warnings = _names_typed(ws, case, allow_names, [("--note", note)], "in the journal")
    event = record_event(case.folder, "replied", notice=definition.id, on=on, agreed=agreed, note=note.strip())
    return _finish_step(ws, case, event, f"the {definition.reply} of {format_date(on)}", warnings=warnings)


@_locked
def bring_summary_up_to_date(ws, reference: str, use: str | None = None):
    """``lifkit summary REF``: the summary drafted from the case folder (an edited one kept), the notices of a
    decision that stands drafted if its step was cut short before it drafted them, and the versions listed;
    with ``use``, that version made current. Returns :class:`lifkit.steps.summary.SummaryVersions`."""
    from lifkit.steps.summary import notices_outstanding, summary_versions

    case = load_case(ws, reference)
    written = write_summary(ws, case.reference)
    notes = [written.message] if written.message else []
    notices = write_notices(ws, case.reference, notes) if notices_outstanding(ws, case) else []
    if notices:
        sync_case(ws, case.reference)
    found = summary_versions(ws, case, use)
    found.written, found.message, found.notices = written.path, " ".join(notes) or None, notices
    return found


def _need_text(value: str | None, option: str, what: str) -> None:
    if not value or not value.strip():
        raise InputError(f"{option} is empty.", f"Give {what}.")


def _criteria(process, given: dict[str, str] | None) -> dict[str, str]:
    views = {}
    keys = {c.key: c.field for c in process.criteria}
    for short, view in (given or {}).items():
        short = short.strip().lower().replace("(", "").replace(")", "")
        if short not in keys:
            raise InputError(f"{short!r} is not a criterion.", "Use " + ", ".join(keys) + " (e.g. --criterion a=met)."
                             if keys else f"The process {process.id} has no criteria to give views on.")
        view = view.strip().lower().replace("-", " ")
        if view not in CRITERION_VIEWS:
            raise InputError(f"{view!r} is not a view of a criterion.", "Use met, not-met or unclear.")
        views[keys[short]] = view
    return views


# --- notices ----------------------------------------------------------------------------------


def _age(born: dt.date | None, on: dt.date) -> str | None:
    if not born:
        return None
    months = (on.year - born.year) * 12 + on.month - born.month - (1 if on.day < born.day else 0)
    if months < 0:
        return None
    if months < 24:
        return f"{months} month{'s' if months != 1 else ''}"
    return f"{months // 12} years"


def _panel_details(ws, case: Case, state: DecisionSoFar, ids: Identifiers) -> list[str]:
    referral = (case.referral or {}).get("values", {})
    one, many = ws.process.subject.one, ws.process.subject.many  # the process's words for its subject
    on = case.subject.dod or case.notified or today()
    nature = []
    if referral.get("criterion_b_i") or case.subject.dod:
        nature.append(f"the {one} died")
    if referral.get("criterion_b_ii") or referral.get("criterion_serious_harm"):
        nature.append(f"the {one} was seriously harmed")
    if referral.get("criterion_a"):
        nature.append("abuse or neglect is known or suspected")
    if referral.get("criterion_custody"):
        nature.append(f"the {one} died in custody or detention")
    if referral.get("criterion_looked_after"):
        nature.append(f"the {one} was looked after")
    described = "; ".join(nature)
    if referral.get("incident_nature"):  # the referrer's own sentences follow the ticked criteria's words
        typed = " ".join(ids.scrub(str(referral["incident_nature"])).split())
        described = f"{described}. {typed}" if described else typed
    ages = []
    child_age = _age(case.subject.dob, on)
    if child_age:
        ages.append(f"the {one}, aged {child_age}")
    for person in case.people:
        age = _age(person.dob, on)
        if age and (age.endswith("months") or age.endswith("month") or int(age.split()[0]) < 18):
            ages.append(f"{ids.scrub(person.relationship) or 'another child'}, aged {age}")
    agencies = []
    from lifkit.documents.formdef import load_form

    request = load_form(ws.process.request_form, ws.root)
    for member in ws.settings.members:
        submissions = load_returns(case, member.code)
        values = submissions[-1].get("values", {}) if submissions else {}
        if request.value(values, "subject_known") == "Yes" or request.value(values, "others_known") == "Yes":
            agencies.append(member.agency)
    decided = state.decided_event or {}
    return [
        _sentence(f"Nature of the incident: {described or 'not recorded'}"),
        f"Ages of the {many}: {'; '.join(ages) or 'not recorded'}.",
        f"Relationship of the {one} to the alleged perpetrator: "
        f"{ids.scrub(decided.get('relationship') or 'not recorded')}.",
        f"Agencies involved with the {one} or family: {', '.join(agencies) or 'none recorded'}.",
        f"Criminal investigation: {decided.get('criminal_investigation') or 'unknown'}.",
    ]


def _sentence(text: str) -> str:
    """``text`` ending with one full stop (none added after a typed sentence's own . ! or ?)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _notice_address(ws, case: Case, address: str) -> str:
    """Where a notice goes: the referrer (the referral form's ``referrer_email`` box), a contact of the case
    (``contact:<name>``, set by `lifkit contact`), or a key of [notifications] in lifkit.toml."""
    if address == "referrer":
        from lifkit.documents.formdef import load_form

        form = load_form(ws.process.referral_form, ws.root)
        return str(form.value((case.referral or {}).get("values", {}), "referrer_email", "") or "")
    if address.startswith("contact:"):
        contact = case.contact(address[len("contact:"):])
        return contact.email if contact else ""
    return ws.settings.notifications.get(address, "")


def unaddressed(ws, case: Case, drafts: list[Path]) -> list[str]:
    """A warning for each notice just drafted with no To: address, saying where the address comes from."""
    warnings = []
    for notice in ws.process.notices:
        if not notice.address or f"notice-{notice.id.replace('_', '-')}-{case.reference}.eml" not in \
                {d.name for d in drafts} or _notice_address(ws, case, notice.address):
            continue
        if notice.address.startswith("contact:"):
            how = (f"set the contact with: lifkit contact {case.reference} {notice.address[8:]} --email ADDRESS, "
                   "then add the address to the draft")
        elif notice.address == "referrer":
            how = "the referral form gives no email for the referrer; add the address to the draft"
        else:
            how = f"add {notice.address} = \"ADDRESS\" to [notifications] in lifkit.toml, and the address to the draft"
        warnings.append(f"the {notice.label} notice's draft has no To: address ({notice.address}): {how}.")
    return warnings


@dataclass
class ComposedNotice:
    notice: Any  # the process's Notice
    path: Path
    to: str
    subject: str
    body: str
    anonymised: bool


def compose_notices(ws, case: Case, events: list[dict] | None = None) -> list[ComposedNotice]:
    """The process's notices of the decision as they would be drafted from ``events`` (the journal, or the
    journal with a step not yet recorded): a notice that would hold a person's details refuses here,
    before the step records anything."""
    process = ws.process
    events = journal(case.folder) if events is None else events
    state = decision_so_far(process, events)
    status = case_state(ws, case.reference, case, events=events)
    settings = ws.settings
    sign = f"\n{settings.business_manager.name}\n{process.term('business_manager')}, {settings.board_name}\n"
    decided = state.decided_event or {}
    rec = state.recommendation or {}
    reviewers = ", ".join(decided.get("reviewers") or []) or "to be appointed"
    composed = []
    ids = None
    for notice in process.notices:
        if not notice.draft or status.notice(notice.id) is None:
            continue
        path = case.folder / "outbox" / f"notice-{notice.id.replace('_', '-')}-{case.reference}.eml"
        anonymised = notice.is_anonymised(status.review)
        values = {"reference": case.reference, "board_name": settings.board_name, "decision": state.outcome,
                  "decided_on": format_date(state.decision_date), "rationale": decided.get("rationale")
                  or rec.get("rationale", ""), "reviewers": reviewers,
                  "reviewers_line": f"Reviewer(s): {reviewers}.\n" if status.review else "",
                  "learning_line": f"\nHow the learning will be taken forward: {rec['learning']}." if rec.get("learning")
                  and not state.close_event else "",
                  "national_line": "\nThe partners consider that the case may need a national review."
                  if (rec.get("flags") or {}).get("national_review") and not state.close_event else ""}
        values["reason"] = decided.get("reason_not_met") or values["rationale"]
        if anonymised:
            # The free text typed by people is scrubbed of every name, date of birth and address in the case
            # folder; the details are made from ages, criteria and agency names only.
            ids = ids if ids is not None else case_identifiers(ws, case)
            values.update(reason=ids.scrub(values["reason"]), rationale=ids.scrub(values["rationale"]),
                          learning_line=ids.scrub(values["learning_line"]),
                          details="\n".join(f"- {line}" for line in _panel_details(ws, case, state, ids)))
        template = notice.body_review if status.review and notice.body_review else notice.body
        text = process.text(template, **values).rstrip("\n")
        # a guard against a change to the wording in the process file (the signature is the business
        # manager's, whose name may share a part with someone's in the case)
        if anonymised and ids.find(text):
            raise InputError(f"The {notice.label} notice would hold {ids.describe(ids.find(text))}, so nothing was "
                             "recorded.", "The notice's wording in the process file (process.yaml) names a person: "
                             "take the name out, then run the command again.")
        composed.append(ComposedNotice(notice, path, _notice_address(ws, case, notice.address),
                                       process.text(notice.subject, **values), text + "\n" + sign, anonymised))
    return composed


def write_notices(ws, reference: str, notes: list[str] | None = None) -> list[Path]:
    """Drafts of the process's notices of the decision (in the case's outbox); an earlier decision's
    drafts are kept, renamed as superseded, so nothing is sent for a decision that no longer stands. A
    notice that carries the summary (``attach: summary``) has the Panel's copy attached."""
    from lifkit.steps.summary import make_panel_copy

    case = load_case(ws, reference)
    composed = compose_notices(ws, case)
    outbox = case.folder / "outbox"
    outbox.mkdir(exist_ok=True)
    drafts, superseded, copies = [], [], {}
    for item in composed:
        attachments = []
        if item.notice.attach == "summary":
            copy = make_panel_copy(ws, case.reference, item.notice)
            if copy is not None:
                attachments = copy.files
                copies = {"panel_copy": [f.name for f in copy.files], "panel_copy_of": copy.version,
                          "panel_copy_sha256": copy.sha256}
                if notes is not None:
                    notes.append(f"the Panel's copy ({copy.version} of the summary"
                                 f"{', anonymised' if copy.anonymised else ''}): "
                                 + ", ".join(f.name for f in copy.files))
                    if copy.pdf_hint:
                        notes.append(copy.pdf_hint)
        if item.path.exists():
            old = unique_path(item.path.with_name(item.path.stem + "-superseded.eml"))
            item.path.rename(old)
            superseded.append(old.name)
        item.path.write_bytes(build_draft(ws.settings.business_manager.email, item.to, item.subject, item.body,
                                          attachments))
        drafts.append(item.path)
    status = case_state(ws, case.reference, case)
    due = {n.id: n.due for n in status.notices if n.due}
    record_event(case.folder, "notices drafted", drafts=[d.name for d in drafts], superseded=superseded or None,
                 **copies, **({"panel_due": due["panel"]} if "panel" in due else {}))
    return drafts


# --- overdue ----------------------------------------------------------------------------------


def overdue(ws) -> list[OverdueItem]:
    """Across all cases: what is due within 7 days or late: decisions and sign-offs, notices, returns."""
    items: list[OverdueItem] = []
    for reference in case_references(ws):
        items.extend(overdue_items(ws, reference))
    return items


# --- the year's figures -----------------------------------------------------------------------


@dataclass
class YearReport:
    year: int
    cases: int
    by_agency: dict[str, int]
    by_route: dict[str, int]
    by_recommendation: dict[str, int]
    by_decision: dict[str, int]
    challenged: int
    decided: int
    days_to_decision: list[int]
    within_one_month: int
    workbook: Path | None = None
    median_label: str = "Median days, notification to decision"  # the process's clock (its term report_median)
    routes: bool = True  # the referral form asks for a route (only then is there a table of routes)
    reviews_in_progress: int = 0  # commissioned reviews neither published nor decided against
    months_to_publication: list[float] = field(default_factory=list)  # decision to publication, each published
    deferred: int = 0  # reviews whose publication was deferred (at any time)
    name: str = ""  # the reporting year as written: "2026", or "2026/27" for a year from April to March
    period: str = ""  # its first and last days, e.g. "01/04/2026 to 31/03/2027"

    @property
    def median_days(self) -> float | None:
        import statistics

        return statistics.median(self.days_to_decision) if self.days_to_decision else None

    @property
    def median_months_to_publication(self) -> float | None:
        import statistics

        return statistics.median(self.months_to_publication) if self.months_to_publication else None

    @property
    def share_within_one_month(self) -> float | None:
        return self.within_one_month / self.decided if self.decided else None


def year_report(ws, year: int, output: Path | None = None, known: dict | None = None) -> YearReport:
    """The year's figures from the case folders (cases notified in the process's reporting year ``year``:
    the calendar year, or for a process whose year starts in another month, e.g. April, the twelve months
    from that month of ``year``), and a workbook with charts."""
    from collections import Counter

    from lifkit.case.state import decision_clock_start
    from lifkit.documents.formdef import load_form

    process = ws.process
    referral_form = load_form(process.referral_form, ws.root)
    route = referral_form.role("route") or "referral_route"  # who or how referred
    agencies, routes, recommendations, decisions = Counter(), Counter(), Counter(), Counter()
    has_routes = any(f.name == route for f in referral_form.fields)  # only then is there a table of routes
    challenged = decided = within = in_progress = deferred = 0
    days: list[int] = []
    months: list[float] = []
    count = 0
    known = known or {}  # reference -> (case, its state, its decision so far), where the caller has them (the dashboard)
    for reference in case_references(ws):
        case = known[reference][0] if reference in known else load_case(ws, reference)
        if not case.notified or process.reporting_year(case.notified) != year:
            continue
        count += 1
        referral = (case.referral or {}).get("values", {})
        agencies[referral.get("agency") or "not recorded"] += 1
        if has_routes:
            routes[referral.get(route) or "not recorded"] += 1
        state = known[reference][2] if reference in known else _state(ws, case)
        recommendations[(state.recommendation or {}).get("recommendation", "none yet")] += 1
        if state.decided:
            decided += 1
            decisions[state.outcome] += 1
            challenged += bool(state.chair) and state.chair["response"] != ws.process.decision.responses[0]
            started = decision_clock_start(ws, case) or case.notified  # the clock the process names
            days.append((state.decision_date - started).days)
            status = known[reference][1] if reference in known else case_state(ws, reference, case)
            due = status.decision_due
            within += bool(due) and state.decision_date <= due
            review = status.review_state
            if review is not None:  # the review it commissioned
                in_progress += not review.finished
                deferred += bool(review.deferrals)
                if review.published:
                    months.append(round((review.published - state.decision_date).days / 30.4375, 1))
        else:
            decisions["none yet"] += 1
    first, last = process.reporting_period(year)
    report = YearReport(year, count, dict(agencies), dict(routes), dict(recommendations), dict(decisions), challenged,
                        decided, days, within, reviews_in_progress=in_progress, months_to_publication=months,
                        deferred=deferred, median_label=ws.process.terms.get("report_median", "Median days, notification to decision"),
                        routes=has_routes, name=process.reporting_year_name(year),
                        period=f"{format_date(first)} to {format_date(last)}")
    if output is not None:
        report.workbook = _report_workbook(report, Path(output), ws.process)
    return report


def _report_workbook(report: YearReport, path: Path, process) -> Path:
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.chart import BarChart, PieChart, Reference
    from openpyxl.styles import Font

    from lifkit.mechanics.files import atomic_write_bytes
    from lifkit.mechanics.xlsx import append_row

    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path} does not end in .xlsx.", "Name the report file ....xlsx.")
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    deadline = process.deadline(process.decision.deadline)
    within = (deadline.met_column[:1].lower() + deadline.met_column[1:]) if deadline.met_column \
        else f"by the {deadline.label.lower()} deadline"
    rows = [("Year", report.name or report.year), *([("Period", report.period)] if report.name != str(report.year)
                                                     else []), ("Cases referred", report.cases), ("Decided", report.decided),
            *([(f"{process.decision.by} {process.decision.responses[-1]} the {process.recommendation.by}",
                report.challenged)] if process.decision.mode == "chair" else []),
            (report.median_label.replace("Median days, ", "Median days from ", 1), report.median_days),
            (f"Decided {within}", report.within_one_month),
            (f"Share decided {within}", report.share_within_one_month),
            *([(f"{process.term('review')[:1].upper() + process.term('review')[1:]}s in progress",
                report.reviews_in_progress),
               ("Months from decision to publication (median)", report.median_months_to_publication),
               ("Publication deferred", report.deferred)] if process.review else [])]
    summary.append(("Figure", "Value"))
    for row in rows:
        summary.append(row)
    share_row = next(i for i, row in enumerate(rows) if row[0] == f"Share decided {within}") + 2  # below the heading
    summary.cell(row=share_row, column=2).number_format = "0%"
    for cell in summary[1]:
        cell.font = Font(bold=True)
    summary.column_dimensions["A"].width = 44
    for title, data, chart_kind in (("By referring agency", report.by_agency, "bar"),
                                    *((("By route", report.by_route, "pie"),) if report.routes else ()),
                                    ("By recommendation", report.by_recommendation, "bar"),
                                    ("By decision", report.by_decision, "bar")):
        sheet = workbook.create_sheet(title)
        sheet.append((title.replace("By ", "").capitalize(), "Cases"))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for key, value in sorted(data.items(), key=lambda kv: (-kv[1], kv[0])):
            append_row(sheet, (key, value))  # names from returned forms: text, never a formula
        sheet.column_dimensions["A"].width = 34
        chart = PieChart() if chart_kind == "pie" else BarChart()
        chart.title = f"Cases {title.lower()}, {report.name or report.year}"
        values = Reference(sheet, min_col=2, min_row=1, max_row=max(2, len(data) + 1))
        labels = Reference(sheet, min_col=1, min_row=2, max_row=max(2, len(data) + 1))
        chart.add_data(values, titles_from_data=True)
        chart.set_categories(labels)
        sheet.add_chart(chart, "D2")
    days_sheet = workbook.create_sheet("Days to decision")
    days_label = report.median_label.replace("Median days, ", "Days from ", 1)
    days_sheet.append(("Case", days_label))
    for number, value in enumerate(report.days_to_decision, start=1):
        days_sheet.append((number, value))
    if report.days_to_decision:
        chart = BarChart()
        chart.title = days_label
        chart.add_data(Reference(days_sheet, min_col=2, min_row=1, max_row=len(report.days_to_decision) + 1),
                       titles_from_data=True)
        days_sheet.add_chart(chart, "D2")
    buffer = BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return path
