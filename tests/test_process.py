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
    assert str(new.deadline("publication").length) == "6 months"


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
    settings.write_text(document.as_string(), encoding="utf-8")


def test_a_rapid_review_workspace_names_no_2016_word(tmp_path):
    root = rr_workspace(tmp_path / "lscp")
    text = (root / "lifkit.toml").read_text(encoding="utf-8")
    assert 'process = "rapid-review-2023"' in text
    from lifkit.register.workbook import open_register

    headers = open_register(root / "register.xlsx", load_shipped("rapid-review-2023").register_columns).headers
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
