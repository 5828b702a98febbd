"""Shared fixtures and helpers for lifkit's tests. Every name and address in them is fictional."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lifkit.cli import cli

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-25"  # the "today" of tests that depend on dates (LIFKIT_TODAY)


def require_tool(name: str) -> str:
    """The path of an external tool the test needs (qpdf, pdftk, soffice...).

    On a developer's machine a missing tool skips the test; under CI (CI=true) it fails it, because
    `make test` installs every tool and a silent skip would hide a missing install step.
    """
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (make test-tools installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class Lifkit:
    """Runs the lifkit command line in-process, with stdout and stderr kept apart."""

    def __init__(self, workspace: Path | None = None):
        self.workspace = workspace

    def __call__(self, *args: str, workspace: bool = True, **kwargs):
        argv = [str(a) for a in args]
        if workspace and self.workspace is not None:
            argv = ["--workspace", str(self.workspace), *argv]
        return CliRunner().invoke(cli, argv, catch_exceptions=kwargs.pop("catch_exceptions", True), **kwargs)


FICTIONAL_PEOPLE = {
    "administrator": ("Jordan Avery", "jordan.avery@testshire-lscb.example"),
    "ciec_chair": ("Robin Hale", "robin.hale@testshire-lscb.example"),
    "business_manager": ("Sam Okafor", "sam.okafor@testshire-lscb.example"),
    "independent_chair": ("Alex Marlow", "alex.marlow@testshire-lscb.example"),
}


def fill_placeholders(root: Path) -> None:
    """Replace every placeholder `lifkit init` wrote with fictional values, as an administrator would."""
    import tomlkit

    settings = root / "lifkit.toml"
    document = tomlkit.parse(settings.read_text(encoding="utf-8"))
    document["board"]["name"] = "Testshire Safeguarding Children Board"
    document["administrator"]["address"] = "LSCB Administrator\n1 Test Street\nTesttown TE1 1ST"
    for key, (name, email) in FICTIONAL_PEOPLE.items():
        document[key]["name"] = name
        document[key]["email"] = email
    for index, member in enumerate(document["members"], start=1):
        member["name"] = f"Member Person {index}"
        member["email"] = f"{member['code'].lower()}.ciec@testshire.example"
    settings.write_text(document.as_string(), encoding="utf-8")


@pytest.fixture
def fixed_today(monkeypatch) -> str:
    """Fix lifkit's "today" at TODAY for the test."""
    monkeypatch.setenv("LIFKIT_TODAY", TODAY)
    return TODAY


@pytest.fixture
def lifkit() -> Lifkit:
    """The command line, with no workspace given."""
    return Lifkit()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace made by `lifkit init`, its placeholders replaced with fictional values."""
    root = tmp_path / "lscb"
    result = Lifkit()("init", root)
    assert result.exit_code == 0, result.output
    fill_placeholders(root)
    return root


@pytest.fixture
def ws_lifkit(workspace: Path) -> Lifkit:
    """The command line, pointed at the `workspace` fixture."""
    return Lifkit(workspace)


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> tuple[Path, dict]:
    """The practice workspace of `lifkit demo`, made once per test run (read it; copy it to change it)."""
    import json

    root = tmp_path_factory.mktemp("demo") / "practice"
    result = Lifkit()("demo", root, "--json")
    assert result.exit_code == 0, result.output
    return root, json.loads(result.stdout)


@pytest.fixture(scope="session")
def sar_demo(tmp_path_factory) -> tuple[Path, dict]:
    """The practice workspace of `lifkit demo --process sar-care-act-2014` (a Safeguarding Adults Board),
    made once per test run (read it; copy it to change it)."""
    import json

    root = tmp_path_factory.mktemp("demo-sar") / "practice"
    result = Lifkit()("demo", root, "--process", "sar-care-act-2014", "--json")
    assert result.exit_code == 0, result.output
    return root, json.loads(result.stdout)


@pytest.fixture(scope="session")
def rapid_review_demo(tmp_path_factory) -> tuple[Path, dict]:
    """The practice workspace of `lifkit demo --process rapid-review-2023`, made once per test run (read it;
    copy it to change it)."""
    import json

    root = tmp_path_factory.mktemp("demo-rr") / "practice"
    result = Lifkit()("demo", root, "--process", "rapid-review-2023", "--json")
    assert result.exit_code == 0, result.output
    return root, json.loads(result.stdout)
