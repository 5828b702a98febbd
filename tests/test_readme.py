"""The README's walk-through: its commands are the ones that work, run on the demo workspace."""

from __future__ import annotations

import glob
import re
import shlex
import shutil
from pathlib import Path

from click.testing import CliRunner

from conftest import REPO
from lifkit.cli import cli


def walk_through_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The administrator's cycle"):readme.index("## Installing on Windows")]
    blocks = re.findall(r"```console\n(.*?)```", section, flags=re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ lifkit ")]


def test_the_walk_through_has_commands():
    commands = walk_through_commands()
    assert len(commands) >= 10
    assert {c.split()[1] for c in commands} >= {"referral", "request", "validate", "collect", "status", "chase",
                                                "pack", "decide", "register", "overdue", "report"}


def test_the_walk_through_runs_on_the_demo_workspace(demo_workspace, tmp_path: Path, monkeypatch):
    source, made = demo_workspace
    root = tmp_path / "demo"
    shutil.copytree(source, root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("LIFKIT_WORKSPACE", raising=False)
    # the demo's cases carry the year it runs in; the README shows 2026
    year = sorted(p.name for p in (root / "cases").iterdir())[0].split("-")[1]
    for command in walk_through_commands():
        words = shlex.split(command.replace("CIEC-2026-", f"CIEC-{year}-"))[1:]
        args = []
        for word in words:
            args.extend(sorted(glob.glob(word)) or [word])
        result = CliRunner().invoke(cli, args, prog_name="lifkit")
        assert result.exit_code in (0, 1), f"$ {command}\n{result.output}"
        assert "Traceback" not in result.output and "Error:" not in result.output, f"$ {command}\n{result.output}"
