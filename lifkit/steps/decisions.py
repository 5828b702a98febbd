"""After the meeting: the CIEC's recommendation, the Independent Chair's decision, the case summary
(CIGSUM1), the notifications, what is overdue, and the year's figures.

Every recommendation and decision is an event in the case's journal (amendments are new events that
say why, never edits), a row on the register's Decisions sheet and an update of the case's Register
row. The state of a case's decision is derived from its journal alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifkit.case.folder import Case, case_references, journal, load_case, record_event, update_case_file
from lifkit.mechanics.dates import format_date, today
from lifkit.errors import InputError, LifkitError
from lifkit.documents.mail import build_draft
from lifkit.register.sync import sync_case

RECOMMENDATIONS = ("SCR", "Critical Case Review", "MA Concise Review", "Individual Agency Review",
                   "Review not initiated")
RESPONSES = ("affirmed", "challenged")
NOTICES = ("ofsted", "panel", "referrer")
PANEL_DAYS = 14
DUE_SOON_DAYS = 7
CRITERIA = (
    ("criterion_a", "a", "(a) Abuse or neglect of a child is known or suspected"),
    ("criterion_b_i", "b_i", "(b)(i) The child has died (including suspected suicide)"),
    ("criterion_b_ii", "b_ii", "(b)(ii) The child has been seriously harmed and there is cause for concern as to the "
                               "way the authority, their Board partners or other relevant persons have worked together"),
    ("criterion_custody", "custody", "The child died in custody, on remand, after sentencing, in a secure setting or "
                                     "while detained under mental health law"),
    ("criterion_looked_after", "looked_after", "The child is a looked-after child"),
)
CRITERION_VIEWS = ("met", "not met", "unclear")
_ALIASES = {
    "scr": "SCR", "serious case review": "SCR", "critical": "Critical Case Review", "ccr": "Critical Case Review",
    "ma": "MA Concise Review", "concise": "MA Concise Review", "ma concise": "MA Concise Review",
    "multi-agency concise review": "MA Concise Review", "individual": "Individual Agency Review",
    "iar": "Individual Agency Review", "none": "Review not initiated", "not initiated": "Review not initiated",
    "no review": "Review not initiated",
}


def canonical_recommendation(text: str) -> str:
    """One of the five recommendations, from what the administrator typed (any case, common short names)."""
    key = " ".join(str(text).lower().replace("_", " ").replace("-", " ").split())
    for choice in RECOMMENDATIONS:
        if key == choice.lower():
            return choice
    if key in _ALIASES:
        return _ALIASES[key]
    raise InputError(f"{text!r} is not one of the recommendations.", "Use one of: " + "; ".join(RECOMMENDATIONS) + ".")


# --- the decision's state, from the journal ---------------------------------------------------


@dataclass
class DecisionState:
    recommendation: dict | None = None
    further_info: list[dict] = field(default_factory=list)
    chair: dict | None = None
    amendments: list[dict] = field(default_factory=list)
    notified: dict[str, str] = field(default_factory=dict)

    @property
    def decided(self) -> bool:
        return self.chair is not None

    @property
    def decision_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.chair["date"]) if self.chair else None

    @property
    def scr(self) -> bool:
        return bool(self.chair and self.chair["decision"] == "SCR")

    @property
    def panel_due(self) -> dt.date | None:
        if not self.chair or self.scr:
            return None
        return self.decision_date + dt.timedelta(days=PANEL_DAYS)


def decision_state(case: Case) -> DecisionState:
    state = DecisionState()
    for event in journal(case.folder):
        kind = event["event"]
        if kind == "recommended":
            if event.get("amends"):
                state.amendments.append({"what": "CIEC recommendation", "reason": event["amends"],
                                         "date": event["date"], "was": (state.recommendation or {}).get("recommendation")})
            state.recommendation = event
        elif kind == "further information":
            state.further_info.append(event)
        elif kind == "decided":
            if event.get("amends"):
                state.amendments.append({"what": "Independent Chair's decision", "reason": event["amends"],
                                         "date": event["date"], "was": (state.chair or {}).get("decision")})
            state.chair = event
        elif kind == "notified":
            state.notified[event["notice"]] = event["on"]
    return state


# --- results ----------------------------------------------------------------------------------


@dataclass
class DecisionOutcome:
    reference: str
    event: dict
    summary: Path
    notices: list[Path] = field(default_factory=list)
    register_warning: str | None = None


def _who(ws) -> str:
    return ws.settings.administrator.name


def _decision_row(ws, case: Case, by: str, decision: str, rationale: str, amend: str | None) -> dict:
    return {"date": today(), "case_ref": case.reference, "by": by,
            "decision": decision + (" (amended)" if amend else ""),
            "rationale": rationale.strip() + (f" [Amended: {amend}]" if amend else ""), "recorded_by": _who(ws)}


# --- recommending and deciding ----------------------------------------------------------------


def recommend(ws, reference: str, recommendation: str, rationale: str, meeting: dt.date | None = None,
              criteria: dict[str, str] | None = None, amend: str | None = None) -> DecisionOutcome:
    """Record the CIEC's recommendation (one of the five), with its rationale."""
    case = load_case(ws, reference)
    state = decision_state(case)
    recommendation = canonical_recommendation(recommendation)
    _need_text(rationale, "--rationale", "why the CIEC recommends this")
    if state.recommendation and not amend:
        raise InputError(f"The CIEC already recommended {state.recommendation['recommendation']} for {case.reference} "
                         f"on {format_date(dt.date.fromisoformat(state.recommendation['date']))}.",
                         "To change it, give --amend \"the reason\": the change is recorded beside the original.")
    meeting = meeting or case.meeting_date or today()
    event = record_event(case.folder, "recommended", recommendation=recommendation, rationale=rationale.strip(),
                         meeting=meeting, date=today(), criteria=_criteria(criteria), amends=amend or None)
    warning = sync_case(ws, case.reference, _decision_row(ws, case, "CIEC", recommendation, rationale, amend))
    return DecisionOutcome(case.reference, event, write_summary(ws, case.reference), register_warning=warning)


def further_information(ws, reference: str, rationale: str, next_meeting: dt.date,
                        meeting: dt.date | None = None) -> DecisionOutcome:
    """The CIEC asks for further information and puts the case on another meeting's agenda."""
    case = load_case(ws, reference)
    _need_text(rationale, "--rationale", "what further information is needed")
    if next_meeting < today():
        raise InputError(f"The next meeting {format_date(next_meeting)} is in the past.", "Give the next meeting's date.")
    meeting = meeting or case.meeting_date or today()
    event = record_event(case.folder, "further information", rationale=rationale.strip(), meeting=meeting,
                         next_meeting=next_meeting, date=today())
    update_case_file(case.folder, meeting_date=next_meeting)
    warning = sync_case(ws, case.reference, _decision_row(
        ws, case, "CIEC", f"Further information requested; next meeting {format_date(next_meeting)}", rationale, None))
    return DecisionOutcome(case.reference, event, write_summary(ws, case.reference), register_warning=warning)


def chair_decide(ws, reference: str, response: str, decision: str, rationale: str, reviewers: list[str] = (),
                 amend: str | None = None, relationship: str = "", criminal_investigation: str = "unknown",
                 reason_not_met: str | None = None) -> DecisionOutcome:
    """Record the Independent Chair's response (affirmed or challenged) and decision, then draft the notices."""
    case = load_case(ws, reference)
    state = decision_state(case)
    response = response.strip().lower()
    if response not in RESPONSES:
        raise InputError(f"{response!r} is not a response.", "The Chair either affirmed or challenged the CIEC's "
                         "recommendation: --chair affirmed or --chair challenged.")
    decision = canonical_recommendation(decision)
    _need_text(rationale, "--rationale", "the Chair's reasons")
    if state.recommendation is None:
        raise InputError(f"{case.reference} has no CIEC recommendation yet: the Independent Chair decides on one.",
                         f"Record it first: lifkit decide {case.reference} --ciec RECOMMENDATION --rationale TEXT")
    if state.decided and not amend:
        raise InputError(f"{case.reference} was already decided ({state.chair['decision']}) on "
                         f"{format_date(state.decision_date)}.",
                         "To change it, give --amend \"the reason\": the change is recorded beside the original.")
    if response == "affirmed" and decision != state.recommendation["recommendation"]:
        raise InputError(f"The Chair affirmed the CIEC's recommendation ({state.recommendation['recommendation']}), "
                         f"but the decision given is {decision}.", "Use --chair challenged, or give the same decision.")
    reviewers = [r.strip() for r in reviewers if r.strip()]  # often appointed later: the notice says so
    on = today()
    event = record_event(case.folder, "decided", response=response, decision=decision, rationale=rationale.strip(),
                         reviewers=reviewers, date=on, amends=amend or None, relationship=relationship.strip(),
                         criminal_investigation=criminal_investigation, reason_not_met=(reason_not_met or "").strip())
    notices = write_notices(ws, case.reference)
    warning = sync_case(ws, case.reference, _decision_row(ws, case, "Independent Chair", f"{decision} ({response})",
                                                          rationale, amend))
    return DecisionOutcome(case.reference, event, write_summary(ws, case.reference), notices, warning)


def record_notified(ws, reference: str, notice: str, on: dt.date) -> DecisionOutcome:
    """Record that Ofsted, the National Panel or the referrer was told of the decision."""
    case = load_case(ws, reference)
    notice = notice.lower()
    if notice not in NOTICES:
        raise InputError(f"{notice!r} is not a notice.", "Use ofsted, panel or referrer.")
    state = decision_state(case)
    if not state.decided:
        raise InputError(f"{case.reference} has no decision yet, so nobody has been told of one.",
                         f"Record the Chair's decision first: lifkit decide {case.reference} --chair ...")
    if on > today():
        raise InputError(f"{format_date(on)} is in the future.", "Give the date the notice was sent.")
    event = record_event(case.folder, "notified", notice=notice, on=on)
    warning = sync_case(ws, case.reference)
    return DecisionOutcome(case.reference, event, write_summary(ws, case.reference), register_warning=warning)


def _need_text(value: str | None, option: str, what: str) -> None:
    if not value or not value.strip():
        raise InputError(f"{option} is empty.", f"Give {what}.")


def _criteria(given: dict[str, str] | None) -> dict[str, str]:
    views = {}
    keys = {short: name for name, short, _ in CRITERIA}
    for short, view in (given or {}).items():
        short = short.strip().lower().replace("(", "").replace(")", "")
        if short not in keys:
            raise InputError(f"{short!r} is not a criterion.", "Use " + ", ".join(keys) + " (e.g. --criterion a=met).")
        view = view.strip().lower().replace("-", " ")
        if view not in CRITERION_VIEWS:
            raise InputError(f"{view!r} is not a view of a criterion.", "Use met, not-met or unclear.")
        views[keys[short]] = view
    return views


# --- CIGSUM1 ----------------------------------------------------------------------------------


def summary_path(case: Case) -> Path:
    return case.folder / f"CIGSUM1-{case.reference}.docx"


def summary_context(ws, case: Case) -> dict[str, Any]:
    from lifkit.steps.exchange import case_status

    state = decision_state(case)
    referral = (case.referral or {}).get("values", {})
    status = case_status(ws, case.reference)
    rec = state.recommendation or {}
    chair = state.chair or {}
    meetings = sorted({e["meeting"] for e in ([rec] if rec else []) + state.further_info if e.get("meeting")}
                      | ({case.meeting_date.isoformat()} if case.meeting_date else set()))

    def day(value) -> str:
        if not value:
            return "-"
        return format_date(dt.date.fromisoformat(value) if isinstance(value, str) else value)

    views = rec.get("criteria") or {}
    return {
        "board_name": ws.settings.board_name, "case_ref": case.reference, "prepared": format_date(today()),
        "child_name": case.child.name or "-", "child_dob": day(case.child.dob), "child_dod": day(case.child.dod),
        "notified": day(case.notified), "decision_due": day(case.decision_due),
        "referrer": ", ".join(x for x in (referral.get("lead_name"), referral.get("lead_position"),
                                          referral.get("agency")) if x) or "-",
        "meetings": ", ".join(day(m) for m in meetings) or "-",
        "agencies_asked": ", ".join(m.code for m in status.members) or "none yet",
        "returns_received": ", ".join(f"{m.code} ({day(m.returned)}{'' if m.valid else ', invalid'})"
                                      for m in status.members if m.returned) or "none yet",
        "summary": referral.get("summary") or "-",
        "criteria": [{"label": label, "referrer": "Yes" if referral.get(name) else "No",
                      "view": views.get(name, "to be decided" if not rec else "unclear")}
                     for name, _, label in CRITERIA],
        "recommendation": rec.get("recommendation", "Not yet made"),
        "recommendation_meeting": day(rec.get("meeting")), "recommendation_rationale": rec.get("rationale", "-"),
        "further_info": "\n".join(f"{day(e['date'])}: {e['rationale']} (next meeting {day(e['next_meeting'])})"
                                  for e in state.further_info) or "-",
        "chair_response": chair.get("response", "Not yet given").capitalize(),
        "decision": chair.get("decision", "Not yet made"), "decision_rationale": chair.get("rationale", "-"),
        "decision_date": day(chair.get("date")), "reviewers": ", ".join(chair.get("reviewers") or []) or "-",
        "amendments": "\n".join(f"{day(a['date'])}: {a['what']} changed from {a['was']}: {a['reason']}"
                                for a in state.amendments) or "None",
        "ofsted_notified": day(state.notified.get("ofsted")),
        "panel_notified": day(state.notified.get("panel")) + (
            f" (due {day(state.panel_due)})" if state.panel_due and "panel" not in state.notified else ""),
        "referrer_notified": day(state.notified.get("referrer")),
    }


def write_summary(ws, reference: str) -> Path:
    """Make the case's CIGSUM1 again from the case folder (called after every change)."""
    from lifkit.documents.wordform import render_document

    case = load_case(ws, reference)
    path = summary_path(case)
    render_document("cigsum1.docx", summary_context(ws, case), path, f"CIGSUM1 LSCB CIG Case Summary {case.reference}")
    return path


# --- notices ----------------------------------------------------------------------------------


def _age(born: dt.date | None, on: dt.date) -> str | None:
    if not born:
        return None
    months = (on.year - born.year) * 12 + on.month - born.month - (1 if on.day < born.day else 0)
    if months < 0:
        return None
    if months < 24:
        return f"{months} month{'s' if months != 1 else ''}"
    return f"{months // 12} years"


def sensitive_strings(ws, case: Case) -> set[str]:
    """Everything in the case folder that identifies a person: names (and their parts), dates of birth in
    the ways they are written, addresses (and their lines)."""
    from lifkit.steps.exchange import load_returns

    texts: set[str] = set()
    people = [case.child, *case.people]
    referral = (case.referral or {}).get("values", {})
    names = [p.name for p in people] + [referral.get("lead_name", "")]
    for member in ws.settings.members:
        for submission in load_returns(case, member.code):
            values = submission.get("values") or {}
            names += [values.get("completed_name", ""), values.get("checked_by_name", "")]
            names += [row.get("name", "") for row in values.get("practitioners") or []]
    for name in filter(None, (n.strip() for n in names)):
        texts.add(name)
        texts.update(part for part in re.split(r"[\s,]+", name) if len(part) >= 3)
    for person in people:
        for day in filter(None, (person.dob, person.dod)):
            texts.update({format_date(day), day.isoformat(), f"{day.day}/{day.month}/{day.year}",
                          f"{day.day} {day.strftime('%B %Y')}", f"{day.day} {day.strftime('%b %Y')}"})
        for address in filter(None, (person.address,)):
            texts.add(address.strip())
            texts.update(line.strip().strip(",") for line in re.split(r"[\n,]", address) if len(line.strip()) >= 4)
    return {t for t in texts if t}


def scrub(text: str, sensitive: set[str]) -> str:
    """``text`` with every sensitive string in it (as a whole word) replaced by [removed], longest first."""
    for item in sorted(sensitive, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(item)}(?!\w)", "[removed]", text, flags=re.IGNORECASE)
    return text


def _identifying(ws, case: Case) -> set[str]:
    """The whole names, dates of birth and addresses of the case: none may reach an anonymised notice."""
    return {item for item in sensitive_strings(ws, case) if " " in item or "/" in item or "-" in item}


def _panel_details(ws, case: Case, state: DecisionState, sensitive: set[str]) -> list[str]:
    from lifkit.steps.exchange import load_returns

    referral = (case.referral or {}).get("values", {})
    on = case.child.dod or case.notified or today()
    nature = []
    if referral.get("criterion_b_i") or case.child.dod:
        nature.append("the child died")
    if referral.get("criterion_b_ii"):
        nature.append("the child was seriously harmed")
    if referral.get("criterion_a"):
        nature.append("abuse or neglect is known or suspected")
    if referral.get("criterion_custody"):
        nature.append("the child died in custody or detention")
    if referral.get("criterion_looked_after"):
        nature.append("the child was looked after")
    ages = []
    child_age = _age(case.child.dob, on)
    if child_age:
        ages.append(f"the child, aged {child_age}")
    for person in case.people:
        age = _age(person.dob, on)
        if age and (age.endswith("months") or age.endswith("month") or int(age.split()[0]) < 18):
            ages.append(f"{scrub(person.relationship, sensitive) or 'another child'}, aged {age}")
    agencies = []
    for member in ws.settings.members:
        submissions = load_returns(case, member.code)
        values = submissions[-1].get("values", {}) if submissions else {}
        if values.get("child_known") == "Yes" or values.get("others_known") == "Yes":
            agencies.append(member.agency)
    chair = state.chair or {}
    return [
        f"Nature of the incident: {'; '.join(nature) or 'not recorded'}.",
        f"Ages of the children: {'; '.join(ages) or 'not recorded'}.",
        f"Relationship of the child to the alleged perpetrator: "
        f"{scrub(chair.get('relationship') or 'not recorded', sensitive)}.",
        f"Agencies involved with the child or family: {', '.join(agencies) or 'none recorded'}.",
        f"Criminal investigation: {chair.get('criminal_investigation') or 'unknown'}.",
    ]


def write_notices(ws, reference: str) -> list[Path]:
    """Drafts telling the referrer, Ofsted and the National Panel of the decision (in the case's outbox)."""
    case = load_case(ws, reference)
    state = decision_state(case)
    chair = state.chair
    referral = (case.referral or {}).get("values", {})
    settings = ws.settings
    sender = settings.business_manager.email
    signature = f"\n{settings.business_manager.name}\nLSCB Business Manager, {settings.board_name}\n"
    decided_on = format_date(state.decision_date)
    outbox = case.folder / "outbox"
    outbox.mkdir(exist_ok=True)
    reviewers = ", ".join(chair["reviewers"]) if chair["reviewers"] else "to be appointed"
    drafts = []

    referrer_body = (f"Case {case.reference}: the LSCB Independent Chair has decided on the referral you made to the "
                     f"Critical Incident Evidence Committee.\n\nDecision ({decided_on}): {chair['decision']}.\n"
                     f"Reasons: {chair['rationale']}\n" + signature)
    drafts.append(_draft(outbox, f"notice-referrer-{case.reference}.eml", sender, referral.get("lead_email", ""),
                         f"CIEC decision {chr(0x2014)} {case.reference}", referrer_body))

    ofsted_body = (f"Case {case.reference}: the {settings.board_name} has decided whether to initiate a Serious Case "
                   f"Review.\n\nDecision ({decided_on}): {chair['decision']}.\n"
                   + (f"Reviewer(s): {reviewers}.\n" if state.scr else "") + signature)
    drafts.append(_draft(outbox, f"notice-ofsted-{case.reference}.eml", sender, settings.notifications.get("ofsted", ""),
                         f"Serious Case Review decision {chr(0x2014)} {case.reference}", ofsted_body))

    if state.scr:
        panel_body = (f"Case {case.reference}: the {settings.board_name} has initiated a Serious Case Review "
                      f"({decided_on}).\n\nReviewer(s) appointed: {reviewers}.\n" + signature)
    else:
        # Anonymised: the free text typed by people is scrubbed of every name, date of birth and address in
        # the case folder; the details are made from ages, criteria and agency names only.
        sensitive = sensitive_strings(ws, case)
        reason = scrub(chair.get("reason_not_met") or chair["rationale"], sensitive)
        details = "\n".join(f"- {line}" for line in _panel_details(ws, case, state, sensitive))
        panel_body = (f"Case {case.reference}: the {settings.board_name} has decided not to initiate a Serious Case "
                      f"Review ({decided_on}). Decision: {chair['decision']}.\n\n"
                      f"Why the criteria are not met: {reason}\n\nBrief anonymised details:\n{details}\n" + signature)
        leaked = [item for item in _identifying(ws, case) if item.lower() in panel_body.lower()]
        if leaked:  # a guard against a future change to the wording above
            raise LifkitError("The National Panel notice would hold personal details, so it was not written.")
    drafts.append(_draft(outbox, f"notice-panel-{case.reference}.eml", sender, settings.notifications.get("panel", ""),
                         f"Serious Case Review notification {chr(0x2014)} {case.reference}", panel_body))
    record_event(case.folder, "notices drafted", drafts=[d.name for d in drafts],
                 panel_due=state.panel_due)
    return drafts


def _draft(outbox: Path, name: str, sender: str, to: str, subject: str, body: str) -> Path:
    path = outbox / name
    path.write_bytes(build_draft(sender, to, subject, body))
    return path


# --- overdue ----------------------------------------------------------------------------------


@dataclass
class OverdueItem:
    reference: str
    what: str
    due: dt.date | None
    days: int | None  # days left (negative: late)
    late: bool


def overdue(ws) -> list[OverdueItem]:
    """Across all cases: decisions due within 7 days or late, panel notices due or late, CIGINF1 returns
    overdue, notifications not yet recorded."""
    from lifkit.steps.exchange import case_status

    on = today()
    items: list[OverdueItem] = []
    for reference in case_references(ws):
        case = load_case(ws, reference)
        state = decision_state(case)
        if not state.decided and case.decision_due:
            days = (case.decision_due - on).days
            if days <= DUE_SOON_DAYS:
                items.append(OverdueItem(reference, "SCR decision (one month from notification)", case.decision_due,
                                         days, days < 0))
        if state.decided:
            if state.panel_due and "panel" not in state.notified:
                days = (state.panel_due - on).days
                if days <= DUE_SOON_DAYS:
                    items.append(OverdueItem(reference, "National Panel notice (14 days after the decision)",
                                             state.panel_due, days, days < 0))
            if "ofsted" not in state.notified:
                days = (state.decision_date - on).days
                items.append(OverdueItem(reference, "Ofsted notification (straight after the decision)",
                                         state.decision_date, days, days < 0))
            if "referrer" not in state.notified:
                items.append(OverdueItem(reference, "referrer not yet told of the decision (not recorded)",
                                         state.decision_date, None, False))
            if state.scr and "panel" not in state.notified:
                items.append(OverdueItem(reference, "National Panel not yet told of the SCR (not recorded)",
                                         state.decision_date, None, False))
        else:
            for member in case_status(ws, reference).members:
                if member.overdue:
                    items.append(OverdueItem(reference, f"CIGINF1 return from {member.code}", member.due,
                                             (member.due - on).days, True))
    return items


# --- the year's figures -----------------------------------------------------------------------


@dataclass
class YearReport:
    year: int
    cases: int
    by_agency: dict[str, int]
    by_route: dict[str, int]
    by_recommendation: dict[str, int]
    by_decision: dict[str, int]
    challenged: int
    decided: int
    days_to_decision: list[int]
    within_one_month: int
    workbook: Path | None = None

    @property
    def median_days(self) -> float | None:
        import statistics

        return statistics.median(self.days_to_decision) if self.days_to_decision else None

    @property
    def share_within_one_month(self) -> float | None:
        return self.within_one_month / self.decided if self.decided else None


def year_report(ws, year: int, output: Path | None = None) -> YearReport:
    """The year's figures from the case folders (cases notified in ``year``), and a workbook with charts."""
    from collections import Counter

    agencies, routes, recommendations, decisions = Counter(), Counter(), Counter(), Counter()
    challenged = decided = within = 0
    days: list[int] = []
    count = 0
    for reference in case_references(ws):
        case = load_case(ws, reference)
        if not case.notified or case.notified.year != year:
            continue
        count += 1
        referral = (case.referral or {}).get("values", {})
        agencies[referral.get("agency") or "not recorded"] += 1
        routes[referral.get("referral_route") or "not recorded"] += 1
        state = decision_state(case)
        recommendations[(state.recommendation or {}).get("recommendation", "none yet")] += 1
        if state.decided:
            decided += 1
            decisions[state.chair["decision"]] += 1
            challenged += state.chair["response"] == "challenged"
            taken = (state.decision_date - case.notified).days
            days.append(taken)
            within += state.decision_date <= case.decision_due
        else:
            decisions["none yet"] += 1
    report = YearReport(year, count, dict(agencies), dict(routes), dict(recommendations), dict(decisions), challenged,
                        decided, days, within)
    if output is not None:
        report.workbook = _report_workbook(report, Path(output))
    return report


def _report_workbook(report: YearReport, path: Path) -> Path:
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.chart import BarChart, PieChart, Reference
    from openpyxl.styles import Font

    from lifkit.mechanics.files import atomic_write_bytes
    from lifkit.mechanics.xlsx import append_row

    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path} does not end in .xlsx.", "Name the report file ....xlsx.")
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    rows = [("Year", report.year), ("Cases referred", report.cases), ("Decided", report.decided),
            ("Chair challenged the CIEC", report.challenged),
            ("Median days from notification to decision", report.median_days),
            ("Decided within one month", report.within_one_month),
            ("Share decided within one month", report.share_within_one_month)]
    summary.append(("Figure", "Value"))
    for row in rows:
        summary.append(row)
    summary["B8"].number_format = "0%"
    for cell in summary[1]:
        cell.font = Font(bold=True)
    summary.column_dimensions["A"].width = 44
    for title, data, chart_kind in (("By referring agency", report.by_agency, "bar"),
                                    ("By route", report.by_route, "pie"),
                                    ("By recommendation", report.by_recommendation, "bar"),
                                    ("By decision", report.by_decision, "bar")):
        sheet = workbook.create_sheet(title)
        sheet.append((title.replace("By ", "").capitalize(), "Cases"))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for key, value in sorted(data.items(), key=lambda kv: (-kv[1], kv[0])):
            append_row(sheet, (key, value))  # names from returned forms: text, never a formula
        sheet.column_dimensions["A"].width = 34
        chart = PieChart() if chart_kind == "pie" else BarChart()
        chart.title = f"Cases {title.lower()}, {report.year}"
        values = Reference(sheet, min_col=2, min_row=1, max_row=max(2, len(data) + 1))
        labels = Reference(sheet, min_col=1, min_row=2, max_row=max(2, len(data) + 1))
        chart.add_data(values, titles_from_data=True)
        chart.set_categories(labels)
        sheet.add_chart(chart, "D2")
    days_sheet = workbook.create_sheet("Days to decision")
    days_sheet.append(("Case", "Days from notification to decision"))
    for number, value in enumerate(report.days_to_decision, start=1):
        days_sheet.append((number, value))
    if report.days_to_decision:
        chart = BarChart()
        chart.title = "Days from notification to decision"
        chart.add_data(Reference(days_sheet, min_col=2, min_row=1, max_row=len(report.days_to_decision) + 1),
                       titles_from_data=True)
        days_sheet.add_chart(chart, "D2")
    buffer = BytesIO()
    workbook.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return path
