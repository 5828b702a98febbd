"""The administrator's week: open a case from a referral, request information from every member,
collect the replies, see where things stand, and chase what is missing.

Forms travel as attachments of email drafts (``outbox/*.eml``, opened and sent from the mail client,
or sent with ``--send``) and come back as saved messages. Every step records itself in the case's
journal; the case folder is the source of truth, the register is kept up to date from it.

No child's name goes into a subject, a message body or a file name: they carry the case reference,
the agency code and dates only.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from lifkit.case.actionplan import UPDATE_FORM
from lifkit.case.folder import (Case, case_lock, case_references, create_case, event_day, journal, load_case,
                                load_returns, record_event, update_case_file)
from lifkit.case.state import CaseState, case_state, request_prefill, return_due
from lifkit.mechanics.dates import format_date, today
from lifkit.mechanics.files import unique_path
from lifkit.errors import InputError, LifkitError
from lifkit.documents.extract import UnreadableForm, extract
from lifkit.documents.mail import build_draft, clean_name, is_message_file, read_messages, safe_filename
from lifkit.register.sync import sync_case
from lifkit.steps.filing import ChaseDraft, CollectResult, Filing as _Filing, ReceivedReturn, keep_from_member
from lifkit.steps.filing import set_aside as _set_aside, stamp as _stamp
from lifkit.documents.validate import FormProblem, validate_extracted
from lifkit.documents.formdef import load_form

FORM_SUFFIXES = (".pdf", ".docx")
DASH = "\u2014"


# --- results ----------------------------------------------------------------------------------


@dataclass
class OpenedCase:
    reference: str
    folder: Path
    notified: dt.date
    decision_due: dt.date
    problems: list[str] = field(default_factory=list)  # accepted with --accept-problems
    register_warning: str | None = None


@dataclass
class IssuedRequest:
    agency: str
    email: str
    return_by: dt.date
    files: list[Path]
    draft: Path


@dataclass
class RequestResult:
    reference: str
    meeting_date: dt.date | None
    issued: list[IssuedRequest]
    sent: list[Path] = field(default_factory=list)
    register_warning: str | None = None
    placeholders: list[str] = field(default_factory=list)  # members still at an address from `lifkit init`
    warnings: list[str] = field(default_factory=list)  # recorded, but needs attention (a meeting on a holiday)
    moved_from: dt.date | None = None  # the meeting's date before --move-meeting
    move_notes: list[Path] = field(default_factory=list)  # the drafts telling the agencies already told


CaseStatus = CaseState  # where a case stands: lifkit.case.state


# --- helpers ----------------------------------------------------------------------------------


def _is_placeholder(address: str) -> bool:
    from lifkit.case.workspace import PLACEHOLDER_DOMAINS

    return address.lower().rpartition("@")[2] in PLACEHOLDER_DOMAINS


def _yes_no(value) -> str:
    return "Yes" if value else "No"


# --- opening a case ---------------------------------------------------------------------------


def _referral_file(path: Path, workdir: Path, form_id: str) -> tuple[Path, str]:
    """The referral form in ``path`` (a form, or an email holding one) and the sender's address."""
    if not is_message_file(path):
        return path, ""
    candidates = []
    for message in read_messages(path):
        for attachment in message.attachments:
            if Path(attachment.filename).suffix.lower() in FORM_SUFFIXES:
                target = unique_path(workdir / attachment.filename)
                target.write_bytes(attachment.data)
                candidates.append((target, message.sender))
    forms = []
    for candidate, sender in candidates:
        try:
            identity = extract(candidate).identity
        except UnreadableForm:
            continue
        if identity and identity.form_id.lower() == form_id.lower():
            forms.append((candidate, sender))
    if len(forms) != 1:
        found = f"no {form_id.upper()}" if not forms else f"{len(forms)} {form_id.upper()} forms"
        raise InputError(f"{path.name} holds {found}: give the one referral form to open the case from.",
                         f"Save the {form_id.upper()} attachment from the message and give that file.")
    return forms[0]


class AlreadyOpened(InputError):
    """The referral was opened before: the same form, or the same subject and incident."""


def _same_referral(ws, fingerprint: str, values: dict) -> str | None:
    """The case already opened from this referral: the same file, or the same subject (name and date of
    birth) and the same incident (date of death, else of the incident), by the referral form's roles."""
    form = load_form(ws.process.referral_form, ws.root)

    def person(v: dict) -> tuple:
        name = " ".join(str(form.value(v, "subject_name") or "").casefold().split())
        incident = form.value(v, "subject_dod") or form.value(v, "incident")
        return (name, str(form.value(v, "subject_dob") or ""), str(incident or "")) if name and incident else ()

    wanted = person(values)
    for reference in case_references(ws):
        case = load_case(ws, reference)
        opened = next((e for e in journal(case.folder) if e["event"] == "opened"), {})
        if opened.get("fingerprint") == fingerprint or (wanted and person((case.referral or {}).get("values") or {})
                                                        == wanted):
            return reference
    return None


def open_referral(ws, path: Path, notified: dt.date | None = None, accept_problems: bool = False,
                  subject_address: str = "", new_case: bool = False) -> OpenedCase:
    """Read a returned referral form (PDF, Word, or an email holding one), validate it and open its case.

    The referral may not ask for addresses, which the requests carry: ``subject_address`` gives the
    subject's (when the form has none), and the significant people's can be added to case.yaml before the
    requests go out. The form's ``roles`` say which boxes hold the subject's details.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist.", "Give the referral form (or the email it came in).")
    on = today()
    if notified is not None and notified > on:
        raise InputError(f"The date {format_date(notified)} is in the future.",
                         f"Give the date {ws.process.term('notified')}.")
    with tempfile.TemporaryDirectory() as tmp:
        form_id = ws.process.referral_form
        form_file, _sender = _referral_file(path, Path(tmp), form_id)
        validation = validate_extracted(ws, extract(form_file), form_id=form_id)
        problems = [str(p) for p in validation.problems]
        if problems and not accept_problems:
            raise ReferralProblems(form_file.name if form_file != path else path.name, validation.problems)
        values = validation.values
        notified = notified or values.get("aware_date")
        if not isinstance(notified, dt.date):
            raise InputError(f"{path.name} does not say when {ws.process.term('notified')}.",
                             f"Give it: lifkit referral open {path.name} --notified DATE")
        import hashlib

        fingerprint = "sha256:" + hashlib.sha256(form_file.read_bytes()).hexdigest()
        ws.cases_dir.mkdir(exist_ok=True)
        with case_lock(ws, "cases"):  # two administrators opening the same referral at once open one case
            existing = None if new_case else _same_referral(ws, fingerprint, values)
            if existing:
                raise AlreadyOpened(f"{path.name} was opened before, as case {existing} (the same referral, or the "
                                    f"same {ws.process.subject.one} and incident): no case was opened.",
                                    f"See it with: lifkit status {existing}. If this is truly another case, give "
                                    "--new-case.")
            form = load_form(form_id, ws.root)
            subject = {"name": form.value(values, "subject_name", ""), "dob": form.value(values, "subject_dob"),
                       "dod": form.value(values, "subject_dod"),
                       "address": subject_address.strip() or str(form.value(values, "subject_address") or "")}
            people = [{"name": r.get("name", ""), "dob": r.get("dob"), "address": r.get("address", "") or "",
                       "relationship": r.get("relationship", "")} for r in form.value(values, "people") or []]
            referral = {"values": values, "raw": validation.raw, "problems": problems}
            case = create_case(ws, notified=notified, opened=on, subjects=[subject], people=people, referral=referral,
                               original=form_file, fingerprint=fingerprint,
                               also=[("validated", {"form": form_id.upper(), "valid": not problems,
                                                    "problems": len(problems)})])
    if path != form_file and is_message_file(path) and path.is_file():
        shutil.copy2(path, case.folder / "inbox" / f"referral-message{path.suffix.lower() or '.eml'}")
    warning = sync_case(ws, case.reference)
    return OpenedCase(reference=case.reference, folder=case.folder, notified=notified,
                      decision_due=case_state(ws, case.reference).decision_due, problems=problems,
                      register_warning=warning)


class ReferralProblems(InputError):
    """The referral has problems: the case is not opened unless the administrator accepts them."""

    def __init__(self, name: str, problems: list[FormProblem]):
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{name} has {len(problems)} problem{'s' if len(problems) != 1 else ''}; the case was not "
                         f"opened:\n{lines}",
                         "Ask the referrer to correct and resend the form, or open the case anyway with "
                         "--accept-problems (they are recorded with the case).")


# --- requesting information -------------------------------------------------------------------


def email_text(ws, key: str, case: Case | None = None, **values) -> str:
    """One of the process's email texts (subject or body) with the workspace's and case's values put in."""
    admin = ws.settings.administrator
    meeting = case.meeting_date if case else None
    emails = ws.process.emails
    phrase = (ws.process.text(emails["meeting_phrase"], meeting=format_date(meeting)) if meeting
              else ws.process.text(emails["meeting_phrase_unset"]))
    values = {"reference": case.reference if case else "", "board_name": ws.settings.board_name,
              "meeting_phrase": phrase, "admin_name": admin.name, "admin_email": admin.email,
              "admin_telephone_line": f"\n{admin.telephone}" if admin.telephone else "",
              **{k: format_date(v) if isinstance(v, dt.date) else v for k, v in values.items()}}
    return ws.process.text(emails[key], **values)


def signature(ws) -> str:
    """The administrator's name and title under an email."""
    return f"{ws.settings.administrator.name}\n{ws.process.term('administrator')}, {ws.settings.board_name}\n"


def make_form(ws, form_id: str, case_ref: str | None = None, agency: str | None = None, fmt: str = "pdf",
              output: Path | None = None):
    """``lifkit form``: a blank form, or one pre-filled for a case and an agency as a request would be."""
    from lifkit.documents.generate import generate_form

    values = None
    if case_ref:
        case = load_case(ws, case_ref)
        case_ref = case.reference
        if agency:
            values = request_prefill(ws, case, ws.settings.member(agency).agency, today())
    return generate_form(ws, form_id, case_ref, agency, fmt, output, case_values=values)


def _meeting_warnings(ws, case: Case, meeting: dt.date) -> list[str]:
    """What is odd about a meeting date that is still recorded: a day that is not a working day, or one after
    the decision is due."""
    warnings = []
    calendar = ws.settings.working_calendar()
    if not calendar.is_working_day(meeting):
        holiday = calendar.bank_holiday(meeting)
        why = ([f"{holiday}, a bank holiday"] if holiday else []) + (
            [f"a {meeting.strftime('%A')}"] if meeting.weekday() >= 5 else []) + (
            ["a day the office is closed"] if meeting in calendar.closures else [])
        warnings.append(f"the {ws.process.term('meeting')} on {format_date(meeting)} is not a working day "
                        f"({'; '.join(why)}).")
    due = case_state(ws, case.reference, case).decision_due
    if due and meeting > due:
        warnings.append(f"the {ws.process.term('meeting')} on {format_date(meeting)} is after the "
                        f"{ws.process.term('decision')} is due ({format_date(due)}).")
    return warnings


def _told(case: Case) -> dict[str, dt.date]:
    """The agencies already sent a request in this case: code -> the day of the latest."""
    told = {}
    for event in journal(case.folder):
        if event["event"] == "issued" and event.get("agency"):
            told[event["agency"]] = dt.date.fromisoformat(event["issued"]) if event.get("issued") else event_day(event)
    return told


def _move_meeting(ws, case: Case, old: dt.date, new: dt.date, result: RequestResult) -> None:
    """Put the case's meeting on ``new``: the open requests get the due date the new meeting gives them, and
    every agency already told gets a note (drafted in the outbox); one journal event says it all."""
    process = ws.process
    import dataclasses

    state = case_state(ws, case.reference, case)
    moved = dataclasses.replace(case, meeting_date=new)
    told = _told(case)
    meeting = process.term("meeting")
    redated, drafts = {}, []
    for status in state.members:
        if status.code not in told:
            continue
        member = ws.settings.member(status.code)
        lines = [f"Case {case.reference}: the {meeting} has moved from {format_date(old)} to {format_date(new)}."]
        if status.valid is not True:
            due = return_due(ws, process, moved, told[status.code])
            if status.due and status.due != due and not (status.chased and status.due > due):
                redated[status.code] = due
            due = redated.get(status.code, status.due or due)
            asked = process.term("request")
            lines.append(f"Please return your agency's {asked} by {format_date(due)}." if due >= today() else
                         f"Your agency's {asked} was due on {format_date(due)}: please return it as soon as you can.")
        else:
            lines.append(f"Thank you: your agency's {process.term('request')} has been received; nothing more is "
                         "needed for this change.")
        body = (f"Dear {member.name},\n\n" + " ".join(lines) + "\n\nPlease keep the case reference in the subject "
                "and add no personal details to it.\n\n" + signature(ws))
        subject = f"{meeting[:1].upper()}{meeting[1:]} moved {DASH} {case.reference} {DASH} now {format_date(new)}"
        draft = unique_path(case.folder / "outbox" / f"meeting-moved-{case.reference}-{member.code}.eml")
        draft.write_bytes(build_draft(ws.settings.administrator.email, member.email, subject, body))
        drafts.append(draft)
    update_case_file(case.folder, meeting_date=new)
    record_event(case.folder, "meeting moved", was=old, meeting=new, redated={k: v.isoformat() for k, v in
                                                                               redated.items()},
                 drafts=[d.name for d in drafts])
    result.moved_from, result.move_notes = old, drafts


def issue_requests(ws, reference: str, meeting: dt.date | None = None, agencies: list[str] | None = None,
                   send: bool = False, progress: Callable[[str], None] | None = None,
                   move_meeting: bool = False) -> RequestResult:
    """A pre-filled request form and an email draft for every member (or those in ``agencies``). A meeting
    other than the case's needs ``move_meeting``: the open requests are re-dated and every agency already told
    gets a note; then only the agencies named are sent a request."""
    from lifkit.documents.generate import generate_form

    case = load_case(ws, reference)
    issued_on = today()
    warnings: list[str] = []
    moving = None
    if meeting is not None:
        if meeting < issued_on:
            raise InputError(f"The meeting date {format_date(meeting)} is in the past: the case's meeting was not "
                             "changed and nothing was issued.", "Give the date of the coming meeting.")
        if case.notified and meeting < case.notified:
            raise InputError(f"The meeting date {format_date(meeting)} is before the case began "
                             f"({format_date(case.notified)}): nothing was changed.", "Check the meeting date.")
        if case.meeting_date and meeting != case.meeting_date:
            told = sorted(_told(case))
            if not move_meeting:
                raise InputError(
                    f"{case.reference}'s {ws.process.term('meeting')} is on {format_date(case.meeting_date)}"
                    + (f" ({', '.join(told)} {'was' if len(told) == 1 else 'were'} told)" if told else "")
                    + f"; {format_date(meeting)} is a different date: nothing was changed and nothing was issued.",
                    f"Give --meeting {format_date(case.meeting_date)} to issue for that meeting, or --move-meeting to "
                    "move it (the open requests are re-dated and every agency already told gets a note).")
            moving = case.meeting_date
        warnings = _meeting_warnings(ws, case, meeting)
    elif move_meeting:
        raise InputError("--move-meeting needs --meeting DATE (the new date).")
    if moving is not None:
        (case.folder / "outbox").mkdir(exist_ok=True)
    result = RequestResult(reference=case.reference, meeting_date=meeting or case.meeting_date, issued=[],
                           warnings=warnings)
    if moving is not None:
        _move_meeting(ws, case, moving, meeting, result)
        case = load_case(ws, reference)
        if not agencies:
            result.register_warning = sync_case(ws, case.reference)
            return result
    elif meeting is not None:
        update_case_file(case.folder, meeting_date=meeting)
        case = load_case(ws, reference)
    members = [ws.settings.member(code) for code in agencies] if agencies else list(ws.settings.members)
    outbox = case.folder / "outbox"
    outbox.mkdir(exist_ok=True)
    for member in members:
        if progress:
            progress(member.code)
        due = return_due(ws, ws.process, case, issued_on)
        made = generate_form(ws, ws.process.request_form, case.reference, member.code, member.format, outbox,
                             case_values=request_prefill(ws, case, member.agency, issued_on))
        draft = outbox / f"request-{case.reference}-{member.code}.eml"
        draft.write_bytes(build_draft(ws.settings.administrator.email, member.email,
                                      email_text(ws, "request_subject", case, due=due),
                                      email_text(ws, "request_body", case, due=due, name=member.name,
                                                 agency=member.agency), list(made.files)))
        record_event(case.folder, "issued", agency=member.code, issued=issued_on, return_by=due,
                     files=[f.name for f in made.files], draft=draft.name)
        result.issued.append(IssuedRequest(member.code, member.email, due, list(made.files), draft))
        if _is_placeholder(member.email):
            result.placeholders.append(member.code)
    if send and result.placeholders:
        raise InputError(f"Not sent: {', '.join(result.placeholders)} still have the placeholder addresses from "
                         "`lifkit init`.", "Put the members' real addresses in lifkit.toml (lifkit config check "
                         "lists them), then run the request again. The drafts are in the outbox.")
    if send and result.issued:
        result.sent = _send(ws, case, [r.draft for r in result.issued])
    result.register_warning = sync_case(ws, case.reference)
    return result


def _send(ws, case: Case, drafts: list[Path]) -> list[Path]:
    from lifkit.documents.mail import send_drafts

    if ws.settings.smtp is None:
        raise InputError("--send needs an [smtp] section in lifkit.toml (host, port, username).",
                         "The drafts are in the outbox: open them in your mail client and send them from there.")
    sent = send_drafts(ws.settings.smtp, drafts)
    for draft in sent:
        record_event(case.folder, "sent", draft=draft.name)
    return sent


# --- collecting returns -----------------------------------------------------------------------


def _suffix(name: str) -> str:
    """A stored file's extension, from the name the sender gave: letters and digits only, lower case."""
    suffix = Path(safe_filename(name)).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""


def _collect_sources(paths: list[Path], result: CollectResult) -> list[Path]:
    """The files to read: each path given, a plain folder as the files in it (a Maildir stays whole)."""
    from lifkit.documents.mail import folder_files, is_maildir

    sources = []
    for path in map(Path, paths):
        if not path.exists():
            result.notes.append(f"{path}: no such file or folder")
        elif path.is_dir() and not is_maildir(path):
            found = folder_files(path)
            if not found:
                result.notes.append(f"{path}: an empty folder")
            sources.extend(found)
        else:
            sources.append(path)
    return sources


def collect(ws, reference: str, paths: list[Path], progress: Callable[[str], None] | None = None) -> CollectResult:
    """Read every message or form in ``paths`` (files, mboxes, Maildirs, plain folders of them) and file each
    return under its agency. A file that cannot be read is reported and the others are still filed; a
    message or file filed before (the same Message-ID, else the same bytes) is reported and changes nothing."""
    case = load_case(ws, reference)
    with case_lock(ws, case.reference):
        return _collect(ws, case, paths, progress)


def _filed(case: Case) -> dict[str, str]:
    """What has been filed in the case before: fingerprint -> the day it was filed."""
    return {e["source"]: event_day(e).isoformat() for e in journal(case.folder)
            if e["event"] == "filed" and e.get("source")}


def _collect(ws, case: Case, paths: list[Path], progress) -> CollectResult:
    import hashlib

    result = CollectResult(reference=case.reference)
    (case.folder / "inbox").mkdir(exist_ok=True)
    for left in case.folder.glob(".collecting-*"):  # a collect killed half way; we hold the case, so none runs
        shutil.rmtree(left, ignore_errors=True)
    filed = _filed(case)

    def once(fingerprint: str, label: str, work) -> None:
        if fingerprint in filed:
            day = dt.date.fromisoformat(filed[fingerprint])
            result.already.append(f"{label}: already filed on {format_date(day)}; nothing changed")
            return
        if _file_whole(case, result, work, fingerprint):
            filed[fingerprint] = today().isoformat()

    for path in _collect_sources(paths, result):
        if progress:
            progress(path.name)
        if path.is_file() and path.stat().st_size == 0:  # never "already filed": nothing in it to match
            result.notes.append(f"{clean_name(path.name)}: empty (0 bytes); nothing to file. Save the message or "
                                "form again and collect that file.")
            continue
        if is_message_file(path):
            try:
                messages = read_messages(path, on_error=lambda exc: result.notes.append(exc.message))
                for message in messages:
                    if not message.raw.strip():
                        result.notes.append(f"{clean_name(message.label)}: an empty message; nothing to file.")
                        continue
                    once(message.fingerprint, clean_name(message.label),
                         lambda filing, message=message: _collect_message(ws, case, message, filing))
            except LifkitError as exc:
                result.notes.append(exc.message)
        elif path.suffix.lower() in FORM_SUFFIXES:
            with path.open("rb") as handle:
                fingerprint = "sha256:" + hashlib.file_digest(handle, "sha256").hexdigest()
            once(fingerprint, clean_name(path.name), lambda filing, path=path: _collect_file(ws, case, path, filing))
        else:
            result.notes.append(f"{clean_name(path.name)}: neither an email, a mailbox nor a PDF or Word form; "
                                "not read")
    result.register_warning = sync_case(ws, case.reference)
    return result


def _file_whole(case: Case, result: CollectResult, work: Callable[[_Filing], None], fingerprint: str) -> bool:
    """Work out one message's or file's filing in a private folder, then commit it, its journal entries in
    one line that ends with what was filed (``filed``, its fingerprint); a file that turns out unreadable
    half way leaves nothing behind but a note."""
    with tempfile.TemporaryDirectory(prefix=".collecting-", dir=case.folder) as staging:
        filing = _Filing(case, Path(staging))
        try:
            work(filing)
        except LifkitError as exc:
            result.notes.append(exc.message)
            return False
        filing.event("filed", source=fingerprint)
        filing.commit(result)
        return True


def _collect_file(ws, case: Case, path: Path, filing: _Filing) -> None:
    filing.sent = dt.date.fromtimestamp(path.stat().st_mtime)
    suffix = _suffix(path.name)
    staged = filing.stage(source=path, suffix=suffix)
    original = filing.keep(staged, case.folder / "inbox" / f"{_stamp()}-file{suffix}", copy=True)
    _collect_form(ws, case, staged, clean_name(path.name), sender=None, extras=[], filing=filing, origin=original)


def _collect_message(ws, case: Case, message, filing: _Filing) -> None:
    filing.sent = message.sent.astimezone().date() if message.sent else None
    folder = case.folder / "inbox" / f"{_stamp()}-message"
    original = filing.keep(filing.stage(message.raw, suffix=".eml"), folder / "message.eml")
    label = f"{clean_name(message.label)} (from {message.sender or 'no sender'})"
    for problem in message.problems:
        filing.notes.append(f"{label}: {problem}")
    forms, extras, unread = [], [], []
    for number, attachment in enumerate(message.attachments, start=1):
        suffix = _suffix(attachment.filename)
        staged = filing.stage(attachment.data, suffix=suffix)
        kept = filing.keep(staged, folder / f"attachment-{number}{suffix}", copy=True)
        read = _read_form(staged) if suffix in FORM_SUFFIXES else None
        if read is not None and read.identity is not None:  # a flattened form still says whose it is
            forms.append((staged, attachment.original_name, read))
        elif isinstance(read, UnreadableForm) and read.kind == "altered":
            _set_aside(case, staged, attachment.original_name, _reason(read), filing)
        else:
            extras.append((staged, attachment.original_name))
            if isinstance(read, UnreadableForm) and read.kind != "not-a-form":
                unread.append(f"{attachment.original_name or kept.name}: {_reason(read)}")
    filing.events.insert(0, ("received", {"message": str(original.relative_to(case.folder / "inbox")),
                                          "attachments": len(message.attachments), "forms": len(forms)}))
    if not forms:
        if not filing.aside:
            why = f" ({'; '.join(unread)})" if unread else ""
            filing.notes.append(f"{label}: no lifkit form in it{why}; kept in {folder.relative_to(case.folder)}")
        return
    for staged, name, read in forms:
        _collect_form(ws, case, staged, name, sender=message.sender, extras=extras if len(forms) == 1 else [],
                      filing=filing, origin=original, read=read)


def _reason(unreadable: UnreadableForm) -> str:
    """An unreadable file's reason without the file's name (which is lifkit's staging name)."""
    return unreadable.message.split(": ", 1)[-1]


def _read_form(path: Path):
    """A file's extracted contents, or the reason it cannot be read (read once, used twice)."""
    try:
        return extract(path)
    except UnreadableForm as exc:
        return exc


def _collect_form(ws, case: Case, path: Path, name: str, sender: str | None, extras: list[tuple[Path, str]],
                  filing: _Filing, origin: Path, read=None) -> None:
    read = _read_form(path) if read is None else read
    if isinstance(read, UnreadableForm):
        identity, unreadable, extracted = read.identity, read, None
    else:
        identity, unreadable, extracted = read.identity, None, read
    if identity is None:
        _set_aside(case, path, name, f"not a lifkit form: {_reason(unreadable) if unreadable else 'no identity'}",
                   filing)
        return
    request_form = ws.process.request_form.upper()
    if identity.form_id.upper() == UPDATE_FORM.upper() and identity.case_ref == case.reference:
        from lifkit.steps.actions import collect_update  # an agency's update on its actions

        collect_update(ws, case, path, name, read, sender, extras, filing, origin)
        return
    if identity.form_id.upper() != request_form:
        _set_aside(case, path, name, f"a {identity.form_id}, not a {request_form} return", filing)
        return
    if identity.case_ref != case.reference:
        _set_aside(case, path, name, f"a form for case {identity.case_ref or '(none)'}, not {case.reference}", filing)
        return
    kept = keep_from_member(ws, case, identity.agency, path, name, sender, extras, filing, "a form", "returns",
                            request_form)
    if kept is None:
        return
    member, stored, kept_extras = kept
    if unreadable is not None:
        validation = None
        problems = [f"The form as a whole: {_reason(unreadable)} {unreadable.hint or ''}".strip()]
    else:
        try:
            validation = validate_extracted(ws, extracted, case.reference, ws.process.request_form)
            problems = [str(p) for p in validation.problems]
        except UnreadableForm as exc:
            validation, problems = None, [f"The form as a whole: {_reason(exc)}"]
    valid = not problems
    submission = {
        "received": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "received_on": _received_on(case, member.code, filing.sent).isoformat(),
        "sender": sender, "file": str(stored.relative_to(case.folder)), "original": str(origin.relative_to(case.folder)),
        "name": name,  # as the agency named it: shown in reports, never used for a stored file
        "valid": valid, "problems": problems,
        "values": validation.to_dict()["values"] if validation else {},
        "raw": validation.raw if validation else {},
        "attachments": [str(p.relative_to(case.folder)) for p in kept_extras],
        "attachment_names": [extra_name for _extra, extra_name in extras],
    }
    supersedes = bool(load_returns(case, member.code)) or any(code == member.code for code, _ in filing.returns)
    filing.returns.append((member.code, submission))
    filing.event("validated", agency=member.code, valid=valid, problems=len(problems), file=submission["file"],
                 supersedes=supersedes)
    reply = None if valid else _reply_draft(ws, case, member, problems, filing)
    filing.received.append(ReceivedReturn(member.code, stored, valid, problems, kept_extras, reply, supersedes,
                                          name, submission["attachment_names"]))


def _received_on(case: Case, code: str, sent: dt.date | None) -> dt.date:
    """The day a return came: the message's own date (not after today, not before the request to the
    agency went out), else the file's date (bounded the same way), else today."""
    on = today()
    if sent is None:
        return on
    issued = [(dt.date.fromisoformat(e["issued"]) if e.get("issued") else event_day(e)) for e in journal(case.folder)
              if e["event"] == "issued" and e.get("agency") == code]
    earliest = min(issued) if issued else None
    day = min(sent, on)
    return max(day, earliest) if earliest else day


def _reply_by(ws, case: Case, days: int) -> dt.date:
    """The date a reminder or a reply asks for: the first working day ``days`` days from today, or the last
    working day before the meeting when that is sooner (and not past)."""
    calendar = ws.settings.working_calendar()
    on = today()
    due = calendar.on_or_after(on + dt.timedelta(days=days))
    if case.meeting_date and on <= case.meeting_date < due:
        due = max(calendar.on_or_before(case.meeting_date), on)
    return due


def _reply_draft(ws, case: Case, member, problems: list[str], filing: _Filing) -> Path:
    due = _reply_by(ws, case, 3)
    lines = "\n".join(f"- {p}" for p in problems)
    body = (f"Dear {member.name},\n\n{email_text(ws, 'thanks', case)} It cannot be used yet:\n\n{lines}\n\n"
            f"Please correct the form you filled in and send it back by {format_date(due)} by replying to this "
            f"email. Please keep the case reference in the subject and do not add the {ws.process.subject.one}'s name "
            "to it.\n\n"
            + signature(ws))
    subject = email_text(ws, "reply_subject", case, due=due)
    draft = filing.name(case.folder / "outbox" / f"reply-{case.reference}-{member.code}.eml")
    filing.writes.append((draft, build_draft(ws.settings.administrator.email, member.email, subject, body)))
    filing.event("reply drafted", agency=member.code, draft=draft.name, problems=len(problems))
    return draft


# --- where things stand -----------------------------------------------------------------------


def case_status(ws, reference: str) -> CaseState:
    return case_state(ws, reference)


def all_status(ws, reference: str | None = None) -> list[CaseStatus]:
    references = [reference] if reference else case_references(ws)
    return [case_status(ws, r) for r in references]


# --- chasing ----------------------------------------------------------------------------------


def chase(ws, reference: str, new_date: dt.date | None = None) -> list[ChaseDraft]:
    """A reminder draft to every member whose return is outstanding or invalid, with a new date."""
    case = load_case(ws, reference)
    on = today()
    calendar = ws.settings.working_calendar()
    given = new_date is not None
    if new_date is None:
        new_date = _reply_by(ws, case, 3)
    if new_date < on:
        raise InputError(f"The new date {format_date(new_date)} is in the past.", "Give a date from today on.")
    if given and not calendar.is_working_day(new_date):
        raise InputError(f"The new date {format_date(new_date)} is not a working day "
                         f"({calendar.why_not_working(new_date)}): nothing was drafted.",
                         f"Give a working day, such as {format_date(calendar.on_or_after(new_date))}.")
    status = case_status(ws, reference)
    drafts = []
    for member_status in status.members:
        if member_status.valid is True or member_status.issued is None:
            continue
        member = ws.settings.member(member_status.code)
        if member_status.valid is False:
            current = load_returns(case, member.code)[-1]
            reason = "invalid"
            missing = ("The form you returned cannot be used yet:\n\n"
                       + "\n".join(f"- {p}" for p in current["problems"]) + "\n\nPlease correct it and send it back")
        else:
            reason = "outstanding"
            missing = email_text(ws, "outstanding", case, due=member_status.due)
        body = (f"Dear {member.name},\n\nCase {case.reference}: {missing} by {format_date(new_date)}, by replying to "
                "this email with the form attached.\n\nPlease keep the case reference in the subject and do not add "
                f"the {ws.process.subject.one}'s name to it.\n\n" + signature(ws))
        subject = email_text(ws, "reminder_subject", case, new_date=new_date)
        draft = unique_path(case.folder / "outbox" / f"reminder-{case.reference}-{member.code}.eml")
        draft.write_bytes(build_draft(ws.settings.administrator.email, member.email, subject, body))
        record_event(case.folder, "chased", agency=member.code, reason=reason, new_date=new_date, draft=draft.name)
        drafts.append(ChaseDraft(member.code, reason, new_date, draft))
    from lifkit.steps.actions import chase_updates  # action updates past their date

    return drafts + chase_updates(ws, case, new_date)
