"""The board's CIEC/SCR register: an Excel workbook with the sheets ``Register`` and ``Decisions``.

Only this module opens the register. Columns are known by their header text (the administrator may
reorder them or add their own), so the definitions below name each column's header, the kind of value
it holds and its width in a new workbook. The column lists are parameters of the functions below
(``columns=``, ``decision_columns=``), with lifkit's own as the default.

The workbook mechanics -- the zip, the sheet XML, styles and shared strings -- are
:mod:`lifkit.mechanics.xlsx`, which knows nothing of cases; this module holds the register's rules:
its columns, header rows and checks, the lock, the backups and the atomic replace.

Reading (:func:`open_register`, :func:`check_register`) parses the sheets' XML directly, which is
several times faster than openpyxl on a large register. Writing (:func:`update_case`,
:func:`append_decision`, :func:`record`) is *surgical*: the ``.xlsx`` is opened as a zip and only the
parts that must change are rewritten -- the affected rows of the sheet (new rows take the formatting of
the row above, cell by cell), the sheet's ``<dimension>``, a table's or auto-filter's range when rows are
added -- while every other part (charts, pivot tables, drop-down lists, conditional formats, images,
comments, styles) is copied over byte for byte, compressed data and all. Text is written as inline
strings, so a value beginning with ``=`` is text, never a formula; dates are Excel serial numbers in
the column's date format.

Every write takes a lock file beside the workbook (``.<name>.lifkit-lock``) against a second lifkit
process, refuses a workbook that Excel or LibreOffice has open (their owner files ``~$<name>`` and
``.~lock.<name>#``), keeps a timestamped copy of the old workbook in ``.backups/`` (the last
:data:`BACKUPS_KEPT`), writes the new workbook to a temporary file beside it, flushes it to disk and
then replaces the old one in one step, so a reader -- or a crash -- sees the old workbook or the new
one, never half of either.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from lifkit.errors import InputError, LockedError
from lifkit.mechanics.files import atomic_write_bytes, atomic_write_chunks
from lifkit.mechanics.xlsx import DATE_FORMAT, EXCEL_CELL_LIMIT, Book, Hints, SheetRef, col_letter
from lifkit.mechanics.xlsx_sheet import Sheet
from lifkit.mechanics.zipcopy import Zip as _Zip  # noqa: F401 - tests reach the zip writer through this module

REGISTER_SHEET = "Register"
DECISIONS_SHEET = "Decisions"

BACKUP_DIR = ".backups"
BACKUPS_KEPT = 20
LOCK_TIMEOUT = 10.0  # seconds a write waits for another lifkit process before giving up
HEADER_SEARCH_ROWS = 30  # the header row is looked for in this many rows at the top of each sheet


@dataclass(frozen=True)
class Column:
    key: str  # lifkit's name for the value
    header: str  # the header text in the workbook, by which the column is found
    kind: str  # "text", "date", "yesno" or "number"
    width: float


REGISTER_COLUMNS: tuple[Column, ...] = (
    Column("case_ref", "Case ref", "text", 15),
    Column("date_notified", "Date notified", "date", 13),
    Column("cigscr1_received", "CIGSCR1 received", "date", 13),
    Column("referral_route", "Referral route", "text", 16),
    Column("referring_agency", "Referring agency", "text", 26),
    Column("named_lead", "Named lead", "text", 22),
    Column("child_name", "Child name", "text", 22),
    Column("child_dob", "Child DOB", "date", 12),
    Column("child_dod", "Child DOD", "date", 12),
    Column("criterion_a", "Criterion (a) abuse or neglect", "yesno", 12),
    Column("criterion_b_i", "Criterion (b)(i) died", "yesno", 12),
    Column("criterion_b_ii", "Criterion (b)(ii) seriously harmed", "yesno", 12),
    Column("criterion_custody", "Died in custody or detention", "yesno", 12),
    Column("criterion_looked_after", "Looked-after child", "yesno", 12),
    Column("ciec_meeting", "CIEC meeting date", "date", 13),
    Column("ciginf1_issued", "CIGINF1 issued", "date", 13),
    Column("ciginf1_returned", "CIGINF1 returned", "text", 12),
    Column("ciec_recommendation", "CIEC recommendation", "text", 24),
    Column("chair_response", "Chair's response", "text", 14),
    Column("decision", "Decision", "text", 24),
    Column("decision_date", "Decision date", "date", 13),
    Column("decision_due", "Decision due", "date", 13),
    Column("within_one_month", "Within one month", "yesno", 10),
    Column("reviewers", "Reviewer(s)", "text", 24),
    Column("ofsted_notified", "Ofsted notified", "date", 13),
    Column("panel_due", "National Panel due", "date", 13),
    Column("panel_notified", "National Panel notified", "date", 13),
    Column("referrer_notified", "Referrer notified", "date", 13),
    Column("status", "Status", "text", 18),
    Column("notes", "Notes", "text", 40),
)

DECISIONS_COLUMNS: tuple[Column, ...] = (
    Column("date", "Date", "date", 12),
    Column("case_ref", "Case ref", "text", 15),
    Column("by", "By", "text", 20),
    Column("decision", "Decision", "text", 28),
    Column("rationale", "Rationale", "text", 60),
    Column("recorded_by", "Recorded by", "text", 22),
    Column("event_id", "Event id", "text", 34),  # the journal event that made the row: never written twice
)

ACTIONS_SHEET = "Actions"
# One row per action of a review's action plan (lifkit/register/actions.py fills them in); found by the
# action's reference, so the rows may be sorted and filtered at will.
ACTIONS_COLUMNS: tuple[Column, ...] = (
    Column("action_ref", "Action ref", "text", 20),
    Column("case_ref", "Case ref", "text", 15),
    Column("review", "Review", "text", 18),
    Column("recommendation", "Recommendation", "text", 40),
    Column("action", "Action", "text", 50),
    Column("agency", "Agency", "text", 10),
    Column("lead", "Lead", "text", 20),
    Column("due", "Due", "date", 12),
    Column("measure", "Measure of impact", "text", 40),
    Column("status", "Status", "text", 16),
    Column("evidence", "Evidence", "text", 50),
    Column("impact", "Impact seen", "text", 40),
    Column("updated", "Updated", "date", 12),
    Column("overdue", "Overdue", "yesno", 10),
    Column("event", "Event id", "text", 34),
)

ROW_KEY = "_row"  # in the dicts that Register.rows() and Register.decisions() return: the row's number


def create_register(path: Path, columns: tuple[Column, ...] = REGISTER_COLUMNS) -> Path:
    """Write a new, empty register workbook at ``path``; refuses to replace an existing file.

    Both sheets get a bold, frozen header row with an auto-filter, sensible widths, and date columns
    formatted dd/mm/yyyy so that dates typed into them by hand are real dates too.
    """
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from lifkit.mechanics.xlsx import set_text

    path = Path(path)
    if path.exists():
        raise InputError(f"{path} already exists: lifkit will not replace a register.",
                         "Point [register] path in lifkit.toml at the existing workbook instead.")
    workbook = Workbook()
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, (title, columns) in enumerate(((REGISTER_SHEET, columns), (DECISIONS_SHEET, DECISIONS_COLUMNS),
                                              (ACTIONS_SHEET, ACTIONS_COLUMNS))):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = title
        for number, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=number)
            set_text(cell, column.header)  # headers come from the process definition: text, never a formula
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = wrap
            letter = get_column_letter(number)
            dimension = sheet.column_dimensions[letter]
            dimension.width = column.width
            if column.kind == "date":
                dimension.number_format = DATE_FORMAT
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"
    buffer = BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return path


# --- results -----------------------------------------------------------------------------------


@dataclass
class UpdateResult:
    """What a write did to the register."""

    path: Path
    case_ref: str | None = None
    row: int | None = None  # the case's row on Register
    created: bool = False  # the case's row was added
    decision_row: int | None = None  # the row added to Decisions
    written: list[str] = field(default_factory=list)  # "Register: Status", one per lifkit column written
    missing: list[str] = field(default_factory=list)  # lifkit columns not found in the workbook, so not written
    changed_parts: list[str] = field(default_factory=list)  # the zip parts rewritten; all others are copied
    backup: Path | None = None  # the copy of the workbook as it was, in .backups/
    changed: bool = False  # False when the workbook already held every value: nothing was written

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Problem:
    """One thing ``lifkit register check`` found."""

    kind: str  # missing-column, duplicate-column, duplicate-case, no-case-ref, hand-added, not-a-date, unknown-case,
    # duplicate-decision
    sheet: str
    message: str
    row: int | None = None
    column: str | None = None  # the header text

    def __str__(self) -> str:
        place = self.sheet
        if self.row is not None:
            place += f" row {self.row}"
        if self.column:
            place += f", {self.column}"
        return f"{place}: {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


# --- reading -------------------------------------------------------------------------------------


class Register:
    """The register as read from the workbook: its rows, by header text. Made by :func:`open_register`."""

    def __init__(self, path: Path, book: Book, register: "_SheetRows",
                 columns: tuple[Column, ...] = REGISTER_COLUMNS, decision_columns: tuple[Column, ...] = DECISIONS_COLUMNS):
        self.path = path
        self._book = book
        self._register = register
        self.columns = columns
        self.decision_columns = decision_columns
        self._decisions_rows: _SheetRows | None = None

    @property
    def _decisions(self) -> "_SheetRows":
        if self._decisions_rows is None:
            self._decisions_rows = _SheetRows.read(self._book, self._book.sheet(DECISIONS_SHEET), self.decision_columns)
        return self._decisions_rows

    @property
    def headers(self) -> list[str]:
        """The Register sheet's header texts, in column order (lifkit's columns under lifkit's spelling)."""
        return list(self._register.header_names())

    @property
    def decision_headers(self) -> list[str]:
        return list(self._decisions.header_names())

    @property
    def missing_columns(self) -> list[str]:
        """lifkit's Register headers that the workbook lacks."""
        return [c.header for c in self.columns if c.key not in self._register.header.key_cols]

    def rows(self) -> list[dict]:
        """Every case row below the header row: header text -> value, and ``_row``: the row's number.

        Dates come back as ``datetime.date``, numbers as int or float, text as str; empty cells are
        left out. The administrator's own columns are included under their own headers.
        """
        return self._register.dicts()

    def find(self, case_ref: str) -> dict | None:
        """The row of case ``case_ref`` (as :meth:`rows` gives it), or None. References match whatever
        their case and surrounding spaces."""
        wanted = _norm_ref(case_ref)
        column = self._register.header.single("case_ref")
        for rownum, cells in self._register.rows:
            if column is not None and _norm_ref(cells.get(column)) == wanted:
                return self._register.as_dict(rownum, cells)
        return None

    def case_values(self, case_ref: str) -> dict | None:
        """The row of case ``case_ref`` keyed by lifkit's column keys (``date_notified``...), or None."""
        row = self.find(case_ref)
        if row is None:
            return None
        return {c.key: row[c.header] for c in self.columns if c.header in row}

    def decisions(self) -> list[dict]:
        """Every row of the Decisions sheet below its header row, as :meth:`rows` gives them."""
        return self._decisions.dicts()


def open_register(path: Path, columns: tuple[Column, ...] = REGISTER_COLUMNS, *,
                  decision_columns: tuple[Column, ...] = DECISIONS_COLUMNS) -> Register:
    """Read the register workbook at ``path``.

    Raises :class:`InputError` (naming the file and what to do) for a workbook lifkit cannot read: a
    missing file, an encrypted or old-style ``.xls`` workbook, a Strict Open XML one, a missing
    ``Register`` or ``Decisions`` sheet, or a Register sheet without its header row. The Decisions
    sheet is read (and its header row looked for) when :meth:`Register.decisions` is first called.
    Reading takes no lock and works while the workbook is open in Excel.
    """
    path = Path(path)
    book = _book(path, _read_file(path))
    book.sheet(DECISIONS_SHEET)  # both sheets must be there; Decisions is read when it is asked for
    register = _SheetRows.read(book, book.sheet(REGISTER_SHEET), columns)
    return Register(path, book, register, columns, decision_columns)


def heading_problems(header, sheet: str, columns: tuple[Column, ...]) -> list[Problem]:
    """Each of ``columns`` missing from the sheet's header row, or headed on more than one column."""
    problems = []
    for column in columns:
        found = header.key_cols.get(column.key, [])
        if not found:
            problems.append(Problem("missing-column", sheet, f"there is no column headed {column.header!r} "
                                    f"in the header row (row {header.row}), so lifkit cannot fill it in.",
                                    row=header.row, column=column.header))
        elif len(found) > 1:
            letters = ", ".join(col_letter(c) for c in found)
            problems.append(Problem("duplicate-column", sheet, f"{len(found)} columns ({letters}) are headed "
                                    f"{column.header!r}; lifkit will not write to either until one is renamed.",
                                    row=header.row, column=column.header))
    return problems


def add_headings(path: Path, columns: tuple[Column, ...]) -> tuple[list[str], UpdateResult]:
    """Head a column of the Register sheet for each of ``columns`` it lacks, after its last headed column:
    every column already there (a hand-made one, or one of another process's) is kept as it is, with its
    values. Returns the headings added and what was written (nothing when none was missing)."""
    added: list[str] = []

    def edit(book: Book, result: UpdateResult) -> None:
        sheet = _edit(book, REGISTER_SHEET, columns)
        header = sheet.header
        last = max([*header.names, 0])
        cells: dict[int, Any] = {}
        for column in columns:
            if column.key not in header.key_cols:
                last += 1
                cells[last] = column.header
                added.append(column.header)
        if cells:
            sheet.edit_row(header.row, cells, created=False)

    return added, _transaction(path, edit, None)


def check_register(path: Path, cases_dir: Path | None = None, *, columns: tuple[Column, ...] = REGISTER_COLUMNS,
                   decision_columns: tuple[Column, ...] = DECISIONS_COLUMNS) -> list[Problem]:
    """What is wrong (or was done by hand) in the register; an empty list when all is well.

    Finds: lifkit columns that are missing or appear twice; case references on more than one row;
    rows with entries but no case reference; rows added by hand -- whose case has no folder
    ``<cases_dir>/<REF>/case.yaml`` (only when ``cases_dir`` is given); decisions for cases not on
    the register; and values in date columns that are not dates (text, or numbers not formatted as
    dates, which Excel shows as 46327).
    """
    register = open_register(path, columns=columns, decision_columns=decision_columns)
    problems: list[Problem] = []
    for sheet_rows, sheet_columns in ((register._register, columns), (register._decisions, decision_columns)):
        header = sheet_rows.header
        sheet = sheet_rows.sheet_name
        problems += heading_problems(header, sheet, sheet_columns)
        for rownum, cells in sheet_rows.rows:
            for column in sheet_columns:
                if column.kind != "date":
                    continue
                col = header.single(column.key)
                value = cells.get(col) if col is not None else None
                if value is None or isinstance(value, dt.date):
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    message = (f"{value} is a number, not formatted as a date (Excel shows it as a number); "
                               f"format the cell as a date ({DATE_FORMAT}).")
                else:
                    message = f"{str(value)!r} is text, not a date; type it as a date, e.g. 03/12/2026."
                problems.append(Problem("not-a-date", sheet, message, row=rownum, column=column.header))

    rows = register._register
    case_col = rows.header.single("case_ref")
    seen: dict[str, list[int]] = {}
    if case_col is not None:
        for rownum, cells in rows.rows:
            ref = cells.get(case_col)
            if _norm_ref(ref):
                seen.setdefault(_norm_ref(ref), []).append(rownum)
            else:
                problems.append(Problem("no-case-ref", REGISTER_SHEET, "this row has entries but no case reference.",
                                        row=rownum, column="Case ref"))
        for ref, rownums in seen.items():
            if len(rownums) > 1:
                problems.append(Problem("duplicate-case", REGISTER_SHEET,
                                        f"{ref} is on rows {', '.join(map(str, rownums))}; lifkit will not update "
                                        "it until only one row is left.", row=rownums[1], column="Case ref"))
        if cases_dir is not None:
            cases_dir = Path(cases_dir)
            for ref, rownums in seen.items():
                if not _case_folder_exists(cases_dir, ref):
                    problems.append(Problem("hand-added", REGISTER_SHEET,
                                            f"{ref} has no case folder ({cases_dir / ref / 'case.yaml'} does not "
                                            "exist): the row was added by hand, or the case folder was moved.",
                                            row=rownums[0], column="Case ref"))
        decisions = register._decisions
        event_col = decisions.header.single("event_id")
        if event_col is not None:
            first: dict[str, int] = {}
            for rownum, cells in decisions.rows:
                event = str(cells.get(event_col) or "").strip()
                if event and event in first:
                    problems.append(Problem("duplicate-decision", DECISIONS_SHEET,
                                            f"this row repeats row {first[event]} (the same decision, event "
                                            f"{event[:8]}...): delete one of them.", row=rownum, column="Event id"))
                first.setdefault(event, rownum)
        decision_col = decisions.header.single("case_ref")
        if decision_col is not None:
            for rownum, cells in decisions.rows:
                ref = _norm_ref(cells.get(decision_col))
                if ref and ref not in seen:
                    problems.append(Problem("unknown-case", DECISIONS_SHEET,
                                            f"a decision for {ref}, which is not on the Register sheet.",
                                            row=rownum, column="Case ref"))
    order = {"missing-column": 0, "duplicate-column": 1}
    problems.sort(key=lambda p: (order.get(p.kind, 2), p.sheet != REGISTER_SHEET, p.row or 0))
    return problems


def _case_folder_exists(cases_dir: Path, ref: str) -> bool:
    if (cases_dir / ref / "case.yaml").is_file():
        return True
    if not cases_dir.is_dir():
        return False
    # references are compared whatever their case; folders are named by lifkit, so this is a fallback
    return any(p.name.upper() == ref and (p / "case.yaml").is_file() for p in cases_dir.iterdir())


# --- writing -------------------------------------------------------------------------------------


def update_case(path: Path, case_ref: str, values: dict[str, Any], *, create: bool = True,
                columns: tuple[Column, ...] = REGISTER_COLUMNS) -> UpdateResult:
    """Write ``values`` (keyed by :data:`REGISTER_COLUMNS` keys) into case ``case_ref``'s row on Register.

    The row is added below the last one if the case is not on the register yet (unless ``create`` is
    false: then :class:`InputError`). Only the given cells change; a value of None or "" empties a
    cell. Columns are found by header text; a lifkit column missing from the workbook is skipped and
    named in ``UpdateResult.missing``. Dates are ``datetime.date``; True/False are written Yes/No.
    """
    case_values = _checked_values(values, columns, case_ref)

    def edit(book: Book, result: UpdateResult) -> None:
        _edit(book, REGISTER_SHEET, columns).upsert_case(case_ref, case_values, create, result)

    return _transaction(Path(path), edit, case_ref)


def update_cases(path: Path, cases: dict[str, dict[str, Any]], *, create: bool = True,
                 columns: tuple[Column, ...] = REGISTER_COLUMNS) -> list[UpdateResult]:
    """:func:`update_case` for many cases in one save (one lock, one backup, one replace): how a register
    is brought up to date from the case folders. One result per case, in the order given."""
    path = Path(path)
    checked = {ref: _checked_values(values, columns, ref) for ref, values in cases.items()}
    results = [UpdateResult(path=path, case_ref=ref) for ref in checked]

    def edit(book: Book) -> None:
        sheet = _edit(book, REGISTER_SHEET, columns)
        for result, (ref, values) in zip(results, checked.items()):
            sheet.upsert_case(ref, values, create, result)

    _save(path, edit, results)
    return results


def append_decision(path: Path, values: dict[str, Any], *,
                    decision_columns: tuple[Column, ...] = DECISIONS_COLUMNS) -> UpdateResult:
    """Add one row to the append-only Decisions sheet; ``values`` keyed by :data:`DECISIONS_COLUMNS` keys."""
    decision_values = _checked_values(values, decision_columns)

    def edit(book: Book, result: UpdateResult) -> None:
        _edit(book, DECISIONS_SHEET, decision_columns).append(decision_values, result)

    return _transaction(Path(path), edit, values.get("case_ref"))


def record(path: Path, case_ref: str, case_values: dict[str, Any], decision_values: dict[str, Any], *,
           columns: tuple[Column, ...] = REGISTER_COLUMNS,
           decision_columns: tuple[Column, ...] = DECISIONS_COLUMNS) -> UpdateResult:
    """Record a decision: update (or add) the case's row and add a Decisions row, in one save.

    One lock, one backup, one replace: the workbook never holds the one change without the other.
    ``decision_values["case_ref"]`` defaults to ``case_ref``.
    """
    case_values = _checked_values(case_values, columns, case_ref)
    decision_values = dict(decision_values)
    decision_values.setdefault("case_ref", case_ref)
    decision_values = _checked_values(decision_values, decision_columns)

    def edit(book: Book, result: UpdateResult) -> None:
        _edit(book, REGISTER_SHEET, columns).upsert_case(case_ref, case_values, True, result)
        _edit(book, DECISIONS_SHEET, decision_columns).append(decision_values, result)

    return _transaction(Path(path), edit, case_ref)


def record_decisions(path: Path, case_ref: str, case_values: dict[str, Any], rows: list[dict[str, Any]], *,
                     columns: tuple[Column, ...] = REGISTER_COLUMNS,
                     decision_columns: tuple[Column, ...] = DECISIONS_COLUMNS) -> UpdateResult:
    """Update (or add) the case's row and add its Decisions ``rows`` that are not there yet, in one save.

    Each row carries ``event_id``, the id of the journal event that made it; under the register's lock a
    row whose id is already on the Decisions sheet is not added again, so a row is written exactly once
    whatever else runs at the same time and wherever a step stopped before.
    """
    case_values = _checked_values(case_values, columns, case_ref)
    checked = [_checked_values({**row, "case_ref": row.get("case_ref") or case_ref}, decision_columns)
               for row in rows]

    def edit(book: Book, result: UpdateResult) -> None:
        _edit(book, REGISTER_SHEET, columns).upsert_case(case_ref, case_values, True, result)
        if checked:
            decisions = _edit(book, DECISIONS_SHEET, decision_columns)
            present = decisions.event_ids()
            for row in checked:
                if row.get("event_id") and row["event_id"] in present:
                    continue
                decisions.append(row, result)
                present.add(row.get("event_id"))

    return _transaction(Path(path), edit, case_ref)


def check_writable(path: Path, *, columns: tuple[Column, ...] = REGISTER_COLUMNS,
                   decision_columns: tuple[Column, ...] = DECISIONS_COLUMNS) -> None:
    """Raise now what a write would raise (no workbook, one lifkit cannot safely edit, open in Excel),
    without writing anything: for commands that make many writes and should stop before the first."""
    path = Path(path)
    data = _read_file(path)
    _refuse_if_open_elsewhere(path)
    book = _book(path, data)
    for name, sheet_columns in ((REGISTER_SHEET, columns or REGISTER_COLUMNS), (DECISIONS_SHEET, decision_columns)):
        _edit(book, name, sheet_columns).header


def _checked_values(values: dict[str, Any], columns: tuple[Column, ...], case_ref: str | None = None) -> dict:
    """``values`` checked against the columns: a programming mistake here is a fault, not user input."""
    known = {c.key: c for c in columns}
    checked = {}
    for key, value in values.items():
        column = known.get(key)
        if column is None:
            raise ValueError(f"{key!r} is not a register column; the keys are: {', '.join(known)}")
        if isinstance(value, str):
            value = value if value.strip() else None
            if value is not None and len(value) > EXCEL_CELL_LIMIT:
                raise InputError(f"The {column.header} text is {len(value):,} characters long; an Excel cell holds "
                                 f"at most {EXCEL_CELL_LIMIT:,}.", "Shorten it, or keep the full text in the case "
                                 "folder and a summary on the register.")
        if column.kind == "date" and value is not None and not isinstance(value, dt.date):
            raise TypeError(f"{key} must be a datetime.date or None, not {type(value).__name__}")
        if value is not None and not isinstance(value, (str, bool, int, float, dt.date)):
            value = str(value)
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise ValueError(f"{key} is {value}: Excel cannot hold it")
        if column.kind == "yesno" and isinstance(value, bool):
            value = "Yes" if value else "No"
        checked[key] = value
    if case_ref is not None:
        if not _norm_ref(case_ref):
            raise InputError("A case reference is needed to update the register.",
                             "Give the reference of the case whose row is to be updated.")
        given = checked.pop("case_ref", None)
        if given is not None and _norm_ref(given) != _norm_ref(case_ref):
            raise ValueError(f"values['case_ref'] ({given}) is not the case being updated ({case_ref})")
    return checked


# --- the transaction: lock, read, edit, back up, replace ----------------------------------------


def lock_path(path: Path) -> Path:
    """The lock file that a write holds, beside the workbook."""
    return path.with_name(f".{path.name}.lifkit-lock")


def _transaction(path: Path, edit: Callable[["Book", UpdateResult], None], case_ref: str | None) -> UpdateResult:
    result = UpdateResult(path=path, case_ref=case_ref)
    _save(path, lambda book: edit(book, result), [result])
    return result


def _save(path: Path, edit: Callable[["Book"], None], results: list[UpdateResult]) -> None:
    """Lock, read, edit, back up, replace: the one way the workbook is written."""
    from filelock import FileLock, Timeout

    if not path.is_file():
        _read_file(path)  # reports it, before a lock file is made beside a workbook that is not there
    if path.is_symlink():  # replace the workbook the link points to, not the link
        path = path.resolve()
    lock = FileLock(str(lock_path(path)), timeout=LOCK_TIMEOUT)
    try:
        lock.acquire()
    except Timeout:
        raise LockedError(f"{path} is being updated by another lifkit command (it holds the lock file "
                          f"{lock_path(path)}); waited {LOCK_TIMEOUT:g} seconds, nothing was changed.",
                          "Try again when the other command has finished.") from None
    try:
        _refuse_if_open_elsewhere(path)
        data = _read_file(path)
        book = _book(path, data)
        book.sheet(REGISTER_SHEET), book.sheet(DECISIONS_SHEET)  # a register has both, whichever is written
        edit(book)
        parts = book.finish()
        for result in results:
            result.changed_parts = sorted(parts)
            result.changed = bool(parts)
        if not parts:
            return
        _remove_stale_temporaries(path)
        backup = _backup(path, data)
        for result in results:
            result.backup = backup
        _refuse_if_open_elsewhere(path)  # Excel may have opened it while we worked
        _replace(path, book.chunks(parts))
    finally:
        lock.release()


def _read_file(path: Path) -> bytes:
    if not path.is_file():
        raise InputError(f"The register {path} does not exist.",
                         "Create one with `lifkit init`, or point [register] path in lifkit.toml at the workbook.")
    return path.read_bytes()


def _owner_files(path: Path) -> list[tuple[Path, str]]:
    """Excel's and LibreOffice's owner files for ``path``, with the program's name."""
    candidates = [(path.with_name("~$" + path.name), "Excel")]
    if len(path.stem) >= 8:  # long names: Office may replace the first two characters instead
        candidates.append((path.with_name("~$" + path.name[2:]), "Excel"))
    candidates.append((path.with_name(f".~lock.{path.name}#"), "LibreOffice"))
    return candidates


def owner_name(data: bytes) -> str | None:
    """The user named in an Excel owner file (``~$name.xlsx``), or None.

    The file starts with the name's length in one byte, then the name in the ANSI code page padded with
    spaces to 54 bytes; Excel then repeats it in UTF-16 (two bytes of length, then the name), which
    holds names the code page cannot.
    """
    def plausible(name: str) -> bool:
        return bool(name) and all(ch.isprintable() for ch in name)

    for at in (54, 55, 53):
        length = int.from_bytes(data[at:at + 2], "little") if len(data) >= at + 2 else 0
        if 0 < length <= 256 and len(data) >= at + 2 + 2 * length:
            try:
                name = data[at + 2:at + 2 + 2 * length].decode("utf-16-le").strip()
            except UnicodeDecodeError:
                name = ""
            if plausible(name):
                return name
    if data:
        length = data[0]
        if 0 < length < 54 and len(data) > length:
            name = data[1:1 + length].decode("cp1252", "replace").strip()
            if plausible(name):
                return name
    return None


def _refuse_if_open_elsewhere(path: Path) -> None:
    for owner, program in _owner_files(path):
        try:
            data = owner.read_bytes()[:512]
        except FileNotFoundError:
            continue
        except OSError:
            data = b""
        if program == "Excel":
            who = owner_name(data)
        else:  # LibreOffice: "Full Name,login,host,time,url;"
            fields = data.decode("utf-8", "replace").split(",")
            who = (fields[0].strip() or (fields[1].strip() if len(fields) > 1 else "")) or None
        by = f"by {who}" if who else "by someone (the owner file does not say who)"
        raise LockedError(f"{path} is open in {program} {by}, so lifkit has not changed it "
                          f"(the owner file {owner.name} is beside it).",
                          f"Close the workbook in {program}, then run the command again. If nobody has it open, "
                          f"{program} left {owner.name} behind when it last closed: delete that file.")


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files left by a lifkit write that was killed: only the lock holder makes them."""
    for stale in path.parent.glob(f".{_glob_escape(path.name)}.*.lifkit-tmp"):
        try:
            stale.unlink()
        except OSError:
            pass


def _glob_escape(name: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", name)


def _backup(path: Path, data: bytes) -> Path:
    """Keep ``data`` (the workbook as it was) in ``.backups/`` beside it; prune to the last BACKUPS_KEPT."""
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}.{stamp}-{n}{path.suffix}"
    target.write_bytes(data)
    pattern = re.compile(re.escape(path.stem) + r"\.\d{8}-\d{6}-\d{6}(?:-\d+)?" + re.escape(path.suffix) + "$")
    backups = sorted(p for p in folder.iterdir() if pattern.match(p.name))
    for old in backups[:-BACKUPS_KEPT]:
        try:
            old.unlink()
        except OSError:
            pass
    return target


def _replace(path: Path, chunks: Iterable[bytes]) -> None:
    """Write the new workbook beside the old one, flush it to disk, then swap it in atomically, with its
    permissions, retried while another program holds it open for a moment (:mod:`lifkit.mechanics.files`)."""
    atomic_write_chunks(path, chunks, keep_mode=True, durable=True, what="the workbook")


def _norm_ref(value: Any) -> str:
    return str(value).strip().upper() if value is not None else ""


def _norm_header(text: str) -> str:
    return " ".join(str(text).split()).casefold()


@dataclass
class _Header:
    row: int
    names: dict[int, str]  # column -> header text (lifkit's spelling for lifkit's columns)
    key_cols: dict[str, list[int]]  # lifkit key -> the columns headed so

    def single(self, key: str) -> int | None:
        cols = self.key_cols.get(key, [])
        return cols[0] if len(cols) == 1 else None


def _find_header(candidates: list[tuple[int, dict[int, Any]]], columns: tuple[Column, ...], sheet: str,
                 path: Path) -> _Header:
    """The header row: the first of the top rows holding at least two of lifkit's headers."""
    by_header = {_norm_header(c.header): c for c in columns}
    for rownum, cells in candidates:
        if rownum > HEADER_SEARCH_ROWS:
            break
        matched = {col: by_header[_norm_header(v)] for col, v in cells.items()
                   if isinstance(v, str) and _norm_header(v) in by_header}
        if len(matched) < 2:
            continue
        names: dict[int, str] = {}
        key_cols: dict[str, list[int]] = {}
        for col in sorted(cells):
            value = cells[col]
            if col in matched:
                names[col] = matched[col].header
                key_cols.setdefault(matched[col].key, []).append(col)
            elif str(value).strip():
                names[col] = " ".join(str(value).split())
        if sheet.casefold() == REGISTER_SHEET.casefold() and "case_ref" not in key_cols:
            raise InputError(f"{path}: the {sheet} sheet's header row (row {rownum}) has no 'Case ref' column, "
                             "so lifkit cannot tell the cases apart.",
                             "Head the column of case references 'Case ref' again, then run the command again.")
        return _Header(rownum, names, key_cols)
    expected = ", ".join(repr(c.header) for c in columns[:4])
    raise InputError(f"{path}: the {sheet} sheet has no header row (lifkit looks in its top {HEADER_SEARCH_ROWS} "
                     f"rows for the column headings: {expected}...).",
                     f"Put the headings back above the rows (`lifkit register check` lists them), or restore the "
                     f"workbook from {path.parent / BACKUP_DIR}.")


class _SheetRows:
    """A sheet read in full: its header and its rows with values."""

    def __init__(self, sheet_name: str, header: _Header, rows: list[tuple[int, dict[int, Any]]]):
        self.sheet_name = sheet_name
        self.header = header
        self.rows = rows
        names = dict(header.names)
        used: set[str] = set()
        for col, name in list(names.items()):
            if name in used:
                names[col] = f"{name} ({col_letter(col)})"
            used.add(names[col])
        for cells in (cells for _, cells in rows):  # values in columns without a header
            for col in cells:
                if col not in names:
                    names[col] = f"({col_letter(col)})"
        self.names = names

    @classmethod
    def read(cls, book: Book, ref: SheetRef, columns: tuple[Column, ...]) -> "_SheetRows":
        sheet = _RegisterSheet(book, ref, book.zip.read(ref.part), columns)
        rows = sheet.all_rows()
        header = _find_header(rows, columns, ref.name, book.path)
        return cls(ref.name, header, [(n, cells) for n, cells in rows if n > header.row])

    def as_dict(self, rownum: int, cells: dict[int, Any]) -> dict:
        names = self.names
        row = {names[col]: value for col, value in cells.items()}
        row[ROW_KEY] = rownum
        return row

    def dicts(self) -> list[dict]:
        return [self.as_dict(n, cells) for n, cells in self.rows]

    def header_names(self) -> list[str]:
        return [self.names[col] for col in sorted(self.header.names)]




# --- the register's sheets on the workbook mechanics ---------------------------------------------------


def _hints(path: Path) -> Hints:
    return Hints(backups=path.parent / BACKUP_DIR, setting="[register] path in lifkit.toml", name="register workbook",
                 sheets=f"lifkit keeps cases on a sheet named {REGISTER_SHEET} and decisions on one named "
                        f"{DECISIONS_SHEET}. ")


def _book(path: Path, data: bytes) -> Book:
    return Book(path, data, _hints(path))


def _edit(book: Book, name: str, columns: tuple[Column, ...]) -> "_RegisterSheet":
    return book.edit_sheet(name, lambda b, ref, data: _RegisterSheet(b, ref, data, columns))  # type: ignore[return-value]


class _RegisterSheet(Sheet):
    """A sheet of the register: its header row (found by lifkit's column headers), its case rows."""

    def __init__(self, book: Book, ref: SheetRef, data: bytes, columns: tuple[Column, ...]):
        super().__init__(book, ref, data)
        self.columns = columns
        self._keyed: dict[str, dict[str, list[int]]] = {}  # upsert_keyed's index: key -> value -> rows
        self._header: _Header | None = None
        self._case_rows: dict[str, list[int]] | None = None

    @property
    def header(self) -> _Header:
        if self._header is None:
            self._header = _find_header(self.top_rows(HEADER_SEARCH_ROWS), self.columns, self.ref.name, self.path)
        return self._header

    @property
    def header_row(self) -> int:
        return self.header.row

    def _targets(self, values: dict[str, Any], result: UpdateResult) -> dict[int, Any]:
        """Column number -> value for each value whose column is in the workbook exactly once."""
        header = self.header
        by_key = {c.key: c for c in self.columns}
        targets = {}
        for key, value in values.items():
            column = by_key[key]
            cols = header.key_cols.get(key, [])
            if len(cols) == 1:
                targets[cols[0]] = value
                result.written.append(f"{self.ref.name}: {column.header}")
            elif not cols:
                result.missing.append(f"{self.ref.name}: {column.header}")
            else:
                result.missing.append(f"{self.ref.name}: {column.header} (headed so {len(cols)} times)")
        return targets

    def case_rows(self) -> dict[str, list[int]]:
        """Case reference (normalised) -> the rows holding it; read once per save, kept up to date."""
        if self._case_rows is None:
            case_col = self.header.single("case_ref")
            if case_col is None:
                raise InputError(f"{self.path}: the {self.ref.name} sheet has {len(self.header.key_cols['case_ref'])} "
                                 "columns headed 'Case ref', so lifkit cannot tell which holds the references.",
                                 "Rename all but one of them, then run the command again.")
            index: dict[str, list[int]] = {}
            for number, value in self.column_values(case_col):
                ref = _norm_ref(value)
                if ref:
                    index.setdefault(ref, []).append(number)
            self._case_rows = index
        return self._case_rows

    def upsert_case(self, case_ref: str, values: dict[str, Any], create: bool, result: UpdateResult) -> None:
        """Write ``values`` into case ``case_ref``'s row (added below the last row when there is none and
        ``create``; else :class:`InputError`)."""
        case_ref = case_ref.strip()
        index = self.case_rows()  # before the column: it names a Case ref column that is not single
        self._upsert(self.header.single("case_ref"), case_ref, index, values, result, create=create,
                     fix="Delete or merge the extra rows (`lifkit register check` lists them), then run the "
                         "command again.")

    def event_ids(self) -> set[str]:
        """The journal event ids on this (Decisions) sheet; none when it has no Event id column."""
        column = self.header.single("event_id")
        if column is None:
            return set()
        return {str(value).strip() for _, value in self.column_values(column) if str(value or "").strip()}

    def upsert_keyed(self, key: str, value: str, values: dict[str, Any], result: UpdateResult) -> None:
        """Write ``values`` into the row whose ``key`` column holds ``value`` (added below the last row when
        there is none): how a sheet keyed by another column than the case (the Actions sheet) is written."""
        col = self.header.single(key)
        header = next(c for c in self.columns if c.key == key).header
        if col is None:
            raise InputError(f"{self.path}: the {self.ref.name} sheet has no single column headed {header!r}, so "
                             "lifkit cannot tell its rows apart.",
                             f"Head one column {header!r} (lifkit register check lists the headings), then run "
                             "`lifkit register sync`.")
        index = self._keyed.setdefault(key, {})
        if not index:
            for number, found in self.column_values(col):
                if _norm_ref(found):
                    index.setdefault(_norm_ref(found), []).append(number)
            index.setdefault("", [])
        self._upsert(col, value, index, values, result, create=True,
                     fix="Delete the extra rows (`lifkit register check` lists them), then run `lifkit register sync`.")

    def _upsert(self, col: int, value: str, index: dict[str, list[int]], values: dict[str, Any],
                result: UpdateResult, *, create: bool, fix: str) -> None:
        """Write ``values`` into the one row whose column ``col`` holds ``value`` (``index``: the rows by
        normalised value, kept up to date), or into a new row below the last when there is none."""
        rows = index.get(_norm_ref(value), [])
        if len(rows) > 1:
            raise InputError(f"{self.path}: {value} is on the {self.ref.name} sheet {len(rows)} times (rows "
                             f"{', '.join(map(str, rows))}), so lifkit cannot tell which row to update.", fix)
        targets = self._targets(values, result)
        if rows:
            self.edit_row(rows[0], targets, created=False)
            result.row = rows[0]
            return
        if not create:
            raise InputError(f"{value} is not on the register ({self.path}, sheet {self.ref.name}).",
                             "Check the case reference.")
        targets[col] = value
        rownum = self.last_content_row() + 1
        self.edit_row(rownum, targets, created=True)
        index[_norm_ref(value)] = [rownum]
        result.row, result.created = rownum, True

    def append(self, values: dict[str, Any], result: UpdateResult) -> None:
        targets = self._targets(values, result)
        rownum = self.last_content_row() + 1
        self.edit_row(rownum, targets, created=True)
        result.decision_row = rownum
