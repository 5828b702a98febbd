"""Issue 21's mechanism: the deadline ``start`` grammar, the review's subject named by the process and its
forms (``subject:``, form ``roles:``, case.yaml ``subjects:``), and case folders made by lifkit 0.1.0."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import Lifkit

from lifkit.case.process import load_process_file, load_shipped
from lifkit.case.starts import Start, parse_start, start_problem


# --- the start grammar ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("notified", Start("event", "notified")),
    ("decision", Start("event", "decision")),
    ("notice:notification", Start("notice", "notification")),
    ("notice:panel-reply", Start("notice", "panel_reply")),
    ("publication", Start("deadline", "publication")),
    ("date:2027-03-31", Start("date", date=dt.date(2027, 3, 31))),
    ("yearly:31/03", Start("yearly", day=31, month=3)),
    ("yearly:1/4 after notified", Start("yearly", day=1, month=4, after=Start("event", "notified"))),
    ("yearly:29/02 after date:2027-01-01", Start("yearly", day=29, month=2,
                                                after=Start("date", date=dt.date(2027, 1, 1)))),
    ("stage:report", Start("stage", "report")),
    ("planned:publication", Start("planned", "publication")),
])
def test_every_kind_of_start_is_parsed(text, expected):
    assert parse_start(text) == expected
    assert parse_start(str(expected)) == expected  # written back as it is read


@pytest.mark.parametrize("text, message", [
    ("date:2027-02-30", "a date is written date:YYYY-MM-DD"),
    ("date:31/03/2027", "a date is written date:YYYY-MM-DD"),
    ("yearly:31/04", "31/04 is not a day of the year"),
    ("yearly:March", "yearly:DD/MM"),
    ("yearly:31/03 after yearly:01/04", "cannot be after another yearly one"),
    ("tomorrow:x", "is not a start lifkit knows"),
    ("Notified!", "is not a start lifkit knows"),
    ("stage:", "is followed by an id"),
])
def test_a_start_that_cannot_be_read_says_how_to_write_it(text, message):
    with pytest.raises(ValueError) as caught:
        parse_start(text)
    assert message in str(caught.value)


def test_a_start_naming_what_the_process_lacks():
    assert start_problem("notice:nobody", ["decision"], ["referrer"]) == "'notice:nobody' names no notice of this process"
    assert "is not a start lifkit knows" in start_problem("decisoin", ["decision"], [])
    assert "names no notice" in start_problem("yearly:31/03 after notice:nobody", [], ["referrer"])
    assert start_problem("yearly:31/03 after decision", [], []) is None


class _Calendar:
    def add_working_days(self, start, count):
        raise AssertionError("no working days here")


class _Settings:
    def working_calendar(self):
        return _Calendar()


class _Workspace:
    settings = _Settings()


def test_the_clock_resolves_a_calendar_date_and_a_day_of_the_year():
    from lifkit.case.folder import Case
    from lifkit.case.state import DecisionSoFar, _Clock

    process = load_shipped("lscb-2016")
    case = Case("CIEC-2026-001", Path("."), dt.date(2026, 11, 2), dt.date(2026, 11, 20), (), ())
    undecided = _Clock(_Workspace(), process, case, DecisionSoFar(), {})
    assert undecided.start("date:2027-03-31") == dt.date(2027, 3, 31)
    assert undecided.start("yearly:31/03") is None  # the decision, its base, is not taken yet
    assert undecided.start("yearly:31/03 after notified") == dt.date(2027, 3, 31)
    assert undecided.start("yearly:02/11 after notified") == dt.date(2026, 11, 2)  # on or after
    assert undecided.start("yearly:29/02 after notified") == dt.date(2027, 2, 28)  # no 29/02 in 2027
    assert undecided.start("stage:report") is None and undecided.start("planned:publication") is None
    decided = DecisionSoFar(decided_event={"date": "2027-04-02", "event": "decided"})
    clock = _Clock(_Workspace(), process, case, decided, {})
    assert clock.start("yearly:31/03") == dt.date(2028, 3, 31)
    assert clock.start("yearly:02/04") == dt.date(2027, 4, 2)


def _write_process(root: Path, change) -> Path:
    from importlib import resources

    text = resources.files("lifkit.processes").joinpath("lscb-2016.yaml").read_text(encoding="utf-8")
    path = root / "process.yaml"
    path.write_text(change(text), encoding="utf-8")
    return path


def test_a_deadline_on_a_calendar_date_and_the_annual_report(workspace, ws_lifkit, monkeypatch):
    """A process with a deadline on a fixed date and one on the first 31 March after the decision: checked
    by config check, and worked out for a case."""
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-10")
    added = ('  - id: audit\n    label: "Audit of the year\'s cases"\n    start: date:2027-01-15\n    length: 0 days\n'
             '  - id: annual_report\n    label: "Annual report entry"\n    start: yearly:31/03\n    length: 0 days\n'
             "\nrecommendation:\n")
    _write_process(workspace, lambda t: t.replace("\nrecommendation:\n", "\n" + added, 1))
    assert ws_lifkit("config", "check").exit_code in (0, 1)
    _write_process(workspace, lambda t: t.replace("\nrecommendation:\n", "\n" + added.replace("31/03", "31/04"), 1))
    result = ws_lifkit("config", "check")
    assert result.exit_code == 2
    assert "line " in result.output and "deadlines[4].start: 'yearly:31/04': 31/04 is not a day of the year" \
        in result.output
    _write_process(workspace, lambda t: t.replace("\nrecommendation:\n", "\n" + added, 1))
    reference = _old_case(workspace)
    state = json.loads(ws_lifkit("status", reference, "--json").stdout)[0]
    deadlines = {d["id"]: d["due"] for d in state["deadlines"]}
    assert deadlines["audit"] == "2027-01-15"
    assert "annual_report" in deadlines and deadlines["annual_report"] is None  # not decided yet


# --- the subject ------------------------------------------------------------------------------------


def test_each_shipped_process_names_its_subject_and_its_forms_their_boxes():
    from lifkit.documents.formdef import load_form

    for name in ("lscb-2016", "rapid-review-2023"):
        process = load_shipped(name)
        assert (process.subject.one, process.subject.many) == ("child", "children")
        assert process.text("the {subject}'s {subjects}") == "the child's children"
        for form_id in (process.referral_form, process.request_form):
            form = load_form(form_id)
            for role in ("subject_name", "subject_dob", "subject_dod", "people"):
                assert form.role(role), (form_id, role)
                form.field(form.role(role))  # a box of the form
    assert load_shipped("rapid-review-2023").subject.max == 4
    assert [c.key for c in load_shipped("lscb-2016").register_columns if c.key.startswith("subject_")] == \
        ["subject_name", "subject_dob", "subject_dod"]


def test_a_process_copied_by_lifkit_0_1_0_is_still_read(workspace):
    """Its register keys child_name... and no subject: it is about one child."""
    path = _write_process(workspace, lambda t: t.replace("[subject_", "[child_")[:t.index("\n# Whom a review")]
                          + t[t.index("\nterms:\n"):].replace("[subject_", "[child_"))
    assert "\nsubject:" not in path.read_text(encoding="utf-8")
    process = load_process_file(path)
    assert process.subject.one == "child" and process.subject.max == 1
    assert "subject_name" in [c.key for c in process.register_columns]


def test_a_form_role_that_names_no_box_is_refused(tmp_path):
    from lifkit.documents.formdef import FormDefinitionError, load_form

    own = tmp_path / "forms"
    own.mkdir()
    from importlib import resources

    text = resources.files("lifkit.forms").joinpath("cigscr1.yaml").read_text(encoding="utf-8")
    (own / "cigscr1.yaml").write_text(text.replace("subject_dob: child_dob", "subject_dob: child_birth"),
                                      encoding="utf-8")
    with pytest.raises(FormDefinitionError) as caught:
        load_form("cigscr1", tmp_path)
    assert "roles.subject_dob names 'child_birth', which is not a box of this form" in str(caught.value)
    (own / "cigscr1.yaml").write_text(text.replace("subject_dob: child_dob", "subject_dob: child_name"),
                                      encoding="utf-8")
    with pytest.raises(FormDefinitionError) as caught:
        load_form("cigscr1", tmp_path)
    assert "a text box; it must be a date box" in str(caught.value)


# --- case folders made by lifkit 0.1.0 ------------------------------------------------------------------


def _old_case(root: Path, reference: str = "CIEC-2026-001") -> str:
    """A case folder exactly as lifkit 0.1.0's ``referral open`` wrote it: case.yaml with ``child:`` and the
    journal's opened and validated events."""
    import yaml

    folder = root / "cases" / reference
    for name in ("inbox", "outbox", "returns", "pack"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    data = {"reference": reference, "process": "lscb-2016", "notified": dt.date(2026, 11, 2),
            "opened": dt.date(2026, 11, 3), "meeting_date": None,
            "child": {"name": "Alex Example (FICTIONAL)", "dob": dt.date(2015, 2, 14), "dod": dt.date(2026, 11, 2),
                      "address": "1 Fictional Road\nTesttown"},
            "significant_people": [{"name": "Casey Example (fictional)", "dob": dt.date(1990, 4, 12), "address": "",
                                    "relationship": "mother"}],
            "referral": {"values": {"child_name": "Alex Example (FICTIONAL)", "child_dob": dt.date(2015, 2, 14),
                                    "child_dod": dt.date(2026, 11, 2), "criterion_a": True, "agency": "Police"},
                         "raw": {}, "problems": []}}
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    events = [{"at": "2026-11-03T09:00:00+00:00", "by": "admin", "event": "opened", "id": "a" * 32, "step": "a" * 32,
               "steps": 2, "reference": reference, "notified": "2026-11-02", "referral": None, "fingerprint": None},
              {"at": "2026-11-03T09:00:00+00:00", "by": "admin", "event": "validated", "id": "b" * 32, "step": "a" * 32,
               "steps": 2, "form": "CIGSCR1", "valid": True, "problems": 0}]
    (folder / "journal.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return reference


def test_a_case_folder_and_register_made_by_lifkit_0_1_0_still_open(workspace, ws_lifkit, monkeypatch):
    import yaml

    from lifkit.case.folder import load_case
    from lifkit.case.workspace import open_workspace
    from lifkit.register.workbook import open_register

    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-10")
    reference = _old_case(workspace)
    case = load_case(open_workspace(workspace), reference)
    assert case.subject.name == "Alex Example (FICTIONAL)" and case.child == case.subject
    assert [p.name for p in case.subjects] == ["Alex Example (FICTIONAL)"]
    assert ws_lifkit("status", reference).exit_code == 0
    synced = ws_lifkit("register", "sync", reference)  # the register lifkit init made (today's headings)
    assert synced.exit_code == 0, synced.output
    row = open_register(workspace / "register.xlsx", load_shipped("lscb-2016").register_columns).find(reference)
    assert row["Child name"] == "Alex Example (FICTIONAL)" and row["Child DOB"] == dt.date(2015, 2, 14)
    # a step that rewrites case.yaml writes the new form, every other key kept
    before = yaml.safe_load((workspace / "cases" / reference / "case.yaml").read_text(encoding="utf-8"))
    result = ws_lifkit("request", reference, "--meeting", "20/11/2026", "--agency", "POL", "--json")
    assert result.exit_code == 0, result.output
    after = yaml.safe_load((workspace / "cases" / reference / "case.yaml").read_text(encoding="utf-8"))
    assert "child" not in after and after["format"] == 2 and after["subjects"] == [before["child"]]
    assert {k: v for k, v in after.items() if k not in ("subjects", "format", "meeting_date")} == \
        {k: v for k, v in before.items() if k not in ("child", "meeting_date")}
    # the request carries the subject's details in the boxes the request form's roles name
    import subprocess

    from conftest import require_tool

    pdf = workspace / "cases" / reference / "outbox" / f"CIGINF1-{reference}-POL.pdf"
    text = subprocess.run([require_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Alex Example (FICTIONAL)" in text and "1 Fictional Road" in text and "14/02/2015" in text


# --- a workspace's own forms, rules and templates -------------------------------------------------------


def _pdf_text(path: Path, layout: bool = True) -> str:
    import subprocess

    from conftest import require_tool

    return subprocess.run([require_tool("pdftotext"), *(["-layout"] if layout else []), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def test_a_workspace_form_and_template_are_found_before_lifkits(workspace, ws_lifkit, tmp_path):
    copied = ws_lifkit("form", "copy", "referral", "--as", "own1")
    assert copied.exit_code == 0, copied.output
    own = workspace / "forms" / "own1.yaml"
    assert own.is_file() and (workspace / "schemas" / "own1.yaml").is_file()
    assert "\nid: OWN1\n" in own.read_text(encoding="utf-8")
    assert ws_lifkit("form", "copy", "referral", "--as", "own1").exit_code == 2  # never replaced
    assert ws_lifkit("form", "copy", "nonesuch").exit_code == 2
    own.write_text(own.read_text(encoding="utf-8").replace(
        'title: "LSCB Serious Case Review: Request for CIEC Consideration Form"', 'title: "Testshire Own Referral"'),
        encoding="utf-8")
    assert ws_lifkit("process", "copy").exit_code == 0
    template = ws_lifkit("process", "copy-template", "--as", "ownsum.docx")
    assert template.exit_code == 0, template.output
    assert (workspace / "templates" / "ownsum.docx").is_file()
    process = workspace / "process.yaml"
    process.write_text(process.read_text(encoding="utf-8").replace("  referral: cigscr1", "  referral: own1")
                       .replace("template: cigsum1.docx", "template: ownsum.docx"), encoding="utf-8")
    check = ws_lifkit("config", "check")
    assert check.exit_code in (0, 1), check.output
    # `lifkit form FORM` still makes a form; the workspace's own is used
    made = ws_lifkit("form", "referral", "-o", tmp_path / "blank.pdf")
    assert made.exit_code == 0, made.output
    assert "Testshire Own Referral" in _pdf_text(tmp_path / "blank.pdf")
    assert ws_lifkit("form", "make", "cigscr1", "-o", tmp_path / "old.pdf").exit_code == 0  # lifkit's, by its id
    assert "Testshire Own Referral" not in _pdf_text(tmp_path / "old.pdf")


def test_config_check_names_each_cross_file_mistake_by_file_line_and_key(workspace, ws_lifkit):
    assert ws_lifkit("form", "copy", "referral", "--as", "own1").exit_code == 0
    assert ws_lifkit("process", "copy").exit_code == 0
    process = workspace / "process.yaml"
    text = process.read_text(encoding="utf-8").replace("  referral: cigscr1", "  referral: own1")
    text = text.replace("  - field: criterion_custody\n", "  - field: summary\n").replace("flag:criterion_custody", "flag:summary")
    text = text.replace("    - [referral:agency,", "    - [referral:agencyy,")
    text = text.replace("template: cigsum1.docx", "template: ownsum.docx")
    text = text.replace("    address: panel\n", "    address: national\n")
    process.write_text(text, encoding="utf-8")
    rules = workspace / "schemas" / "own1.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + "extra_rule: {type: string}\n", encoding="utf-8")
    result = ws_lifkit("config", "check")
    assert result.exit_code == 2, result.output
    output = result.output
    for expected in (
        "process.yaml: line ", "criteria[4].field: 'summary' is a longtext box of OWN1; a criterion is a tick-box or a Yes/No box",
        "'referral:agencyy': 'agencyy' is not a box of the referral form OWN1",
        "summary.template: The summary template 'ownsum.docx' is neither in",
        "'national' is not an address lifkit.toml's [notifications] gives",
        "schemas/own1.yaml: line ", "extra_rule: is a rule for no box of forms/own1.yaml",
    ):
        assert expected in output, expected
    assert "Traceback" not in output


def test_a_decision_step_refuses_before_recording_when_its_template_is_missing(workspace, ws_lifkit, monkeypatch):
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-20")
    reference = _old_case(workspace)
    assert ws_lifkit("process", "copy").exit_code == 0
    process = workspace / "process.yaml"
    process.write_text(process.read_text(encoding="utf-8").replace("template: cigsum1.docx", "template: ownsum.docx"),
                       encoding="utf-8")
    journal = workspace / "cases" / reference / "journal.jsonl"
    before = journal.read_bytes()
    result = ws_lifkit("decide", reference, "--recommend", "SCR", "--rationale", "The criteria are met.")
    assert result.exit_code == 2, result.output
    assert "ownsum.docx" in result.output and "lifkit process copy-template" in result.output
    assert journal.read_bytes() == before
    assert ws_lifkit("process", "copy-template", "cigsum1.docx", "--as", "ownsum.docx").exit_code == 0
    done = ws_lifkit("decide", reference, "--recommend", "SCR", "--rationale", "The criteria are met.")
    assert done.exit_code in (0, 1), done.output
    assert journal.read_bytes() != before


# --- open lists ---------------------------------------------------------------------------------------


def test_an_option_is_found_by_its_exact_name_hyphens_included(tmp_path):
    text = (Path(__file__).parent.parent / "processes" / "lscb-2016.yaml").read_text(encoding="utf-8")
    text = text.replace('  - name: "Review not initiated"', '  - name: "No SAR - other learning"')
    path = tmp_path / "process.yaml"
    path.write_text(text, encoding="utf-8")
    process = load_process_file(path)
    for typed in ("No SAR - other learning", "no sar - other  learning", "No SAR other learning", "no-sar-other-learning"):
        assert process.option(typed).name == "No SAR - other learning", typed
    assert load_shipped("lscb-2016").option("not-initiated").name == "Review not initiated"
    with pytest.raises(Exception):
        process.option("No SAR")


def test_any_role_and_a_per_case_contact(workspace, ws_lifkit, monkeypatch):
    """A role lifkit does not list (the SAB chair's) is asked for in lifkit.toml and accepted there, and a
    notice may go to a contact of the case (the family), set with consent by `lifkit contact`."""
    import email
    from email.policy import default

    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-20")
    assert ws_lifkit("process", "copy").exit_code == 0
    process = workspace / "process.yaml"
    text = process.read_text(encoding="utf-8").replace(
        '  independent_chair: "LSCB Independent Chair"\n',
        '  independent_chair: "LSCB Independent Chair"\n  sab_chair: "Independent Chair of the Board"\n')
    text = text.replace("  role: independent_chair\n", "  role: sab_chair\n")
    text = text.replace("    address: referrer\n", "    address: contact:family\n", 1)
    process.write_text(text, encoding="utf-8")
    missing = ws_lifkit("config", "check")
    assert missing.exit_code == 2 and "a [sab_chair] table with name and email" in missing.output
    settings = workspace / "lifkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8")
                        + '\n[sab_chair]\nname = "Pat Chair (fictional)"\nemail = "pat.chair@testshire.example"\n',
                        encoding="utf-8")
    check = ws_lifkit("config", "check")
    assert "error:" not in check.output and "sab_chair" not in check.output, check.output
    settings.write_text(settings.read_text(encoding="utf-8").replace('email = "pat.chair@testshire.example"',
                                                                     'email = "not an address"'), encoding="utf-8")
    bad = ws_lifkit("config", "check")
    assert bad.exit_code == 2 and "[sab_chair] email" in bad.output
    settings.write_text(settings.read_text(encoding="utf-8").replace('email = "not an address"',
                                                                     'email = "pat.chair@testshire.example"'),
                        encoding="utf-8")

    reference = _old_case(workspace)
    assert ws_lifkit("contact", reference, "family", "--email", "not-an-address").exit_code == 2
    set_ = ws_lifkit("contact", reference, "family", "--email", "family.contact@testshire.example", "--name",
                     "Robin Parent (fictional)", "--consent", "04/11/2026")
    assert set_.exit_code == 0, set_.output
    assert "used by the notice: referrer" in set_.output
    again = ws_lifkit("contact", reference, "family", "--email", "family.contact@testshire.example", "--name",
                      "Robin Parent (fictional)", "--consent", "04/11/2026")
    assert again.exit_code == 0 and "nothing changed" in again.output
    import yaml

    case = yaml.safe_load((workspace / "cases" / reference / "case.yaml").read_text(encoding="utf-8"))
    assert case["contacts"]["family"]["email"] == "family.contact@testshire.example"
    assert case["contacts"]["family"]["consent"] == dt.date(2026, 11, 4)
    journal = (workspace / "cases" / reference / "journal.jsonl").read_text(encoding="utf-8")
    assert journal.count('"contact set"') == 1 and "family.contact@" not in journal and "Robin Parent" not in journal

    assert ws_lifkit("decide", reference, "--recommend", "Critical Case Review", "--rationale", "Learning.").exit_code in (0, 1)
    decided = ws_lifkit("decide", reference, "--chair", "affirmed", "--decision", "Critical Case Review",
                        "--rationale", "Agreed.")
    assert decided.exit_code in (0, 1), decided.output
    notice = workspace / "cases" / reference / "outbox" / f"notice-referrer-{reference}.eml"
    message = email.message_from_bytes(notice.read_bytes(), policy=default)
    assert message["To"] == "family.contact@testshire.example"


def test_register_headings_brings_a_register_to_the_process_keeping_every_other_column(workspace, ws_lifkit):
    """A register made for lscb-2016, a hand-made column added in Excel, then the workspace changes to the
    rapid review: the rapid review's columns are added after the last, every old column kept."""
    from openpyxl import load_workbook

    from lifkit.register.workbook import check_register, open_register

    register = workspace / "register.xlsx"
    book = load_workbook(register)
    sheet = book["Register"]
    extra = sheet.max_column + 1
    sheet.cell(row=1, column=extra, value="Our own notes")
    book.save(register)
    assert ws_lifkit("process", "use", "rapid-review-2023").exit_code == 0
    columns = load_shipped("rapid-review-2023").register_columns
    assert any(p.kind == "missing-column" for p in check_register(register, columns=columns))
    before = open_register(register, columns).headers
    result = ws_lifkit("register", "headings")
    assert result.exit_code == 0, result.output
    assert "Panel notification due" in result.output
    after = open_register(register, columns).headers
    assert after[:len(before)] == before and "Our own notes" in after and "CIEC meeting date" in after
    assert not [p for p in check_register(register, columns=columns) if p.kind in ("missing-column", "duplicate-column")]
    again = ws_lifkit("register", "headings")
    assert again.exit_code == 0 and "nothing changed" in again.output


# --- a made-up process, with no code of lifkit changed ---------------------------------------------------


def _own_form(workspace: Path, ws_lifkit, which: str, new: str) -> None:
    """The process's form copied as ``new``, its subject's boxes renamed person_* and its words changed."""
    assert ws_lifkit("form", "copy", which, "--as", new).exit_code == 0
    for folder in ("forms", "schemas"):
        path = workspace / folder / f"{new}.yaml"
        text = path.read_text(encoding="utf-8").replace("child_", "person_")
        text = text.replace("Child's", "Person's").replace("Name of Child, Young Person", "Name of the person")
        path.write_text(text, encoding="utf-8")


def test_a_made_up_process_with_its_own_forms_runs_its_cycle(workspace, ws_lifkit, tmp_path, monkeypatch):
    from returns import CIGINF1_VALUES, CIGSCR1_VALUES, fill_pdf

    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-20")
    _own_form(workspace, ws_lifkit, "referral", "own1")
    _own_form(workspace, ws_lifkit, "request", "own2")
    assert ws_lifkit("process", "copy").exit_code == 0
    assert ws_lifkit("process", "copy-template", "--as", "ownsum.docx").exit_code == 0
    process = workspace / "process.yaml"
    text = process.read_text(encoding="utf-8")
    text = text.replace("  referral: cigscr1", "  referral: own1").replace("  request: ciginf1", "  request: own2")
    text = text.replace('subject: {one: "child", many: "children", max: 1}', 'subject: {one: "person", many: "people", max: 1}')
    text = text.replace("template: cigsum1.docx", "template: ownsum.docx")
    process.write_text(text, encoding="utf-8")
    check = ws_lifkit("config", "check")
    assert "error:" not in check.output, check.output

    blank = tmp_path / "blank.pdf"
    assert ws_lifkit("form", "referral", "-o", blank).exit_code == 0
    assert "Name of the person" in _pdf_text(blank)
    values = {key.replace("child_", "person_"): value for key, value in CIGSCR1_VALUES.items()}
    values["person_name"] = "Fictional Person"
    opened = ws_lifkit("referral", "open", fill_pdf(blank, values, tmp_path / "referral.pdf"), "--notified", "02/11/2026",
                       "--subject-address", "1 Fictional Road", "--json")
    assert opened.exit_code == 0, opened.output
    reference = json.loads(opened.stdout)["reference"]
    import yaml

    case = yaml.safe_load((workspace / "cases" / reference / "case.yaml").read_text(encoding="utf-8"))
    assert case["subjects"] == [{"name": "Fictional Person", "dob": dt.date(2015, 3, 4), "dod": dt.date(2026, 10, 30),
                                 "address": "1 Fictional Road"}]

    asked = ws_lifkit("request", reference, "--meeting", "04/12/2026", "--agency", "POL")
    assert asked.exit_code == 1 and "after" in asked.stderr, asked.output  # recorded; the meeting is after the decision is due
    request = workspace / "cases" / reference / "outbox" / f"OWN2-{reference}-POL.pdf"
    sent = _pdf_text(request)
    assert "Fictional Person" in sent and "1 Fictional Road" in sent and "Person's name" in sent
    answers = {key.replace("child_", "person_"): value for key, value in CIGINF1_VALUES.items()}
    collected = ws_lifkit("collect", reference, fill_pdf(request, answers, tmp_path / "return.pdf"))
    assert collected.exit_code == 0, collected.output
    state = json.loads(ws_lifkit("status", reference, "--json").stdout)[0]
    assert [m["valid"] for m in state["members"]] == [True]

    built = ws_lifkit("pack", reference, "--json")
    assert built.exit_code in (0, 1), built.output
    pack = " ".join(_pdf_text(Path(json.loads(built.stdout)["file"]), layout=False).split())
    assert "about a person and the people around them" in pack
    assert "The person and significant people as sent to the agencies" in pack
    import re

    assert re.search(r"Returned\s+Person\s+known", pack) and "Child known" not in pack

    assert ws_lifkit("decide", reference, "--recommend", "Critical Case Review", "--rationale", "x").exit_code in (0, 1)
    decided = ws_lifkit("decide", reference, "--chair", "affirmed", "--decision", "Critical Case Review",
                        "--rationale", "Agreed.")
    assert decided.exit_code == 1, decided.output  # lifkit.toml has no [notifications]: the drafts have no To:
    assert "notice's draft has no To: address (panel): add panel = \"ADDRESS\" to [notifications]" in decided.output
    import docx

    summary = docx.Document(workspace / "cases" / reference / f"CIGSUM1-{reference}.docx")
    cells = [cell.text for table in summary.tables for row in table.rows for cell in row.cells]
    assert "Fictional Person" in cells
    from lifkit.register.workbook import open_register

    row = open_register(workspace / "register.xlsx", load_shipped("lscb-2016").register_columns).find(reference)
    assert row["Child name"] == "Fictional Person" and row["Decision"] == "Critical Case Review"


def test_a_workspace_word_form_template_is_used_and_checked(workspace, ws_lifkit, tmp_path):
    import docx

    copied = ws_lifkit("process", "copy-template", "form.docx")
    assert copied.exit_code == 0, copied.output
    own = workspace / "templates" / "form.docx"
    document = docx.Document(own)
    document.paragraphs[0].insert_paragraph_before("Testshire's own Word style")
    document.save(own)
    assert "error:" not in ws_lifkit("config", "check").output
    made = ws_lifkit("form", "referral", "--format", "docx", "-o", tmp_path / "blank.docx")
    assert made.exit_code == 0, made.output
    assert "Testshire's own Word style" in [p.text for p in docx.Document(tmp_path / "blank.docx").paragraphs]
    own.write_bytes(b"not a Word file")
    check = ws_lifkit("config", "check")
    assert check.exit_code == 2 and "templates/form.docx:" in check.output and "is not a Word document" in check.output
