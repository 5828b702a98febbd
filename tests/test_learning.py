"""The Learning and Improvement Index: entries typed from the process's list, a case's entry started from
its decision and action plan, the Word document read back with python-docx in Appendix One's order, and
the refusal to write a name, date of birth or address from a case folder. Every name is fictional."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Lifkit
from test_actions import PLAN, REF, ws  # noqa: F401 (the fixture: a case decided as an SCR)

pytestmark = pytest.mark.usefixtures("fixed_today")


def document_text(path: Path) -> tuple[list[str], list[list[str]]]:
    import docx

    document = docx.Document(path)
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    tables = [[cell.text for row in table.rows for cell in row.cells] for table in document.tables]
    return paragraphs, tables


def test_the_index_in_appendix_one_order_with_the_case_and_its_action_plan(ws, tmp_path):  # noqa: F811
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN, encoding="utf-8")
    assert ws("actions", "import", REF, plan).exit_code == 0
    added = ws("learning", "add", "--case", REF, "--name", "Child known as Mary", "--reported", "15/06/2027",
               "--overview", "Unexpected death of a six month old baby.", "--finding",
               "Bruising in non-mobile babies was not referred.", "--finding", "Information was not shared.",
               "--json")
    assert added.exit_code == 0, added.output
    entry = json.loads(added.stdout)["entry"]
    assert (entry["id"], entry["type"], entry["case"]) == ("L1", "Serious Case Review", REF)
    audit = ws("learning", "add", "--type", "audit", "--name", "Neglect audit", "--reported", "10/09/2027",
               "--overview", "Ten cases audited.", "--finding", "Chronologies were not read.",
               "--improvement", "Training on chronologies", "--evidence", "Re-audit: 8 of 10 chronologies read.")
    assert audit.exit_code == 0, audit.output
    older = ws("learning", "add", "--type", "Performance Management", "--name", "Front door data",
               "--reported", "03/11/2026")
    assert older.exit_code == 0, older.output
    wrong = ws("learning", "add", "--type", "Unheard-of Review", "--name", "x")
    assert wrong.exit_code == 2 and "is not one of the types of review or audit" in wrong.stderr

    written = ws("learning", "index", "--year", "2027", "-o", tmp_path)
    assert written.exit_code == 0, written.output
    path = tmp_path / "learning-index-2027.docx"
    paragraphs, tables = document_text(path)
    headings = [p for p in paragraphs if p.startswith(("Learning from", "Other Learning", "National"))]
    assert headings == ["Learning from Audit", "Learning from Reviews (including Serious Case Reviews)",
                        "Learning from the Child Death Overview Panel (CDOP)", "Learning from Performance Management",
                        "Other Learning Sources", "National"]
    assert "Learning and Improvement Index" in paragraphs
    assert len(tables) == 2  # the 2026 entry is left out
    audit_table, review_table = tables
    assert audit_table[0] == "Type of Review: Multi Agency Audit" and audit_table[1] == "Name: Neglect audit"
    assert "Date: Report to the LSCB September 2027" in audit_table
    assert review_table[0] == "Type of Review: Serious Case Review"
    assert review_table[1] == "Name: Child known as Mary"
    text = "\n".join(review_table)
    assert "1. Bruising in non-mobile babies was not referred.\n2. Information was not shared." in text
    assert "Audit use of the bruising protocol (COMM, due 31/03/2027): not started" in text
    assert "Fictional" not in text

    # a name from the case folder typed into an entry: the index is refused, saying where
    learning = ws.workspace / "learning.yaml"
    learning.write_text(learning.read_text(encoding="utf-8").replace("Information was not shared.",
                                                                     "Information about Testchild was not shared."),
                        encoding="utf-8")
    case_yaml = ws.workspace / "cases" / REF / "case.yaml"
    assert "Testchild" in case_yaml.read_text(encoding="utf-8")
    refused = ws("learning", "index", "--year", "2027", "-o", tmp_path / "again.docx")
    assert refused.exit_code == 2
    assert ("entry L1 (Serious Case Review), 'Summary of findings / learning, finding 2', at character 19: a name, "
            f"date of birth or address from case {REF}'s folder") in refused.stderr
    assert "Testchild" not in refused.stderr
    assert not (tmp_path / "again.docx").exists()

    typed = ws("learning", "add", "--case", REF, "--evidence", "Seen at home on 04/03/2015")
    assert typed.exit_code == 2 and "'Evidence of improvement'" in typed.stderr


@pytest.mark.parametrize("which", ["demo_workspace", "rapid_review_demo"])
def test_the_demos_have_an_action_plan_updates_and_an_index(which, request):
    import openpyxl

    root, made = request.getfixturevalue(which)
    sheet = openpyxl.load_workbook(root / "register.xlsx")["Actions"]
    rows = [dict(zip([c.value for c in sheet[1]], [c.value for c in row])) for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 4
    assert sorted(r["Status"] for r in rows) == ["Completed", "In progress", "Not started", "Not started"]
    assert all(r["Event id"] for r in rows)
    paragraphs, tables = document_text(Path(made["files"]["learning index"]))
    names = {table[1] for table in tables}
    assert names == {"Name: Child known as Kit", "Name: Neglect audit 2026"}
    board = "LSCB" if which == "demo_workspace" else "partnership"  # the process's word, not "board"
    assert any(f"Audit report to the {board}'s quality group, 40 contacts checked" in cell for t in tables for cell in t)
    assert len(list((root / "saved-mail").glob("*/action-update-CSC.eml"))) == 1  # for the reader to collect


def test_a_board_names_the_index_sections_in_lifkit_toml(ws, tmp_path):  # noqa: F811
    """The sections' names are the process's defaults (no board's own, such as "Merseyside CDOP"); a
    board gives its own in lifkit.toml's [learning.sections], checked by config check."""
    settings = ws.workspace / "lifkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8")
                        + '\n[learning.sections]\ncdop = "Learning from the Testshire CDOP"\n', encoding="utf-8")
    assert ws("learning", "add", "--type", "CDR", "--name", "Thematic child deaths", "--reported",
              "01/03/2027").exit_code == 0
    written = ws("learning", "index", "--year", "2027", "-o", tmp_path)
    assert written.exit_code == 0, written.output
    assert "Learning from the Testshire CDOP: 1" in written.stdout
    paragraphs, tables = document_text(tmp_path / "learning-index-2027.docx")
    assert "Learning from the Testshire CDOP" in paragraphs
    assert not any("Merseyside" in text for text in paragraphs + [c for t in tables for c in t])

    settings.write_text(settings.read_text(encoding="utf-8").replace("cdop =", "cdopp ="), encoding="utf-8")
    checked = ws("config", "check")
    assert checked.exit_code == 2
    assert "[learning.sections] cdopp: is not a section of the process's Learning and Improvement Index" in checked.output
    assert "audit, reviews, cdop, performance, other, national" in checked.output
