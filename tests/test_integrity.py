"""The record stays right: every journal entry and Decisions row exactly once, whatever runs at the same
time (real processes) and wherever a step is killed (kill -9), and repeats refused."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import TODAY, Lifkit
from test_decisions import open_case, ws  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("fixed_today")


def _journal_rows(root: Path) -> dict[str, str]:
    """Every Decisions row the case folders hold: event id -> case."""
    from lifkit.case.folder import journal

    rows = {}
    for folder in (root / "cases").iterdir():
        for event in journal(folder):
            if event.get("row"):
                rows[event["id"]] = folder.name
    return rows


def _register_rows(root: Path) -> list[str]:
    from lifkit.register.workbook import open_register

    return [row.get("Event id") for row in open_register(root / "register.xlsx").decisions()]


def _assert_exactly_once(root: Path) -> None:
    journalled = _journal_rows(root)
    on_register = _register_rows(root)
    assert sorted(on_register) == sorted(journalled), "a Decisions row is missing or doubled"
    check = Lifkit(root)("register", "check")
    assert "repeats row" not in check.output


WORKER = r"""
import os, sys
from click.testing import CliRunner
from lifkit.cli import cli
root, tag, steps, reference, referral = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
run = CliRunner()
for i in range(steps):
    kind = i % 4
    if kind == 0:
        args = ["decide", reference, "--further-info", "--next-meeting", "20/12/2026", "--rationale", f"{tag} {i}"]
    elif kind == 1:
        args = ["register", "sync"]
    elif kind == 2:
        args = ["notified", reference, "referrer", "--on", f"{(i % 20) + 1:02d}/11/2026"]
    else:
        args = ["referral", "open", referral, "--notified", "20/11/2026", "--new-case"]
    result = run.invoke(cli, ["--workspace", root, *args])
    if result.exit_code not in (0, 1, 2, 3):
        print(args, result.exit_code, result.output, file=sys.stderr)
        sys.exit(9)
"""


def test_two_processes_writing_at_once_write_every_row_once(ws, tmp_path):  # noqa: F811
    from returns import CIGSCR1_VALUES, blank_form, fill_pdf

    reference = open_case(ws, tmp_path)
    root = ws.workspace
    referral = fill_pdf(blank_form(ws, tmp_path / "blank-referral.pdf", "cigscr1"), CIGSCR1_VALUES,
                        tmp_path / "another-referral.pdf")
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    env = {**os.environ, "LIFKIT_TODAY": TODAY}
    workers = [subprocess.Popen([sys.executable, str(script), str(root), tag, "50", reference, str(referral)], env=env,
                                stderr=subprocess.PIPE, text=True) for tag in ("first", "second")]
    for worker in workers:
        _, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
    assert Lifkit(root)("register", "sync").exit_code == 0
    _assert_exactly_once(root)
    assert len(_journal_rows(root)) >= 26  # both shells' further-information steps, none lost
    # every case opened has its own reference and exactly one row on the register
    from lifkit.register.workbook import open_register

    cases = sorted(p.name for p in (root / "cases").iterdir() if (p / "case.yaml").is_file())
    assert len(cases) == 1 + 2 * 12
    refs = [row.get("Case ref") for row in open_register(root / "register.xlsx").rows()]
    assert sorted(refs) == cases


def test_two_shells_recording_the_same_step_record_it_once(ws, tmp_path):  # noqa: F811
    reference = open_case(ws, tmp_path)
    root = ws.workspace
    env = {**os.environ, "LIFKIT_TODAY": TODAY}
    command = [sys.executable, "-m", "lifkit", "--workspace", str(root), "decide", reference, "--recommend", "SCR",
               "--rationale", "Both shells typed this."]
    for _ in range(3):
        shells = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        codes = sorted(shell.wait(timeout=120) for shell in shells)
        assert codes[0] in (0, 2)
    from lifkit.case.folder import journal

    recommended = [e for e in journal(root / "cases" / reference) if e["event"] == "recommended"]
    assert len(recommended) == 1
    _assert_exactly_once(root)


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_and_doubles_nothing(ws, tmp_path):  # noqa: F811
    reference = open_case(ws, tmp_path)
    root = ws.workspace
    env = {**os.environ, "LIFKIT_TODAY": TODAY}
    chance = random.Random(13)
    for attempt in range(40):
        command = [sys.executable, "-m", "lifkit", "--workspace", str(root), "decide", reference, "--further-info",
                   "--next-meeting", "20/12/2026", "--rationale", f"attempt {attempt}"]
        step = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.2, 1.2))
        step.send_signal(signal.SIGKILL)
        step.wait()
        # the next command and a sync, as the administrator would run them
        assert Lifkit(root)("status", reference, "--json").exit_code in (0, 1)
        assert Lifkit(root)("register", "sync").exit_code == 0
        _assert_exactly_once(root)


def test_a_torn_journal_line_is_not_recorded_and_is_cut_off(ws, tmp_path):  # noqa: F811
    from lifkit.case.folder import journal, record_event

    reference = open_case(ws, tmp_path)
    folder = ws.workspace / "cases" / reference
    before = journal(folder)
    with (folder / "journal.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"at": "2026-11-25T10:00:00+00:00", "event": "recomm')  # the power failed here
    assert journal(folder) == before
    record_event(folder, "chased", agency="POL")
    after = journal(folder)
    assert after[:-1] == before and after[-1]["event"] == "chased"


def test_a_step_cut_short_is_not_recorded(ws, tmp_path):  # noqa: F811
    from lifkit.case.folder import journal, record_event, record_events

    reference = open_case(ws, tmp_path)
    folder = ws.workspace / "cases" / reference
    record_events(folder, [("received", {"message": "a"}), ("validated", {"agency": "POL"}), ("filed", {})])
    whole = (folder / "journal.jsonl").read_text(encoding="utf-8")
    lines = whole.splitlines(keepends=True)
    assert [json.loads(line)["event"] for line in lines[-3:]] == ["received", "validated", "filed"]
    cut = "".join(lines[:-1])  # the power failed after two of the step's three lines reached the disk
    (folder / "journal.jsonl").write_text(cut, encoding="utf-8")
    assert [e["event"] for e in journal(folder)][-2:] != ["received", "validated"]
    before = journal(folder)
    record_event(folder, "chased", agency="POL")
    assert journal(folder) == before + [journal(folder)[-1]] and journal(folder)[-1]["event"] == "chased"
    assert "validated" not in (folder / "journal.jsonl").read_text(encoding="utf-8").splitlines()[-2]


def test_a_repeated_further_information_is_refused(ws, tmp_path):  # noqa: F811
    reference = open_case(ws, tmp_path)
    args = ("decide", reference, "--further-info", "--next-meeting", "20/12/2026", "--rationale", "Awaiting the PM")
    assert ws(*args).exit_code == 0
    repeat = ws(*args)
    assert repeat.exit_code == 2 and "repeat" in repeat.output
    _assert_exactly_once(ws.workspace)


def test_an_amended_decision_asks_for_its_notices_again(ws, tmp_path):  # noqa: F811
    reference = open_case(ws, tmp_path)
    ws("decide", reference, "--recommend", "Review not initiated", "--rationale", "x")
    ws("decide", reference, "--chair", "affirmed", "--decision", "Review not initiated", "--rationale", "y")
    for notice in ("ofsted", "panel", "referrer"):
        assert ws("notified", reference, notice).exit_code == 0
    assert json.loads(ws("overdue", "--json").stdout) == []
    amended = ws("decide", reference, "--chair", "challenged", "--decision", "SCR", "--rationale", "New facts",
                 "--amend", "The post-mortem found new injuries")
    assert amended.exit_code == 0, amended.output
    outbox = ws.workspace / "cases" / reference / "outbox"
    assert (outbox / f"notice-ofsted-{reference}.eml").is_file()
    assert (outbox / f"notice-ofsted-{reference}-superseded.eml").is_file()
    state = json.loads(ws("status", reference, "--json").stdout)[0]
    notices = {n["id"]: n for n in state["notices"]}
    assert notices["ofsted"]["sent"] is None and notices["ofsted"]["superseded"] == [TODAY]
    whats = [i["what"] for i in json.loads(ws("overdue", "--json").stdout)]
    assert "Ofsted notification (straight after the decision)" in whats
    from lifkit.register.workbook import open_register

    row = open_register(ws.workspace / "register.xlsx").find(reference)
    assert row.get("Ofsted notified") in (None, "")


def test_the_workbook_recalculates_hand_formulas_on_open(ws, tmp_path):  # noqa: F811
    import zipfile

    reference = open_case(ws, tmp_path)
    assert reference
    with zipfile.ZipFile(ws.workspace / "register.xlsx") as book:
        workbook = book.read("xl/workbook.xml").decode()
    assert 'fullCalcOnLoad="1"' in workbook


# --- repeats and typos --------------------------------------------------------------------------


def test_the_same_referral_opened_twice_is_refused(ws, tmp_path):  # noqa: F811
    from returns import CIGSCR1_VALUES, blank_form, fill_pdf

    blank = blank_form(ws, tmp_path / "blank.pdf", "cigscr1")
    form = fill_pdf(blank, CIGSCR1_VALUES, tmp_path / "referral.pdf")
    first = ws("referral", "open", form, "--notified", "02/11/2026", "--json")
    assert first.exit_code == 0, first.output
    reference = json.loads(first.stdout)["reference"]
    again = ws("referral", "open", form, "--notified", "02/11/2026")
    assert again.exit_code == 2 and f"as case {reference}" in again.output and "--new-case" in again.output
    # the same child and incident on a form filled again (another file) is the same referral too
    retyped = fill_pdf(blank, {**CIGSCR1_VALUES, "summary": "Typed again."}, tmp_path / "retyped.pdf")
    assert ws("referral", "open", retyped, "--notified", "02/11/2026").exit_code == 2
    assert sorted(p.name for p in (ws.workspace / "cases").iterdir() if p.is_dir()) == [reference]
    meant = ws("referral", "open", retyped, "--notified", "02/11/2026", "--new-case", "--json")
    assert meant.exit_code == 0 and json.loads(meant.stdout)["reference"] != reference


def test_collecting_the_same_message_twice_changes_nothing(ws, tmp_path, monkeypatch):  # noqa: F811
    import email.utils
    from email.message import EmailMessage

    from returns import CIGINF1_VALUES, fill_pdf

    reference = open_case(ws, tmp_path)
    folder = ws.workspace / "cases" / reference
    filled = fill_pdf(folder / "outbox" / f"CIGINF1-{reference}-CSC.pdf", CIGINF1_VALUES, tmp_path / "csc.pdf")
    message = EmailMessage()
    message["From"] = "csc.ciec@testshire.example"
    message["To"] = "jordan.avery@testshire-lscb.example"
    message["Subject"] = f"RE: {reference}"
    message["Message-ID"] = "<return-1@testshire.example>"
    message["Date"] = email.utils.format_datetime(email.utils.parsedate_to_datetime("Thu, 26 Nov 2026 16:05:00 +0000"))
    message.set_content("Attached.")
    message.add_attachment(filled.read_bytes(), maintype="application", subtype="pdf", filename="csc-return.pdf")
    saved = tmp_path / "csc.eml"
    saved.write_bytes(bytes(message))
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-28")  # collected two days after it was sent
    assert ws("collect", reference, saved).exit_code == 0
    journal_before = (folder / "journal.jsonl").read_bytes()
    returns_before = (folder / "returns" / "CSC.json").read_bytes()
    again = ws("collect", reference, saved, "--json")
    assert again.exit_code == 0, again.output
    result = json.loads(again.stdout)
    assert result["received"] == [] and "already filed on" in result["already"][0]
    # saved again from the mail client (other bytes, the same Message-ID): the same message
    resaved = tmp_path / "csc-again.eml"
    resaved.write_bytes(bytes(message).replace(b"Attached.", b"Attached. "))
    assert json.loads(ws("collect", reference, resaved, "--json").stdout)["received"] == []
    assert (folder / "journal.jsonl").read_bytes() == journal_before
    assert (folder / "returns" / "CSC.json").read_bytes() == returns_before
    # the return is dated as the message was sent, not the day it was collected
    status = json.loads(ws("status", reference, "--json").stdout)[0]
    assert {m["code"]: m["returned"] for m in status["members"]}["CSC"] == "2026-11-26"


def test_a_meeting_in_the_past_is_refused(ws, tmp_path):  # noqa: F811
    reference = open_case(ws, tmp_path)
    before = (ws.workspace / "cases" / reference / "case.yaml").read_text(encoding="utf-8")
    refused = ws("request", reference, "--meeting", "01/11/2026", "--agency", "POL")
    assert refused.exit_code == 2 and "01/11/2026 is in the past" in refused.output
    assert (ws.workspace / "cases" / reference / "case.yaml").read_text(encoding="utf-8") == before


def test_a_case_reference_in_lower_case(ws, tmp_path):  # noqa: F811
    reference = open_case(ws, tmp_path)
    result = ws("status", reference.lower(), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["reference"] == reference


def test_smaller_things_a_newcomer_met(ws, tmp_path):  # noqa: F811
    from returns import CIGSCR1_VALUES, blank_form, fill_pdf

    # a recommendation for a case with no meeting and no returns is recorded, with a warning
    form = fill_pdf(blank_form(ws, tmp_path / "blank.pdf", "cigscr1"), CIGSCR1_VALUES, tmp_path / "r.pdf")
    bare = json.loads(ws("referral", "open", form, "--notified", "20/11/2026", "--json").stdout)["reference"]
    early = ws("decide", bare, "--recommend", "SCR", "--rationale", "x")
    assert early.exit_code == 1 and "no CIEC meeting and no returns" in early.stderr
    # notified defaults to today; a decided case no longer counts down to its decision
    ws("decide", bare, "--chair", "affirmed", "--decision", "SCR", "--rationale", "y")
    assert ws("notified", bare, "ofsted").exit_code == 0
    state = json.loads(ws("status", bare, "--json").stdout)[0]
    assert {n["id"]: n["sent"] for n in state["notices"]}["ofsted"] == TODAY
    assert state["days_left"] is None and "decided 25/11/2026" in ws("status", bare).stdout
    # the commands are listed in the order of the process, and the help starts with the demo
    help_text = Lifkit()("--help").stdout
    assert help_text.index("lifkit demo") < help_text.index("lifkit init")
    commands = help_text[help_text.index("Commands:"):]
    assert commands.index("referral") < commands.index("request") < commands.index("collect") \
        < commands.index("decide") < commands.index("notified")
