"""The review a decision commissions, from the decision to publication: record its stages, plan, defer or
decline publication, file its documents, chase each owner's stage past its clock.

Every step holds the case's lock from its checks to its record, checks everything before it writes
anything (a refusal is exit status 2 with nothing recorded), and writes one journal event with an id.
The stages themselves, their owners and clocks are the process's (``review:``); where the review stands
is worked out by lifkit/case/review.py from the journal alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from lifkit.case.folder import Case, case_folder, case_lock, load_case, record_event
from lifkit.case.process import Stage
from lifkit.case.review import ReviewState, StageState
from lifkit.case.state import CaseState, case_state
from lifkit.errors import InputError, LifkitError
from lifkit.mechanics.dates import format_date, today

REVIEW_FOLDER = "review"  # cases/<REF>/review/<stage>/: the documents filed with the review
MAX_DOCUMENT_BYTES = 30 * 1024 * 1024  # a review's report with its appendices; larger is refused
DOCUMENT_SUFFIXES = (".pdf", ".docx", ".doc", ".odt", ".rtf", ".txt")


@dataclass
class ReviewOutcome:
    reference: str
    what: str  # what was recorded, in words
    event: dict | None
    state: CaseState
    filed: Path | None = None
    drafts: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    register_warning: str | None = None


@dataclass
class ReviewView:
    """Where a case's review stands, for ``lifkit review REF``."""

    reference: str
    review_name: str
    decision: str
    decision_date: dt.date | None
    review: ReviewState
    actions: int = 0  # the action plan's actions, which follow the final report's recommendations
    findings_agreed: bool = False  # the report whose recommendations the action plan takes up is agreed

    @property
    def late(self) -> list[StageState]:
        on = today()
        return [s for s in self.review.stages if s.late(on)]


# --- reading ---------------------------------------------------------------------------------------


def _commissioned(ws, reference: str) -> tuple[Case, CaseState, ReviewState]:
    process = ws.process
    if process.review is None:
        raise InputError(f"The process {process.id} has no review: part, so lifkit records no stages of a review "
                         "for it.", "Add a review: part like the one in lifkit's processes/rapid-review-2023.yaml, "
                         "then check it with: lifkit config check")
    case = load_case(ws, reference)
    state = case_state(ws, case.reference, case)
    if state.review_state is None:
        if not state.decision_date:
            raise InputError(f"{case.reference} has no decision yet, so no {process.term('review')} has been "
                             "commissioned.", f"Record the decision first: lifkit decide {case.reference} ...")
        raise InputError(f"{case.reference}'s decision ({state.decision}) commissions no "
                         f"{process.term('review')}, so it has no stages.")
    return case, state, state.review_state


def review_view(ws, reference: str) -> ReviewView:
    case, state, review = _commissioned(ws, reference)
    actions = 0
    if ws.process.learning is not None:
        from lifkit.case.actionplan import action_plan

        actions = len(action_plan(case).actions)
    # the final report: the document searched for the case's names before publication (scan: warn)
    agreed = any(s.scan == "warn" and review.stage(s.id).done for s in ws.process.review.stages)
    return ReviewView(case.reference, ws.process.term("review"), state.decision, state.decision_date, review,
                      actions, agreed)


# --- recording a stage -------------------------------------------------------------------------------


def _locked(step):
    import functools

    @functools.wraps(step)
    def run(ws, reference: str, *args, **kwargs):
        with case_lock(ws, case_folder(ws, reference).name):
            return step(ws, reference, *args, **kwargs)

    return run


def _say(day: dt.date | None) -> str:
    return format_date(day) if day else "-"


def _finish(ws, case: Case, what: str, event: dict | None, **extra) -> ReviewOutcome:
    from lifkit.register.sync import sync_case

    warning = sync_case(ws, case.reference)
    return ReviewOutcome(case.reference, what, event, case_state(ws, case.reference), register_warning=warning,
                         **extra)


@_locked
def record_stage(ws, reference: str, stage: str, on: dt.date | None = None, file: Path | None = None,
                 note: str = "", outcome: str | None = None, names: list[str] = (), email: str = "",
                 amend: str | None = None, agencies: list[str] | None = None) -> ReviewOutcome:
    """Record that a stage of the review was done (each occurrence of a recurring one), with the document
    that marks it, its outcome and reason, or the reviewer's name; or, with ``amend``, change the date of
    its latest record, saying why (the original stays in the journal)."""
    process = ws.process
    case, state, review = _commissioned(ws, reference)
    definition = process.review.stage(stage)
    current = review.stage(definition.id)
    on = on or today()
    note = (note or "").strip()
    names = [n.strip() for n in names if n and n.strip()]
    if amend is not None and not amend.strip():
        raise InputError("--amend is empty.", "Give the reason the date recorded was wrong.")
    check_stage(ws, case, state, definition, on, amend)
    if not amend:
        if definition.done == "document" and file is None:
            raise InputError(f"{definition.label} is marked done by its document.",
                             f"Give it: lifkit review {case.reference} --done {definition.key} --file FILE")
        if definition.done == "reviewer" and not names:
            raise InputError(f"{definition.label} is recorded with the reviewer's name.",
                             f"Give it: lifkit review {case.reference} --reviewer NAME")
    if outcome is not None or (definition.done == "outcome" and not amend):
        outcome = _outcome(definition, outcome)
        if not note:
            raise InputError(f"{definition.label}: {outcome} needs the reason.", "Give it with --note \"...\".")
    if names and definition.done != "reviewer":
        raise InputError(f"--reviewer records the stage {_reviewer_stage(process).key}, not {definition.key}.")
    document = _check_document(file) if file is not None else None
    warnings = scan_before_publication(ws, case, state, definition, document)
    request = _request_draft(ws, case, review, definition, note, on) if definition.request and note and not amend \
        else None
    if agencies and not definition.form:
        raise InputError(f"{definition.label} sends no form to the agencies.", "Leave out --agency.")
    sending = _forms_to_send(ws, case, definition, agencies, on) if definition.form and not amend else None

    # everything checked: the document filed, the draft written, then the one journal event
    filed = _file_document(case, definition, document, current) if document else None
    drafts = []
    sent: dict = {}
    try:
        if request is not None:
            path, data = request
            path.write_bytes(data)
            drafts.append(path)
        if sending is not None:
            sent = _send_forms(ws, case, definition, sending, on)
            drafts += sent.pop("paths")
        details = {"on": on, "note": note or None, "outcome": outcome or None,
                   "file": filed.relative_to(case.folder).as_posix() if filed else None,
                   "sha256": hashlib.sha256(filed.read_bytes()).hexdigest() if filed else None,
                   "draft": drafts[0].name if drafts else None, "amends": amend.strip() if amend else None}
        details.update(sent)
        if definition.notice and amend:  # as lifkit notified --amend records it
            details["replaces"] = current.occurrences[-1].on
        details = {k: v for k, v in details.items() if v is not None}
        if definition.notice:
            event = record_event(case.folder, "notified", notice=definition.notice, stage=definition.id, **details)
        else:
            more = {"names": names} if names else {}
            if email.strip():
                more["email"] = email.strip()
            event = record_event(case.folder, "stage done", stage=definition.id, **more, **details)
    except BaseException:
        for path in ([filed] if filed else []) + drafts:
            path.unlink(missing_ok=True)
        raise
    what = f"{definition.label}: " + (f"date changed to {_say(on)} ({amend.strip()})" if amend else
                                      f"done {_say(on)}" + (f" ({outcome})" if outcome else "")
                                      + (f": {', '.join(names)}" if names else ""))
    return _finish(ws, case, what, event, filed=filed, drafts=drafts, warnings=warnings)


def check_stage(ws, case: Case, state: CaseState, definition: Stage, on: dt.date, amend: str | None = None) -> None:
    """Refuse (exit status 2) a stage recorded out of order, on an impossible date, or again; the copy to the
    Panel fewer than the process's working days before the planned publication; publication when it was
    deferred or decided against. ``lifkit notified`` calls it for a notice that is a stage's record."""
    process = ws.process
    review = state.review_state
    current = review.stage(definition.id)
    if on > today():
        raise InputError(f"{format_date(on)} is in the future: {definition.label} cannot have been done then.",
                         "Give the date it was done (a planned date is recorded with --plan-publication).")
    if state.decision_date and on < state.decision_date:
        raise InputError(f"{format_date(on)} is before the decision ({format_date(state.decision_date)}) that "
                         f"commissioned the {process.term('review')}.", "Give the date it was done.")
    for name in definition.after:
        before = review.stage(name)
        first = min((o.on for o in before.occurrences), default=None)
        if first is None:
            how = "--reviewer NAME" if process.review.stage(name).done == "reviewer" else f"--done {before.key}"
            raise InputError(f"Out of order: {definition.label} comes after {before.label}, which is not recorded "
                             f"for {case.reference}.",
                             f"Record it first: lifkit review {case.reference} {how} [--on DATE]")
        if on < first:
            raise InputError(f"{format_date(on)} is before {before.label} ({format_date(first)}), which "
                             f"{definition.label} follows.", "Give the date it was done.")
    if amend:
        if not current.occurrences:
            raise InputError(f"{definition.label} is not recorded for {case.reference}: there is no date to change.",
                             f"Record it: lifkit review {case.reference} --done {definition.key}")
        if current.occurrences[-1].on == on:
            raise InputError(f"{definition.label} is already recorded on {format_date(on)}: nothing to change.")
    elif definition.recurring:
        if any(o.on == on for o in current.occurrences):
            raise InputError(f"{definition.label} of {format_date(on)} is already recorded: a repeat.",
                             "Nothing was recorded.")
        if current.ended:
            raise InputError(f"{definition.label}: no more are due once {review.stage(_until(definition)).label} is "
                             "recorded.")
        latest = max((o.on for o in current.occurrences), default=None)
        if latest and on < latest:
            raise InputError(f"{format_date(on)} is before the latest {definition.label.lower()} recorded "
                             f"({format_date(latest)}).",
                             "Record each in order; a date recorded wrongly is changed with --amend \"why\".")
    elif current.occurrences:
        raise InputError(f"{definition.label} was already recorded for {case.reference} on "
                         f"{format_date(current.occurrences[-1].on)}: it is done once, so this is a repeat.",
                         "A date recorded wrongly is changed with --on DATE --amend \"why\"; nothing was recorded.")
    calendar = ws.settings.working_calendar()
    if definition.ahead_of:
        planned_id, by = definition.ahead_of
        planned = review.planned.get(planned_id)
        earliest = by.after(on, calendar)
        if planned and earliest > planned:
            label = process.review.planned_date(planned_id).label
            raise InputError(f"{definition.label} on {format_date(on)} is fewer than {by} before the "
                             f"{label.lower()} ({format_date(planned)}): the earliest publication that copy allows "
                             f"is {format_date(earliest)}.",
                             f"Plan it for then or later first: lifkit review {case.reference} --plan-publication "
                             f"{format_date(earliest)} --amend \"why\"")
    if definition.publication:
        if review.not_published:
            raise InputError(f"The partners decided on {format_date(review.not_published['on'])} not to publish "
                             f"the report ({review.not_published['reason']}).")
        if review.deferred:
            until = review.deferred.get("until")
            raise InputError(f"Publication is deferred ({review.deferred['reason']})"
                             + (f" until {format_date(until)}" if until else "") + ".",
                             f"Plan it first: lifkit review {case.reference} --plan-publication DATE")
        for other in process.review.stages:
            done = review.stage(other.id).done
            if other.ahead_of and done and other.ahead_of[1].after(done, calendar) > on:
                raise InputError(f"{format_date(on)} is fewer than {other.ahead_of[1]} after {other.label} "
                                 f"({format_date(done)}): the earliest publication it allows is "
                                 f"{format_date(other.ahead_of[1].after(done, calendar))}.")


def _until(stage: Stage) -> str:
    return stage.until or ""


def _reviewer_stage(process) -> Stage:
    found = next((s for s in process.review.stages if s.done == "reviewer"), None)
    if found is None:
        raise InputError(f"The process {process.id}'s review has no stage recorded with the reviewer's name.")
    return found


def _outcome(definition: Stage, given: str | None) -> str:
    if definition.done != "outcome":
        raise InputError(f"{definition.label} has no outcome to record.", "Leave out --outcome.")
    key = " ".join((given or "").lower().replace("-", " ").replace("_", " ").split())
    for outcome in definition.outcomes:
        if key == " ".join(outcome.lower().replace("-", " ").split()):
            return outcome
    raise InputError(f"{definition.label}: {given!r} is not one of its outcomes." if given else
                     f"{definition.label} is recorded with its outcome.",
                     "Give --outcome " + " or ".join(f'"{o}"' for o in definition.outcomes)
                     + " and --note \"the reason\".")


# --- the agencies' reports: a stage's form, sent and collected as the returns are -------------------------


def _returned_stage(process, stage: Stage) -> Stage | None:
    """The stage done when every agency sent ``stage``'s form has returned it valid."""
    return next((s for s in process.review.stages if s.done == "returns" and stage.id in s.after), None)


def _forms_to_send(ws, case: Case, definition: Stage, agencies: list[str] | None, on: dt.date) -> list:
    """The members the stage's form goes to: those given, else those asked for the case's returns, else all."""
    from lifkit.case.folder import journal

    if agencies:
        return [ws.settings.member(code) for code in dict.fromkeys(a.strip() for a in agencies if a.strip())]
    asked = {e.get("agency") for e in journal(case.folder) if e["event"] == "issued"}
    members = [m for m in ws.settings.members if m.code in asked] or list(ws.settings.members)
    if not members:
        raise InputError("The workspace has no member agencies to send the form to.")
    return members


def _send_forms(ws, case: Case, definition: Stage, members: list, on: dt.date) -> dict:
    """Each member's pre-filled form and an email draft with it attached, in the case's outbox."""
    from lifkit.documents.generate import generate_form
    from lifkit.documents.mail import build_draft

    process = ws.process
    returned = _returned_stage(process, definition)
    calendar = ws.settings.working_calendar()
    due = returned.length.after(on, calendar) if returned is not None and returned.length is not None \
        and returned.start == f"stage:{definition.id}" else on + dt.timedelta(days=28)
    outbox = case.folder / "outbox"
    outbox.mkdir(exist_ok=True)
    review = process.term("review")
    paths, files = [], []
    sign = f"\n{ws.settings.administrator.name}\n{process.term('administrator')}, {ws.settings.board_name}\n"
    for member in members:
        made = generate_form(ws, definition.form, case.reference, member.code, member.format, outbox,
                             case_values={"case_ref": case.reference, "agency": member.agency, "return_by": due},
                             values={"review": review[:1].upper() + review[1:]})
        subject = f"{definition.label} — {case.reference} — reply by {format_date(due)}"
        body = (f"Dear {member.name},\n\nCase {case.reference}: the {ws.settings.board_name} is holding a {review}. "
                f"Please complete the attached form for {member.agency} (your agency's report and chronology) and "
                f"return it by {format_date(due)}, by replying to this email with the completed form attached.\n\n"
                "Please keep the case reference in the subject and do not add anyone's name to it.\n" + sign)
        draft = outbox / f"review-form-{definition.key}-{case.reference}-{member.code}.eml"
        draft.write_bytes(build_draft(ws.settings.administrator.email, member.email, subject, body, list(made.files)))
        paths += [*made.files, draft]
        files += [f.name for f in made.files]
    return {"paths": paths, "agencies": [m.code for m in members], "return_by": due, "forms": files}


def review_form_stage(ws, form_id: str) -> Stage | None:
    """The stage of the workspace's review whose form ``form_id`` is (its returns are filed with the review)."""
    review = ws.process.review
    if review is None:
        return None
    return next((s for s in review.stages if s.form and s.form == form_id.lower()), None)


def collect_report(ws, case: Case, path: Path, name: str, read, sender: str | None, extras: list, filing,
                   origin: Path, stage: Stage) -> None:
    """File an agency's returned report and chronology (found by ``lifkit collect``) under review/<stage>/,
    validated as the returns are, as part of the message's filing (written whole or not at all); when every
    agency the form went to has returned a valid one, the stage of the returns is recorded done."""
    from lifkit.case.folder import journal
    from lifkit.documents.extract import UnreadableForm
    from lifkit.documents.validate import validate_extracted
    from lifkit.steps.filing import ReceivedReturn, keep_from_member

    found = keep_from_member(ws, case, read.identity.agency, path, name, sender, extras, filing,
                             "an agency report", f"{REVIEW_FOLDER}/{stage.key}", stage.form)
    if found is None:
        return
    member, stored, kept = found
    if isinstance(read, UnreadableForm):
        problems = [f"The form as a whole: {read.message.split(': ', 1)[-1]}"]
    else:
        try:
            problems = [str(p) for p in validate_extracted(ws, read, case.reference, stage.form).problems]
        except UnreadableForm as exc:
            problems = [f"The form as a whole: {exc.message.split(': ', 1)[-1]}"]
    valid = not problems
    events = journal(case.folder)
    state = case_state(ws, case.reference, case)
    review = state.review_state
    sent = review.stage(stage.id).occurrences[-1] if review and review.stage(stage.id).occurrences else None
    received = filing.sent or today()
    if sent is not None:
        received = min(max(received, sent.on), today())
    earlier = any(e["event"] == "review report received" and e.get("agency") == member.code
                  and e.get("stage") == stage.id for e in events)
    filing.event("review report received", stage=stage.id, agency=member.code, on=received, valid=valid,
                 problems=len(problems), file=stored.relative_to(case.folder).as_posix())
    filing.received.append(ReceivedReturn(member.code, stored, valid, problems, kept, None, earlier, name,
                                          [extra_name for _extra, extra_name in extras]))
    returned = _returned_stage(ws.process, stage)
    if sent is None or returned is None or review.stage(returned.id).occurrences:
        return
    latest = {a: r.valid for a, r in ((r.agency, r) for r in review.stage(stage.id).reports)}
    for kind, details in filing.events:  # this filing's own, not yet written
        if kind == "review report received" and details.get("stage") == stage.id:
            latest[details["agency"]] = details["valid"]
        if kind == "stage done" and details.get("stage") == returned.id:
            return
    if set(sent.agencies) and all(latest.get(a) for a in sent.agencies):
        filing.event("stage done", stage=returned.id, on=received, agencies=list(sent.agencies))


def chase_reports(ws, case: Case, review: ReviewState, new_date: dt.date) -> list:
    """A reminder to every agency whose report (a stage's form) is past its date and not in, valid."""
    from lifkit.case.review import late_reports
    from lifkit.documents.mail import build_draft
    from lifkit.mechanics.files import unique_path
    from lifkit.steps.filing import ChaseDraft

    drafts = []
    sign = f"\n{ws.settings.administrator.name}\n{ws.process.term('administrator')}, {ws.settings.board_name}\n"
    for stage, report in late_reports(review, today()):
        member = ws.settings.member(report.agency)
        body = (f"Dear {member.name},\n\nCase {case.reference}: we have not yet received {member.agency}'s report and "
                f"chronology for the {ws.process.term('review')} ({stage.label.lower()} "
                f"{format_date(report.requested)}), which was due on {format_date(report.due)}. Please complete the "
                "form sent to you and return it by "
                f"{format_date(new_date)}, by replying to this email with the form attached.\n\nPlease keep the case "
                "reference in the subject and do not add anyone's name to it.\n" + sign)
        path = unique_path(case.folder / "outbox" / f"reminder-{case.reference}-{stage.key}-{member.code}.eml")
        subject = f"{stage.label} — {case.reference} — reminder: reply by {format_date(new_date)}"
        path.write_bytes(build_draft(ws.settings.administrator.email, member.email, subject, body))
        record_event(case.folder, "chased", stage=stage.id, agency=member.code, new_date=new_date, draft=path.name)
        drafts.append(ChaseDraft(member.code, "report late", new_date, path))
    return drafts


# --- documents filed with the review --------------------------------------------------------------------


def _check_document(file: Path) -> Path:
    path = Path(file)
    if not path.is_file():
        raise InputError(f"{path} does not exist (or is not a file).")
    if path.suffix.lower() not in DOCUMENT_SUFFIXES:
        raise InputError(f"{path.name} is not a document lifkit files with a review.",
                         "Give a " + ", ".join(s[1:].upper() for s in DOCUMENT_SUFFIXES) + " file.")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path.name} is empty.")
    if size > MAX_DOCUMENT_BYTES:
        limit = MAX_DOCUMENT_BYTES // 1024 // 1024
        raise InputError(f"{path.name} is {size / 1024 / 1024:.0f} MB, more than the {limit} MB lifkit keeps with a "
                         "review.", "File the report without its largest appendices.")
    return path


def _file_document(case: Case, definition: Stage, source: Path, current: StageState) -> Path:
    """The document copied whole into cases/<REF>/review/<stage>/ under a name lifkit makes (never the
    name it came with, which may carry a name), never over another: first to a private name, then moved."""
    from lifkit.mechanics.files import unique_path

    folder = case.folder / REVIEW_FOLDER / definition.key
    folder.mkdir(parents=True, exist_ok=True)
    target = unique_path(folder / f"{case.reference}-{definition.key}-{len(current.occurrences) + 1}"
                                  f"{source.suffix.lower()}")
    staged = folder / f".{target.name}.part"
    shutil.copyfile(source, staged)
    if staged.stat().st_size != source.stat().st_size:
        staged.unlink(missing_ok=True)
        raise LifkitError(f"{source.name} changed while it was copied; nothing was recorded.")
    staged.replace(target)  # unique_path gave a name nobody holds; the case lock keeps it so
    return target


def scan_before_publication(ws, case: Case, state: CaseState, definition: Stage,
                            document: Path | None = None) -> list[str]:
    """A stage whose document is searched (``scan:``): the document given, else the latest filed for such a
    stage (the final report, before the published copy is recorded). Refused or flagged, as it says."""
    if not definition.scan:
        return []
    source = document or _latest_scanned_document(case, state.review_state, ws.process)
    return _scan(ws, case, definition, source) if source is not None else []


def _latest_scanned_document(case: Case, review: ReviewState, process) -> Path | None:
    """The latest document filed for a stage whose document is searched (the final report)."""
    for stage in reversed(process.review.stages):
        if stage.scan and review.stage(stage.id).files:
            return case.folder / review.stage(stage.id).files[-1]
    return None


def _scan(ws, case: Case, definition: Stage, source: Path) -> list[str]:
    """Search the document for the case's identifiers: refused (publication) or flagged (the final report),
    saying where, never repeating what was found."""
    from lifkit.case.identifiers import case_identifiers
    from lifkit.documents.reporttext import places

    matcher = case_identifiers(ws, case)
    if not matcher:
        return []
    where = []
    for place, text in places(source):
        found = matcher.find(text)
        if found:
            where.append(f"{place} ({matcher.describe(found)})")
    if not where:
        return []
    message = (f"{source.name if source.parent != case.folder else source.name} names the case's people: "
               + "; ".join(where[:20]) + (f"; and {len(where) - 20} more places" if len(where) > 20 else ""))
    if definition.scan == "refuse":
        raise InputError(f"{definition.label} refused: {message}.",
                         "Publish an anonymised copy, and give it with --file FILE; nothing was recorded.")
    return [f"{definition.label}: {message}. The published copy must not."]


# --- drafts ----------------------------------------------------------------------------------------------


def _person(ws, case: Case, review: ReviewState, role: str) -> tuple[str, str]:
    """(name, email) of the person who answers for ``role``: the case's reviewer, a contact of the case, the
    person lifkit.toml names for the role; else the business manager, who passes it on."""
    process = ws.process
    if role == process.review.reviewer:
        return (", ".join(review.reviewers) or process.review.roles.get(role, role), review.reviewer_email)
    if role.startswith("contact:"):
        from lifkit.case.folder import CASE_FILE, _read_yaml

        for contact in _read_yaml(case.folder / CASE_FILE).get("contacts") or []:
            if isinstance(contact, dict) and contact.get("name") == role[len("contact:"):]:
                return str(contact.get("name")), str(contact.get("email") or "")
        return role[len("contact:"):], ""
    found = ws.settings.people.get(role)
    if found is not None:
        return found.name, found.email
    manager = ws.settings.people.get("business_manager")
    label = process.roles.get(role) or process.review.roles.get(role) or role
    return label, manager.email if manager else ""


def _values(ws, case: Case, **values) -> dict:
    return {"reference": case.reference, "board_name": ws.settings.board_name, **values}


def _request_draft(ws, case: Case, review: ReviewState, definition: Stage, note: str,
                   on: dt.date) -> tuple[Path, bytes]:
    """The written request a stage's occurrence makes (the partners' reg. 14 request to the reviewer)."""
    from lifkit.documents.mail import build_draft
    from lifkit.mechanics.files import unique_path

    process = ws.process
    name, email = _person(ws, case, review, definition.request["to"])
    reply_by = ws.settings.working_calendar().add_working_days(on, 10)
    values = _values(ws, case, stage=definition.label, reviewer=name, owner=name, note=note, due=format_date(reply_by))
    manager = ws.settings.people.get("business_manager")
    sign = f"\n{manager.name}\n{process.term('business_manager')}, {ws.settings.board_name}\n" if manager else ""
    body = process.text(definition.request["body"], **values).rstrip("\n") + "\n" + sign
    outbox = case.folder / "outbox"
    outbox.mkdir(exist_ok=True)
    path = unique_path(outbox / f"review-request-{definition.key}-{case.reference}.eml")
    sender = manager.email if manager else ws.settings.administrator.email
    return path, build_draft(sender, email, process.text(definition.request["subject"], **values), body)


# --- publication -----------------------------------------------------------------------------------------


def _publication(ws, case: Case, review: ReviewState, planned: str = "publication"):
    process = ws.process
    definition = process.review.planned_date(planned)
    if definition is None:
        raise InputError(f"The process {process.id}'s review plans no {planned} date.")
    if review.published:
        raise InputError(f"{case.reference}'s report was already published, on {format_date(review.published)}.",
                         "Nothing was recorded.")
    if review.not_published:
        raise InputError(f"The partners decided on {format_date(review.not_published['on'])} not to publish "
                         f"{case.reference}'s report ({review.not_published['reason']}).", "Nothing was recorded.")
    return definition


@_locked
def plan_publication(ws, reference: str, on: dt.date, amend: str | None = None) -> ReviewOutcome:
    """Record the date publication is planned for: the clocks of the copy to the Panel and of publication
    run from it. A plan already standing is changed with ``amend`` (the reason)."""
    process = ws.process
    case, state, review = _commissioned(ws, reference)
    definition = _publication(ws, case, review)
    standing = review.planned.get(definition.id)
    if on < today():
        raise InputError(f"{format_date(on)} is in the past: a planned date is from today on.",
                         "Give the date publication is planned for (publication that happened is recorded with "
                         f"--done {process.review.publication.key if process.review.publication else 'STAGE'}).")
    if standing == on:
        raise InputError(f"Publication is already planned for {format_date(on)}: a repeat.", "Nothing was recorded.")
    if standing and not (amend or "").strip():
        raise InputError(f"Publication is planned for {format_date(standing)}.",
                         "To change the plan, give --amend \"the reason\": it is recorded beside the first.")
    until = (review.deferred or {}).get("until")
    if until and on < until:
        raise InputError(f"Publication is deferred until {format_date(until)} ({review.deferred['reason']}): "
                         f"{format_date(on)} is before it.", "Plan it for that date or later.")
    calendar = ws.settings.working_calendar()
    for stage in process.review.stages:
        done = review.stage(stage.id).done
        if stage.ahead_of and stage.ahead_of[0] == definition.id and done:
            earliest = stage.ahead_of[1].after(done, calendar)
            if on < earliest:
                raise InputError(f"{stage.label} on {format_date(done)} allows publication from "
                                 f"{format_date(earliest)} at the earliest ({stage.ahead_of[1]} after it).",
                                 f"Plan it for {format_date(earliest)} or later.")
    event = record_event(case.folder, "publication planned", planned=definition.id, on=on,
                         amends=(amend or "").strip() or None)
    return _finish(ws, case, f"{definition.label}: {format_date(on)}", event)


@_locked
def defer_publication(ws, reference: str, reason: str, until: dt.date | None = None) -> ReviewOutcome:
    """Record that publication is deferred (e.g. during criminal proceedings), with the reason and, when
    known, the date it is deferred until."""
    case, state, review = _commissioned(ws, reference)
    definition = _publication(ws, case, review)
    reason = (reason or "").strip()
    if not reason:
        raise InputError("--defer-publication needs the reason.", "Give it, e.g. --defer-publication \"criminal "
                         "proceedings are under way\".")
    if until is not None and until <= today():
        raise InputError(f"{format_date(until)} is not in the future: publication is deferred until a later date.")
    if review.deferred and review.deferred["reason"] == reason and review.deferred.get("until") == until:
        raise InputError(f"Publication is already deferred for the same reason"
                         + (f" until {format_date(until)}" if until else "") + ": a repeat.", "Nothing was recorded.")
    event = record_event(case.folder, "publication deferred", planned=definition.id, reason=reason, until=until,
                         date=today())
    return _finish(ws, case, "publication deferred" + (f" until {format_date(until)}" if until else "")
                   + f": {reason}", event)


@_locked
def not_publish(ws, reference: str, reason: str) -> ReviewOutcome:
    """Record that the report will not be published, with the reason, and draft the notice of it (to the
    National Panel, as the process says)."""
    from lifkit.documents.mail import build_draft
    from lifkit.mechanics.files import unique_path

    process = ws.process
    case, state, review = _commissioned(ws, reference)
    _publication(ws, case, review)
    reason = (reason or "").strip()
    if not reason:
        raise InputError("--not-publish needs the reason (it goes to the National Panel).")
    notice = process.review.not_published
    draft = None
    warnings = []
    if notice:
        address = ws.settings.notifications.get(notice["address"], "")
        if not address:
            warnings.append(f"The notice is drafted to nobody: lifkit.toml's [notifications] has no "
                            f"{notice['address']!r} address; put it in the draft before sending it.")
        from lifkit.case.identifiers import case_identifiers

        text = case_identifiers(ws, case).scrub(reason)  # the Panel's copy names nobody
        values = _values(ws, case, reason=text)
        manager = ws.settings.people.get("business_manager")
        sign = f"\n{manager.name}\n{process.term('business_manager')}, {ws.settings.board_name}\n" if manager else ""
        data = build_draft(manager.email if manager else ws.settings.administrator.email, address,
                           process.text(notice["subject"], **values),
                           process.text(notice["body"], **values).rstrip("\n") + "\n" + sign)
        (case.folder / "outbox").mkdir(exist_ok=True)
        draft = unique_path(case.folder / "outbox" / f"notice-not-published-{case.reference}.eml")
        draft.write_bytes(data)
    try:
        event = record_event(case.folder, "not published", reason=reason, draft=draft.name if draft else None,
                             date=today())
    except BaseException:
        if draft:
            draft.unlink(missing_ok=True)
        raise
    return _finish(ws, case, f"the report will not be published: {reason}", event, drafts=[draft] if draft else [],
                   warnings=warnings)


# --- chasing ---------------------------------------------------------------------------------------------


def chase_stages(ws, case: Case, new_date: dt.date) -> list:
    """A reminder draft to the owner of every stage past its clock (the process's reminder text), each
    recorded as chased. Called by ``lifkit chase`` with the other reminders."""
    from lifkit.documents.mail import build_draft
    from lifkit.mechanics.files import unique_path
    from lifkit.steps.filing import ChaseDraft

    process = ws.process
    if process.review is None or process.review.reminder is None:
        return []
    state = case_state(ws, case.reference, case)
    review = state.review_state
    if review is None:
        return []
    on = today()
    drafts = []
    manager = ws.settings.people.get("business_manager")
    sender = manager.email if manager else ws.settings.administrator.email
    sign = f"\n{manager.name}\n{process.term('business_manager')}, {ws.settings.board_name}\n" if manager else ""
    for stage in review.stages:
        if not stage.late(on):
            continue
        name, email = _person(ws, case, review, stage.owner)
        values = _values(ws, case, stage=stage.label, owner=name, due=format_date(stage.due),
                         new_date=format_date(new_date))
        reminder = process.review.reminder
        path = unique_path(case.folder / "outbox" / f"reminder-{case.reference}-{stage.key}.eml")
        path.write_bytes(build_draft(sender, email, process.text(reminder["subject"], **values),
                                     process.text(reminder["body"], **values).rstrip("\n") + "\n" + sign))
        record_event(case.folder, "chased", stage=stage.id, new_date=new_date, draft=path.name)
        drafts.append(ChaseDraft(stage.key, "stage late", new_date, path))
    return drafts + chase_reports(ws, case, review, new_date)
