"""`lifkit demo`: the whole cycle on a practice workspace, checked step by step."""

from __future__ import annotations

import datetime as dt
import email
import json
from email.policy import default
from pathlib import Path

import pytest

from conftest import Lifkit


@pytest.fixture
def demo(demo_workspace) -> tuple[Path, dict]:
    return demo_workspace


def test_the_demo_names_what_it_made(demo):
    root, made = demo
    assert Path(made["root"]) == root.resolve()
    for path in made["files"].values():
        assert Path(path).is_file(), path
    assert made["pack_password"]
    assert len(made["steps"]) >= 10


def test_everything_is_marked_fictional(demo):
    root, _ = demo
    text = (root / "lifkit.toml").read_text(encoding="utf-8")
    assert "FICTIONAL PRACTICE WORKSPACE" in text
    assert "@" in text and all(line.split('"')[1].endswith(".example")
                               for line in text.splitlines() if line.startswith(("email =", "ofsted =", "panel =")))


def test_the_demo_pack(demo):
    from pypdf import PdfReader

    _, made = demo
    reader = PdfReader(made["files"]["pack"])
    assert len(reader.pages) > 10
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert any("Contents" in t for t in titles) and any("chronology" in t.lower() for t in titles)
    locked = PdfReader(made["files"]["encrypted pack"])
    assert locked.is_encrypted and locked.decrypt(made["pack_password"])


def test_the_demo_register(demo):
    from lifkit.register.workbook import open_register

    root, _ = demo
    register = open_register(root / "register.xlsx")
    rows = {row["Case ref"]: row for row in register.rows()}
    assert len(rows) == 2  # the references carry the year the demo runs in
    first = rows[sorted(rows)[0]]
    assert first["Decision"] == "MA Concise Review" and first["CIGINF1 returned"] == "15 of 15"
    assert [d["By"] for d in register.decisions()] == ["CIEC", "Independent Chair"]


def test_the_demo_drafts(demo):
    root, _ = demo
    cases = sorted((root / "cases").iterdir())
    outbox = cases[0] / "outbox"
    requests = sorted(outbox.glob("request-*.eml"))
    assert len(requests) == 15
    reminders = sorted(outbox.glob("reminder-*.eml"))
    assert {p.stem.rsplit("-", 1)[-1] for p in reminders} == {"AMB", "HOU"}
    panel = email.message_from_bytes((outbox / f"notice-panel-{cases[0].name}.eml").read_bytes(), policy=default)
    assert panel["X-Unsent"] == "1"
    assert "Alex Example" not in panel.get_content()


def test_the_demo_workspace_answers_commands(demo):
    root, _ = demo
    ws = Lifkit(root)
    status = ws("status", "--json")
    assert status.exit_code == 1  # the second case's returns are overdue
    cases = json.loads(status.stdout)
    assert [sum(1 for m in c["members"] if m["valid"]) for c in cases] == [15, 6]
    assert ws("config", "check").exit_code == 0


def test_the_demo_refuses_an_existing_workspace(demo):
    root, _ = demo
    result = Lifkit()("demo", root)
    assert result.exit_code == 2
    assert "already holds a workspace" in result.stderr


def test_the_demo_dates_do_not_depend_on_the_day_it_runs(demo, tmp_path, monkeypatch):
    """The demo plays fixed dates ending on DEMO_TODAY: made on another day, its cases are the same."""
    from lifkit.steps.demo import DEMO_TODAY

    root, made = demo
    assert made["today"] == DEMO_TODAY.isoformat() == "2026-11-25"
    monkeypatch.setenv("LIFKIT_TODAY", "2031-06-02")  # a later day; the demo pretends its own days
    again = Lifkit()("demo", tmp_path / "again", "--json")
    assert again.exit_code == 0, again.output
    for case in sorted((root / "cases").iterdir()):
        assert (tmp_path / "again" / "cases" / case.name / "case.yaml").read_text(encoding="utf-8") == \
            (case / "case.yaml").read_text(encoding="utf-8")
    assert json.loads(again.stdout)["steps"] == made["steps"]
    # and its pack is the same, byte for byte (so is the SHA-256 the README shows)
    assert Path(json.loads(again.stdout)["files"]["pack"]).read_bytes() == Path(made["files"]["pack"]).read_bytes()


def test_the_demo_leaves_a_referral_and_replies_for_the_reader(demo, tmp_path, monkeypatch):
    import shutil

    root, _ = demo
    copy = tmp_path / "practice"
    shutil.copytree(root, copy)
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-25")
    ws = Lifkit(copy)
    opened = ws("referral", "open", copy / "saved-mail" / "referral-3.eml", "--notified", "24/11/2026", "--json")
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.stdout)["reference"] == "CIEC-2026-003"
    today = sorted((copy / "saved-mail" / "CIEC-2026-002" / "today").glob("*.eml"))
    collected = ws("collect", "CIEC-2026-002", *today)
    assert collected.exit_code == 0 and "2 returns filed" in collected.stdout, collected.output


def test_the_rapid_review_demo(rapid_review_demo, tmp_path, monkeypatch):
    """A fictional partnership: one serious incident carried to the Panel's reply, one awaiting summaries, and
    one of the year before whose LCSPR ran from the decision to publication."""
    import shutil

    root, made = rapid_review_demo
    assert made["process"] == "rapid-review-2023"
    for path in made["files"].values():
        assert Path(path).is_file(), path
    settings = (root / "lifkit.toml").read_text(encoding="utf-8")
    assert 'process = "rapid-review-2023"' in settings and "[review_chair]" in settings
    assert "FICTIONAL PRACTICE WORKSPACE" in settings
    copy = tmp_path / "practice"
    shutil.copytree(root, copy)
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-25")
    ws = Lifkit(copy)
    assert ws("config", "check").exit_code == 0
    states = {c["reference"]: c for c in json.loads(ws("status", "--json").stdout)}
    assert sorted(states) == ["RR-2025-001", "RR-2026-001", "RR-2026-002"]
    lcspr = states["RR-2025-001"]["review_state"]
    stages = {s["id"]: s for s in lcspr["stages"]}
    assert all(s["done"] for s in stages.values())  # every stage recorded, decision to publication
    assert lcspr["published"] == "2026-09-15" and lcspr["deferrals"][0]["reason"].startswith("Criminal proceedings")
    assert any(s["chased"] and s["done"] > s["due"] for s in stages.values())  # a stage overdue and chased
    from lifkit.mechanics.workdays import WorkingCalendar

    copy_sent = dt.date.fromisoformat(stages["panel_copy"]["done"])  # the Panel's copy 7 working days before
    assert WorkingCalendar().add_working_days(copy_sent, 7) == dt.date.fromisoformat(lcspr["planned"]["publication"])
    first, second = states["RR-2026-001"], states["RR-2026-002"]
    assert first["decision"] == "LCSPR" and first["decision_date"] == "2026-11-04"
    assert first["awaiting_signoff"] == []
    notices = {n["id"]: n for n in first["notices"]}
    assert notices["rapid_review"]["sent"] == "2026-11-04" and notices["rapid_review"]["agreed"] is True
    assert {d["id"]: d["due"] for d in first["deadlines"]}["rapid_review"] == "2026-11-04"  # 15 working days
    assert all(m["valid"] for m in first["members"]) and len(first["members"]) == 9
    assert second["decision"] in (None, "") and sum(1 for m in second["members"] if m["valid"]) == 4
    overdue = json.loads(ws("overdue", "--json").stdout)
    assert {i["reference"] for i in overdue} == {"RR-2026-002"}
    report = json.loads(ws("report", "--year", "2025", "--json").stdout)
    assert report["months_to_publication"] == [9.6] and report["deferred"] == 1
    from lifkit.register.workbook import open_register
    from lifkit.case.process import load_shipped

    register = open_register(copy / "register.xlsx", load_shipped("rapid-review-2023").register_columns)
    row = register.find("RR-2026-001")
    assert row["Signed off by"] == "LA, ICB, POL" and row["Panel agreed"] == "Yes"
    assert [d["By"] for d in register.decisions() if d["Case ref"] == "RR-2026-001"] == [
        "rapid review panel", "Local authority", "Integrated care board", "Chief officer of police"]
    assert register.find("RR-2025-001")["LCSPR published"] == dt.date(2026, 9, 15)
    opened = ws("referral", "open", copy / "saved-mail" / "referral-3.eml", "--json")
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.stdout)["reference"] == "RR-2026-003"


def test_the_demo_refuses_a_process_it_has_no_script_for(tmp_path):
    result = Lifkit()("demo", tmp_path / "x", "--process", "no-such-process")
    assert result.exit_code == 2 and "no script" in result.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("which", ["demo_workspace", "rapid_review_demo", "sar_demo"])
def test_the_demo_works_and_meets_on_working_days(which, request):
    """Every day the demo's administrator works (each journal entry's day) and every meeting it sets is a
    working day: no Saturday meeting, no chase on a bank holiday (a careful board's diary, and no warning)."""
    from lifkit.case.workspace import open_workspace

    root, _ = request.getfixturevalue(which)
    calendar = open_workspace(root).settings.working_calendar()
    wrong = []
    for journal in sorted((root / "cases").glob("*/journal.jsonl")):
        for line in journal.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            for key in ("day", "meeting"):
                if entry.get(key):
                    why = calendar.why_not_working(dt.date.fromisoformat(entry[key]))
                    if why:
                        wrong.append(f"{journal.parent.name} {entry['event']} {key} {entry[key]}: {why}")
    assert wrong == []


@pytest.mark.parametrize("which", ["demo_workspace", "rapid_review_demo", "sar_demo"])
def test_every_email_subject_begins_with_a_capital(which, request):
    """A subject is the first thing an agency reads: "Action plan — RR-2026-001 — ...", never
    "action plan — ..." (the process's word for it is written for the middle of a sentence)."""
    root, _ = request.getfixturevalue(which)
    lower = []
    for draft in sorted(root.glob("cases/*/outbox/*.eml")):
        subject = email.message_from_bytes(draft.read_bytes(), policy=default)["Subject"]
        if not subject[:1].isupper() and not subject[:1].isdigit():
            lower.append(f"{draft.name}: {subject}")
    assert lower == []
