"""A partnership running the rapid review never meets the 2016 process's words.

Everything the rapid-review demo made is read back with tools lifkit did not write: the PDF text of the
pack (and its encrypted copy) and of every form (pdftotext, and pdfinfo for the document information),
the Word text of the Summary and Outcome of the Rapid Review (python-docx) and of every Word form (every
XML part), the text of every email draft and saved message, the register's headings and rows and the
year's report (openpyxl), and what the commands print.
"""

from __future__ import annotations

import email
import re
import subprocess
import zipfile
from email.policy import default
from pathlib import Path

import pytest

from conftest import Lifkit, require_tool

WORDS_OF_2016 = ("CIEC", "CIGINF1", "CIGSCR1", "CIGSUM1", "CIGM1", "Independent Chair", "LSCB")


def _found(text: str) -> list[str]:
    return [word for word in WORDS_OF_2016 if re.search(re.escape(word), text, flags=re.I)]


@pytest.fixture(scope="module")
def made(rapid_review_demo) -> tuple[Path, dict]:
    root, result = rapid_review_demo
    assert result["process"] == "rapid-review-2023"
    return root, result


def test_the_pdfs_say_none_of_the_2016_words(made):
    root, result = made
    pdftotext, pdfinfo = require_tool("pdftotext"), require_tool("pdfinfo")
    pdfs = sorted(root.rglob("*.pdf"))
    names = {p.name for p in pdfs}
    assert any(n.startswith("rapid-review-pack-") for n in names)
    assert any(n.startswith("IAS-") for n in names) and any("referral" in n for n in names)
    faults = {}
    for pdf in pdfs:
        password = [f"-upw", result["pack_password"]] if "encrypted" in pdf.name else []
        text = subprocess.run([pdftotext, *password, str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        info = subprocess.run([pdfinfo, *password, str(pdf)], check=True, capture_output=True, text=True).stdout
        assert text.strip(), pdf
        if found := _found(text + info):
            faults[str(pdf.relative_to(root))] = found
    assert not faults, faults


def test_the_word_documents_say_none_of_the_2016_words(made):
    import docx

    root, _ = made
    summary = next((root / "cases").glob("RR-*-001/RRSUM-*.docx"))
    document = docx.Document(summary)
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells]
                     + [p.text for s in document.sections for part in (s.header, s.footer) for p in part.paragraphs])
    assert "Summary and Outcome of the Rapid Review" in text and "Integrated care board" in text
    assert _found(text) == []
    faults = {}
    documents = sorted(root.rglob("*.docx"))
    assert len(documents) >= 5  # the summaries and the Word forms of the agencies that prefer Word
    for path in documents:
        with zipfile.ZipFile(path) as package:
            xml = " ".join(package.read(name).decode("utf-8") for name in package.namelist()
                           if name.endswith(".xml"))
        words = re.sub(r"<[^>]+>", " ", xml)
        if found := _found(words):
            faults[str(path.relative_to(root))] = found
    assert not faults, faults


def test_the_emails_say_none_of_the_2016_words(made):
    root, _ = made
    messages = sorted(root.rglob("*.eml"))
    drafts = [m for m in messages if "outbox" in m.parts]
    kinds = {m.name.split("-")[0] for m in drafts}
    assert kinds >= {"request", "reminder", "reply", "notice"}, kinds
    faults = {}
    for path in messages:
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        text = "\n".join([str(message["Subject"]), str(message["From"]), str(message["To"])]
                         + [part.get_content() for part in message.walk() if part.get_content_type() == "text/plain"]
                         + [part.get_filename() or "" for part in message.walk()])
        if found := _found(text):
            faults[str(path.relative_to(root))] = found
    assert not faults, faults


def test_the_register_and_the_report_say_none_of_the_2016_words(made):
    import openpyxl

    root, result = made
    for workbook in (root / "register.xlsx", Path(result["files"]["year report"])):
        book = openpyxl.load_workbook(workbook, read_only=True)
        for sheet in book.worksheets:
            cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
            assert cells, (workbook.name, sheet.title)
            assert _found(sheet.title + "\n" + "\n".join(cells)) == [], (workbook.name, sheet.title)
    register = openpyxl.load_workbook(root / "register.xlsx", read_only=True)
    headings = [c for c in next(register["Register"].iter_rows(values_only=True)) if c]
    assert "Date aware" in headings and "Panel agreed" in headings


def test_what_the_commands_print_says_none_of_the_2016_words(made, tmp_path, monkeypatch):
    import shutil

    root, _ = made
    copy = tmp_path / "practice"
    shutil.copytree(root, copy)
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-25")
    ws = Lifkit(copy)
    printed = []
    for command in (["status"], ["overdue"], ["register", "show"], ["register", "show", "RR-2026-001"],
                    ["report", "--year", "2026"], ["config", "check"],
                    ["chase", "RR-2026-002"], ["pack", "RR-2026-002", "--allow-incomplete"]):
        result = ws(*command)
        assert result.exit_code in (0, 1), (command, result.output)
        printed.append(result.output)
    printed.append((copy / "lifkit.toml").read_text(encoding="utf-8"))
    assert _found("\n".join(printed)) == []  # (`lifkit processes` names every process, lscb-2016 too)
