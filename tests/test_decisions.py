"""Decisions, CIGSUM1, notices, overdue and the year's report: cases walked through every path."""

from __future__ import annotations

import datetime as dt
import email
import json
import os
import re
import zipfile
from email.policy import default
from pathlib import Path

import pytest

from conftest import TODAY, Lifkit, require_tool
from returns import CIGINF1_VALUES, CIGSCR1_VALUES, blank_form, fill_pdf



pytestmark = pytest.mark.usefixtures("fixed_today")


@pytest.fixture
def ws(workspace: Path) -> Lifkit:
    settings = workspace / "lifkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + '\n[notifications]\nofsted = "enquiries@ofsted.example"\n'
                        'panel = "panel@national-panel.example"\n', encoding="utf-8")
    return Lifkit(workspace)


def open_case(ws: Lifkit, tmp_path: Path, notified: str = "02/11/2026", **changes) -> str:
    """A case opened from a referral, requests to POL and CSC, and POL's return collected."""
    blank = tmp_path / "blank-cigscr1.pdf"
    if not blank.exists():
        blank_form(ws, blank, "cigscr1")
    values = {**CIGSCR1_VALUES, "significant_people_2_name": "Fictional Sibling",
              "significant_people_2_dob": "05/06/2018", "significant_people_2_relationship": "brother", **changes}
    form = fill_pdf(blank, values, tmp_path / f"referral-{len(list(tmp_path.iterdir()))}.pdf")
    opened = ws("referral", "open", form, "--notified", notified, "--new-case", "--json")  # one child, many cases
    assert opened.exit_code == 0, opened.output
    reference = json.loads(opened.stdout)["reference"]
    requested = ws("request", reference, "--meeting", "04/12/2026", "--agency", "POL", "--agency", "CSC")
    # recorded; a warning when the meeting is after the decision is due (notified before 04/11/2026)
    late = dt.datetime.strptime(notified, "%d/%m/%Y").date() < dt.date(2026, 11, 4)
    assert requested.exit_code == (1 if late else 0), requested.output
    outbox = ws.workspace / "cases" / reference / "outbox"
    filled = fill_pdf(outbox / f"CIGINF1-{reference}-POL.pdf", CIGINF1_VALUES, tmp_path / f"{reference}-POL.pdf")
    assert ws("collect", reference, filled).exit_code == 0
    return reference


def summary_text(ws: Lifkit, reference: str) -> str:
    import docx

    document = docx.Document(ws.workspace / "cases" / reference / f"CIGSUM1-{reference}.docx")
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def register_row(ws: Lifkit, reference: str) -> dict:
    from lifkit.register.workbook import open_register

    return open_register(ws.workspace / "register.xlsx").find(reference)


def decisions_rows(ws: Lifkit, reference: str) -> list[dict]:
    from lifkit.register.workbook import open_register

    return [r for r in open_register(ws.workspace / "register.xlsx").decisions() if r.get("Case ref") == reference]


def journal_events(ws: Lifkit, reference: str) -> list[str]:
    path = ws.workspace / "cases" / reference / "journal.jsonl"
    return [json.loads(line)["event"] for line in path.read_text(encoding="utf-8").splitlines()]


def draft(ws: Lifkit, reference: str, kind: str):
    path = ws.workspace / "cases" / reference / "outbox" / f"notice-{kind}-{reference}.eml"
    return path, email.message_from_bytes(path.read_bytes(), policy=default)


# --- the paths ----------------------------------------------------------------------------------


def test_scr_started(ws, tmp_path):
    reference = open_case(ws, tmp_path)
    result = ws("decide", reference, "--ciec", "scr", "--rationale", "Neglect suspected; agencies did not share "
                "concerns.", "--criterion", "a=met", "--criterion", "b_i=met", "--criterion", "b_ii=unclear")
    assert result.exit_code == 0, result.output
    result = ws("decide", reference, "--chair", "affirmed", "--decision", "SCR", "--rationale", "The criteria are met.",
                "--reviewer", "Fictional Reviewer One", "--reviewer", "Fictional Reviewer Two", "--json")
    assert result.exit_code == 0, result.output
    assert [Path(p).name for p in json.loads(result.stdout)["notices"]] == [
        f"notice-referrer-{reference}.eml", f"notice-ofsted-{reference}.eml", f"notice-panel-{reference}.eml"]

    row = register_row(ws, reference)
    assert row["CIEC recommendation"] == "SCR" and row["Decision"] == "SCR"
    assert row["Chair's response"] == "Affirmed" and row["Within one month"] == "Yes"
    assert row["Reviewer(s)"] == "Fictional Reviewer One, Fictional Reviewer Two"
    assert row["Status"] == "Decided: SCR; notifications due"
    rows = decisions_rows(ws, reference)
    assert [(r["By"], r["Decision"]) for r in rows] == [("CIEC", "SCR"), ("Independent Chair", "SCR (affirmed)")]
    assert rows[1]["Recorded by"] == "Jordan Avery"

    _, panel = draft(ws, reference, "panel")
    assert panel["X-Unsent"] == "1" and panel["To"] == "panel@national-panel.example"
    assert panel["Subject"] == f"Serious Case Review notification \u2014 {reference}"
    assert "Reviewer(s) appointed: Fictional Reviewer One, Fictional Reviewer Two." in panel.get_content()
    text = summary_text(ws, reference)
    assert "Neglect suspected; agencies did not share concerns." in text
    assert "(a) Abuse or neglect of a child is known or suspected | Yes | met" in text
    assert "Fictional Reviewer One, Fictional Reviewer Two" in text

    for notice in ("ofsted", "referrer", "panel"):
        assert ws("notified", reference, notice, "--on", "25/11/2026").exit_code == 0
    row = register_row(ws, reference)
    assert row["Ofsted notified"].isoformat() == TODAY and row["Referrer notified"].isoformat() == TODAY
    assert row["Status"] == "Decided: SCR; notifications sent"
    assert "Ofsted notified | 25/11/2026" in summary_text(ws, reference)
    assert journal_events(ws, reference)[-1] == "decision rows written" or "notified" in journal_events(ws, reference)


def test_another_review_after_a_challenge(ws, tmp_path):
    reference = open_case(ws, tmp_path)
    assert ws("decide", reference, "--ciec", "MA Concise Review", "--rationale", "Learning for two agencies.").exit_code == 0
    result = ws("decide", reference, "--chair", "challenged", "--decision", "Individual Agency Review",
                "--rationale", "One agency's practice is the concern.")
    assert result.exit_code == 0, result.output
    row = register_row(ws, reference)
    assert row["Decision"] == "Individual Agency Review" and row["Chair's response"] == "Challenged"
    assert row["National Panel due"].isoformat() == "2026-12-09"  # 14 days after the decision
    text = summary_text(ws, reference)
    assert "Response to the recommendation | Challenged" in text
    assert "Decision | Individual Agency Review" in text


def test_no_review_and_an_anonymised_panel_notice(ws, tmp_path):
    reference = open_case(ws, tmp_path, child_name="Fictional Childname Zedd")
    case_dir = ws.workspace / "cases" / reference
    assert ws("decide", reference, "--ciec", "Review not initiated", "--rationale",
              "Fictional Childname Zedd died of natural causes; no concern about agencies.",
              "--allow-names").exit_code == 0
    # a name allowed in the rationale never stops the anonymised notice the decision drafts
    result = ws("decide", reference, "--chair", "affirmed", "--decision", "Review not initiated", "--rationale",
                "Natural causes, per the post-mortem for Fictional Childname Zedd (born 04/03/2015).",
                "--relationship", "none alleged", "--criminal-investigation", "no", "--allow-names")
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output
    path, panel = draft(ws, reference, "panel")
    body = panel.get_content()
    assert "decided not to initiate a Serious Case Review" in body
    assert "Ages of the children: the child, aged 11 years; brother, aged 8 years." in body
    assert "Agencies involved with the child or family: Police (Public Protection Unit)." in body
    assert "Criminal investigation: no." in body
    # none of the names, dates of birth or addresses in the case folder, anywhere in the .eml
    import yaml

    case = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    people = [*case["subjects"], *case["significant_people"]]
    needles = set()
    for person in people:
        needles.update(part for part in person["name"].split() if len(part) > 2)
        if person.get("dob"):
            dob = person["dob"]
            needles.update({dob.strftime("%d/%m/%Y"), dob.isoformat()})
        if person.get("address"):
            needles.add(person["address"])
    returns = json.loads((case_dir / "returns" / "POL.json").read_text())["submissions"][-1]["values"]
    needles.update({returns["completed_name"], CIGSCR1_VALUES["lead_name"], "PC Fictional"})
    whole = path.read_bytes().decode("utf-8", "replace") + "\n" + panel.as_string() + "\n" + body
    for needle in needles:
        assert needle.lower() not in whole.lower(), needle
    assert "[removed]" in body


def test_further_information_then_a_second_meeting(ws, tmp_path):
    reference = open_case(ws, tmp_path)
    result = ws("decide", reference, "--further-info", "--next-meeting", "08/01/2027", "--rationale",
                "The health chronology is missing.")
    assert result.exit_code == 0, result.output
    import yaml

    case = yaml.safe_load((ws.workspace / "cases" / reference / "case.yaml").read_text(encoding="utf-8"))
    assert str(case["meeting_date"]) == "2027-01-08"
    row = register_row(ws, reference)
    assert row["Status"] == "Further information; next meeting 08/01/2027"
    assert row["CIEC meeting date"].isoformat() == "2027-01-08"
    assert ws("decide", reference, "--ciec", "Critical Case Review", "--rationale", "Now clear.",
              "--meeting", "08/01/2027").exit_code == 0
    assert ws("decide", reference, "--chair", "affirmed", "--decision", "Critical Case Review",
              "--rationale", "Agreed.").exit_code == 0
    assert [r["By"] for r in decisions_rows(ws, reference)] == ["CIEC", "CIEC", "Independent Chair"]
    text = summary_text(ws, reference)
    assert "The health chronology is missing. (next meeting 08/01/2027)" in text
    assert "CIEC meeting date(s) | 04/12/2026, 08/01/2027" in text


# --- the rules ----------------------------------------------------------------------------------


def test_the_chair_decides_on_a_recommendation(ws, tmp_path):
    reference = open_case(ws, tmp_path)
    result = ws("decide", reference, "--chair", "affirmed", "--decision", "SCR", "--rationale", "x")
    assert result.exit_code == 2
    assert "has no CIEC recommendation yet" in result.stderr


def test_a_decided_case_is_amended_not_overwritten(ws, tmp_path):
    reference = open_case(ws, tmp_path)
    ws("decide", reference, "--ciec", "SCR", "--rationale", "First view.")
    again = ws("decide", reference, "--ciec", "MA Concise Review", "--rationale", "Second view.")
    assert again.exit_code == 2 and "--amend" in again.stderr
    ws("decide", reference, "--chair", "affirmed", "--decision", "SCR", "--rationale", "Agreed.")
    twice = ws("decide", reference, "--chair", "challenged", "--decision", "MA Concise Review", "--rationale", "y")
    assert twice.exit_code == 2 and "was already decided (SCR)" in twice.stderr
    amended = ws("decide", reference, "--chair", "challenged", "--decision", "MA Concise Review", "--rationale",
                 "New information from health.", "--amend", "Post-mortem results received")
    assert amended.exit_code == 0, amended.output
    rows = decisions_rows(ws, reference)
    assert [r["Decision"] for r in rows] == ["SCR", "SCR (affirmed)", "MA Concise Review (challenged) (amended)"]
    assert "[Amended: Post-mortem results received]" in rows[-1]["Rationale"]
    assert register_row(ws, reference)["Decision"] == "MA Concise Review"
    assert "Independent Chair's decision changed from SCR: Post-mortem results received" in summary_text(ws, reference)
    assert journal_events(ws, reference).count("decided") == 2


def test_affirmed_must_match_the_recommendation(ws, tmp_path):
    reference = open_case(ws, tmp_path)
    ws("decide", reference, "--ciec", "SCR", "--rationale", "x")
    result = ws("decide", reference, "--chair", "affirmed", "--decision", "MA Concise Review", "--rationale", "y")
    assert result.exit_code == 2 and "Use --chair challenged" in result.stderr


def test_unknown_recommendation(ws, tmp_path):
    reference = open_case(ws, tmp_path)
    result = ws("decide", reference, "--ciec", "Big review", "--rationale", "x")
    assert result.exit_code == 2
    assert "Use one of: SCR; Critical Case Review; MA Concise Review" in result.stderr


def test_a_register_open_in_excel_loses_no_decision(ws, tmp_path):
    reference = open_case(ws, tmp_path)
    owner = ws.workspace / "~$register.xlsx"
    owner.write_bytes(b"\x0bJordan Avery" + b" " * 42)
    result = ws("decide", reference, "--ciec", "SCR", "--rationale", "Recorded while Excel had the register open.")
    assert result.exit_code == 1
    assert "The register was not updated" in result.stderr and "lifkit register sync" in result.stderr
    owner.unlink()
    assert decisions_rows(ws, reference) == []
    synced = ws("register", "sync")
    assert synced.exit_code == 0, synced.output
    rows = decisions_rows(ws, reference)
    assert [r["Rationale"] for r in rows] == ["Recorded while Excel had the register open."]
    assert register_row(ws, reference)["CIEC recommendation"] == "SCR"
    assert ws("register", "sync").exit_code == 0
    assert len(decisions_rows(ws, reference)) == 1  # written once, never twice


# --- overdue ------------------------------------------------------------------------------------


def overdue_at(ws: Lifkit, day: str) -> tuple[int, list[dict]]:
    os.environ["LIFKIT_TODAY"] = day
    try:
        result = ws("overdue", "--json")
    finally:
        os.environ["LIFKIT_TODAY"] = TODAY
    return result.exit_code, json.loads(result.stdout)


def test_overdue_around_each_deadline(ws, tmp_path):
    reference = open_case(ws, tmp_path, notified="20/11/2026")  # decision due 20/12/2026; returns due 02/12/2026
    status, items = overdue_at(ws, "2026-11-30")
    assert status == 0 and items == []
    status, items = overdue_at(ws, "2026-12-03")  # CSC's return is a day late
    assert status == 1
    assert [(i["what"], i["late"]) for i in items] == [("CIGINF1 return from CSC", True)]
    status, items = overdue_at(ws, "2026-12-13")  # decision due in 7 days
    assert ("SCR decision (one month from notification)", False, 7) in [(i["what"], i["late"], i["days"]) for i in items]
    status, items = overdue_at(ws, "2026-12-21")  # decision late
    assert ("SCR decision (one month from notification)", True, -1) in [(i["what"], i["late"], i["days"]) for i in items]

    ws("decide", reference, "--ciec", "Review not initiated", "--rationale", "x")
    ws("decide", reference, "--chair", "affirmed", "--decision", "Review not initiated", "--rationale", "y")
    status, items = overdue_at(ws, TODAY)  # decided today: Ofsted due today, panel in 14 days
    whats = {i["what"]: i for i in items}
    assert whats["Ofsted notification (straight after the decision)"]["late"] is False
    assert "National Panel notice (14 days after the decision)" not in whats
    assert status == 0
    status, items = overdue_at(ws, "2026-12-03")
    whats = {i["what"]: i for i in items}
    assert whats["Ofsted notification (straight after the decision)"]["late"] is True
    assert whats["National Panel notice (14 days after the decision)"]["days"] == 6
    status, items = overdue_at(ws, "2026-12-10")
    assert {i["what"]: i for i in items}["National Panel notice (14 days after the decision)"]["late"] is True
    assert status == 1
    for notice in ("ofsted", "panel", "referrer"):
        ws("notified", reference, notice, "--on", TODAY)
    assert overdue_at(ws, "2026-12-10") == (0, [])


# --- the year's report --------------------------------------------------------------------------


def test_year_report(ws, tmp_path):
    first = open_case(ws, tmp_path, notified="02/11/2026")
    second = open_case(ws, tmp_path, notified="10/11/2026", referral_route="Strategy meeting",
                       agency_review_date="", agency_reviewed_with="")
    open_case(ws, tmp_path, notified="15/11/2026")
    ws("decide", first, "--ciec", "SCR", "--rationale", "x")
    ws("decide", first, "--chair", "affirmed", "--decision", "SCR", "--rationale", "y")
    ws("decide", second, "--ciec", "SCR", "--rationale", "x")
    ws("decide", second, "--chair", "challenged", "--decision", "MA Concise Review", "--rationale", "y")
    out = tmp_path / "report-2026.xlsx"
    result = ws("report", "--year", "2026", "-o", out, "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["cases"] == 3 and figures["decided"] == 2 and figures["challenged"] == 1
    assert figures["by_route"] == {"Agency": 2, "Strategy meeting": 1}
    assert figures["by_decision"] == {"SCR": 1, "MA Concise Review": 1, "none yet": 1}
    assert figures["days_to_decision"] == [23, 15] and figures["share_within_one_month"] == 1.0
    charts = [n for n in zipfile.ZipFile(out).namelist() if re.match(r"xl/charts/chart\d+\.xml", n)]
    assert len(charts) == 5
    text = ws("report", "--year", "2026").stdout
    assert "Cases referred" in text and re.search(r"Decided within one month +2 \(100%\)", text)

    import subprocess

    soffice = require_tool("soffice")
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path / "pdf"), str(out)], check=True, capture_output=True, timeout=180)
    assert (tmp_path / "pdf" / "report-2026.pdf").stat().st_size > 1000


def test_the_year_report_counts_the_process_reporting_year(ws, tmp_path):
    """A board whose year runs from April (a SAB's financial year): `--year 2025` is April 2025 to March
    2026, so a case notified in February 2026 is in 2025/26 and one of November 2026 in 2026/27."""
    from importlib import resources

    text = resources.files("lifkit.processes").joinpath("lscb-2016.yaml").read_text(encoding="utf-8")
    (ws.workspace / "process.yaml").write_text(text.replace("\nterms:\n", "\nreporting_year_starts: 4\nterms:\n", 1),
                                               encoding="utf-8")
    assert ws("config", "check").exit_code == 0
    open_case(ws, tmp_path, notified="10/02/2026")
    open_case(ws, tmp_path, notified="31/03/2026")
    open_case(ws, tmp_path, notified="01/04/2026")
    open_case(ws, tmp_path, notified="02/11/2026")
    counts = {year: json.loads(ws("report", "--year", str(year), "--json").stdout) for year in (2025, 2026)}
    assert (counts[2025]["cases"], counts[2026]["cases"]) == (2, 2)
    assert (counts[2025]["name"], counts[2025]["period"]) == ("2025/26", "01/04/2025 to 31/03/2026")
    shown = ws("report", "--year", "2026").stdout
    assert re.search(r"Figure +2026/27", shown) and re.search(r"Cases referred +2\b", shown)
    out = tmp_path / "report.xlsx"
    assert ws("report", "--year", "2026", "-o", out).exit_code == 0
    import openpyxl

    summary = {row[0]: row[1] for row in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True)}
    assert summary["Year"] == "2026/27" and summary["Period"] == "01/04/2026 to 31/03/2027"
    # a process whose year is the calendar year is counted as before
    (ws.workspace / "process.yaml").unlink()
    assert json.loads(ws("report", "--year", "2026", "--json").stdout)["cases"] == 4


def test_a_notice_date_before_its_event_or_in_the_future_is_refused_and_a_change_needs_amend(ws, tmp_path,
                                                                                              monkeypatch):
    reference = open_case(ws, tmp_path)
    assert ws("decide", reference, "--ciec", "scr", "--rationale", "The criteria are met.").exit_code == 0
    assert ws("decide", reference, "--chair", "affirmed", "--decision", "SCR", "--rationale", "Affirmed.").exit_code == 0
    journal = ws.workspace / "cases" / reference / "journal.jsonl"
    before = journal.read_bytes()
    for day, words in (("01/01/2001", "01/01/2001 is before the SCR decision (25/11/2026)"),
                       ("24/11/2026", "24/11/2026 is before the SCR decision (25/11/2026)"),
                       ("26/11/2026", "26/11/2026 is in the future (today is 25/11/2026)")):
        refused = ws("notified", reference, "panel", "--on", day)
        assert refused.exit_code == 2, refused.output
        assert words in refused.stderr
    assert journal.read_bytes() == before
    assert ws("notified", reference, "ofsted", "--on", "25/11/2026").exit_code == 0

    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-27")
    before = journal.read_bytes()
    moved = ws("notified", reference, "ofsted", "--on", "26/11/2026")
    assert moved.exit_code == 2, moved.output
    assert "Ofsted was already recorded as told on 25/11/2026; 26/11/2026 is a different date" in moved.stderr
    assert "--amend" in moved.stderr
    assert journal.read_bytes() == before
    assert ws("notified", reference, "panel", "--on", "26/11/2026", "--amend", "x").exit_code == 2  # nothing to amend
    amended = ws("notified", reference, "ofsted", "--on", "26/11/2026", "--amend", "the email was sent a day late")
    assert amended.exit_code == 0, amended.output
    events = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    told = [e for e in events if e["event"] == "notified" and e["notice"] == "ofsted"]
    assert [(e["on"], e.get("amends"), e.get("replaces")) for e in told] == [
        ("2026-11-25", None, None), ("2026-11-26", "the email was sent a day late", "2026-11-25")]
    status = ws("status", reference)
    assert "sent 26/11/2026 (amended; first recorded as 25/11/2026)" in status.stdout
    assert register_row(ws, reference)["Ofsted notified"].isoformat() == "2026-11-26"


def test_a_name_typed_into_a_rationale_or_note_is_recorded_with_a_warning(ws, tmp_path, monkeypatch):
    reference = open_case(ws, tmp_path, child_name="Casey Zedd-Fictional")
    journal = ws.workspace / "cases" / reference / "journal.jsonl"
    warned = ws("decide", reference, "--recommend", "Review not initiated", "--rationale",
                "Casey died of natural causes (born 4 March 2015); no concern about agencies.")
    assert warned.exit_code == 1, warned.output
    message = warned.stderr
    assert ("--rationale holds a name and a date of birth or death of a person in case " + reference) in message
    assert "on the register (the Decisions sheet), in the case summary and in the journal" in message
    assert f"Prefer the case reference ({reference}) or a pseudonym" in message and "--allow-names" in message
    assert "Casey" not in message and "2015" not in message  # the warning never repeats what it found
    assert "recommended" in journal.read_text(encoding="utf-8")  # recorded all the same
    assert decisions_rows(ws, reference)[-1]["Rationale"].startswith("Casey died")
    # ordinary words and other dates are not a person's details
    plain = ws("decide", reference, "--chair", "affirmed", "--decision", "Review not initiated", "--rationale",
               "The child died of natural causes on the evidence of 04/03/2016; the figures rose.",
               "--relationship", "none alleged")
    assert plain.exit_code == 0, plain.output
    path, panel = draft(ws, reference, "panel")
    assert "Casey" not in panel.get_content()

    assert ws("notified", reference, "ofsted", "--on", "25/11/2026").exit_code == 0
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-26")
    amended = ws("notified", reference, "ofsted", "--on", "26/11/2026", "--amend", "Casey Zedd-Fictional's file")
    assert amended.exit_code == 1 and "--amend holds a name" in amended.stderr
    assert "will appear in the journal" in amended.stderr
    assert ws("notified", reference, "referrer", "--on", "26/11/2026").exit_code == 0
