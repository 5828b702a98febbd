"""After a decision to review: the review's action plan, and the agencies' updates on their actions.

``lifkit actions add`` and ``lifkit actions import`` record the review's recommendations and the actions
under each (the agency responsible, the lead, the due date, the measure of impact); ``lifkit actions
request`` sends each agency with open actions an action update form (AUPD) pre-filled with its own
actions, by the same exchange as a request; ``lifkit collect`` files the returns (recognised by their
identity), ``chase`` and ``overdue`` cover them. Every step is one journal event with an id, written
only once everything in it has been checked: nothing is recorded half.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifkit.case.actionplan import (CLOSED, STATUSES, UPDATE_FORM, Action, action_plan, load_updates,
                                    next_action_numbers, record, save_update)
from lifkit.case.folder import Case, case_references, load_case
from lifkit.errors import InputError
from lifkit.mechanics.files import unique_path
from lifkit.mechanics.dates import format_date, parse_date, today

TEMPLATE_NAME = "action-plan-template.xlsx"
# The import layout: heading -> (key, required). Headings are matched whatever their case and spacing.
IMPORT_COLUMNS = (
    ("Recommendation", "recommendation", True),
    ("Recommendation text", "recommendation_text", False),
    ("Action", "text", True),
    ("Agency", "agency", True),
    ("Lead", "lead", True),
    ("Due", "due", True),
    ("Measure of impact", "measure", True),
)
IMPORT_HELP = (
    "One row per action, under a header row with these headings: Recommendation (its number), "
    "Recommendation text (may be given once per recommendation), Action, Agency (the member's code), Lead, "
    "Due (a date), Measure of impact.")


# --- results ----------------------------------------------------------------------------------


@dataclass
class ActionsAdded:
    reference: str
    actions: list[Action]
    event: str
    register_warning: str | None = None
    skipped: list[str] = field(default_factory=list)  # rows of an import already recorded, in words
    warnings: list[str] = field(default_factory=list)  # recorded, but needs attention (a person's name typed)


@dataclass
class UpdateRequest:
    reference: str
    agency: str
    email: str
    actions: list[str]
    return_by: dt.date
    files: list[Path]
    draft: Path


@dataclass
class UpdateRequests:
    requests: list[UpdateRequest] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # cases without open actions, in words


class ActionProblems(InputError):
    """Actions that cannot be recorded: every problem listed, nothing recorded."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was "
                         f"recorded:\n{lines}", "Correct them and run the command again.")


# --- the case behind a plan --------------------------------------------------------------------


def _reviewed_case(ws, reference: str):
    """The case, its state and the decision's option, refusing a case whose decision has no action plan."""
    from lifkit.case.state import case_state

    process = ws.process
    process.after_decision()
    case = load_case(ws, reference)
    state = case_state(ws, reference, case)
    if not state.decision_date:
        raise InputError(f"{case.reference} has no {process.term('decision')} yet: an action plan follows a decision "
                         "to review the case.", f"Record the decision first (lifkit decide {case.reference} ...).")
    option = next((o for o in process.options if o.name == state.decision), None)
    if option is None or not option.action_plan:
        with_plans = ", ".join(o.name for o in process.options if o.action_plan)
        raise InputError(f"{case.reference}'s decision, {state.decision}, commissions no review with an action plan.",
                         f"Action plans are kept for: {with_plans}.")
    return case, state, option


def review_name(ws, reference: str) -> str:
    from lifkit.case.state import case_state

    return case_state(ws, reference).decision


# --- checking one action ------------------------------------------------------------------------


def _check(ws, state, values: dict[str, Any], where: str) -> tuple[dict, list[str]]:
    """One action's values, normalised, and its problems in words (``where`` names the row or option)."""
    problems: list[str] = []
    item: dict[str, Any] = {}
    raw_number = values.get("recommendation")
    number = None
    if isinstance(raw_number, (int, float)) and not isinstance(raw_number, bool) and float(raw_number).is_integer():
        number = int(raw_number)
    elif isinstance(raw_number, str) and raw_number.strip().isdigit():
        number = int(raw_number.strip())
    if number is None or number < 1:
        shown = "empty" if raw_number in (None, "") else repr(raw_number)
        problems.append(f"{where('Recommendation')}: {shown} is not a recommendation's number (1, 2, 3...)")
    item["recommendation"] = number
    item["recommendation_text"] = _text(values.get("recommendation_text"))
    for key, label in (("text", "Action"), ("lead", "Lead"), ("measure", "Measure of impact")):
        item[key] = _text(values.get(key))
        if not item[key]:
            problems.append(f"{where(label)}: must be filled in")
    code = _text(values.get("agency")).upper()
    members = {m.code for m in ws.settings.members}
    if not code:
        problems.append(f"{where('Agency')}: must be filled in with the agency's code")
    elif code not in members:
        problems.append(f"{where('Agency')}: {code} is not a member agency (the members are: "
                        f"{', '.join(sorted(members))})")
    item["agency"] = code
    due = values.get("due")
    if isinstance(due, dt.datetime):
        due = due.date()
    elif not isinstance(due, dt.date):
        due = parse_date(str(due)) if due not in (None, "") else None
        if due is None:
            shown = "empty" if values.get("due") in (None, "") else repr(values.get("due"))
            problems.append(f"{where('Due')}: {shown} is not a date (dd/mm/yyyy)")
    if isinstance(due, dt.date) and state.decision_date and due < state.decision_date:
        problems.append(f"{where('Due')}: {format_date(due)} is before the decision ({format_date(state.decision_date)})")
    item["due"] = due
    return item, problems


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split()) if "\n" not in str(value) else str(value).strip()


ACTION_TEXT_APPEARS = ("on the register (the Actions sheet), on the agency's action update forms, in the action "
                       "plans' review pack and in the journal")
TYPED = (("recommendation_text", "Recommendation text", "--recommendation-text"), ("text", "Action", "--action"),
         ("lead", "Lead", "--lead"), ("measure", "Measure of impact", "--measure"))


def _names_typed(ws, case: Case, items: list[tuple[Any, dict]], allow_names: bool) -> list[str]:
    """The warning for actions whose typed words hold a person's details from the case (none with
    ``allow_names``); ``items`` are (where: a row number, or None for --options, the action)."""
    if allow_names:
        return []
    from lifkit.case.identifiers import typed_names_warning

    texts = [(f"row {where}, column '{label}'" if where is not None else option, item.get(key) or "")
             for where, item in items for key, label, option in TYPED]
    warning = typed_names_warning(ws, case, texts, ACTION_TEXT_APPEARS)
    return [warning] if warning else []


def _action_key(recommendation, text: str, agency: str) -> tuple:
    """What makes two actions the same action: their recommendation, their words and their agency."""
    return (recommendation, _norm(text), (agency or "").upper())


def _record_actions(ws, case: Case, items: list[dict], source: str) -> ActionsAdded:
    from lifkit.register.actions import sync_actions

    plan = action_plan(case)
    known = dict(plan.recommendations)
    for item in items:  # a recommendation's text, given once, goes with every action under it
        if item["recommendation_text"]:
            known.setdefault(item["recommendation"], item["recommendation_text"])
    ids = next_action_numbers(plan, len(items))
    stored = []
    for ident, item in zip(ids, items):
        stored.append({"action": ident, "recommendation": item["recommendation"],
                       "recommendation_text": item["recommendation_text"] or known.get(item["recommendation"], ""),
                       "text": item["text"], "agency": item["agency"], "lead": item["lead"],
                       "due": item["due"].isoformat(), "measure": item["measure"]})
    entry = record(case, "actions added", source=source, actions=stored)
    plan = action_plan(case)
    warning = sync_actions(ws, case.reference)
    return ActionsAdded(case.reference, [a for a in plan.actions if a.id in ids], entry["id"], warning)


def add_action(ws, reference: str, recommendation: Any, text: str, agency: str, lead: str, due: Any,
               measure: str, recommendation_text: str = "", *, allow_names: bool = False) -> ActionsAdded:
    """Record one action of the case's review."""
    case, state, _ = _reviewed_case(ws, reference)
    labels = {"Recommendation": "--recommendation", "Action": "--action", "Agency": "--agency", "Lead": "--lead",
              "Due": "--due", "Measure of impact": "--measure"}
    item, problems = _check(ws, state, {"recommendation": recommendation, "recommendation_text": recommendation_text,
                                        "text": text, "agency": agency, "lead": lead, "due": due,
                                        "measure": measure}, lambda label: labels[label])
    if problems:
        raise ActionProblems(f"The action for {case.reference}", problems)
    warnings = _names_typed(ws, case, [(None, item)], allow_names)
    result = _record_actions(ws, case, [item], "added")
    result.warnings = warnings
    return result


# --- importing a plan ---------------------------------------------------------------------------


def _norm(text: Any) -> str:
    return " ".join(str(text or "").lower().split())


def _read_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of a CSV file or of the first sheet of a workbook."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        import csv

        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                return [(n, row) for n, row in enumerate(csv.reader(handle), start=1)]
        except UnicodeDecodeError:
            raise InputError(f"{path.name} is not a CSV file saved as UTF-8.",
                             "In Excel: File > Save As > CSV UTF-8, or give the workbook itself.") from None
    if suffix in (".xlsx", ".xlsm"):
        import zipfile

        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise InputError(f"{path.name} cannot be read as an Excel workbook ({exc}).",
                             "Save it as an Excel Workbook (.xlsx) or as CSV UTF-8.") from None
        try:
            sheet = book.worksheets[0]
            return [(n, list(row)) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
        finally:
            book.close()
    raise InputError(f"{path.name} is neither a workbook (.xlsx) nor a CSV file.",
                     f"Fill in the template ({TEMPLATE_NAME} in the workspace) and give that file.")


def import_actions(ws, reference: str, path: Path, *, allow_names: bool = False) -> ActionsAdded:
    """Record every action in a workbook or CSV file; every bad row is reported by row and column, and
    nothing is recorded until all are good."""
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist.", f"Give the filled-in action plan ({TEMPLATE_NAME} is the "
                         "template, in the workspace).")
    case, state, _ = _reviewed_case(ws, reference)
    rows = _read_rows(path)
    wanted = {_norm(heading): (heading, key) for heading, key, _ in IMPORT_COLUMNS}
    header_row, columns = None, {}
    for number, cells in rows[:20]:
        found = {index: wanted[_norm(c)] for index, c in enumerate(cells) if _norm(c) in wanted}
        if len(found) >= 3:
            header_row, columns = number, found
            break
    if header_row is None:
        raise InputError(f"{path.name} has no header row with the action plan's headings.", IMPORT_HELP)
    missing = [h for h, key, required in IMPORT_COLUMNS if required and key not in {k for _, k in columns.values()}]
    if missing:
        raise InputError(f"{path.name}: the header row (row {header_row}) has no column headed "
                         f"{', '.join(repr(m) for m in missing)}.", IMPORT_HELP)
    items, problems, numbered = [], [], []
    for number, cells in rows:
        if number <= header_row or all(c in (None, "") or not str(c).strip() for c in cells):
            continue
        values = {key: cells[index] if index < len(cells) else None for index, (_, key) in columns.items()}
        letters = {heading: get_column_letter(index + 1) for index, (heading, _) in columns.items()}
        item, found = _check(ws, state, values,
                             lambda label, n=number: f"row {n}, column '{label}' ({letters.get(label, '?')})")
        items.append(item)
        numbered.append((number, item))
        problems.extend(found)
    if not items and not problems:
        raise InputError(f"{path.name} holds no actions below its header row (row {header_row}).", IMPORT_HELP)
    if problems:
        raise ActionProblems(path.name, problems)
    recorded = {_action_key(a.recommendation, a.text, a.agency): a for a in action_plan(case).actions}
    new, skipped, on = [], [], set()
    for number, item in numbered:
        earlier = recorded.get(_action_key(item["recommendation"], item["text"], item["agency"]))
        if earlier is not None:
            skipped.append(f"row {number}: already recorded as {earlier.id} on {format_date(earlier.added)}")
            on.add(earlier.added)
        else:
            new.append(item)
    if not new:
        added = sorted(on)
        raise InputError(f"{path.name} was already imported on {', '.join(format_date(d) for d in added)}: every "
                         f"action in it is already recorded for {case.reference}; nothing was recorded.",
                         f"To add an action, add its row to the plan (the rows already recorded are skipped) "
                         f"or use lifkit actions add {case.reference} ...")
    warnings = _names_typed(ws, case, [(number, item) for number, item in numbered if item in new], allow_names)
    result = _record_actions(ws, case, new, f"imported from {path.suffix.lower().lstrip('.')}")
    result.skipped, result.warnings = skipped, warnings
    return result


def import_template(ws) -> Path:
    """The import template in the workspace (made when it is first needed): the headings, their widths,
    a date format in the Due column, and a second sheet saying how to fill it in."""
    from lifkit.mechanics.files import atomic_write_bytes

    target = ws.root / TEMPLATE_NAME
    if target.is_file():
        return target
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from lifkit.mechanics.xlsx import set_text

    book = Workbook()
    sheet = book.active
    sheet.title = "Actions"
    widths = {"Recommendation": 16, "Recommendation text": 40, "Action": 50, "Agency": 10, "Lead": 22, "Due": 12,
              "Measure of impact": 40}
    for index, (heading, _, _) in enumerate(IMPORT_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        set_text(cell, heading)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[cell.column_letter].width = widths[heading]
    for row in range(2, 200):
        sheet.cell(row=row, column=6).number_format = "dd/mm/yyyy"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("How to fill in")
    for row, text in enumerate([IMPORT_HELP, "The agency codes are those of `lifkit members`.",
                                "Due dates may not be before the decision.",
                                "Then: lifkit actions import REF this-file.xlsx"], start=1):
        set_text(notes.cell(row=row, column=1), text)
    notes.column_dimensions["A"].width = 120
    buffer = BytesIO()
    book.save(buffer)
    atomic_write_bytes(target, buffer.getvalue())
    return target


# --- asking the agencies for updates ------------------------------------------------------------


def _cases_with_plans(ws) -> list[str]:
    return [ref for ref in case_references(ws) if action_plan(load_case(ws, ref)).actions]


def request_updates(ws, reference: str | None = None, agencies: list[str] | None = None) -> UpdateRequests:
    """One action update form and email draft per agency with open actions (in one case, or every case)."""
    from lifkit.documents.generate import generate_form
    from lifkit.case.state import request_prefill
    from lifkit.documents.mail import build_draft
    from lifkit.register.actions import sync_actions

    learning = ws.process.after_decision()
    codes = [ws.settings.member(code).code for code in agencies] if agencies else None
    references = [load_case(ws, reference).reference] if reference else _cases_with_plans(ws)
    if reference:
        _reviewed_case(ws, reference)
    result = UpdateRequests()
    issued = today()
    calendar = ws.settings.working_calendar()
    due = calendar.on_or_after(learning.update_every.after(issued, calendar) if learning.update_every
                               else issued + dt.timedelta(days=14))
    for ref in references:
        case = load_case(ws, ref)
        plan = action_plan(case)
        open_actions = [a for a in plan.actions if a.open]
        if not open_actions:
            result.skipped.append(f"{ref}: no open actions")
            continue
        review = review_name(ws, ref)
        outbox = case.folder / "outbox"
        outbox.mkdir(exist_ok=True)
        for member in ws.settings.members:
            mine = [a for a in open_actions if a.agency == member.code]
            if not mine or (codes is not None and member.code not in codes):
                continue
            values = {"review": f"{review} ({learning.action_plan})", "return_by": due,
                      "actions": [{"action": a.id, "recommendation": f"{a.recommendation}. {a.recommendation_text}",
                                   "text": a.text, "lead": a.lead, "due": a.due, "measure": a.measure} for a in mine],
                      "updates": [{"action": a.id} for a in mine]}
            made = generate_form(ws, UPDATE_FORM, ref, member.code, member.format, outbox,
                                 case_values=request_prefill(ws, case, member.agency, issued), values=values)
            subject = f"{learning.action_plan_title} — {ref} — update on your agency's actions by {format_date(due)}"
            body = (f"Dear {member.name},\n\nCase {ref}: the {ws.settings.board_name} is following up the "
                    f"{learning.action_plan} of the {review}. The attached form lists {member.agency}'s "
                    f"{len(mine)} open action{'s' if len(mine) != 1 else ''}.\n\nPlease report on each (its status, "
                    "the evidence of completion, the impact seen against its measure, and the date) and return the "
                    f"form by {format_date(due)}, by replying to this email with the completed form attached.\n\n"
                    f"Please keep the case reference in the subject and do not add {ws.process.subject.a}'s name to it.\n\n"
                    + _signature(ws))
            draft = outbox / f"action-update-{ref}-{member.code}.eml"
            draft.write_bytes(build_draft(ws.settings.administrator.email, member.email, subject, body,
                                          list(made.files)))
            record(case, "action update requested", agency=member.code, issued=issued, return_by=due,
                   actions=[a.id for a in mine], files=[f.name for f in made.files], draft=draft.name)
            result.requests.append(UpdateRequest(ref, member.code, member.email, [a.id for a in mine], due,
                                                 list(made.files), draft))
        sync_actions(ws, ref)
    if reference and not result.requests and not result.skipped:
        result.skipped.append(f"{reference}: no open actions for {', '.join(codes or [])}")
    return result


def _signature(ws) -> str:
    return f"{ws.settings.administrator.name}\n{ws.process.term('administrator')}, {ws.settings.board_name}\n"


# --- filing a returned update (called by lifkit collect) --------------------------------------------


def update_problems(plan, code: str, updates: list[dict], form) -> list[str]:
    """What is wrong with an agency's updates, in the form's words: unknown action ids, statuses outside
    the list, a completed action without evidence, one that cannot be completed without a reason."""
    field = form.field("updates")
    label = {c.name: c.label for c in field.columns}
    where = form.describe("updates")
    mine = {a.id for a in plan.for_agency(code)}
    problems, seen = [], set()
    for number, row in enumerate(updates, start=1):
        ident = (row.get("action") or "").strip().upper()
        if ident not in mine:
            listed = ", ".join(sorted(mine)) or "none"
            problems.append(f"{where}, row {number}, '{label['action']}': {ident or '(empty)'} is not one of your "
                            f"agency's actions (they are: {listed})")
        elif ident in seen:
            problems.append(f"{where}, row {number}, '{label['action']}': {ident} is reported twice")
        seen.add(ident)
        status = _status(row.get("status"))
        if status is None:
            problems.append(f"{where}, row {number}, '{label['status']}': {row.get('status')!r} is not one of: "
                            f"{', '.join(STATUSES)}")
        elif status in CLOSED and not (row.get("evidence") or "").strip():
            need = "the evidence of completion" if status == "Completed" else "why it cannot be completed"
            problems.append(f"{where}, row {number}, '{label['evidence']}': must say {need}, since the status is "
                            f"{status}")
    return problems


def _status(text) -> str | None:
    key = " ".join(str(text or "").lower().replace("-", " ").split())
    return next((s for s in STATUSES if s.lower() == key), None)


def file_update(ws, case: Case, member, extracted, stored: Path, origin: Path, sender: str | None, name: str,
                attachments: list[Path], filing) -> tuple[bool, list[str]]:
    """Validate an agency's returned action update form and add its filing (its record, its journal entry)
    to ``filing``, which writes it whole with the rest of the message; (valid, problems)."""
    from lifkit.case.actionplan import new_event_id
    from lifkit.documents.formdef import load_form
    from lifkit.documents.validate import validate_extracted

    form = load_form(UPDATE_FORM, ws.root, ws.process.terms)
    plan = action_plan(case)
    if extracted is None:
        validation, problems = None, ["The form as a whole: it cannot be read; ask the agency to fill in the form "
                                      "that was sent to them and return it."]
    else:
        validation = validate_extracted(ws, extracted, case.reference, UPDATE_FORM)
        problems = [str(p) for p in validation.problems]
    values = validation.to_dict()["values"] if validation else {}
    updates = [{"action": (row.get("action") or "").strip().upper(),
                "status": _status(row.get("status")) or row.get("status"), "evidence": row.get("evidence") or "",
                "impact": row.get("impact") or "",
                "date": row["date"].isoformat() if isinstance(row.get("date"), dt.date) else row.get("date")}
               for row in values.get("updates") or []]
    if validation is not None:
        problems += update_problems(plan, member.code, values.get("updates") or [], form)
    valid = not problems
    event_id = new_event_id()
    submission = {"event": event_id, "received": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                  "received_on": today().isoformat(), "sender": sender, "file": str(stored.relative_to(case.folder)),
                  "original": str(origin.relative_to(case.folder)), "name": name, "valid": valid,
                  "problems": problems, "updates": updates if valid else [], "values": _jsonable(values),
                  "attachments": [str(p.relative_to(case.folder)) for p in attachments]}

    def save() -> None:
        from lifkit.register.actions import sync_actions

        save_update(case, member.code, submission)
        warning = sync_actions(ws, case.reference)
        if warning:
            filing.notes.append(warning)

    filing.saves.append(save)
    filing.event("action update received", id=event_id, agency=member.code, valid=valid, problems=len(problems),
                 file=submission["file"], actions=[u["action"] for u in updates] if valid else [])
    return valid, problems


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _reply_draft(ws, case: Case, member, problems: list[str], filing) -> Path:
    """A reply asking the agency to correct its action update form (written with the filing)."""
    from lifkit.documents.mail import build_draft

    learning = ws.process.after_decision()
    due = ws.settings.working_calendar().on_or_after(today() + dt.timedelta(days=7))
    lines = "\n".join(f"- {p}" for p in problems)
    body = (f"Dear {member.name},\n\nThank you for your update on {member.agency}'s actions in the "
            f"{learning.action_plan} for case {case.reference}. It cannot be used yet:\n\n{lines}\n\nPlease correct "
            f"the form you filled in and send it back by {format_date(due)} by replying to this email. Please keep "
            f"the case reference in the subject and do not add {ws.process.subject.a}'s name to it.\n\n" + _signature(ws))
    subject = f"{learning.action_plan_title} — {case.reference} — please correct and resend your update by {format_date(due)}"
    draft = filing.name(case.folder / "outbox" / f"action-update-reply-{case.reference}-{member.code}.eml")
    filing.writes.append((draft, build_draft(ws.settings.administrator.email, member.email, subject, body)))
    filing.event("reply drafted", agency=member.code, draft=draft.name, problems=len(problems))
    return draft




def collect_update(ws, case: Case, path: Path, name: str, read, sender: str | None, extras: list[tuple[Path, str]],
                   filing, origin: Path) -> None:
    """File a returned action update form found by ``lifkit collect`` (its identity said AUPD and this case),
    as part of the message's filing (written whole or not at all)."""
    from lifkit.documents.extract import UnreadableForm
    from lifkit.steps.filing import ReceivedReturn, keep_from_member

    identity = read.identity
    found = keep_from_member(ws, case, identity.agency, path, name, sender, extras, filing, "an action update",
                             "actions", UPDATE_FORM)
    if found is None:
        return
    member, stored, kept = found
    extracted = None if isinstance(read, UnreadableForm) else read
    earlier = bool(load_updates(case, member.code))
    valid, problems = file_update(ws, case, member, extracted, stored, origin, sender, name, kept, filing)
    reply = None if valid else _reply_draft(ws, case, member, problems, filing)
    filing.received.append(ReceivedReturn(member.code, stored, valid, problems, kept, reply, earlier, name,
                                          [extra_name for _extra, extra_name in extras]))


# --- chasing and what is overdue -----------------------------------------------------------------


def chase_updates(ws, case: Case, new_date: dt.date) -> list:
    """A reminder to every agency whose action update is past its date and not yet returned."""
    from lifkit.documents.mail import build_draft
    from lifkit.steps.filing import ChaseDraft

    if ws.process.learning is None:
        return []
    learning = ws.process.learning
    on = today()
    plan = action_plan(case)
    drafts = []
    for code in sorted({a.agency for a in plan.actions if a.update_outstanding(on)}):
        member = ws.settings.member(code)
        late = [a for a in plan.for_agency(code) if a.update_outstanding(on)]
        body = (f"Dear {member.name},\n\nCase {case.reference}: we have not yet received your agency's update on its "
                f"actions in the {learning.action_plan} ({', '.join(a.id for a in late)}), which was due on "
                f"{format_date(late[0].update_due)}. Please complete the action update form sent to you and return it "
                f"by {format_date(new_date)}, by replying to this email with the form attached.\n\nPlease keep the case "
                f"reference in the subject and do not add {ws.process.subject.a}'s name to it.\n\n" + _signature(ws))
        subject = f"{learning.action_plan_title} — {case.reference} — reminder: your update by {format_date(new_date)}"
        draft = unique_path(case.folder / "outbox" / f"action-update-reminder-{case.reference}-{code}.eml")
        draft.write_bytes(build_draft(ws.settings.administrator.email, member.email, subject, body))
        record(case, "action update chased", agency=code, new_date=new_date, draft=draft.name,
               actions=[a.id for a in late])
        drafts.append(ChaseDraft(code, "action update outstanding", new_date, draft))
    return drafts

