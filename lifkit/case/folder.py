"""The case folder: where everything about one case lives, and what is derived from it.

    cases/<REF>/
      case.yaml       the referral's data and the case's dates (human-readable; lifkit rewrites it whole)
      journal.jsonl   every event, one JSON object a line: opened, issued, received, validated, chased...
      inbox/          originals as they arrived, never modified; inbox/aside/ what could not be matched
      outbox/         forms and email drafts lifkit made
      returns/        each agency's returns: <AGENCY>.json (every submission, the latest current) and the
                      files that came with them
      pack/           the CIEC meeting packs

Where a case stands is derived from these files alone (:func:`case_status`), so the register can
always be rebuilt from them.

case.yaml (dates as yyyy-mm-dd)::

    reference: CIEC-2026-004
    notified: 2026-11-02          # the LSCB was notified: starts the one-month decision clock
    opened: 2026-11-03
    meeting_date: 2026-11-20      # the CIEC meeting, once set
    format: 2
    subjects:                     # whom the review is about (the process's subject: a child, an adult...)
      - {name: ..., dob: ..., dod: ..., address: ...}
    contacts:                     # per-case contacts a notice may be addressed to (lifkit contact)
      family: {email: ..., name: ..., consent: 2026-11-04}
    significant_people:
      - {name: ..., dob: ..., address: ..., relationship: ...}
    referral: {...}               # the referral form's values as validated

lifkit 0.1.0 wrote ``child: {...}`` (format 1) for the one subject: it is read as ``subjects: [that]``, and
the next rewrite of case.yaml writes format 2 (:func:`migrate_case_data`, the one migration of case folders).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifkit.errors import InputError

CASE_FILE = "case.yaml"
CASE_FORMAT = 2  # 1 (lifkit 0.1.0, no format key): child: {...}; 2: subjects: [...], contacts: {...}
JOURNAL = "journal.jsonl"
FOLDERS = ("inbox", "outbox", "returns", "pack")


@dataclass(frozen=True)
class Person:
    name: str
    dob: dt.date | None = None
    dod: dt.date | None = None
    address: str = ""
    relationship: str = ""


@dataclass(frozen=True)
class Contact:
    """Someone a notice of one case may go to (``address: contact:<name>``): the family, their advocate."""

    key: str
    email: str
    name: str = ""
    consent: dt.date | None = None  # when they agreed to be written to


@dataclass(frozen=True)
class Case:
    reference: str
    folder: Path
    notified: dt.date | None
    meeting_date: dt.date | None
    subjects: tuple[Person, ...]
    people: tuple[Person, ...]
    opened: dt.date | None = None
    referral: dict = field(default_factory=dict)
    process: str = ""  # the process the case was opened under (case.yaml's process)
    contacts: tuple[Contact, ...] = ()

    @property
    def subject(self) -> Person:
        """The review's subject (the first, when the process allows several)."""
        return self.subjects[0] if self.subjects else Person("")

    @property
    def child(self) -> Person:
        """Deprecated: the subject, by lifkit 0.1.0's name (kept while other code moves to ``subject``)."""
        return self.subject

    def contact(self, key: str) -> Contact | None:
        wanted = key.strip().casefold()
        return next((c for c in self.contacts if c.key.casefold() == wanted), None)


# --- reading ----------------------------------------------------------------------------------


SAFE_REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def format_reference(pattern: str, year: int, seq: int) -> str:
    return pattern.format(year=year, seq=seq)


def case_folder(ws, reference: str) -> Path:
    reference = (reference or "").strip()
    if not SAFE_REFERENCE_RE.match(reference):
        example = format_reference(ws.settings.reference_pattern, 2026, 4)
        raise InputError(f"{reference!r} is not a case reference.", f"A case reference looks like {example}.")
    folder = ws.cases_dir / reference
    if not folder.is_dir() and ws.cases_dir.is_dir():  # typed in another case: ciec-2026-004
        for candidate in ws.cases_dir.iterdir():
            if candidate.name.casefold() == reference.casefold() and (candidate / CASE_FILE).is_file():
                return candidate
    return folder


def case_references(ws) -> list[str]:
    if not ws.cases_dir.is_dir():
        return []
    return sorted(p.name for p in ws.cases_dir.iterdir() if (p / CASE_FILE).is_file())


def load_case(ws, reference: str) -> Case:
    """Read ``cases/<reference>/case.yaml``."""
    folder = case_folder(ws, reference)
    path = folder / CASE_FILE
    if not path.is_file():
        known = case_references(ws)
        hint = f"The cases are: {', '.join(known)}." if known else "There are no cases in this workspace yet."
        raise InputError(f"There is no case {reference} ({path} does not exist).", hint)
    data = migrate_case_data(_read_yaml(path))
    subjects = data.get("subjects") or []
    if not isinstance(subjects, list):
        raise InputError(f"{path}: subjects is not a list of people.", "Restore it from the workspace backup, or correct it.")
    contacts = data.get("contacts") or {}
    if not isinstance(contacts, dict):
        raise InputError(f"{path}: contacts is not a set of contacts.", "Restore it from the workspace backup, or correct it.")
    return Case(
        reference=str(data.get("reference") or reference),
        folder=folder,
        notified=_date(data.get("notified"), path, "notified"),
        meeting_date=_date(data.get("meeting_date"), path, "meeting_date"),
        subjects=tuple(_person(p, path, f"subjects #{i + 1}") for i, p in enumerate(subjects)),
        people=tuple(_person(p, path, f"significant_people #{i + 1}")
                     for i, p in enumerate(data.get("significant_people") or [])),
        opened=_date(data.get("opened"), path, "opened"),
        referral=dict(data.get("referral") or {}),
        process=str(data.get("process") or ""),
        contacts=tuple(_contact(key, value, path) for key, value in contacts.items()),
    )


def migrate_case_data(data: dict) -> dict:
    """case.yaml's data in the current format: lifkit 0.1.0's ``child: {...}`` becomes ``subjects: [...]``
    (in place of it, the other keys in their order). The one migration of case folders."""
    if "subjects" in data or "child" not in data:
        return data
    migrated: dict = {}
    for key, value in data.items():
        if key == "child":
            migrated["format"] = CASE_FORMAT
            migrated["subjects"] = [value] if value else []
        else:
            migrated[key] = value
    return migrated


def _contact(key: Any, value: Any, path: Path) -> Contact:
    if not isinstance(value, dict):
        raise InputError(f"{path}: contacts.{key} is not a contact (email, name, consent).")
    return Contact(key=str(key), email=str(value.get("email") or ""), name=str(value.get("name") or ""),
                   consent=_date(value.get("consent"), path, f"contacts.{key}.consent"))


def returns_file(case: Case, code: str) -> Path:
    return case.folder / "returns" / f"{code}.json"


def load_returns(case: Case, code: str) -> list[dict]:
    """Every return received from agency ``code``, oldest first; the last is the current one."""
    path = returns_file(case, code)
    if not path.is_file():
        return []
    try:
        return json.loads(path.read_text(encoding="utf-8"))["submissions"]
    except (ValueError, KeyError, TypeError):
        raise InputError(f"{path} is damaged.", "Restore it from the workspace backup; the originals are in "
                         "the case's inbox/ and can be collected again.") from None


def _read_yaml(path: Path) -> dict:
    import yaml

    from lifkit.mechanics.resources import parse_yaml

    try:
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} cannot be read: {exc}", "Restore it from the workspace backup, or correct it.") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} does not hold a case.", "Restore it from the workspace backup, or correct it.")
    return data


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


# --- writing ----------------------------------------------------------------------------------


def update_case_file(case_dir: Path, **changes: Any) -> dict:
    """Change top-level entries of case.yaml (e.g. meeting_date) and write it back atomically."""
    import yaml

    from lifkit.mechanics.files import atomic_write_text

    path = case_dir / CASE_FILE
    data = migrate_case_data(_read_yaml(path))
    data.update(changes)
    atomic_write_text(path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return data


def _entry(event: str, details: dict[str, Any]) -> dict:
    import uuid

    from lifkit.mechanics.dates import today

    now = dt.datetime.now().astimezone()
    entry = {"at": now.isoformat(timespec="seconds"), "by": _user(), "event": event, "id": uuid.uuid4().hex}
    if today() != now.date():  # LIFKIT_TODAY (or the demo) sets lifkit's day: the day the event counts as
        entry["day"] = today().isoformat()
    entry.update({k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in details.items()})
    return entry


# The case folders this run recorded a step in: what changed, for whatever is made from the case folders
# after a command finishes (the dashboard). Read and emptied by :func:`take_changed_cases`.
_CHANGED: set[Path] = set()


def take_changed_cases() -> list[Path]:
    """The case folders a step was recorded in since the last call (oldest call first), and forget them."""
    changed = sorted(_CHANGED)
    _CHANGED.clear()
    return changed


def cases_changed() -> bool:
    """Whether a step was recorded in any case folder since :func:`take_changed_cases` was last called."""
    return bool(_CHANGED)


def event_day(entry: dict) -> dt.date:
    """The day an event counts as having happened: lifkit's day when it was recorded (LIFKIT_TODAY, which
    may differ from the clock's), as every date lifkit prints follows it."""
    return dt.date.fromisoformat(entry.get("day") or entry["at"][:10])


def record_event(case_dir: Path, event: str, **details: Any) -> dict:
    """Append one event to the case's journal: when, who, what, and an id that everything derived from it
    (a register row) carries. Details hold references, agency codes, dates, file names and counts, never a
    person's name."""
    return record_events(case_dir, [(event, details)])[0]


def record_events(case_dir: Path, events: list[tuple[str, dict[str, Any]]]) -> list[dict]:
    """Record the events of one step together, so that no crash leaves the step half-recorded.

    Each event is a line of its own, and the lines of a step of several events carry the step's id and
    its number of events (``step``, ``steps``) and go to disk in one write. A step cut short by a power
    failure (a torn last line, or fewer lines than it said) never happened: the journal ignores it, and
    the next write cuts it off first.
    """
    entries = [_entry(name, details) for name, details in events]
    if not entries:
        return []
    if len(entries) > 1:
        for entry in entries:
            entry["step"], entry["steps"] = entries[0]["id"], len(entries)
    data = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries).encode("utf-8")
    with (case_dir / JOURNAL).open("ab+") as handle:
        _cut_unfinished_tail(handle)
        handle.seek(0, os.SEEK_END)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    _CHANGED.add(Path(case_dir))
    return entries


TAIL_BYTES = 4 * 1024 * 1024  # far more than any one step writes


def _complete(lines: list) -> int:
    """How many of ``lines`` (the journal's last lines, each ending in a newline) stand: all but a step
    whose lines are not all there."""
    if not lines:
        return 0
    try:
        last = json.loads(lines[-1])
    except json.JSONDecodeError:
        return len(lines)  # not lifkit's doing: the reader names it
    if not isinstance(last, dict) or "step" not in last:
        return len(lines)
    step, count, found = last["step"], last.get("steps", 1), 0
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            break
        if not isinstance(entry, dict) or entry.get("step") != step:
            break
        found += 1
    return len(lines) if found >= count else len(lines) - found


def _cut_unfinished_tail(handle) -> None:
    size = handle.seek(0, os.SEEK_END)
    if not size:
        return
    start = max(0, size - TAIL_BYTES)
    handle.seek(start)
    tail = handle.read()
    if start:
        tail = tail[tail.find(b"\n") + 1:]
        start = size - len(tail)
    lines = tail[:tail.rfind(b"\n") + 1].splitlines(keepends=True)
    keep = sum(len(line) for line in lines[:_complete(lines)])
    if keep != len(tail):
        handle.truncate(start + keep)


def journal(case_dir: Path) -> list[dict]:
    """The case's events, oldest first."""
    path = case_dir / JOURNAL
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text[:text.rfind("\n") + 1].splitlines(keepends=True)  # a torn last line was never written
    lines = lines[:_complete(lines)]
    entries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            raise InputError(f"{path}, line {number}, is not a journal entry.",
                             "Restore the journal from the workspace backup.") from None
    return entries


@contextlib.contextmanager
def case_lock(ws, what: str, timeout: float = 10.0):
    """Hold ``what`` (a case reference, or "cases" for opening new ones) for one step, check then record,
    so that two shells cannot both record the same step. A case's lock file is in its folder; the lock
    on opening cases is in the workspace's .lifkit folder, never among the cases."""
    from filelock import FileLock, Timeout

    from lifkit.errors import LockedError

    if what == "cases":
        path = ws.root / ".lifkit" / "opening.lock"
        path.parent.mkdir(exist_ok=True)
    else:
        path = ws.cases_dir / what / ".lifkit-lock"
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        subject = "Opening cases" if what == "cases" else f"Case {what}"
        raise LockedError(f"{subject} is busy: another lifkit is recording a step.",
                          "Nothing was changed. Try again in a moment.") from None
    try:
        yield
    finally:
        lock.release()


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a service account): say so rather than fail
        return "unknown"


def next_reference(ws, year: int) -> tuple[str, Path]:
    """Reserve the next case reference for ``year``: its folder is created at once (atomically), so two
    administrators opening cases together never get the same reference."""
    ws.cases_dir.mkdir(exist_ok=True)
    seq = 1
    existing = {p.name for p in ws.cases_dir.iterdir()}
    while True:
        reference = format_reference(ws.settings.reference_pattern, year, seq)
        if reference not in existing:
            folder = ws.cases_dir / reference
            try:
                folder.mkdir()
                return reference, folder
            except FileExistsError:
                pass
        seq += 1


def create_case(ws, notified: dt.date, opened: dt.date, subjects: list[dict] | None = None, people: list[dict] = (),
                referral: dict | None = None, original: Path | None = None, also: list[tuple[str, dict]] = (),
                fingerprint: str = "", child: dict | None = None) -> Case:
    """Make the folder, case.yaml and journal of a new case with the next reference. ``subjects``: whom the
    review is about ({name, dob, dod, address} each); ``child``, lifkit 0.1.0's name for one, is still taken."""
    import shutil

    import yaml

    from lifkit.mechanics.files import atomic_write_text

    reference, folder = next_reference(ws, opened.year)
    for name in FOLDERS:
        (folder / name).mkdir()
    if subjects is None:
        subjects = [child] if child else []
    data = {"reference": reference, "process": ws.process.id, "notified": notified, "opened": opened,
            "meeting_date": None, "format": CASE_FORMAT,
            "subjects": list(subjects), "significant_people": list(people), "referral": referral or {}}
    atomic_write_text(folder / CASE_FILE, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    kept = None
    if original is not None:
        # never the sender's file name: it may carry a person's name
        kept = folder / "inbox" / f"referral-{ws.process.referral_form.upper()}{original.suffix.lower()}"
        shutil.copy2(original, kept)
    record_events(folder, [("opened", {"reference": reference, "notified": notified,
                                       "referral": kept.name if kept else None, "fingerprint": fingerprint or None}),
                           *also])
    return load_case(ws, reference)
