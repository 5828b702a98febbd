"""``lifkit demo``: the whole cycle on a practice workspace, so a new administrator sees it work.

Everything in it is fictional and marked so: the board or partnership, the people, the children and
the addresses (under the reserved ``.example`` domain, which can never deliver mail). The demo plays
the agencies too: it fills their forms and writes their replies as saved emails, then runs the
administrator's steps over weeks of pretend time, so that a return can be late, chased and then arrive.

The demo is data. A :class:`DemoScript` per process names the fictional board, its people and member
agencies, and each case's timeline: the days on which the referral came, the requests went out, the
replies arrived, the pack was built, the recommendation and decision (or sign-offs) were made and the
notices were sent. One player (:func:`run_demo`) plays any script with lifkit's own steps, so the 2016
cycle and the rapid review share every step and differ only in their data.

The demo's dates are fixed (:data:`DEMO_TODAY` is the day it ends on), so the same demo is made
whatever day it runs, and ``LIFKIT_TODAY=2026-11-25`` shows it as the README does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable

from lifkit.case.workspace import (CASES_DIR, DEFAULT_REGISTER, SETTINGS_FILE, STARTING_MEMBERS, Administrator, Member,
                                   Person, open_workspace, settings_document)
from lifkit.documents.identity import workspace_secret
from lifkit.errors import InputError, WorkspaceExists
from lifkit.mechanics.dates import format_date, pretend_today, today
from lifkit.mechanics.files import atomic_write_text
from lifkit.steps.demo_content import REVIEW as DEMO_REVIEW
from lifkit.steps.demo_content_rr import REVIEW as DEMO_REVIEW_RR
from lifkit.steps import demo_content_sar as sar_content

# The day every demo ends on: the README's output is shown as of this day (export LIFKIT_TODAY=2026-11-25).
DEMO_TODAY = dt.date(2026, 11, 25)


@dataclass
class DemoResult:
    root: Path
    settings_file: Path
    register: Path
    members: int
    process: str = ""
    today: dt.date | None = None
    steps: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    pack_password: str = ""


# --- the shape of a script ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One thing that happens on a day: ``action`` is one of :data:`ACTIONS`, ``args`` its details."""

    on: dt.date
    action: str
    args: dict[str, Any]


def step(on: str, action: str, **args) -> Step:
    return Step(dt.date.fromisoformat(on), action, args)


@dataclass(frozen=True)
class DemoCase:
    """A fictional case: its saved mail's name, what the referrer typed, and its timeline."""

    name: str  # the saved referral's file name (referral-1.eml); the reference comes when it is opened
    referral: dict[str, Any]  # the referrer's values over the form's fictional defaults
    steps: tuple[Step, ...]
    story: str = ""  # the family whose story the agencies' returns tell (a key of the content's stories)


@dataclass(frozen=True)
class DemoScript:
    process: str
    board: str
    admin_email: str
    administrator: str  # the administrator's name
    address: str
    people: dict[str, tuple[str, str]]  # role -> (name, email)
    members: tuple[tuple[str, str, str, str], ...]  # code, agency, member's name, preferred format
    notifications: dict[str, str]  # [notifications] in lifkit.toml
    referral_agency: str  # who refers (the police, in both scripts)
    cases: tuple[DemoCase, ...]
    member_address: str = "safeguarding.{code}@exampleshire.example"  # each member's fictional address
    # A process whose forms are not the shipped 2016 or rapid-review ones brings its own fictional content:
    # the referral a case's referrer typed, (script, case) -> values, and an agency's return,
    # (script, member code, the member's number, case) -> values.
    referral_values: Callable[["DemoScript", DemoCase], dict] | None = None
    return_values: Callable[["DemoScript", str, int, DemoCase], dict] | None = None
    learning_entries: tuple[dict, ...] = ()  # the index's entries (default: the review's and NEGLECT_AUDIT)
    # A board's own process: writes process.yaml, forms/, schemas/ and templates/ into the new workspace.
    workspace_files: Callable[[Path], None] | None = None
    learning_sections: tuple[tuple[str, str], ...] = ()  # [learning.sections]: the board's own names for them
    review: Any = None  # the review the first case leads to (demo_content.DemoReview): plan, updates, index entry

    def member_email(self, code: str) -> str:
        return self.member_address.format(code=code.lower())


# --- the two scripts --------------------------------------------------------------------------------

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


def _members(agencies, names=DEMO_MEMBER_NAMES) -> tuple[tuple[str, str, str, str], ...]:
    return tuple((code, f"{agency} (fictional)", f"{name} (fictional)", "docx" if code in WORD_MEMBERS else "pdf")
                 for (code, agency), name in zip(agencies, names))


# RR-2025-001's action plan, started from its final report's recommendations once the partners agreed it.
FINAL_REPORT_ACTION_PLAN = (
    (1, "Every agency's bruising protocol is audited within six months", "Audit the bruising protocol's use in "
     "every agency that sees babies", "ICB", "Designated Nurse for Safeguarding", "2027-01-29",
     "Audit reported to the partnership, with each agency's findings"),
    (2, "Records follow a family across the border on the day it moves", "Send the family's record to the new "
     "authority on the day of the move, and check it arrived", "CSC", "Head of Service, Safeguarding", "2027-03-31",
     "9 in 10 moves audited: the record arrived the same day"),
)


LSCB_2016 = DemoScript(
    process="lscb-2016",
    board="Exampleshire Safeguarding Children Board (FICTIONAL PRACTICE WORKSPACE)",
    admin_email="lscb.admin@exampleshire-lscb.example",
    administrator="Jordan Avery (fictional)",
    address="LSCB Administrator (fictional)\nExampleshire Safeguarding Children Board\n1 Practice Street\n"
            "Exampletown EX1 0AA",
    people={"ciec_chair": ("Dr Robin Hale (fictional)", "ciec.chair@exampleshire-lscb.example"),
            "business_manager": ("Sam Okafor (fictional)", "business.manager@exampleshire-lscb.example"),
            "independent_chair": ("Prof. Alex Marlow (fictional)", "independent.chair@exampleshire-lscb.example")},
    members=_members(STARTING_MEMBERS),
    notifications={"ofsted": "enquiries@ofsted.example", "panel": "notifications@national-panel.example"},
    learning_sections=(("cdop", "Learning from the Exampleshire Child Death Overview Panel"),),
    review=DEMO_REVIEW,
    referral_agency="Exampleshire Police (fictional)",
    member_address="ciec.{code}@exampleshire.example",
    cases=(
        DemoCase("referral-1", {
            "child_name": "Alex Example (FICTIONAL)", "child_dob": "14/02/2015", "child_dod": "02/11/2026",
            "referral_route": "Agency",
            "summary": "A fictional child died at home; neglect is suspected. Written for practice only: no real "
                       "person or event."}, (
            step("2026-11-05", "referral", notified="2026-11-03"),
            step("2026-11-05", "request", meeting="2026-11-13"),
            step("2026-11-10", "returns", skip=[LATE_MEMBER], invalid=[INVALID_MEMBER],
                 attach=[EXTRA_DOCUMENT_MEMBER]),
            step("2026-11-13", "chase"),
            step("2026-11-13", "returns", only=[LATE_MEMBER, INVALID_MEMBER], again=True),
            step("2026-11-13", "pack"),
            step("2026-11-13", "recommend", option="MA Concise Review",
                 rationale="Several agencies knew the family; learning is likely but the SCR criteria are not "
                           "clearly met (fictional).", criteria={"a": "met", "b_i": "met", "b_ii": "unclear"}),
            step("2026-11-16", "decide", response="affirmed", decision="MA Concise Review",
                 rationale="Agree with the CIEC (fictional).", relationship="parent (alleged)",
                 criminal_investigation="yes"),
            step("2026-11-16", "told", notice="ofsted"),
            step("2026-11-17", "told", notice="referrer"),
            # after the decision: the review's action plan and the agencies' updates
            step("2026-11-18", "action plan"),
            step("2026-11-18", "update requests"),
            step("2026-11-23", "updates", agencies=["COMM"]),
            step("2026-11-25", "updates", agencies=["CSC"], collect=False),
        )),
        DemoCase("referral-2", {
            "child_name": "Sam Example (FICTIONAL)", "child_dob": "30/06/2019", "child_dod": "",
            "referral_route": "Strategy meeting",
            "summary": "A fictional child was seriously harmed; agencies' joint working is in question. Written for "
                       "practice only: no real person or event."}, (
            step("2026-11-11", "referral", notified="2026-11-10"),
            step("2026-11-12", "request", meeting="2026-11-27"),
            step("2026-11-16", "returns", first=6),
            # two more replies came in on the demo's last day: saved, for the reader to collect
            step("2026-11-25", "returns", only=["EDU", "PROB"], collect=False, folder="today"),
        )),
        # a referral that arrived on the demo's last day, for the reader to open
        DemoCase("referral-3", {
            "child_name": "Jo Example (FICTIONAL)", "child_dob": "09/09/2012", "child_dod": "",
            "referral_route": "Agency",
            "summary": "A fictional young person was seriously harmed after going missing from home. Written for "
                       "practice only: no real person or event."}, (
            step("2026-11-24", "referral", open=False),
        )),
    ),
)

# The agencies a partnership's rapid review usually hears from (the three partners among them).
RAPID_REVIEW_AGENCIES = (
    ("CSC", "Children's Social Care (the local authority)"),
    ("POL", "Police (Public Protection Unit)"),
    ("ICB", "Integrated Care Board (designated professionals)"),
    ("ACUTE", "Acute Hospitals NHS Trust"),
    ("COMM", "Community Health NHS Trust (health visiting)"),
    ("MH", "Mental Health NHS Trust"),
    ("EDU", "Education (schools and early years)"),
    ("AMB", "Ambulance Service NHS Trust"),
    ("HOU", "Housing"),
)

RAPID_REVIEW_2023 = DemoScript(
    process="rapid-review-2023",
    board="Exampleshire Safeguarding Children Partnership (FICTIONAL PRACTICE WORKSPACE)",
    admin_email="business.support@exampleshire-lscp.example",
    administrator="Jordan Avery (fictional)",
    address="Partnership Business Support Officer (fictional)\nExampleshire Safeguarding Children Partnership\n"
            "1 Practice Street\nExampletown EX1 0AA",
    people={"business_manager": ("Sam Okafor (fictional)", "business.manager@exampleshire-lscp.example"),
            "review_chair": ("Dr Robin Hale (fictional)", "review.chair@exampleshire-lscp.example")},
    members=_members(RAPID_REVIEW_AGENCIES, DEMO_MEMBER_NAMES[3:] + DEMO_MEMBER_NAMES[:3]),
    notifications={"panel": "notifications@national-panel.example"},
    review=DEMO_REVIEW_RR,
    referral_agency="Exampleshire Police (fictional)",
    cases=(
        DemoCase("referral-1", {
            "child_name": "Ellis Example (FICTIONAL)", "child_dob": "02/03/2026", "child_dod": "",
            "incident_date": "10/10/2026", "aware_date": "12/10/2026",
            "notification_ref": "NP-FICT-26-0101", "notifying_authority": "Exampleshire County Council (fictional)",
            "criterion_b_i": False, "criterion_serious_harm": True,
            "incident_nature": "A fictional baby was taken to hospital with injuries that were not explained. "
                               "Written for practice only: no real person or event.",
            "legal_status": "Child in need",
            "summary": "A fictional infant of seven months was admitted with unexplained injuries; health visiting, "
                       "the GP and children's social care all knew the family. Written for practice only."}, (
            step("2026-10-13", "referral"),
            step("2026-10-14", "told", notice="notification"),
            step("2026-10-15", "request", meeting="2026-10-30"),
            step("2026-10-22", "returns", skip=[LATE_MEMBER], invalid=[INVALID_MEMBER],
                 attach=[EXTRA_DOCUMENT_MEMBER]),
            step("2026-10-29", "chase"),
            step("2026-10-29", "returns", only=[LATE_MEMBER, INVALID_MEMBER], again=True),
            step("2026-10-29", "pack"),
            step("2026-10-30", "recommend", option="LCSPR",
                 rationale="Three agencies held pieces of the picture that were not put together; the case may "
                           "highlight improvements in how the partners work together (fictional).",
                 flags={"national_review": False}),
            step("2026-11-02", "sign", partner="LA", signer="Director of Children's Services (fictional)",
                 relationship="parent (alleged)", criminal_investigation="yes"),
            step("2026-11-03", "sign", partner="ICB", signer="Chief Nursing Officer (fictional)",
                 relationship="parent (alleged)", criminal_investigation="yes"),
            step("2026-11-04", "sign", partner="POL", signer="Assistant Chief Constable (fictional)",
                 relationship="parent (alleged)", criminal_investigation="yes"),
            step("2026-11-04", "told", notice="rapid_review"),
            step("2026-11-05", "told", notice="referrer"),
            step("2026-11-18", "reply", notice="rapid_review", agreed=True,
                 note="The Panel agrees that a local review is the right response (fictional)."),
            # the LCSPR's recommendations, as the review would make them, and the agencies' updates
            step("2026-11-18", "action plan"),
            step("2026-11-18", "update requests"),
            step("2026-11-23", "updates", agencies=["COMM"]),
            step("2026-11-25", "updates", agencies=["CSC"], collect=False),
            # the LCSPR under way: its reviewer appointed, its terms of reference in, for you to file
            step("2026-11-20", "review", reviewer=["Morgan Reed (fictional independent reviewer)"],
                 email="morgan.reed@independent-reviews.example"),
            step("2026-11-25", "review", save="terms-of-reference"),
        ), story="infant"),
        DemoCase("referral-2", {
            "child_name": "Robin Example (FICTIONAL)", "child_dob": "17/05/2011", "child_dod": "05/11/2026",
            "incident_date": "05/11/2026", "aware_date": "06/11/2026",
            "notification_ref": "NP-FICT-26-0117", "notifying_authority": "Exampleshire County Council (fictional)",
            "criterion_b_i": True, "criterion_serious_harm": False,
            "incident_nature": "A fictional young person died; self-harm is suspected and neglect had been "
                               "raised before. Written for practice only: no real person or event.",
            "legal_status": "Child protection plan",
            "summary": "A fictional young person of fifteen died at home; school and mental health services had "
                       "raised concerns. Written for practice only."}, (
            step("2026-11-09", "referral"),
            step("2026-11-10", "told", notice="notification"),
            step("2026-11-11", "request", meeting="2026-11-26"),
            step("2026-11-20", "returns", first=4),
            # two more replies came in on the demo's last day: saved, for the reader to collect
            step("2026-11-25", "returns", only=["MH", "EDU"], collect=False, folder="today"),
        ), story="teenager"),
        # a serious incident referred on the demo's last day, for the reader to open
        DemoCase("referral-3", {
            "child_name": "Jo Example (FICTIONAL)", "child_dob": "09/09/2012", "child_dod": "",
            "incident_date": "21/11/2026", "aware_date": "23/11/2026",
            "criterion_b_i": False, "criterion_serious_harm": True,
            "incident_nature": "A fictional young person was seriously harmed after going missing from home. "
                               "Written for practice only: no real person or event.",
            "legal_status": "Looked after",
            "summary": "A fictional young person, looked after, was seriously harmed while missing. Written for "
                       "practice only."}, (
            step("2026-11-24", "referral", open=False),
        )),
        # an LCSPR from a serious incident of the year before, carried from the decision to publication
        DemoCase("referral-0", {
            "child_name": "Rowan Example (FICTIONAL)", "child_dob": "14/01/2025", "child_dod": "",
            "incident_date": "05/11/2025", "aware_date": "06/11/2025",
            "criterion_b_i": False, "criterion_serious_harm": True,
            "incident_nature": "A fictional baby was found with bruising that was not explained. Written for "
                               "practice only: no real person or event.",
            "legal_status": "Child in need",
            "summary": "A fictional baby of ten months had bruising that health visiting had seen before; the family "
                       "had moved across the border. Written for practice only."}, (
            step("2025-11-07", "referral"),
            step("2025-11-10", "told", notice="notification"),
            step("2025-11-11", "request", meeting="2025-11-24", agencies=["CSC", "POL", "ICB", "COMM"]),
            step("2025-11-20", "returns", only=["CSC", "POL", "ICB", "COMM"]),
            step("2025-11-24", "recommend", option="LCSPR",
                 rationale="Bruising in a baby who was not yet mobile was seen and not referred, and records did not "
                           "follow the family across the border (fictional).", flags={"national_review": False}),
            step("2025-11-25", "sign", partner="LA", signer="Director of Children's Services (fictional)",
                 relationship="parent (alleged)", criminal_investigation="yes"),
            step("2025-11-26", "sign", partner="ICB", signer="Chief Nursing Officer (fictional)",
                 relationship="parent (alleged)", criminal_investigation="yes"),
            step("2025-11-26", "sign", partner="POL", signer="Assistant Chief Constable (fictional)",
                 relationship="parent (alleged)", criminal_investigation="yes"),
            step("2025-11-27", "told", notice="rapid_review"),
            step("2025-11-27", "told", notice="referrer"),
            step("2025-12-10", "reply", notice="rapid_review", agreed=True,
                 note="The Panel agrees that a local review is the right response (fictional)."),
            # the LCSPR: its stages, each recorded as it is done
            step("2025-12-15", "review", reviewer=["Morgan Reed (fictional independent reviewer)"],
                 email="morgan.reed@independent-reviews.example"),
            step("2026-01-05", "review", chase=True),  # the terms of reference are late (due 26/12/2025)
            step("2026-01-09", "review", done="terms_of_reference", file="terms-of-reference"),
            step("2026-01-12", "review", done="agency_reports_requested"),
            step("2026-01-14", "review", done="panel_meeting"),
            step("2026-01-20", "review", done="family", outcome="accepted",
                 note="The baby's mother (fictional) will meet the reviewer; the father declined."),
            step("2026-01-26", "review", done="progress_check",
                 note="The review's timetable, and the list of agencies asked for reports and chronologies."),
            step("2026-02-02", "review", plan="2026-05-22"),
            step("2026-02-06", "review", reports=["CSC", "POL", "ICB", "COMM"]),  # every one in: the stage done
            step("2026-02-25", "review", done="panel_meeting"),
            step("2026-03-04", "review", done="practitioner_event"),
            step("2026-03-26", "review", done="progress_check",
                 note="The draft report, which was due on 22/03/2026."),
            step("2026-03-30", "review", chase=True),  # the draft report is late: the reviewer is reminded
            step("2026-04-08", "review", done="panel_meeting"),
            step("2026-04-10", "review", done="draft_report", file="draft-report"),
            step("2026-04-20", "review", defer="Criminal proceedings against a parent (fictional) are under way; "
                                              "the police asked that publication wait for the trial.",
                 until="2026-09-01"),
            step("2026-05-20", "review", done="panel_meeting"),
            step("2026-05-26", "review", done="progress_check", note="The date the final report will be ready."),
            step("2026-07-15", "review", done="final_report", file="final-report"),
            step("2026-07-20", "review", plan="2026-09-15"),
            step("2026-07-20", "action plan", plan=FINAL_REPORT_ACTION_PLAN),  # from the final report
            step("2026-09-04", "review", done="panel_copy"),  # 7 working days before the planned publication
            step("2026-09-15", "review", done="publication"),
        ), story="infant"),
    ),
)

def _sar_referral(script: DemoScript, case: DemoCase) -> dict:
    return {**sar_content.referral_values(case.story, today()), **case.referral}


def _sar_report(script: DemoScript, code: str, number: int, case: DemoCase) -> dict:
    from lifkit.mechanics.dates import parse_date

    return sar_content.report_values(case.story, code, number,
                                     parse_date(sar_content.REFERRALS[case.story]["incident_date"]), today(),
                                     script.members[number][2], script.member_email(code))


# The agencies a Safeguarding Adults Board's SAR subgroup usually hears from (the three statutory members first).
SAR_AGENCIES = (
    ("ASC", "Adult Social Care (the local authority)"),
    ("POL", "Police (Public Protection Unit)"),
    ("ICB", "Integrated Care Board (safeguarding adults team)"),
    ("ACUTE", "Acute Hospitals NHS Trust"),
    ("COMM", "Community Health NHS Trust (district nursing)"),
    ("MH", "Mental Health NHS Trust"),
    ("GP", "General practice (Riverside Surgery)"),
    ("AMB", "Ambulance Service NHS Trust"),
    ("HOU", "Housing and street outreach"),
    ("FIRE", "Fire and Rescue Service"),
    ("DA", "Domestic abuse service"),
)

SAR_CARE_ACT_2014 = DemoScript(
    process="sar-care-act-2014",
    board="Exampleshire Safeguarding Adults Board (FICTIONAL PRACTICE WORKSPACE)",
    admin_email="sab.business.unit@exampleshire-sab.example",
    administrator="Jordan Avery (fictional)",
    address="SAB Business Support Officer (fictional)\nExampleshire Safeguarding Adults Board\n1 Practice Street\n"
            "Exampletown EX1 0AA",
    people={"business_manager": ("Sam Okafor (fictional)", "business.manager@exampleshire-sab.example"),
            "subgroup_chair": ("Dr Robin Hale (fictional)", "sar.subgroup.chair@exampleshire-sab.example"),
            "sab_chair": ("Prof. Alex Marlow (fictional)", "sab.chair@exampleshire-sab.example")},
    members=_members(SAR_AGENCIES, DEMO_MEMBER_NAMES[6:] + DEMO_MEMBER_NAMES[:6]),
    notifications={},
    referral_agency="Exampleshire Fire and Rescue Service (fictional)",
    referral_values=_sar_referral,
    return_values=_sar_report,
    learning_entries=sar_content.LEARNING_ENTRIES,
    review=sar_content.REVIEW,
    cases=(
        # referred in January: the SAR decided, completed and in the annual report; its action plan under way
        DemoCase("referral-1", {}, (
            step("2026-01-13", "referral", notified="2026-01-12"),
            step("2026-01-14", "request", meeting="2026-02-06"),
            step("2026-01-20", "contact", key="family", email="lee.example@family-mail.example",
                 name="Lee Example (fictional)", consent="2026-01-20"),
            step("2026-01-28", "returns", skip=[LATE_MEMBER], invalid=[INVALID_MEMBER], attach=["ASC"]),
            step("2026-02-05", "chase"),
            step("2026-02-05", "returns", only=[LATE_MEMBER, INVALID_MEMBER], again=True),
            step("2026-02-05", "pack"),
            step("2026-02-06", "recommend", option="Mandatory SAR",
                 rationale="He had needs for care and support, he died of a fire his self-neglect made likely, and "
                           "four agencies knew of the risk without acting together (fictional).",
                 criteria={"needs": "met", "concern": "met", "died": "met", "serious_harm": "not met",
                           "discretionary": "not met"}),
            step("2026-02-09", "decide", response="agreed", decision="Mandatory SAR",
                 rationale="The s44 criteria are met; I agree with the SAR subgroup (fictional)."),
            step("2026-02-10", "told", notice="referrer"),
            step("2026-02-12", "told", notice="family"),
            # the SAR: its stages, each recorded as it is done; the report agreed is the SAR completed
            step("2026-02-16", "review", reviewer=["Jordan Vale (fictional independent reviewer)"],
                 email="jordan.vale@independent-reviews.example"),
            step("2026-03-02", "review", done="terms_of_reference", file="sar-terms-of-reference"),
            step("2026-03-04", "review", done="agency_reports_requested", agencies=["ASC", "FIRE", "GP", "HOU"]),
            step("2026-03-06", "review", done="family", outcome="accepted",
                 note="His sister (fictional) will meet the reviewer."),
            step("2026-03-11", "review", done="panel_meeting"),
            step("2026-04-01", "review", reports=["ASC", "FIRE", "GP", "HOU"]),  # every one in: the stage done
            step("2026-04-22", "review", done="practitioner_event"),
            step("2026-06-10", "review", done="draft_report", file="sar-draft-report"),
            step("2026-07-31", "review", done="final_report", file="sar-final-report"),
            step("2026-08-20", "review", done="publication"),
            step("2026-08-10", "action plan"),
            step("2026-09-22", "told", notice="annual_report"),
            step("2026-10-30", "update requests"),
            step("2026-11-23", "updates", agencies=["FIRE"]),
            step("2026-11-25", "updates", agencies=["ASC"], collect=False),
        ), story="fire"),
        # a family's referral of a man who slept rough: no fixed abode, no known date of birth
        DemoCase("referral-2", {}, (
            step("2026-11-03", "referral", notified="2026-11-02"),
            step("2026-11-04", "request", meeting="2026-11-27"),
            step("2026-11-20", "returns", first=6),
            # two more reports came in on the demo's last day: saved, for the reader to collect
            step("2026-11-25", "returns", only=["GP", "HOU"], collect=False, folder="today"),
        ), story="street"),
        # a referral that arrived on the demo's last day, for the reader to open
        DemoCase("referral-3", {}, (
            step("2026-11-24", "referral", open=False),
        ), story="care home"),
    ),
)

SCRIPTS = {script.process: script for script in (LSCB_2016, RAPID_REVIEW_2023, SAR_CARE_ACT_2014)}


def demo_processes() -> list[str]:
    return list(SCRIPTS)


# --- the fictional content the agencies type ---------------------------------------------------------


def _referral_values(form: str, script: DemoScript, given: dict) -> dict:
    """A referral as the fictional referrer filled it in (``given`` over the form's defaults)."""
    people = {
        "significant_people_1_name": "Casey Example (fictional)", "significant_people_1_dob": "12/04/1990",
        "significant_people_1_relationship": "mother",
        "significant_people_2_name": "Riley Example (fictional)", "significant_people_2_dob": "03/09/2017",
        "significant_people_2_relationship": "sibling",
    }
    lead = {"agency": script.referral_agency, "lead_name": "DS Jamie Fielding (fictional)",
            "lead_position": "Detective Sergeant, Public Protection Unit",
            "lead_email": "jamie.fielding@exampleshire-police.example", "lead_telephone": "01632 960111",
            "completion_date": format_date(today())}
    if form == "cigscr1":
        dod = given.get("child_dod", "")
        values = {"criterion_a": True, "criterion_b_i": bool(dod), "criterion_b_ii": not dod,
                  "reasons": "Neglect is suspected and several agencies knew the family (fictional).",
                  **people, **lead}
        values.update(given)
        if values.get("referral_route") == "Agency":
            values.update({"agency_review_date": format_date(today()),
                           "agency_reviewed_with": "Alex Rowe (fictional), Head of Safeguarding"})
        return values
    if form == "sir":
        values = {"criterion_a": True, "criterion_looked_after": given.get("legal_status") == "Looked after",
                  "child_address": "12 Practice Road\nExampletown EX2 0ZZ",
                  "legal_status_detail": "Fictional: for practice only",
                  **people, **lead, "safeguarding_lead_agreed": "Yes",
                  "agency_reviewed_with": "Alex Rowe (fictional), Head of Safeguarding",
                  "agency_review_date": format_date(today())}
        values.update(given)
        return values
    raise InputError(f"The demo has no fictional referral for the form {form}.")


def _return_values(form: str, script: DemoScript, code: str, number: int, case: DemoCase) -> dict:
    """A return as the fictional member ``code`` (the ``number``-th) filled it in about ``case``."""
    if script.return_values is not None:
        return script.return_values(script, code, number, case)
    start = today() - dt.timedelta(days=400)
    name = script.members[number][2]
    common = {
        "completed_name": name, "completed_role": "Safeguarding lead",
        "completed_telephone": f"01632 96{number:04d}", "completed_email": script.member_email(code),
        "child_known": "Yes" if number % 3 else "No",
        "involvement_from": format_date(start), "involvement_to": format_date(today() - dt.timedelta(days=12)),
        "case_open": "Yes" if number % 4 == 0 else "No",
        "good_practice": "Prompt referral after the first contact (fictional).",
        "criteria_met": ("Yes", "No", "Unsure")[number % 3],
        "criteria_reason": "The agency's view, written for practice (fictional).",
        "checked_by_name": f"Safeguarding Lead {code} (fictional)", "completion_date": format_date(today()),
    }
    for row in range(1, 3 + number % 3):
        day = start + dt.timedelta(days=37 * row + number * 5)
        common.update({f"chronology_{row}_date": format_date(day), f"chronology_{row}_event": f"{code} contact {row}",
                       f"chronology_{row}_practitioner": f"{code} team", f"chronology_{row}_outcome": "Recorded"})
    if form == "ciginf1":  # the family's story, agency by agency
        from lifkit.steps.demo_content import return_values

        return return_values(code, number, today(), name, script.member_email(code))
    if form == "ias":  # the family's story, agency by agency
        from lifkit.mechanics.dates import parse_date
        from lifkit.steps.demo_content_rr import ias_values

        return ias_values(case.story, code, number, parse_date(case.referral["incident_date"]), today(), name,
                          script.member_email(code))
    raise InputError(f"The demo has no fictional return for the form {form}.")


# --- the agencies' side: filling forms and writing replies ----------------------------------------------


def _reply(sender: str, to: str, subject: str, attachments: list[Path]) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
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


def _chronology_pdf(path: Path, agency: str) -> Path:
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), invariant=1)  # the same bytes every run
    page.drawString(72, 760, f"{agency}: fuller chronology (FICTIONAL, made by lifkit demo)")
    for row in range(1, 15):
        page.drawString(72, 740 - 18 * row, f"{row:2d}. A fictional entry in the fuller chronology.")
    page.save()
    return path


# --- the player -----------------------------------------------------------------------------------


def demo_settings_text(script: DemoScript = LSCB_2016, process=None) -> str:
    """The demo's lifkit.toml for ``script`` (for ``process``, a workspace's own, when given: the settings
    then name no shipped process, and lifkit runs the workspace's process.yaml)."""
    import tomlkit

    from lifkit.case.process import load_shipped

    administrator = Administrator(name=script.administrator, email=script.admin_email,
                                  telephone="01632 960000",  # Ofcom's range reserved for drama
                                  address=script.address)
    people = {role: Person(name, email) for role, (name, email) in script.people.items()}
    members = [Member(code, agency, name, script.member_email(code), fmt)
               for code, agency, name, fmt in script.members]
    process = process or load_shipped(script.process)
    text = settings_document(script.board, administrator, people, members, process=process)
    if not process.shipped:
        document = tomlkit.parse(text)
        document.pop("process", None)
        text = tomlkit.dumps(document)
    lines = "".join(f'{key} = "{address}"\n' for key, address in script.notifications.items())
    text += f"\n# Where the decision notices go (fictional addresses).\n[notifications]\n{lines}"
    if script.learning_sections:
        lines = "".join(f'{key} = "{title}"\n' for key, title in script.learning_sections)
        text += ("\n# The board's own names for sections of its Learning and Improvement Index.\n"
                 f"[learning.sections]\n{lines}")
    return text


@dataclass
class _Played:
    """What the player knows of a case while it plays it."""

    case: DemoCase
    reference: str = ""
    return_by: dict[str, dt.date] = field(default_factory=dict)
    last: Any = None  # the last decision step's outcome


def run_demo(directory: Path, password: str = "practice-only-7Kq2", process_name: str = "lscb-2016",
             script: DemoScript | None = None) -> DemoResult:
    """Make the practice workspace in ``directory`` (which must not be a workspace) and play the script
    of ``process_name`` in it (or ``script``, which may bring a board's own process and forms), ending on
    :data:`DEMO_TODAY`."""
    from lifkit.case.process import load_shipped, workspace_process
    from lifkit.register.workbook import create_register

    if script is None and process_name not in SCRIPTS:
        raise InputError(f"The demo has no script for the process {process_name!r}.",
                         f"Use one of: {', '.join(SCRIPTS)}.")
    script = script or SCRIPTS[process_name]
    directory = Path(directory).expanduser()
    if (directory / SETTINGS_FILE).exists() or (directory / DEFAULT_REGISTER).exists():
        raise WorkspaceExists(f"{directory.resolve()} already holds a workspace: the demo needs a new folder.",
                              "Give a folder that does not exist yet, e.g.: lifkit demo lifkit-demo-2")
    with pretend_today(DEMO_TODAY):
        directory.mkdir(parents=True, exist_ok=True)
        if script.workspace_files is not None:
            script.workspace_files(directory)
        process = workspace_process(directory, script.process) if script.workspace_files else \
            load_shipped(script.process)
        create_register(directory / DEFAULT_REGISTER, columns=process.register_columns)
        (directory / CASES_DIR).mkdir(exist_ok=True)
        workspace_secret(directory)
        atomic_write_text(directory / SETTINGS_FILE, demo_settings_text(script, process))
        ws = open_workspace(directory)
        result = DemoResult(root=ws.root, settings_file=ws.settings_file, register=ws.register_path,
                            members=len(ws.settings.members), process=script.process, today=DEMO_TODAY,
                            pack_password=password)
        result.steps.append(f"a workspace for a fictional {ws.process.term('board')} running {script.process}, "
                            f"with {result.members} fictional {ws.process.term('member')}s")
        (directory / "saved-mail").mkdir(exist_ok=True)
        played = [_Played(case) for case in script.cases]
        timeline = sorted(((s.on, index, order, s) for index, p in enumerate(played)
                           for order, s in enumerate(p.case.steps)), key=lambda item: item[:3])
        for on, index, _order, action in timeline:
            who = played[index].reference or played[index].case.name
            with pretend_today(on):
                line = ACTIONS[action.action](ws, script, played[index], action.args, result)
            result.steps.append(f"{format_date(on)} {who}: {line}")
        _close(ws, script, played, result)
    return result


def _mail(ws) -> Path:
    return ws.root / "saved-mail"


def _referral(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.documents.generate import generate_form
    from lifkit.steps.exchange import open_referral

    form = ws.process.referral_form
    mail = _mail(ws)
    name = played.case.name
    values = (script.referral_values(script, played.case) if script.referral_values is not None
              else _referral_values(form, script, played.case.referral))
    blank = generate_form(ws, form, output=mail / f"{name}-blank.pdf").files[0]
    filled = _fill(blank, mail / f"{name}-returned.pdf", values)
    message = mail / f"{name}.eml"
    subject = ws.process.term("referral")
    message.write_bytes(_reply(values["lead_email"], ws.settings.administrator.email, subject[:1].upper() + subject[1:],
                               [filled]))
    if args.get("open", True) is False:
        return f"a {ws.process.term('referral')} arrived, saved as saved-mail/{message.name} for you to open"
    notified = dt.date.fromisoformat(args["notified"]) if args.get("notified") else None
    opened = open_referral(ws, message, notified)
    played.reference = opened.reference
    return (f"{opened.reference} opened from an emailed {form.upper()} ({ws.process.term('notified_short').lower()} "
            f"{format_date(opened.notified)})")


def _request(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.steps.exchange import issue_requests

    issued = issue_requests(ws, played.reference, meeting=dt.date.fromisoformat(args["meeting"]),
                            agencies=args.get("agencies"))
    played.return_by = {r.agency: r.return_by for r in issued.issued}
    return (f"{len(issued.issued)} {ws.process.request_form.upper()} requests with email drafts, reply by "
            f"{format_date(issued.issued[0].return_by)}")


def _returns(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.case.folder import load_case
    from lifkit.steps.exchange import collect, email_text

    reference = played.reference
    case = load_case(ws, reference)
    outbox = case.folder / "outbox"
    replies = _mail(ws) / reference / args.get("folder", "")
    replies.mkdir(parents=True, exist_ok=True)
    members = list(enumerate(ws.settings.members))
    if "only" in args:
        members = [(n, m) for n, m in members if m.code in args["only"]]
    members = [(n, m) for n, m in members if m.code not in args.get("skip", ())][:args.get("first")]
    again = args.get("again", False)
    saved = []
    for number, member in members:
        form = outbox / f"{ws.process.request_form.upper()}-{reference}-{member.code}." \
                        f"{'docx' if member.format == 'docx' else 'pdf'}"
        values = _return_values(ws.process.request_form, script, member.code, number, played.case)
        if member.code in args.get("invalid", ()):
            values.update({"completed_email": "", "case_open": ""})
        filled = _fill(form, replies / (f"again-{form.name}" if again else form.name), values)
        attachments = [filled]
        if member.code in args.get("attach", ()):
            attachments.append(_chronology_pdf(replies / f"{member.code} fuller chronology.pdf", member.agency))
        path = replies / f"reply-{member.code}{'-again' if again else ''}.eml"
        subject = email_text(ws, "request_subject", case, due=played.return_by.get(member.code))
        path.write_bytes(_reply(member.email, ws.settings.administrator.email, subject, attachments))
        saved.append(path)
    codes = ", ".join(m.code for _, m in members)
    if not args.get("collect", True):
        return f"replies from {codes} arrived, saved in {replies.relative_to(ws.root)} for you to collect"
    collected = collect(ws, reference, saved)
    invalid = [r.agency for r in collected.received if not r.valid]
    line = f"{len(collected.received)} replies collected"
    if invalid:
        line += f" ({', '.join(invalid)} invalid, a reply draft made)"
    if args.get("attach"):
        line += f"; {', '.join(args['attach'])}'s attached chronology kept with its return"
    if again:
        line = f"the late and corrected returns ({codes}) collected: every return valid"
    return line


def _chase(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.steps.exchange import case_status, chase

    late = [m.code for m in case_status(ws, played.reference).members if m.overdue]
    chased = chase(ws, played.reference)
    return f"status shows {', '.join(late) or 'nothing'} overdue; {len(chased)} reminders drafted"


def _pack(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.steps.pack import build_pack

    plain = build_pack(ws, played.reference)
    result.files["pack"] = plain.file
    protected = build_pack(ws, played.reference, password=result.pack_password,
                           output=plain.file.with_name(plain.file.stem + "-encrypted.pdf"))
    result.files["encrypted pack"] = protected.file
    return (f"{ws.process.term('pack')} built ({plain.pages} pages) and an encrypted copy "
            f"(password: {result.pack_password})")


def _recommend(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.steps.decisions import recommend

    played.last = recommend(ws, played.reference, args["option"], args["rationale"], criteria=args.get("criteria"),
                            learning=args.get("learning", ""), flags=args.get("flags"))
    return f"the {ws.process.recommendation.by} recommended: {played.last.event['recommendation']}"


def _decide(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.steps.decisions import chair_decide

    played.last = chair_decide(ws, played.reference, args["response"], args["decision"], args["rationale"],
                               relationship=args.get("relationship", ""),
                               criminal_investigation=args.get("criminal_investigation", "unknown"))
    return (f"the {ws.process.decision.by} {args['response']}: {played.last.event['decision']}; "
            f"{ws.process.summary_id} and {len(played.last.notices)} notices drafted")


def _sign(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.steps.decisions import sign_off

    played.last = sign_off(ws, played.reference, args["partner"], args.get("signer", ""),
                           relationship=args.get("relationship", ""),
                           criminal_investigation=args.get("criminal_investigation", "unknown"))
    partner = ws.process.decision.partner(args["partner"])
    line = f"{partner.name} ({partner.code}) signed off"
    if played.last.notices:
        line += f": the outcome stands; {len(played.last.notices)} notices drafted"
    return line


def _contact(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.steps.contacts import set_contact

    set_contact(ws, played.reference, args["key"], args["email"], args.get("name", ""),
                dt.date.fromisoformat(args["consent"]) if args.get("consent") else None)
    return f"the case's contact {args['key']} set (consent recorded)"


def _told(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.steps.decisions import record_notified

    record_notified(ws, played.reference, args["notice"], today())
    return f"{ws.process.notice(args['notice']).label} recorded as told"


def _panel_reply(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.steps.decisions import record_reply

    record_reply(ws, played.reference, args["notice"], today(), args["agreed"], args.get("note", ""))
    definition = ws.process.notice(args["notice"])
    return f"{definition.reply} recorded ({'agreed' if args['agreed'] else 'not agreed'})"


def _action_plan(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    import csv

    from lifkit.steps.actions import IMPORT_COLUMNS, import_actions, import_template

    path = _mail(ws) / f"action-plan-{played.reference}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([heading for heading, _key, _required in IMPORT_COLUMNS])
        plan = args.get("plan") or script.review.plan  # a step may bring its own (a review's final report's)
        writer.writerows([*row[:5], format_date(dt.date.fromisoformat(row[5])), row[6]] for row in plan)
    added = import_actions(ws, played.reference, path)
    result.files["action plan template"] = import_template(ws)
    return f"the {ws.process.learning.action_plan}: {len(added.actions)} actions imported from saved-mail/{path.name}"


def _update_requests(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    from lifkit.steps.actions import request_updates

    made = request_updates(ws, played.reference)
    return f"{len(made.requests)} action update forms (AUPD) with email drafts, to {', '.join(r.agency for r in made.requests)}"


def _updates(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    """The agencies fill in their action update forms and reply (the first action done, the others under way)."""
    from lifkit.case.actionplan import action_plan
    from lifkit.case.folder import load_case
    from lifkit.steps.exchange import collect

    case = load_case(ws, played.reference)
    replies = _mail(ws) / played.reference
    replies.mkdir(parents=True, exist_ok=True)
    saved = []
    for code in args["agencies"]:
        member = ws.settings.member(code)
        suffix = "docx" if member.format == "docx" else "pdf"
        form = case.folder / "outbox" / f"AUPD-{played.reference}-{code}.{suffix}"
        values = {"completed_name": member.name, "completed_role": "Safeguarding manager",
                  "completed_email": member.email, "completion_date": format_date(today())}
        evidence, impact = script.review.updates.get(code, ("Work under way", "Too early to say"))
        for row, action in enumerate(action_plan(case).for_agency(code), start=1):
            values.update({f"updates_{row}_status": "Completed" if row == 1 else "In progress",
                           f"updates_{row}_evidence": ws.process.text(evidence) if row == 1 else "",
                           f"updates_{row}_impact": impact if row == 1 else "Half of the work done",
                           f"updates_{row}_date": format_date(today())})
        filled = _fill(form, replies / f"action-update-{code}.{suffix}", values)
        path = replies / f"action-update-{code}.eml"
        path.write_bytes(_reply(member.email, ws.settings.administrator.email,
                                f"{ws.process.learning.action_plan} — {played.reference} — update", [filled]))
        saved.append(path)
    codes = ", ".join(args["agencies"])
    if not args.get("collect", True):
        return f"the action update from {codes} arrived, saved in saved-mail/{played.reference} for you to collect"
    collected = collect(ws, played.reference, saved)
    return f"{len(collected.received)} action update collected ({codes}); the Actions sheet shows it"


REVIEW_DOCUMENTS = {  # the fictional documents of a review, as the demo files them (no person is named)
    "terms-of-reference": ("Terms of reference", [
        "The review will look at how the agencies worked together with the family in the year before the",
        "incident, and at how information about bruising in a baby who was not yet mobile was shared.",
        "Methodology: a systems review with a practitioner learning event and the family's involvement."]),
    "draft-report": ("Draft report", [
        "Draft for the review panel's comments. Findings are not yet agreed.",
        "Finding 1: bruising in a baby who was not yet mobile was not referred.",
        "Finding 2: information did not follow the family when it moved across the border."]),
    "final-report": ("Final report", [
        "Agreed by the three safeguarding partners. The child is called Child K throughout.",
        "Recommendation 1: every agency's bruising protocol is audited within six months.",
        "Recommendation 2: records follow a family across the border on the day it moves."]),
    # a Safeguarding Adults Review's (the words of the SAB, never a person's name)
    "sar-terms-of-reference": ("Terms of reference", [
        "The review will look at how the agencies worked with a man who self-neglected, and at how the",
        "risk of fire in his home was shared. Methodology: a learning together review with his sister."]),
    "sar-draft-report": ("Draft report", [
        "Draft for the SAR panel's comments. Findings are not yet agreed.",
        "Finding 1: the fire risk known to the fire service was not shared with adult social care."]),
    "sar-final-report": ("Final report", [
        "Agreed by the Safeguarding Adults Board. The man is called Mr K throughout.",
        "Recommendation 1: a fire risk referral reaches adult social care within a working day."]),
}


def _review_document(ws, reference: str, name: str) -> Path:
    """A fictional document of the review, saved in saved-mail/<REF>/ (the reviewer's or the partners')."""
    from reportlab.pdfgen import canvas

    title, lines = REVIEW_DOCUMENTS[name]
    folder = _mail(ws) / reference
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.pdf"
    page = canvas.Canvas(str(path), invariant=1)  # the same bytes every run
    page.drawString(72, 760, f"{reference}: {title} (FICTIONAL, made by lifkit demo)")
    for row, line in enumerate(lines, start=1):
        page.drawString(72, 740 - 18 * row, line)
    page.save()
    return path


def _review(ws, script: DemoScript, played: _Played, args: dict, result: DemoResult) -> str:
    """A step of the commissioned review: a stage done (with its document), the reviewer, the publication's
    plan or deferral, a document saved for the reader, or the late stages chased."""
    from lifkit.steps import review

    reference = played.reference
    if "reports" in args:
        return _review_reports(ws, reference, args["reports"])
    if "save" in args:
        path = _review_document(ws, reference, args["save"])
        return f"the {REVIEW_DOCUMENTS[args['save']][0].lower()} arrived, saved in {path.relative_to(ws.root)}"
    if args.get("chase"):
        from lifkit.case.folder import load_case

        drafts = review.chase_stages(ws, load_case(ws, reference), today() + dt.timedelta(days=7))
        return f"{len(drafts)} late stage{'s' if len(drafts) != 1 else ''} chased: " + \
            ", ".join(f"{d.agency} ({d.draft.name})" for d in drafts)
    if "plan" in args:
        done = review.plan_publication(ws, reference, dt.date.fromisoformat(args["plan"]), args.get("amend"))
    elif "defer" in args:
        until = dt.date.fromisoformat(args["until"]) if args.get("until") else None
        done = review.defer_publication(ws, reference, args["defer"], until)
    else:
        file = _review_document(ws, reference, args["file"]) if args.get("file") else None
        done = review.record_stage(ws, reference, args.get("done") or "reviewer", file=file, note=args.get("note", ""),
                                   outcome=args.get("outcome"), names=args.get("reviewer", ()),
                                   email=args.get("email", ""), agencies=args.get("agencies"))
    if (done.event or {}).get("agencies"):
        return done.what + f"; its form and an email draft to {', '.join(done.event['agencies'])}"
    return done.what + (f"; {done.drafts[0].name} drafted" if done.drafts else "")


def _review_reports(ws, reference: str, agencies: list[str]) -> str:
    """The agencies fill in their report and chronology forms (ARC) and reply; lifkit collect files them."""
    from lifkit.case.folder import load_case
    from lifkit.steps.exchange import collect

    case = load_case(ws, reference)
    replies = _mail(ws) / reference / "reports"
    replies.mkdir(parents=True, exist_ok=True)
    saved = []
    for number, code in enumerate(agencies, start=1):
        member = ws.settings.member(code)
        form = next(case.folder.joinpath("outbox").glob(f"ARC-{reference}-{code}.*"))
        values = {"completed_name": member.name, "completed_role": "Safeguarding manager",
                  "completed_email": member.email, "completion_date": format_date(today()),
                  "involvement_from": format_date(today() - dt.timedelta(days=400)),
                  "involvement_to": format_date(today() - dt.timedelta(days=80)),
                  "services_involved": f"{member.agency}: the teams that saw the family (fictional).",
                  "chronology_1_date": format_date(today() - dt.timedelta(days=120)),
                  "chronology_1_event": "A contact with the family (fictional)",
                  "chronology_1_practitioner": "Practitioner", "chronology_1_outcome": "Recorded; no referral made",
                  "analysis": "What went well, and what could have been better, in the agency's own words (fictional).",
                  "learning": "Information should follow a family that moves (fictional).",
                  "checked_by_name": f"Safeguarding Lead {code} (fictional)", "signed_off_date": format_date(today())}
        filled = _fill(form, replies / form.name, values)
        path = replies / f"report-{code}.eml"
        path.write_bytes(_reply(member.email, ws.settings.administrator.email,
                                f"Agency report and chronology — {reference}", [filled]))
        saved.append(path)
    collected = collect(ws, reference, saved)
    valid = sum(1 for r in collected.received if r.valid)
    return f"{valid} of {len(agencies)} agencies' reports and chronologies collected, valid"


ACTIONS = {"review": _review, "action plan": _action_plan, "update requests": _update_requests, "updates": _updates,
           "referral": _referral, "request": _request, "returns": _returns, "chase": _chase, "pack": _pack,
           "recommend": _recommend, "decide": _decide, "contact": _contact, "sign": _sign, "told": _told, "reply": _panel_reply}


def _close(ws, script: DemoScript, played: list[_Played], result: DemoResult) -> None:
    from lifkit.steps.decisions import overdue, year_report

    decided = [p for p in played if p.last is not None and p.last.notices]
    if decided:
        outcome = decided[0].last
        result.files["case summary"] = outcome.summary
        reference = decided[0].reference
        for notice in outcome.notices:  # notice-<id>-<REF>.eml
            result.files[f"{notice.stem[len('notice-'):-len(reference) - 1]} notice"] = notice
    items = overdue(ws)
    result.steps.append(f"overdue on {format_date(today())}: {len(items)} items "
                        f"({sum(1 for i in items if i.late)} late)")
    reviewed = [p.reference for p in played if p.reference and (ws.root / "cases" / p.reference / "actions").exists()]
    if ws.process.learning is not None and reviewed:
        result.steps.append(_learning_index(ws, reviewed[0], result, script))
    year = ws.process.reporting_year(today())
    report = year_report(ws, year, ws.root / f"report-{year}.xlsx")
    result.files["year report"] = report.workbook
    result.files["register"] = ws.register_path
    result.steps.append(f"year report: {report.cases} cases, {report.decided} decided")
    from lifkit.case.folder import take_changed_cases
    from lifkit.steps.dashboard import build_dashboard

    take_changed_cases()  # the dashboard is made here, as of the demo's last day, not again after the command
    made = build_dashboard(ws)
    result.files["dashboard"] = made.folder / "index.html"
    result.steps.append(f"dashboard: {made.cases} case pages, opened from {made.folder.name}/index.html")


# The audit entry of the index in the children's demos (beside the review's: pseudonyms, never a name).
NEGLECT_AUDIT = {
    "audit": True, "name": "Neglect audit 2026",
    "overview": "Ten cases from across the levels of need, audited by every agency and a multi-agency group.",
    "findings": ["New workers did not read the chronology before starting work with a family."],
    "improvement": ["Chronology training added to the induction of every agency"],
    "evidence": "Re-audit: the chronology was read in 8 of 10 cases."}


def _learning_index(ws, reference: str, result: DemoResult, script: DemoScript) -> str:
    """The script's entries of the Learning and Improvement Index (the review's, then an audit's reported
    60 days before), and the index of the reporting year."""
    from lifkit.steps.learning import add_entry, write_index

    learning = ws.process.learning
    review = script.review
    entries = script.learning_entries or (
        {"name": "Child known as Kit", "overview": review.overview, "findings": review.findings}, NEGLECT_AUDIT)
    audit = learning.type("audit").name  # a multi-agency audit (the process's type that "audit" names)
    for entry in entries:
        if entry.get("audit"):
            add_entry(ws, type_=audit, name=entry["name"], reported=today() - dt.timedelta(days=60),
                      overview=entry["overview"], findings=list(entry["findings"]),
                      improvement=list(entry.get("improvement") or []), evidence=entry.get("evidence", ""))
        else:
            add_entry(ws, name=entry["name"], reported=today(), case=reference, overview=entry["overview"],
                      findings=list(entry["findings"]))
    index = write_index(ws, ws.process.reporting_year(today()))
    result.files["learning index"] = index.file
    return f"{learning.index_title}: {index.entries} entries, written to {index.file.name}"
