"""The exchange end to end: referral open, request, replies as real MIME messages, collect, status, chase.

Every name and address is fictional. Replies are built as an agency's mail client would send them and
saved the ways an administrator saves mail: single .eml files, an mbox, a Maildir.
"""

from __future__ import annotations

import email
import json
import mailbox
import subprocess
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from conftest import TODAY, Lifkit, require_tool
from returns import (CIGINF1_VALUES, CIGSCR1_VALUES, blank_form, fill_docx, fill_pdf, set_info)

MEETING = "04/12/2026"


pytestmark = pytest.mark.usefixtures("fixed_today")


def reply(sender: str, subject: str, *attachments: Path, body: str = "Please find our return attached.") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "jordan.avery@testshire-lscb.example"
    message["Subject"] = f"RE: {subject}"
    message["Date"] = "Wed, 25 Nov 2026 10:00:00 +0000"
    message.set_content(body)
    for path in attachments:
        kind = ("application", "pdf") if path.suffix == ".pdf" else (
            "application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
        message.add_attachment(path.read_bytes(), maintype=kind[0], subtype=kind[1], filename=path.name)
    return message.as_bytes()


def member_email(code: str) -> str:
    return f"{code.lower()}.ciec@testshire.example"


@pytest.fixture
def opened(workspace: Path, tmp_path: Path):
    """A workspace whose EDU and HOU members prefer Word, and a case opened from a referral email."""
    text = (workspace / "lifkit.toml").read_text(encoding="utf-8")
    for code in ("EDU", "HOU"):
        block = f'code = "{code}"'
        start = text.index(block)
        end = text.index('format = "pdf"', start)
        text = text[:end] + 'format = "docx"' + text[end + len('format = "pdf"'):]
    (workspace / "lifkit.toml").write_text(text, encoding="utf-8")
    ws = Lifkit(workspace)
    blank = blank_form(ws, tmp_path / "blank-cigscr1.pdf", "cigscr1")
    form = fill_pdf(blank, CIGSCR1_VALUES, tmp_path / "CIGSCR1 Fictional Child.pdf")
    message = tmp_path / "referral.eml"
    message.write_bytes(reply("fictional.lead@testshire-police.example", "Referral", form))
    result = ws("referral", "open", message, "--notified", "02/11/2026", "--child-address", "1 Fictional Road\nTesttown",
                "--json")
    assert result.exit_code == 0, result.output
    return ws, workspace, json.loads(result.stdout)["reference"]


def test_referral_open_from_an_email(opened):
    ws, root, reference = opened
    assert reference == "CIEC-2026-001"
    folder = root / "cases" / reference
    import yaml

    case = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    assert str(case["notified"]) == "2026-11-02"
    assert case["subjects"][0]["name"] == "Fictional Child" and case["format"] == 2
    assert case["subjects"][0]["address"] == "1 Fictional Road\nTesttown"  # carried by the CIGINF1 requests
    assert sorted(p.name for p in (folder / "inbox").iterdir()) == ["referral-CIGSCR1.pdf", "referral-message.eml"]
    events = [json.loads(line)["event"] for line in (folder / "journal.jsonl").read_text().splitlines()]
    assert events == ["opened", "validated"]
    from lifkit.register.workbook import open_register

    row = open_register(root / "register.xlsx").find(reference)
    assert row["Child name"] == "Fictional Child" and row["Status"] == "Opened"


def test_referral_with_problems_opens_nothing(workspace: Path, tmp_path: Path):
    ws = Lifkit(workspace)
    blank = blank_form(ws, tmp_path / "blank.pdf", "cigscr1")
    form = fill_pdf(blank, {**CIGSCR1_VALUES, "summary": ""}, tmp_path / "referral.pdf")
    result = ws("referral", "open", form, "--notified", "02/11/2026")
    assert result.exit_code == 2
    assert "section 2 (Summary of case): must be filled in." in result.stderr
    assert "--accept-problems" in result.stderr
    assert not any((workspace / "cases").iterdir())
    accepted = ws("referral", "open", form, "--notified", "02/11/2026", "--accept-problems")
    assert accepted.exit_code == 1, accepted.output
    assert "accepted problem: section 2 (Summary of case)" in accepted.stdout


def test_the_whole_week(opened, tmp_path: Path):
    ws, root, reference = opened
    folder = root / "cases" / reference
    issued = ws("request", reference, "--meeting", MEETING, "--json")
    assert issued.exit_code == 1, issued.output  # recorded, with a warning:
    assert "The CIEC meeting on 04/12/2026 is after the SCR decision is due (02/12/2026)" in issued.stderr
    requests = json.loads(issued.stdout)["issued"]
    assert len(requests) == 15
    assert {r["return_by"] for r in requests} == {"2026-12-02"}  # 7 days: sooner than the meeting
    outbox = folder / "outbox"
    assert (outbox / f"CIGINF1-{reference}-EDU.docx").is_file() and (outbox / f"CIGINF1-{reference}-POL.pdf").is_file()

    # the drafts: Outlook's unsent flag, the case reference and no child's name anywhere
    draft = email.message_from_bytes((outbox / f"request-{reference}-POL.eml").read_bytes(), policy=default)
    assert draft["X-Unsent"] == "1"
    assert draft["To"] == member_email("POL")
    assert draft["Subject"] == f"CIEC request for information \u2014 {reference} \u2014 reply by 02/12/2026"
    for eml in outbox.glob("*.eml"):
        assert b"Fictional Child" not in eml.read_bytes()
    attached = [p for p in draft.iter_attachments()]
    assert [a.get_filename() for a in attached] == [f"CIGINF1-{reference}-POL.pdf"]
    assert attached[0].get_content() == (outbox / f"CIGINF1-{reference}-POL.pdf").read_bytes()

    # the agencies reply
    subject = draft["Subject"]
    replies = tmp_path / "replies"
    replies.mkdir()

    def ret(code: str, tool: str = "pypdf", **changes) -> Path:
        fmt = "docx" if code in ("EDU", "HOU") else "pdf"
        source = outbox / f"CIGINF1-{reference}-{code}.{fmt}"
        target = replies / f"{code}-{len(list(replies.iterdir()))}-{source.name}"
        values = {**CIGINF1_VALUES, **changes}
        return fill_docx(source, values, target) if fmt == "docx" else fill_pdf(source, values, target, tool)

    chronology = replies / "Agency chronology.pdf"
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(chronology))
    page.drawString(72, 720, "A fuller chronology (fictional)")
    page.save()
    flat = replies / "flat.pdf"
    subprocess.run([require_tool("qpdf"), "--flatten-annotations=all", str(ret("MH")), str(flat)], check=True)
    other_case = set_info(ret("ACUTE"), replies / "other-case.pdf", LifkitCase="CIEC-2026-099")

    (replies / "pol.eml").write_bytes(reply(member_email("POL"), subject, ret("POL")))
    (replies / "csc.eml").write_bytes(reply(member_email("CSC"), subject, ret("CSC", "pdftk"), chronology))
    (replies / "edu.eml").write_bytes(reply(member_email("EDU"), subject, ret("EDU")))
    (replies / "hou.eml").write_bytes(reply(member_email("HOU"), subject, ret("HOU", completed_email="")))
    (replies / "mh.eml").write_bytes(reply(member_email("MH"), subject, flat))
    box = mailbox.mbox(str(replies / "more.mbox"))
    box.add(reply(member_email("CCG"), subject, ret("CCG", involvement_summary="")))
    box.add(reply(member_email("ACUTE"), subject, other_case))
    box.add(reply("someone@elsewhere.example", subject, ret("COMM")))
    box.flush()
    box.close()
    maildir = mailbox.Maildir(str(replies / "Maildir"), create=True)
    maildir.add(reply(member_email("PROB"), subject, ret("PROB")))
    maildir.close()

    collected = ws("collect", reference, *sorted(replies.glob("*.eml")), replies / "more.mbox", replies / "Maildir",
                   "--json")
    assert collected.exit_code == 1, collected.output  # invalid returns and forms set aside need attention
    result = json.loads(collected.stdout)
    received = {r["agency"]: r for r in result["received"]}
    assert {code: r["valid"] for code, r in received.items()} == {
        "POL": True, "CSC": True, "EDU": True, "HOU": False, "MH": False, "CCG": False, "PROB": True}
    # kept under a name lifkit makes (a sender's file name may carry a child's name); the name sent is recorded
    assert received["CSC"]["attachment_names"] == ["Agency chronology.pdf"]
    assert [Path(p).name for p in received["CSC"]["attachments"]] == [f"CSC-{reference}-attachment.pdf"]
    assert any("flattened or printed to PDF" in p for p in received["MH"]["problems"])
    assert any("section 1 (Completed by), 'Email': must be filled in" in p for p in received["HOU"]["problems"])
    assert all(received[c]["reply_draft"] for c in ("HOU", "MH", "CCG"))
    reasons = sorted(item["reason"] for item in result["aside"])
    assert reasons == ["a form for case CIEC-2026-099, not CIEC-2026-001",
                       "sent by someone@elsewhere.example, not by COMM's member address"]

    # the invalid return's reply draft lists the problems in plain words
    hou = email.message_from_bytes(Path(received["HOU"]["reply_draft"]).read_bytes(), policy=default)
    assert hou["To"] == member_email("HOU") and hou["X-Unsent"] == "1"
    assert "section 1 (Completed by), 'Email': must be filled in." in hou.get_content()

    # a second return from PROB supersedes the first, which is kept
    again = replies / "prob-again.eml"
    again.write_bytes(reply(member_email("PROB"), subject, ret("PROB", good_practice="Updated.")))
    second = json.loads(ws("collect", reference, again, "--json").stdout)
    assert second["received"][0]["supersedes"] is True
    submissions = json.loads((folder / "returns" / "PROB.json").read_text())["submissions"]
    assert [s["current"] for s in submissions] == [False, True]
    assert submissions[1]["values"]["good_practice"] == "Updated."
    assert all((folder / s["file"]).is_file() for s in submissions)

    # the originals are kept as they came
    originals = sorted((folder / "inbox").glob("*-message/message.eml"))
    assert len(originals) == 10
    assert (replies / "pol.eml").read_bytes() in {p.read_bytes() for p in originals}

    # status: issued, returned, valid, overdue, and the decision clock
    status = ws("status", reference, "--json")
    assert status.exit_code == 1
    case = json.loads(status.stdout)[0]
    assert case["decision_due"] == "2026-12-02" and case["days_left"] == 7 and case["aside"] == 2
    members = {m["code"]: m for m in case["members"]}
    assert len(members) == 15
    assert members["POL"]["valid"] is True and members["POL"]["returned"] == TODAY
    assert members["HOU"]["valid"] is False and members["NSPCC"]["valid"] is None
    text = ws("status", reference).stdout
    assert "4 of 15 valid returns; 2 set aside." in text

    # overdue once the date has passed
    import os

    os.environ["LIFKIT_TODAY"] = "2026-12-03"
    late = json.loads(ws("status", reference, "--json").stdout)[0]["members"]
    assert {m["code"] for m in late if m["overdue"]} == {
        "ACUTE", "COMM", "MH", "CCG", "YOS", "HOU", "NSPCC", "CAFCASS", "AMB", "ASC", "PH"}
    os.environ["LIFKIT_TODAY"] = TODAY

    # chase: a reminder to every member whose return is outstanding or invalid
    chased = ws("chase", reference, "--json")
    assert chased.exit_code == 0, chased.output
    drafts = {d["agency"]: d for d in json.loads(chased.stdout)}
    assert set(drafts) == {"ACUTE", "COMM", "MH", "CCG", "YOS", "HOU", "NSPCC", "CAFCASS", "AMB", "ASC", "PH"}
    assert drafts["HOU"]["reason"] == "invalid" and drafts["YOS"]["reason"] == "outstanding"
    assert {d["new_date"] for d in drafts.values()} == {"2026-11-30"}  # 3 days on is a Saturday: the Monday
    reminder = email.message_from_bytes(Path(drafts["YOS"]["draft"]).read_bytes(), policy=default)
    assert "reminder: reply by 30/11/2026" in reminder["Subject"]
    assert "was due on 02/12/2026" in reminder.get_content()
    journal = [json.loads(line) for line in (folder / "journal.jsonl").read_text().splitlines()]
    assert sum(1 for e in journal if e["event"] == "chased") == 11
    assert json.loads(ws("status", reference, "--json").stdout)[0]["members"][5]["chased"] in (0, 1)

    # the register follows
    from lifkit.register.workbook import open_register

    row = open_register(root / "register.xlsx").find(reference)
    assert row["CIGINF1 returned"] == "4 of 15"
    assert row["Status"] == "Awaiting returns"


def test_drafts_parse_with_a_second_mime_tool(opened, tmp_path: Path):
    ws, root, reference = opened
    assert ws("request", reference, "--agency", "POL").exit_code == 0
    munpack = require_tool("munpack")
    outbox = root / "cases" / reference / "outbox"
    out = tmp_path / "unpacked"
    out.mkdir()
    subprocess.run([munpack, "-q", "-C", str(out), str(outbox / f"request-{reference}-POL.eml")], check=True,
                   capture_output=True)
    unpacked = out / f"CIGINF1-{reference}-POL.pdf"
    assert unpacked.read_bytes() == (outbox / f"CIGINF1-{reference}-POL.pdf").read_bytes()


# --- hostile attachments ----------------------------------------------------------------------


def raw_reply(sender: str, name: str, data: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["Subject"] = "RE: request"
    message.set_content("attached")
    message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes()


@pytest.mark.parametrize("name", ["../../x.pdf", "..\\..\\x.pdf", "CON.pdf", "a" * 300 + ".pdf", "/etc/passwd",
                                  "nul", "x\x00y.pdf", "."])
def test_hostile_names_stay_in_the_case_folder(opened, tmp_path: Path, name: str):
    ws, root, reference = opened
    message = tmp_path / "hostile.eml"
    message.write_bytes(raw_reply(member_email("POL"), name, b"%PDF-1.4 not really"))
    case_dir = root / "cases" / reference
    register_files = root / ".backups"
    dashboard = root / "dashboard"  # made again from the case folders after the step (no names in it)

    def outside() -> set[Path]:
        return {p for p in tmp_path.parent.rglob("*")
                if case_dir not in p.parents and register_files not in p.parents and p != register_files
                and dashboard not in p.parents and p != dashboard}

    before = outside()
    result = ws("collect", reference, message, "--json")
    assert "Traceback" not in result.output
    assert outside() - before == set(), "something was written outside the case folder"
    written = [p for p in (root / "cases" / reference).rglob("*") if p.is_file()]
    assert all(len(p.name) <= 130 for p in written)
    assert not any(p.name.split(".")[0].upper() in ("CON", "NUL") for p in written)


def test_an_oversized_attachment_is_refused(opened, tmp_path: Path):
    ws, root, reference = opened
    message = tmp_path / "big.eml"
    message.write_bytes(raw_reply(member_email("POL"), "huge.pdf", b"%PDF" + b"0" * (200 * 1024 * 1024)))
    result = ws("collect", reference, message)
    assert result.exit_code in (1, 2)
    assert "MB" in result.output and ("larger than" in result.output)
    assert not list((root / "cases" / reference).rglob("huge.pdf"))


def test_a_zip_bomb_docx_is_reported(opened, tmp_path: Path):
    import zipfile

    ws, root, reference = opened
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (300 * 1024 * 1024) + b"</w:document>")
    message = tmp_path / "bomb.eml"
    message.write_bytes(raw_reply(member_email("POL"), "bomb.docx", bomb.read_bytes()))
    result = ws("collect", reference, message)
    assert result.exit_code == 1, result.output
    assert "no lifkit form in it" in result.output


def test_winmail_dat_is_reported(opened, tmp_path: Path):
    ws, root, reference = opened
    message = EmailMessage()
    message["From"] = member_email("POL")
    message["Subject"] = "RE: request"
    message.set_content("attached")
    message.add_attachment(b"\x78\x9f\x3e\x22junk", maintype="application", subtype="ms-tnef", filename="winmail.dat")
    path = tmp_path / "tnef.eml"
    path.write_bytes(message.as_bytes())
    result = ws("collect", reference, path)
    assert result.exit_code == 1
    assert "winmail.dat (TNEF)" in result.output


def test_msg_without_the_extra_says_how_to_install_it(opened, tmp_path: Path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_extract_msg(name, *args, **kwargs):
        if name == "extract_msg":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_extract_msg)
    ws, root, reference = opened
    msg = tmp_path / "reply.msg"
    msg.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    result = ws("collect", reference, msg)
    assert result.exit_code == 1
    assert 'pip install "lifkit[msg]"' in result.output


def test_a_different_meeting_needs_move_meeting_and_odd_days_are_warned(opened, tmp_path: Path):
    ws, root, reference = opened  # notified 02/11/2026: the SCR decision is due 02/12/2026; today 25/11/2026
    folder = root / "cases" / reference
    first = ws("request", reference, "--meeting", "30/11/2026", "--agency", "POL", "--agency", "CSC")
    assert first.exit_code == 0, first.output
    pol = fill_pdf(folder / "outbox" / f"CIGINF1-{reference}-POL.pdf", CIGINF1_VALUES, tmp_path / "pol.pdf")
    assert ws("collect", reference, pol).exit_code == 0

    journal, case_file = folder / "journal.jsonl", folder / "case.yaml"
    before = (journal.read_bytes(), case_file.read_bytes())
    refused = ws("request", reference, "--meeting", "26/12/2026", "--agency", "EDU")
    assert refused.exit_code == 2, refused.output
    assert (f"{reference}'s CIEC meeting is on 30/11/2026 (CSC, POL were told); 26/12/2026 is a different date"
            in refused.stderr)
    assert "--move-meeting" in refused.stderr
    assert (journal.read_bytes(), case_file.read_bytes()) == before
    assert not list((folder / "outbox").glob(f"*-{reference}-EDU.*"))

    moved = ws("request", reference, "--meeting", "26/12/2026", "--agency", "EDU", "--move-meeting", "--json")
    assert moved.exit_code == 1, moved.output
    assert ("The CIEC meeting on 26/12/2026 is not a working day (Boxing Day, a bank holiday; a Saturday)"
            in moved.stderr)
    assert "The CIEC meeting on 26/12/2026 is after the SCR decision is due (02/12/2026)" in moved.stderr
    result = json.loads(moved.stdout)
    assert result["moved_from"] == "2026-11-30" and result["meeting_date"] == "2026-12-26"
    assert [r["agency"] for r in result["issued"]] == ["EDU"]
    assert sorted(Path(p).name for p in result["move_notes"]) == [f"meeting-moved-{reference}-CSC.eml",
                                                                  f"meeting-moved-{reference}-POL.eml"]
    csc = email.message_from_bytes((folder / "outbox" / f"meeting-moved-{reference}-CSC.eml").read_bytes(),
                                   policy=default)
    assert csc["To"] == member_email("CSC")
    assert "has moved from 30/11/2026 to 26/12/2026" in csc.get_content()
    assert "by 02/12/2026" in csc.get_content()  # 7 days after its request, now sooner than the meeting
    pol_note = email.message_from_bytes((folder / "outbox" / f"meeting-moved-{reference}-POL.eml").read_bytes(),
                                        policy=default).get_content()
    assert "has been received" in pol_note
    members = {m["code"]: m for m in json.loads(ws("status", reference, "--json").stdout)[0]["members"]}
    assert members["CSC"]["due"] == "2026-12-02" and members["EDU"]["due"] == "2026-12-02"
    assert "meeting_date: '2026-12-26'" in case_file.read_text(encoding="utf-8") or \
        "meeting_date: 2026-12-26" in case_file.read_text(encoding="utf-8")

    # moving only: no requests issued, the notes drafted again for the new date
    only = ws("request", reference, "--meeting", "01/12/2026", "--move-meeting")
    assert only.exit_code == 0, only.output
    assert "moved from 26/12/2026 to 01/12/2026; 3 notes" in only.stdout
    assert "--move-meeting needs --meeting" in ws("request", reference, "--move-meeting").stderr


def test_chase_and_reminder_dates_fall_on_working_days(opened, tmp_path: Path):
    ws, root, reference = opened
    assert ws("request", reference, "--meeting", "01/12/2026", "--agency", "POL").exit_code == 0
    # today is Wednesday 25/11/2026: three days on is a Saturday, so the reminder asks for Monday 30/11
    chased = ws("chase", reference, "--json")
    assert chased.exit_code == 0, chased.output
    assert [d["new_date"] for d in json.loads(chased.stdout)] == ["2026-11-30"]
    refused = ws("chase", reference, "--by", "28/12/2026")
    assert refused.exit_code == 2
    assert "28/12/2026 is not a working day (Boxing Day (observed))" in refused.stderr
    assert "such as 29/12/2026" in refused.stderr


def test_an_empty_file_is_empty_never_already_filed_and_names_follow_lifkit_today(opened, tmp_path: Path):
    ws, root, reference = opened
    folder = root / "cases" / reference
    assert ws("request", reference, "--meeting", "01/12/2026", "--agency", "POL").exit_code == 0
    empty_mail, empty_form = tmp_path / "empty.eml", tmp_path / "empty.pdf"
    empty_mail.write_bytes(b"")
    empty_form.write_bytes(b"")
    before = (folder / "journal.jsonl").read_bytes()
    for path in (empty_mail, empty_form, empty_mail):
        result = ws("collect", reference, path)
        assert f"{path.name}: empty (0 bytes); nothing to file" in result.output
        assert "already filed" not in result.output
    assert (folder / "journal.jsonl").read_bytes() == before

    filled = fill_pdf(folder / "outbox" / f"CIGINF1-{reference}-POL.pdf", CIGINF1_VALUES, tmp_path / "pol.pdf")
    assert ws("collect", reference, filled).exit_code == 0
    again = ws("collect", reference, filled)
    assert "already filed on 25/11/2026" in again.output  # LIFKIT_TODAY, whatever the clock says
    assert [p.name[:9] for p in (folder / "inbox").iterdir() if p.name[0].isdigit()] == ["20261125-"]
    stored = [p.name for p in (folder / "returns" / "POL").iterdir()]
    assert stored and all(name.startswith("20261125-") for name in stored)
