"""`lifkit init`, finding the workspace, checking lifkit.toml, and `lifkit members`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Lifkit
from lifkit.register.workbook import ACTIONS_COLUMNS, DECISIONS_COLUMNS, REGISTER_COLUMNS
from lifkit.case.workspace import STARTING_MEMBERS, reference_pattern_problem


# --- lifkit init ------------------------------------------------------------------------------


def test_init_creates_settings_register_and_cases(tmp_path: Path, lifkit: Lifkit):
    root = tmp_path / "board"
    result = lifkit("init", root, "--board", "Testshire Safeguarding Children Board",
                    "--admin-name", "Jordan Avery", "--admin-email", "jordan.avery@testshire.example")
    assert result.exit_code == 0, result.output
    assert (root / "lifkit.toml").is_file()
    assert (root / "cases").is_dir()
    text = (root / "lifkit.toml").read_text(encoding="utf-8")
    assert 'name = "Testshire Safeguarding Children Board"' in text
    assert 'email = "jordan.avery@testshire.example"' in text
    assert "lifkit config check" in result.stdout


def test_init_lists_the_usual_partner_agencies_with_placeholder_addresses(tmp_path: Path, lifkit: Lifkit):
    root = tmp_path / "board"
    lifkit("init", root)
    listed = json.loads(Lifkit(root)("members", "--json").stdout)
    codes = [m["code"] for m in listed]
    assert codes == [code for code, _ in STARTING_MEMBERS]
    agencies = " ".join(m["agency"] for m in listed)
    for agency in ("Police", "Children's Social Care", "Acute", "Community", "Mental Health",
                   "Clinical Commissioning Group", "Education", "Probation", "Youth Offending", "Housing",
                   "NSPCC", "Cafcass"):
        assert agency in agencies
    assert all(m["email"].endswith("@example.org") for m in listed)


def test_init_register_has_both_sheets_headers_frozen_and_date_formats(tmp_path: Path, lifkit: Lifkit):
    from openpyxl import load_workbook

    root = tmp_path / "board"
    lifkit("init", root)
    workbook = load_workbook(root / "register.xlsx")
    assert workbook.sheetnames == ["Register", "Decisions", "Actions"]  # Actions: the action plans' actions
    for sheet, columns in ((workbook["Register"], REGISTER_COLUMNS), (workbook["Decisions"], DECISIONS_COLUMNS),
                           (workbook["Actions"], ACTIONS_COLUMNS)):
        assert [c.value for c in sheet[1]] == [c.header for c in columns]
        assert sheet.freeze_panes == "A2"
        assert sheet.max_row == 1
        assert all(c.font.bold for c in sheet[1])
        for index, column in enumerate(columns, start=1):
            dimension = sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter]
            assert dimension.width == column.width
            if column.kind == "date":
                assert dimension.number_format == "dd/mm/yyyy", column.header


def test_init_register_opens_in_libreoffice(tmp_path: Path, lifkit: Lifkit):
    from conftest import require_tool
    import subprocess

    soffice = require_tool("soffice")
    root = tmp_path / "board"
    lifkit("init", root)
    out = tmp_path / "csv"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "csv", "--outdir", str(out), str(root / "register.xlsx")],
                   check=True, capture_output=True, timeout=180)
    header = (out / "register.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",")[:3] == ["Case ref", "Date notified", "CIGSCR1 received"]


@pytest.mark.parametrize("existing", ["lifkit.toml", "register.xlsx", "cases"])
def test_init_refuses_to_overwrite_a_workspace(tmp_path: Path, lifkit: Lifkit, existing: str):
    root = tmp_path / "board"
    root.mkdir()
    target = root / existing
    if existing == "cases":
        target.mkdir()
    else:
        target.write_text("the administrator's own content")
    result = lifkit("init", root)
    assert result.exit_code == 2
    assert "will not overwrite" in result.stderr and existing in result.stderr
    assert "Traceback" not in result.output
    if existing != "cases":
        assert target.read_text() == "the administrator's own content"
    assert sorted(p.name for p in root.iterdir()) == [existing]


def test_init_refuses_a_second_init(workspace: Path, lifkit: Lifkit):
    before = (workspace / "lifkit.toml").read_bytes()
    result = lifkit("init", workspace)
    assert result.exit_code == 2
    assert (workspace / "lifkit.toml").read_bytes() == before


def test_init_with_a_bad_email_creates_nothing(tmp_path: Path, lifkit: Lifkit):
    root = tmp_path / "board"
    result = lifkit("init", root, "--admin-email", "not-an-address")
    assert result.exit_code == 2
    assert "[administrator] email" in result.stderr
    assert "'not-an-address' is not a valid email address" in result.stderr
    assert not (root / "lifkit.toml").exists()


# --- finding the workspace --------------------------------------------------------------------


def test_workspace_is_found_from_a_subfolder(workspace: Path, lifkit: Lifkit, monkeypatch):
    deep = workspace / "cases" / "somewhere"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    monkeypatch.delenv("LIFKIT_WORKSPACE", raising=False)
    result = lifkit("config", "check")
    assert result.exit_code == 0, result.output
    assert str(workspace / "lifkit.toml") in result.stdout


def test_workspace_from_environment_variable(workspace: Path, lifkit: Lifkit, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LIFKIT_WORKSPACE", str(workspace))
    assert lifkit("members").exit_code == 0


def test_workspace_option_wins_over_environment(workspace: Path, lifkit: Lifkit, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("LIFKIT_WORKSPACE", str(tmp_path / "nowhere"))
    assert lifkit("--workspace", workspace, "members").exit_code == 0


def test_no_workspace_found(tmp_path: Path, lifkit: Lifkit, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LIFKIT_WORKSPACE", raising=False)
    result = lifkit("members")
    assert result.exit_code == 2
    assert "No lifkit workspace here" in result.stderr
    assert "lifkit init" in result.stderr


def test_workspace_option_that_is_not_a_workspace(tmp_path: Path, lifkit: Lifkit):
    result = lifkit("--workspace", tmp_path, "members")
    assert result.exit_code == 2
    assert f"{tmp_path} (from --workspace) is not a lifkit workspace" in result.stderr


# --- bad settings: one clear message per problem, with key and line, exit status 2 ------------


def _edit(workspace: Path, old: str, new: str) -> None:
    path = workspace / "lifkit.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(workspace: Path, needle: str) -> int:
    lines = (workspace / "lifkit.toml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def _assert_settings_error(ws_lifkit: Lifkit, expected: str) -> None:
    for args in (["members"], ["config", "check"]):
        result = ws_lifkit(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert expected in result.output, (args, result.output)


def test_missing_member_email(workspace: Path, ws_lifkit: Lifkit):
    _edit(workspace, 'email = "csc.ciec@testshire.example"\n', "")
    line = _line_of(workspace, 'code = "CSC"') - 1  # the member's [[members]] header
    _assert_settings_error(ws_lifkit, f"line {line}: [[members]] #2 (CSC) email: is missing; it must be given.")


def test_duplicate_agency_code(workspace: Path, ws_lifkit: Lifkit):
    _edit(workspace, 'code = "ACUTE"', 'code = "POL"')
    line = _line_of(workspace, 'agency = "Acute') - 1
    _assert_settings_error(ws_lifkit, f"line {line}: [[members]] #3 (POL) code: the agency code 'POL' is already "
                                      "used by member #1; each agency needs its own code.")


def test_malformed_email(workspace: Path, ws_lifkit: Lifkit):
    _edit(workspace, 'email = "mh.ciec@testshire.example"', 'email = "mh.ciec@"')
    line = _line_of(workspace, 'email = "mh.ciec@"')
    _assert_settings_error(ws_lifkit, f"line {line}: [[members]] #5 (MH) email: 'mh.ciec@' is not a valid email "
                                      "address (expected name@domain).")


def test_unknown_key(workspace: Path, ws_lifkit: Lifkit):
    _edit(workspace, 'path = "register.xlsx"', 'path = "register.xlsx"\ncolour = "blue"')
    line = _line_of(workspace, "colour")
    _assert_settings_error(ws_lifkit, f"line {line}: [register] colour: is not a setting lifkit knows; check the "
                                      "spelling, or remove it.")


def test_unknown_table(workspace: Path, ws_lifkit: Lifkit):
    _edit(workspace, "[cases]", "[casses]\nreference_pattern = \"X-{seq}\"\n\n[cases]")
    _assert_settings_error(ws_lifkit, f"line {_line_of(workspace, '[casses]')}: [casses]: is not a setting")


def test_toml_syntax_error(workspace: Path, ws_lifkit: Lifkit):
    _edit(workspace, 'agency = "Housing"', 'agency = "Housing')
    line = _line_of(workspace, 'agency = "Housing')
    _assert_settings_error(ws_lifkit, f"line {line}: lifkit.toml: this is not valid TOML: a text value is not "
                                      "closed")


def test_wrong_type(workspace: Path, ws_lifkit: Lifkit):
    _edit(workspace, 'name = "Testshire Safeguarding Children Board"', "name = 42")
    _assert_settings_error(ws_lifkit, "[board] name: should be text in quotes, not a number.")


def test_missing_table(workspace: Path, ws_lifkit: Lifkit):
    text = (workspace / "lifkit.toml").read_text(encoding="utf-8")
    start = text.index("[independent_chair]")
    end = text.index("[cases]")
    (workspace / "lifkit.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    _assert_settings_error(ws_lifkit, "independent_chair: is missing; it must be given.")


def test_all_problems_are_reported_at_once(workspace: Path, ws_lifkit: Lifkit):
    _edit(workspace, 'code = "ACUTE"', 'code = "POL"')
    _edit(workspace, 'email = "mh.ciec@testshire.example"', 'email = "nope"')
    _edit(workspace, 'path = "register.xlsx"', 'path = "register.xlsx"\ncolour = "blue"')
    result = ws_lifkit("members")
    assert result.exit_code == 2
    assert "has 3 problems" in result.stderr
    assert result.stderr.count("\n  line ") == 3


def test_a_settings_file_that_is_not_utf8(workspace: Path, ws_lifkit: Lifkit):
    path = workspace / "lifkit.toml"
    path.write_bytes(path.read_bytes().replace(b"Testshire", "Testshîre".encode("latin-1")))
    result = ws_lifkit("members")
    assert result.exit_code == 2
    assert "is not UTF-8 text" in result.stderr and "Save it as UTF-8" in result.stderr


def test_bom_from_notepad_is_accepted(workspace: Path, ws_lifkit: Lifkit):
    path = workspace / "lifkit.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert ws_lifkit("config", "check").exit_code == 0


@pytest.mark.parametrize("pattern, reason", [
    ("CIEC-{year}", "has no {seq} number"),
    ("CIEC-{yr}-{seq}", "uses {yr}"),
    ("CIEC {year}/{seq}", "use only letters, digits"),
    ("CIEC-{seq:zz}", "cannot be used"),
])
def test_bad_reference_patterns(pattern: str, reason: str):
    assert reason in reference_pattern_problem(pattern)


def test_good_reference_pattern():
    assert reference_pattern_problem("CIEC-{year}-{seq:03d}") is None


def test_register_path_must_stay_in_the_workspace(workspace: Path, ws_lifkit: Lifkit):
    _edit(workspace, 'path = "register.xlsx"', 'path = "../elsewhere/register.xlsx"')
    _assert_settings_error(ws_lifkit, "[register] path: '../elsewhere/register.xlsx' must be a path inside the "
                                      "workspace")


def _board_name_line(workspace: Path) -> str:
    return next(line for line in (workspace / "lifkit.toml").read_text(encoding="utf-8").splitlines()
                if line.startswith("name = ") and "Board" in line)


def test_closure_days_are_read_as_dates_and_make_the_working_calendar(workspace: Path, ws_lifkit: Lifkit):
    from datetime import date

    from lifkit.case.workspace import open_workspace

    name = _board_name_line(workspace)
    _edit(workspace, name, name + '\nclosure_days = [2026-12-31, "29/12/2026", 2026-12-30, 2026-12-29]')
    assert ws_lifkit("config", "check").exit_code == 0
    settings = open_workspace(workspace).settings
    assert settings.closure_days == (date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31))
    calendar = settings.working_calendar()
    assert calendar.add_working_days(date(2026, 12, 24), 1) == date(2027, 1, 4)  # 28th bank holiday, 29-31 closed


def test_no_closure_days_is_the_default(workspace: Path):
    from lifkit.case.workspace import open_workspace

    settings = open_workspace(workspace).settings
    assert settings.closure_days == ()
    assert settings.working_calendar().closures == frozenset()


@pytest.mark.parametrize("value, message", [
    ('[2026-12-29, "31/02/2026"]', "[board] closure_days #2: '31/02/2026' is not a date; write it as yyyy-mm-dd"),
    ("[2026-12-29T09:00:00]", "[board] closure_days #1: 2026-12-29T09:00:00 is a date and time; give the date "
                              "alone, e.g. 2026-12-29."),
    ("[20261229]", "[board] closure_days #1: 20261229 is a number, not a date"),
    ("2026-12-29", "[board] closure_days: should be a list in [ ], e.g. [2026-12-29], not a date."),
])
def test_a_bad_closure_day_is_named_by_line_and_key(workspace: Path, ws_lifkit: Lifkit, value: str, message: str):
    name = _board_name_line(workspace)
    _edit(workspace, name, f"{name}\nclosure_days = {value}")
    _assert_settings_error(ws_lifkit, f"line {_line_of(workspace, 'closure_days')}: {message}")


# --- lifkit config check ----------------------------------------------------------------------


def test_config_check_flags_placeholders_until_replaced(tmp_path: Path, lifkit: Lifkit):
    root = tmp_path / "board"
    lifkit("init", root)
    result = Lifkit(root)("config", "check")
    assert result.exit_code == 1
    assert "warning: line" in result.stdout
    assert "'pol.safeguarding@example.org' is a placeholder from `lifkit init`" in result.stdout
    assert "[administrator] address: is the placeholder" in result.stdout
    assert "0 errors" in result.stdout
    report = json.loads(Lifkit(root)("config", "check", "--json").stdout)
    assert report["errors"] == []
    assert len(report["warnings"]) == 2 + 2 * 4 + 2 * len(STARTING_MEMBERS)  # board, address, people, members


def test_config_check_clean(workspace: Path, ws_lifkit: Lifkit):
    result = ws_lifkit("config", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith(": OK")


def test_config_check_warns_of_a_shared_member_address(workspace: Path, ws_lifkit: Lifkit):
    _edit(workspace, 'email = "csc.ciec@testshire.example"', 'email = "pol.ciec@testshire.example"')
    result = ws_lifkit("config", "check")
    assert result.exit_code == 1
    assert "is also the address of [[members]] #1 (POL);" in result.stdout


def test_config_check_warns_of_a_missing_register(workspace: Path, ws_lifkit: Lifkit):
    (workspace / "register.xlsx").unlink()
    result = ws_lifkit("config", "check")
    assert result.exit_code == 1
    assert "does not exist yet" in result.stdout


# --- lifkit members ---------------------------------------------------------------------------


def test_members_lists_a_table(ws_lifkit: Lifkit):
    result = ws_lifkit("members")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Code", "Agency", "Member", "Email", "Format"]
    assert lines[2].startswith("POL ")
    assert lines[-1] == f"{len(STARTING_MEMBERS)} members."


def test_members_add_keeps_comments_and_layout(workspace: Path, ws_lifkit: Lifkit):
    path = workspace / "lifkit.toml"
    _edit(workspace, '[board]', "# Our own note: agreed at the board meeting of 3 March.\n[board]")
    before = path.read_text(encoding="utf-8")
    result = ws_lifkit("members", "add", "fire", "--agency", "Fire and Rescue Service", "--name", "Casey Tern",
                       "--email", "casey.tern@testshire-fire.example", "--format", "docx")
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)  # everything that was there is there, unchanged
    assert "# Our own note: agreed at the board meeting of 3 March." in after
    listed = json.loads(ws_lifkit("members", "--json").stdout)
    assert listed[-1] == {"code": "FIRE", "agency": "Fire and Rescue Service", "name": "Casey Tern",
                          "email": "casey.tern@testshire-fire.example", "format": "docx"}
    assert ws_lifkit("config", "check").exit_code == 0


def test_members_add_refuses_a_used_code(workspace: Path, ws_lifkit: Lifkit):
    before = (workspace / "lifkit.toml").read_bytes()
    result = ws_lifkit("members", "add", "POL", "--agency", "Police", "--name", "X Y", "--email", "x@y.example")
    assert result.exit_code == 2
    assert "The agency code POL is already a CIEC member" in result.stderr
    assert (workspace / "lifkit.toml").read_bytes() == before


def test_members_add_refuses_a_bad_email_and_leaves_the_file_alone(workspace: Path, ws_lifkit: Lifkit):
    before = (workspace / "lifkit.toml").read_bytes()
    result = ws_lifkit("members", "add", "FIRE", "--agency", "Fire", "--name", "X Y", "--email", "x@")
    assert result.exit_code == 2
    assert "(FIRE) email: 'x@' is not a valid email address" in result.stderr
    assert (workspace / "lifkit.toml").read_bytes() == before


def test_members_add_refuses_a_bad_code(workspace: Path, ws_lifkit: Lifkit):
    result = ws_lifkit("members", "add", "FIRE SERVICE", "--agency", "Fire", "--name", "X Y", "--email", "x@y.example")
    assert result.exit_code == 2
    assert "is not a usable agency code" in result.stderr


def test_members_remove(workspace: Path, ws_lifkit: Lifkit):
    path = workspace / "lifkit.toml"
    _edit(workspace, '[board]', "# A comment of the administrator's.\n[board]")
    result = ws_lifkit("members", "remove", "hou")
    assert result.exit_code == 0, result.output
    assert "Removed HOU (Housing)" in result.stdout
    text = path.read_text(encoding="utf-8")
    assert 'code = "HOU"' not in text
    assert "# A comment of the administrator's." in text
    assert [m["code"] for m in json.loads(ws_lifkit("members", "--json").stdout)] == [
        code for code, _ in STARTING_MEMBERS if code != "HOU"]


def test_members_remove_unknown_code(ws_lifkit: Lifkit):
    result = ws_lifkit("members", "remove", "NOPE")
    assert result.exit_code == 2
    assert "No CIEC member has the agency code NOPE" in result.stderr
    assert "POL, CSC" in result.stderr


def test_members_remove_the_last_member_is_refused(workspace: Path, ws_lifkit: Lifkit):
    for code, _ in STARTING_MEMBERS[1:]:
        assert ws_lifkit("members", "remove", code).exit_code == 0
    result = ws_lifkit("members", "remove", "POL")
    assert result.exit_code == 2
    assert "needs at least one [[members]] entry" in result.stderr
    assert 'code = "POL"' in (workspace / "lifkit.toml").read_text(encoding="utf-8")
