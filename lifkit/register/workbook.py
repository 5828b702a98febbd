"""The board's CIEC/SCR register: an Excel workbook with the sheets ``Register`` and ``Decisions``.

Only this module opens the workbook. Columns are known by their header text (the administrator may
reorder them or add their own), so the definitions below name each column's header, the kind of value
it holds and its width in a new workbook.

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
import stat
import struct
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from lifkit.errors import InputError, LockedError
from lifkit.mechanics.files import atomic_write_bytes

REGISTER_SHEET = "Register"
DECISIONS_SHEET = "Decisions"
DATE_FORMAT = "dd/mm/yyyy"

BACKUP_DIR = ".backups"
BACKUPS_KEPT = 20
LOCK_TIMEOUT = 10.0  # seconds a write waits for another lifkit process before giving up
HEADER_SEARCH_ROWS = 30  # the header row is looked for in this many rows at the top of each sheet
DEFLATE_LEVEL = 6  # zlib's default, as Excel, LibreOffice and openpyxl use
EXCEL_CELL_LIMIT = 32767  # characters in one cell


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


def create_register(path: Path, columns: tuple[Column, ...] | None = None) -> Path:
    """Write a new, empty register workbook at ``path``; refuses to replace an existing file.

    Both sheets get a bold, frozen header row with an auto-filter, sensible widths, and date columns
    formatted dd/mm/yyyy so that dates typed into them by hand are real dates too.
    """
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if path.exists():
        raise InputError(f"{path} already exists: lifkit will not replace a register.",
                         "Point [register] path in lifkit.toml at the existing workbook instead.")
    workbook = Workbook()
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, (title, columns) in enumerate(((REGISTER_SHEET, columns or REGISTER_COLUMNS),
                                              (DECISIONS_SHEET, DECISIONS_COLUMNS),
                                              (ACTIONS_SHEET, ACTIONS_COLUMNS))):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = title
        for number, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=number, value=column.header)
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

    kind: str  # missing-column, duplicate-column, duplicate-case, no-case-ref, hand-added, not-a-date, unknown-case
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

    def __init__(self, path: Path, book: "_Book", register: "_SheetRows", columns: tuple[Column, ...]):
        self.path = path
        self.columns = columns
        self._book = book
        self._register = register
        self._decisions_rows: _SheetRows | None = None

    @property
    def _decisions(self) -> "_SheetRows":
        if self._decisions_rows is None:
            self._decisions_rows = _SheetRows.read(self._book, self._book.sheet(DECISIONS_SHEET), DECISIONS_COLUMNS)
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


def open_register(path: Path, columns: tuple[Column, ...] | None = None) -> Register:
    """Read the register workbook at ``path``.

    Raises :class:`InputError` (naming the file and what to do) for a workbook lifkit cannot read: a
    missing file, an encrypted or old-style ``.xls`` workbook, a Strict Open XML one, a missing
    ``Register`` or ``Decisions`` sheet, or a Register sheet without its header row. The Decisions
    sheet is read (and its header row looked for) when :meth:`Register.decisions` is first called.
    Reading takes no lock and works while the workbook is open in Excel.
    """
    path = Path(path)
    book = _Book(path, _read_file(path))
    book.sheet(DECISIONS_SHEET)  # both sheets must be there; Decisions is read when it is asked for
    columns = columns or REGISTER_COLUMNS
    register = _SheetRows.read(book, book.sheet(REGISTER_SHEET), columns)
    return Register(path, book, register, columns)


def check_register(path: Path, cases_dir: Path | None = None, columns: tuple[Column, ...] | None = None) -> list[Problem]:
    """What is wrong (or was done by hand) in the register; an empty list when all is well.

    Finds: lifkit columns that are missing or appear twice; case references on more than one row;
    rows with entries but no case reference; rows added by hand -- whose case has no folder
    ``<cases_dir>/<REF>/case.yaml`` (only when ``cases_dir`` is given); decisions for cases not on
    the register; and values in date columns that are not dates (text, or numbers not formatted as
    dates, which Excel shows as 46327).
    """
    register = open_register(path, columns)
    problems: list[Problem] = []
    for sheet_rows, columns in ((register._register, register.columns), (register._decisions, DECISIONS_COLUMNS)):
        header = sheet_rows.header
        sheet = sheet_rows.sheet_name
        for column in columns:
            found = header.key_cols.get(column.key, [])
            if not found:
                problems.append(Problem("missing-column", sheet, f"there is no column headed {column.header!r} "
                                        f"in the header row (row {header.row}), so lifkit cannot fill it in.",
                                        row=header.row, column=column.header))
            elif len(found) > 1:
                letters = ", ".join(_col_letter(c) for c in found)
                problems.append(Problem("duplicate-column", sheet, f"{len(found)} columns ({letters}) are headed "
                                        f"{column.header!r}; lifkit will not write to either until one is renamed.",
                                        row=header.row, column=column.header))
        for rownum, cells in sheet_rows.rows:
            for column in columns:
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
                columns: tuple[Column, ...] | None = None) -> UpdateResult:
    """Write ``values`` (keyed by :data:`REGISTER_COLUMNS` keys) into case ``case_ref``'s row on Register.

    The row is added below the last one if the case is not on the register yet (unless ``create`` is
    false: then :class:`InputError`). Only the given cells change; a value of None or "" empties a
    cell. Columns are found by header text; a lifkit column missing from the workbook is skipped and
    named in ``UpdateResult.missing``. Dates are ``datetime.date``; True/False are written Yes/No.
    """
    columns = columns or REGISTER_COLUMNS
    case_values = _checked_values(values, columns, case_ref)

    def edit(book: _Book, result: UpdateResult) -> None:
        book.edit_sheet(REGISTER_SHEET, columns).upsert_case(case_ref, case_values, create, result)

    return _transaction(Path(path), edit, case_ref)


def update_cases(path: Path, cases: dict[str, dict[str, Any]], *, create: bool = True,
                 columns: tuple[Column, ...] | None = None) -> list[UpdateResult]:
    """:func:`update_case` for many cases in one save (one lock, one backup, one replace): how a register
    is brought up to date from the case folders. One result per case, in the order given."""
    path = Path(path)
    columns = columns or REGISTER_COLUMNS
    checked = {ref: _checked_values(values, columns, ref) for ref, values in cases.items()}
    results = [UpdateResult(path=path, case_ref=ref) for ref in checked]

    def edit(book: _Book) -> None:
        sheet = book.edit_sheet(REGISTER_SHEET, columns)
        for result, (ref, values) in zip(results, checked.items()):
            sheet.upsert_case(ref, values, create, result)

    _save(path, edit, results)
    return results


def append_decision(path: Path, values: dict[str, Any]) -> UpdateResult:
    """Add one row to the append-only Decisions sheet; ``values`` keyed by :data:`DECISIONS_COLUMNS` keys."""
    decision_values = _checked_values(values, DECISIONS_COLUMNS)

    def edit(book: _Book, result: UpdateResult) -> None:
        book.edit_sheet(DECISIONS_SHEET, DECISIONS_COLUMNS).append(decision_values, result)

    return _transaction(Path(path), edit, values.get("case_ref"))


def record(path: Path, case_ref: str, case_values: dict[str, Any], decision_values: dict[str, Any],
           columns: tuple[Column, ...] | None = None) -> UpdateResult:
    """Record a decision: update (or add) the case's row and add a Decisions row, in one save.

    One lock, one backup, one replace: the workbook never holds the one change without the other.
    ``decision_values["case_ref"]`` defaults to ``case_ref``.
    """
    columns = columns or REGISTER_COLUMNS
    case_values = _checked_values(case_values, columns, case_ref)
    decision_values = dict(decision_values)
    decision_values.setdefault("case_ref", case_ref)
    decision_values = _checked_values(decision_values, DECISIONS_COLUMNS)

    def edit(book: _Book, result: UpdateResult) -> None:
        book.edit_sheet(REGISTER_SHEET, columns).upsert_case(case_ref, case_values, True, result)
        book.edit_sheet(DECISIONS_SHEET, DECISIONS_COLUMNS).append(decision_values, result)

    return _transaction(Path(path), edit, case_ref)


def check_writable(path: Path, columns: tuple[Column, ...] | None = None) -> None:
    """Raise now what a write would raise (no workbook, one lifkit cannot safely edit, open in Excel),
    without writing anything: for commands that make many writes and should stop before the first."""
    path = Path(path)
    data = _read_file(path)
    _refuse_if_open_elsewhere(path)
    book = _Book(path, data)
    for name, sheet_columns in ((REGISTER_SHEET, columns or REGISTER_COLUMNS), (DECISIONS_SHEET, DECISIONS_COLUMNS)):
        book.edit_sheet(name, sheet_columns).header


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
                             "A case reference looks like CIEC-2026-004.")
        given = checked.pop("case_ref", None)
        if given is not None and _norm_ref(given) != _norm_ref(case_ref):
            raise ValueError(f"values['case_ref'] ({given}) is not the case being updated ({case_ref})")
    return checked


# --- the transaction: lock, read, edit, back up, replace ----------------------------------------


def lock_path(path: Path) -> Path:
    """The lock file that a write holds, beside the workbook."""
    return path.with_name(f".{path.name}.lifkit-lock")


def _transaction(path: Path, edit: Callable[["_Book", UpdateResult], None], case_ref: str | None) -> UpdateResult:
    result = UpdateResult(path=path, case_ref=case_ref)
    _save(path, lambda book: edit(book, result), [result])
    return result


def _save(path: Path, edit: Callable[["_Book"], None], results: list[UpdateResult]) -> None:
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
        book = _Book(path, data)
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
    """Write the new workbook beside the old one, flush it to disk, then swap it in atomically."""
    import tempfile

    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".lifkit-tmp")
    try:
        try:  # the new workbook keeps the old one's permissions (mkstemp makes files only the owner can read)
            os.chmod(tmp_name, stat.S_IMODE(os.stat(path).st_mode))
        except OSError:
            pass
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        for attempt in range(20):
            try:
                os.replace(tmp_name, path)
                break
            except PermissionError:  # Windows: a reader (or a virus scanner) has the file open for a moment
                if attempt == 19:
                    raise LockedError(f"{path} could not be replaced: another program has it open. Nothing was "
                                      "changed.", "Close the workbook wherever it is open, then try again.") from None
                time.sleep(0.1)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        try:
            dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError:
            pass


# --- small helpers -------------------------------------------------------------------------------

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_M = "{" + NS_MAIN + "}"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BUILTIN_DATE_FORMATS = frozenset((14, 15, 16, 17, 22, *range(27, 37), *range(50, 59)))
_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NEEDS_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_COL_CACHE: dict[str, int] = {}


def _norm_ref(value: Any) -> str:
    return str(value).strip().upper() if value is not None else ""


def _norm_header(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _col_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _col_index(letters: str) -> int:
    index = _COL_CACHE.get(letters)
    if index is None:
        index = 0
        for ch in letters.upper():
            index = index * 26 + ord(ch) - 64
        _COL_CACHE[letters] = index
    return index


def _unescape(text: str) -> str:
    """OOXML's escapes for characters XML cannot hold: ``_x000D_`` is a carriage return."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _escape(text: str) -> str:
    return _NEEDS_ESCAPE.sub(lambda m: "_x005F_" if m.group(0) == "_" else f"_x{ord(m.group(0)):04X}_", text)


def _is_date_code(code: str) -> bool:
    """Whether a number format code shows a date (not only a time)."""
    code = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)  # literal text, escapes, spacing and fill characters
    code = re.sub(r"\[([hms]+)\]", r"\1", code, flags=re.I)  # elapsed time: [h]:mm
    code = re.sub(r"\[[^\]]*\]", "", code).lower().split(";")[0]  # colours, conditions, locales
    if code.strip() in ("", "general", "@"):
        return False
    if "d" in code or "y" in code:
        return True
    return "m" in code and "h" not in code and "s" not in code


def _serial(value: dt.date, date1904: bool) -> str:
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime.combine(epoch, dt.time())
        serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
        return repr(round(serial, 10))
    return str((value - epoch).days)


def _from_serial(number: float, date1904: bool) -> dt.date:
    if date1904:
        epoch = _EPOCH_1904
    else:
        epoch = _EPOCH_1900 if number >= 61 else dt.date(1899, 12, 31)  # Excel's 29 February 1900
    days = int(number)
    fraction = number - days
    if fraction:
        return dt.datetime.combine(epoch, dt.time()) + dt.timedelta(days=days, seconds=round(fraction * 86400))
    return epoch + dt.timedelta(days=days)


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        number = float(text)
        return int(number) if number.is_integer() and "e" not in text.lower() and abs(number) < 1e15 else number


def _xml(data: bytes, path: Path, part: str):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, collect_ids=False,
                             huge_tree=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{path} is damaged: its part {part} is not well-formed XML ({exc}).",
                         f"Open it in Excel to repair it, or restore the last good copy from "
                         f"{path.parent / BACKUP_DIR}.") from None


def _declaration(data: bytes) -> bytes:
    """The XML declaration (and anything else) before a part's root element, kept as it was."""
    match = re.match(rb"\s*(<\?xml[^>]*\?>\s*)?", data)
    return data[:match.end()] if match else b""


def _rich_text(element) -> str:
    """The text of a shared string or inline string: plain, or rich-text runs; phonetic guides left out."""
    parts = []
    for child in element:
        tag = child.tag
        if tag == _M + "t":
            parts.append(child.text or "")
        elif tag == _M + "r":
            for t in child.iterchildren(_M + "t"):
                parts.append(t.text or "")
    return _unescape("".join(parts))


# --- the zip container ---------------------------------------------------------------------------


@dataclass
class _ZipEntry:
    name: str
    raw_name: bytes
    record: bytes  # the central directory record, as it was
    flags: int
    method: int
    crc: int
    csize: int
    usize: int
    offset: int  # of the local header
    offset_in_extra: int | None  # where a zip64 extra field holds the offset, within the record
    end: int = 0  # where the member's bytes (header, data, descriptor) end in the file


class _Zip:
    """A zip archive's members, read from its central directory so they can be copied raw."""

    def __init__(self, path: Path, data: bytes):
        self.path = path
        self.data = data
        try:
            self.entries, self.cd_offset, self.comment = self._central_directory()
        except (struct.error, IndexError, ValueError):
            raise self._damaged() from None
        self.by_name = {e.name: e for e in self.entries}

    def _damaged(self) -> InputError:
        return InputError(f"{self.path} is damaged (it is not a readable .xlsx zip file).",
                          f"Open it in Excel to repair it, or restore the last good copy from "
                          f"{self.path.parent / BACKUP_DIR}.")

    def _central_directory(self):
        data = self.data
        eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
        if eocd < 0:
            raise ValueError("no end of central directory")
        _, _, _, _, total, cd_size, cd_offset, comment_len = struct.unpack_from("<IHHHHIIH", data, eocd)
        comment = data[eocd + 22:eocd + 22 + comment_len]
        if total == 0xFFFF or cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF:
            locator = eocd - 20
            if data[locator:locator + 4] != b"PK\x06\x07":
                raise ValueError("no zip64 locator")
            (z64,) = struct.unpack_from("<Q", data, locator + 8)
            if data[z64:z64 + 4] != b"PK\x06\x06":
                raise ValueError("no zip64 end record")
            total, cd_size, cd_offset = struct.unpack_from("<QQQ", data, z64 + 32)
        entries = []
        pos = cd_offset
        for _ in range(total):
            if data[pos:pos + 4] != b"PK\x01\x02":
                raise ValueError("bad central directory")
            (_, _, _, flags, method, _, _, crc, csize, usize, nlen, xlen, clen, _, _, _,
             offset) = struct.unpack_from("<IHHHHHHIIIHHHHHII", data, pos)
            raw_name = data[pos + 46:pos + 46 + nlen]
            extra_at = pos + 46 + nlen
            offset_in_extra = None
            if 0xFFFFFFFF in (usize, csize, offset):
                at = extra_at
                while at + 4 <= extra_at + xlen:
                    tag, size = struct.unpack_from("<HH", data, at)
                    if tag == 1:
                        field_at = at + 4
                        if usize == 0xFFFFFFFF:
                            (usize,) = struct.unpack_from("<Q", data, field_at)
                            field_at += 8
                        if csize == 0xFFFFFFFF:
                            (csize,) = struct.unpack_from("<Q", data, field_at)
                            field_at += 8
                        if offset == 0xFFFFFFFF:
                            (offset,) = struct.unpack_from("<Q", data, field_at)
                            offset_in_extra = field_at - pos
                        break
                    at += 4 + size
            record_len = 46 + nlen + xlen + clen
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
            entries.append(_ZipEntry(name, raw_name, data[pos:pos + record_len], flags, method, crc, csize, usize,
                                     offset, offset_in_extra))
            pos += record_len
        by_offset = sorted(entries, key=lambda e: e.offset)
        for entry, following in zip(by_offset, by_offset[1:] + [None]):
            entry.end = following.offset if following is not None else cd_offset
            if self.data[entry.offset:entry.offset + 4] != b"PK\x03\x04":
                raise ValueError("bad local header")
        return entries, cd_offset, comment

    def has(self, name: str) -> bool:
        return name in self.by_name

    def read(self, name: str) -> bytes:
        entry = self.by_name.get(name)
        if entry is None:
            raise InputError(f"{self.path} is damaged: it has no part {name}.",
                             f"Restore the last good copy from {self.path.parent / BACKUP_DIR}.")
        if entry.flags & 1:
            raise InputError(f"{self.path} has encrypted parts, which lifkit cannot read.",
                             "Save it from Excel without a password.")
        nlen, xlen = struct.unpack_from("<HH", self.data, entry.offset + 26)
        start = entry.offset + 30 + nlen + xlen
        raw = self.data[start:start + entry.csize]
        if entry.method == 0:
            content = raw
        elif entry.method == 8:
            try:
                content = zlib.decompressobj(-15).decompress(raw)
            except zlib.error:
                raise self._damaged() from None
        else:
            raise InputError(f"{self.path}: its part {name} is compressed in a way lifkit cannot read "
                             f"(method {entry.method}).", "Open it in Excel and save it again as .xlsx.")
        if zlib.crc32(content) != entry.crc or len(content) != entry.usize:
            raise self._damaged()
        return content

    def chunks(self, replacements: dict[str, bytes | None]) -> Iterable[bytes]:
        """The archive with ``replacements`` (name -> new content, or None to leave the part out); every
        other member copied byte for byte, in the same order."""
        records = {}
        position = 0
        for entry in sorted(self.entries, key=lambda e: e.offset):
            if entry.name in replacements:
                content = replacements[entry.name]
                if content is None:
                    continue
                method = 0 if entry.method == 0 else 8
                if method == 8:
                    compressor = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
                    packed = compressor.compress(content) + compressor.flush()
                else:
                    packed = content
                crc = zlib.crc32(content)
                flags = entry.flags & 0x0800  # keep "UTF-8 name"; no data descriptor, no encryption
                dos_time, dos_date = struct.unpack_from("<HH", entry.record, 12)
                header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, dos_time, dos_date, crc,
                                     len(packed), len(content), len(entry.raw_name), 0) + entry.raw_name
                made_by, = struct.unpack_from("<H", entry.record, 4)
                nlen, xlen, clen = struct.unpack_from("<HHH", entry.record, 28)
                internal, external = struct.unpack_from("<HI", entry.record, 36)
                comment = entry.record[46 + nlen + xlen:]
                _check_32bit(position, self.path)
                records[entry.name] = struct.pack(
                    "<IHHHHHHIIIHHHHHII", 0x02014B50, made_by, 20, flags, method, dos_time, dos_date, crc,
                    len(packed), len(content), len(entry.raw_name), 0, clen, 0, internal, external,
                    position) + entry.raw_name + comment
                yield header
                yield packed
                position += len(header) + len(packed)
            else:
                record = bytearray(entry.record)
                _check_32bit(position, self.path)
                if entry.offset_in_extra is not None:
                    struct.pack_into("<Q", record, entry.offset_in_extra, position)
                else:
                    struct.pack_into("<I", record, 42, position)
                records[entry.name] = bytes(record)
                raw = memoryview(self.data)[entry.offset:entry.end]
                yield raw
                position += len(raw)
        cd_start = position
        cd_size = 0
        count = 0
        for entry in self.entries:
            record = records.get(entry.name)
            if record is None:
                continue
            yield record
            cd_size += len(record)
            count += 1
        _check_32bit(cd_start + cd_size, self.path)
        yield struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_start,
                          len(self.comment)) + self.comment


def _check_32bit(position: int, path: Path) -> None:
    if position >= 0xFFFFFFFF:
        raise InputError(f"{path} would be larger than 4 GB, which lifkit does not write.",
                         "Move old cases to an archive workbook.")


# --- the workbook --------------------------------------------------------------------------------


@dataclass
class _SheetRef:
    name: str
    index: int  # position in the workbook, as _xlnm._FilterDatabase's localSheetId counts
    sheet_id: str
    part: str
    kind: str  # worksheet, chartsheet, dialogsheet...


def _rels_part(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _resolve(base_part: str, target: str) -> str:
    import posixpath

    if target.startswith("/"):
        return target.lstrip("/")
    folder = base_part.rpartition("/")[0]
    return posixpath.normpath(posixpath.join(folder, target)).lstrip("./") if folder else posixpath.normpath(target)


class _Book:
    """The workbook as a zip of XML parts: what lifkit reads, and the parts an edit changes."""

    def __init__(self, path: Path, data: bytes):
        self.path = path
        self._classify(data)
        self.zip = _Zip(path, data)
        self.changed: dict[str, bytes | None] = {}
        self._sheets: dict[str, _Sheet] = {}
        self._shared: list[str] | None = None
        self._styles: _Styles | None = None
        self.drop_calc_chain = False
        root_rels = self._rels("")
        office = [target for kind, target in root_rels.values() if kind.endswith("/officeDocument") and target]
        if not office:
            if self.zip.has("mimetype") and self.zip.read("mimetype").startswith(b"application/vnd.oasis"):
                raise InputError(f"{path} is an OpenDocument spreadsheet, not an Excel workbook.",
                                 "Save it as an Excel 2007-365 workbook (.xlsx) and point [register] path at it.")
            raise InputError(f"{path} is not an Excel workbook (.xlsx).",
                             "Point [register] path in lifkit.toml at the register workbook.")
        self.workbook_part = office[0]
        if self.workbook_part.lower().endswith(".bin"):
            raise InputError(f"{path} is an Excel Binary Workbook (.xlsb), which lifkit cannot edit safely.",
                             "Save it in Excel as an Excel Workbook (.xlsx), then point [register] path at it.")
        self.workbook_xml = self.zip.read(self.workbook_part)
        root = _xml(self.workbook_xml, path, self.workbook_part)
        namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
        if namespace == NS_STRICT or any(kind.startswith("http://purl.oclc.org/") for kind, _ in root_rels.values()):
            raise InputError(f"{path} is saved as a Strict Open XML Spreadsheet, which lifkit cannot edit safely.",
                             "Open it in Excel and save it with File > Save As > Excel Workbook (*.xlsx).")
        if namespace != NS_MAIN:
            raise InputError(f"{path} is not an Excel workbook lifkit knows (its workbook part is {namespace!r}).",
                             "Save it in Excel as an Excel Workbook (*.xlsx).")
        properties = root.find(_M + "workbookPr")
        self.date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        rels = self._rels(self.workbook_part)
        self.sheet_refs: list[_SheetRef] = []
        for index, sheet in enumerate(root.iterfind(f"{_M}sheets/{_M}sheet")):
            kind, target = rels.get(sheet.get(f"{{{NS_R}}}id"), ("", None))
            self.sheet_refs.append(_SheetRef(sheet.get("name", ""), index, sheet.get("sheetId", ""), target or "",
                                             kind.rpartition("/")[2]))
        self.styles_part = next((t for k, t in rels.values() if k.endswith("/styles") and t), None)
        self.shared_part = next((t for k, t in rels.values() if k.endswith("/sharedStrings") and t), None)
        self.calc_chain_part = next((t for k, t in rels.values() if k.endswith("/calcChain") and t), None)

    def _classify(self, data: bytes) -> None:
        path = self.path
        if data.startswith(_CFB_MAGIC):
            if "EncryptionInfo".encode("utf-16-le") in data[:1 << 20] or b"E\x00n\x00c\x00r\x00y\x00p\x00t" in data:
                raise InputError(f"{path} is protected with a password (encrypted), so lifkit cannot read or "
                                 "update it.", "In Excel: File > Info > Protect Workbook > Encrypt with Password, "
                                 "clear the password and save. Keep the workspace folder itself protected instead.")
            raise InputError(f"{path} is an Excel 97-2003 workbook (.xls), which lifkit cannot edit safely.",
                             "Open it in Excel, save it as an Excel Workbook (.xlsx), and point [register] path "
                             "in lifkit.toml at the new file.")
        if not data.startswith(b"PK"):
            raise InputError(f"{path} is not an Excel workbook (.xlsx).",
                             "Point [register] path in lifkit.toml at the register workbook, or restore it from "
                             f"{path.parent / BACKUP_DIR}.")

    def _rels(self, part: str) -> dict[str, tuple[str, str | None]]:
        rels_part = _rels_part(part) if part else "_rels/.rels"
        if not self.zip.has(rels_part):
            return {}
        root = _xml(self.zip.read(rels_part), self.path, rels_part)
        rels = {}
        for rel in root:
            if not isinstance(rel.tag, str):
                continue
            target = rel.get("Target", "")
            external = rel.get("TargetMode") == "External"
            rels[rel.get("Id")] = (rel.get("Type", ""), None if external else _resolve(part, target))
        return rels

    def sheet(self, name: str) -> _SheetRef:
        for ref in self.sheet_refs:
            if ref.name == name:
                break
        else:
            ref = next((r for r in self.sheet_refs if r.name.casefold() == name.casefold()), None)
        if ref is None:
            names = ", ".join(repr(r.name) for r in self.sheet_refs) or "none"
            raise InputError(f"{self.path} has no sheet named {name!r} (its sheets: {names}).",
                             f"lifkit keeps cases on a sheet named {REGISTER_SHEET} and decisions on one named "
                             f"{DECISIONS_SHEET}: rename the sheet back in Excel, or restore the workbook from "
                             f"{self.path.parent / BACKUP_DIR}.")
        if ref.kind != "worksheet" or not ref.part or not self.zip.has(ref.part):
            raise InputError(f"{self.path}: the sheet {ref.name!r} is not an ordinary worksheet ({ref.kind or 'missing'}).",
                             f"Restore the {ref.name} sheet (it holds the register's rows) from "
                             f"{self.path.parent / BACKUP_DIR}.")
        return ref

    @property
    def shared(self) -> list[str]:
        """The shared strings table (Excel and LibreOffice keep each distinct text once, cells point to it)."""
        if self._shared is None:
            self._shared = []
            if self.shared_part and self.zip.has(self.shared_part):
                self._shared = self._read_shared(self.zip.read(self.shared_part))
        return self._shared

    def _read_shared(self, data: bytes) -> list[str]:
        root_tag = re.search(rb"<((?:[A-Za-z_][\w.-]*:)?)sst\b", data)
        if root_tag and data.find(b"<!", root_tag.end()) < 0:
            p = re.escape(root_tag.group(1))
            pattern = re.compile(b"<" + p + rb"si>(?:<" + p + rb"t(?:\s[^>]*)?>([^<]*)</" + p + rb"t>|(.*?))</"
                                 + p + b"si>", re.S)
            found = pattern.findall(data)
            if len(found) == data.count(b"<" + root_tag.group(1) + b"si"):
                return [_unescape(_xml_text(plain)) if plain or not other
                        else _unescape(_inline_text(other, root_tag.group(1))) for plain, other in found]
        root = _xml(data, self.path, self.shared_part)
        return [_rich_text(si) for si in root.iterchildren(_M + "si")]

    @property
    def styles(self) -> "_Styles":
        if self._styles is None:
            data = self.zip.read(self.styles_part) if self.styles_part and self.zip.has(self.styles_part) else None
            self._styles = _Styles(self, data)
        return self._styles

    def edit_sheet(self, name: str, columns: tuple[Column, ...]) -> "_Sheet":
        if name not in self._sheets:
            ref = self.sheet(name)
            self._sheets[name] = _Sheet(self, ref, columns, self.zip.read(ref.part))
        return self._sheets[name]

    def set_part(self, part: str, data: bytes | None) -> None:
        self.changed[part] = data

    def read_part(self, part: str) -> bytes:
        if part in self.changed:
            return self.changed[part]  # type: ignore[return-value]
        return self.zip.read(part)

    def finish(self) -> dict[str, bytes | None]:
        """Gather every changed part (sheets, tables, workbook, styles) into ``self.changed``."""
        for sheet in self._sheets.values():
            sheet.finish()
        if self._styles is not None and self._styles.dirty:
            self.set_part(self.styles_part, self._styles.serialize())
        if self.drop_calc_chain and self.calc_chain_part and self.zip.has(self.calc_chain_part):
            self._drop_calc_chain()
        return self.changed

    def _drop_calc_chain(self) -> None:
        """Excel's calculation chain lists the cells holding formulas; a formula lifkit overwrote would
        leave a stale entry that Excel "repairs" with a warning. Without the part Excel rebuilds it."""
        from lxml import etree

        part = self.calc_chain_part
        self.set_part(part, None)
        for container, match in (("[Content_Types].xml", lambda el: el.get("PartName", "").lstrip("/") == part),
                                 (_rels_part(self.workbook_part),
                                  lambda el: el.get("Type", "").endswith("/calcChain"))):
            data = self.read_part(container)
            root = _xml(data, self.path, container)
            for element in [el for el in root if isinstance(el.tag, str) and match(el)]:
                root.remove(element)
            self.set_part(container, _declaration(data) + etree.tostring(root, encoding="UTF-8"))

    def chunks(self, parts: dict[str, bytes | None]) -> Iterable[bytes]:
        return self.zip.chunks(parts)


class _Styles:
    """The number formats of the workbook's cell styles: which are dates, and making a date style."""

    def __init__(self, book: _Book, data: bytes | None):
        self.book = book
        self.data = data
        self.dirty = False
        self.root = _xml(data, book.path, book.styles_part) if data else None
        self.formats: dict[int, str] = {}
        self.xfs: list = []
        if self.root is not None:
            for fmt in self.root.iterfind(f"{_M}numFmts/{_M}numFmt"):
                try:
                    self.formats[int(fmt.get("numFmtId"))] = fmt.get("formatCode", "")
                except (TypeError, ValueError):
                    pass
            cell_xfs = self.root.find(_M + "cellXfs")
            self.xfs = list(cell_xfs.iterchildren(_M + "xf")) if cell_xfs is not None else []
        self.date_styles = frozenset(i for i, xf in enumerate(self.xfs) if self._is_date_fmt(xf.get("numFmtId")))

    def _is_date_fmt(self, fmt_id) -> bool:
        try:
            number = int(fmt_id)
        except (TypeError, ValueError):
            return False
        if number in self.formats:
            return _is_date_code(self.formats[number])
        return number in _BUILTIN_DATE_FORMATS

    def is_date(self, style: str | int | None) -> bool:
        try:
            return int(style) in self.date_styles  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    def _look(self, index: int):
        """Everything about a style except its number format."""
        from lxml import etree

        if index >= len(self.xfs):
            return None
        xf = self.xfs[index]
        attrs = tuple(sorted((k, v) for k, v in xf.attrib.items() if k not in ("numFmtId", "applyNumberFormat")))
        return attrs, tuple(etree.tostring(child) for child in xf)

    def date_style_for(self, base: str | None, column_style: str | None) -> str:
        """A date style that looks like ``base`` (the cell's own style), else like the column's dates."""
        base_index = int(base) if base and base.isdigit() else 0
        if base and self.is_date(base):
            return base
        if column_style is not None and (base_index == 0 or self._look(base_index) == self._look(int(column_style))):
            return column_style
        if self.root is None:
            raise InputError(f"{self.book.path} has no styles part, so lifkit cannot format a date in it.",
                             "Open it in Excel and save it again.")
        look = self._look(base_index)
        date_fmt = self.xfs[int(column_style)].get("numFmtId") if column_style is not None else None
        for index in sorted(self.date_styles):
            if self._look(index) == look and (date_fmt is None or self.xfs[index].get("numFmtId") == date_fmt):
                return str(index)
        for index in sorted(self.date_styles):
            if self._look(index) == look:
                return str(index)
        return self._add_date_style(base_index, date_fmt)

    def _add_date_style(self, base_index: int, date_fmt: str | None) -> str:
        """A new cell style: ``base_index``'s look with a dd/mm/yyyy (or the column's) date format."""
        import copy

        from lxml import etree

        if date_fmt is None:
            date_fmt = next((str(i) for i, code in self.formats.items() if code.lower() == DATE_FORMAT), None)
        if date_fmt is None:
            number = max([163, *self.formats]) + 1
            formats = self.root.find(_M + "numFmts")
            if formats is None:
                formats = etree.Element(_M + "numFmts")
                self.root.insert(0, formats)
            etree.SubElement(formats, _M + "numFmt", numFmtId=str(number), formatCode=DATE_FORMAT)
            formats.set("count", str(len(formats)))
            self.formats[number] = DATE_FORMAT
            date_fmt = str(number)
        cell_xfs = self.root.find(_M + "cellXfs")
        if cell_xfs is None:
            raise InputError(f"{self.book.path} has no cell styles, so lifkit cannot format a date in it.",
                             "Open it in Excel and save it again.")
        xf = copy.deepcopy(self.xfs[base_index]) if base_index < len(self.xfs) else etree.Element(_M + "xf")
        xf.set("numFmtId", date_fmt)
        xf.set("applyNumberFormat", "1")
        cell_xfs.append(xf)
        cell_xfs.set("count", str(len(cell_xfs)))
        self.xfs.append(xf)
        self.date_styles = self.date_styles | {len(self.xfs) - 1}
        self.dirty = True
        return str(len(self.xfs) - 1)

    def serialize(self) -> bytes:
        from lxml import etree

        return _declaration(self.data or b"") + etree.tostring(self.root, encoding="UTF-8")


class _CellReader:
    """Turns cells into Python values: ``<c>`` elements, or the pieces the fast row reader cuts out."""

    def __init__(self, book: _Book):
        self.book = book
        self.date_styles = book.styles.date_styles
        self.date1904 = book.date1904

    def value(self, cell) -> Any:
        kind = cell.get("t")
        if kind == "inlineStr":
            for child in cell:
                if child.tag == _M + "is":
                    return _rich_text(child)
            return None
        text = None
        for child in cell:
            if child.tag == _M + "v":
                text = child.text
                break
        return self.convert(kind, text, cell.get("s"))

    def convert(self, kind: str | None, text: str | None, style: str | None) -> Any:
        """The value of a cell of type ``kind`` whose ``<v>`` holds ``text`` (XML entities resolved)."""
        if text is None or text == "":
            return None
        if kind is None or kind == "n" or kind == "":
            try:
                number = _number(text)
            except ValueError:
                return text
            if style and style.isdigit() and int(style) in self.date_styles:
                try:
                    return _from_serial(number, self.date1904)
                except (OverflowError, ValueError):
                    return number
            return number
        if kind == "s":
            try:
                return self.book.shared[int(text)]
            except (ValueError, IndexError):
                return None
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            try:
                parsed = dt.datetime.fromisoformat(text.strip().rstrip("Z"))
            except ValueError:
                return text
            return parsed.date() if parsed.time() == dt.time() else parsed
        return _unescape(text) if kind == "str" else text  # "str" (a formula's text), "e" (an error)


_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _xml_text(raw: bytes) -> str:
    """Character data cut from XML bytes, as an XML parser would give it."""
    text = raw.decode("utf-8")
    if "\r" in text:  # XML's end-of-line handling
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(lambda m: _ENTITIES.get(m.group(1)) or chr(int(m.group(1)[2:], 16) if m.group(1)[1] == "x"
                                                                          else int(m.group(1)[1:])), text)
    return text


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
        if columns is not DECISIONS_COLUMNS and "case_ref" not in key_cols:
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
                names[col] = f"{name} ({_col_letter(col)})"
            used.add(names[col])
        for cells in (cells for _, cells in rows):  # values in columns without a header
            for col in cells:
                if col not in names:
                    names[col] = f"({_col_letter(col)})"
        self.names = names

    @classmethod
    def read(cls, book: _Book, ref: _SheetRef, columns: tuple[Column, ...]) -> "_SheetRows":
        sheet = _Sheet(book, ref, columns, book.zip.read(ref.part))
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


# --- surgical sheet edits ------------------------------------------------------------------------

_SHEETDATA_RE = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
_START_TAG_RE = re.compile(rb"<([A-Za-z_][\w.:-]*)\b[^>]*>")
_RANGE_RE = re.compile(r"^(\$?[A-Za-z]{1,3}\$?\d+):(\$?[A-Za-z]{1,3}\$?)(\d+)$")


class _Sheet:
    """One worksheet part, edited by splicing new bytes into the old: only changed rows are rewritten."""

    def __init__(self, book: _Book, ref: _SheetRef, columns: tuple[Column, ...], data: bytes):
        self.book = book
        self.ref = ref
        self.columns = columns
        self.path = book.path
        self.data = data
        self.pending: dict[int, _PendingRow] = {}
        self.new_rows: list[int] = []
        self._case_rows: dict[str, list[int]] | None = None
        self._keyed: dict[str, dict[str, list[int]]] = {}
        self._last_original: int | None = None
        self.max_col = 0
        self._locate()
        if self._irregular():
            self.data = self._regularise()
            self._locate()
        self._index_rows()
        self._header: _Header | None = None
        self._col_styles: list[tuple[int, int, str]] | None = None
        self._date_styles_by_col: dict[int, str | None] = {}

    # locating things in the bytes

    def _locate(self) -> None:
        data = self.data
        pos = 0
        while True:
            pos = data.find(b"<", pos)
            if pos < 0:
                raise self._damaged()
            if data[pos + 1:pos + 2] in (b"?", b"!"):
                end = data.find(b"-->", pos) + 3 if data.startswith(b"<!--", pos) else data.find(b">", pos) + 1
                if end <= 0:
                    raise self._damaged()
                pos = end
                continue
            break
        root = _START_TAG_RE.match(data, pos)
        match = _SHEETDATA_RE.search(data, pos)
        if root is None or match is None:
            raise self._damaged()
        self.root_start = root.group(0)
        self.root_name = root.group(1)
        self.prefix = match.group(1)
        self.sheetdata_tag = match.group(0)
        if match.group(2):  # <sheetData/>: no rows at all, so no header row (refused when it is looked for)
            self.sheetdata_tag = self.sheetdata_tag[:-2].rstrip() + b">"
            self.body_start = self.body_end = match.end()
        else:
            self.body_start = match.end()
            self.body_end = data.rfind(b"</" + self.prefix + b"sheetData>", self.body_start)
            if self.body_end < 0:
                raise self._damaged()

    def _damaged(self) -> InputError:
        return InputError(f"{self.path} is damaged: the {self.ref.name} sheet's XML ({self.ref.part}) is not "
                          "what Excel writes.", f"Open it in Excel to repair it, or restore the last good copy from "
                          f"{self.path.parent / BACKUP_DIR}.")

    def _irregular(self) -> bool:
        """Whether the rows need rewriting before byte-level edits are safe: comments or CDATA among the
        rows, or rows and cells whose ``r`` is missing or not their first attribute."""
        data, start, end, p = self.data, self.body_start, self.body_end, self.prefix
        if data.find(b"<!", start, end) >= 0 or data.find(b"<?", start, end) >= 0:
            return True
        if data.count(b"<" + p + b"row", start, end) != data.count(b"<" + p + b'row r="', start, end):
            return True
        cells = data.count(b"<" + p + b'c r="', start, end)
        if data.count(b"<" + p + b"c", start, end) != cells:  # <color>, <charset>... in rich text, or cells
            opened = len(re.findall(b"<" + re.escape(p) + rb"c[\s>/]", data[start:end]))
            return opened != cells
        return False

    def _regularise(self) -> bytes:
        """Rewrite the sheet with ``r`` first on every row and cell, and no comments among the rows."""
        from lxml import etree

        root = _xml(self.data, self.path, self.ref.part)
        sheet_data = root.find(_M + "sheetData")
        if sheet_data is None:
            raise self._damaged()
        for node in list(sheet_data.iter(etree.Comment, etree.ProcessingInstruction)):
            parent = node.getparent()
            if node.tail:
                previous = node.getprevious()
                if previous is not None:
                    previous.tail = (previous.tail or "") + node.tail
                else:
                    parent.text = (parent.text or "") + node.tail
            parent.remove(node)
        rownum = 0
        for row in sheet_data.iterchildren(_M + "row"):
            rownum = int(row.get("r") or rownum + 1)
            _r_first(row, str(rownum))
            col = 0
            for cell in row.iterchildren(_M + "c"):
                ref = cell.get("r")
                col = _col_index(ref.rstrip("0123456789")) if ref else col + 1
                _r_first(cell, f"{_col_letter(col)}{rownum}")
        return _declaration(self.data) + etree.tostring(root, encoding="UTF-8")

    def _index_rows(self) -> None:
        pattern = re.compile(b"<" + re.escape(self.prefix) + rb'row r="(\d+)"')
        self.row_nums: list[int] = []
        self.row_starts: list[int] = []
        previous = 0
        for match in pattern.finditer(self.data, self.body_start, self.body_end):
            number = int(match.group(1))
            if number <= previous:
                raise InputError(f"{self.path}: the {self.ref.name} sheet's rows are out of order (row {number} "
                                 f"comes after row {previous}).", "Open the workbook in Excel and save it again.")
            self.row_nums.append(number)
            self.row_starts.append(match.start())
            previous = number
        self.row_pos = {n: i for i, n in enumerate(self.row_nums)}
        self.original_last = self.row_nums[-1] if self.row_nums else 0

    def _row_end(self, i: int) -> int:
        start = self.row_starts[i]
        close = self.data.find(b">", start)
        if self.data[close - 1:close] == b"/":
            return close + 1
        tag = b"</" + self.prefix + b"row>"
        end = self.data.find(tag, close)
        if end < 0:
            raise self._damaged()
        return end + len(tag)

    def _wrap(self, inner: bytes) -> bytes:
        return self.root_start + self.sheetdata_tag + inner + b"</" + self.prefix + b"sheetData></" + self.root_name + b">"

    def _parse(self, inner: bytes):
        """Parse rows (or cells) cut from the sheet, inside the sheet's own root element so that every
        namespace prefix means what it meant there. Returns the wrapper's sheetData element."""
        root = _xml(self._wrap(inner), self.path, self.ref.part)
        sheet_data = root[0]
        if sheet_data.tag != _M + "sheetData":
            raise self._damaged()
        return sheet_data

    @staticmethod
    def _serialize(sheet_data) -> bytes:
        from lxml import etree

        out = etree.tostring(sheet_data, encoding="UTF-8")
        return out[out.index(b">") + 1:out.rindex(b"</")]

    def _parse_row(self, i: int):
        return self._parse(self.data[self.row_starts[i]:self._row_end(i)])

    # what the sheet holds

    @property
    def header(self) -> _Header:
        if self._header is None:
            indexes = [i for i, n in enumerate(self.row_nums) if n <= HEADER_SEARCH_ROWS]
            candidates = []
            if indexes:
                inner = b"".join(self.data[self.row_starts[i]:self._row_end(i)] for i in indexes)
                reader = _CellReader(self.book)
                for row in self._parse(inner).iterchildren(_M + "row"):
                    cells = {}
                    for cell in row.iterchildren(_M + "c"):
                        value = reader.value(cell)
                        if value is not None:
                            cells[_col_index(cell.get("r").rstrip("0123456789"))] = value
                    candidates.append((int(row.get("r")), cells))
            self._header = _find_header(candidates, self.columns, self.ref.name, self.path)
        return self._header

    def column_values(self, col: int) -> list[tuple[int, Any]]:
        """(row, value) of every cell in column ``col`` below the header, cut from the bytes."""
        letters = _col_letter(col).encode()
        pattern = _cell_pattern(self.prefix, letters)
        decode = self._decoder()
        header_row = self.header.row
        values = []
        for _, row, style, kind, rest, v, inline, other in pattern.findall(self.data, self.body_start, self.body_end):
            number = int(row)
            if number > header_row:
                values.append((number, decode(style, kind, rest, v, inline, other)))
        return values

    def all_rows(self) -> list[tuple[int, dict[int, Any]]]:
        """Every row holding a value: (row number, {column number: value}).

        One regular expression over the sheet's bytes cuts out every cell (r, s, t, the value); that is
        several times faster than building an XML tree of a large sheet. If it does not account for
        every cell (a sheet written some other way), the sheet is read with lxml instead.
        """
        data, start, end, p = self.data, self.body_start, self.body_end, self.prefix
        found = _cell_pattern(p).findall(data, start, end)
        if len(found) != data.count(b"<" + p + b'c r="', start, end):
            return self._all_rows_lxml()
        decode = self._decoder()
        columns: dict[bytes, int] = {}
        rows: list[tuple[int, dict[int, Any]]] = []
        current = None
        cells: dict[int, Any] = {}
        for col, row, style, kind, rest, v, inline, other in found:
            if row != current:
                if cells:
                    rows.append((int(current), cells))
                    cells = {}
                current = row
            value = decode(style, kind, rest, v, inline, other)
            if value is None:
                continue
            number = columns.get(col)
            if number is None:
                number = columns[col] = _col_index(col.decode())
            cells[number] = value
        if cells:
            rows.append((int(current), cells))
        return rows

    def _decoder(self) -> Callable[..., Any]:
        """A function from the pieces :func:`_cell_pattern` cuts out of a cell to its value (None if empty)."""
        reader = _CellReader(self.book)
        convert = reader.convert
        date_styles = {str(i).encode() for i in reader.date_styles}
        dates: dict[bytes, Any] = {}
        p = self.prefix
        value_in = re.compile(b"<" + re.escape(p) + rb"v(?:\s[^>]*)?>([^<]*)</")

        def decode(style: bytes, kind: bytes, rest: bytes, v: bytes, inline: bytes, other: bytes) -> Any:
            if rest and (b" s=" in rest or b" t=" in rest):  # attributes in another order
                attrs = dict(re.findall(rb'\b([st])="([^"]*)"', rest))
                style, kind = attrs.get(b"s", style), attrs.get(b"t", kind)
            if kind == b"inlineStr":
                if inline:
                    text = inline.decode("utf-8")
                    if "&" in text or "\r" in text:
                        text = _xml_text(inline)
                    return _unescape(text) if "_x" in text else text
                return (_unescape(_inline_text(other, p)) or None) if other else None
            if not v:
                if not other:
                    return None
                match = value_in.search(other)
                if not match or not match.group(1):
                    return None
                v = match.group(1)
            if (not kind or kind == b"n") and style in date_styles:
                value = dates.get(v)
                if value is None:
                    value = dates[v] = convert(None, v.decode(), style.decode())
                return value
            value = convert(kind.decode() if kind else None, _xml_text(v), style.decode() if style else None)
            return None if value == "" else value

        return decode

    def _all_rows_lxml(self) -> list[tuple[int, dict[int, Any]]]:
        reader = _CellReader(self.book)
        sheet_data = self._parse(self.data[self.body_start:self.body_end])
        rows: list[tuple[int, dict[int, Any]]] = []
        for row in sheet_data.iterchildren(_M + "row"):
            cells: dict[int, Any] = {}
            for cell in row.iterchildren(_M + "c"):
                value = reader.value(cell)
                if value is not None and value != "":
                    cells[_col_index(cell.get("r").rstrip("0123456789"))] = value
            if cells:
                rows.append((int(row.get("r")), cells))
        return rows

    def _has_content(self, i: int) -> bool:
        end = self.row_starts[i + 1] if i + 1 < len(self.row_starts) else self.body_end
        content = re.compile(b"<" + re.escape(self.prefix) + rb"(?:v>[^<]|is>|f[\s>/])")
        return content.search(self.data, self.row_starts[i], end) is not None

    def col_style(self, col: int) -> str | None:
        """The style the sheet's ``<cols>`` give column ``col``: what Excel gives a cell typed into it."""
        if self._col_styles is None:
            self._col_styles = []
            head = self.data[:self.body_start]
            for tag in re.finditer(b"<" + re.escape(self.prefix) + rb"col\b[^>]*>", head):
                attrs = dict(re.findall(rb'\b(min|max|style)="(\d+)"', tag.group(0)))
                if b"style" in attrs and b"min" in attrs and b"max" in attrs:
                    self._col_styles.append((int(attrs[b"min"]), int(attrs[b"max"]), attrs[b"style"].decode()))
        return next((style for low, high, style in self._col_styles if low <= col <= high), None)

    def column_date_style(self, col: int, rownum: int) -> str | None:
        """The date style of the column's existing dates nearest above ``rownum`` (else below), else the
        column's own style if it is a date format."""
        if col not in self._date_styles_by_col:
            styles = self.book.styles
            pattern = re.compile(b"<" + re.escape(self.prefix) + b'c r="' + _col_letter(col).encode()
                                 + rb'(\d+)" s="(\d+)"')
            above = below = None
            for match in pattern.finditer(self.data, self.body_start, self.body_end):
                number, style = int(match.group(1)), match.group(2).decode()
                if number <= self.header.row or not styles.is_date(style):
                    continue
                if number < rownum:
                    above = style
                elif below is None:
                    below = style
            found = above or below
            if found is None:
                col_style = self.col_style(col)
                found = col_style if col_style is not None and styles.is_date(col_style) else None
            self._date_styles_by_col[col] = found
        return self._date_styles_by_col[col]

    # changing rows

    def _targets(self, values: dict[str, Any], result: UpdateResult) -> dict[int, tuple[Column, Any]]:
        """Column number -> (column, value) for each value whose column is in the workbook exactly once."""
        header = self.header
        by_key = {c.key: c for c in self.columns}
        targets = {}
        for key, value in values.items():
            column = by_key[key]
            cols = header.key_cols.get(key, [])
            if len(cols) == 1:
                targets[cols[0]] = (column, value)
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
        case_ref = case_ref.strip()
        wanted = _norm_ref(case_ref)
        rows = self.case_rows().get(wanted, [])
        if len(rows) > 1:
            raise InputError(f"{self.path}: {case_ref} is on the {self.ref.name} sheet {len(rows)} times (rows "
                             f"{', '.join(map(str, rows))}), so lifkit cannot tell which row to update.",
                             "Delete or merge the extra rows (`lifkit register check` lists them), then run the "
                             "command again.")
        targets = self._targets(values, result)
        if rows:
            rownum = rows[0]
            self.edit_row(rownum, targets, created=False)
        else:
            if not create:
                raise InputError(f"{case_ref} is not on the register ({self.path}, sheet {self.ref.name}).",
                                 "Check the case reference.")
            targets[self.header.single("case_ref")] = (self._column("case_ref"), case_ref)
            rownum = self.last_content_row() + 1
            self.edit_row(rownum, targets, created=True)
            self._case_rows[wanted] = [rownum]
            result.created = True
        result.row = rownum

    def upsert_keyed(self, key: str, value: str, values: dict[str, Any], result: UpdateResult) -> None:
        """Write ``values`` into the row whose ``key`` column holds ``value`` (added below the last row when
        there is none): how a sheet keyed by another column than the case (the Actions sheet) is written."""
        col = self.header.single(key)
        header = self._column(key).header
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
        rows = index.get(_norm_ref(value), [])
        if len(rows) > 1:
            raise InputError(f"{self.path}: {value} is on the {self.ref.name} sheet {len(rows)} times (rows "
                             f"{', '.join(map(str, rows))}), so lifkit cannot tell which row to update.",
                             "Delete the extra rows (`lifkit register check` lists them), then run "
                             "`lifkit register sync`.")
        targets = self._targets(values, result)
        if rows:
            self.edit_row(rows[0], targets, created=False)
            result.row = rows[0]
            return
        targets[col] = (self._column(key), value)
        rownum = self.last_content_row() + 1
        self.edit_row(rownum, targets, created=True)
        index[_norm_ref(value)] = [rownum]
        result.row, result.created = rownum, True

    def append(self, values: dict[str, Any], result: UpdateResult) -> None:
        targets = self._targets(values, result)
        rownum = self.last_content_row() + 1
        self.edit_row(rownum, targets, created=True)
        result.decision_row = rownum

    def _column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def last_content_row(self) -> int:
        """The last row holding a value, counting the rows this save adds."""
        if self._last_original is None:
            self._last_original = self.header.row
            for i in range(len(self.row_nums) - 1, -1, -1):
                if self.row_nums[i] <= self.header.row:
                    break
                if self._has_content(i):
                    self._last_original = self.row_nums[i]
                    break
        return max([self._last_original, *(n for n, p in self.pending.items() if p.created)])

    def _pending_row(self, rownum: int, created: bool) -> "_PendingRow":
        """The row being edited, parsed from the sheet (or new); rows stay parsed until the save."""
        from lxml import etree

        pending = self.pending.get(rownum)
        if pending is not None:
            pending.created = pending.created or created
            return pending
        above = None
        if created and rownum - 1 > self.header.row:
            if rownum - 1 in self.pending:
                above = self.pending[rownum - 1].row
            elif rownum - 1 in self.row_pos:
                above = self._parse_row(self.row_pos[rownum - 1])[0]
        above_styles = {} if above is None else {_col_index(c.get("r").rstrip("0123456789")): c.get("s")
                                                 for c in above.iterchildren(_M + "c") if c.get("s") is not None}
        i = self.row_pos.get(rownum)
        if i is not None:
            sheet_data = self._parse_row(i)
            row = sheet_data[0]
            before = etree.tostring(row)
        else:
            sheet_data = self._parse(b"")
            row = etree.SubElement(sheet_data, _M + "row")
            row.set("r", str(rownum))
            if above is not None:
                for name, value in above.attrib.items():
                    if name not in ("r", "hidden", "collapsed"):
                        row.set(name, value)
            before = None
        if created:  # the row takes the formatting of the row above, cell by cell
            present = {_col_index(c.get("r").rstrip("0123456789")) for c in row.iterchildren(_M + "c")}
            for col, style in above_styles.items():
                if col not in present:
                    _cell(row, col, rownum).set("s", style)
        pending = self.pending[rownum] = _PendingRow(sheet_data, row, before, created, i, above_styles)
        return pending

    def edit_row(self, rownum: int, targets: dict[int, tuple[Column, Any]], created: bool) -> None:
        pending = self._pending_row(rownum, created)
        for col in sorted(targets):
            column, value = targets[col]
            self._put(pending.row, col, rownum, value, pending.above_styles.get(col))

    def _put(self, row, col: int, rownum: int, value: Any, above_style: str | None) -> None:
        ref = f"{_col_letter(col)}{rownum}"
        cell = _find_cell(row, col)
        if cell is None:
            if value is None:
                return
            cell = _cell(row, col, rownum)
            style = above_style if above_style is not None else self.col_style(col)
            if style is None and row.get("customFormat") in ("1", "true") and row.get("s"):
                style = row.get("s")
            if style is not None:
                cell.set("s", style)
        formula = cell.find(_M + "f")
        if formula is not None:
            shared_ref = formula.get("ref")
            if formula.get("t") in ("shared", "array") and shared_ref and shared_ref.replace("$", "") != ref:
                raise InputError(f"{self.path}: cell {ref} on the {self.ref.name} sheet holds a formula that other "
                                 f"cells share ({shared_ref}), so lifkit will not overwrite it.",
                                 "Copy the formula into each of those cells (or clear it), then run the command "
                                 "again.")
            self.book.drop_calc_chain = True
        for child in list(cell):
            cell.remove(child)
        for name in ("t", "cm", "vm"):
            cell.attrib.pop(name, None)
        if value is None:
            if not cell.get("s"):
                row.remove(cell)
            return
        if isinstance(value, dt.date):
            base = cell.get("s")
            styles = self.book.styles
            if not styles.is_date(base):
                cell.set("s", styles.date_style_for(base, self.column_date_style(col, rownum)))
            _sub(cell, "v").text = _serial(value, self.book.date1904)
        elif isinstance(value, bool):
            _inline(cell, "Yes" if value else "No")
        elif isinstance(value, (int, float)):
            _sub(cell, "v").text = repr(value) if isinstance(value, float) else str(value)
        else:
            _inline(cell, str(value))

    # the parts around the rows

    def _row_edits(self) -> list[tuple[int, int, bytes]]:
        """The changed rows as byte edits: a changed row replaces its old bytes, a new one is inserted."""
        from lxml import etree

        edits = []
        for rownum in sorted(self.pending):
            pending = self.pending[rownum]
            row = pending.row
            if row.get("spans"):
                _widen_spans(row)
            if etree.tostring(row) == pending.before:
                continue
            new_bytes = self._serialize(pending.sheet_data)
            if pending.index is not None:
                edits.append((self.row_starts[pending.index], self._row_end(pending.index), new_bytes))
            else:
                following = next((k for k, n in enumerate(self.row_nums) if n > rownum), None)
                at = self.row_starts[following] if following is not None else self.body_end
                edits.append((at, at, new_bytes))
            if pending.created:
                self.new_rows.append(rownum)
            cols = [_col_index(c.get("r").rstrip("0123456789")) for c in row.iterchildren(_M + "c")]
            self.max_col = max([self.max_col, *cols])
        return edits

    def finish(self) -> None:
        edits = self._row_edits()
        if not edits:  # nothing changed (a sheet regularised for reading is not written for that alone)
            return
        data = self.data
        if self.new_rows:
            grown_from = min(self.new_rows) - 1
            new_last = max(self.new_rows)
            head = data[:self.body_start]
            dimension = re.search(b"<" + re.escape(self.prefix) + rb'dimension\b[^>]*?\bref="([^"]*)"', head)
            if dimension:
                old = dimension.group(1).decode()
                new = _cover(old, new_last, self.max_col)
                if new != old:
                    edits.append((dimension.start(1), dimension.end(1), new.encode()))
            tail_start = self.body_end
            for element in (b"autoFilter", b"sortState"):
                pattern = re.compile(b"<" + re.escape(self.prefix) + element + rb'\b[^>]*?\bref="([^"]*)"')
                for match in pattern.finditer(data, tail_start):
                    new = _grow(match.group(1).decode(), grown_from, new_last)
                    if new:
                        edits.append((match.start(1), match.end(1), new.encode()))
            self._grow_filter_database(grown_from, new_last)
            self._grow_tables(grown_from, new_last)
        edits.sort(key=lambda e: (e[0], e[1]))  # stable: rows inserted at one place stay in order
        out = []
        pos = 0
        for start, end, new in edits:
            out.append(data[pos:start])
            out.append(new)
            pos = end
        out.append(data[pos:])
        self.book.set_part(self.ref.part, b"".join(out))

    def _grow_filter_database(self, grown_from: int, new_last: int) -> None:
        """The hidden name ``_xlnm._FilterDatabase`` holds the sheet's auto-filter range for Excel."""
        data = self.book.read_part(self.book.workbook_part)
        pattern = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)definedName\b([^>]*)>([^<]*)</\1definedName>")
        edits = []
        for match in pattern.finditer(data):
            attrs = dict(re.findall(rb'\b(name|localSheetId)="([^"]*)"', match.group(2)))
            if attrs.get(b"name") != b"_xlnm._FilterDatabase" or attrs.get(b"localSheetId") != str(self.ref.index).encode():
                continue
            text = match.group(3).decode("utf-8")
            tail = re.search(r"(\$?)(\d+)$", text)
            if tail and int(tail.group(2)) == grown_from and ":" in text:
                edits.append((match.start(3) + tail.start(2), match.end(3), str(new_last).encode()))
        if edits:
            self.book.set_part(self.book.workbook_part, _splice(data, edits))

    def _grow_tables(self, grown_from: int, new_last: int) -> None:
        """Tables (Insert > Table) on the sheet whose last row is the one above the new rows grow with them."""
        rels = self.book._rels(self.ref.part)
        for kind, part in rels.values():
            if not kind.endswith("/table") or not part or not self.book.zip.has(part):
                continue
            data = self.book.read_part(part)
            root = _xml(data, self.path, part)
            ref = root.get("ref", "")
            match = _RANGE_RE.match(ref)
            if not match:
                continue
            if root.get("totalsRowCount") not in (None, "0") and int(match.group(3)) == grown_from:
                raise InputError(f"{self.path}: the table {root.get('displayName') or root.get('name')!r} on the "
                                 f"{self.ref.name} sheet has a Total Row, and lifkit cannot add rows above it.",
                                 "In Excel, click in the table, untick Table Design > Total Row, save, and run the "
                                 "command again.")
            edits = []
            for attr in re.finditer(rb'\bref="([^"]*)"', data):
                new = _grow(attr.group(1).decode(), grown_from, new_last)
                if new:
                    edits.append((attr.start(1), attr.end(1), new.encode()))
            if edits:
                self.book.set_part(part, _splice(data, edits))


def _splice(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each (start, end) span replaced by its new bytes; spans in order, not overlapping."""
    out, pos = [], 0
    for start, end, new in edits:
        out += [data[pos:start], new]
        pos = end
    out.append(data[pos:])
    return b"".join(out)


_CELL_PATTERNS: dict[tuple[bytes, bytes], re.Pattern] = {}


def _cell_pattern(prefix: bytes, column: bytes = b"") -> re.Pattern:
    """A cell (in ``column``, or any), cut into: column, row, style, type, other attributes, <v> text,
    plain inline text, and any other content (rich text, phonetic guides)."""
    key = (prefix, column)
    if key not in _CELL_PATTERNS:
        p = re.escape(prefix)
        letters = b"(" + column + b")" if column else b"([A-Z]{1,3})"
        _CELL_PATTERNS[key] = re.compile(
            b"<" + p + b'c r="' + letters + rb'(\d+)"(?: s="(\d*)")?(?: t="(\w*)")?([^>]*?)(?:/>|>'
            + b"(?:<" + p + rb"f\b[^>]*?(?:/>|>[^<]*</" + p + b"f>))?"
            + b"(?:<" + p + rb"v>([^<]*)</" + p + b"v>"
            + b"|<" + p + b"is><" + p + rb"t(?:\s[^>]*)?>([^<]*)</" + p + b"t></" + p + b"is>"
            + rb"|(.*?))</" + p + b"c>)", re.S)
    return _CELL_PATTERNS[key]


def _inline_text(inner: bytes, prefix: bytes) -> str:
    """The text of an inline string's runs, phonetic guides left out."""
    p = re.escape(prefix)
    inner = re.sub(b"<" + p + rb"rPh\b.*?</" + p + b"rPh>", b"", inner, flags=re.S)
    return "".join(_xml_text(t) for t in re.findall(b"<" + p + rb"t(?:\s[^>]*)?>([^<]*)</" + p + b"t>", inner))


@dataclass
class _PendingRow:
    sheet_data: Any  # the wrapper's sheetData element, serialised at the save
    row: Any  # the <row> element being edited
    before: bytes | None  # the row as it was (None: a new row)
    created: bool  # a row added below the others
    index: int | None  # its place in the sheet's row index, if it was there already
    above_styles: dict[int, str]  # column -> style of the row above (for new rows)


def _r_first(element, ref: str) -> None:
    attrs = [(k, v) for k, v in element.attrib.items() if k != "r"]
    element.attrib.clear()
    element.set("r", ref)
    for key, value in attrs:
        element.set(key, value)


def _sub(parent, name: str):
    from lxml import etree

    return etree.SubElement(parent, _M + name)


def _inline(cell, text: str) -> None:
    cell.set("t", "inlineStr")
    t = _sub(_sub(cell, "is"), "t")
    t.text = _escape(text)
    if text != text.strip() or "  " in text or any(ch in text for ch in "\t\n\r"):
        t.set(XML_SPACE, "preserve")


def _find_cell(row, col: int):
    for cell in row.iterchildren(_M + "c"):
        if _col_index(cell.get("r").rstrip("0123456789")) == col:
            return cell
    return None


def _cell(row, col: int, rownum: int):
    """A new empty cell in ``row`` at column ``col``, in column order."""
    from lxml import etree

    cell = etree.Element(_M + "c")
    cell.set("r", f"{_col_letter(col)}{rownum}")
    for index, existing in enumerate(row):
        if existing.tag != _M + "c" or _col_index(existing.get("r").rstrip("0123456789")) > col:
            row.insert(index, cell)
            break
    else:
        row.append(cell)
    return cell


def _widen_spans(row) -> None:
    """A row's optional ``spans`` hint must still cover its cells."""
    cols = [_col_index(c.get("r").rstrip("0123456789")) for c in row.iterchildren(_M + "c")]
    if not cols:
        return
    try:
        ranges = [tuple(int(x) for x in part.split(":")) for part in row.get("spans").split()]
    except ValueError:
        ranges = []
    if all(any(lo <= col <= hi for lo, hi in ranges) for col in cols):
        return
    low = min([col for col in cols] + [lo for lo, _ in ranges])
    high = max([col for col in cols] + [hi for _, hi in ranges])
    row.set("spans", f"{low}:{high}")


def _grow(ref: str, grown_from: int, new_last: int) -> str | None:
    """``ref`` with its last row moved to ``new_last`` if it ended on ``grown_from``; else None."""
    match = _RANGE_RE.match(ref)
    if match and int(match.group(3)) == grown_from and new_last > grown_from:
        return f"{match.group(1)}:{match.group(2)}{new_last}"
    return None


def _cover(ref: str, row: int, col: int) -> str:
    """A dimension ``ref`` stretched to cover ``row`` and ``col``."""
    parts = ref.split(":")
    first = _CELL_REF.match(parts[0])
    last = _CELL_REF.match(parts[-1])
    if not first or not last:
        return ref
    top_col, top_row = _col_index(first.group(1)), int(first.group(2))
    end_col, end_row = _col_index(last.group(1)), int(last.group(2))
    end_col, end_row = max(end_col, col), max(end_row, row)
    return f"{_col_letter(top_col)}{top_row}:{_col_letter(end_col)}{end_row}"
