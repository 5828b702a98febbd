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
            if line.startswith(("lifkit decide ", "lifkit notified ", "lifkit reply ", "lifkit review "))]


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
                                             "status", "chase", "overdue", "register", "review", "report"}
    assert {c.split()[1] for c in quoted_steps(RAPID_REVIEW)} == {"decide", "notified", "reply", "review"}
    assert any("--sign" in c for c in quoted_steps(RAPID_REVIEW))
    assert f"export LIFKIT_TODAY={_demo_today()}" in (REPO / "README.md").read_text(encoding="utf-8")
    sar = walk_through_commands(SAR)
    assert {c.split()[1] for c in sar} >= {"referral", "status", "report"}
    assert {c.split()[1] for c in quoted_steps(SAR)} == {"decide", "notified", "review"}


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
        # a workspace `lifkit init` makes is beside the demo here, wherever the reader likes (~/lifkit) there
        where = "~/lifkit" if command.startswith("lifkit init ") else shown_at
        printed = [line.rstrip() for line in output.replace(str(root.resolve()), where).splitlines()]
        assert not printed or printed[-1], f"$ {command}: the output ends with a blank line"
        while shown and not shown[-1].strip():  # the blank line before the console block closes
            shown = shown[:-1]
        assert printed == [line.rstrip() for line in shown], (
            f"$ {command}: the README shows other output than lifkit prints; paste the real output:\n"
            + "\n".join(printed))


# --- what the README says besides its walk-throughs (issue 20, item 15) -----------------------------------------


def _commands_naming_files(heading: str) -> list[tuple[str, str]]:
    """(command, file) for every file a `lifkit` command of the section names (```sh and ```console blocks)."""
    found = []
    for block in re.findall(r"```(?:sh|console)\n(.*?)```", _section(heading), flags=re.S):
        for line in block.splitlines():
            command = line[2:] if line.startswith("$ ") else line
            if not command.startswith("lifkit "):
                continue
            words = shlex.split(command, comments=True)
            for before, word in zip(["", *words], words):
                if re.search(r"\.(csv|xlsx|eml|msg|pdf|docx)$", word) and before not in ("-o", "--output"):
                    found.append((command, word))
    return found


@pytest.mark.parametrize("heading, fixture", [(CYCLE, "demo_workspace"), (RAPID_REVIEW, "rapid_review_demo")],
                         ids=["lscb-2016", "rapid-review-2023"])
def test_every_file_a_readme_command_names_is_one_the_demo_leaves(heading, fixture, request):
    root, _ = request.getfixturevalue(fixture)
    named = _commands_naming_files(heading)
    assert any("saved-mail/" in word for _command, word in named)
    missing = [(command, word) for command, word in named if not glob.glob(str(root / word))]
    assert not missing, missing


def test_the_process_copy_example_is_what_config_check_says(tmp_path, monkeypatch):
    """The README's slip in a partnership's copied process (summaries by working day 8, mistyped) is
    reported with the line and key it shows."""
    section = _section("## A board's own process")
    shown = re.search(r"```console\n(error: process\.yaml: .*?)\n```", section, flags=re.S).group(1)
    assert "working day 8" in section and "the `return` deadline" in section
    monkeypatch.delenv("LIFKIT_WORKSPACE", raising=False)
    root = tmp_path / "lscp"
    assert _run(f"lifkit init {root} --process rapid-review-2023")[0] == 0
    assert _run(f"lifkit --workspace {root} process copy")[0] == 0
    process = root / "process.yaml"
    text = process.read_text(encoding="utf-8")
    start = text.index("  - id: return\n")
    length = text.index("    length: ", start)
    end = text.index("\n", length)
    process.write_text(text[:length] + "    length: 8 workin days" + text[end:], encoding="utf-8")
    status, output = _run(f"lifkit --workspace {root} config check")
    assert status == 2
    assert shown in output.splitlines(), output


def test_the_register_picture_is_the_walk_through_s_register(demo_workspace, tmp_path):
    """docs/images/register.png is what docs/make_register_image.py makes of the demo after the README's
    walk-through up to `lifkit register show` (the cases it lists, as they stand then)."""
    import sys

    from PIL import Image, ImageChops

    from conftest import require_tool

    require_tool("soffice")
    require_tool("pdftoppm")
    sys.path.insert(0, str(REPO / "docs"))
    try:
        from make_register_image import make_image
    finally:
        sys.path.remove(str(REPO / "docs"))
    root, _ = demo_workspace
    made = Image.open(make_image(root, tmp_path / "register.png", tmp_path / "work")).convert("RGB")
    committed = Image.open(REPO / "docs" / "images" / "register.png").convert("RGB")
    assert made.size == committed.size, "run: .venv/bin/python docs/make_register_image.py"
    differing = ImageChops.difference(made, committed).convert("L").point(lambda v: 255 if v > 64 else 0).histogram()[255]
    assert differing < made.width * made.height * 0.005, "run: .venv/bin/python docs/make_register_image.py"
