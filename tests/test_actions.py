"""After the decision: the action plan (add, import), the agencies' update forms filled by pdftk and
collected, the Actions sheet, chase and overdue. Every name in them is fictional."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TODAY, Lifkit, require_tool
from returns import fill_pdf

pytestmark = pytest.mark.usefixtures("fixed_today")
REF = "CIEC-2026-001"  # opened on 02/11/2026; an SCR decided on 25/11/2026 (TODAY)

PLAN = """Recommendation,Recommendation text,Action,Agency,Lead,Due,Measure of impact
1,Bruising in non-mobile babies,Audit use of the bruising protocol,COMM,Named Nurse,31/03/2027,90% of audited cases follow the protocol
1,,Brief health visitors on the bruising guidance,COMM,Named Nurse,30/01/2027,All health visitors briefed
2,Information sharing across borders,Flag cross-border cases on the police system,POL,Safeguarding DI,15/12/2026,Flags on every open case
"""


@pytest.fixture
def ws(workspace: Path, tmp_path: Path) -> Lifkit:
    """A workspace whose case CIEC-2026-001 is decided: an SCR."""
    from test_decisions import open_case

    settings = workspace / "lifkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + '\n[notifications]\nofsted = "enquiries@ofsted.example"\n'
                        'panel = "panel@national-panel.example"\n', encoding="utf-8")
    ws = Lifkit(workspace)
    assert open_case(ws, tmp_path, child_name="Testchild Fictional") == REF
    assert ws("decide", REF, "--ciec", "scr", "--rationale", "The criteria are met.").exit_code == 0
    assert ws("decide", REF, "--chair", "affirmed", "--decision", "SCR", "--rationale", "Affirmed.",
              "--reviewer", "Fictional Reviewer").exit_code == 0
    return ws


def actions_sheet(ws: Lifkit) -> dict[str, dict]:
    import openpyxl

    sheet = openpyxl.load_workbook(ws.workspace / "register.xlsx")["Actions"]
    rows = list(sheet.iter_rows(values_only=True))
    return {row[0]: dict(zip(rows[0], row)) for row in rows[1:] if row[0]}


def journal(ws: Lifkit, ref: str = REF) -> list[dict]:
    path = ws.workspace / "cases" / ref / "journal.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_import_reports_every_bad_row_and_records_nothing(ws, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Recommendation,Action,Agency,Lead,Due,Measure of impact\n"
                   "1,Brief,COMM,Named Nurse,30/01/2026,All briefed\n"
                   "two,,ZZZ,Lead,soon,\n", encoding="utf-8")
    before = journal(ws)
    result = ws("actions", "import", REF, bad)
    assert result.exit_code == 2
    message = result.stderr
    assert "row 2, column 'Due' (E): 30/01/2026 is before the decision (25/11/2026)" in message
    assert "row 3, column 'Recommendation' (A): 'two' is not a recommendation's number" in message
    assert "row 3, column 'Agency' (C): ZZZ is not a member agency" in message
    assert "row 3, column 'Due' (E): 'soon' is not a date" in message
    assert "row 3, column 'Measure of impact' (F): must be filled in" in message
    assert "nothing was recorded" in message
    assert journal(ws) == before
    assert actions_sheet(ws) == {}
    assert (ws.workspace / "action-plan-template.xlsx").is_file()


def test_an_action_needs_a_decision_to_review(ws, tmp_path):
    from test_decisions import open_case

    assert open_case(ws, tmp_path) == "CIEC-2026-002"
    result = ws("actions", "add", "CIEC-2026-002", "--recommendation", "1", "--action", "x", "--agency", "POL",
                "--lead", "y", "--due", "01/02/2027", "--measure", "z")
    assert result.exit_code == 2
    assert "CIEC-2026-002 has no SCR decision yet" in result.stderr


def test_the_cycle_from_plan_to_updates(ws, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN, encoding="utf-8")
    imported = ws("actions", "import", REF, plan, "--json")
    assert imported.exit_code == 0, imported.output
    added = json.loads(imported.stdout)
    assert [a["id"] for a in added["actions"]] == ["A1", "A2", "A3"]
    assert added["actions"][1]["recommendation_text"] == "Bruising in non-mobile babies"
    event = next(e for e in journal(ws) if e["event"] == "actions added")
    assert event["id"] == added["event"]
    rows = actions_sheet(ws)
    assert set(rows) == {f"{REF}-A1", f"{REF}-A2", f"{REF}-A3"}
    assert rows[f"{REF}-A1"]["Event id"] == event["id"]
    assert rows[f"{REF}-A1"]["Status"] == "Not started"
    assert rows[f"{REF}-A1"]["Review"] == "SCR"

    added_one = ws("actions", "add", REF, "--recommendation", "2", "--action", "Agree a cross-border protocol",
                   "--agency", "CSC", "--lead", "Head of Service", "--due", "28/02/2027", "--measure", "Signed")
    assert added_one.exit_code == 0, added_one.output
    assert f"{REF}-A4" in actions_sheet(ws)

    requested = ws("actions", "request", REF, "--json")
    assert requested.exit_code == 0, requested.output
    drafts = {r["agency"]: r for r in json.loads(requested.stdout)["requests"]}
    assert set(drafts) == {"COMM", "POL", "CSC"}
    assert drafts["COMM"]["actions"] == ["A1", "A2"]
    outbox = ws.workspace / "cases" / REF / "outbox"
    form = outbox / f"AUPD-{REF}-COMM.pdf"
    message = (outbox / f"action-update-{REF}-COMM.eml").read_text(encoding="utf-8", errors="replace")
    assert "LSCB Action Plan" in message and "Not-a-child" not in message

    # COMM fills its form with pdftk: one action completed without evidence, one unknown id
    require_tool("pdftk")
    wrong = fill_pdf(form, {"completed_name": "Pat Fictional", "completed_role": "Named Nurse",
                            "completed_email": "pat@testshire.example", "completion_date": "20/11/2026",
                            "updates_1_status": "Completed", "updates_2_status": "Done",
                            "updates_3_action": "A9", "updates_3_status": "In progress"},
                     tmp_path / "wrong.pdf", tool="pdftk")
    collected = ws("collect", REF, wrong)
    assert collected.exit_code == 1, collected.output
    out = collected.stdout
    assert "must say the evidence of completion, since the status is Completed" in out
    assert "'Done' is not one of: Not started, In progress, Completed, Cannot be completed" in out
    assert "A9 is not one of your agency's actions (they are: A1, A2)" in out
    assert actions_sheet(ws)[f"{REF}-A1"]["Status"] == "Not started"

    good = fill_pdf(form, {"completed_name": "Pat Fictional", "completed_role": "Named Nurse",
                           "completed_email": "pat@testshire.example", "completion_date": "24/11/2026",
                           "updates_1_status": "completed", "updates_1_evidence": "Audit of 40 cases done",
                           "updates_1_impact": "38 of 40 followed the protocol", "updates_1_date": "24/11/2026",
                           "updates_2_status": "In progress", "updates_2_impact": "Half briefed"},
                    tmp_path / "good.pdf", tool="pdftk")
    collected = ws("collect", REF, good)
    assert collected.exit_code == 0, collected.output
    rows = actions_sheet(ws)
    assert rows[f"{REF}-A1"]["Status"] == "Completed"
    assert rows[f"{REF}-A1"]["Evidence"] == "Audit of 40 cases done"
    assert rows[f"{REF}-A1"]["Impact seen"] == "38 of 40 followed the protocol"
    received = [e for e in journal(ws) if e["event"] == "action update received"]
    assert rows[f"{REF}-A1"]["Event id"] == received[-1]["id"]
    assert rows[f"{REF}-A2"]["Status"] == "In progress"

    # POL's action falls due on 15/12/2026: a week later it is overdue, and so are POL's and CSC's updates
    late = ws("overdue", env={"LIFKIT_TODAY": "2026-12-22"})
    assert late.exit_code == 1
    assert "action A3 (POL) of the LSCB Action Plan: not started" in late.stdout
    assert "update on action A4 from CSC" in late.stdout
    chased = ws("chase", REF, env={"LIFKIT_TODAY": "2026-12-22"})
    assert chased.exit_code == 0, chased.output
    assert f"action-update-reminder-{REF}-POL.eml" in chased.stdout
    assert "COMM" not in chased.stdout.split("action-update-reminder")[0].splitlines()[-1]

    # the review meeting's pack: encrypted, bookmarked, open and overdue actions first, evidence in full
    packed = ws("actions", "pack", "--meeting", "22/12/2026", "--password-env", "PACK_PW", "--json",
                env={"PACK_PW": "fictional-pw-1"})
    assert packed.exit_code == 1, packed.output  # A3 is overdue at the meeting
    result = json.loads(packed.stdout)
    assert result["overdue_actions"] == [f"{REF}-A3"] and result["encrypted"]
    qpdf = require_tool("qpdf")
    import subprocess

    subprocess.run([qpdf, "--check", "--password=fictional-pw-1", result["file"]], check=True, capture_output=True)
    from pypdf import PdfReader

    reader = PdfReader(result["file"])
    assert reader.is_encrypted and reader.decrypt("fictional-pw-1")
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles == ["Cover", f"{REF}: SCR"]
    assert [item.title for item in reader.outline[2]] == ["COMM: " + _agency(ws, "COMM"),
                                                          "CSC: " + _agency(ws, "CSC"), "POL: " + _agency(ws, "POL")]
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Audit of 40 cases done" in text and "38 of 40 followed the protocol" in text
    assert "OVERDUE" in text and "OFFICIAL-SENSITIVE" in text and f"Page 1 of {len(reader.pages)}" in text
    assert text.index("A2") < text.index("Audit of 40 cases done")  # in COMM's table, the open action first

    check = ws("register", "check")
    assert "Actions" not in check.stdout, check.stdout
    sync = ws("register", "sync")
    assert sync.exit_code == 0, sync.output
    assert actions_sheet(ws)[f"{REF}-A1"]["Status"] == "Completed"


def _agency(ws: Lifkit, code: str) -> str:
    import tomllib

    settings = tomllib.loads((ws.workspace / "lifkit.toml").read_text(encoding="utf-8"))
    return next(m["agency"] for m in settings["members"] if m["code"] == code)


def test_a_register_without_an_actions_sheet(ws, tmp_path):
    """An older workbook has no Actions sheet: nothing to say until a case has an action plan; then the
    action is recorded in the case folder, the step warns, and `register check` says what to add."""
    import openpyxl

    path = ws.workspace / "register.xlsx"
    book = openpyxl.load_workbook(path)
    del book["Actions"]
    book.save(path)
    assert ws("register", "check").exit_code == 0
    added = ws("actions", "add", REF, "--recommendation", "1", "--action", "Brief the health visitors", "--agency",
               "COMM", "--lead", "Named Nurse", "--due", "30/01/2027", "--measure", "All briefed")
    assert added.exit_code == 1, added.output  # recorded, and the warning needs attention (as decide's does)
    assert "Warning: The register's Actions sheet was not updated" in added.stderr
    assert any(e["event"] == "actions added" for e in journal(ws))
    result = ws("register", "check")
    assert result.exit_code == 1
    assert "Actions: the workbook has no Actions sheet" in result.stdout
    assert "Action ref, Case ref, Review" in result.stdout


def test_a_word_update_saved_again_by_libreoffice_is_filed(ws, tmp_path):
    """CSC prefers Word: its update form keeps each action's id in its first box, and a form filled as Word
    saves it and saved again by LibreOffice is read and filed."""
    import tomlkit

    from returns import fill_docx, resave_with_libreoffice

    settings = ws.workspace / "lifkit.toml"
    document = tomlkit.parse(settings.read_text(encoding="utf-8"))
    next(m for m in document["members"] if m["code"] == "CSC")["format"] = "docx"
    settings.write_text(document.as_string(), encoding="utf-8")
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN.replace(",POL,", ",CSC,"), encoding="utf-8")
    assert ws("actions", "import", REF, plan).exit_code == 0
    assert ws("actions", "request", REF, "--agency", "CSC").exit_code == 0
    form = ws.workspace / "cases" / REF / "outbox" / f"AUPD-{REF}-CSC.docx"
    filled = fill_docx(form, {"completed_name": "Sam Fictional", "completed_role": "Head of Service",
                              "completed_email": "sam@testshire.example", "completion_date": "24/11/2026",
                              "updates_1_status": "Cannot be completed",
                              "updates_1_evidence": "The system cannot hold such flags", "updates_1_date": "24/11/2026"},
                       tmp_path / "filled.docx")
    resaved = resave_with_libreoffice(filled, tmp_path / "resaved", tmp_path / "profile")
    collected = ws("collect", REF, resaved)
    assert collected.exit_code == 0, collected.output
    row = actions_sheet(ws)[f"{REF}-A3"]
    assert (row["Agency"], row["Status"], row["Evidence"]) == ("CSC", "Cannot be completed",
                                                               "The system cannot hold such flags")


def test_the_same_plan_imported_twice_is_refused_and_new_rows_only_are_added(ws, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN, encoding="utf-8")
    assert ws("actions", "import", REF, plan).exit_code == 0
    before = journal(ws)
    again = ws("actions", "import", REF, plan)
    assert again.exit_code == 2, again.output
    assert "plan.csv was already imported on 25/11/2026" in again.stderr
    assert journal(ws) == before
    assert set(actions_sheet(ws)) == {f"{REF}-A1", f"{REF}-A2", f"{REF}-A3"}

    # the plan again, with its spacing and case changed and one new row: only the new row is recorded
    grown = tmp_path / "plan-v2.csv"
    grown.write_text(PLAN.replace("Audit use of the bruising protocol", "Audit  use of the Bruising protocol")
                     + "2,,Train call handlers on cross-border flags,POL,Safeguarding DI,31/01/2027,All trained\n",
                     encoding="utf-8")
    result = ws("actions", "import", REF, grown, "--json")
    assert result.exit_code == 0, result.output
    added = json.loads(result.stdout)
    assert [a["id"] for a in added["actions"]] == ["A4"]
    assert added["skipped"] == ["row 2: already recorded as A1 on 25/11/2026",
                                "row 3: already recorded as A2 on 25/11/2026",
                                "row 4: already recorded as A3 on 25/11/2026"]
    assert set(actions_sheet(ws)) == {f"{REF}-A1", f"{REF}-A2", f"{REF}-A3", f"{REF}-A4"}
    text = ws("actions", "import", REF, grown)
    assert text.exit_code == 2 and "already imported on 25/11/2026" in text.stderr
    # the same action for another agency is another action
    other = tmp_path / "plan-v3.csv"
    other.write_text(PLAN.splitlines()[0] + "\n1,,Audit use of the bruising protocol,CSC,Head of Service,31/03/2027,"
                     "Audited\n", encoding="utf-8")
    shown = ws("actions", "import", REF, other)
    assert shown.exit_code == 0, shown.output
    assert "1 action recorded" in shown.stdout and "Skipped" not in shown.stdout


def test_a_name_typed_into_an_action_is_recorded_with_a_warning_and_never_stops_the_index(ws, tmp_path):
    # the case's child is "Testchild Fictional" (the fixture); an agency lead's name is not the case's
    plain = ws("actions", "add", REF, "--recommendation", "1", "--action", "Review the child's GP records",
               "--agency", "COMM", "--lead", "Named Nurse", "--due", "31/03/2027", "--measure", "Reviewed")
    assert plain.exit_code == 0, plain.output
    named = ws("actions", "add", REF, "--recommendation", "1", "--action", "Brief staff on Testchild Fictional",
               "--agency", "COMM", "--lead", "Pat Lead", "--due", "31/03/2027", "--measure", "Briefed")
    assert named.exit_code == 1, named.output
    assert f"--action holds a name of a person in case {REF}" in named.stderr
    assert "on the register (the Actions sheet)" in named.stderr and "--allow-names" in named.stderr
    assert "Testchild" not in named.stderr
    assert f"{REF}-A2" in actions_sheet(ws)  # recorded all the same

    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN.splitlines()[0] + "\n3,Learning for Testchild Fictional's family,Share the learning,POL,"
                    "Safeguarding DI,31/01/2027,Shared\n", encoding="utf-8")
    imported = ws("actions", "import", REF, plan)
    assert imported.exit_code == 1, imported.output
    assert "row 2, column 'Recommendation text' holds a name" in imported.stderr
    allowed = ws("actions", "add", REF, "--recommendation", "1", "--action", "Audit Testchild Fictional's case",
                 "--agency", "CSC", "--lead", "Head of Service", "--due", "31/03/2027", "--measure", "Audited",
                 "--allow-names")
    assert allowed.exit_code == 0 and "Warning" not in allowed.output

    # the index takes the action plan's words, the names left out: never refused for what was allowed here
    entry = ws("learning", "add", "--case", REF, "--name", "Child known as Mary", "--reported", "15/06/2027")
    assert entry.exit_code == 0, entry.output
    written = ws("learning", "index", "-o", tmp_path / "index.docx")
    assert written.exit_code == 0, written.output
    from test_learning import document_text

    text = "\n".join(cell for table in document_text(tmp_path / "index.docx")[1] for cell in table)
    assert "Brief staff on [removed] (COMM" in text and "Testchild" not in text
    # the index itself still refuses a name typed into an entry
    refused = ws("learning", "add", "--case", REF, "--finding", "Testchild was not seen")
    assert refused.exit_code == 2
