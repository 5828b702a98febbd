"""The case folder: ``cases/<REF>/case.yaml`` and what is derived from it.

``case.yaml`` holds the referral's data and the case's dates. This module reads it into plain
dataclasses and owns the deadline rules of the domain (a CIGINF1 is due 7 days after issue, or by
the meeting if that is sooner).

case.yaml (dates as yyyy-mm-dd)::

    reference: CIEC-2026-004
    notified: 2026-11-02          # the LSCB was notified: starts the one-month decision clock
    meeting_date: 2026-11-20      # the CIEC meeting, once set
    child: {name: ..., dob: ..., dod: ..., address: ...}
    significant_people:
      - {name: ..., dob: ..., address: ..., relationship: ...}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError

CASE_FILE = "case.yaml"
RETURN_DAYS = 7


@dataclass(frozen=True)
class Person:
    name: str
    dob: dt.date | None = None
    dod: dt.date | None = None
    address: str = ""
    relationship: str = ""


@dataclass(frozen=True)
class Case:
    reference: str
    folder: Path
    notified: dt.date | None
    meeting_date: dt.date | None
    child: Person
    people: tuple[Person, ...]


def return_by(issued: dt.date, meeting: dt.date | None) -> dt.date:
    """When a CIGINF1 is due back: 7 days after issue, or the meeting day if that is sooner."""
    due = issued + dt.timedelta(days=RETURN_DAYS)
    return min(due, meeting) if meeting and meeting >= issued else due


def case_folder(ws, reference: str) -> Path:
    from .workspace import SAFE_REFERENCE_RE

    if not SAFE_REFERENCE_RE.match(reference or ""):
        raise InputError(f"{reference!r} is not a case reference.", "A case reference looks like CIEC-2026-004.")
    return ws.cases_dir / reference


def load_case(ws, reference: str) -> Case:
    """Read ``cases/<reference>/case.yaml``."""
    import yaml

    folder = case_folder(ws, reference)
    path = folder / CASE_FILE
    if not path.is_file():
        known = sorted(p.name for p in ws.cases_dir.glob("*") if (p / CASE_FILE).is_file()) if ws.cases_dir.is_dir() else []
        hint = f"The cases are: {', '.join(known)}." if known else "There are no cases in this workspace yet."
        raise InputError(f"There is no case {reference} ({path} does not exist).", hint)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} cannot be read: {exc}", "Restore it from the case's backup, or correct it.") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} does not hold a case.", "Restore it from the case's backup, or correct it.")
    child = data.get("child") or {}
    return Case(
        reference=str(data.get("reference") or reference),
        folder=folder,
        notified=_date(data.get("notified"), path, "notified"),
        meeting_date=_date(data.get("meeting_date"), path, "meeting_date"),
        child=_person(child, path, "child"),
        people=tuple(_person(p, path, f"significant_people #{i + 1}")
                     for i, p in enumerate(data.get("significant_people") or [])),
    )


def _person(data: Any, path: Path, where: str) -> Person:
    if not isinstance(data, dict):
        raise InputError(f"{path}: {where} is not a person's details.")
    return Person(name=str(data.get("name") or ""), dob=_date(data.get("dob"), path, f"{where} dob"),
                  dod=_date(data.get("dod"), path, f"{where} dod"), address=str(data.get("address") or ""),
                  relationship=str(data.get("relationship") or ""))


def _date(value: Any, path: Path, key: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{path}: {key} is {value!r}, not a date (yyyy-mm-dd).") from None
