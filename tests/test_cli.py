"""The command line as a whole: help, version, the error convention and exit statuses."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import REPO, Lifkit
from lifkit import __version__
from lifkit.cli import cli
from lifkit.errors import ExitStatus, LockedError


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


ALL_COMMANDS = [path for path, _ in _commands(cli)]


def test_there_are_commands():
    assert {("init",), ("members",), ("members", "add"), ("config", "check")} <= set(ALL_COMMANDS)


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(lifkit: Lifkit, path: tuple[str, ...]):
    result = lifkit(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage: lifkit " + " ".join(path) in result.stdout
    assert re.search(r"Examples?:\n +lifkit ", result.stdout), f"`lifkit {' '.join(path)} --help` has no example"


def test_version(lifkit: Lifkit):
    result = lifkit("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"lifkit, version {__version__}"


def test_help_does_not_import_the_heavy_libraries():
    code = (
        "import sys\n"
        "from lifkit.cli import cli\n"
        "try:\n    cli.main(['--help'], prog_name='lifkit')\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pypdf', 'pikepdf', 'reportlab', 'openpyxl', 'docxtpl', 'docx', 'lxml', 'cerberus',"
        " 'yaml', 'tomlkit', 'holidays', 'logging', 'json', 'dataclasses') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in result.stdout


def test_exit_status_table_in_readme_matches_the_code():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Exit statuses"):]
    rows = re.findall(r"^\| (\d) \| ([^|]+) \|", section, flags=re.M)
    assert [int(status) for status, _ in rows] == [int(s) for s in ExitStatus]
    from lifkit import cli as cli_module

    for status in ExitStatus:  # and `lifkit --help` states each one
        assert f"{int(status)} " in cli_module.cli.help


def test_lifkit_error_is_reported_plainly_with_its_status(workspace: Path, monkeypatch):
    def locked(*args, **kwargs):
        raise LockedError("The register is open in Excel on PC-ADMIN2.", "Close it there, then try again.")

    monkeypatch.setattr("lifkit.case.workspace.add_member", locked)
    result = Lifkit(workspace)("members", "add", "FIRE", "--agency", "Fire", "--name", "A B", "--email", "a@b.example")
    assert result.exit_code == 3
    assert result.stderr == "Error: The register is open in Excel on PC-ADMIN2.\nClose it there, then try again.\n"
    assert result.stdout == ""


def test_debug_shows_the_traceback(workspace: Path, monkeypatch):
    def locked(*args, **kwargs):
        raise LockedError("locked")

    monkeypatch.setattr("lifkit.case.workspace.add_member", locked)
    result = Lifkit(workspace)("--debug", "members", "add", "FIRE", "--agency", "F", "--name", "A B",
                               "--email", "a@b.example")
    assert isinstance(result.exception, LockedError)


def test_internal_fault_names_no_data(workspace: Path, monkeypatch):
    """A bug must not print the data it was holding: a child's name could be in the exception."""

    def broken(*args, **kwargs):
        raise ValueError("Fictional Childname 01/02/2019")

    monkeypatch.setattr("lifkit.case.workspace.remove_member", broken)
    result = Lifkit(workspace)("members", "remove", "POL")
    assert result.exit_code == int(ExitStatus.INTERNAL)
    assert "internal fault (ValueError" in result.stderr
    assert "--debug" in result.stderr
    assert "Fictional Childname" not in result.output
    assert "Traceback" not in result.output


def test_os_error_names_the_file(tmp_path: Path, lifkit: Lifkit, monkeypatch):
    def denied(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("lifkit.register.workbook.create_register", denied)
    result = lifkit("init", tmp_path / "board")
    assert result.exit_code == 2
    assert f"Error: {tmp_path / 'board' / 'register.xlsx'}: Permission denied." in result.stderr
    assert not (tmp_path / "board" / "lifkit.toml").exists()


def test_bad_arguments_exit_2(lifkit: Lifkit):
    result = lifkit("members", "add", "FIRE")
    assert result.exit_code == 2
    assert "Missing option '--agency'" in result.stderr


def test_console_script_runs(tmp_path: Path):
    """The installed `lifkit` entry point, as a user runs it."""
    exe = Path(sys.executable).parent / ("lifkit.exe" if sys.platform == "win32" else "lifkit")
    result = subprocess.run([str(exe), "--workspace", str(tmp_path), "members"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr


def test_python_dash_m_lifkit():
    result = subprocess.run([sys.executable, "-m", "lifkit", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip() == f"lifkit, version {__version__}"


def test_the_cli_reference_is_up_to_date():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_cli_reference", REPO / "docs" / "make_cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == module.reference(), "docs/cli.md is stale: run .venv/bin/python docs/make_cli_reference.py"
