"""Filing what comes back: a message's or a file's returns, attachments and journal entries worked out in
full, then written at once (:class:`Filing`), and the results the exchange reports. The exchange and the
action plan's updates file their returns through it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from lifkit.case.folder import Case, load_returns, record_events, returns_file
from lifkit.errors import InputError
from lifkit.mechanics.dates import today


@dataclass
class ReceivedReturn:
    agency: str
    file: Path
    valid: bool
    problems: list[str]
    attachments: list[Path]
    reply_draft: Path | None
    supersedes: bool
    name: str = ""  # the form's file name as the agency sent it (stored under a name lifkit makes)
    attachment_names: list[str] = field(default_factory=list)  # the attachments' names as sent, in order


@dataclass
class AsideItem:
    file: Path  # where it is kept, under a name lifkit makes
    reason: str
    name: str = ""  # the file's name as the sender gave it


@dataclass
class CollectResult:
    reference: str
    received: list[ReceivedReturn] = field(default_factory=list)
    aside: list[AsideItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # parts refused (winmail.dat, oversized...), messages with no form
    already: list[str] = field(default_factory=list)  # messages and files filed before: nothing changed
    register_warning: str | None = None

    @property
    def needs_attention(self) -> bool:
        return bool(self.aside or self.notes or any(not r.valid for r in self.received))


@dataclass
class ChaseDraft:
    agency: str
    reason: str
    new_date: dt.date
    draft: Path


def stamp() -> str:
    """A stored folder's or file's name: lifkit's day (LIFKIT_TODAY) and the clock's time, to the microsecond."""
    return today().strftime("%Y%m%d") + dt.datetime.now().strftime("-%H%M%S-%f")


def inside(folder: Path, path: Path) -> Path:
    """``path``, after making sure it cannot leave ``folder`` (a last guard under safe_filename)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(folder.resolve()):
        raise InputError(f"Refused to write {path.name}: it would leave the case folder.")
    return path


def save_return(case: Case, code: str, submission: dict) -> bool:
    from lifkit.mechanics.files import atomic_write_text

    submissions = load_returns(case, code)
    supersedes = bool(submissions)
    for old in submissions:
        old["current"] = False
    submission["current"] = True
    submissions.append(submission)
    atomic_write_text(returns_file(case, code), json.dumps({"agency": code, "submissions": submissions},
                                                            indent=2, ensure_ascii=False, default=str))
    return supersedes


@dataclass
class Filing:
    """What one message or loose form adds to the case, worked out in full before anything is written, so
    that each is filed whole or not at all: its files, its returns and its journal entries.

    Stored files get names lifkit makes (case, agency, a number), never the sender's: an attachment's name
    may carry a child's name. The name the agency sent is kept in the return's record and the report only.
    """

    case: Case
    staging: Path  # a private folder in the case folder; its files are moved into place on commit
    moves: list[tuple[Path, Path]] = field(default_factory=list)  # staged file -> where it is kept
    writes: list[tuple[Path, bytes]] = field(default_factory=list)  # reply drafts
    returns: list[tuple[str, dict]] = field(default_factory=list)  # agency code, submission
    events: list[tuple[str, dict]] = field(default_factory=list)  # journal entries, in order
    received: list[ReceivedReturn] = field(default_factory=list)
    aside: list[AsideItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    taken: set[Path] = field(default_factory=set)  # names given out in this filing
    sent: dt.date | None = None  # when the message says it was sent (its Date header), or the file's date
    saves: list[Callable[[], None]] = field(default_factory=list)  # other records (action updates), after returns

    def name(self, path: Path) -> Path:
        """``path``, numbered so that it is taken neither in the case folder nor in this filing."""
        stem, suffix = path.stem, path.suffix
        for n in range(1, 10_000):
            candidate = path if n == 1 else path.with_name(f"{stem}-{n}{suffix}")
            if candidate not in self.taken and not candidate.exists():
                self.taken.add(candidate)
                return inside(self.case.folder, candidate)
        raise InputError(f"Too many files named like {path.name} in {path.parent}.")

    def stage(self, data: bytes | None = None, source: Path | None = None, suffix: str = "") -> Path:
        staged = self.staging / f"{len(list(self.staging.iterdir())) + 1}{suffix}"
        if source is not None:
            shutil.copy2(source, staged)
        else:
            staged.write_bytes(data)
        return staged

    def keep(self, staged: Path, target: Path, copy: bool = False) -> Path:
        target = self.name(target)
        if copy:
            second = self.staging / f"{len(list(self.staging.iterdir())) + 1}{staged.suffix}"
            shutil.copy2(staged, second)
            staged = second
        self.moves.append((staged, target))
        return target

    def event(self, name: str, **details) -> None:
        self.events.append((name, details))

    def commit(self, result: CollectResult) -> None:
        """Everything decided, now written: files moved into place, returns saved, then the journal."""
        for staged, target in self.moves:
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.replace(target)
        for target, data in self.writes:
            target.write_bytes(data)
        for code, submission in self.returns:
            save_return(self.case, code, submission)
        for save in self.saves:
            save()
        record_events(self.case.folder, self.events)
        result.received.extend(self.received)
        result.aside.extend(self.aside)
        result.notes.extend(self.notes)


def set_aside(case: Case, staged: Path, name: str, reason: str, filing: Filing) -> None:
    target = filing.keep(staged, case.folder / "inbox" / "aside" / f"{case.reference}-aside{staged.suffix}",
                         copy=True)
    filing.event("set aside", file=target.name, reason=reason)
    filing.aside.append(AsideItem(target, reason, name))


def keep_from_member(ws, case: Case, agency: str, path: Path, name: str, sender: str | None,
                     extras: list[tuple[Path, str]], filing: Filing, what: str, folder: str, form_id: str):
    """The member agency a returned form says it is from, with the form and its attachments kept under names
    lifkit makes (``<folder>/<AGENCY>/<stamp>/``); None, the form set aside with the reason, when the agency
    is not a member or the message did not come from the member's address."""
    member = next((m for m in ws.settings.members if m.code == agency), None)
    if member is None:
        set_aside(case, path, name, f"{what} for agency {agency}, which is not a member", filing)
        return None
    if sender is not None and sender != member.email.lower():
        set_aside(case, path, name, f"sent by {sender or '(no sender)'}, not by {member.code}'s member address", filing)
        return None
    where = case.folder / folder / member.code / stamp()
    stored = filing.keep(path, where / f"{form_id.upper()}-{case.reference}-{member.code}{path.suffix.lower()}",
                         copy=True)
    kept = [filing.keep(extra, where / f"{member.code}-{case.reference}-attachment{extra.suffix}", copy=True)
            for extra, _name in extras]
    return member, stored, kept
