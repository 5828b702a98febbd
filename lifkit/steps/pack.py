"""The meeting pack: one PDF the committee (or review panel) reads before and during the meeting.

``lifkit pack REF`` builds it from the case folder alone: the cover (what is missing), the contents,
the agenda, the referral and the case's dates (all in the process's words), the returns at a glance, the
multi-agency chronology, then each agency's return in full followed by the documents it attached.

How it is made: this module reads the case folder (:func:`gather`), refuses or allows a pack with
returns missing, and writes the file and the journal entry; :mod:`lifkit.steps.pack_layout` lays the
pack out with reportlab, once; :func:`lifkit.mechanics.pdf.assemble` finishes it with qpdf (pikepdf) in
one pass: the structure tree, each attached page placed on its pack page as a form XObject (its content
copied, not parsed), the attached forms' fields kept under a prefix each
(:func:`lifkit.mechanics.pdf.adopt_fields`), bookmarks, page labels, metadata and AES-256 encryption.
With the same case folder and build date the unencrypted pack is byte-identical: reportlab runs in
invariant mode, every date in the file is the build date and the document id is a hash of the content.

The pack layout imports reportlab: it is imported only by the ``pack`` and ``actions pack`` commands.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifkit.case.folder import Case, case_references, load_case, record_event
from lifkit.errors import InputError
from lifkit.mechanics.dates import format_date, today
from lifkit.mechanics.pdftext import register_fonts
from lifkit.steps.pack_layout import MARKING, Layout, _layout, _missing_lines, _pack_word

PACK_FOLDER = "pack"
SOURCE_DATE_ENV = "SOURCE_DATE_EPOCH"

# --- results ------------------------------------------------------------------------------------


@dataclass
class PackResult:
    reference: str
    file: Path
    sha256: str
    pages: int
    encrypted: bool
    built: dt.date
    meeting_date: dt.date | None
    returns: int  # members asked
    valid: int
    outstanding: list[str] = field(default_factory=list)  # agency codes
    invalid: list[str] = field(default_factory=list)
    merged: int = 0  # attached PDFs merged in
    listed: int = 0  # attached documents listed by name only
    kept: Path | None = None  # a different pack already had the file's name: kept, and this one numbered
    unchanged: bool = False  # the latest pack for the meeting has the same content: it is the file, none built

    @property
    def complete(self) -> bool:
        return not (self.outstanding or self.invalid)


class PackIncomplete(InputError):
    """Returns are outstanding or invalid and --allow-incomplete was not given."""


# --- what goes in -------------------------------------------------------------------------------


@dataclass
class Attached:
    """A document an agency sent with its return (or the return itself, when it could not be read)."""

    name: str
    path: Path
    relative: str  # the path inside the case folder
    reader: Any = None  # the opened PDF (lifkit.mechanics.pdf.open_attachment) when it is merged
    pages: list[tuple[float, float, float, float, int]] = field(default_factory=list)  # crop box and rotation
    note: str = ""  # why it is listed rather than merged
    key: str = ""

    @property
    def merged(self) -> bool:
        return self.reader is not None


@dataclass
class AgencyReturn:
    code: str
    agency: str
    state: str  # "valid", "invalid" or "outstanding"
    due: dt.date | None = None
    returned: dt.date | None = None
    problems: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    attached: list[Attached] = field(default_factory=list)
    order: int = 0


@dataclass
class PackInput:
    case: Case
    board: str
    meeting: dt.date | None
    built: dt.date
    stamp: str  # the PDF date of the build: D:yyyymmdd, or the exact SOURCE_DATE_EPOCH time
    agencies: list[AgencyReturn]
    other_cases: list[str]
    chair: str = ""
    administrator: str = ""
    decision_due: dt.date | None = None
    process: Any = None  # the workspace's process: the pack's words, agenda and forms
    marking: str = MARKING  # the workspace's protective marking ([board] marking), on every page

    @property
    def outstanding(self) -> list[AgencyReturn]:
        return [a for a in self.agencies if a.state == "outstanding"]

    @property
    def invalid(self) -> list[AgencyReturn]:
        return [a for a in self.agencies if a.state == "invalid"]

    @property
    def received(self) -> list[AgencyReturn]:
        return [a for a in self.agencies if a.state != "outstanding"]


# --- dates and passwords ------------------------------------------------------------------------


def build_date(given: dt.date | None = None) -> tuple[dt.date, str]:
    """The build date and its PDF date string: ``--date``, else ``SOURCE_DATE_EPOCH``, else today."""
    if given is not None:
        return given, given.strftime("D:%Y%m%d")
    epoch = os.environ.get(SOURCE_DATE_ENV, "").strip()
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise InputError(f"{SOURCE_DATE_ENV} is {epoch!r}, not a number of seconds since 1970.",
                             "Set it to a Unix time (e.g. `date +%s`), or unset it.") from None
        return moment.date(), moment.strftime("D:%Y%m%d%H%M%SZ")
    on = today()
    return on, on.strftime("D:%Y%m%d")


def read_password(path: Path | None = None, env: str | None = None) -> str | None:
    """The pack's password: the first line of ``path`` ("-" for standard input), or the variable ``env``.

    Messages name the file or variable, never what is in it."""
    if path is not None and env:
        raise InputError("Give the password one way: --password-file or --password-env, not both.")
    if path is not None:
        if str(path) == "-":
            line = sys.stdin.readline()
            where = "standard input"
        else:
            path = Path(path)
            try:
                with path.open(encoding="utf-8-sig") as handle:
                    line = handle.readline()
            except FileNotFoundError:
                raise InputError(f"The password file {path} does not exist.") from None
            except UnicodeDecodeError:
                raise InputError(f"The password file {path} is not text.", "Save it as plain UTF-8 text.") from None
            where = str(path)
        password = line.rstrip("\r\n")
        if not password.strip():
            raise InputError(f"The first line of {where} is {'empty' if not password else 'only spaces'}: no "
                             "password to encrypt the pack with.")
        return password
    if env:
        password = os.environ.get(env, "")
        if not password.strip():
            raise InputError(f"The environment variable {env} is not set, is empty or is only spaces: no password "
                             "to encrypt the pack with.")
        return password
    return None


# --- gathering ----------------------------------------------------------------------------------


def _open_pdf(path: Path, budget=None) -> tuple[Any, list, str]:
    """A reader for an attached PDF and each page's crop box and rotation, or why it cannot be merged;
    ``budget``: what the pack's attachments, all open at once, may cost together (lifkit.mechanics.pdf.Budget)."""
    from lifkit.mechanics.pdf import open_attachment

    return open_attachment(path, budget)


def _attachment(case: Case, relative: str, name: str | None = None, budget=None) -> Attached:
    path = case.folder / relative
    item = Attached(name=name or path.name, path=path, relative=relative)
    if not path.is_file():
        item.note = "missing from the case folder"
    elif path.suffix.lower() == ".pdf":
        item.reader, item.pages, item.note = _open_pdf(path, budget)
    else:
        kind = {".docx": "Word document", ".doc": "Word document", ".xlsx": "Excel workbook", ".xls": "Excel workbook",
                ".txt": "text file", ".rtf": "Word document", ".odt": "document", ".msg": "Outlook message",
                ".eml": "email", ".jpg": "picture", ".jpeg": "picture", ".png": "picture"}.get(path.suffix.lower(),
                                                                                             "file")
        item.note = f"{kind}: not merged; it is in the case folder"
    return item


def gather(ws, reference: str, meeting: dt.date | None = None, built: dt.date | None = None) -> PackInput:
    """Everything the pack shows, read from the case folder: no side effects."""
    from lifkit.case.folder import load_returns
    from lifkit.case.state import case_state

    case = load_case(ws, reference)
    on, stamp = build_date(built)
    meeting = meeting or case.meeting_date
    status = case_state(ws, reference, case)
    order = {m.code: n for n, m in enumerate(ws.settings.members)}
    from lifkit.mechanics.pdf import Budget

    budget = Budget()  # every attachment stays open until the pack is written: what they cost together
    agencies = []
    for member in status.members:
        item = AgencyReturn(code=member.code, agency=member.agency, state="outstanding", due=member.due,
                            order=order.get(member.code, 999))
        submissions = load_returns(case, member.code)
        if submissions:
            current = submissions[-1]
            item.state = "valid" if current.get("valid") else "invalid"
            item.returned = member.returned
            item.problems = list(current.get("problems") or [])
            item.values = dict(current.get("values") or {})
            item.raw = dict(current.get("raw") or {})
            if not item.values and current.get("file"):
                # an unreadable return (flattened, printed to PDF): the file itself is the best there is
                item.attached.append(_attachment(case, current["file"], name=f"The returned form as received "
                                                                               f"({Path(current['file']).name})",
                                                 budget=budget))
            names = current.get("attachment_names") or []  # as the agency sent them; stored under lifkit's
            for number, relative in enumerate(current.get("attachments") or []):
                item.attached.append(_attachment(case, relative, names[number] if number < len(names) else None,
                                                 budget))
        agencies.append(item)
    for item in agencies:
        for number, attached in enumerate(item.attached, start=1):
            attached.key = f"{item.code}-doc{number}"
    others = []
    if meeting:
        for other in case_references(ws):
            if other != case.reference:
                try:
                    if load_case(ws, other).meeting_date == meeting:
                        others.append(other)
                except InputError:
                    continue
    return PackInput(case=case, board=ws.settings.board_name, meeting=meeting, built=on, stamp=stamp,
                     agencies=agencies, other_cases=others,
                     chair=ws.settings.person(ws.process.meeting_chair).name, decision_due=status.decision_due,
                     process=ws.process, marking=ws.settings.marking,
                     administrator=ws.settings.administrator.name)


def check_complete(data: PackInput) -> None:
    """Refuse a pack with outstanding or invalid returns (unless the caller allows it)."""
    if not data.agencies:
        raise PackIncomplete(f"No requests for information have been issued for {data.case.reference}: the pack "
                             "would hold no returns.",
                             f"Issue them first (lifkit request {data.case.reference}), or build the pack anyway "
                             "with --allow-incomplete.")
    lines = _missing_lines(data)
    if lines:
        listed = "\n".join(f"  - {line}" for line in lines)
        raise PackIncomplete(
            f"The pack for {data.case.reference} was not built: {len(lines)} of {len(data.agencies)} returns "
            f"are missing or invalid:\n{listed}",
            f"Chase them (lifkit chase {data.case.reference}), or build the pack anyway with --allow-incomplete: "
            "they are then listed on its cover and in the returns table.")


# --- building -----------------------------------------------------------------------------------


def default_output(case: Case, meeting: dt.date | None, built: dt.date, prefix: str) -> Path:
    """cases/<REF>/pack/<prefix>-<REF>-<meeting date, or build date>.pdf: no personal data in the name."""
    return case.folder / PACK_FOLDER / f"{prefix}-{case.reference}-{(meeting or built).isoformat()}.pdf"


def build_pack(ws, reference: str, meeting: dt.date | None = None, built: dt.date | None = None,
               password: str | None = None, allow_incomplete: bool = False,
               output: Path | None = None) -> PackResult:
    """Build the pack of case ``reference``, write it and record the build in the case's journal."""
    data = gather(ws, reference, meeting, built)
    if not allow_incomplete:
        check_complete(data)
    return _write(data, password, output)


def build_meeting_packs(ws, meeting: dt.date, built: dt.date | None = None, password: str | None = None,
                        allow_incomplete: bool = False, output: Path | None = None) -> list[PackResult]:
    """One pack for every case whose meeting is on ``meeting``. Every case is checked before any
    pack is written, so an incomplete case stops them all (unless allowed)."""
    references = [r for r in case_references(ws) if _meeting_of(ws, r) == meeting]
    if not references:
        raise InputError(f"No case has its {ws.process.term('meeting')} on {format_date(meeting)}.",
                         "Set a case's meeting with `lifkit request REF --meeting DATE`, or name the case: "
                         "lifkit pack REF --meeting DATE.")
    if output is not None and output.exists() and not output.is_dir():
        raise InputError(f"{output} is a file: with --meeting, -o names the folder the packs go in.")
    inputs = [gather(ws, reference, meeting, built) for reference in references]
    if not allow_incomplete:
        problems = []
        for data in inputs:
            try:
                check_complete(data)
            except PackIncomplete as exc:
                problems.append(exc)
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise PackIncomplete("No pack was built: " + " ".join(p.message for p in problems), problems[0].hint
                                 .replace(f"lifkit chase {inputs[0].case.reference}", "lifkit chase REF"))
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
    return [_write(data, password, output) for data in inputs]


def _meeting_of(ws, reference: str) -> dt.date | None:
    try:
        return load_case(ws, reference).meeting_date
    except InputError:
        return None


def _next_free(path: Path) -> Path:
    """``name-2.pdf``, ``name-3.pdf``...: the first name beside ``path`` not yet taken."""
    number = 2
    while (candidate := path.with_name(f"{path.stem}-{number}{path.suffix}")).exists():
        number += 1
    return candidate


def content_digest(data: PackInput) -> str:
    """A digest of everything the pack shows, the build date aside: the case file, each agency's return as
    filed (values, problems, dates), the bytes of every attached document, the meeting, the other cases at
    it, the workspace's and process's words, and lifkit's version (its layout). The same digest means the
    same pages, attachments and bookmarks."""
    import json

    from lifkit import __version__

    def file_digest(path: Path) -> str:
        if not path.is_file():
            return ""
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()

    case = data.case
    content = {
        "lifkit": __version__, "case": file_digest(case.folder / "case.yaml"), "meeting": data.meeting,
        "others": data.other_cases, "board": data.board, "chair": data.chair, "administrator": data.administrator,
        "decision_due": data.decision_due, "process": getattr(data.process, "digest", None) or repr(data.process),
        "agencies": [{"code": a.code, "agency": a.agency, "state": a.state, "due": a.due, "returned": a.returned,
                      "problems": a.problems, "values": a.values, "raw": a.raw, "order": a.order,
                      "attached": [(d.name, d.relative, d.note, d.merged, file_digest(d.path)) for d in a.attached]}
                     for a in data.agencies],
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _latest_same(data: PackInput, content: str) -> tuple[Path, dict] | None:
    """The latest pack built for the meeting without a password, when its content is ``content`` and its
    file is still the one built (the SHA-256 the journal kept)."""
    from lifkit.case.folder import journal

    meeting = data.meeting.isoformat() if data.meeting else None
    latest = None
    for event in journal(data.case.folder):
        if event["event"] == "pack built" and event.get("meeting") == meeting and not event.get("encrypted"):
            latest = event
    if latest is None or latest.get("content") != content:
        return None
    path = Path(latest["file"])
    path = path if path.is_absolute() else data.case.folder / path
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        if hashlib.file_digest(handle, "sha256").hexdigest() != latest.get("sha256"):
            return None
    return path, latest


def _close(data: PackInput) -> None:
    for item in data.agencies:
        for document in item.attached:
            if document.reader is not None:
                document.reader.close()


def _write(data: PackInput, password: str | None, output: Path | None) -> PackResult:
    from lifkit.mechanics.files import atomic_write_bytes

    content = content_digest(data)
    same = _latest_same(data, content) if password is None and output is None else None
    if same is not None:  # nothing the pack shows has changed: the pack built before is this pack
        _close(data)
        path, event = same
        merged = sum(1 for a in data.agencies for d in a.attached if d.merged)
        return PackResult(reference=data.case.reference, file=path, sha256=event["sha256"], pages=event["pages"],
                          encrypted=False, built=dt.date.fromisoformat(event["built"]), meeting_date=data.meeting,
                          returns=len(data.agencies), valid=sum(1 for a in data.agencies if a.state == "valid"),
                          outstanding=[a.code for a in data.outstanding], invalid=[a.code for a in data.invalid],
                          merged=merged, listed=sum(1 for a in data.agencies for d in a.attached if not d.merged),
                          unchanged=True)

    target = default_output(data.case, data.meeting, data.built, data.process.pack["file_prefix"])
    if output is not None:
        target = output / target.name if output.is_dir() else output
    if target.suffix.lower() != ".pdf":
        raise InputError(f"{target} does not end in .pdf.", "Name the pack's file NAME.pdf, or give a folder.")
    target.parent.mkdir(parents=True, exist_ok=True)
    pdf, pages = render(data, password)
    kept = None
    if target.exists() and (not target.is_file() or target.read_bytes() != pdf):
        # a pack built earlier (that day, or for that meeting) is part of the record: never overwrite it
        kept, target = target, _next_free(target)
    atomic_write_bytes(target, pdf)
    digest = hashlib.sha256(pdf).hexdigest()
    try:
        shown = str(target.resolve().relative_to(data.case.folder.resolve()))
    except ValueError:
        shown = str(target.resolve())
    record_event(data.case.folder, "pack built", file=shown, sha256=digest, pages=pages, encrypted=bool(password),
                 meeting=data.meeting, built=data.built, outstanding=[a.code for a in data.outstanding],
                 invalid=[a.code for a in data.invalid], content=content)
    merged = sum(1 for a in data.agencies for d in a.attached if d.merged)
    listed = sum(1 for a in data.agencies for d in a.attached if not d.merged)
    return PackResult(reference=data.case.reference, file=target, sha256=digest, pages=pages,
                      encrypted=bool(password), built=data.built, meeting_date=data.meeting,
                      returns=len(data.agencies), valid=sum(1 for a in data.agencies if a.state == "valid"),
                      outstanding=[a.code for a in data.outstanding], invalid=[a.code for a in data.invalid],
                      merged=merged, listed=listed, kept=kept)


def render(data: PackInput, password: str | None = None) -> tuple[bytes, int]:
    """The pack as PDF bytes, and its page count."""
    from lifkit.mechanics.pdf import AttachmentFault

    register_fonts()
    try:
        while True:  # each round lists one more attachment that could not be merged: it ends
            layout = _layout(data)
            try:
                return _assemble(data, layout, password), layout.pages
            except AttachmentFault as fault:
                document = next((d for a in data.agencies for d in a.attached if d.reader is fault.reader), None)
                if document is None:
                    raise
                document.reader.close()
                document.reader, document.pages = None, []
                document.note = "could not be copied into the pack: not merged"
    finally:
        for item in data.agencies:
            for document in item.attached:
                if document.reader is not None:
                    document.reader.close()  # the attached files stay open until then (Windows locks them)


# --- assembly (lifkit.mechanics.pdf) ------------------------------------------------------------


def _assemble(data: PackInput, layout: Layout, password: str | None) -> bytes:
    """The laid-out pack with the attached pages placed, the returned forms' fields kept, the outline,
    page numbers, document information and (with ``password``) AES-256: :mod:`lifkit.mechanics.pdf`."""
    from lifkit.mechanics.pdf import Placement, assemble

    forms: dict[str, Any] = {}
    placements = []
    for page_number, document, index, box, mcid in layout.placements:
        forms.setdefault(document.key, document)
        placements.append(Placement(page_number, document.reader, index, document.pages[index], box, mcid))
    outline = [(title, layout.anchors.get(key), level) for key, title, level in layout.outline]
    title = f"{_pack_word(data)} {data.case.reference}" + (f", meeting {format_date(data.meeting)}" if data.meeting else "")
    info = {"Title": title, "Author": data.board, "Subject": data.marking, "Creator": "lifkit",
            "Producer": "lifkit (reportlab, qpdf)", "Keywords": f"{data.marking}, {data.case.reference}",
            "CreationDate": data.stamp, "ModDate": data.stamp}
    return assemble(layout.pdf, placements, {key: d.reader for key, d in forms.items()}, outline, info, "en-GB",
                    password, tags=layout.tags)
