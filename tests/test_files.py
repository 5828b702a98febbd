"""The one atomic replace (lifkit.mechanics.files) every file lifkit writes goes through: case files,
packs and the register workbook. On Windows another program (an indexer, a virus scanner) can hold the
old file open for a moment, and the replace then fails with PermissionError: lifkit tries again, and
gives up with a clear message (exit 3) only when the file stays held; no temporary file stays behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import lifkit.mechanics.files as files
from lifkit.errors import LockedError


def held_for(monkeypatch, times: int) -> list:
    """os.replace fails with PermissionError ``times`` times, as when another program has the file open."""
    calls = []
    real = os.replace

    def replace(source, target):
        calls.append(target)
        if len(calls) <= times:
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(files, "REPLACE_PAUSE", 0.001)
    return calls


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".")]


def test_a_case_file_held_open_for_a_moment_is_still_written(tmp_path: Path, monkeypatch):
    target = tmp_path / "case.yaml"
    target.write_text("old", encoding="utf-8")
    calls = held_for(monkeypatch, 3)
    files.atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert len(calls) == 4
    assert leftovers(tmp_path) == []


def test_the_register_held_open_for_a_moment_is_still_written(tmp_path: Path, monkeypatch):
    from lifkit.register.workbook import create_register, open_register, update_case

    path = tmp_path / "register.xlsx"
    create_register(path)
    calls = held_for(monkeypatch, 5)
    update_case(path, "CIEC-2026-001", {"status": "Opened"})
    assert len(calls) == 6
    assert [row["Case ref"] for row in open_register(path).rows()] == ["CIEC-2026-001"]
    assert [p for p in leftovers(tmp_path) if p.name.endswith(".lifkit-tmp")] == []


def test_a_file_held_open_for_good_is_refused_and_left_as_it_was(tmp_path: Path, monkeypatch):
    target = tmp_path / "pack.pdf"
    target.write_bytes(b"old")
    calls = held_for(monkeypatch, 1_000)
    with pytest.raises(LockedError) as refused:
        files.atomic_write_bytes(target, b"new")
    assert len(calls) == files.REPLACE_ATTEMPTS
    assert "another program has it open. Nothing was changed." in refused.value.message
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_any_other_failure_is_not_retried(tmp_path: Path, monkeypatch):
    calls = []

    def replace(source, target):
        calls.append(target)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        files.atomic_write_bytes(tmp_path / "x.json", b"{}")
    assert len(calls) == 1 and leftovers(tmp_path) == []
