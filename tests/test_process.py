"""The process as data: shipped processes, a board's own copy, every mistake named by line and key,
changing process, and the deadlines each process derives (working days for the rapid review)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import Lifkit, fill_placeholders

from lifkit.case.process import load_process_file, load_shipped, shipped_processes


def test_both_processes_are_shipped_and_listed(lifkit):
    assert {"lscb-2016", "rapid-review-2023"} <= set(shipped_processes())
    result = lifkit("processes")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("lscb-2016 ") for line in lines)
    assert any(line.startswith("rapid-review-2023 ") for line in lines)
    shown = lifkit("processes", "--show", "rapid-review-2023").stdout
    assert "15 working days" in shown and "LCSPR; No LCSPR" in shown


def test_every_shipped_process_passes_the_schema_and_the_checks_of_meaning():
    """Loading a shipped process skips the schema check (it costs every command about 50 ms): this is
    where that check is made, on the files as installed."""
    from importlib import resources

    from lifkit.case.process_check import problems as _problems
    from lifkit.mechanics.resources import parse_yaml

    for name in shipped_processes():
        data = parse_yaml(resources.files("lifkit.processes").joinpath(f"{name}.yaml").read_text(encoding="utf-8"))
        assert _problems(data, {}, schema=True) == [], name
        broken = {**data, "deadlines": "every day"}
        assert _problems(broken, {}, schema=True), "the check can fail"


def test_the_shipped_processes_say_what_processes_md_says():
    old, new = load_shipped("lscb-2016"), load_shipped("rapid-review-2023")
    assert old.option_names == ("SCR", "Critical Case Review", "MA Concise Review", "Individual Agency Review",
                                "Review not initiated")
    assert (old.deadline("return").length.count, old.deadline("return").length.unit) == (7, "days")
    assert (old.deadline("decision").length.count, old.deadline("decision").length.unit) == (1, "months")
    assert old.decision.mode == "chair" and new.decision.mode == "partners"
    assert [p.code for p in new.decision.partners] == ["LA", "ICB", "POL"]
    assert str(new.deadline("notification").length) == "5 working days"
    assert str(new.deadline("rapid_review").length) == "15 working days"
    assert str(new.deadline("panel_report").length) == "-7 working days"
    # publication normally within 6 months of the decision, until a date is planned; the copy to the
    # Panel at least 7 working days before the planned date
    assert str(new.review.planned_date("publication").length) == "6 months"
    assert new.review.planned_date("publication").start == "decision"
    assert new.deadline("publication").start == new.deadline("panel_report").start == "planned:publication"
    assert new.review.stage("panel-copy").ahead_of[1].unit == "working days"


def _write_process(folder: Path, change) -> Path:
    from importlib import resources

    text = resources.files("lifkit.processes").joinpath("lscb-2016.yaml").read_text(encoding="utf-8")
    path = folder / "process.yaml"
    path.write_text(change(text), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, expected", [
    (lambda t: t.replace("    start: notified\n", "    start: notifed\n", 1),
     "deadlines[2].start: 'notifed' is not a start lifkit knows"),
    (lambda t: t[:t.index("options:\n")] + "options: []\n" + t[t.index("\ncriteria:\n"):],
     "options: is an empty list; it needs at least one entry"),
    (lambda t: t.replace("  request: ciginf1", "  request: cignif1"),
     "forms.request: 'cignif1' is not a form lifkit has"),
    (lambda t: t.replace('    - [notes, "Notes", text, 40]', '    - [notes, "Notes", text, 40]\n    - [status, "Status again", text, 18]'),
     "the column 'status' is listed twice"),
    (lambda t: t.replace("    length: 7 days", "    length: a week"),
     "'a week' is not a length such as '7 days', '1 month' or '5 working days'"),
    (lambda t: t.replace("Decision ({decided_on})", "Decision ({decide_on})", 1),
     "uses {decide_on}, which a notice cannot fill"),
])
def test_a_mistake_in_a_process_file_is_named_by_line_and_key(workspace, ws_lifkit, change, expected):
    path = _write_process(workspace, change)
    result = ws_lifkit("config", "check")
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "line " in result.output and "Traceback" not in result.output
    # every other command refuses too, changing nothing
    before = sorted(p.name for p in workspace.iterdir())
    refused = ws_lifkit("status")
    assert refused.exit_code == 2 and expected in refused.output
    assert sorted(p.name for p in workspace.iterdir()) == before
    with pytest.raises(Exception) as caught:
        load_process_file(path)
    assert expected in str(caught.value)


def test_a_process_file_mistake_is_said_of_process_yaml_not_lifkit_toml(workspace, ws_lifkit):
    """Every command refusing names the file holding the mistake; `config check` counts each file's own."""
    _write_process(workspace, lambda t: t.replace("    length: 7 days", "    length: a week"))
    refused = ws_lifkit("status")
    assert refused.exit_code == 2
    first = refused.output.strip().splitlines()[0]
    assert first.endswith(f"{workspace / 'process.yaml'} has 1 problem:"), refused.output
    assert "lifkit.toml" not in refused.output
    assert "\n  line " in refused.output  # the line, under the heading that names the file
    check = ws_lifkit("config", "check").stdout.splitlines()
    assert f"{workspace / 'lifkit.toml'}: OK" in check
    assert f"{workspace / 'process.yaml'}: 1 error, 0 warnings." in check


@pytest.mark.parametrize("name", ["lscb-2016", "rapid-review-2023"])
def test_processes_show_prints_the_words_a_user_reads(lifkit, name):
    shown = lifkit("processes", "--show", name).stdout
    deadlines = shown[shown.index("Deadlines:"):shown.index("Options")]
    for internal in ("notice:", "after notified", "after issued", "after decision", "after publication", " -7 ",
                     "_"):
        assert internal not in deadlines, (internal, deadlines)
    if name == "rapid-review-2023":
        assert ("Notification to the National Panel: 5 working days after the local authority became aware of the "
                "serious incident") in deadlines
        assert ("LCSPR report to the National Panel and the Secretary of State: 7 working days before the date "
                "planned for the LCSPR publication") in deadlines
        assert "10 working days after the notification to the National Panel" in deadlines
        assert "  rapid-review  National Panel (rapid review)" in shown
    else:
        assert ("CIGINF1 return: 7 days after the request for information is sent, or by the CIEC meeting if that "
                "is sooner") in deadlines
        assert "SCR decision: 1 month after the LSCB was notified of the incident" in deadlines


def test_every_kind_of_start_is_said_in_words():
    process = load_shipped("rapid-review-2023")
    assert process.start_words("date:2027-03-31") == "31/03/2027"
    assert process.start_words("yearly:31/03") == "the next 31/03 after the rapid review decision"
    assert process.start_words("yearly:31/03 after notified") == ("the next 31/03 after the local authority became "
                                                                  "aware of the serious incident")
    assert process.start_words("meeting") == "the rapid review meeting"
    assert process.start_words("publication") == "LCSPR publication"


def test_a_process_file_that_is_not_yaml(workspace, ws_lifkit):
    (workspace / "process.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    result = ws_lifkit("config", "check")
    assert result.exit_code == 2 and "not readable as YAML" in result.output and "line " in result.output


def test_process_copy_is_used_and_checked(workspace, ws_lifkit):
    result = ws_lifkit("process", "copy")
    assert result.exit_code == 0, result.output
    copy = workspace / "process.yaml"
    assert copy.is_file()
    assert ws_lifkit("process", "copy").exit_code == 2  # never replaced
    text = copy.read_text(encoding="utf-8").replace('  committee: "CIEC"', '  committee: "Panel of Inquiry"')
    text = text.replace("    length: 7 days\n", "    length: 10 days\n", 1)
    copy.write_text(text, encoding="utf-8")
    assert ws_lifkit("config", "check").exit_code in (0, 1)
    from lifkit.case.workspace import open_workspace

    ws = open_workspace(workspace)
    assert ws.process.term("committee") == "Panel of Inquiry"
    assert str(ws.process.deadline("return").length) == "10 days"


def rr_workspace(root: Path) -> Path:
    result = Lifkit()("init", root, "--process", "rapid-review-2023")
    assert result.exit_code == 0, result.output
    import tomlkit

    fill_placeholders_rr(root)
    return root


def fill_placeholders_rr(root: Path) -> None:
    import tomlkit

    settings = root / "lifkit.toml"
    document = tomlkit.parse(settings.read_text(encoding="utf-8"))
    document["board"]["name"] = "Testshire Safeguarding Children Partnership"
    document["administrator"]["name"] = "Jordan Avery"
    document["administrator"]["email"] = "jordan.avery@testshire-lscp.example"
    document["administrator"]["address"] = "Partnership Business Unit\n1 Test Street\nTesttown TE1 1ST"
    for key in ("business_manager", "review_chair"):
        document[key]["name"] = f"Fictional {key.replace('_', ' ')}"
        document[key]["email"] = f"{key.replace('_', '.')}@testshire-lscp.example"
    for index, member in enumerate(document["members"], start=1):
        member["name"] = f"Member Person {index}"
        member["email"] = f"{member['code'].lower()}.lead@testshire.example"
    document["notifications"] = {"panel": "notifications@national-panel.example"}  # where the Panel notices go
    settings.write_text(document.as_string(), encoding="utf-8")


def test_a_rapid_review_workspace_names_no_2016_word(tmp_path):
    root = rr_workspace(tmp_path / "lscp")
    text = (root / "lifkit.toml").read_text(encoding="utf-8")
    assert 'process = "rapid-review-2023"' in text
    from lifkit.register.workbook import open_register

    headers = open_register(root / "register.xlsx", columns=load_shipped("rapid-review-2023").register_columns).headers
    assert "Panel notification due" in headers and "LCSPR publication due" in headers
    for word in ("CIEC", "CIGINF1", "CIGSCR1", "CIGSUM1", "Independent Chair", "LSCB"):
        assert word not in text, word
        assert not any(word in h for h in headers), word
    check = Lifkit(root)("config", "check")
    assert check.exit_code == 0, check.output
    helps = [Lifkit(root)(*command, "--help").stdout for command in
             (["status"], ["request"], ["decide"], ["form"], ["pack"], ["overdue"], ["referral", "open"])]
    for word in ("CIGINF1", "CIGSCR1", "Independent Chair"):
        assert not any(word in h for h in helps), word


def test_changing_process_with_a_case_open_is_refused(workspace, ws_lifkit, tmp_path):
    from test_decisions import open_case

    reference = open_case(ws_lifkit, tmp_path)
    result = ws_lifkit("process", "use", "rapid-review-2023")
    assert result.exit_code == 2
    assert f"case {reference} is open under the process lscb-2016" in result.output
    assert "process" not in (workspace / "lifkit.toml").read_text(encoding="utf-8").split("[board]")[0]
    # by hand: config check says why
    text = (workspace / "lifkit.toml").read_text(encoding="utf-8")
    (workspace / "lifkit.toml").write_text('process = "rapid-review-2023"\n' + text, encoding="utf-8")
    check = ws_lifkit("config", "check")
    assert check.exit_code == 2 and f"case {reference} is open under the process lscb-2016" in check.output


def test_changing_process_with_no_open_case(workspace, ws_lifkit):
    result = ws_lifkit("process", "use", "rapid-review-2023")
    assert result.exit_code == 0, result.output
    text = (workspace / "lifkit.toml").read_text(encoding="utf-8")
    assert 'process = "rapid-review-2023"' in text and "[review_chair]" in text
    from lifkit.case.workspace import open_workspace

    assert open_workspace(workspace).process.id == "rapid-review-2023"


def test_the_rapid_review_cycle_in_working_days(tmp_path, monkeypatch):
    """A serious incident under rapid-review-2023: referral, requests, a return filled by another tool,
    the panel's recommendation, the three partners' sign-offs, the notices, the Panel's reply, and every
    deadline in working days (Christmas and New Year's bank holidays, substitute days included)."""
    from returns import IAS_VALUES, SIR_VALUES, blank_form, fill_pdf

    monkeypatch.setenv("LIFKIT_TODAY", "2026-12-18")
    root = rr_workspace(tmp_path / "lscp")
    ws = Lifkit(root)
    blank = tmp_path / "blank-sir.pdf"
    blank_form(ws, blank, "sir", case=None, agency=None)
    referral = fill_pdf(blank, {**SIR_VALUES, "aware_date": "17/12/2026", "incident_date": "16/12/2026",
                                "child_dod": "16/12/2026", "completion_date": "18/12/2026",
                                "agency_review_date": "18/12/2026"}, tmp_path / "sir.pdf")
    opened = ws("referral", "open", referral, "--json")  # the date aware comes from the form
    assert opened.exit_code == 0, opened.output
    reference = json.loads(opened.stdout)["reference"]
    assert reference.startswith("RR-2026-")
    state = json.loads(ws("status", reference, "--json").stdout)[0]
    deadlines = {d["id"]: d["due"] for d in state["deadlines"]}
    # aware Thursday 17/12/2026: 5 working days skip the weekend, Christmas Day (Friday) and Boxing Day's
    # substitute (Monday 28th) -> 18, 21, 22, 23, 24 December
    assert deadlines["notification"] == "2026-12-24"
    # 15 working days from the 24th: 29, 30, 31 Dec, 1 Jan is New Year's Day, then 4-8, 11-15, 18-19 Jan
    assert deadlines["rapid_review"] == "2027-01-19"
    assert state["decision_due"] == "2027-01-19"
    assert [n["id"] for n in state["notices"]] == ["notification"]

    before = (root / "cases" / reference / "journal.jsonl").read_bytes()
    early = ws("notified", reference, "notification", "--on", "16/12/2026")  # the day before it was known
    assert early.exit_code == 2, early.output
    assert ("16/12/2026 is before the day the local authority became aware of the serious incident (17/12/2026)"
            in early.stderr)
    assert ws("notified", reference, "notification", "--on", "19/12/2026").exit_code == 2  # in the future
    assert (root / "cases" / reference / "journal.jsonl").read_bytes() == before
    assert ws("notified", reference, "notification", "--on", "18/12/2026").exit_code == 0
    request = ws("request", reference, "--meeting", "08/01/2027", "--agency", "POL", "--json")
    assert request.exit_code == 0, request.output
    issued = json.loads(request.stdout)["issued"][0]
    assert issued["return_by"] == "2027-01-06"  # working day 10 after the notification of 18/12
    outbox = root / "cases" / reference / "outbox"
    draft = (outbox / f"request-{reference}-POL.eml").read_text(encoding="utf-8")
    assert "Individual Agency Summary" in draft
    filled = fill_pdf(outbox / f"IAS-{reference}-POL.pdf", IAS_VALUES, tmp_path / "ias-pol.pdf", tool="pdftk")
    assert ws("collect", reference, filled).exit_code == 0

    # the pack: the rapid review's agenda and words, none of the 2016 process's
    import subprocess

    from conftest import require_tool

    built = ws("pack", reference, "--allow-incomplete", "--json")
    assert built.exit_code in (0, 1), built.output
    pack = Path(json.loads(built.stdout)["file"])
    assert pack.name.startswith(f"rapid-review-pack-{reference}")
    pdf_text = subprocess.run([require_tool("pdftotext"), "-layout", str(pack), "-"], capture_output=True,
                              text=True, check=True).stdout
    assert "LCSPR" in pdf_text and "No LCSPR" in pdf_text
    for expected in ("Rapid review meeting agenda", "Potential for improvement", "recurrent themes",
                     "Rapid review pack", "IAS"):
        assert expected in pdf_text, expected
    for word in ("CIEC", "CIGINF1", "CIGSCR1", "CIGSUM1", "CIGM1", "Independent Chair", "LSCB", "Serious Case"):
        assert word not in pdf_text, word

    monkeypatch.setenv("LIFKIT_TODAY", "2027-01-08")
    assert ws("decide", reference, "--recommend", "No LCSPR", "--rationale", "x").exit_code == 2  # learning needed
    result = ws("decide", reference, "--recommend", "No LCSPR", "--learning", "A multi-agency learning event",
                "--national-review", "--rationale", "The facts are clear; the learning is known.")
    assert result.exit_code == 0, result.output
    state = json.loads(ws("status", reference, "--json").stdout)[0]
    assert state["awaiting_signoff"] == ["LA", "ICB", "POL"]
    overdue = json.loads(ws("overdue", "--json").stdout)
    assert any("sign-off awaited from" in i["what"] and "ICB" in i["what"] for i in overdue)
    assert ws("decide", reference, "--chair", "affirmed", "--decision", "LCSPR", "--rationale", "x").exit_code == 2
    for partner in ("LA", "ICB"):
        assert ws("decide", reference, "--sign", partner).exit_code == 0
    assert ws("decide", reference, "--sign", "ICB").exit_code == 2  # a repeat
    assert json.loads(ws("status", reference, "--json").stdout)[0]["awaiting_signoff"] == ["POL"]
    assert ws("decide", reference, "--sign", "POL", "--signer", "Fictional Officer").exit_code == 0
    state = json.loads(ws("status", reference, "--json").stdout)[0]
    assert state["decision"] == "No LCSPR" and state["decision_date"] == "2027-01-08"
    assert state["stage"].startswith("Decided: No LCSPR")
    notice = (outbox / f"notice-rapid-review-{reference}.eml").read_text(encoding="utf-8")
    assert "A multi-agency learning event" in notice and "national review" in notice
    assert "Fictional Child" not in notice and "04/03/2015" not in notice

    assert ws("notified", reference, "rapid-review", "--on", "08/01/2027").exit_code == 0
    monkeypatch.setenv("LIFKIT_TODAY", "2027-01-20")
    assert ws("reply", reference, "rapid-review", "--on", "20/01/2027", "--agreed").exit_code == 0
    state = json.loads(ws("status", reference, "--json").stdout)[0]
    sent = {n["id"]: n for n in state["notices"]}
    assert sent["rapid_review"]["reply"] == "2027-01-20" and sent["rapid_review"]["agreed"] is True
    met = {d["id"]: d for d in state["deadlines"]}
    assert met["rapid_review"]["done"] == "2027-01-08"

    # the summary, the emails and the register use the partnership's words only
    import docx

    from lifkit.register.workbook import open_register

    summary = docx.Document(root / "cases" / reference / f"RRSUM-{reference}.docx")
    text = "\n".join([p.text for p in summary.paragraphs]
                     + [c.text for t in summary.tables for r in t.rows for c in r.cells])
    assert "Summary and Outcome of the Rapid Review" in text and "Integrated care board" in text
    row = open_register(root / "register.xlsx", columns=load_shipped("rapid-review-2023").register_columns).find(reference)
    assert row["Outcome"] == "No LCSPR" and row["Panel agreed"] == "Yes" and row["May need a national review"] == "Yes"
    assert row["Panel notification due"] == dt.date(2026, 12, 24) and row["Within 15 working days"] == "Yes"
    words = ("CIEC", "CIGINF1", "CIGSCR1", "CIGSUM1", "Independent Chair", "LSCB")
    from email import policy
    from email.parser import BytesParser

    # the emails' headers and text (an attachment's base64 may hold any four letters by chance)
    messages = [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in outbox.glob("*.eml")]
    emails = [str(m["Subject"]) + "\n" + m.get_body(("plain",)).get_content() for m in messages]
    for word in words:
        assert word not in text, word
        assert not any(word in e for e in emails), word
        assert not any(word in str(v) for v in row), word
