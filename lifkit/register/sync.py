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

from lifkit.case.folder import journal, load_case, record_event
from lifkit.errors import LifkitError


def case_row(ws, reference: str) -> dict[str, Any]:
    """lifkit's columns of the case's Register row (keys of register.REGISTER_COLUMNS)."""
    from lifkit.steps.decisions import decision_state
    from lifkit.steps.exchange import case_status

    case = load_case(ws, reference)
    referral = (case.referral or {}).get("values", {})
    status = case_status(ws, reference)
    state = decision_state(case)
    issued = [dt.date.fromisoformat(e.get("issued") or e["at"][:10]) for e in journal(case.folder)
              if e["event"] == "issued"]
    valid = sum(1 for m in status.members if m.valid)
    chair = state.chair or {}

    def yes_no(name: str) -> str:
        return "Yes" if referral.get(name) else "No"

    def iso(value) -> dt.date | None:
        return dt.date.fromisoformat(value) if isinstance(value, str) and value else value or None

    row: dict[str, Any] = {
        "case_ref": case.reference, "date_notified": case.notified, "cigscr1_received": case.opened,
        "referral_route": referral.get("referral_route", ""), "referring_agency": referral.get("agency", ""),
        "named_lead": referral.get("lead_name", ""), "child_name": case.child.name, "child_dob": case.child.dob,
        "child_dod": case.child.dod,
        "criterion_a": yes_no("criterion_a"), "criterion_b_i": yes_no("criterion_b_i"),
        "criterion_b_ii": yes_no("criterion_b_ii"), "criterion_custody": yes_no("criterion_custody"),
        "criterion_looked_after": yes_no("criterion_looked_after"),
        "ciec_meeting": case.meeting_date, "ciginf1_issued": min(issued) if issued else None,
        "ciginf1_returned": f"{valid} of {len(status.members)}" if status.members else "",
        "ciec_recommendation": (state.recommendation or {}).get("recommendation", ""),
        "chair_response": chair.get("response", "").capitalize(), "decision": chair.get("decision", ""),
        "decision_date": state.decision_date, "decision_due": case.decision_due,
        "within_one_month": ("Yes" if state.decision_date <= case.decision_due else "No")
        if state.decided and case.decision_due else "",
        "reviewers": ", ".join(chair.get("reviewers") or []),
        "ofsted_notified": iso(state.notified.get("ofsted")), "panel_due": state.panel_due,
        "panel_notified": iso(state.notified.get("panel")), "referrer_notified": iso(state.notified.get("referrer")),
        "status": _status(case, status, state, issued),
    }
    return {key: ("" if value is None else value) for key, value in row.items()}


def _status(case, status, state, issued) -> str:
    if state.decided:
        needed = {"ofsted", "referrer"} | (set() if state.scr else {"panel"})
        done = needed <= set(state.notified)
        return f"Decided: {state.chair['decision']}; notifications {'sent' if done else 'due'}"
    latest_further = state.further_info[-1] if state.further_info else None
    if latest_further and (not state.recommendation or latest_further["at"] > state.recommendation["at"]):
        next_meeting = dt.date.fromisoformat(latest_further["next_meeting"])
        return f"Further information; next meeting {next_meeting.strftime('%d/%m/%Y')}"
    if state.recommendation:
        return f"Recommended: {state.recommendation['recommendation']}"
    if not issued:
        return "Opened"
    if status.members and all(m.valid for m in status.members):
        return "Returns complete"
    return "Awaiting returns"


def _pending_rows(case_folder) -> list[tuple[str, dict]]:
    """Decisions rows journalled but not yet written to the register, oldest first."""
    pending: dict[str, dict] = {}
    for event in journal(case_folder):
        if event["event"] == "decision row pending":
            pending[event["id"]] = event["row"]
        elif event["event"] == "decision rows written":
            for row_id in event["ids"]:
                pending.pop(row_id, None)
    return list(pending.items())


def sync_case(ws, reference: str, decision_row: dict | None = None) -> str | None:
    """Write the case's row, and append its Decisions rows that are not on the register yet.

    A new Decisions row is put in the journal first, so it is never lost: if the register is open in
    Excel or locked by another lifkit, that is reported as a warning and the row is written by the next
    step that reaches the register (or now by ``lifkit register sync``).
    """
    import uuid

    from lifkit.register.workbook import append_decision, record, update_case

    case = load_case(ws, reference)
    if decision_row is not None:
        stored = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in decision_row.items()}
        record_event(case.folder, "decision row pending", id=uuid.uuid4().hex, row=stored)
    pending = _pending_rows(case.folder)
    written: list[str] = []
    try:
        values = case_row(ws, reference)
        for row_id, row in pending[:-1]:
            append_decision(ws.register_path, _dates(row))
            written.append(row_id)
        if pending:
            record(ws.register_path, reference, values, _dates(pending[-1][1]))
            written.append(pending[-1][0])
        else:
            update_case(ws.register_path, reference, values)
    except LifkitError as exc:
        waiting = len(pending) - len(written)
        missed = f" and {waiting} Decisions row{'s' if waiting != 1 else ''}" if waiting else ""
        return (f"The register was not updated: {exc.message} Everything is recorded in the case folder; the "
                f"case's row{missed} will be written by the next step, or now by `lifkit register sync`.")
    finally:
        if written:
            record_event(case.folder, "decision rows written", ids=written)
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
        if _pending_rows(load_case(ws, ref).folder):
            warning = sync_case(ws, ref)
            if warning:
                result.failed[ref] = warning
            else:
                result.written.append(ref)
        else:
            together[ref] = case_row(ws, ref)
    if together:
        try:
            update_cases(ws.register_path, together)
            result.written.extend(together)
        except LifkitError as exc:
            for ref in together:
                result.failed[ref] = f"The register was not updated: {exc.message}"
    result.written.sort()
    return result
