"""Drafts a person may edit: lifkit's documents that a person finishes in Word (the case summary,
CIGSUM1 or the Summary and Outcome of the Rapid Review; the Learning and Improvement Index).

What a person typed is never overwritten. lifkit records the SHA-256 of every draft it writes in a small
``drafts.json`` beside it. When the draft is made again (the case changed):

- the newest version, unedited (its bytes are still the ones lifkit wrote) or deleted, is written again
  in place;
- an edited one is kept as it is, and the new draft goes beside it as ``NAME-v2.docx`` (then ``-v3``...),
  with a message saying so.

The *current* version is the one the person chose (``lifkit summary REF --use v2``), or else the newest
version a person edited, or else the newest. A file that was there before lifkit recorded anything
about it (made by an older lifkit, or put there by hand) is kept as if edited.

drafts.json::

    {"RRSUM-RR-2026-001.docx": {
        "versions": [{"version": 1, "file": "RRSUM-RR-2026-001.docx",
                      "hashes": ["<sha256 of each draft lifkit wrote there, oldest first>"], "written": "..."}],
        "current": null}}          # or the version number a person chose
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from lifkit.errors import InputError

RECORD = "drafts.json"


@dataclass
class Version:
    number: int
    file: Path
    hashes: list[str]  # what lifkit wrote to it, oldest first (the last is its latest draft)
    written: str
    exists: bool
    edited: bool  # the file is not what lifkit last wrote (a person changed it), or lifkit never wrote it
    sha256: str | None  # the file's hash now (None when it is gone)

    @property
    def label(self) -> str:
        return f"v{self.number}"


@dataclass
class Draft:
    """A document's versions and which one is current."""

    name: str  # the first version's file name, e.g. RRSUM-RR-2026-001.docx
    folder: Path
    versions: list[Version] = field(default_factory=list)
    chosen: int | None = None  # the version a person chose with --use

    @property
    def current(self) -> Version | None:
        existing = [v for v in self.versions if v.exists]
        if self.chosen is not None:
            chosen = next((v for v in existing if v.number == self.chosen), None)
            if chosen is not None:
                return chosen
        edited = [v for v in existing if v.edited]
        return (edited or existing or [None])[-1]

    def version(self, label: str) -> Version:
        text = str(label).strip().lower().lstrip("v")
        found = next((v for v in self.versions if text.isdigit() and v.number == int(text)), None)
        if found is None:
            raise InputError(f"{self.name} has no version {label!r}.",
                             "Its versions are: " + ", ".join(v.label for v in self.versions) + ".")
        if not found.exists:
            raise InputError(f"{found.label} of {self.name} ({found.file.name}) is no longer there.")
        return found

    def which(self, sha256: str | None) -> Version | None:
        """The version lifkit wrote ``sha256`` to, or whose file holds it now."""
        if not sha256:
            return None
        return next((v for v in self.versions if sha256 == v.sha256 or sha256 in v.hashes), None)


@dataclass
class Written:
    """What :func:`write_draft` did."""

    path: Path  # the file lifkit wrote
    current: Path  # the version that is current (a person's edited version stays current)
    new_version: bool  # the draft went beside an edited version, as a new one
    kept: Path | None = None  # the edited version left as it was

    @property
    def message(self) -> str | None:
        if not self.new_version or self.kept is None:
            return None
        text = (f"{self.kept.name} was changed after lifkit wrote it, so it was kept as it is; the new draft is "
                f"{self.path.name}.")
        if self.current != self.path:
            text += f" {self.current.name} stays current until you choose another (lifkit summary ... --use)."
        return text


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    try:
        return sha256(Path(path).read_bytes())
    except FileNotFoundError:
        return None


def _record_path(folder: Path) -> Path:
    return Path(folder) / RECORD


def _load_record(folder: Path) -> dict:
    path = _record_path(folder)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} cannot be read ({exc}).",
                         "It records which drafts lifkit wrote; restore it from a backup, or delete it (every "
                         "existing draft is then kept as if a person had edited it).") from None
    return data if isinstance(data, dict) else {}


def _save_record(folder: Path, data: dict) -> None:
    from lifkit.mechanics.files import atomic_write_text

    atomic_write_text(_record_path(folder), json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def _versioned(path: Path, number: int) -> Path:
    return path if number == 1 else path.with_name(f"{path.stem}-v{number}{path.suffix}")


def draft(path: Path) -> Draft:
    """The versions of the draft first written at ``path``, as they are on disk now."""
    path = Path(path)
    entry = _load_record(path.parent).get(path.name) or {}
    versions = []
    for item in entry.get("versions") or []:
        file = path.parent / item["file"]
        now = file_sha256(file)
        hashes = list(item.get("hashes") or [])
        versions.append(Version(int(item["version"]), file, hashes, item.get("written", ""), now is not None,
                                now is not None and (not hashes or now != hashes[-1]), now))
    if not versions and path.exists():  # there before lifkit kept a record: a person's, as far as we know
        now = file_sha256(path)
        versions.append(Version(1, path, [], "", True, True, now))
    return Draft(path.name, path.parent, versions, entry.get("current"))


def write_draft(path: Path, content: bytes) -> Written:
    """Write a new draft of the document first written at ``path``: in place of the newest version if a
    person has not changed it, else beside it as a new version (see the module's doc)."""
    from lifkit.mechanics.files import atomic_write_bytes

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = _load_record(path.parent)
    state = draft(path)
    latest = state.versions[-1] if state.versions else None
    kept = None
    if latest is None:
        number = 1
    elif not latest.exists or not latest.edited:
        number = latest.number
    else:
        kept = latest.file
        number = latest.number + 1
        while _versioned(path, number).exists():  # a file of that name lifkit did not write: never touched
            number += 1
    target = _versioned(path, number)
    atomic_write_bytes(target, content)
    entry = record.setdefault(path.name, {"versions": [], "current": None})
    items = entry["versions"]
    if not items and latest is not None:  # the file that was there before: recorded as the first version
        items.append({"version": 1, "file": path.name, "hashes": [], "written": ""})
    item = next((i for i in items if int(i["version"]) == number), None)
    if item is None:
        item = {"version": number, "file": target.name, "hashes": [], "written": ""}
        items.append(item)
    digest = sha256(content)
    item["hashes"] = [h for h in item["hashes"] if h != digest][-19:] + [digest]  # the last 20 drafts
    item["written"] = dt.datetime.now().isoformat(timespec="seconds")
    _save_record(path.parent, record)
    current = draft(path).current
    return Written(target, current.file if current else target, kept is not None, kept)


def choose(path: Path, label: str) -> Draft:
    """Make version ``label`` (``v2``, ``2``) of the draft at ``path`` the current one."""
    path = Path(path)
    state = draft(path)
    if not state.versions:
        raise InputError(f"There is no draft {path.name} yet.")
    version = state.version(label)
    record = _load_record(path.parent)
    entry = record.setdefault(path.name, {"versions": [], "current": None})
    if not entry["versions"]:  # a file from before the record: record it as lifkit's first version
        entry["versions"].append({"version": 1, "file": path.name, "hashes": [], "written": ""})
    entry["current"] = version.number
    _save_record(path.parent, record)
    return draft(path)
