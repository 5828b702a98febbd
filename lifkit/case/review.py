"""Where the review a decision commissions stands: its stages, derived from the case's journal with the
process's ``review:`` part (SI 2018/789 reg. 10-14 for an LCSPR; the board's procedures for an SCR or a SAR).

Each stage of the process has an owner (a role), what marks it done (a date, a document, an outcome with
its reason, the reviewer's name) and a clock (a start and a length, as a deadline's, or one of the
deadlines). A recurring stage (review panel meetings, the partners' progress checks) records each
occurrence and falls due again ``every`` so long after the last, until the stage it runs ``until``.
A stage recorded as a notice (the copy to the National Panel, publication) is the notice's ``notified``
event, so ``lifkit notified REF panel-report`` and ``lifkit review REF --done panel-copy`` are one record.

The events this reads (each written by lifkit/steps/review.py, once, under the case's lock)::

    stage done            {stage, on, note, outcome, file, names, email, amends}
    notified              {notice, on, stage, file, note, amends}    (a stage recorded as a notice)
    publication planned   {planned, on, amends}
    publication deferred  {planned, reason, until}
    not published         {reason, draft}
    chased                {stage, new_date, draft}

An event with ``amends`` (the reason) replaces the date of the stage's latest occurrence; the original
stays in the journal beside it. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lifkit.case.process import Process, Review, Stage


@dataclass
class Occurrence:
    on: dt.date
    event: str  # the journal event's id
    note: str = ""
    outcome: str = ""
    file: str = ""
    names: list[str] = field(default_factory=list)
    amended: list[dict] = field(default_factory=list)  # {was, reason}: dates recorded before, replaced
    agencies: list[str] = field(default_factory=list)  # a stage that sent a form: the agencies sent it
    return_by: dt.date | None = None


@dataclass
class AgencyReport:
    """An agency sent a stage's form (its report and chronology), and what came back."""

    agency: str
    requested: dt.date
    due: dt.date | None
    received: dt.date | None = None
    valid: bool | None = None
    file: str = ""
    chased: int = 0
    closed: bool = False  # the stage of the returns was recorded done without it (sent another way)

    def late(self, on: dt.date) -> bool:
        return not self.closed and self.valid is not True and self.due is not None and self.due < on


@dataclass
class StageState:
    id: str
    label: str
    owner: str  # the role's id
    owner_label: str
    due: dt.date | None
    done: dt.date | None  # once: when it was done; recurring: the latest occurrence
    recurring: bool = False
    occurrences: list[Occurrence] = field(default_factory=list)
    chased: int = 0
    ended: bool = False  # a recurring stage past its ``until``, or a publication the partners decided against
    files: list[str] = field(default_factory=list)
    reports: list[AgencyReport] = field(default_factory=list)  # a stage that sent a form: each agency's return

    @property
    def key(self) -> str:
        return self.id.replace("_", "-")

    @property
    def open(self) -> bool:
        """Still to do: a once-only stage not done, or a recurring stage with a next occurrence due."""
        if self.ended:
            return False
        return self.done is None if not self.recurring else self.due is not None

    @property
    def met(self) -> bool | None:
        if self.recurring or self.done is None or self.due is None:
            return None
        return self.done <= self.due

    def late(self, on: dt.date) -> bool:
        return self.open and self.due is not None and self.due < on


@dataclass
class ReviewState:
    stages: list[StageState]
    planned: dict[str, dt.date | None] = field(default_factory=dict)  # dates planned and standing (not deferred)
    planned_due: dict[str, dt.date | None] = field(default_factory=dict)  # with the defaults: what the clocks use
    deferred: dict | None = None  # {on, reason, until}: publication deferred, and not planned again since
    deferrals: list[dict] = field(default_factory=list)  # every deferral, for the record
    not_published: dict | None = None  # {on, reason}
    reviewers: list[str] = field(default_factory=list)
    reviewer_email: str = ""
    published: dt.date | None = None

    def stage(self, ident: str) -> StageState | None:
        return next((s for s in self.stages if s.id == ident), None)

    @property
    def finished(self) -> bool:
        return self.published is not None or self.not_published is not None

    @property
    def current(self) -> StageState | None:
        """The first once-only stage, in the process's order, not yet done (what the review is at)."""
        return next((s for s in self.stages if not s.recurring and s.open), None)

    @property
    def next_due(self) -> StageState | None:
        due = [s for s in self.stages if s.open and s.due is not None]
        return min(due, key=lambda s: s.due) if due else None

    def describe(self) -> str:
        """Where the review stands, in a few words (the register's stage column, the status line)."""
        if self.published:
            return f"Published {self.published:%d/%m/%Y}"
        if self.not_published:
            return "Not to be published"
        current = self.current
        text = f"At: {current.label}" if current else "Every stage done"
        if self.deferred:
            until = self.deferred.get("until")
            text += "; publication deferred" + (f" until {until:%d/%m/%Y}" if until else "")
        return text


# --- the facts in the journal -----------------------------------------------------------------------


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _occurrence(event: dict) -> Occurrence:
    return Occurrence(on=_date(event["on"]), event=event.get("id", ""), note=event.get("note") or "",
                      outcome=event.get("outcome") or "", file=event.get("file") or "",
                      names=list(event.get("names") or []), agencies=list(event.get("agencies") or []),
                      return_by=_date(event["return_by"]) if event.get("return_by") else None)


class Facts:
    """The review's events in the journal, read once for a case: each stage's occurrences, the plans, the
    deferrals and the chases."""

    def __init__(self, process: Process, events: list[dict], superseded_notices: set[str] = frozenset()):
        review: Review = process.review
        self.review = review
        self.occurrences: dict[str, list[Occurrence]] = {s.id: [] for s in review.stages}
        self.chased: dict[str, int] = {}
        self.plans: dict[str, dt.date | None] = {}
        self.deferred: dict | None = None
        self.deferrals: list[dict] = []
        self.not_published: dict | None = None
        self.reviewer_email = ""
        self.reports: dict[str, dict[str, dict]] = {}  # stage -> agency -> the latest report received
        self.report_chases: dict[tuple[str, str], int] = {}
        by_notice = {s.notice: s.id for s in review.stages if s.notice}
        for event in events:
            kind = event["event"]
            if kind == "stage done" and event.get("stage") in self.occurrences:
                self._add(event["stage"], event)
                if event.get("email"):
                    self.reviewer_email = event["email"]
            elif kind == "notified" and event.get("notice") in by_notice and event.get("id") not in superseded_notices:
                self._add(by_notice[event["notice"]], event)
            elif kind == "publication planned":
                self.plans[event.get("planned") or "publication"] = _date(event["on"])
                self.deferred = None
            elif kind == "publication deferred":
                self.plans[event.get("planned") or "publication"] = None
                self.deferred = {"on": _date(event.get("date") or event["at"]), "reason": event["reason"],
                                 "until": _date(event["until"]) if event.get("until") else None}
                self.deferrals.append(self.deferred)
            elif kind == "not published":
                self.not_published = {"on": _date(event.get("date") or event["at"]), "reason": event["reason"]}
            elif kind == "review report received" and event.get("stage") in self.occurrences:
                self.reports.setdefault(event["stage"], {})[event["agency"]] = event
            elif kind == "chased" and event.get("stage") in self.occurrences:
                if event.get("agency"):  # an agency's report chased
                    key = (event["stage"], event["agency"])
                    self.report_chases[key] = self.report_chases.get(key, 0) + 1
                else:
                    self.chased[event["stage"]] = self.chased.get(event["stage"], 0) + 1

    def _add(self, stage: str, event: dict) -> None:
        found = self.occurrences[stage]
        new = _occurrence(event)
        if event.get("amends") and found:
            old = found.pop()
            new.amended = old.amended + [{"was": old.on, "reason": event["amends"]}]
            new.file = new.file or old.file
            new.names = new.names or old.names
            new.outcome = new.outcome or old.outcome
            new.note = new.note or old.note
        found.append(new)

    def done(self, stage: Stage) -> dt.date | None:
        """When a once-only stage was done; a recurring stage's latest occurrence."""
        found = self.occurrences.get(stage.id) or []
        if not found:
            return None
        return found[0].on if not stage.recurring else max(o.on for o in found)

    def first(self, ident: str) -> dt.date | None:
        found = self.occurrences.get(ident) or []
        return min((o.on for o in found), default=None)


def facts(clock) -> Facts:
    """The review's facts for the case the clock is working out (read once, kept on the clock)."""
    found = getattr(clock, "_review_facts", None)
    if found is None:
        found = Facts(clock.process, clock.events, getattr(clock, "superseded_notices", frozenset()))
        _reviewers_on_the_decision(clock, found)
        clock._review_facts = found
    return found


def _reviewers_on_the_decision(clock, found: Facts) -> None:
    """Reviewers named on a chair's decision (lscb-2016's decide --chair --reviewer) appointed them: the
    reviewer stage is done on the decision's date, one record, not two."""
    stage = next((s for s in clock.process.review.stages if s.done == "reviewer"), None)
    chair = clock.decision.chair or {}
    if stage is not None and not found.occurrences[stage.id] and chair.get("reviewers") and clock.decision.decided:
        found.occurrences[stage.id].append(Occurrence(on=clock.decision.decision_date, event=chair.get("id", ""),
                                                      names=list(chair["reviewers"])))


# --- the clocks ----------------------------------------------------------------------------------------


def resolve_start(clock, name: str) -> dt.date | None:
    """A ``stage:<id>`` start (when that stage was done; a recurring one's latest occurrence) or a
    ``planned:<id>`` start (the date planned for the case; while none is, the process's default, unless
    publication was deferred without a new date, or will not happen)."""
    process = clock.process
    if process.review is None or not clock.review:
        return None
    kind, _, ident = name.partition(":")
    found = facts(clock)
    if kind == "stage":
        stage = next((s for s in process.review.stages if s.id == ident), None)
        return found.done(stage) if stage else None
    planned = process.review.planned_date(ident)
    if planned is None:
        return None
    if ident in found.plans:
        if found.plans[ident] is not None:
            return found.plans[ident]
        return (found.deferred or {}).get("until")
    if found.not_published is not None and ident == "publication":
        return None
    start = clock.start(planned.start)
    return planned.length.after(start, clock.calendar) if start else None


def _stage_due(clock, stage: Stage, found: Facts) -> dt.date | None:
    occurrences = found.occurrences.get(stage.id) or []
    if stage.recurring and occurrences:
        if stage.every is None:
            return None
        return stage.every.after(max(o.on for o in occurrences), clock.calendar)
    if stage.deadline:
        return clock.due(stage.deadline)
    if stage.start and stage.length is not None:
        start = clock.start(stage.start)
        return stage.length.after(start, clock.calendar) if start else None
    return None


class _Then:
    """The clock as it stood before one event: the review's facts read from the journal up to it. A stage
    done is shown against the date it was due when it was done, not against a plan made since."""

    def __init__(self, clock, events: list[dict]):
        self._clock = clock
        self._review_facts = Facts(clock.process, events, getattr(clock, "superseded_notices", frozenset()))

    def __getattr__(self, name):
        return getattr(self._clock, name)

    def start(self, name: str) -> dt.date | None:
        if name.startswith(("stage:", "planned:")):
            return resolve_start(self, name)
        return self._clock.start(name)

    def due(self, ident: str) -> dt.date | None:
        deadline = self.process.deadline(ident)
        if deadline is None or not deadline.start.startswith(("stage:", "planned:")):
            return self._clock.due(ident)
        start = self.start(deadline.start)
        return deadline.length.after(start, self.calendar) if start else None


def _due_when_done(clock, stage: Stage, occurrences: list[Occurrence]) -> dt.date | None:
    first = occurrences[0].event if occurrences else ""
    events = list(clock.events)
    position = next((i for i, e in enumerate(events) if e.get("id") == first), None)
    if position is None:
        return None
    then = _Then(clock, events[:position])
    return _stage_due(then, stage, then._review_facts)


def review_state(clock) -> ReviewState | None:
    """The review's stages for the case the clock works out; None when no review was commissioned."""
    process = clock.process
    if process.review is None or not clock.review:
        return None
    review = process.review
    found = facts(clock)
    stages = []
    for stage in review.stages:
        occurrences = found.occurrences.get(stage.id) or []
        ended = False
        if stage.recurring and stage.until:
            until = next((s for s in review.stages if s.id == stage.until), None)
            ended = bool(until and found.done(until))
        if stage.publication and found.not_published is not None and not occurrences:
            ended = True
        if stage.recurring or not occurrences:
            due = None if ended else _stage_due(clock, stage, found)
        else:  # done: the date it was due then
            due = _due_when_done(clock, stage, occurrences)
        stages.append(StageState(
            id=stage.id, label=stage.label, owner=stage.owner, owner_label=owner_label(process, stage.owner),
            due=due, done=found.done(stage), recurring=stage.recurring,
            occurrences=occurrences, chased=found.chased.get(stage.id, 0), ended=ended,
            files=[o.file for o in occurrences if o.file], reports=_reports(found, stage, occurrences)))
    for stage in review.stages:  # the returns' stage recorded done: no report is awaited any more
        if stage.done == "returns" and found.done(stage):
            for state in stages:
                if state.id in stage.after:
                    for report in state.reports:
                        report.closed = True
    reviewer_stage = next((s for s in review.stages if s.done == "reviewer"), None)
    names = [n for o in found.occurrences.get(reviewer_stage.id, []) for n in o.names] if reviewer_stage else []
    if not names and clock.decision.chair:  # named on the decision (lscb-2016's decide --chair --reviewer)
        names = list(clock.decision.chair.get("reviewers") or [])
    publication = review.publication
    return ReviewState(
        stages=stages, planned={p.id: found.plans.get(p.id) for p in review.planned},
        planned_due={p.id: resolve_start(clock, f"planned:{p.id}") for p in review.planned},
        deferred=found.deferred, deferrals=found.deferrals, not_published=found.not_published, reviewers=names,
        reviewer_email=found.reviewer_email, published=found.done(publication) if publication else None)


def _reports(found: Facts, stage: Stage, occurrences: list[Occurrence]) -> list[AgencyReport]:
    """Each agency the stage's form went to (its latest sending), and its latest report."""
    if not stage.form or not occurrences:
        return []
    sent = occurrences[-1]
    received = found.reports.get(stage.id, {})
    reports = []
    for agency in sent.agencies:
        event = received.get(agency)
        reports.append(AgencyReport(agency, sent.on, sent.return_by,
                                    _date(event["on"]) if event else None, event.get("valid") if event else None,
                                    event.get("file", "") if event else "",
                                    found.report_chases.get((stage.id, agency), 0)))
    return reports


def owner_label(process: Process, owner: str) -> str:
    if owner.startswith("contact:"):
        return owner[len("contact:"):]
    return process.roles.get(owner) or process.review.roles.get(owner) or owner.replace("_", " ")


# --- what is due ---------------------------------------------------------------------------------------


def due_items(state: ReviewState, on: dt.date, soon_days: int) -> list[tuple[StageState, int]]:
    """(stage, days left) for every open stage due within ``soon_days`` or late."""
    items = []
    for stage in state.stages:
        if stage.open and stage.due is not None and (stage.due - on).days <= soon_days:
            items.append((stage, (stage.due - on).days))
    return items


def late_reports(state: ReviewState, on: dt.date) -> list[tuple[StageState, AgencyReport]]:
    """Every agency's report past its return-by date and not yet in (valid)."""
    return [(stage, report) for stage in state.stages for report in stage.reports if report.late(on)]
