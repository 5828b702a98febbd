"""The board's CIEC/SCR register: an Excel workbook with the sheets ``Register`` and ``Decisions``.

Only this module opens the workbook. Columns are known by their header text (the administrator may
reorder them or add their own), so the definitions below name each column's header, the kind of value
it holds and its width in a new workbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .fileutil import atomic_write_bytes

REGISTER_SHEET = "Register"
DECISIONS_SHEET = "Decisions"
DATE_FORMAT = "dd/mm/yyyy"


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


def create_register(path: Path) -> Path:
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
    for index, (title, columns) in enumerate(((REGISTER_SHEET, REGISTER_COLUMNS),
                                              (DECISIONS_SHEET, DECISIONS_COLUMNS))):
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
