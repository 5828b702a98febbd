"""Hostile and broken returns: whatever an agency sends, lifkit says what is wrong in plain words, files
the rest of the batch, and never runs out of memory or time. Every name and address is fictional."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Lifkit
from returns import CIGINF1_VALUES, blank_form, fill_pdf, set_info
from test_exchange import member_email, opened, reply  # noqa: F401 - the fixture is used by name
from test_forms import write_case

pytestmark = pytest.mark.usefixtures("fixed_today")


@pytest.fixture
def ws(workspace: Path) -> Lifkit:
    write_case(workspace)
    return Lifkit(workspace)


def journal(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "journal.jsonl").read_text(encoding="utf-8").splitlines()]


# --- a hidden token that is not one lifkit writes ---------------------------------------------


@pytest.mark.parametrize("token", ["\u00e9" * 32, "0" * 31 + "\u2603", "not hex at all", ""])
def test_a_token_lifkit_never_writes_is_a_clear_problem(ws, tmp_path: Path, token: str):
    blank = blank_form(ws, tmp_path / "blank.pdf", "ciginf1")
    path = set_info(fill_pdf(blank, CIGINF1_VALUES, tmp_path / "filled.pdf"), tmp_path / "edited.pdf",
                    LifkitToken=token)
    result = ws("validate", path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "its hidden identity was altered" in result.output


def test_one_bad_file_never_stops_a_batch(opened, tmp_path: Path):
    ws, root, reference = opened
    assert ws("request", reference, "--agency", "POL", "--agency", "CSC").exit_code == 0
    outbox = root / "cases" / reference / "outbox"
    pol = fill_pdf(outbox / f"CIGINF1-{reference}-POL.pdf", CIGINF1_VALUES, tmp_path / "pol.pdf")
    bad = set_info(pol, tmp_path / "bad.pdf", LifkitToken="\u00e9" * 32)
    csc = fill_pdf(outbox / f"CIGINF1-{reference}-CSC.pdf", CIGINF1_VALUES, tmp_path / "csc.pdf")
    (tmp_path / "1-bad.eml").write_bytes(reply(member_email("POL"), "request", bad))
    (tmp_path / "2-csc.eml").write_bytes(reply(member_email("CSC"), "request", csc))
    result = ws("collect", reference, tmp_path / "1-bad.eml", tmp_path / "2-csc.eml", "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert [r["agency"] for r in data["received"]] == ["CSC"]
    assert len(data["aside"]) == 1 and "hidden identity was altered" in data["aside"][0]["reason"]
    events = [e["event"] for e in journal(root / "cases" / reference)]
    assert events.count("received") == 2 and events.count("set aside") == 1 and events.count("validated") == 2


# --- names: what the agency sent is shown, never used for a stored file -------------------------


def test_a_plain_folder_of_messages_is_collected(opened, tmp_path: Path):
    ws, root, reference = opened
    assert ws("request", reference, "--agency", "POL", "--agency", "CSC").exit_code == 0
    outbox = root / "cases" / reference / "outbox"
    saved = tmp_path / "saved replies"
    saved.mkdir()
    for code in ("POL", "CSC"):
        form = fill_pdf(outbox / f"CIGINF1-{reference}-{code}.pdf", CIGINF1_VALUES, tmp_path / f"{code}.pdf")
        (saved / f"{code}.eml").write_bytes(reply(member_email(code), "request", form))
    (saved / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    result = ws("collect", reference, saved, "--json")
    assert result.exit_code == 0, result.output
    assert sorted(r["agency"] for r in json.loads(result.stdout)["received"]) == ["CSC", "POL"]


CHILD = "Fictional Child"


def test_stored_names_never_carry_the_senders_name(opened, tmp_path: Path):
    ws, root, reference = opened
    assert ws("request", reference, "--agency", "POL").exit_code == 0
    folder = root / "cases" / reference
    form = fill_pdf(folder / "outbox" / f"CIGINF1-{reference}-POL.pdf", CIGINF1_VALUES,
                    tmp_path / f"CIGINF1 {CHILD} POL.pdf")
    notes = tmp_path / f"Chronology {CHILD}.pdf"
    notes.write_bytes(b"%PDF-1.4 a chronology, not a form")
    other = set_info(form, tmp_path / f"{CHILD} other case.pdf", LifkitCase="CIEC-2026-099")
    rtl = tmp_path / "rtl.pdf"
    rtl.write_bytes(other.read_bytes())
    (tmp_path / "pol.eml").write_bytes(reply(member_email("POL"), "request", form, notes))
    (tmp_path / "other.eml").write_bytes(reply(member_email("POL"), "request", other))
    message = reply(member_email("POL"), "request", rtl).replace(b'filename="rtl.pdf"',
                                                                  'filename="x\u202efdp.pdf"'.encode())
    (tmp_path / "rtl.eml").write_bytes(message)
    result = ws("collect", reference, tmp_path / "pol.eml", tmp_path / "other.eml", tmp_path / "rtl.eml", "--json")
    assert result.exit_code == 1, result.output
    stored = [p for p in folder.rglob("*") if CHILD in str(p.relative_to(folder))]
    assert stored == []
    assert CHILD not in (folder / "journal.jsonl").read_text(encoding="utf-8")
    data = json.loads(result.stdout)
    assert data["received"][0]["name"] == f"CIGINF1 {CHILD} POL.pdf"
    assert data["received"][0]["attachment_names"] == [f"Chronology {CHILD}.pdf"]
    record = json.loads((folder / "returns" / "POL.json").read_text(encoding="utf-8"))["submissions"][-1]
    assert record["attachment_names"] == [f"Chronology {CHILD}.pdf"]
    assert sorted(item["name"] for item in data["aside"]) == [f"{CHILD} other case.pdf", "xfdp.pdf"]
    # the same message saved again would be "already filed": another copy of it shows the report's words
    (tmp_path / "other-again.eml").write_bytes(reply(member_email("POL"), "request", other) + b"\n")
    text = ws("collect", reference, tmp_path / "other-again.eml").stdout
    assert f"SET ASIDE {CHILD} other case.pdf: a form for case CIEC-2026-099, not {reference}" in text
    assert text.count(CHILD) == 1  # the name as sent, once, not doubled into the reason


@pytest.mark.parametrize("how", ["file", "env"])
def test_a_pack_password_of_only_spaces_is_refused(tmp_path: Path, monkeypatch, how: str):
    from lifkit.errors import InputError
    from lifkit.steps.pack import read_password

    (tmp_path / "password.txt").write_text("    \n", encoding="utf-8")
    monkeypatch.setenv("PACK_PASSWORD", " \t ")
    with pytest.raises(InputError, match="only spaces"):
        read_password(tmp_path / "password.txt") if how == "file" else read_password(env="PACK_PASSWORD")


def test_a_mailbox_goes_on_past_a_message_it_cannot_read(opened, tmp_path: Path, monkeypatch):
    import mailbox

    from lifkit.documents import mail

    ws, root, reference = opened
    assert ws("request", reference, "--agency", "POL", "--agency", "CSC").exit_code == 0
    outbox = root / "cases" / reference / "outbox"
    box = mailbox.mbox(str(tmp_path / "replies.mbox"))
    for code in ("POL", "CSC"):
        form = fill_pdf(outbox / f"CIGINF1-{reference}-{code}.pdf", CIGINF1_VALUES, tmp_path / f"{code}.pdf")
        box.add(reply(member_email(code), "request", form))
        if code == "POL":
            big = tmp_path / "big.pdf"
            big.write_bytes(b"%PDF-1.4\n" + b"0" * 800_000)
            box.add(reply(member_email("POL"), "request", big))
    box.flush()
    box.close()
    monkeypatch.setattr(mail, "MAX_MESSAGE_BYTES", 600_000)
    result = ws("collect", reference, tmp_path / "replies.mbox", "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert sorted(r["agency"] for r in data["received"]) == ["CSC", "POL"]
    assert any("replies.mbox #2 is larger than lifkit reads as one message" in n for n in data["notes"])


def test_a_text_file_named_pdf_is_described_in_words(ws, tmp_path: Path):
    import re

    path = tmp_path / "notes.pdf"
    path.write_text("Just some notes, typed in Notepad.\n", encoding="utf-8")
    result = ws("validate", path)
    assert result.exit_code == 2
    assert "notes.pdf: is damaged and cannot be read as a PDF: it is named .pdf, but it holds plain text" in result.output
    assert not re.search(r"[A-Z]\w+(Error|Exception)\b", result.output), result.output


# --- workbooks: text stays text ------------------------------------------------------------------


FORMULA = "=cmd|' /C calc'!A0"


def test_a_formula_like_agency_name_is_written_as_text(workspace: Path, tmp_path: Path):
    import zipfile

    from openpyxl import load_workbook

    from returns import CIGSCR1_VALUES

    ws = Lifkit(workspace)
    referral = fill_pdf(blank_form(ws, tmp_path / "blank.pdf", "cigscr1"), {**CIGSCR1_VALUES, "agency": FORMULA},
                        tmp_path / "referral.pdf")
    opened = ws("referral", "open", referral, "--notified", "02/11/2026")
    assert opened.exit_code == 0, opened.output
    out = tmp_path / "report.xlsx"
    result = ws("report", "--year", "2026", "-o", out)
    assert result.exit_code == 0, result.output
    cell = load_workbook(out)["By referring agency"]["A2"]
    assert (cell.value, cell.data_type) == (FORMULA, "s")
    with zipfile.ZipFile(out) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)


def test_a_message_is_filed_whole_or_not_at_all(opened, tmp_path: Path, monkeypatch):
    """A fault part way through a message's filing leaves nothing of it: no file, no journal entry."""
    from lifkit.steps import exchange

    ws, root, reference = opened
    assert ws("request", reference, "--agency", "POL", "--agency", "CSC").exit_code == 0
    folder = root / "cases" / reference
    for code in ("POL", "CSC"):
        form = fill_pdf(folder / "outbox" / f"CIGINF1-{reference}-{code}.pdf", CIGINF1_VALUES,
                        tmp_path / f"{code}.pdf")
        (tmp_path / f"{code}.eml").write_bytes(reply(member_email(code), "request", form))
    real = exchange.validate_extracted

    def fails_for_csc(ws_, extracted, *args, **kwargs):
        if extracted.identity.agency == "CSC":
            raise RuntimeError("a fault half way through filing")
        return real(ws_, extracted, *args, **kwargs)

    monkeypatch.setattr(exchange, "validate_extracted", fails_for_csc)
    before = {p for p in folder.rglob("*")}
    journal_before = len(journal(folder))
    result = ws("collect", reference, tmp_path / "POL.eml", tmp_path / "CSC.eml")
    assert result.exit_code == 5
    added = {p.relative_to(folder) for p in folder.rglob("*")} - {p.relative_to(folder) for p in before}
    events = journal(folder)[journal_before:]
    assert [e["event"] for e in events] == ["received", "validated", "filed"]  # POL's, whole; nothing of CSC's
    assert events[1]["agency"] == "POL"
    assert not any(p.name.startswith(".collecting") for p in folder.iterdir())
    assert len([p for p in added if p.parts[0] == "inbox" and p.name == "message.eml"]) == 1
    assert not (folder / "returns" / "CSC.json").exists() and not (folder / "returns" / "CSC").exists()
