"""``lifkit demo``: the whole cycle on a practice workspace, so a new administrator sees it work.

Everything in it is fictional and marked so: the board, the people, the children and the addresses
(under the reserved ``.example`` domain, which can never deliver mail). The demo plays the agencies
too: it fills their forms and writes their replies as saved emails, then runs the administrator's
steps over three weeks of pretend time, so that a return can be late, chased and then arrive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from lifkit.mechanics.dates import format_date, pretend_today, today
from lifkit.errors import WorkspaceExists
from lifkit.mechanics.files import atomic_write_text
from lifkit.documents.identity import workspace_secret
from lifkit.case.workspace import (CASES_DIR, DEFAULT_REGISTER, SETTINGS_FILE, STARTING_MEMBERS, Administrator, Member, Person,
                        open_workspace, settings_document)

DEMO_BOARD = "Exampleshire Safeguarding Children Board (FICTIONAL PRACTICE WORKSPACE)"
ADMIN_EMAIL = "lscb.admin@exampleshire-lscb.example"

# A fixed list of invented names, one per starting member agency.
DEMO_MEMBER_NAMES = (
    "Morgan Ashdown", "Priya Fenwick", "Tomasz Kowalczyk", "Siân Llewellyn", "Imran Qureshi",
    "Beatrice Oduya", "Connor Haldane", "Ffion Pritchard", "Yusuf Bashir", "Hannah Lindqvist",
    "Declan Moorcroft", "Aoife Brennan", "Rashid Karimi", "Eleanor Whitby", "Kofi Mensah",
)
WORD_MEMBERS = ("EDU", "HOU")  # these members prefer Word forms
LATE_MEMBER = "AMB"  # replies only after being chased
INVALID_MEMBER = "HOU"  # returns an incomplete form, then a corrected one
EXTRA_DOCUMENT_MEMBER = "CSC"  # attaches a fuller chronology


@dataclass
class DemoResult:
    root: Path
    settings_file: Path
    register: Path
    members: int
    steps: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    pack_password: str = ""


def member_email(code: str) -> str:
    return f"ciec.{code.lower()}@exampleshire.example"


def demo_settings_text() -> str:
    administrator = Administrator(
        name="Jordan Avery (fictional)", email=ADMIN_EMAIL,
        telephone="01632 960000",  # Ofcom's range reserved for drama
        address="LSCB Administrator (fictional)\nExampleshire Safeguarding Children Board\n"
                "1 Practice Street\nExampletown EX1 0AA",
    )
    people = {
        "ciec_chair": Person("Dr Robin Hale (fictional)", "ciec.chair@exampleshire-lscb.example"),
        "business_manager": Person("Sam Okafor (fictional)", "business.manager@exampleshire-lscb.example"),
        "independent_chair": Person("Prof. Alex Marlow (fictional)", "independent.chair@exampleshire-lscb.example"),
    }
    members = [
        Member(code, f"{agency} (fictional)", f"{name} (fictional)", member_email(code),
               "docx" if code in WORD_MEMBERS else "pdf")
        for (code, agency), name in zip(STARTING_MEMBERS, DEMO_MEMBER_NAMES)
    ]
    text = settings_document(DEMO_BOARD, administrator, people, members)
    return text + ('\n# Where the decision notices go (fictional addresses).\n[notifications]\n'
                   'ofsted = "enquiries@ofsted.example"\npanel = "notifications@national-panel.example"\n')


# --- the fictional cases --------------------------------------------------------------------------


def _referral_values(child: str, dob: str, dod: str, route: str, summary: str) -> dict:
    values = {
        "criterion_a": True, "criterion_b_i": bool(dod), "criterion_b_ii": not dod,
        "reasons": "Neglect is suspected and several agencies knew the family (fictional).",
        "summary": summary,
        "child_name": child, "child_dob": dob, "child_dod": dod,
        "significant_people_1_name": "Casey Example (fictional)", "significant_people_1_dob": "12/04/1990",
        "significant_people_1_relationship": "mother",
        "significant_people_2_name": "Riley Example (fictional)", "significant_people_2_dob": "03/09/2017",
        "significant_people_2_relationship": "sibling",
        "agency": "Exampleshire Police (fictional)", "lead_name": "DS Jamie Fielding (fictional)",
        "lead_position": "Detective Sergeant, Public Protection Unit",
        "lead_email": "jamie.fielding@exampleshire-police.example", "lead_telephone": "01632 960111",
        "referral_route": route,
        "completion_date": format_date(today()),
    }
    if route == "Agency":
        values.update({"agency_review_date": format_date(today()),
                       "agency_reviewed_with": "Alex Rowe (fictional), Head of Safeguarding"})
    return values


def _return_values(code: str, number: int) -> dict:
    start = today() - dt.timedelta(days=400)
    values = {
        "completed_name": f"{DEMO_MEMBER_NAMES[number]} (fictional)", "completed_role": "Safeguarding lead",
        "completed_telephone": f"01632 96{number:04d}", "completed_email": member_email(code),
        "child_known": "Yes" if number % 3 else "No", "others_known": "No",
        "involvement_from": format_date(start), "involvement_to": format_date(today() - dt.timedelta(days=12)),
        "involvement_summary": f"A fictional summary of {code}'s involvement with the family, for practice only.",
        "case_open": "Yes" if number % 4 == 0 else "No",
        "working_together_concerns": "Information was not always shared promptly (fictional)." if number % 2 else "",
        "good_practice": "Prompt referral after the first contact (fictional).",
        "criteria_met": ("Yes", "No", "Unsure")[number % 3],
        "criteria_reason": "The agency's view, written for practice (fictional).",
        "checked_by_name": f"Safeguarding Lead {code} (fictional)", "completion_date": format_date(today()),
    }
    for row in range(1, 3 + number % 3):
        day = start + dt.timedelta(days=37 * row + number * 5)
        values.update({f"chronology_{row}_date": format_date(day), f"chronology_{row}_event": f"{code} contact {row}",
                       f"chronology_{row}_practitioner": f"{code} team", f"chronology_{row}_outcome": "Recorded"})
    values.update({"practitioners_1_name": f"Practitioner {code} (fictional)", "practitioners_1_role": "Key worker",
                   "practitioners_1_team": f"{code} team", "practitioners_1_contact": member_email(code),
                   "practitioners_1_attending": "Yes" if number % 2 == 0 else "No"})
    return values


def _reply(sender: str, subject: str, attachments: list[Path]) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ADMIN_EMAIL
    message["Subject"] = f"RE: {subject}"
    message["Date"] = today().strftime("%a, %d %b %Y 10:00:00 +0000")
    message.set_content("Please find our return attached. (A fictional reply made by lifkit demo.)")
    for path in attachments:
        subtype = "pdf" if path.suffix == ".pdf" else "vnd.openxmlformats-officedocument.wordprocessingml.document"
        message.add_attachment(path.read_bytes(), maintype="application", subtype=subtype, filename=path.name)
    return message.as_bytes()


def _fill(form: Path, target: Path, values: dict) -> Path:
    if form.suffix == ".docx":
        from lifkit.documents.wordform import fill_docx

        return fill_docx(form, target, values)
    from lifkit.mechanics.pdf import fill_form as fill_pdf

    return fill_pdf(form, target, values)


def _chronology_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path))
    page.drawString(72, 760, "Children's Social Care: fuller chronology (FICTIONAL, made by lifkit demo)")
    for row in range(1, 15):
        page.drawString(72, 740 - 18 * row, f"{row:2d}. A fictional entry in the fuller chronology.")
    page.save()
    return path


# --- the cycle ------------------------------------------------------------------------------------


def run_demo(directory: Path, password: str = "practice-only-7Kq2", process_name: str = "lscb-2016") -> DemoResult:
    """Make the practice workspace in ``directory`` (which must not be a workspace) and run the cycle."""
    from lifkit.case.process import load_shipped
    from lifkit.register.workbook import create_register

    directory = Path(directory).expanduser()
    if (directory / SETTINGS_FILE).exists() or (directory / DEFAULT_REGISTER).exists():
        raise WorkspaceExists(f"{directory.resolve()} already holds a workspace: the demo needs a new folder.",
                              "Give a folder that does not exist yet, e.g.: lifkit demo lifkit-demo-2")
    directory.mkdir(parents=True, exist_ok=True)
    create_register(directory / DEFAULT_REGISTER, columns=load_shipped(process_name).register_columns)
    (directory / CASES_DIR).mkdir(exist_ok=True)
    workspace_secret(directory)
    atomic_write_text(directory / SETTINGS_FILE, demo_settings_text())
    ws = open_workspace(directory)
    result = DemoResult(root=ws.root, settings_file=ws.settings_file, register=ws.register_path,
                        members=len(ws.settings.members), pack_password=password)
    result.steps.append(f"a workspace for a fictional board with {result.members} fictional CIEC members")
    mail = directory / "saved-mail"
    mail.mkdir(exist_ok=True)
    start = today() - dt.timedelta(days=20)
    first = _first_case(ws, start, mail, result, password)
    _second_case(ws, start, mail, result)
    _close(ws, first, result)
    return result


def _open(ws, on: dt.date, notified: dt.date, values: dict, mail: Path, name: str) -> str:
    from lifkit.steps.exchange import open_referral
    from lifkit.documents.generate import generate_form

    with pretend_today(on):
        blank = generate_form(ws, "cigscr1", output=mail / f"{name}-blank.pdf").files[0]
        filled = _fill(blank, mail / f"{name}-returned.pdf", values)
        message = mail / f"{name}.eml"
        message.write_bytes(_reply(values["lead_email"], "CIEC referral", [filled]))
        return open_referral(ws, message, notified).reference


def _first_case(ws, start: dt.date, mail: Path, result: DemoResult, password: str) -> str:
    from lifkit.steps.exchange import case_status, chase, collect, issue_requests

    with pretend_today(start):
        values = _referral_values("Alex Example (FICTIONAL)", "14/02/2015", format_date(start - dt.timedelta(days=3)),
                                  "Agency", "A fictional child died at home; neglect is suspected. Written for "
                                  "practice only: no real person or event.")
    reference = _open(ws, start, start - dt.timedelta(days=2), values, mail, "referral-1")
    result.steps.append(f"{reference}: referral opened from an emailed CIGSCR1 (notified "
                        f"{format_date(start - dt.timedelta(days=2))})")
    meeting = start + dt.timedelta(days=9)
    with pretend_today(start + dt.timedelta(days=1)):
        issued = issue_requests(ws, reference, meeting=meeting)
    result.steps.append(f"{reference}: {len(issued.issued)} CIGINF1 requests with email drafts, reply by "
                        f"{format_date(issued.issued[0].return_by)}")
    subject = f"CIEC request for information \u2014 {reference}"
    outbox = ws.cases_dir / reference / "outbox"
    replies = mail / reference
    replies.mkdir()
    with pretend_today(start + dt.timedelta(days=5)):
        saved = []
        for number, member in enumerate(ws.settings.members):
            if member.code == LATE_MEMBER:
                continue
            form = outbox / f"CIGINF1-{reference}-{member.code}.{'docx' if member.format == 'docx' else 'pdf'}"
            values = _return_values(member.code, number)
            if member.code == INVALID_MEMBER:
                values.update({"completed_email": "", "case_open": ""})
            filled = _fill(form, replies / form.name, values)
            attachments = [filled]
            if member.code == EXTRA_DOCUMENT_MEMBER:
                attachments.append(_chronology_pdf(replies / "CSC fuller chronology.pdf"))
            path = replies / f"reply-{member.code}.eml"
            path.write_bytes(_reply(member.email, subject, attachments))
            saved.append(path)
        collected = collect(ws, reference, saved)
    invalid = [r.agency for r in collected.received if not r.valid]
    result.steps.append(f"{reference}: {len(collected.received)} replies collected ({', '.join(invalid)} invalid, "
                        "a reply draft made); CSC's attached chronology kept with its return")
    with pretend_today(start + dt.timedelta(days=9)):
        late = [m.code for m in case_status(ws, reference).members if m.overdue]
        chased = chase(ws, reference)
        result.steps.append(f"{reference}: status shows {', '.join(late)} overdue; {len(chased)} reminders drafted")
        saved = []
        for number, member in enumerate(ws.settings.members):
            if member.code not in (LATE_MEMBER, INVALID_MEMBER):
                continue
            form = outbox / f"CIGINF1-{reference}-{member.code}.{'docx' if member.format == 'docx' else 'pdf'}"
            filled = _fill(form, replies / f"again-{form.name}", _return_values(member.code, number))
            path = replies / f"reply-{member.code}-again.eml"
            path.write_bytes(_reply(member.email, subject, [filled]))
            saved.append(path)
        collect(ws, reference, saved)
        result.steps.append(f"{reference}: the late return and the corrected one collected: every return valid")
        _pack(ws, reference, result, password)
    return reference


def _pack(ws, reference: str, result: DemoResult, password: str) -> None:
    from lifkit.steps.pack import build_pack

    plain = build_pack(ws, reference)
    result.files["pack"] = plain.file
    protected = build_pack(ws, reference, password=password,
                           output=plain.file.with_name(plain.file.stem + "-encrypted.pdf"))
    result.files["encrypted pack"] = protected.file
    result.steps.append(f"{reference}: CIEC pack built ({plain.pages} pages) and an encrypted copy "
                        f"(password: {password})")


def _second_case(ws, start: dt.date, mail: Path, result: DemoResult) -> str:
    from lifkit.steps.exchange import collect, issue_requests

    on = start + dt.timedelta(days=6)
    with pretend_today(on):
        values = _referral_values("Sam Example (FICTIONAL)", "30/06/2019", "", "Strategy meeting",
                                  "A fictional child was seriously harmed; agencies' joint working is in question. "
                                  "Written for practice only: no real person or event.")
    reference = _open(ws, on, on - dt.timedelta(days=1), values, mail, "referral-2")
    with pretend_today(on + dt.timedelta(days=1)):
        issue_requests(ws, reference, meeting=today() + dt.timedelta(days=16))
    outbox = ws.cases_dir / reference / "outbox"
    replies = mail / reference
    replies.mkdir()
    with pretend_today(on + dt.timedelta(days=4)):
        saved = []
        for number, member in enumerate(ws.settings.members[:6]):
            form = outbox / f"CIGINF1-{reference}-{member.code}.{'docx' if member.format == 'docx' else 'pdf'}"
            filled = _fill(form, replies / form.name, _return_values(member.code, number))
            path = replies / f"reply-{member.code}.eml"
            path.write_bytes(_reply(member.email, f"CIEC request for information \u2014 {reference}", [filled]))
            saved.append(path)
        collect(ws, reference, saved)
    result.steps.append(f"{reference}: a second referral (strategy meeting route), requests issued, 6 returns in so far")
    return reference


def _close(ws, reference: str, result: DemoResult) -> None:
    from lifkit.steps.decisions import chair_decide, overdue, recommend, record_notified, year_report

    start = today() - dt.timedelta(days=20)
    with pretend_today(start + dt.timedelta(days=9)):
        recommend(ws, reference, "MA Concise Review", "Several agencies knew the family; learning is likely but "
                  "the SCR criteria are not clearly met (fictional).", criteria={"a": "met", "b_i": "met",
                                                                               "b_ii": "unclear"})
    with pretend_today(start + dt.timedelta(days=11)):
        outcome = chair_decide(ws, reference, "affirmed", "MA Concise Review", "Agree with the CIEC (fictional).",
                               relationship="parent (alleged)", criminal_investigation="yes")
        record_notified(ws, reference, "ofsted", today())
    with pretend_today(start + dt.timedelta(days=12)):
        record_notified(ws, reference, "referrer", today())
    result.files["case summary"] = outcome.summary
    result.files["panel notice"] = next(p for p in outcome.notices if "panel" in p.name)
    result.steps.append(f"{reference}: CIEC recommended an MA Concise Review; the Chair affirmed; CIGSUM1 and the "
                        "notices drafted; Ofsted and the referrer recorded as told")
    items = overdue(ws)
    result.steps.append(f"overdue today: {len(items)} items ({sum(1 for i in items if i.late)} late)")
    report = year_report(ws, today().year, ws.root / f"report-{today().year}.xlsx")
    if report.cases == 0:  # early January: the cases were notified last year
        report = year_report(ws, today().year - 1, ws.root / f"report-{today().year - 1}.xlsx")
    result.files["year report"] = report.workbook
    result.files["register"] = ws.register_path
    result.steps.append(f"year report: {report.cases} cases, {report.decided} decided")
