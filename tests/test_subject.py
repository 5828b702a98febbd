"""Issue 21's mechanism: the deadline ``start`` grammar, the review's subject named by the process and its
forms (``subject:``, form ``roles:``, case.yaml ``subjects:``), and case folders made by lifkit 0.1.0."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import Lifkit

from lifkit.case.process import Start, load_process_file, load_shipped, parse_start, start_problem


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
