"""A case's row on the register, derived from its case folder (the source of truth).

Every step that changes a case (opened, requests issued, returns collected, recommended, decided,
notified) calls :func:`sync_case`, which works out the whole of lifkit's part of the row from the case
folder and writes it through the register module. So the register can always be rebuilt
(``lifkit register sync``), a step whose register write failed (the workbook was open in Excel) is
mended by the next one, and no step has to remember which columns it owns. Columns lifkit does not
know, and the Notes column, are the administrator's and are never written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from lifkit.case.folder import event_day, journal, load_case, record_event
from lifkit.case.state import case_state, decision_so_far
from lifkit.errors import LifkitError


def case_row(ws, reference: str, case=None, events: list[dict] | None = None) -> dict[str, Any]:
    """lifkit's columns of the case's Register row: the process's register columns, keyed as it names them
    (from ``case`` and its journal ``events`` where the caller has read them already)."""
    process = ws.process
    case = case or load_case(ws, reference)
    referral = (case.referral or {}).get("values", {})
    events = journal(case.folder) if events is None else events
    state = case_state(ws, reference, case, events)
    decision = decision_so_far(process, events)
    issued = [(dt.date.fromisoformat(e["issued"]) if e.get("issued") else event_day(e)) for e in events
              if e["event"] == "issued"]
    valid = sum(1 for m in state.members if m.valid)
    rec = decision.recommendation or {}
    chair = decision.chair or {}

    def yes_no(value) -> str:
        return "" if value in (None, "") else ("Yes" if value and value != "No" else "No")

    fixed = {
        "case_ref": case.reference, "notified": case.notified, "referral_received": case.opened,
        # one row a case: a notification of several children of one incident names them all (dates: the first's)
        "subject_name": "; ".join(s.name for s in case.subjects if s.name) or case.subject.name,
        "subject_dob": case.subject.dob, "subject_dod": case.subject.dod,
        "meeting": case.meeting_date, "requests_issued": min(issued) if issued else None,
        "returns": f"{valid} of {len(state.members)}" if state.members else "",
        "recommendation": rec.get("recommendation", ""), "response": chair.get("response", "").capitalize(),
        "decision": state.decision, "decision_date": state.decision_date,
        "reviewers": ", ".join(chair.get("reviewers") or []), "signoffs": ", ".join(decision.signoffs),
        "status": state.stage,
    }
    review = state.review_state  # the commissioned review: where it stands, its plans, a deferral
    if review is not None:
        deferred = review.deferred or (review.deferrals[-1] if review.deferrals else None)
        fixed["review_stage"] = review.describe()
        fixed["deferred"] = (f"{deferred['reason']}" + (f" (until {deferred['until']:%d/%m/%Y})"
                                                         if deferred.get("until") else "")) if deferred else ""
    row: dict[str, Any] = {}
    for column in process.register_columns:
        key = column.key
        kind, _, name = key.partition(":")
        if not name:
            if key in fixed:
                row[key] = fixed[key]
            continue  # "notes" and the like: the administrator's
        if kind == "referral":
            row[key] = referral.get(name, "")
        elif kind == "flag":
            value = referral.get(name) if name in referral else (rec.get("flags") or {}).get(name) if rec else None
            row[key] = "Yes" if value is True or value == "Yes" else ("No" if rec or name in referral else "")
        elif kind == "due":
            found = state.deadline(name) or state.notice(name)
            row[key] = found.due if found else None
        elif kind == "met":
            found = state.deadline(name)
            row[key] = yes_no(found.met) if found and found.met is not None else ""
        elif kind == "planned":
            row[key] = review.planned.get(name) if review is not None else None
        elif kind == "stage":
            found = review.stage(name) if review is not None else None
            row[key] = found.done if found else None
        elif kind in ("sent", "reply", "reply_agreed"):
            notice = state.notice(name)
            if notice is None:
                row[key] = None
            elif kind == "sent":
                row[key] = notice.sent
            elif kind == "reply":
                row[key] = notice.reply
            else:
                row[key] = "" if notice.agreed is None else ("Yes" if notice.agreed else "No")
    return {key: ("" if value is None else value) for key, value in row.items()}


def _pending_rows(case_folder, events: list[dict] | None = None) -> list[tuple[str, dict]]:
    """Decisions rows journalled but not yet recorded as written to the register, oldest first, each with
    the id of the journal event that made it (which the row carries on the register)."""
    pending: dict[str, dict] = {}
    for event in journal(case_folder) if events is None else events:
        if event["event"] == "decision rows written":
            for row_id in event["ids"]:
                pending.pop(row_id, None)
        elif event.get("row"):  # a decision step's own event, or an older lifkit's "decision row pending"
            pending[event["id"]] = {**event["row"], "event_id": event["id"]}
    return list(pending.items())


def sync_case(ws, reference: str) -> str | None:
    """Write the case's row, and append its Decisions rows that are not on the register yet.

    A Decisions row is in the journal, in the very entry of the step that made it, before the register is
    touched, so it is never lost: if the register is open in Excel or locked by another lifkit, that is
    reported as a warning and the row is written by the next step that reaches the register (or by
    ``lifkit register sync``). Each row carries its event's id, and the register adds a row only when no
    row with that id is there, under the register's lock: a row is never written twice, whatever runs at
    the same time or fails half way.
    """
    from lifkit.register.workbook import record_decisions

    case = load_case(ws, reference)
    pending = _pending_rows(case.folder)
    try:
        values = case_row(ws, reference)
        record_decisions(ws.register_path, reference, values, [_dates(row) for _, row in pending],
                         columns=ws.process.register_columns)
    except LifkitError as exc:
        missed = f" and {len(pending)} Decisions row{'s' if len(pending) != 1 else ''}" if pending else ""
        return (f"The register was not updated: {exc.message} Everything is recorded in the case folder; the "
                f"case's row{missed} will be written by the next step, or now by `lifkit register sync`.")
    if pending:
        record_event(case.folder, "decision rows written", ids=[row_id for row_id, _ in pending])
    return None


def _dates(row: dict) -> dict:
    return {k: (dt.date.fromisoformat(v) if k == "date" and isinstance(v, str) else v) for k, v in row.items()}


@dataclass
class SyncResult:
    written: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def sync_all(ws, reference: str | None = None) -> SyncResult:
    """Rebuild every case's Register row (or one case's) from the case folders.

    Cases with Decisions rows still to write go one by one (each with its rows, in one save); all the
    others are written together, in one save of the workbook.
    """
    from lifkit.case.folder import case_references
    from lifkit.register.workbook import update_cases

    result = SyncResult()
    references = [reference] if reference else case_references(ws)
    together: dict[str, dict] = {}
    for ref in references:
        case = load_case(ws, ref)
        events = journal(case.folder)  # read once for both questions
        if _pending_rows(case.folder, events):
            warning = sync_case(ws, ref)
            if warning:
                result.failed[ref] = warning
            else:
                result.written.append(ref)
        else:
            together[ref] = case_row(ws, ref, case, events)
    if together:
        try:
            update_cases(ws.register_path, together, columns=ws.process.register_columns)
            result.written.extend(together)
        except LifkitError as exc:
            for ref in together:
                result.failed[ref] = f"The register was not updated: {exc.message}"
    result.written.sort()
    return result
