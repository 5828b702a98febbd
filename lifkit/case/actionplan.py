"""A case's action plan, derived from its case folder: the review's recommendations and the actions
under each, and where each action stands after the agencies' updates.

The plan is the journal's ``actions added`` events (each action in full: recommendation, agency, lead,
due date, measure of impact); the agencies' updates are their returned action update forms, filed in
``actions/<AGENCY>.json`` (every submission, like the returns of a request) and journalled as ``action
update received``; requests for updates are ``action update requested``. Every event carries an id, and
everything derived from it (an action, its row on the register's Actions sheet) carries that id.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from lifkit.case.folder import Case, event_day, journal, record_event
from lifkit.errors import InputError

STATUSES = ("Not started", "In progress", "Completed", "Cannot be completed")
CLOSED = ("Completed", "Cannot be completed")
ACTIONS_FOLDER = "actions"
UPDATE_FORM = "aupd"  # the action update form (forms/aupd.yaml)


@dataclass
class Action:
    id: str  # "A1": stable within its case
    case_ref: str
    recommendation: int
    recommendation_text: str
    text: str
    agency: str
    lead: str
    due: dt.date
    measure: str
    added: dt.date
    event: str  # the id of the journal event that added it
    status: str = "Not started"
    evidence: str = ""
    impact: str = ""
    updated: dt.date | None = None  # the date the agency gave for its update
    update_event: str = ""  # the id of the event that filed the latest update
    requested: dt.date | None = None  # the latest request for an update
    update_due: dt.date | None = None
    updates: list[dict] = field(default_factory=list)  # every update, oldest first

    @property
    def ref(self) -> str:
        """The action's reference across the workspace (the register's key): CIEC-2026-001-A1."""
        return f"{self.case_ref}-{self.id}"

    @property
    def open(self) -> bool:
        return self.status not in CLOSED

    def overdue(self, on: dt.date) -> bool:
        return self.open and self.due < on

    def update_outstanding(self, on: dt.date) -> bool:
        """An update was asked for, is past its date, and none came after the request."""
        answered = self.updated_on is not None and self.requested is not None and self.updated_on >= self.requested
        return bool(self.open and self.update_due and self.update_due < on and not answered)

    @property
    def updated_on(self) -> dt.date | None:
        return dt.date.fromisoformat(self.updates[-1]["received_on"]) if self.updates else None

    @property
    def last_event(self) -> str:
        return self.update_event or self.event


@dataclass
class ActionPlan:
    case_ref: str
    actions: list[Action]

    def action(self, ident: str) -> Action | None:
        key = ident.strip().upper()
        return next((a for a in self.actions if a.id == key or a.ref.upper() == key), None)

    def for_agency(self, code: str) -> list[Action]:
        return [a for a in self.actions if a.agency == code]

    @property
    def recommendations(self) -> list[tuple[int, str]]:
        seen: dict[int, str] = {}
        for action in self.actions:
            seen.setdefault(action.recommendation, action.recommendation_text)
        return sorted(seen.items())


def new_event_id() -> str:
    return uuid.uuid4().hex


def record(case: Case, event: str, **details) -> dict:
    """Journal one event of the action plan with its id (everything derived from it carries the id)."""
    details.setdefault("id", new_event_id())
    return record_event(case.folder, event, **details)


def updates_file(case: Case, code: str) -> Path:
    return case.folder / ACTIONS_FOLDER / f"{code}.json"


def load_updates(case: Case, code: str) -> list[dict]:
    """Every action update form received from agency ``code``, oldest first."""
    path = updates_file(case, code)
    if not path.is_file():
        return []
    try:
        return json.loads(path.read_text(encoding="utf-8"))["submissions"]
    except (ValueError, KeyError, TypeError):
        raise InputError(f"{path} is damaged.", "Restore it from the workspace backup; the originals are in the "
                         "case's inbox/ and can be collected again.") from None


def save_update(case: Case, code: str, submission: dict) -> None:
    from lifkit.mechanics.files import atomic_write_text

    submissions = load_updates(case, code)
    submissions.append(submission)
    path = updates_file(case, code)
    path.parent.mkdir(exist_ok=True)
    atomic_write_text(path, json.dumps({"agency": code, "submissions": submissions}, indent=2, ensure_ascii=False,
                                       default=str))


def _date(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def action_plan(case: Case, events: list[dict] | None = None) -> ActionPlan:
    """The case's action plan with each action's latest valid update."""
    events = journal(case.folder) if events is None else events
    actions: dict[str, Action] = {}
    agencies: set[str] = set()
    for event in events:
        kind = event["event"]
        if kind == "actions added":
            added = event_day(event)
            for item in event["actions"]:
                actions[item["action"]] = Action(
                    id=item["action"], case_ref=case.reference, recommendation=int(item["recommendation"]),
                    recommendation_text=item.get("recommendation_text", ""), text=item["text"],
                    agency=item["agency"], lead=item.get("lead", ""), due=_date(item["due"]),
                    measure=item.get("measure", ""), added=added, event=event.get("id", ""))
                agencies.add(item["agency"])
        elif kind == "action update requested":
            for ident in event.get("actions") or []:
                if ident in actions:
                    actions[ident].requested = _date(event["issued"])
                    actions[ident].update_due = _date(event["return_by"])
        elif kind == "action update chased":
            for ident in event.get("actions") or []:
                if ident in actions:
                    actions[ident].update_due = _date(event["new_date"])
    for code in sorted(agencies):
        for submission in load_updates(case, code):
            if not submission.get("valid"):
                continue
            for row in submission.get("updates") or []:
                action = actions.get(row["action"])
                if action is None or action.agency != code:
                    continue
                action.updates.append({**row, "received_on": submission["received_on"],
                                       "event": submission.get("event", "")})
                action.status = row["status"]
                action.evidence = row.get("evidence", "")
                action.impact = row.get("impact", "")
                action.updated = _date(row.get("date"))
                action.update_event = submission.get("event", "")
    return ActionPlan(case.reference, sorted(actions.values(), key=lambda a: (a.recommendation, _number(a.id))))


def _number(ident: str) -> int:
    digits = "".join(ch for ch in ident if ch.isdigit())
    return int(digits) if digits else 0


def next_action_numbers(plan: ActionPlan, count: int) -> list[str]:
    start = max((_number(a.id) for a in plan.actions), default=0)
    return [f"A{start + n}" for n in range(1, count + 1)]
