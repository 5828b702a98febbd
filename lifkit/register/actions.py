"""The register's Actions sheet: one row per action of a review's action plan, derived from the case
folder like the Register rows (:mod:`lifkit.register.sync`), so ``lifkit register sync`` rebuilds it.

Rows are found by the action's reference (``Action ref``, e.g. ``CIEC-2026-001-A1``), columns by their
headings; the administrator's own columns (and the rows' order, filters and formatting) are kept. Each
row carries the id of the journal event that last changed its action (``Event id``). A workbook made
before the Actions sheet existed has none: ``register check`` says so and which headings to give it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lifkit.case.actionplan import Action, action_plan
from lifkit.case.folder import case_references, load_case
from lifkit.errors import InputError, LifkitError
from lifkit.mechanics.dates import today
from lifkit.register.workbook import (ACTIONS_COLUMNS, ACTIONS_SHEET, Problem, UpdateResult, _book, _edit,
                                      _norm_ref, _read_file, _save, _SheetRows, heading_problems)


def action_row(action: Action, review: str, on: dt.date | None = None) -> dict[str, Any]:
    """lifkit's columns of one action's row."""
    on = on or today()
    return {
        "case_ref": action.case_ref, "review": review,
        "recommendation": f"{action.recommendation}. {action.recommendation_text}".strip(),
        "action": action.text, "agency": action.agency, "lead": action.lead, "due": action.due,
        "measure": action.measure, "status": action.status, "evidence": action.evidence, "impact": action.impact,
        "updated": action.updated, "overdue": action.overdue(on), "event": action.last_event,
    }


def case_action_rows(ws, reference: str) -> dict[str, dict[str, Any]]:
    """Action ref -> its row, for every action of the case (its journal read once: the plan and the review
    decided come from the same events; the rest of the case's state is not needed)."""
    from lifkit.case.folder import journal
    from lifkit.case.state import decision_so_far

    case = load_case(ws, reference)
    events = journal(case.folder)
    plan = action_plan(case, events)
    if not plan.actions:
        return {}
    review = decision_so_far(ws.process, events).outcome
    return {a.ref: action_row(a, review) for a in plan.actions}


def write_action_rows(path, rows: dict[str, dict[str, Any]]) -> list[UpdateResult]:
    """Write the rows (action ref -> values) to the Actions sheet in one save."""
    from lifkit.register.workbook import _checked_values

    checked = {ref: _checked_values(values, ACTIONS_COLUMNS) for ref, values in rows.items()}
    results = [UpdateResult(path=path, case_ref=values.get("case_ref")) for values in checked.values()]

    def edit(book) -> None:
        sheet = _edit(book, ACTIONS_SHEET, ACTIONS_COLUMNS)
        for result, (ref, values) in zip(results, checked.items()):
            sheet.upsert_keyed("action_ref", ref, values, result)

    if checked:
        _save(path, edit, results)
    return results


def sync_actions(ws, reference: str | None = None) -> str | None:
    """Write the Actions rows of one case (or of every case); a warning in words when the register could
    not be written (the rows are rebuilt from the case folders by the next step or `register sync`)."""
    rows: dict[str, dict[str, Any]] = {}
    for ref in ([reference] if reference else case_references(ws)):
        rows.update(case_action_rows(ws, ref))
    if not rows:
        return None
    try:
        write_action_rows(ws.register_path, rows)
    except LifkitError as exc:
        return (f"The register's {ACTIONS_SHEET} sheet was not updated: {exc.message} The actions are recorded in "
                "the case folder; `lifkit register sync` writes them.")
    return None


def check_actions(path, cases_dir=None, plans: bool = True) -> list[Problem]:
    """What is wrong on the Actions sheet: no sheet (while ``plans``: some case has an action plan),
    missing or doubled headings, an action on two rows, a row whose case has no folder, dates that are
    not dates."""
    book = _book(path, _read_file(path))
    if not any(ref.name.casefold() == ACTIONS_SHEET.casefold() for ref in book.sheet_refs):
        if not plans:
            return []
        headings = ", ".join(c.header for c in ACTIONS_COLUMNS)
        return [Problem("missing-sheet", ACTIONS_SHEET, f"the workbook has no {ACTIONS_SHEET} sheet, so lifkit cannot "
                        f"list the action plans' actions on it. Add a sheet named {ACTIONS_SHEET} whose first row "
                        f"holds the headings: {headings}; then run `lifkit register sync`.")]
    try:
        sheet_rows = _SheetRows.read(book, book.sheet(ACTIONS_SHEET), ACTIONS_COLUMNS)
    except InputError as exc:
        return [Problem("missing-column", ACTIONS_SHEET, exc.message)]
    header, rows = sheet_rows.header, sheet_rows.rows
    problems: list[Problem] = heading_problems(header, ACTIONS_SHEET, ACTIONS_COLUMNS)
    key_col, case_col = header.single("action_ref"), header.single("case_ref")
    seen: dict[str, list[int]] = {}
    for rownum, cells in rows:
        if rownum <= header.row:
            continue
        for column in ACTIONS_COLUMNS:
            col = header.single(column.key)
            value = cells.get(col) if col is not None else None
            if column.kind == "date" and value is not None and not isinstance(value, dt.date):
                problems.append(Problem("not-a-date", ACTIONS_SHEET, f"{str(value)!r} is not a date; type it as a "
                                        "date, e.g. 03/12/2026.", row=rownum, column=column.header))
        key = _norm_ref(cells.get(key_col)) if key_col is not None else ""
        if key:
            seen.setdefault(key, []).append(rownum)
        case_ref = _norm_ref(cells.get(case_col)) if case_col is not None else ""
        if cases_dir is not None and case_ref and not (cases_dir / case_ref / "case.yaml").is_file():
            problems.append(Problem("hand-added", ACTIONS_SHEET, f"{case_ref} has no case folder: the row was added "
                                    "by hand, or the case folder was moved.", row=rownum, column="Case ref"))
    for key, rownums in seen.items():
        if len(rownums) > 1:
            problems.append(Problem("duplicate-action", ACTIONS_SHEET, f"{key} is on rows "
                                    f"{', '.join(map(str, rownums))}; lifkit will not update it until only one row "
                                    "is left.", row=rownums[1], column="Action ref"))
    return problems
