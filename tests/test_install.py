"""lifkit installed as a user installs it: a built wheel in a fresh virtual environment, then editable.

The forms/, templates/ and schemas/ folders sit at the top of the source tree and are mapped into the
package by setup.cfg; these tests prove both kinds of install find them, from any folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

# slow; and both tests on one worker under `make test` (pytest-xdist): they share one fresh environment, and
# building the wheel and the editable install both write setuptools' files into the source tree
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("install")]

RESOURCE_CHECK = (
    "import importlib.resources as r, lifkit.mechanics.resources as lr\n"
    "print(lr.schema('workspace')['board']['type'])\n"
    "print(r.files('lifkit.schemas'))\n"
)


def _run(args, cwd: Path, env=None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode in (0, 1), f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return venv


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def _exercise(venv: Path, where: Path) -> str:
    """From a folder outside the source tree: --version, init, config check, and the data files."""
    env = {k: v for k, v in os.environ.items() if k not in ("LIFKIT_WORKSPACE", "PYTHONPATH")}
    lifkit = _bin(venv, "lifkit")
    assert "lifkit, version" in _run([lifkit, "--version"], where, env).stdout
    board = where / "board"
    _run([lifkit, "init", board], where, env)
    check = subprocess.run([str(lifkit), "config", "check"], cwd=board, capture_output=True, text=True, env=env)
    assert check.returncode == 1, check.stderr  # placeholders flagged as warnings, no errors
    assert "0 errors" in check.stdout
    out = _run([_bin(venv, "python"), "-c", RESOURCE_CHECK], where, env).stdout.splitlines()
    assert out[0] == "dict"
    return out[1]


def test_wheel_install_in_a_fresh_venv(fresh_venv: Path, tmp_path: Path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("lifkit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "lifkit/schemas/workspace.yaml" in names
    assert "lifkit/forms/__init__.py" in names and "lifkit/templates/__init__.py" in names
    subprocess.run([str(_bin(fresh_venv, "python")), "-m", "pip", "install", "--quiet", str(wheel)],
                   check=True, capture_output=True)
    where = tmp_path / "elsewhere"
    where.mkdir()
    location = _exercise(fresh_venv, where)
    assert "site-packages" in location  # the installed copy, not the source tree


def test_editable_install(fresh_venv: Path, tmp_path: Path):
    subprocess.run([str(_bin(fresh_venv, "python")), "-m", "pip", "install", "--quiet", "-e", str(REPO)],
                   check=True, capture_output=True)
    where = tmp_path / "elsewhere"
    where.mkdir()
    location = _exercise(fresh_venv, where)
    assert Path(location) == REPO / "schemas"
