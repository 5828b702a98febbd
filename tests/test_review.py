"""The review a decision commissions (issue 23): its stages are the process's, recorded by `lifkit review`,
refused when out of order, repeated, future or impossible (exit 2, nothing recorded), shown by status,
overdue, chase, the register and the year report. Every name here is fictional."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import Lifkit
from test_process import rr_workspace

DECIDED = dt.date(2026, 11, 4)  # a Wednesday


def _lcspr(root: Path) -> str:
    """A rapid-review case whose three partners signed off an LCSPR on DECIDED (no forms: the steps alone)."""
    from lifkit.case.folder import create_case
    from lifkit.case.workspace import open_workspace
    from lifkit.mechanics.dates import pretend_today
    from lifkit.steps.decisions import recommend, sign_off

    ws = open_workspace(root)
    with pretend_today(dt.date(2026, 10, 13)):
        case = create_case(ws, dt.date(2026, 10, 12), dt.date(2026, 10, 13),
                           [{"name": "Casey Example", "dob": dt.date(2026, 3, 2), "dod": None,
                             "address": "12 Sample Road, Testtown TE1 2AB"}], [], {"values": {}})
    with pretend_today(DECIDED):
        recommend(ws, case.reference, "LCSPR", "The agencies did not put the picture together (fictional).")
        for partner in ("LA", "ICB", "POL"):
            sign_off(ws, case.reference, partner, "A. Partner (fictional)")
    return case.reference


@pytest.fixture
def lscp(tmp_path, monkeypatch):
    root = rr_workspace(tmp_path / "lscp")
    reference = _lcspr(root)
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-25")
    return root, Lifkit(root), reference


def _journal(root: Path, reference: str) -> list[str]:
    return (root / "cases" / reference / "journal.jsonl").read_text(encoding="utf-8").splitlines()


def _stages(ws, reference) -> dict:
    return {s["id"]: s for s in json.loads(ws("review", reference, "--json").stdout)["review"]["stages"]}


def test_the_stages_come_from_the_process_with_their_clocks(lscp):
    root, ws, reference = lscp
    shown = ws("review", reference)
    assert shown.exit_code == 0, shown.output
    assert "Terms of reference agreed by the partners" in shown.output or "terms-of-reference" in shown.output
    stages = _stages(ws, reference)
    assert stages["terms_of_reference"]["due"] == "2026-12-04"  # 1 month from the decision
    assert stages["progress_check"]["due"] == "2027-01-04"  # 2 months
    assert stages["publication"]["due"] == "2027-05-04"  # not yet planned: 6 months from the decision
    assert stages["panel_copy"]["due"] == "2027-04-22"  # 7 working days before it
    assert stages["terms_of_reference"]["owner_label"] == "The three safeguarding partners"


def test_a_workspace_changes_a_stage_clock_with_no_code_changed(lscp):
    """The partners check the review every 3 months instead of 2: status shows the new due date."""
    root, ws, reference = lscp
    from importlib import resources

    text = resources.files("lifkit.processes").joinpath("rapid-review-2023.yaml").read_text(encoding="utf-8")
    old = "      start: decision\n      length: 2 months\n      every: 2 months\n"
    assert text.count(old) == 1
    (root / "process.yaml").write_text(text.replace(old, old.replace("2 months", "3 months")), encoding="utf-8")
    state = json.loads(ws("status", reference, "--json").stdout)[0]
    stages = {s["id"]: s for s in state["review_state"]["stages"]}
    assert stages["progress_check"]["due"] == "2027-02-04"
    assert ws("config", "check").exit_code == 0


def test_out_of_order_future_repeated_and_impossible_dates_are_refused_with_nothing_recorded(lscp, tmp_path):
    root, ws, reference = lscp
    tor = tmp_path / "terms.txt"
    tor.write_text("Terms of reference (fictional).\n", encoding="utf-8")
    before = _journal(root, reference)
    refusals = [
        ("review", reference, "--done", "family", "--outcome", "declined", "--note", "x"),  # before the reviewer
        ("review", reference, "--done", "terms-of-reference"),  # its document is needed
        ("review", reference, "--done", "terms-of-reference", "--file", tor, "--on", "26/11/2026"),  # future
        ("review", reference, "--done", "terms-of-reference", "--file", tor, "--on", "03/11/2026"),  # before decision
        ("review", reference, "--done", "publication"),  # before the copy to the Panel
        ("notified", reference, "publication"),  # the same record, the same refusal
        ("review", reference, "--done", "no-such-stage"),
        ("review", reference, "--plan-publication", "24/11/2026"),  # a plan is from today on
        ("review", reference, "--defer-publication", "  "),
    ]
    for args in refusals:
        result = ws(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    assert _journal(root, reference) == before
    assert not (root / "cases" / reference / "review").exists()

    assert ws("review", reference, "--done", "terms-of-reference", "--file", tor, "--on", "20/11/2026").exit_code == 0
    again = ws("review", reference, "--done", "terms-of-reference", "--file", tor, "--on", "21/11/2026")
    assert again.exit_code == 2 and "repeat" in again.output
    assert ws("review", reference, "--reviewer", "Alex Reviewer (fictional)", "--on", "19/11/2026").exit_code == 0
    # a stage that follows another cannot be dated before it
    early = ws("review", reference, "--done", "agency-reports-requested", "--on", "19/11/2026")
    assert early.exit_code == 2 and "before Terms of reference" in early.output
    # a date recorded wrongly is changed with --amend, kept beside the original
    amended = ws("review", reference, "--done", "terms-of-reference", "--on", "18/11/2026", "--amend", "typed wrongly")
    assert amended.exit_code == 0, amended.output
    stage = _stages(ws, reference)["terms_of_reference"]
    assert stage["done"] == "2026-11-18" and stage["occurrences"][0]["amended"][0]["was"] == "2026-11-20"
    filed = list((root / "cases" / reference / "review" / "terms-of-reference").iterdir())
    assert [f.name for f in filed] == [f"{reference}-terms-of-reference-1.txt"]  # a name lifkit makes, kept once


def test_recurring_stages_record_each_occurrence_and_draft_the_written_request(lscp):
    root, ws, reference = lscp
    assert ws("review", reference, "--reviewer", "Alex Reviewer (fictional)", "--email",
              "alex.reviewer@reviews.example", "--on", "10/11/2026").exit_code == 0
    for day in ("12/11/2026", "24/11/2026"):
        result = ws("review", reference, "--done", "panel-meeting", "--on", day)
        assert result.exit_code == 0, result.output
    assert ws("review", reference, "--done", "panel-meeting", "--on", "24/11/2026").exit_code == 2  # a repeat
    assert ws("review", reference, "--done", "panel-meeting", "--on", "20/11/2026").exit_code == 2  # out of order
    stages = _stages(ws, reference)
    assert [o["on"] for o in stages["panel_meeting"]["occurrences"]] == ["2026-11-12", "2026-11-24"]
    assert stages["panel_meeting"]["due"] == "2027-01-05"  # 42 days after the latest

    check = ws("review", reference, "--done", "progress-check", "--note", "Please send the review's timetable.")
    assert check.exit_code == 0, check.output
    draft = root / "cases" / reference / "outbox" / f"review-request-progress-check-{reference}.eml"
    from email import message_from_bytes

    message = message_from_bytes(draft.read_bytes())
    assert message["To"] == "alex.reviewer@reviews.example"
    assert "regulation 14" in message.get_payload(decode=True).decode("utf-8")
    assert _stages(ws, reference)["progress_check"]["due"] == "2027-01-25"  # 2 months after this check


def test_publication_planned_the_panel_copy_7_working_days_before_deferral_and_publication(lscp, tmp_path,
                                                                                           monkeypatch):
    root, ws, reference = lscp
    report = tmp_path / "final.txt"
    report.write_text("The final report of the review (fictional). It names nobody.\n", encoding="utf-8")
    steps = [("--done", "terms-of-reference", "--file", report, "--on", "20/11/2026"),
             ("--reviewer", "Alex Reviewer (fictional)", "--on", "20/11/2026"),
             ("--done", "agency-reports-requested", "--on", "21/11/2026"),
             ("--done", "agency-reports-returned", "--on", "23/11/2026"),
             ("--done", "practitioner-event", "--on", "24/11/2026"),
             ("--done", "draft-report", "--file", report, "--on", "24/11/2026"),
             ("--done", "final-report", "--file", report, "--on", "25/11/2026")]
    for args in steps:
        result = ws("review", reference, *args)
        assert result.exit_code == 0, (args, result.output)
    assert ws("review", reference, "--plan-publication", "02/12/2026").exit_code == 0
    # 25/11 is only 5 working days before 02/12: refused, saying the earliest publication the copy allows
    copy = ws("review", reference, "--done", "panel-copy", "--on", "25/11/2026")
    assert copy.exit_code == 2 and "04/12/2026" in copy.output, copy.output
    assert ws("notified", reference, "panel-report", "--on", "25/11/2026").exit_code == 2  # the same refusal
    # deferred during criminal proceedings, then planned again
    deferred = ws("review", reference, "--defer-publication", "Criminal proceedings (fictional)", "--until",
                  "01/02/2027")
    assert deferred.exit_code == 0, deferred.output
    assert ws("review", reference, "--done", "panel-copy", "--on", "25/11/2026").exit_code == 0
    state = json.loads(ws("status", reference, "--json").stdout)[0]
    assert state["review_state"]["deferred"]["reason"] == "Criminal proceedings (fictional)"
    assert state["notices"][-2]["sent"] == "2026-11-25"  # `notified` and `review --done` are one record
    assert ws("notified", reference, "panel-report", "--on", "25/11/2026").exit_code == 2  # a repeat
    assert ws("review", reference, "--plan-publication", "15/01/2027").exit_code == 2  # before the deferral's end
    assert ws("review", reference, "--plan-publication", "02/02/2027").exit_code == 0
    monkeypatch.setenv("LIFKIT_TODAY", "2027-02-02")
    published = ws("review", reference, "--done", "publication")
    assert published.exit_code == 0, published.output
    row = json.loads(ws("register", "show", reference, "--json").stdout)
    values = row.get("values", row)
    text = json.dumps(values)
    assert "2027-02-02" in text and "Criminal proceedings (fictional)" in text
    report_figures = json.loads(ws("report", "--year", "2026", "--json").stdout)
    assert report_figures["reviews_in_progress"] == 0 and report_figures["deferred"] == 1
    assert report_figures["months_to_publication"] == [3.0]


def test_a_published_copy_naming_the_child_is_refused_saying_where(lscp, tmp_path, monkeypatch):
    root, ws, reference = lscp
    naming = tmp_path / "report.txt"
    naming.write_text("Findings.\nCasey was seen by the health visitor.\n", encoding="utf-8")
    clean = tmp_path / "clean.txt"
    clean.write_text("Findings.\nChild C was seen by the health visitor.\n", encoding="utf-8")
    for args in (("--done", "terms-of-reference", "--file", clean, "--on", "10/11/2026"),
                 ("--reviewer", "Alex Reviewer (fictional)", "--on", "10/11/2026"),
                 ("--done", "agency-reports-requested", "--on", "11/11/2026"),
                 ("--done", "agency-reports-returned", "--on", "12/11/2026"),
                 ("--done", "practitioner-event", "--on", "13/11/2026"),
                 ("--done", "draft-report", "--file", naming, "--on", "13/11/2026")):
        assert ws("review", reference, *args).exit_code == 0, args
    flagged = ws("review", reference, "--done", "final-report", "--file", naming, "--on", "13/11/2026")
    assert flagged.exit_code == 1 and "line 2" in flagged.output  # the final report is flagged, with where
    assert "Casey" not in flagged.output  # never repeating what was found
    assert ws("review", reference, "--done", "panel-copy", "--on", "13/11/2026").exit_code == 0
    before = _journal(root, reference)
    refused = ws("review", reference, "--done", "publication", "--on", "25/11/2026")  # the final report names Casey
    assert refused.exit_code == 2 and "line 2" in refused.output
    assert _journal(root, reference) == before
    assert ws("review", reference, "--done", "publication", "--on", "25/11/2026", "--file", clean).exit_code == 0


def test_a_late_stage_is_overdue_and_chased_with_a_reminder_to_its_owner(lscp, monkeypatch):
    root, ws, reference = lscp
    monkeypatch.setenv("LIFKIT_TODAY", "2026-12-10")
    overdue = json.loads(ws("overdue", "--json").stdout)
    late = [i for i in overdue if i["reference"] == reference and i["late"]]
    assert any("Terms of reference" in i["what"] and "The three safeguarding partners" in i["what"] for i in late)
    assert ws("status", reference).exit_code == 1
    chased = ws("chase", reference, "--json")
    assert chased.exit_code == 0, chased.output
    drafts = [d for d in json.loads(chased.stdout) if d["reason"] == "stage late"]
    assert {d["agency"] for d in drafts} == {"terms-of-reference", "reviewer"}
    assert _stages(ws, reference)["terms_of_reference"]["chased"] == 1


def test_not_published_drafts_the_reason_to_the_panel(lscp):
    root, ws, reference = lscp
    result = ws("review", reference, "--not-publish", "Publication would harm Casey's sibling (fictional).")
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:  # no Panel address in lifkit.toml: said, and drafted anyway
        assert "[notifications]" in result.output
    draft = root / "cases" / reference / "outbox" / f"notice-not-published-{reference}.eml"
    from email import message_from_bytes

    body = message_from_bytes(draft.read_bytes()).get_payload(decode=True).decode("utf-8")
    assert "harm" in body and "Casey" not in body  # the Panel's copy names nobody
    assert ws("review", reference, "--not-publish", "again").exit_code == 2
    assert ws("review", reference, "--plan-publication", "01/03/2027").exit_code == 2
    assert _stages(ws, reference)["publication"]["ended"] is True


def test_the_process_file_review_mistakes_have_line_and_key(tmp_path):
    from importlib import resources

    from lifkit.case.process import ProcessError, load_process_file

    text = resources.files("lifkit.processes").joinpath("rapid-review-2023.yaml").read_text(encoding="utf-8")
    broken = (text.replace("      owner: business_manager\n      done: reviewer",
                           "      owner: nobody\n      done: reviewer")
              .replace("      start: stage:terms_of_reference\n      length: 10 working days",
                       "      start: stage:no_such\n      length: 10 working days"))
    path = tmp_path / "process.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ProcessError) as raised:
        load_process_file(path)
    problems = raised.value.problems
    assert any("review.stages[2].owner" in p and "'nobody'" in p and p.startswith("line ") for p in problems), problems
    assert any("review.stages[4].start" in p and "stage:no_such" in p for p in problems), problems


def test_an_scr_has_its_own_stages_and_its_decision_appointed_the_reviewer(workspace, monkeypatch):
    """lscb-2016's SCR: the stages are that process's; reviewers named on the chair's decision are the
    reviewer stage's record (lifkit review --reviewer is then a repeat); the copies a week before publication."""
    from lifkit.case.folder import create_case
    from lifkit.case.workspace import open_workspace
    from lifkit.mechanics.dates import pretend_today
    from lifkit.steps.decisions import chair_decide, recommend

    ws = open_workspace(workspace)
    with pretend_today(dt.date(2026, 11, 3)):
        case = create_case(ws, dt.date(2026, 11, 2), dt.date(2026, 11, 3), [{"name": "Casey Example"}], [],
                           {"values": {}})
    with pretend_today(dt.date(2026, 11, 20)):
        recommend(ws, case.reference, "SCR", "The criteria are met (fictional).")
        chair_decide(ws, case.reference, "affirmed", "SCR", "Agreed (fictional).", reviewers=["Fictional Reviewer"])
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-25")
    cli = Lifkit(workspace)
    stages = _stages(cli, case.reference)
    assert stages["reviewer"]["done"] == "2026-11-20" and stages["imrs_requested"]["label"].startswith("Individual")
    assert stages["publication"]["due"] == "2027-05-20"  # 6 months from the decision until a date is planned
    assert stages["copies_sent"]["due"] == "2027-05-13"  # a week before
    again = cli("review", case.reference, "--reviewer", "Fictional Reviewer", "--on", "21/11/2026")
    assert again.exit_code == 2 and "repeat" in again.output
    # the 2016 register keeps its columns; a board adds the review's (review_stage, planned:, stage:, deferred)
    from importlib import resources

    text = resources.files("lifkit.processes").joinpath("lscb-2016.yaml").read_text(encoding="utf-8")
    notes = '    - [notes, "Notes", text, 40]\n'
    own = text.replace(notes, notes + '    - [review_stage, "SCR stage", text, 30]\n'
                                      '    - [stage:publication, "SCR published", date, 13]\n')
    assert own != text
    (workspace / "process.yaml").write_text(own, encoding="utf-8")
    from lifkit.register.sync import case_row

    row = case_row(open_workspace(workspace), case.reference)
    assert row["review_stage"] == "At: Terms of reference agreed by the LSCB" and row["stage:publication"] == ""


def test_the_review_panel_pack_has_the_stage_table_and_the_documents_filed(lscp, tmp_path):
    import subprocess

    from conftest import require_tool
    from reportlab.pdfgen import canvas

    root, ws, reference = lscp
    terms = tmp_path / "terms.pdf"
    page = canvas.Canvas(str(terms))
    page.drawString(72, 760, "Terms of reference of the review (fictional)")
    page.showPage()
    page.drawString(72, 760, "Second page of the terms (fictional)")
    page.save()
    draft = tmp_path / "draft.docx"
    draft.write_bytes(b"PK not really a docx")  # listed, not merged
    assert ws("review", reference, "--done", "terms-of-reference", "--file", terms, "--on", "20/11/2026").exit_code == 0
    assert ws("review", reference, "--reviewer", "Alex Reviewer (fictional)", "--on", "20/11/2026").exit_code == 0
    for args in (("--done", "agency-reports-requested", "--on", "21/11/2026"),
                 ("--done", "agency-reports-returned", "--on", "22/11/2026"),
                 ("--done", "practitioner-event", "--on", "23/11/2026"),
                 ("--done", "draft-report", "--file", draft, "--on", "24/11/2026")):
        assert ws("review", reference, *args).exit_code == 0, args
    built = ws("review", reference, "--pack", "--meeting", "25/11/2026", "--json")
    assert built.exit_code == 1, built.output  # the Word draft is listed, not merged: said
    made = json.loads(built.stdout)
    assert made["pages"] >= 3 and made["documents"] == [f"{reference}-terms-of-reference-1.pdf"]
    text = subprocess.run([require_tool("pdftotext"), "-layout", made["file"], "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("LCSPR review panel pack", "Stages", "Terms of reference agreed by",
                     "Documents filed", "Second page of the terms (fictional)", "OFFICIAL-SENSITIVE"):
        assert expected in text, expected
    assert "Casey" not in text
    subprocess.run([require_tool("qpdf"), "--check", made["file"]], check=True, capture_output=True)


def test_two_shells_recording_the_same_stage_record_it_once(lscp):
    """The stage's checks and its record hold the case: two shells at once record it once, the other refused."""
    import os
    import subprocess
    import sys

    root, ws, reference = lscp
    env = {**os.environ, "LIFKIT_TODAY": "2026-11-25"}
    command = [sys.executable, "-m", "lifkit", "--workspace", str(root), "review", reference, "--reviewer",
               "Alex Reviewer (fictional)", "--on", "20/11/2026"]
    shells = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    codes = sorted(shell.wait(timeout=120) for shell in shells)
    assert codes == [0, 2]
    from lifkit.case.folder import journal

    done = [e for e in journal(root / "cases" / reference) if e["event"] == "stage done"]
    assert len(done) == 1 and len({e["id"] for e in journal(root / "cases" / reference)}) == len(
        journal(root / "cases" / reference))


ARC_VALUES = {"completed_name": "Pat Author (fictional)", "completed_role": "Safeguarding manager",
              "completed_email": "pat.author@agency.example", "completion_date": "25/11/2026",
              "services_involved": "The public protection unit (fictional)",
              "chronology_1_date": "02/02/2026", "chronology_1_event": "A call-out (fictional)",
              "chronology_1_practitioner": "Response officer", "chronology_1_outcome": "Referral made",
              "analysis": "What went well and what did not (fictional).", "learning": "Fictional learning.",
              "checked_by_name": "Safeguarding lead (fictional)", "signed_off_date": "25/11/2026"}


def test_the_agencies_reports_go_out_and_come_back_through_the_form_exchange(lscp, tmp_path, monkeypatch):
    """The stage that asks for the agencies' reports sends each its own form (ARC); lifkit collect files the
    returns under the review, validated; the stage of the returns is done when every one is in and valid;
    a late one is overdue and chased."""
    from returns import fill_pdf

    root, ws, reference = lscp
    tor = tmp_path / "terms.txt"
    tor.write_text("Terms of reference (fictional).\n", encoding="utf-8")
    assert ws("review", reference, "--done", "terms-of-reference", "--file", tor, "--on", "20/11/2026").exit_code == 0
    assert ws("review", reference, "--done", "agency-reports-requested", "--agency", "NOPE").exit_code == 2
    assert ws("review", reference, "--done", "practitioner-event", "--agency", "POL").exit_code == 2
    assert not list((root / "cases" / reference / "outbox").glob("ARC-*"))
    sent = ws("review", reference, "--done", "agency-reports-requested", "--agency", "POL", "--agency", "ICB")
    assert sent.exit_code == 0, sent.output
    outbox = root / "cases" / reference / "outbox"
    assert (outbox / f"review-form-agency-reports-requested-{reference}-POL.eml").is_file()
    pol = fill_pdf(outbox / f"ARC-{reference}-POL.pdf", ARC_VALUES, tmp_path / "arc-pol.pdf")
    icb_bad = fill_pdf(outbox / f"ARC-{reference}-ICB.pdf", {**ARC_VALUES, "analysis": ""}, tmp_path / "arc-icb.pdf")
    collected = ws("collect", reference, pol, icb_bad)
    assert collected.exit_code == 1 and "must be filled in" in collected.output, collected.output
    stages = _stages(ws, reference)
    assert stages["agency_reports_returned"]["done"] is None
    assert {r["agency"]: r["valid"] for r in stages["agency_reports_requested"]["reports"]} == {"POL": True,
                                                                                                "ICB": False}
    assert list((root / "cases" / reference / "review" / "agency-reports-requested").glob("POL/*/ARC-*-POL.pdf"))

    monkeypatch.setenv("LIFKIT_TODAY", "2027-01-04")  # ICB's is late: overdue, and chased
    overdue = json.loads(ws("overdue", "--json").stdout)
    assert any(i["what"].endswith("ICB's") and i["late"] for i in overdue)
    chased = [d for d in json.loads(ws("chase", reference, "--json").stdout) if d["reason"] == "report late"]
    assert [d["agency"] for d in chased] == ["ICB"]

    icb = fill_pdf(outbox / f"ARC-{reference}-ICB.pdf", ARC_VALUES, tmp_path / "arc-icb-2.pdf")
    assert ws("collect", reference, icb).exit_code == 0
    stages = _stages(ws, reference)
    assert "2026-11-25" <= stages["agency_reports_returned"]["done"] <= "2027-01-04"  # every report in and valid
    assert ws("review", reference, "--done", "agency-reports-returned").exit_code == 2  # already recorded
