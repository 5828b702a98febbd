"""The xlsx mechanics on their own (no register, no cases): reading and editing any workbook, and the
text-never-formula rule for workbooks written with openpyxl. Read back with openpyxl, which lifkit's
mechanics do not use."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from lifkit.mechanics.xlsx import Book, append_row, set_text


def _openpyxl_book(path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Actions"
    sheet.append(["Action", "Owner", "Due"])
    sheet.append(["Write the chronology", "Fictional Owner", dt.date(2026, 12, 1)])
    sheet["C2"].number_format = "dd/mm/yyyy"
    sheet.append(["Total", None, None])
    sheet["B3"] = "=COUNTA(A2:A2)"  # the administrator's own formula, kept
    workbook.save(path)
    return path


def test_any_sheet_is_read_and_edited_without_knowing_what_it_holds(tmp_path: Path):
    from openpyxl import load_workbook

    path = _openpyxl_book(tmp_path / "actions.xlsx")
    book = Book(path, path.read_bytes())
    sheet = book.edit_sheet("Actions")
    rows = dict(sheet.all_rows())
    assert rows[1] == {1: "Action", 2: "Owner", 3: "Due"}
    assert rows[2] == {1: "Write the chronology", 2: "Fictional Owner", 3: dt.date(2026, 12, 1)}
    assert sheet.last_content_row() == 3
    sheet.edit_row(4, {1: "=HYPERLINK(\"http://example.invalid\")", 2: "Another Owner", 3: dt.date(2027, 1, 2)},
                   created=True)
    parts = book.finish()
    assert sorted(parts) == ["xl/worksheets/sheet1.xml"]  # every other part is copied as it was
    out = tmp_path / "edited.xlsx"
    out.write_bytes(b"".join(book.chunks(parts)))
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(out) as after:
        assert after.testzip() is None
        for name in before.namelist():
            if name not in parts:
                assert after.read(name) == before.read(name), name
    sheet = load_workbook(out)["Actions"]
    assert sheet["A4"].value == "=HYPERLINK(\"http://example.invalid\")" and sheet["A4"].data_type == "s"
    assert sheet["C4"].value == dt.datetime(2027, 1, 2) and sheet["C4"].number_format == "dd/mm/yyyy"
    assert sheet["B3"].value == "=COUNTA(A2:A2)"  # the formula the administrator wrote is still one


def test_openpyxl_writers_put_text_in_as_text(tmp_path: Path):
    from openpyxl import Workbook, load_workbook

    workbook = Workbook()
    sheet = workbook.active
    append_row(sheet, ["=1+1", "@SUM(A1)", "a\x07bell", 7, None])
    set_text(sheet.cell(row=2, column=1), "=cmd|' /C calc'!A0")
    path = tmp_path / "report.xlsx"
    workbook.save(path)
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    again = load_workbook(path).active
    # a character XML cannot hold is written as Excel writes it (_x0007_), which Excel and lifkit read back
    assert [again.cell(row=1, column=n).value for n in range(1, 5)] == ["=1+1", "@SUM(A1)", "a_x0007_bell", 7]
    assert dict(Book(path, path.read_bytes()).edit_sheet(again.title).all_rows())[1][3] == "a\x07bell"
    assert again["A2"].value == "=cmd|' /C calc'!A0" and again["A2"].data_type == "s"
    assert again["D1"].data_type == "n"
