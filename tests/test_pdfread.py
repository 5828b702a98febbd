"""Reading a returned PDF: it never loads the drawing code, and the PDF library lifkit reads with gives
the same values as the reader it replaced on every kind of return in the suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DRAWING = ("reportlab",)


def _modules_after(root: Path, *argv: str) -> tuple[int, list[str], str]:
    """Run ``lifkit argv`` in a fresh interpreter; its exit status and which drawing modules it loaded."""
    code = (
        "import sys\n"
        "from lifkit.cli import cli\n"
        "status = 0\n"
        f"try:\n    cli.main({['--workspace', str(root), *argv]!r}, prog_name='lifkit')\n"
        "except SystemExit as exc:\n    status = exc.code or 0\n"
        f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & set({DRAWING!r})))\n"
        "print('STATUS', status)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={"LIFKIT_TODAY": "2026-11-25", "PATH": "/usr/bin:/bin"})
    loaded = result.stdout.split("LOADED ")[-1].splitlines()[0]
    status = int(result.stdout.split("STATUS ")[-1].split()[0])
    return status, eval(loaded), result.stdout  # noqa: S307 - our own printed list


def test_validate_and_collect_load_no_reportlab(demo_workspace, tmp_path: Path):
    source, _ = demo_workspace
    root = tmp_path / "practice"
    shutil.copytree(source, root)
    returns = sorted((root / "saved-mail" / "CIEC-2026-002").glob("*.pdf"))
    assert returns, "the demo keeps the second case's returned forms"
    status, loaded, output = _modules_after(root, "validate", "--case", "CIEC-2026-002", *map(str, returns))
    assert status in (0, 1), output  # read and checked, not refused as unreadable
    assert "OK " in output or "PROBLEMS" in output
    assert loaded == [], output
    status, loaded, output = _modules_after(root, "collect", "CIEC-2026-002",
                                            *map(str, sorted((root / "saved-mail" / "CIEC-2026-002").glob("*.eml"))))
    assert status in (0, 1), output
    assert loaded == [], output
