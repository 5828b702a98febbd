"""The README's walk-throughs: their commands are the ones that work, run on the demo workspaces.

The 2016 cycle runs on `lifkit demo`'s workspace and the rapid review on `lifkit demo --process
rapid-review-2023`'s, each as of the demo's last day (the README tells the reader to set LIFKIT_TODAY to
it). Every `$ lifkit` line runs in order; every decision command the README quotes as what the demo ran
names a case the demo has, and is refused as a repeat.
"""

from __future__ import annotations

import glob
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO
from lifkit.cli import cli

CYCLE = "## The administrator's cycle"
RAPID_REVIEW = "## The rapid review: a safeguarding partnership's cycle"
SAR = "## Safeguarding Adults Reviews: a Safeguarding Adults Board's cycle"


def _section(heading: str) -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index(heading)
    return readme[start:readme.index("\n## ", start + 1)]


def walk_through(heading: str = CYCLE) -> list[tuple[str, list[str]]]:
    """Each `$ lifkit` line of the section's console blocks, with the output the README shows for it."""
    steps = []
    for block in re.findall(r"```console\n(.*?)```", _section(heading), flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ lifkit "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
    return steps


def walk_through_commands(heading: str = CYCLE) -> list[str]:
    return [command for command, _shown in walk_through(heading)]


def quoted_steps(heading: str) -> list[str]:
    """The decision commands the README quotes (```sh blocks) as the ones the demo ran."""
    blocks = re.findall(r"```sh\n(.*?)```", _section(heading), flags=re.S)
    return [line for block in blocks for line in block.splitlines()
            if line.startswith(("lifkit decide ", "lifkit notified ", "lifkit reply "))]


def _demo_today() -> str:
    from lifkit.steps.demo import DEMO_TODAY

    return DEMO_TODAY.isoformat()


def _run(command: str) -> tuple[int, str]:
    args = []
    for word in shlex.split(command, comments=True)[1:]:
        args.extend(sorted(glob.glob(word)) or [word])
    result = CliRunner().invoke(cli, args, prog_name="lifkit")
    return result.exit_code, result.output


def test_the_walk_throughs_have_commands():
    commands = walk_through_commands()
    assert len(commands) >= 10
    assert {c.split()[1] for c in commands} >= {"referral", "request", "validate", "collect", "status", "chase",
                                                "pack", "decide", "register", "overdue", "report"}
    rapid = walk_through_commands(RAPID_REVIEW)
    assert {c.split()[1] for c in rapid} >= {"processes", "init", "referral", "notified", "request", "collect",
                                             "status", "chase", "overdue", "register"}
    assert {c.split()[1] for c in quoted_steps(RAPID_REVIEW)} == {"decide", "notified", "reply"}
    assert any("--sign" in c for c in quoted_steps(RAPID_REVIEW))
    assert f"export LIFKIT_TODAY={_demo_today()}" in (REPO / "README.md").read_text(encoding="utf-8")
    sar = walk_through_commands(SAR)
    assert {c.split()[1] for c in sar} >= {"referral", "status", "report"}
    assert {c.split()[1] for c in quoted_steps(SAR)} == {"decide", "notified"}


@pytest.mark.parametrize("heading, fixture, shown_at", [
    (CYCLE, "demo_workspace", "~/lifkit/build/demo"),
    (RAPID_REVIEW, "rapid_review_demo", "~/lifkit/build/demo-rapid-review-2023"),
    (SAR, "sar_demo", "~/lifkit/build/demo-sar-care-act-2014"),
], ids=["lscb-2016", "rapid-review-2023", "sar-care-act-2014"])
def test_the_walk_through_runs_on_the_demo_workspace(heading, fixture, shown_at, request, tmp_path: Path,
                                                     monkeypatch):
    """Every command runs, in order, and prints what the README shows (the demo's dates are fixed)."""
    source, _made = request.getfixturevalue(fixture)
    root = tmp_path / "demo"
    shutil.copytree(source, root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("LIFKIT_WORKSPACE", raising=False)
    monkeypatch.setenv("LIFKIT_TODAY", _demo_today())  # as the README says
    for command in quoted_steps(heading):  # what the demo ran: each names its case, and is now a repeat
        status, output = _run(command)
        assert status == 2 and any(w in output for w in ("repeat", "already", "--amend")), f"$ {command}\n{output}"
    for command, shown in walk_through(heading):
        status, output = _run(command)
        assert status in (0, 1), f"$ {command}\n{output}"
        assert "Traceback" not in output and "Error:" not in output, f"$ {command}\n{output}"
        if command.startswith("lifkit init "):  # made beside the demo here, wherever the reader likes
            continue
        printed = [line.rstrip() for line in output.replace(str(root.resolve()), shown_at).splitlines()]
        while printed and not printed[-1]:
            printed.pop()
        assert printed == [line.rstrip() for line in shown], (
            f"$ {command}: the README shows other output than lifkit prints; paste the real output:\n"
            + "\n".join(printed))
