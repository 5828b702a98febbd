"""The CIEC/SCR register (lifkit.register.workbook): reading, surgical writes, safety, and the register commands.

Every name here is fictional. Registers are made by openpyxl (with a chart, a drop-down list,
conditional formatting, a table, frozen panes, columns added by hand and a row coloured by hand) and by
LibreOffice (the same workbook converted to .ods and back, so that it has LibreOffice's own XML). The
LibreOffice conversions take a few seconds each, so they are made once per module and shared.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from openpyxl.utils import get_column_letter

from conftest import Lifkit, require_tool
from lifkit.register import workbook as register_module
from lifkit.errors import ExitStatus, InputError, LockedError
from lifkit.register.workbook import (DATE_FORMAT, DECISIONS_COLUMNS, REGISTER_COLUMNS, ROW_KEY, append_decision,
                             check_register, create_register, lock_path, open_register, owner_name, record,
                             update_case)

HAND_NOTES, HAND_RAG, HAND_DAYS = "Admin's own notes", "RAG", "Days open"
KIND = {c.header: c.kind for c in REGISTER_COLUMNS}
HEADER = {c.key: c.header for c in REGISTER_COLUMNS}
TRICKY_TEXTS = ['=HYPERLINK("http://x","y")', "+44 1632 960001", "-5 days", "@SUM(A1:A2)", "\tindented",
                "\rcarriage", "Siân & <Łukasz> \"ap\" 'Gwilym' 🙂", "line one\nline two", "  spaced  "]
# Text XML cannot hold as it is, stored with OOXML's _xHHHH_ escapes (which openpyxl does not undo in
# inline strings, so these are read back by lifkit and LibreOffice only).
ESCAPED_TEXTS = ["_x0041_ is literal", "bell\x07ring", "nul\x00 and \x1f"]


# --- making registers --------------------------------------------------------------------------------


def register_headers() -> list[str]:
    """lifkit's columns in another order than lifkit's own, with three of the administrator's."""
    first = ["Case ref", "Child name", "Date notified", HAND_NOTES, "Status"]
    rest = [c.header for c in REGISTER_COLUMNS if c.header not in first]
    at = rest.index("Decision due") + 1
    return first + rest[:at] + [HAND_RAG] + rest[at:] + [HAND_DAYS]


def original_cases(count: int = 20) -> dict[str, dict]:
    cases = {}
    for i in range(1, count + 1):
        cases[f"CIEC-2025-{i:03d}"] = {
            "Case ref": f"CIEC-2025-{i:03d}", "Child name": f"Fictional Child {i:02d}",
            "Date notified": dt.date(2025, 1, 1) + dt.timedelta(days=7 * i), HAND_NOTES: f"hand note {i}",
            "Status": "Opened", "Referring agency": "Testshire Police",
            "Decision due": dt.date(2025, 2, 1) + dt.timedelta(days=7 * i), HAND_RAG: "Green", HAND_DAYS: i}
    return cases


def original_decisions() -> list[dict]:
    return [{"Date": dt.date(2025, 3, i), "Case ref": f"CIEC-2025-{i:03d}", "By": "CIEC", "Decision": "No SCR",
             "Rationale": "Criteria not met", "Recorded by": "Jordan Avery", "Minute ref": f"M{i}"}
            for i in range(1, 6)]


HAND_COLOURED_ROW = 7  # CIEC-2025-006


def build_rich_register(path: Path) -> Path:
    """A register as an administrator might keep it, made with openpyxl."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.table import Table, TableStyleInfo

    headers = register_headers()
    cases = original_cases()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Register"
    bold, blue, yellow = Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), PatternFill("solid", fgColor="FFFF00")
    for n, header in enumerate(headers, 1):
        cell = sheet.cell(1, n, header)
        cell.font, cell.fill = bold, blue
        sheet.column_dimensions[get_column_letter(n)].width = 14
    for r, values in enumerate(cases.values(), start=2):
        for n, header in enumerate(headers, 1):
            cell = sheet.cell(r, n, values.get(header))
            if KIND.get(header) == "date":
                cell.number_format = DATE_FORMAT
    for n in range(1, len(headers) + 1):
        sheet.cell(HAND_COLOURED_ROW, n).fill = yellow
    last = get_column_letter(len(headers))
    table = Table(displayName="Cases", ref=f"A1:{last}{len(cases) + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    status = get_column_letter(headers.index("Status") + 1)
    validation = DataValidation(type="list", formula1='"Opened,Awaiting returns,Decided,Closed"', allow_blank=True)
    sheet.add_data_validation(validation)
    validation.add(f"{status}2:{status}500")
    due = get_column_letter(headers.index("Decision due") + 1)
    sheet.conditional_formatting.add(f"{due}2:{due}500", CellIsRule(operator="lessThan", formula=["TODAY()"],
                                                                   fill=PatternFill("solid", fgColor="FFC7CE")))
    sheet.freeze_panes = "B2"
    chart = BarChart()
    chart.title = "Days open"
    days = headers.index(HAND_DAYS) + 1
    chart.add_data(Reference(sheet, min_col=days, min_row=1, max_row=len(cases) + 1), titles_from_data=True)
    sheet.add_chart(chart, "AJ2")
    decisions = workbook.create_sheet("Decisions")
    decision_headers = [c.header for c in DECISIONS_COLUMNS] + ["Minute ref"]
    for n, header in enumerate(decision_headers, 1):
        decisions.cell(1, n, header).font = bold
    for r, values in enumerate(original_decisions(), start=2):
        for n, header in enumerate(decision_headers, 1):
            cell = decisions.cell(r, n, values.get(header))
            if header == "Date":
                cell.number_format = DATE_FORMAT
    decisions.auto_filter.ref = "A1:G6"
    summary = workbook.create_sheet("Summary")
    summary["A1"] = "Cases"
    summary["B1"] = "=COUNTA(Register!A:A)-1"
    workbook.save(path)
    return path


def soffice(args: list[str], profile: Path) -> None:
    exe = require_tool("soffice")
    result = subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", *args],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """The rich register as openpyxl made it, and as LibreOffice saves it after a trip through .ods."""
    folder = tmp_path_factory.mktemp("made")
    made = {"openpyxl": build_rich_register(folder / "openpyxl.xlsx")}
    lo = folder / "lo"
    lo.mkdir()
    shutil.copy(made["openpyxl"], lo / "libreoffice.xlsx")
    soffice(["--convert-to", "ods", "--outdir", str(lo / "ods"), str(lo / "libreoffice.xlsx")], folder / "profile")
    soffice(["--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(folder),
             str(lo / "ods" / "libreoffice.ods")], folder / "profile")
    made["libreoffice"] = folder / "libreoffice.xlsx"
    return made


# --- reading zips, as a check independent of lifkit -----------------------------------------------------


def raw_members(path: Path) -> dict[str, tuple]:
    """Each member's name -> (compression, CRC, sizes, compressed bytes as stored), in stored order."""
    data = path.read_bytes()
    members = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            nlen, xlen = struct.unpack_from("<HH", data, info.header_offset + 26)
            start = info.header_offset + 30 + nlen + xlen
            members[info.filename] = (info.compress_type, info.CRC, info.compress_size, info.file_size,
                                      data[start:start + info.compress_size])
    return members


def rewrite_zip(path: Path, parts: dict[str, bytes | None]) -> None:
    """Replace, add (or with None remove) parts of a zip: how the tests make unusual workbooks."""
    with zipfile.ZipFile(path) as archive:
        items = [(info, archive.read(info)) for info in archive.infolist()]
    names = {info.filename for info, _ in items}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in items:
            if info.filename in parts:
                if parts[info.filename] is not None:
                    archive.writestr(info.filename, parts[info.filename])
            else:
                archive.writestr(info, data)
        for name, data in parts.items():
            if name not in names and data is not None:
                archive.writestr(name, data)


def part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def rows_by_number(sheet_xml: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(0) for m in re.finditer(rb'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', sheet_xml, re.S)}


def openpyxl_rows(path: Path, sheet: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """(headers, [(row, {header: value})]) as openpyxl reads them; dates as datetime.date."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    ws = workbook[sheet]
    headers = [c.value for c in ws[1]]
    rows = []
    for row in ws.iter_rows(min_row=2):
        values = {}
        for header, cell in zip(headers, row):
            value = cell.value
            if isinstance(value, dt.datetime):
                value = value.date()
            if value is not None and header is not None:
                values[header] = value
        if values:
            rows.append((row[0].row, values))
    return headers, rows


# --- a hundred updates -----------------------------------------------------------------------------------


def run_updates(path: Path, seed: int) -> tuple[dict, list, list]:
    """100 updates of every kind; returns what the register should now hold, and the results."""
    rng = random.Random(seed)
    cases = original_cases()
    decisions = original_decisions()
    results = []
    texts = itertools.cycle(TRICKY_TEXTS)
    new_number = 0
    for step in range(100):
        kind = ("update", "create", "record")[step % 3] if step > 1 else ("update", "create")[step]
        if step == 0:  # a date into the row coloured by hand: the colour stays, the date is a date
            ref = "CIEC-2025-006"
            values = {"ciec_meeting": dt.date(2026, 1, 15), "status": "Awaiting returns"}
        elif kind == "update":
            ref = rng.choice(sorted(cases))
            values = {"status": rng.choice(["Opened", "Awaiting returns", "Decided"]),
                      "notes": next(texts), "decision_due": dt.date(2026, 1, 1) + dt.timedelta(days=step)}
        else:
            if kind == "create" or rng.random() < 0.5:
                new_number += 1
                ref = f"CIEC-2026-{new_number:03d}"
            else:
                ref = rng.choice(sorted(cases))
            values = {"date_notified": dt.date(2026, 2, 1) + dt.timedelta(days=step), "child_name": next(texts),
                      "criterion_a": bool(step % 2), "referring_agency": "Testshire Children's Services"}
        if kind == "record":
            decision = {"date": dt.date(2026, 3, 1) + dt.timedelta(days=step), "by": "Independent Chair",
                        "decision": "SCR", "rationale": next(texts), "recorded_by": "Jordan Avery"}
            values = dict(values, decision="SCR", decision_date=decision["date"])
            result = record(path, ref, values, decision)
            decisions.append({"Date": decision["date"], "Case ref": ref, "By": "Independent Chair", "Decision": "SCR",
                              "Rationale": decision["rationale"], "Recorded by": "Jordan Avery"})
        else:
            result = update_case(path, ref, values)
        results.append(result)
        expected = cases.setdefault(ref, {"Case ref": ref})
        for key, value in values.items():
            if isinstance(value, bool):
                value = "Yes" if value else "No"
            if value is None or value == "":
                expected.pop(HEADER[key], None)
            else:
                expected[HEADER[key]] = value
    return cases, decisions, results


@pytest.fixture(scope="module")
def updated(made, tmp_path_factory) -> dict[str, dict]:
    """Each register after 100 updates, with its CSV export by LibreOffice (one soffice run for both)."""
    folder = tmp_path_factory.mktemp("updated")
    out = {}
    for flavour, source in made.items():
        target = folder / flavour / "register.xlsx"
        target.parent.mkdir()
        shutil.copy(source, target)
        before = target.read_bytes()
        cases, decisions, results = run_updates(target, seed=len(flavour))
        out[flavour] = {"path": target, "before": before, "cases": cases, "decisions": decisions,
                        "results": results}
    csv_dir = folder / "csv"
    escaped = folder / "escaped.xlsx"
    create_register(escaped)
    for n, text in enumerate(ESCAPED_TEXTS):
        update_case(escaped, f"CIEC-2026-{n:03d}", {"child_name": text})
    out["escaped"] = {"path": escaped}
    copies = [str(escaped)]
    for flavour in made:
        copy = folder / f"{flavour}.xlsx"
        shutil.copy(out[flavour]["path"], copy)
        copies.append(str(copy))
    soffice(["--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(csv_dir), *copies],
            folder / "profile")
    for flavour, item in out.items():
        with open(csv_dir / f"{flavour}.csv", encoding="utf-8", newline="") as handle:
            item["csv"] = list(csv.reader(handle))
    return out


FLAVOURS = ["openpyxl", "libreoffice"]


def _comparable(value):
    return value.date() if isinstance(value, dt.datetime) else value


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_row_is_right_read_by_openpyxl(updated, flavour):
    item = updated[flavour]
    headers, rows = openpyxl_rows(item["path"], "Register")
    assert headers[:len(register_headers())] == register_headers()  # no column added or moved
    got = {values["Case ref"]: values for _, values in rows}
    assert set(got) == set(item["cases"])
    for ref, expected in item["cases"].items():
        for header, value in expected.items():
            assert got[ref].get(header) == value, (ref, header)
        hand = {HAND_NOTES, HAND_RAG, HAND_DAYS}
        assert {h for h in got[ref] if h in hand} == {h for h in expected if h in hand}  # never written by lifkit
    _, decision_rows = openpyxl_rows(item["path"], "Decisions")
    assert [values for _, values in decision_rows] == item["decisions"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_row_is_right_read_by_lifkit(updated, flavour):
    item = updated[flavour]
    register = open_register(item["path"])
    rows = register.rows()
    assert {row["Case ref"] for row in rows} == set(item["cases"])
    for row in rows:
        expected = item["cases"][row["Case ref"]]
        assert {k: _comparable(v) for k, v in row.items() if k != ROW_KEY} == expected
    assert [{k: v for k, v in row.items() if k != ROW_KEY} for row in register.decisions()] == item["decisions"]
    assert register.find("ciec-2025-006 ")["Case ref"] == "CIEC-2025-006"
    assert register.find("CIEC-1999-001") is None


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_libreoffice_opens_it_and_reads_every_row(updated, flavour):
    item = updated[flavour]
    header, *lines = item["csv"]
    assert header[:len(register_headers())] == register_headers()
    got = {line[0]: dict(zip(header, line)) for line in lines if line and line[0]}
    assert set(got) == set(item["cases"])
    for ref, expected in item["cases"].items():
        for column, value in expected.items():
            if isinstance(value, dt.date):
                value = value.strftime("%d/%m/%Y")
            elif isinstance(value, str) and "\r" in value:
                continue  # a carriage return inside a CSV field is the CSV writer's business
            assert got[ref][column] == str(value), (ref, column)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_other_part_is_copied_byte_for_byte(updated, flavour):
    item = updated[flavour]
    before_path = item["path"].with_name("before.xlsx")
    before_path.write_bytes(item["before"])
    before, after = raw_members(before_path), raw_members(item["path"])
    assert list(before) == list(after)  # same members, same order
    with zipfile.ZipFile(before_path) as archive:
        workbook_rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    changed = set().union(*(r.changed_parts for r in item["results"]))
    sheets = {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}
    allowed = sheets | {"xl/workbook.xml", "xl/styles.xml"} | {n for n in before if n.startswith("xl/tables/")}
    assert sheets <= changed <= allowed, changed
    assert "sheet1.xml" in workbook_rels and "sheet3.xml" in workbook_rels
    for name in before:
        if name not in changed:
            assert before[name] == after[name], f"{name} changed"
    # the one new style is the hand-coloured row's date: the colour kept, a date format added
    if "xl/styles.xml" in changed:
        assert sum("xl/styles.xml" in r.changed_parts for r in item["results"]) == 1


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_only_the_affected_rows_change(updated, flavour):
    item = updated[flavour]
    before_sheet = part(item["path"], "xl/worksheets/sheet1.xml")
    original = zipfile.ZipFile(io.BytesIO(item["before"])).read("xl/worksheets/sheet1.xml")
    touched = {r.row for r in item["results"]}
    old_rows, new_rows = rows_by_number(original), rows_by_number(before_sheet)
    for number, row in old_rows.items():
        if number not in touched:
            assert new_rows[number] == row, f"row {number} changed"
    head_old, tail_old = original.split(b"<sheetData>")[0], original.split(b"</sheetData>")[1]
    head_new, tail_new = before_sheet.split(b"<sheetData>")[0], before_sheet.split(b"</sheetData>")[1]
    assert re.sub(rb'<dimension ref="[^"]*"', b"", head_old) == re.sub(rb'<dimension ref="[^"]*"', b"", head_new)
    assert tail_old == tail_new  # drop-down lists, conditional formats, the drawing, the table parts


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_tables_and_filters_grow_with_the_rows(updated, flavour):
    from openpyxl import load_workbook

    item = updated[flavour]
    workbook = load_workbook(item["path"])
    sheet = workbook["Register"]
    last = 1 + len(item["cases"])
    tables = list(sheet.tables.values())
    assert len(tables) == 1
    assert re.fullmatch(rf"A1:AG{last}", tables[0].ref)
    assert tables[0].autoFilter.ref == tables[0].ref
    assert workbook["Decisions"].auto_filter.ref == f"A1:G{1 + len(item['decisions'])}"
    assert sheet.max_row >= last
    assert re.search(rf'<dimension ref="A1:AG{last}"'.encode(), part(item["path"], "xl/worksheets/sheet1.xml")) or \
        flavour == "libreoffice"  # LibreOffice's dimension already covers its pre-formatted rows
    assert str(sheet.data_validations.dataValidation[0].sqref) == "E2:E500"
    assert len(sheet.conditional_formatting) == 1
    assert workbook["Summary"]["B1"].value == "=COUNTA(Register!A:A)-1"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_formatting_follows_the_row_above_and_hand_colour_stays(updated, flavour):
    from openpyxl import load_workbook

    item = updated[flavour]
    workbook = load_workbook(item["path"])
    sheet = workbook["Register"]
    headers = register_headers()
    meeting = headers.index("CIEC meeting date") + 1
    cell = sheet.cell(HAND_COLOURED_ROW, meeting)
    assert cell.value.date() == dt.date(2026, 1, 15)
    assert cell.is_date and "yy" in cell.number_format
    assert cell.fill.fgColor.rgb.endswith("FFFF00")  # still yellow
    assert sheet.cell(HAND_COLOURED_ROW, 1).fill.fgColor.rgb.endswith("FFFF00")
    notified = headers.index("Date notified") + 1
    for row in range(2, 2 + len(item["cases"])):
        value = sheet.cell(row, notified)
        if value.value is not None:
            assert value.is_date, row
    if flavour == "openpyxl":  # new rows took the row above's style, cell by cell
        first_new = 22
        for col in range(1, len(headers) + 1):
            assert sheet.cell(first_new, col).style_id == sheet.cell(first_new - 1, col).style_id or \
                KIND.get(headers[col - 1]) == "date", col


def test_text_that_looks_like_a_formula_is_text(workspace: Path):
    from openpyxl import load_workbook

    path = workspace / "register.xlsx"
    for n, text in enumerate(TRICKY_TEXTS):
        update_case(path, f"CIEC-2026-{n:03d}", {"notes": text, "child_name": text})
    sheet = load_workbook(path)["Register"]
    notes = [c.header for c in REGISTER_COLUMNS].index("Notes") + 1
    for n, text in enumerate(TRICKY_TEXTS):
        cell = sheet.cell(2 + n, notes)
        assert cell.data_type == "s", text
        assert cell.value == text
    assert sheet.cell(2, notes).value == '=HYPERLINK("http://x","y")'
    assert b"<f>" not in part(path, "xl/worksheets/sheet1.xml") and b"<f " not in part(path, "xl/worksheets/sheet1.xml")
    rows = open_register(path).rows()
    assert [row["Notes"] for row in rows] == TRICKY_TEXTS


def test_text_xml_cannot_hold_is_escaped_and_read_back(updated):
    item = updated["escaped"]
    assert [row["Child name"] for row in open_register(item["path"]).rows()] == ESCAPED_TEXTS
    header, *lines = item["csv"]
    child = header.index("Child name")
    assert [line[child] for line in lines if line and line[0]] == ESCAPED_TEXTS


# --- two processes, and processes killed mid-save ---------------------------------------------------------

WRITER = """
import datetime as dt, os, sys, time
from lifkit.register.workbook import record
path, tag, go = sys.argv[1], sys.argv[2], sys.argv[3]
while not os.path.exists(go):  # both start writing at once
    time.sleep(0.005)
print(time.time())
for i in range(50):
    record(path, f"{tag}-{i:03d}", {"status": "Decided", "decision_date": dt.date(2026, 1, 1)},
           {"date": dt.date(2026, 1, 1), "by": "CIEC", "decision": "No SCR", "rationale": f"{tag} {i}",
            "recorded_by": tag})
print(time.time())
"""


def test_two_processes_recording_at_once_lose_nothing(workspace: Path):
    path = workspace / "register.xlsx"
    go = workspace / "go"
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, str(go)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for tag in ("ALPHA", "BRAVO")]
    time.sleep(1.5)  # both processes started and waiting
    go.touch()
    spans = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        spans.append([float(t) for t in out.split()])
    assert max(start for start, _ in spans) < min(end for _, end in spans)  # they did write at the same time
    register = open_register(path)
    refs = [row["Case ref"] for row in register.rows()]
    assert sorted(refs) == sorted(f"{tag}-{i:03d}" for tag in ("ALPHA", "BRAVO") for i in range(50))
    decisions = register.decisions()
    assert len(decisions) == 100
    assert {d["Rationale"] for d in decisions} == {f"{tag} {i}" for tag in ("ALPHA", "BRAVO") for i in range(50)}
    _, rows = openpyxl_rows(path, "Register")
    assert len(rows) == 100
    assert [n for n, _ in rows] == list(range(2, 102))
    assert len(list((workspace / ".backups").iterdir())) == register_module.BACKUPS_KEPT


FAULTY = """
import datetime as dt, os, sys
import lifkit.register.workbook as register
path, fault = sys.argv[1], sys.argv[2]
if fault == "while-writing":
    real = register._Zip.chunks
    def chunks(self, parts):
        for n, chunk in enumerate(real(self, parts)):
            if n == 4:
                os._exit(9)
            yield chunk
    register._Zip.chunks = chunks
elif fault == "before-replace":
    os.replace = lambda *args, **kwargs: os._exit(9)
register.record(path, "CIEC-2026-900", {"status": "Decided"},
                {"date": dt.date(2026, 1, 1), "by": "CIEC", "decision": "SCR", "rationale": "r", "recorded_by": "JA"})
"""


@pytest.mark.parametrize("fault", ["while-writing", "before-replace"])
def test_a_process_killed_in_the_middle_of_a_save_leaves_the_old_workbook(workspace: Path, fault: str):
    path = workspace / "register.xlsx"
    update_case(path, "CIEC-2026-001", {"status": "Opened"})
    before = path.read_bytes()
    process = subprocess.run([sys.executable, "-c", FAULTY, str(path), fault], capture_output=True, timeout=120)
    assert process.returncode == 9, process.stderr.decode()
    assert path.read_bytes() == before
    assert [row["Case ref"] for row in open_register(path).rows()] == ["CIEC-2026-001"]
    openpyxl_rows(path, "Register")
    assert list(workspace.glob(".register.xlsx.*.lifkit-tmp"))  # the half-written file, beside it
    update_case(path, "CIEC-2026-002", {"status": "Opened"})  # the next write works, and tidies up
    assert not list(workspace.glob(".register.xlsx.*.lifkit-tmp"))
    assert [row["Case ref"] for row in open_register(path).rows()] == ["CIEC-2026-001", "CIEC-2026-002"]


LOOPER = """
import datetime as dt, sys
from lifkit.register.workbook import update_case
path = sys.argv[1]
i = 0
while True:
    i += 1
    update_case(path, f"LOOP-{i:05d}", {"date_notified": dt.date(2026, 1, 1), "notes": "x" * 200})
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
def test_sigkill_while_saving_a_big_register_leaves_a_readable_workbook(tmp_path: Path):
    path = tmp_path / "register.xlsx"
    big_register(path, 3000)
    rng = random.Random(3)
    counts = []
    for _ in range(4):
        process = subprocess.Popen([sys.executable, "-c", LOOPER, str(path)], stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.2, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None
        rows = open_register(path).rows()
        counts.append(len(rows))
        assert [row["Case ref"] for row in rows[:3]] == ["BIG-00001", "BIG-00002", "BIG-00003"]
    assert counts == sorted(counts) and counts[-1] > 3000
    openpyxl_rows(path, "Register")


def big_register(path: Path, rows: int) -> Path:
    from openpyxl import load_workbook

    create_register(path)
    workbook = load_workbook(path)
    sheet = workbook["Register"]
    for i in range(1, rows + 1):
        sheet.append([f"BIG-{i:05d}", dt.date(2025, 1, 1), None, "Referral", "Testshire Police", "A Lead",
                      f"Fictional Child {i}"] + [None] * 21 + ["Opened", "note"])
        sheet.cell(i + 1, 2).number_format = DATE_FORMAT
    workbook.save(path)
    return path


# --- refusing: locked, open in Excel, unsafe workbooks ------------------------------------------------------


def excel_owner_file(name: str) -> bytes:
    """An Excel owner file (~$name.xlsx): the user's name in the ANSI code page and again in UTF-16."""
    ansi = name.encode("cp1252", "replace")
    data = bytes([len(ansi)]) + ansi.ljust(53, b" ") + len(name).to_bytes(2, "little") + name.encode("utf-16-le")
    return data.ljust(162, b" ")


@pytest.mark.parametrize("name", ["Jordan Avery", "Łukasz Żółć"])
def test_a_workbook_open_in_excel_is_refused_naming_who(workspace: Path, name: str):
    path = workspace / "register.xlsx"
    (workspace / "~$register.xlsx").write_bytes(excel_owner_file(name))
    before = path.read_bytes()
    with pytest.raises(LockedError) as caught:
        update_case(path, "CIEC-2026-001", {"status": "Opened"})
    assert caught.value.exit_status == ExitStatus.LOCKED == 3
    assert f"open in Excel by {name}" in caught.value.message
    assert "~$register.xlsx" in str(caught.value)
    assert path.read_bytes() == before
    assert not (workspace / ".backups").exists()
    assert owner_name(excel_owner_file(name)) == name


def test_a_workbook_open_in_libreoffice_is_refused_too(workspace: Path):
    path = workspace / "register.xlsx"
    (workspace / ".~lock.register.xlsx#").write_text("Jordan Avery,javery,PC-ADMIN2,25.11.2026 10:00,file:///x;")
    before = path.read_bytes()
    with pytest.raises(LockedError, match="open in LibreOffice by Jordan Avery"):
        append_decision(path, {"case_ref": "CIEC-2026-001", "decision": "SCR"})
    assert path.read_bytes() == before


def test_a_second_lifkit_waits_then_gives_up_naming_the_lock(workspace: Path, monkeypatch):
    from filelock import FileLock

    path = workspace / "register.xlsx"
    monkeypatch.setattr(register_module, "LOCK_TIMEOUT", 0.3)
    before = path.read_bytes()
    with FileLock(str(lock_path(path))):
        started = time.monotonic()
        with pytest.raises(LockedError) as caught:
            update_case(path, "CIEC-2026-001", {"status": "Opened"})
        assert time.monotonic() - started >= 0.25
    assert caught.value.exit_status == 3
    assert str(lock_path(path)) in caught.value.message
    assert path.read_bytes() == before
    update_case(path, "CIEC-2026-001", {"status": "Opened"})  # free again


def _strict(path: Path) -> None:
    workbook = part(path, "xl/workbook.xml").replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                                     b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    rels = part(path, "_rels/.rels").replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                             b"http://purl.oclc.org/ooxml/officeDocument/relationships")
    rewrite_zip(path, {"xl/workbook.xml": workbook, "_rels/.rels": rels})


def _renamed_sheet(old: str, new: str):
    def make(path: Path) -> None:
        from openpyxl import load_workbook

        workbook = load_workbook(path)
        workbook[old].title = new
        workbook.save(path)
    return make


def _no_header(path: Path) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    sheet = workbook["Register"]
    sheet.delete_rows(1)
    sheet.append(["CIEC-2026-001", dt.date(2026, 1, 1)])
    workbook.save(path)


UNSAFE = {
    "encrypted": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptionInfo".encode(
        "utf-16-le") + bytes(500)), "protected with a password"),
    "xls": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "Workbook".encode(
        "utf-16-le") + bytes(500)), "Excel 97-2003 workbook (.xls)"),
    "strict": (_strict, "Strict Open XML"),
    "no Register sheet": (_renamed_sheet("Register", "Cases"), "no sheet named 'Register'"),
    "no Decisions sheet": (_renamed_sheet("Decisions", "Minutes"), "no sheet named 'Decisions'"),
    "no header row": (_no_header, "has no header row"),
    "not a workbook": (lambda p: p.write_text("case ref,date\n"), "not an Excel workbook"),
    "damaged": (lambda p: p.write_bytes(p.read_bytes()[:3000]), "damaged"),
    "OpenDocument": (lambda p: _ods(p), "OpenDocument spreadsheet"),
}


def _ods(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")


@pytest.mark.parametrize("kind", list(UNSAFE))
def test_a_workbook_lifkit_cannot_safely_edit_is_refused_and_left_alone(workspace: Path, kind: str):
    make, message = UNSAFE[kind]
    path = workspace / "register.xlsx"
    make(path)
    before = path.read_bytes()
    for attempt in (lambda: update_case(path, "CIEC-2026-001", {"status": "Opened"}),
                    lambda: record(path, "CIEC-2026-001", {}, {"decision": "SCR"}),
                    lambda: open_register(path)):
        with pytest.raises(InputError) as caught:
            attempt()
        assert caught.value.exit_status == ExitStatus.BAD_INPUT == 2
        assert str(path) in caught.value.message and message in caught.value.message
        assert caught.value.hint
    assert path.read_bytes() == before
    assert not (workspace / ".backups").exists()
    result = Lifkit(workspace)("register", "show")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_register_is_reported(workspace: Path):
    path = workspace / "register.xlsx"
    path.unlink()
    with pytest.raises(InputError, match="does not exist"):
        update_case(path, "CIEC-2026-001", {"status": "Opened"})
    assert not path.exists() and not lock_path(path).exists()


# --- surgical details, on sheets written by hand ----------------------------------------------------------------

NS_DECLS = ('xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" mc:Ignorable="x14ac"')


def _header_cells(row: int, prefix: str = "x:") -> str:
    cells = "".join(f'<{prefix}c r="{get_column_letter(n)}{row}" t="inlineStr"><{prefix}is><{prefix}t>{c.header.replace(chr(39), "&apos;")}'
                    f'</{prefix}t></{prefix}is></{prefix}c>' for n, c in enumerate(REGISTER_COLUMNS, 1))
    return cells + f'<{prefix}c r="AE{row}" t="inlineStr"><{prefix}is><{prefix}t>Length</{prefix}t></{prefix}is></{prefix}c>'


def hand_written_sheet(extra_v3: str = "", extra_v4: str = "") -> bytes:
    """A Register sheet as Excel writes one: prefixed namespace, x14ac row attributes, spans, a title row
    above the header, rows that are not contiguous, a shared formula, empty pre-formatted rows."""
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet {NS_DECLS}><x:dimension ref="A1:AE9"/><x:sheetViews><x:sheetView workbookViewId="0"/></x:sheetViews>
<x:sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/><x:cols><x:col min="2" max="3" width="13" style="1" customWidth="1"/></x:cols>
<x:sheetData>
<x:row r="1" spans="1:31" x14ac:dyDescent="0.25"><x:c r="A1" t="inlineStr"><x:is><x:t>Testshire CIEC register</x:t></x:is></x:c></x:row>
<x:row r="2" spans="1:31" x14ac:dyDescent="0.25">{_header_cells(2)}</x:row>
<x:row r="3" spans="1:31" x14ac:dyDescent="0.25"><x:c r="A3" t="inlineStr"><x:is><x:t>CIEC-2026-001</x:t></x:is></x:c><x:c r="B3" s="1"><x:v>46000</x:v></x:c>{extra_v3}<x:c r="AE3"><x:f t="shared" ref="AE3:AE5" si="0">LEN(A3)</x:f><x:v>13</x:v></x:c></x:row>
<x:row r="4" spans="1:31" x14ac:dyDescent="0.25"><x:c r="A4" t="inlineStr"><x:is><x:t>CIEC-2026-002</x:t></x:is></x:c><x:c r="B4" s="1"><x:v>46001</x:v></x:c>{extra_v4}<x:c r="AE4"><x:f t="shared" si="0"/><x:v>13</x:v></x:c></x:row>
<x:row r="7" spans="1:31" x14ac:dyDescent="0.25"><x:c r="A7" t="inlineStr"><x:is><x:t>CIEC-2026-003</x:t></x:is></x:c><x:c r="B7" s="1"><x:v>46002</x:v></x:c><x:c r="AE7"><x:f>LEN(A7)</x:f><x:v>13</x:v></x:c></x:row>
<x:row r="8" spans="1:31" x14ac:dyDescent="0.25"><x:c r="B8" s="1"/></x:row>
<x:row r="9" spans="1:31" x14ac:dyDescent="0.25"><x:c r="B9" s="1"/></x:row>
</x:sheetData><x:pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></x:worksheet>""".encode()


@pytest.fixture
def hand_register(workspace: Path) -> Path:
    path = workspace / "register.xlsx"
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": hand_written_sheet()})
    return path


def test_a_sheet_as_excel_writes_it(hand_register: Path):
    from openpyxl import load_workbook

    path = hand_register
    assert [r["Case ref"] for r in open_register(path).rows()] == ["CIEC-2026-001", "CIEC-2026-002", "CIEC-2026-003"]
    update_case(path, "CIEC-2026-002", {"status": "Awaiting returns", "ciec_meeting": dt.date(2026, 2, 3)})
    result = update_case(path, "CIEC-2026-004", {"date_notified": dt.date(2026, 2, 4), "notes": "new"})
    assert result.created and result.row == 8  # right after the last case, into the pre-formatted row
    sheet_xml = part(path, "xl/worksheets/sheet1.xml")
    rows = rows_by_number(sheet_xml.replace(b"x:row", b"row"))
    assert b'x14ac:dyDescent="0.25"' in rows[8] and b'spans="1:31"' in rows[8]
    assert b'<x:f t="shared" ref="AE3:AE5" si="0">LEN(A3)</x:f>' in rows[3]  # untouched rows untouched
    assert b'<x:f t="shared" si="0"/>' in rows[4]
    assert b'<x:dimension ref="A1:AE9"/>' in sheet_xml
    sheet = load_workbook(path)["Register"]
    assert sheet["AE4"].value == "=LEN(A4)"
    assert sheet["AC4"].value == "Awaiting returns" and sheet["O4"].value.date() == dt.date(2026, 2, 3)
    assert sheet["A8"].value == "CIEC-2026-004" and sheet["B8"].value.date() == dt.date(2026, 2, 4)
    assert [r["Case ref"] for r in open_register(path).rows()][-1] == "CIEC-2026-004"


def test_cells_without_references_are_handled(workspace: Path):
    from openpyxl import load_workbook

    path = workspace / "register.xlsx"
    sheet = hand_written_sheet().replace(b'<x:c r="A4" t="inlineStr">', b'<x:c t="inlineStr">') \
        .replace(b'<x:c r="B4" s="1">', b'<x:c s="1">').replace(b"<!-- -->", b"")
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": sheet})
    assert open_register(path).find("CIEC-2026-002")["Date notified"] == dt.date(1899, 12, 30) + dt.timedelta(46001)
    update_case(path, "CIEC-2026-002", {"status": "Decided"})
    ws = load_workbook(path)["Register"]
    assert ws["A4"].value == "CIEC-2026-002" and ws["AC4"].value == "Decided" and ws["AE4"].value == "=LEN(A4)"


def test_a_shared_formula_is_not_overwritten(workspace: Path):
    path = workspace / "register.xlsx"
    master = '<x:c r="V3"><x:f t="shared" ref="V3:V4" si="1">B3+30</x:f><x:v>46030</x:v></x:c>'
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": hand_written_sheet(extra_v3=master)})
    before = path.read_bytes()
    with pytest.raises(InputError, match="holds a formula that other cells share"):
        update_case(path, "CIEC-2026-001", {"decision_due": dt.date(2026, 3, 1)})
    assert path.read_bytes() == before


def test_overwriting_a_formula_drops_the_calculation_chain(workspace: Path):
    from openpyxl import load_workbook

    path = workspace / "register.xlsx"
    formula = '<x:c r="V4"><x:f>B4+30</x:f><x:v>46031</x:v></x:c>'
    types = part(path, "[Content_Types].xml").replace(b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType='
                                                      b'"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                                      b'calcChain+xml"/></Types>')
    rels = part(path, "xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/calcChain" Target="calcChain.xml"/></Relationships>')
    chain = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><calcChain xmlns="http://schemas.openxmlformats.'
             b'org/spreadsheetml/2006/main"><c r="V4" i="1"/><c r="AE3"/><c r="AE7"/></calcChain>')
    rewrite_zip(path, {"xl/worksheets/sheet1.xml": hand_written_sheet(extra_v4=formula), "[Content_Types].xml": types,
                       "xl/_rels/workbook.xml.rels": rels, "xl/calcChain.xml": chain})
    result = update_case(path, "CIEC-2026-002", {"decision_due": dt.date(2026, 3, 1)})
    assert {"xl/calcChain.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"} <= set(result.changed_parts)
    with zipfile.ZipFile(path) as archive:
        assert "xl/calcChain.xml" not in archive.namelist()
        assert b"calcChain" not in archive.read("[Content_Types].xml")
        assert b"calcChain" not in archive.read("xl/_rels/workbook.xml.rels")
    assert load_workbook(path)["Register"]["V4"].value.date() == dt.date(2026, 3, 1)


def test_new_rows_take_the_style_of_the_row_above_cell_by_cell(workspace: Path):
    from openpyxl import load_workbook
    from openpyxl.styles import Border, Font, PatternFill, Side

    path = workspace / "register.xlsx"
    update_case(path, "CIEC-2026-001", {"date_notified": dt.date(2026, 1, 1), "status": "Opened"})
    workbook = load_workbook(path)
    sheet = workbook["Register"]
    sheet["A2"].font = Font(italic=True)
    sheet["E2"].fill = PatternFill("solid", fgColor="00FF00")
    sheet["AD2"].border = Border(bottom=Side(style="thin"))
    workbook.save(path)
    above = {m.group(1): m.group(2) for m in re.finditer(rb'<c r="([A-Z]+)2" s="(\d+)"', part(path, "xl/worksheets/sheet1.xml"))}
    update_case(path, "CIEC-2026-002", {"date_notified": dt.date(2026, 1, 2), "status": "Opened", "notes": "n"})
    new = {m.group(1): m.group(2) for m in re.finditer(rb'<c r="([A-Z]+)3" s="(\d+)"', part(path, "xl/worksheets/sheet1.xml"))}
    assert new == above and b"E" in new and b"AD" in new
    sheet = load_workbook(path)["Register"]
    assert sheet["E3"].fill.fgColor.rgb.endswith("00FF00") and sheet["A3"].font.i
    assert sheet["B3"].is_date and sheet["B3"].number_format == DATE_FORMAT


def test_a_date_in_a_column_without_a_date_format_gets_one(workspace: Path):
    from openpyxl import load_workbook

    path = workspace / "register.xlsx"
    workbook = load_workbook(path)
    sheet = workbook["Register"]
    for col in sheet.column_dimensions.values():
        col.number_format = "General"
    sheet.append(["CIEC-2026-001"])
    sheet["B2"].fill = __import__("openpyxl").styles.PatternFill("solid", fgColor="FFFF00")
    workbook.save(path)
    result = update_case(path, "CIEC-2026-001", {"date_notified": dt.date(2026, 1, 2), "child_dob": dt.date(2015, 5, 1)})
    assert "xl/styles.xml" in result.changed_parts
    sheet = load_workbook(path)["Register"]
    assert sheet["B2"].is_date and sheet["B2"].number_format == DATE_FORMAT and sheet["B2"].fill.fgColor.rgb.endswith("FFFF00")
    assert sheet["H2"].is_date and sheet["H2"].value.date() == dt.date(2015, 5, 1)


def test_dates_in_a_1904_workbook(workspace: Path):
    from openpyxl import load_workbook

    path = workspace / "register.xlsx"
    rewrite_zip(path, {"xl/workbook.xml": part(path, "xl/workbook.xml").replace(b"<workbookPr/>",
                                                                                  b'<workbookPr date1904="1"/>')})
    update_case(path, "CIEC-2026-001", {"date_notified": dt.date(2026, 11, 2)})
    assert load_workbook(path)["Register"]["B2"].value.date() == dt.date(2026, 11, 2)
    assert open_register(path).find("CIEC-2026-001")["Date notified"] == dt.date(2026, 11, 2)


def test_a_table_with_a_total_row_is_refused(workspace: Path):
    from openpyxl import load_workbook
    from openpyxl.worksheet.table import Table

    path = workspace / "register.xlsx"
    workbook = load_workbook(path)
    sheet = workbook["Register"]
    sheet.auto_filter.ref = None
    sheet.append(["CIEC-2026-001"])
    sheet.append(["Total"])
    sheet.add_table(Table(displayName="Cases", ref="A1:AD3", totalsRowCount=1))
    workbook.save(path)
    before = path.read_bytes()
    with pytest.raises(InputError, match="Total Row"):
        update_case(path, "CIEC-2026-002", {"status": "Opened"})
    assert path.read_bytes() == before
    update_case(path, "CIEC-2026-001", {"status": "Opened"})  # updating an existing row is fine


def test_columns_are_found_by_header_and_missing_ones_reported(workspace: Path):
    from openpyxl import load_workbook

    path = workspace / "register.xlsx"
    workbook = load_workbook(path)
    sheet = workbook["Register"]
    sheet["Z1"] = "Panel due (old)"  # was "National Panel due"
    sheet["AC1"] = "  STATUS "  # spacing and case do not matter
    workbook.save(path)
    result = update_case(path, "CIEC-2026-001", {"panel_due": dt.date(2026, 5, 1), "status": "Opened"})
    assert result.missing == ["Register: National Panel due"]
    assert "Register: Status" in result.written
    sheet = load_workbook(path)["Register"]
    assert sheet["Z2"].value is None and sheet["AC2"].value == "Opened" and sheet["Z1"].value == "Panel due (old)"
    assert sheet.max_column == 30  # no column added
    problems = check_register(path)
    assert [(p.kind, p.column) for p in problems] == [("missing-column", "National Panel due")]


def test_a_doubled_header_is_not_written_and_is_reported(workspace: Path):
    from openpyxl import load_workbook

    path = workspace / "register.xlsx"
    workbook = load_workbook(path)
    workbook["Register"]["AE1"] = "Status"
    workbook.save(path)
    result = update_case(path, "CIEC-2026-001", {"status": "Opened", "notes": "n"})
    assert result.missing == ["Register: Status (headed so 2 times)"]
    sheet = load_workbook(path)["Register"]
    assert sheet["AC2"].value is None and sheet["AE2"].value is None and sheet["AD2"].value == "n"
    assert [p.kind for p in check_register(path)] == ["duplicate-column"]


def test_a_case_on_two_rows_is_not_updated(workspace: Path):
    from openpyxl import load_workbook

    path = workspace / "register.xlsx"
    workbook = load_workbook(path)
    workbook["Register"].append(["CIEC-2026-001"])
    workbook["Register"].append(["ciec-2026-001 "])
    workbook.save(path)
    before = path.read_bytes()
    with pytest.raises(InputError, match="rows 2, 3"):
        update_case(path, "CIEC-2026-001", {"status": "Opened"})
    assert path.read_bytes() == before
    assert [p.kind for p in check_register(path)] == ["duplicate-case"]


def test_create_false_does_not_add_a_case(workspace: Path):
    path = workspace / "register.xlsx"
    with pytest.raises(InputError, match="not on the register"):
        update_case(path, "CIEC-2026-001", {"status": "Opened"}, create=False)
    assert open_register(path).rows() == []


def test_nothing_is_written_when_nothing_changes(workspace: Path):
    path = workspace / "register.xlsx"
    first = update_case(path, "CIEC-2026-001", {"status": "Opened", "date_notified": dt.date(2026, 1, 1)})
    assert first.changed and first.backup
    before = path.read_bytes()
    again = update_case(path, "CIEC-2026-001", {"status": "Opened", "date_notified": dt.date(2026, 1, 1)})
    assert not again.changed and again.backup is None and again.changed_parts == []
    assert path.read_bytes() == before
    cleared = update_case(path, "CIEC-2026-001", {"status": None})
    assert cleared.changed and "Status" not in open_register(path).find("CIEC-2026-001")


def test_backups_keep_the_last_twenty(workspace: Path):
    path = workspace / "register.xlsx"
    previous = None
    for i in range(25):
        previous = path.read_bytes()
        result = update_case(path, f"CIEC-2026-{i:03d}", {"status": "Opened"})
    backups = sorted((workspace / ".backups").iterdir())
    assert len(backups) == 20
    assert backups[-1] == result.backup and result.backup.read_bytes() == previous
    assert all(b.name.startswith("register.") and b.suffix == ".xlsx" for b in backups)


def test_unknown_keys_are_a_programming_error(workspace: Path):
    with pytest.raises(ValueError):
        update_case(workspace / "register.xlsx", "CIEC-2026-001", {"colour": "red"})
    with pytest.raises(TypeError):
        update_case(workspace / "register.xlsx", "CIEC-2026-001", {"date_notified": "2026-01-01"})


# --- check, and the commands ---------------------------------------------------------------------------------


def _case_folder(workspace: Path, ref: str) -> None:
    folder = workspace / "cases" / ref
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text(f"reference: {ref}\n", encoding="utf-8")


def test_check_finds_what_was_done_by_hand(workspace: Path, ws_lifkit: Lifkit):
    from openpyxl import load_workbook

    path = workspace / "register.xlsx"
    _case_folder(workspace, "CIEC-2026-001")
    record(path, "CIEC-2026-001", {"date_notified": dt.date(2026, 1, 1)},
           {"date": dt.date(2026, 1, 20), "by": "CIEC", "decision": "SCR"})
    result = ws_lifkit("register", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith(": OK")

    workbook = load_workbook(path)
    sheet = workbook["Register"]
    sheet.append(["CIEC-2026-002", "TBC"])  # typed by hand: no case folder, and not a date
    sheet.append([None, None, 46000])  # a row with no case reference, and a number not shown as a date
    workbook["Decisions"].append([dt.date(2026, 1, 2), "CIEC-2026-009", "CIEC", "No SCR"])
    workbook["Decisions"]["A3"].number_format = DATE_FORMAT
    workbook.save(path)
    result = ws_lifkit("register", "check", "--json")
    assert result.exit_code == ExitStatus.ATTENTION
    problems = json.loads(result.stdout)["problems"]
    assert sorted((p["kind"], p["row"]) for p in problems) == [
        ("hand-added", 3), ("no-case-ref", 4), ("not-a-date", 3), ("not-a-date", 4), ("unknown-case", 3)]
    text = ws_lifkit("register", "check")
    assert text.exit_code == 1
    assert "Register row 3, Case ref: CIEC-2026-002 has no case folder" in text.stdout
    assert "'TBC' is text, not a date" in text.stdout
    assert "5 problems." in text.stdout


def test_register_show(workspace: Path, ws_lifkit: Lifkit):
    path = workspace / "register.xlsx"
    result = ws_lifkit("register", "show")
    assert result.exit_code == 0 and "0 cases on the register" in result.stdout
    update_case(path, "CIEC-2026-001", {"date_notified": dt.date(2026, 11, 2), "status": "Opened",
                                        "child_name": "Fictional Child"})
    update_case(path, "CIEC-2026-002", {"date_notified": dt.date(2026, 11, 3), "status": "Awaiting returns"})
    result = ws_lifkit("register", "show")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["Case", "ref"]
    assert "CIEC-2026-001  02/11/2026" in result.stdout and "Awaiting returns" in result.stdout
    assert "2 cases on the register" in result.stdout
    one = ws_lifkit("register", "show", "ciec-2026-001")
    assert one.exit_code == 0
    assert "CIEC-2026-001 (row 2 of the Register sheet)" in one.stdout
    assert re.search(r"Child name +Fictional Child", one.stdout) and re.search(r"Notes\n", one.stdout + "\n")
    as_json = json.loads(ws_lifkit("register", "show", "--json").stdout)
    assert as_json[1] == {"Case ref": "CIEC-2026-002", "Date notified": "2026-11-03", "Status": "Awaiting returns",
                          "_row": 3}
    assert json.loads(ws_lifkit("register", "show", "CIEC-2026-002", "--json").stdout) == as_json[1]
    missing = ws_lifkit("register", "show", "CIEC-2026-404")
    assert missing.exit_code == 2 and "CIEC-2026-404 is not on the register" in missing.stderr


def test_reading_a_large_register_is_quick(tmp_path: Path):
    """Not a benchmark (bench/register_bench.py is): a guard against reading becoming quadratic."""
    path = big_register(tmp_path / "register.xlsx", 3000)
    started = time.perf_counter()
    rows = open_register(path).rows()
    elapsed = time.perf_counter() - started
    assert len(rows) == 3000 and rows[-1]["Case ref"] == "BIG-03000"
    assert elapsed < 5


def test_many_cases_in_one_save(workspace: Path):
    path = workspace / "register.xlsx"
    update_case(path, "CIEC-2026-002", {"status": "Opened"})
    results = register_module.update_cases(path, {
        f"CIEC-2026-{i:03d}": {"status": "Decided", "date_notified": dt.date(2026, 1, i)} for i in range(1, 6)})
    assert [(r.case_ref, r.row, r.created) for r in results] == [
        ("CIEC-2026-001", 3, True), ("CIEC-2026-002", 2, False), ("CIEC-2026-003", 4, True),
        ("CIEC-2026-004", 5, True), ("CIEC-2026-005", 6, True)]
    assert len({r.backup for r in results}) == 1 and len(list((workspace / ".backups").iterdir())) == 2
    _, rows = openpyxl_rows(path, "Register")
    assert [(n, v["Case ref"], v["Date notified"]) for n, v in rows] == [
        (2, "CIEC-2026-002", dt.date(2026, 1, 2)), (3, "CIEC-2026-001", dt.date(2026, 1, 1)),
        (4, "CIEC-2026-003", dt.date(2026, 1, 3)), (5, "CIEC-2026-004", dt.date(2026, 1, 4)),
        (6, "CIEC-2026-005", dt.date(2026, 1, 5))]
    assert b"'Register'!$A$1:$AD$6" in part(path, "xl/workbook.xml")


def test_the_workbook_keeps_its_permissions_and_links(workspace: Path):
    path = workspace / "register.xlsx"
    os.chmod(path, 0o664)
    link = workspace / "link.xlsx"
    link.symlink_to(path)
    update_case(link, "CIEC-2026-001", {"status": "Opened"})
    assert link.is_symlink() and open_register(path).find("CIEC-2026-001")
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o664


def test_text_too_long_for_a_cell_is_refused(workspace: Path):
    with pytest.raises(InputError, match="at most 32,767"):
        update_case(workspace / "register.xlsx", "CIEC-2026-001", {"notes": "x" * 40000})


def test_register_sync_stops_when_the_workbook_is_open_in_excel(workspace: Path, ws_lifkit: Lifkit):
    path = workspace / "register.xlsx"
    (workspace / "~$register.xlsx").write_bytes(excel_owner_file("Jordan Avery"))
    before = path.read_bytes()
    result = ws_lifkit("register", "sync")
    assert result.exit_code == ExitStatus.LOCKED
    assert "open in Excel by Jordan Avery" in result.stderr
    assert path.read_bytes() == before
    (workspace / "~$register.xlsx").unlink()
    result = ws_lifkit("register", "sync")
    assert result.exit_code == 0 and "0 cases brought up to date" in result.stdout
