"""`lifkit demo`: the whole cycle on a practice workspace, checked step by step."""

from __future__ import annotations

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
