"""Where a case stands, derived in one place from its case folder and the workspace's process.

:func:`case_state` reads case.yaml, the journal and the returns, and works out, with the process's
deadlines, options and deciders: every request and return, every deadline as a date, the
recommendation and the decision so far, whose sign-off is awaited, each notice (due, sent, replied,
superseded) and the case's stage in words. The exchange, the decisions, the pack, ``status``,
``overdue`` and the register all read this, and nothing else works these out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifkit.case.folder import Case, case_references, event_day, journal, load_case, load_returns, returns_file
from lifkit.case.process import Deadline, Length, Notice, Option, Process
from lifkit.case.review import ReviewState, resolve_start, review_state
from lifkit.case.starts import Start, parse_start
from lifkit.errors import LifkitError
from lifkit.mechanics.dates import format_date, today

DUE_SOON_DAYS = 7  # overdue lists what is due within this many days


# --- plain data ------------------------------------------------------------------------------


@dataclass
class MemberStatus:
    code: str
    agency: str
    issued: dt.date | None
    due: dt.date | None
    returned: dt.date | None
    valid: bool | None
    problems: int
    overdue: bool
    chased: int


@dataclass
class DeadlineState:
    id: str
    label: str
    due: dt.date | None
    done: dt.date | None = None  # when it was met (the decision taken, the notice sent)

    @property
    def met(self) -> bool | None:
        if self.done is None or self.due is None:
            return None
        return self.done <= self.due


@dataclass
class NoticeState:
    id: str
    label: str
    due: dt.date | None
    sent: dt.date | None = None
    reply: dt.date | None = None
    agreed: bool | None = None
    superseded: list[dt.date] = field(default_factory=list)  # sent for an earlier decision, since amended
    amended: list[dt.date] = field(default_factory=list)  # dates recorded for this notice before, since corrected
    expects_reply: bool = False


@dataclass
class DecisionSoFar:
    """The recommendation and decision from the journal (amendments are later events that say why)."""

    recommendation: dict | None = None
    further_info: list[dict] = field(default_factory=list)
    chair: dict | None = None  # a chair's response and decision
    signoffs: dict[str, dict] = field(default_factory=dict)  # partner code -> its sign-off of the recommendation
    declined: dict[str, dict] = field(default_factory=dict)  # partner code -> its refusal to sign
    amendments: list[dict] = field(default_factory=list)
    decided_event: dict | None = None  # the event that made the decision stand
    close_event: dict | None = None  # the case closed without the process's decision (e.g. criteria not met)

    @property
    def decided(self) -> bool:
        return self.decided_event is not None

    @property
    def decision_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.decided_event["date"]) if self.decided_event else None

    @property
    def outcome(self) -> str:
        if self.close_event:
            return self.close_event["outcome"]
        if self.chair:
            return self.chair["decision"]
        if self.decided_event:
            return (self.recommendation or {}).get("recommendation", "")
        return ""


@dataclass
class NextDue:
    """The soonest thing a case waits for: a deadline, a notice, a return or a sign-off."""

    what: str
    due: dt.date
    days_left: int  # negative: late by that many
    working: bool = False  # counted in working days (the process counts that clock in them)


@dataclass
class CaseState:
    reference: str
    process: str
    stage: str
    notified: dt.date | None
    decision_due: dt.date | None
    days_left: int | None
    meeting_date: dt.date | None
    members: list[MemberStatus]
    aside: int
    deadlines: list[DeadlineState] = field(default_factory=list)
    notices: list[NoticeState] = field(default_factory=list)
    awaiting_signoff: list[str] = field(default_factory=list)  # partner codes whose sign-off is awaited
    declined: dict[str, str] = field(default_factory=dict)  # partner code -> why it declined to sign (standing)
    decision: str = ""
    decision_date: dt.date | None = None
    review: bool = False
    review_state: ReviewState | None = None  # the commissioned review's stages (lifkit/case/review.py)
    next_due: NextDue | None = None  # the soonest date still awaited (None when nothing is)
    closed: dt.date | None = None  # decided, and every notice it needs sent: the day the last went

    @property
    def returns(self) -> tuple[int, int]:
        """(valid returns, requests issued)."""
        return sum(1 for m in self.members if m.valid), len(self.members)

    @property
    def needs_attention(self) -> bool:
        late = self.days_left is not None and self.days_left < 0
        if self.review_state is not None:  # a stage of the commissioned review past its clock
            on = today()
            late = late or any(s.late(on) for s in self.review_state.stages)
        return late or bool(self.declined) or self.aside > 0 or any(m.overdue or m.valid is False for m in self.members)

    def deadline(self, ident: str) -> DeadlineState | None:
        return next((d for d in self.deadlines if d.id == ident), None)

    def notice(self, ident: str) -> NoticeState | None:
        return next((n for n in self.notices if n.id == ident), None)


# --- the decision ---------------------------------------------------------------------------


def decision_so_far(process: Process, events: list[dict]) -> DecisionSoFar:
    state = DecisionSoFar()
    partners = {p.code for p in process.decision.partners}
    for order, event in enumerate(events):
        kind = event["event"]
        if kind in ("recommended", "further information"):
            event = {**event, "_order": order}  # which came last, by the journal's order
        if kind == "recommended":
            if event.get("amends"):
                state.amendments.append({"what": process.recommendation.title, "reason": event["amends"],
                                         "date": event["date"],
                                         "was": (state.recommendation or {}).get("recommendation")})
            state.recommendation = event
            if state.close_event:  # a recommendation made (with --amend) after a close reopens the case
                state.close_event = state.decided_event = None
            if process.decision.mode == "partners":  # a changed recommendation is signed afresh
                if state.signoffs and state.decided_event:
                    state.amendments[-1]["what"] = process.decision.title
                state.signoffs, state.declined, state.decided_event = {}, {}, None
        elif kind == "further information":
            state.further_info.append(event)
        elif kind == "decided":
            if event.get("amends"):
                state.amendments.append({"what": process.decision.title, "reason": event["amends"],
                                         "date": event["date"], "was": (state.chair or {}).get("decision")})
            state.chair = event
            state.decided_event = event
        elif kind == "signed off":
            state.signoffs[event["partner"]] = event
            state.declined.pop(event["partner"], None)
            if partners and partners <= set(state.signoffs) and state.decided_event is None:
                state.decided_event = event
        elif kind == "sign-off declined":
            state.declined[event["partner"]] = event
            state.signoffs.pop(event["partner"], None)
        elif kind == "closed":
            if event.get("amends"):
                state.amendments.append({"what": event["outcome"], "reason": event["amends"], "date": event["date"],
                                         "was": state.outcome or None})
            state.close_event = state.decided_event = event
    return state


def _option(process: Process, name: str) -> Option | None:
    return next((o for o in process.options if o.name == name), None)


# --- members --------------------------------------------------------------------------------


def _member_status(case: Case, member, events: list[dict], on: dt.date, due_of) -> MemberStatus:
    issued = due = None
    chased = 0
    for event in events:
        if event["event"] == "meeting moved" and issued and member.code in (event.get("redated") or {}):
            due = dt.date.fromisoformat(event["redated"][member.code])
        if event.get("agency") != member.code:
            continue
        if event["event"] == "issued":
            issued = (dt.date.fromisoformat(event["issued"]) if event.get("issued") else event_day(event))
            due = dt.date.fromisoformat(event["return_by"]) if event.get("return_by") else due_of(issued)
        elif event["event"] == "chased":
            chased += 1
            due = dt.date.fromisoformat(event["new_date"])
    submissions = load_returns(case, member.code)
    current = submissions[-1] if submissions else None
    returned = dt.date.fromisoformat(current.get("received_on") or current["received"][:10]) if current else None
    valid = current["valid"] if current else None
    overdue = bool(issued and due and on > due and valid is not True)
    return MemberStatus(member.code, member.agency, issued, due, returned, valid,
                        len(current["problems"]) if current else 0, overdue, chased)


# --- deadlines ------------------------------------------------------------------------------


class _Clock:
    """Works out the process's deadlines for one case."""

    def __init__(self, ws, process: Process, case: Case, decision: DecisionSoFar, sent: dict[str, dt.date],
                 events: list[dict] = (), superseded_notices: set[str] = frozenset()):
        self.process, self.case, self.decision, self.sent = process, case, decision, sent
        self.events, self.superseded_notices = events, superseded_notices  # read for the review's stages
        self.calendar = ws.settings.working_calendar()
        self.review = bool(decision.decided and (_option(process, decision.outcome) or Option("")).review)
        self._cache: dict[str, dt.date | None] = {}

    def start(self, name: "str | Start", issued: dt.date | None = None) -> dt.date | None:
        """The date a deadline's ``start`` stands for in this case (None: not yet known)."""
        start = parse_start(name) if isinstance(name, str) else name
        if start.kind == "event":
            if start.name == "notified":
                return self.case.notified
            if start.name == "issued":
                return issued
            if start.name == "meeting":
                return self.case.meeting_date
            return self.decision.decision_date
        if start.kind == "notice":
            notice = self.process.notice(start.name)
            return self.sent.get(notice.id) or self.notice_due(notice)
        if start.kind == "deadline":
            return self.due(start.name)
        if start.kind == "date":
            return start.date
        if start.kind == "yearly":
            base = self.start(start.after, issued) if start.after else self.decision.decision_date
            return start.next_yearly(base) if base else None
        return resolve_start(self, str(start))  # stage: and planned: (lifkit/case/review.py)

    def due(self, ident: str, issued: dt.date | None = None) -> dt.date | None:
        if issued is None and ident in self._cache:
            return self._cache[ident]
        deadline: Deadline | None = self.process.deadline(ident)
        result = None
        if deadline is not None and (deadline.when != "review" or self.review):
            start = self.start(deadline.start, issued)
            if start is not None:
                result = deadline.length.after(start, self.calendar)
                if deadline.not_before == "issued" and issued and result < issued:
                    result = issued
                if deadline.not_after == "meeting" and self.case.meeting_date and issued \
                        and self.case.meeting_date >= issued:
                    result = min(result, self.case.meeting_date)
        if issued is None:
            self._cache[ident] = result
        return result

    def notice_due(self, notice: Notice) -> dt.date | None:
        if notice.due_deadline:
            return self.due(notice.due_deadline)
        if notice.due_start and notice.due_length is not None:
            if notice.due_unless == "review" and self.review:
                return None
            start = self.start(notice.due_start)
            return notice.due_length.after(start, self.calendar) if start else None
        return None


def request_prefill(ws, case: Case, agency_name: str, issued: dt.date) -> dict:
    """The case's values for a request form's pre-filled boxes, for one agency (the form uses those it has):
    the subject's details go in the boxes the form's ``roles`` name."""
    from lifkit.documents.formdef import load_form

    form = load_form(ws.process.request_form, ws.root)
    values = {
        "case_ref": case.reference,
        "meeting_date": case.meeting_date,
        "return_by": return_due(ws, ws.process, case, issued),
        "agency": agency_name,
    }
    subject = case.subject
    # the other subjects of the same incident (a notification covers up to four children) head the people
    people = [{"name": p.name, "dob": p.dob, "address": p.address} for p in (*case.subjects[1:], *case.people)]
    scoping_from, scoping_to = scoping_period(ws, case)
    for role, value in (("subject_name", subject.name), ("subject_dob", subject.dob), ("subject_dod", subject.dod),
                        ("subject_address", subject.address), ("people", people),
                        ("scoping_from", scoping_from), ("scoping_to", scoping_to)):
        if form.role(role):
            values[form.role(role)] = value
    return values


def scoping_period(ws, case: Case) -> tuple[dt.date | None, dt.date | None]:
    """The period the agencies' summaries cover: up to the incident (the referral form's ``incident`` box,
    else the date of death, else the date the case was notified), from the process's ``scoping_period``
    before it, but not before the subject was born."""
    from lifkit.documents.formdef import load_form

    referral = (case.referral or {}).get("values", {})
    incident = load_form(ws.process.referral_form, ws.root).value(referral, "incident")
    if isinstance(incident, str):
        try:
            incident = dt.date.fromisoformat(incident)
        except ValueError:
            incident = None
    end = incident or case.subject.dod or case.notified
    start = case.subject.dob
    period = ws.process.scoping_period
    if end and period is not None:
        before = type(period)(-abs(period.count), period.unit).after(end, ws.settings.working_calendar())
        if start is None or before > start:
            start = before
    return start, end


def decision_clock_start(ws, case: Case) -> dt.date | None:
    """When the clock of the process's decision deadline starts for the case (the notification to the
    National Panel for a rapid review; the notification for lscb-2016): what the year's figures count from."""
    process = ws.process
    events = journal(case.folder)
    decision = decision_so_far(process, events)
    clock = _Clock(ws, process, case, decision, _sent(process, events, decision))
    deadline = process.deadline(process.decision.deadline)
    return clock.start(deadline.start) if deadline is not None else case.notified


def return_due(ws, process: Process, case: Case, issued: dt.date) -> dt.date:
    """When a request issued on ``issued`` is due back (the process's "return" deadline)."""
    events = journal(case.folder)
    decision = decision_so_far(process, events)
    clock = _Clock(ws, process, case, decision, _sent(process, events, decision), events)
    return clock.due("return", issued) or issued


def _notice_events(process: Process, events: list[dict], decision: DecisionSoFar):
    """(notice id, event) for every notified/replied event, marking those before the decision now standing."""
    standing = next((i for i, e in enumerate(events) if e is decision.decided_event), None)
    for position, event in enumerate(events):
        if event["event"] in ("notified", "replied"):
            try:
                notice = process.notice(event["notice"])
            except LifkitError:  # a notice of another process, kept as history
                continue
            # recorded before the decision now standing was made (the journal's order, not the clock's)
            superseded = notice.when != "opened" and standing is not None and position < standing
            yield notice.id, event, superseded


def _sent(process: Process, events: list[dict], decision: DecisionSoFar) -> dict[str, dt.date]:
    sent: dict[str, dt.date] = {}
    for ident, event, superseded in _notice_events(process, events, decision):
        if event["event"] == "notified" and not superseded:
            sent[ident] = dt.date.fromisoformat(event["on"])
    return sent


def notice_applies(notice: Notice, decision: DecisionSoFar, review: bool) -> bool:
    if notice.when == "opened":
        return True
    if not decision.decided:
        return False
    if decision.close_event or notice.when == "closed":  # a closed case has its own notices, and only those
        return bool(decision.close_event) and notice.when == "closed"
    return notice.when != "review" or review


# --- the case's state ---------------------------------------------------------------------------


def case_state(ws, reference: str, case: Case | None = None, events: list[dict] | None = None) -> CaseState:
    """Where the case stands (from its journal, or from ``events``: the journal with a step not yet recorded)."""
    process = ws.process
    case = case or load_case(ws, reference)
    on = today()
    events = journal(case.folder) if events is None else events
    decision = decision_so_far(process, events)
    sent = _sent(process, events, decision)
    superseded = {e.get("id") for _, e, old in _notice_events(process, events, decision) if old}
    clock = _Clock(ws, process, case, decision, sent, events, superseded)

    issued_codes = {e.get("agency") for e in events if e["event"] == "issued"}
    members = [_member_status(case, m, events, on, lambda issued: clock.due("return", issued))
               for m in ws.settings.members if m.code in issued_codes or returns_file(case, m.code).exists()]

    notices: list[NoticeState] = []
    for notice in process.notices:
        if not notice_applies(notice, decision, clock.review):
            continue
        state = NoticeState(notice.id, notice.label, clock.notice_due(notice), sent.get(notice.id),
                            expects_reply=bool(notice.reply))
        for ident, event, superseded in _notice_events(process, events, decision):
            if ident != notice.id:
                continue
            if event["event"] == "notified" and superseded:
                state.superseded.append(dt.date.fromisoformat(event["on"]))
            elif event["event"] == "notified" and event.get("replaces"):
                state.amended.append(dt.date.fromisoformat(event["replaces"]))
            elif event["event"] == "replied" and not superseded:
                state.reply = dt.date.fromisoformat(event["on"])
                state.agreed = event.get("agreed")
        notices.append(state)

    deadlines = []
    for deadline in process.deadlines:
        if deadline.start == "issued":
            continue  # per request: see members
        due = clock.due(deadline.id)
        if due is None and deadline.when == "review":
            continue
        # a deadline a notice meets is done when that notice is recorded as sent, never before
        meeting = [n for n in notices if process.notice(n.id).due_deadline == deadline.id]
        done = next((n.sent for n in meeting if n.sent), None)
        if done is None and not meeting and deadline.id == process.decision.deadline:
            done = decision.decision_date
        if done is None and deadline.id == "return" and members and all(m.valid for m in members):
            done = max(m.returned for m in members)  # every agency asked has returned a valid form
        deadlines.append(DeadlineState(deadline.id, deadline.label, due, done))

    decision_due = clock.due(process.decision.deadline)
    aside = case.folder / "inbox" / "aside"
    awaiting = []
    declined = {}
    if process.decision.mode == "partners" and decision.recommendation and not decision.decided:
        declined = {code: event["reason"] for code, event in decision.declined.items()}
        awaiting = [p.code for p in process.decision.partners if p.code not in decision.signoffs
                    and p.code not in declined]
    return CaseState(
        reference=case.reference, process=process.id, stage=_stage(process, decision, members, notices, awaiting),
        notified=case.notified, decision_due=decision_due,
        days_left=(decision_due - on).days if decision_due and not decision.decided else None,
        meeting_date=case.meeting_date, members=members,
        aside=len(list(aside.iterdir())) if aside.is_dir() else 0, deadlines=deadlines, notices=notices,
        awaiting_signoff=awaiting, declined=declined, decision=decision.outcome, decision_date=decision.decision_date,
        review=clock.review, review_state=review_state(clock),
        next_due=_next_due(process, clock.calendar, on, members, deadlines, notices, awaiting),
        closed=_closed(process, decision, notices))


def _next_due(process: Process, calendar, on: dt.date, members: list[MemberStatus], deadlines: list[DeadlineState],
              notices: list[NoticeState], awaiting: list[str]) -> NextDue | None:
    """The soonest date still awaited, with the days left counted as the process counts that clock."""
    candidates: list[tuple[dt.date, str, Length | None]] = []
    returns = process.deadline("return")
    candidates += [(m.due, f"{_request_name(process)} from {m.code}", returns.length if returns else None)
                   for m in members if m.due and m.issued and m.valid is not True]
    for deadline in deadlines:
        if deadline.due and deadline.done is None and not (deadline.id == "return" and members):
            what = deadline.label + (f" (sign-off awaited from {', '.join(awaiting)})"
                                     if awaiting and deadline.id == process.decision.deadline else "")
            candidates.append((deadline.due, what, process.deadline(deadline.id).length))
    covered = {d.id for d in deadlines}
    for notice in notices:
        definition = process.notice(notice.id)
        if notice.due and not notice.sent and definition.due_deadline not in covered:
            length = process.deadline(definition.due_deadline).length if definition.due_deadline \
                else definition.due_length
            candidates.append((notice.due, definition.overdue_label or f"notice, {notice.label}", length))
    if not candidates:
        return None
    due, what, length = min(candidates, key=lambda c: c[0])
    working = bool(length and length.unit == "working days")
    days = calendar.working_days_between(on, due) if working else (due - on).days
    return NextDue(what, due, days, working)


def _closed(process: Process, decision: DecisionSoFar, notices: list[NoticeState]) -> dt.date | None:
    """The day a decided case's last needed notice went (the decision's day when none is needed); None while
    the case is open: undecided, or a notice (a review's report or publication among them) still awaited."""
    if not decision.decided:
        return None
    needed = [n for n in notices if n.due is not None or process.notice(n.id).unrecorded_label]
    if any(not n.sent for n in needed):
        return None
    return max([decision.decision_date, *(n.sent for n in needed)])


def _stage(process: Process, decision: DecisionSoFar, members: list[MemberStatus], notices: list[NoticeState],
           awaiting: list[str]) -> str:
    if decision.close_event:
        done = all(n.sent for n in notices if process.notice(n.id).when == "closed" and n.due is not None)
        return f"Closed: {decision.outcome}; notifications {'sent' if done else 'due'}"
    if decision.decided:
        # the notifications of the decision; a review's later milestones (its report, publication) are not
        needed = [n for n in notices if process.notice(n.id).when == "decided"
                  and (n.due is not None or process.notice(n.id).unrecorded_label)]
        done = all(n.sent for n in needed)
        return f"Decided: {decision.outcome}; notifications {'sent' if done else 'due'}"
    latest_further = decision.further_info[-1] if decision.further_info else None
    if latest_further and (not decision.recommendation or latest_further.get("_order", 0)
                           > decision.recommendation.get("_order", 0)):
        next_meeting = dt.date.fromisoformat(latest_further["next_meeting"])
        return f"Further information; next meeting {format_date(next_meeting)}"
    if decision.recommendation:
        said = f"Recommended: {decision.recommendation['recommendation']}"
        if decision.declined and process.decision.mode == "partners":
            said += "; sign-off DECLINED by " + ", ".join(sorted(decision.declined))
        if awaiting:
            said += f"; sign-off awaited from {', '.join(awaiting)}"
        return said
    if not members:
        return "Opened"
    if all(m.valid for m in members):
        return "Returns complete"
    return "Awaiting returns"


# --- the cases open under a process ---------------------------------------------------------------


def open_cases_under_other_process(root: Path, process_id: str) -> list[str]:
    """Why the workspace's process cannot be ``process_id`` now: cases still open under another process."""
    import yaml

    from lifkit.mechanics.resources import parse_yaml

    found = []
    cases = root / "cases"
    for case_file in sorted(cases.glob("*/case.yaml")) if cases.is_dir() else []:
        try:
            data = parse_yaml(case_file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            continue
        opened_under = str(data.get("process") or "lscb-2016")
        if opened_under != process_id and not _decided(case_file.parent, opened_under):
            found.append(f"case {case_file.parent.name} is open under the process {opened_under}, not {process_id}: "
                         f"a case keeps the process it was opened under, so finish it (or change the process "
                         f"back) before changing it.")
    return found


def _decided(folder: Path, process_id: str) -> bool:
    from lifkit.case.process import load_shipped, shipped_processes

    if process_id not in shipped_processes():
        return False
    return decision_so_far(load_shipped(process_id), journal(folder)).decided


# --- overdue --------------------------------------------------------------------------------


@dataclass
class OverdueItem:
    reference: str
    what: str
    due: dt.date | None
    days: int | None  # days left (negative: late)
    late: bool


def overdue_items(ws, reference: str, state: CaseState | None = None) -> list[OverdueItem]:
    """What is due within 7 days or late for one case: the decision, sign-offs, notices, returns (``state``:
    the case's state, when the caller has it already)."""
    process = ws.process
    case = events = None
    if state is None:  # the case and its journal read once, for its state and its action plan
        case = load_case(ws, reference)
        events = journal(case.folder)
        state = case_state(ws, reference, case, events)
    on = today()
    items: list[OverdueItem] = []

    def add(what: str, due: dt.date | None, soon_only: bool = True) -> None:
        if due is None:
            return
        days = (due - on).days
        if days <= DUE_SOON_DAYS or not soon_only:
            items.append(OverdueItem(reference, what, due, days, days < 0))

    decided = state.decision_date is not None
    for notice in state.notices:
        definition = process.notice(notice.id)
        if definition.when == "opened" and not notice.sent:
            add(f"{definition.overdue_label or definition.label}", notice.due)
    if not decided:
        decision_deadline = process.deadline(process.decision.deadline)
        for code in state.declined:  # needs the recommendation amended, or the partner to sign
            # (the reason is typed text, which may name someone: status shows it, the overdue list does not)
            items.append(OverdueItem(reference, f"sign-off declined by {process.decision.partner(code).name} ({code}); "
                                                "the recommendation to amend, or the partner to sign", state.decision_due,
                                     (state.decision_due - on).days if state.decision_due else None, True))
        if state.awaiting_signoff:
            names = ", ".join(f"{process.decision.partner(c).name} ({c})" for c in state.awaiting_signoff)
            add(f"sign-off awaited from {names}", state.decision_due)
        else:
            add(decision_deadline.describe, state.decision_due)
        for member in state.members:
            if member.overdue:
                items.append(OverdueItem(reference, f"{_request_name(process)} from {member.code}",
                                         member.due, (member.due - on).days, True))
        return items
    staged = {s.notice for s in process.review.stages if s.notice} if state.review_state else set()
    for notice in state.notices:
        definition = process.notice(notice.id)
        if notice.sent or definition.when == "opened" or definition.id in staged:  # stages: below
            continue
        if notice.due is not None:
            add(definition.overdue_label or f"{definition.label} notice", notice.due)
        elif definition.unrecorded_label:
            items.append(OverdueItem(reference, definition.unrecorded_label, state.decision_date, None, False))
    if state.review_state is not None:  # the review's stages: each owner's stage due soon or late
        from lifkit.case.review import due_items, late_reports

        for stage, days in due_items(state.review_state, on, DUE_SOON_DAYS):
            occurrence = " (next)" if stage.recurring and stage.occurrences else ""
            items.append(OverdueItem(reference, f"{stage.label}{occurrence} ({stage.owner_label})", stage.due, days,
                                     days < 0))
        for stage, report in late_reports(state.review_state, on):
            items.append(OverdueItem(reference, f"{stage.label}: {report.agency}'s", report.due,
                                     (report.due - on).days, True))
    if process.learning is not None:  # the action plan: actions due or late, updates past their date
        from lifkit.case.actionplan import action_plan

        for action in action_plan(case or load_case(ws, reference), events).actions:
            if action.open:
                add(f"action {action.id} ({action.agency}) of the {process.learning.action_plan}: "
                    f"{action.status.lower()}", action.due)
            if action.update_outstanding(on):
                items.append(OverdueItem(reference, f"update on action {action.id} from {action.agency}",
                                         action.update_due, (action.update_due - on).days, True))
    return items


# --- every case on one line: `status` without a reference, and the dashboard's index ----------------------


@dataclass
class CaseSummary:
    """A case on one line: its state and what of it is late now."""

    state: CaseState
    late: list[OverdueItem] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return self.state.reference

    def to_dict(self) -> dict:
        state = self.state
        valid, issued = state.returns
        return {"reference": state.reference, "stage": state.stage, "next_due": state.next_due,
                "returns_valid": valid, "returns_requested": issued, "late": self.late, "closed": state.closed,
                "review": state.review, "decision": state.decision, "decision_date": state.decision_date}


def case_summaries(ws, include_closed: bool = False, cases: dict[str, Case] | None = None) -> list[CaseSummary]:
    """Every open case (and with ``include_closed`` the closed ones too), each with what of it is late:
    those with something late first, then by the date each next waits for, then by reference. ``cases``:
    the cases by reference, where the caller has read them already."""
    summaries = []
    for reference in cases if cases is not None else case_references(ws):
        state = case_state(ws, reference, cases[reference] if cases is not None else None)
        if state.closed and not include_closed:
            continue
        late = [] if state.closed else [i for i in overdue_items(ws, reference, state) if i.late]
        summaries.append(CaseSummary(state, late))
    far = dt.date.max
    summaries.sort(key=lambda s: (not s.late, s.state.closed is not None,
                                  s.state.next_due.due if s.state.next_due else far, s.reference))
    return summaries


def _request_name(process: Process) -> str:
    deadline = process.deadline("return")
    return deadline.label if deadline else process.term("request")


def to_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
