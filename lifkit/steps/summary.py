"""The case's summary document (CIGSUM1, or the Summary and Outcome of the Rapid Review) and the Panel's copy.

The summary is composed from the case folder: the case, the referral, and each agency's own words from
its return, gathered part by part as the process names them (``summary.parts``: each part's heading and
the request form's boxes it gathers), with the agencies' chronologies merged, the criteria with the
panel's and each agency's view, the recommendation, the sign-offs (declines with their reasons) and the
notices. It is a draft a person may edit (:mod:`lifkit.documents.drafts`): an edited summary is never
overwritten; the new draft goes beside it.

When the decision stands, the Panel's copy is made from the current version (the one the partners
signed): as Word, and as PDF where LibreOffice is at hand, anonymised when the notice that carries it
says so (names, dates of birth and addresses replaced, whole words and whole dates only).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifkit.case.folder import Case, journal, load_case, load_returns
from lifkit.case.state import DecisionSoFar, case_state, decision_so_far
from lifkit.mechanics.dates import format_date, today

CHARS_A_PAGE = 3000  # about what an A4 page of the summary holds, for deciding on a table of contents
ROWS_A_PAGE = 30
TOC_AFTER_PAGES = 6


def summary_path(ws, case: Case) -> Path:
    """Where the summary's first version is (its later versions go beside it: ``-v2``...)."""
    return case.folder / f"{ws.process.summary_id}-{case.reference}.docx"


def _day(value) -> str:
    if not value:
        return "-"
    return format_date(dt.date.fromisoformat(value) if isinstance(value, str) else value)


def _state(ws, case: Case) -> DecisionSoFar:
    return decision_so_far(ws.process, journal(case.folder))


# --- what the agencies wrote ------------------------------------------------------------------------


def _current_returns(ws, case: Case) -> list[tuple[Any, dict, bool]]:
    """(member, its current return's values, valid) for each agency that returned, in the members' order."""
    found = []
    for member in ws.settings.members:
        submissions = load_returns(case, member.code)
        if submissions:
            found.append((member, submissions[-1].get("values") or {}, bool(submissions[-1].get("valid"))))
    return found


def _answer(form, name: str, value) -> dict | None:
    """One box's answer as the summary prints it (label from the form), or None when it is empty."""
    if value is None or value == "" or value == []:
        return None
    try:
        box = form.field(name)
    except KeyError:
        return None
    if box.type == "rows":
        return None  # tables are merged in their own part
    if box.type == "date":
        value = _day(value)
    return {"label": box.label, "text": str(value).strip()}


def _agency_answers(ws, case: Case, fields: tuple[str, ...], returns) -> list[dict]:
    from lifkit.documents.formdef import load_form

    form = load_form(ws.process.request_form, ws.root)
    agencies = []
    for member, values, valid in returns:
        answers = [a for a in (_answer(form, name, values.get(name)) for name in fields) if a]
        if answers:
            agencies.append({"agency": member.agency + ("" if valid else " (its return is not yet valid)"),
                             "code": member.code, "answers": answers})
    return agencies


def _merged_rows(ws, case: Case, table: str, returns) -> tuple[list[str], list[dict]]:
    """Every agency's rows of the request form's table ``table``, in date order, each with its agency."""
    from lifkit.documents.formdef import load_form

    form = load_form(ws.process.request_form, ws.root)
    try:
        box = form.field(table)
    except KeyError:
        return [], []
    columns = list(box.columns)
    rows = []
    for member, values, _valid in returns:
        for row in values.get(table) or []:
            cells = []
            for column in columns:
                value = row.get(column.name)
                cells.append(_day(value) if column.type == "date" and value else str(value or "").strip())
            if any(cells):
                first = row.get(columns[0].name) if columns and columns[0].type == "date" else None
                rows.append({"sort": (str(first or "9999"), member.code), "agency": member.code, "cells": cells})
    rows.sort(key=lambda r: r["sort"])
    # four columns in the template: the first column, the agency, then the rest joined in two
    shaped = []
    for row in rows:
        cells = row["cells"]
        middle = cells[1] if len(cells) > 1 else ""
        rest = "; ".join(c for c in cells[2:] if c)
        shaped.append({"c1": cells[0] if cells else "", "agency": row["agency"], "c2": middle, "c3": rest})
    headings = [columns[0].label if columns else "", "Agency", columns[1].label if len(columns) > 1 else "",
                " / ".join(c.label for c in columns[2:])]
    return headings, shaped


# --- the context --------------------------------------------------------------------------------------


def referral_display(form_id: str, values: dict, root=None) -> dict[str, str]:
    """Every box of the referral form as the summary shows it (a template may use any, as
    ``{{ referral.<box> }}``): dates dd/mm/yyyy, ticks Yes or No, a table one line per row, "-" when empty."""
    from lifkit.documents.formdef import load_form

    def show(value) -> str:
        if value in (None, "", []):
            return "-"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, dt.date):
            return format_date(value)
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return format_date(dt.date.fromisoformat(value))
        if isinstance(value, list):
            return "\n".join(", ".join(show(v) for v in row.values() if v not in (None, "")) if isinstance(row, dict)
                             else show(row) for row in value) or "-"
        return str(value)

    shown = {}
    for field in load_form(form_id, root).fields:
        value = values.get(field.name)
        shown[field.name] = ("Yes" if value else "No") if field.type == "tick" else show(value)
    return shown


def summary_context(ws, case: Case) -> dict[str, Any]:
    """Everything the summary template shows (see templates/README.md for the variables)."""
    process = ws.process
    state = _state(ws, case)
    referral = (case.referral or {}).get("values", {})
    status = case_state(ws, case.reference, case)
    rec = state.recommendation or {}
    chair = state.chair or {}
    meetings = sorted({e["meeting"] for e in ([rec] if rec else []) + state.further_info if e.get("meeting")}
                      | ({case.meeting_date.isoformat()} if case.meeting_date else set()))
    views = rec.get("criteria") or {}
    notices = {n.id: n for n in status.notices}
    from lifkit.documents.formdef import load_form

    asked = {f.name for f in load_form(process.referral_form, ws.root).fields}  # a criterion may have no box

    def told(ident: str) -> str:
        notice = notices.get(ident)
        if notice is None:
            return "-"
        text = _day(notice.sent) if notice.sent else "not yet sent"
        if notice.due and not notice.sent:
            text += f" (due {_day(notice.due)})"
        if notice.superseded:
            text += f" (earlier notice of {', '.join(_day(d) for d in notice.superseded)} superseded)"
        return text

    partners = []
    for partner in process.decision.partners:
        signed = state.signoffs.get(partner.code)
        declined = state.declined.get(partner.code)
        partners.append({"code": partner.code, "name": partner.name,
                         "signed": _day(signed["date"]) if signed else (
                             f"DECLINED on {_day(declined['date'])}: {declined['reason']}" if declined else "awaited"),
                         "by": (signed or {}).get("name") or "-"})
    flags = rec.get("flags") or {}
    closed = state.close_event or {}
    context = {
        "board_name": ws.settings.board_name, "case_ref": case.reference, "prepared": format_date(today()),
        "title": process.summary_title, "process_name": process.name,
        "marking": getattr(ws.settings, "marking", "") or process.summary_marking,  # the board's, else the process's
        "subject_name": case.subject.name or "-", "subject_dob": _day(case.subject.dob),
        "subject_dod": _day(case.subject.dod), "subject_word": process.subject.one,
        # lifkit 0.1.0's names, which a workspace's copy of an old template may still use
        "child_name": case.subject.name or "-", "child_dob": _day(case.subject.dob), "child_dod": _day(case.subject.dod),
        "notified": _day(case.notified), "notified_label": process.term("notified_short"),
        "decision_due": _day(status.decision_due),
        "referrer": ", ".join(x for x in (referral.get("lead_name"), referral.get("lead_position"),
                                          referral.get("agency")) if x) or "-",
        "meetings": ", ".join(_day(m) for m in meetings) or "-",
        "agencies_asked": ", ".join(m.code for m in status.members) or "none yet",
        "returns_received": ", ".join(f"{m.code} ({_day(m.returned)}{'' if m.valid else ', invalid'})"
                                      for m in status.members if m.returned) or "none yet",
        "summary": referral.get("summary") or referral.get("incident_summary") or "-",
        "referral": referral_display(process.referral_form, referral, ws.root),
        "incident_date": _day(referral.get("incident_date")),
        "criteria": [{"label": c.label,
                      "referrer": ("Yes" if referral.get(c.field) else "No") if c.field in asked else "-",
                      "view": views.get(c.field, "to be decided" if not rec else "unclear"),
                      # each partner's own view, given when it signed (or declined)
                      "partners": "; ".join(f"{code}: {event['criteria'][c.field]}" for code, event in
                                            [*state.signoffs.items(), *state.declined.items()]
                                            if (event.get("criteria") or {}).get(c.field))}
                     for c in process.criteria],
        "recommendation": rec.get("recommendation", "Not yet made"),
        "recommendation_meeting": _day(rec.get("meeting")), "recommendation_rationale": rec.get("rationale", "-"),
        "learning": rec.get("learning") or "-",
        "national_review": "Yes" if flags.get("national_review") else ("No" if rec else "-"),
        "further_info": "\n".join(f"{_day(e['date'])}: {e['rationale']} (next meeting {_day(e['next_meeting'])})"
                                  for e in state.further_info) or "-",
        "chair_response": chair.get("response", "Not yet given").capitalize(),
        "decision": state.outcome or "Not yet made",
        "decision_rationale": closed.get("rationale") or chair.get("rationale")
        or (rec.get("rationale", "-") if state.decided else "-"),
        "decision_date": _day(state.decision_date), "reviewers": ", ".join(chair.get("reviewers") or []) or "-",
        "partners": partners,
        "declined": [p for p in partners if p["signed"].startswith("DECLINED")],
        "amendments": "\n".join(f"{_day(a['date'])}: {a['what']} changed from {a['was']}: {a['reason']}"
                                for a in state.amendments) or "None",
        "ofsted_notified": told("ofsted"), "panel_notified": told("panel"), "referrer_notified": told("referrer"),
        "notices": [{"label": process.notice(n.id).label, "told": told(n.id),
                     "reply": (f"{_day(n.reply)}: {'agreed' if n.agreed else 'did not agree'}" if n.reply
                               else ("awaited" if n.expects_reply and n.sent else "-"))}
                    for n in status.notices],
        "deadlines": [{"label": d.label, "due": _day(d.due), "done": _day(d.done)} for d in status.deadlines],
    }
    context["parts"] = _parts(ws, case, state, status, context) if process.summary_parts else []
    context["logo"] = None
    return context


def _rows(pairs) -> list[dict]:
    return [{"label": label, "value": value if value not in (None, "") else "-"} for label, value in pairs]


def _parts(ws, case: Case, state: DecisionSoFar, status, context: dict) -> list[dict]:
    """The process's parts of the summary, each with what the template draws under its heading: ``rows``
    (a label/value table), ``paragraphs`` (a label and long text), ``table`` (three columns),
    ``chronology`` (the merged rows), ``agencies`` (each agency's own words), ``note`` (when empty)."""
    process = ws.process
    referral = (case.referral or {}).get("values", {})
    returns = _current_returns(ws, case)
    rec = state.recommendation or {}
    parts = []
    for part in process.summary_parts:
        item: dict[str, Any] = {"id": part.id, "title": part.title, "rows": [], "paragraphs": [], "table": None,
                                "chronology": None, "agencies": [], "note": ""}
        if part.id == "case":
            item["rows"] = _rows([
                ("Case reference", case.reference),
                (process.term("notified_short"), context["notified"]),
                ("Referrer and agency", context["referrer"]),
                (process.term("meeting").capitalize(), context["meetings"]),
                (f"Agencies asked for an {process.term('request')}", context["agencies_asked"]),
                ("Returns received", context["returns_received"]),
                (process.terms.get("decision_due_label", "Decision due"), context["decision_due"]),
            ])
        elif part.id == "family":
            word = process.subject.one.capitalize()
            rows = []
            for number, subject in enumerate(case.subjects, start=1):
                label = f"{word} {number}" if len(case.subjects) > 1 else word
                rows += [(label, subject.name), (f"{label}: date of birth", _day(subject.dob)),
                         (f"{label}: date of death", _day(subject.dod)), (f"{label}: address", subject.address)]
            rows += [("Legal status", referral.get("legal_status")),
                     ("Household and significant people",
                      "\n".join(f"{p.name}{' (' + p.relationship + ')' if p.relationship else ''}"
                                f"{', born ' + _day(p.dob) if p.dob else ''}" for p in case.people) or "-")]
            item["rows"] = _rows(rows)
        elif part.id == "incident":
            item["rows"] = _rows([("Date of the incident", context["incident_date"]),
                                  ("Nature of the incident", referral.get("incident_nature"))])
            item["paragraphs"] = [{"label": "What happened, as referred", "text": context["summary"]}]
        elif part.id == "criteria":
            item["table"] = {"headings": ["Criterion", "Ticked by the referrer",
                                          f"The {process.recommendation.by}'s view"
                                          + (f" (and each of the {process.decision.by}')" if process.decision.partners
                                             else "")],
                             "rows": [{"c1": c["label"], "c2": c["referrer"],
                                       "c3": c["view"] + (f" (partners: {c['partners']})" if c["partners"] else "")}
                                      for c in context["criteria"]]}
        elif part.id == "national":
            item["rows"] = _rows([(process.decision.flags[0].label if process.decision.flags else
                                   "The case may need a national review", context["national_review"])])
        elif part.id == "outcome":
            closed = state.close_event or {}
            if closed:
                item["rows"] = _rows([("Outcome", closed["outcome"]), ("Why", closed.get("rationale")),
                                      ("Date", _day(closed["date"]))])
            else:
                item["rows"] = _rows([
                    ("Recommended outcome", context["recommendation"]),
                    (process.term("meeting").capitalize(), context["recommendation_meeting"]),
                    ("How the learning will be taken forward", context["learning"]),
                    ("Further information asked for", context["further_info"]),
                ])
                item["paragraphs"] = [{"label": "Rationale", "text": context["recommendation_rationale"]}]
        elif part.id == "signoff":
            item["table"] = {"headings": [process.decision.by.capitalize()[:-1] if process.decision.by.endswith("s")
                                          else process.decision.by.capitalize(), "Signed off", "Signed by"],
                             "rows": [{"c1": f"{p['name']} ({p['code']})", "c2": p["signed"], "c3": p["by"]}
                                      for p in context["partners"]]}
            item["rows"] = _rows([("Outcome", context["decision"]), ("Date the outcome stood", context["decision_date"]),
                                  ("Amendments", context["amendments"])])
            if context["declined"]:
                item["paragraphs"] = [{"label": "What happens next", "text":
                                       "A partner has declined to sign. The recommendation is amended "
                                       f"(lifkit decide {case.reference} --recommend OPTION --amend \"why\"), and the "
                                       "partners sign the new outcome; or the partner signs later."}]
        elif part.id == "notices":
            item["table"] = {"headings": ["Notice", "Sent", "Reply"],
                             "rows": [{"c1": n["label"], "c2": n["told"], "c3": n["reply"]} for n in context["notices"]]}
        if part.table:
            headings, rows = _merged_rows(ws, case, part.table, returns)
            if rows:
                item["chronology"] = {"headings": headings, "rows": rows}
        if part.fields:
            item["agencies"] = _agency_answers(ws, case, part.fields, returns)
        if part.id == "criteria" and rec.get("rationale"):
            item["paragraphs"] = [{"label": f"The {process.recommendation.by}'s rationale", "text": rec["rationale"]}]
        if not (item["rows"] or item["paragraphs"] or item["table"] or item["chronology"] or item["agencies"]):
            item["note"] = "Nothing recorded yet." if not returns else "No agency wrote anything under this heading."
        parts.append(item)
    return parts


def _pages(context: dict) -> float:
    """About how many pages the summary runs to."""
    chars = rows = 0
    for part in context.get("parts") or []:
        rows += 3 + len(part["rows"]) + len((part["table"] or {}).get("rows") or [])
        rows += len((part["chronology"] or {}).get("rows") or []) * 2
        for text in [p["text"] for p in part["paragraphs"]] + [a["text"] for ag in part["agencies"]
                                                                for a in ag["answers"]]:
            chars += len(text) + 80
        rows += 2 * len(part["agencies"])
    return chars / CHARS_A_PAGE + rows / ROWS_A_PAGE


# --- writing it -------------------------------------------------------------------------------------


def _logo(ws) -> Path | None:
    for name in ("logo.png", "logo.jpg", "logo.jpeg"):
        path = ws.root / "templates" / name
        if path.is_file():
            return path
    return None


def summary_bytes(ws, case: Case) -> bytes:
    from lifkit.documents.wordform import render_document_bytes

    process = ws.process
    context = summary_context(ws, case)
    toc = bool(context["parts"]) and _pages(context) > TOC_AFTER_PAGES
    data = render_document_bytes(process.summary_template, context,
                                 f"{process.summary_id} {process.summary_title} {case.reference}", root=ws.root,
                                 images={"logo": _logo(ws)} if context["parts"] else None)
    if context["parts"]:
        data = _finish_word(data, toc)
    return data


def write_summary(ws, reference: str):
    """Draft the case's summary from the case folder (after every change): in place of lifkit's last draft
    if nobody edited it, else beside the edited one. Returns :class:`lifkit.documents.drafts.Written`."""
    from lifkit.documents.drafts import write_draft

    case = load_case(ws, reference)
    return write_draft(summary_path(ws, case), summary_bytes(ws, case))


def _finish_word(data: bytes, toc: bool) -> bytes:
    """The summary's Word finish: a table of contents (Word fills in its page numbers when the document is
    opened) when it runs past :data:`TOC_AFTER_PAGES` pages."""
    import io

    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    if not toc:
        return data
    document = docx.Document(io.BytesIO(data))
    headings = [p for p in document.paragraphs if p.style is not None and p.style.style_id == "Heading1"]
    anchor = next((p for p in document.paragraphs if p.style is not None and p.style.style_id == "Heading1"), None)
    if anchor is None:
        return data
    entries = []
    for number, paragraph in enumerate(headings, start=1):
        name = f"_Toc_lifkit_{number}"
        start = parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{9000 + number}" w:name="{name}"/>')
        end = parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{9000 + number}"/>')
        paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, start)
        paragraph._p.append(end)
        level = 1 if paragraph.style.style_id == "Heading1" else 2
        entries.append((level, paragraph.text, name))
    from xml.sax.saxutils import escape

    title = parse_xml(f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr>'
                      f'<w:r><w:t>Contents</w:t></w:r></w:p>')
    anchor._p.addprevious(title)
    for index, (level, text, name) in enumerate(entries):
        begin = ('<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
                 '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-1" \\h \\z \\u </w:instrText></w:r>'
                 '<w:r><w:fldChar w:fldCharType="separate"/></w:r>') if index == 0 else ""
        close = '<w:r><w:fldChar w:fldCharType="end"/></w:r>' if index == len(entries) - 1 else ""
        anchor._p.addprevious(parse_xml(
            f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="TOC{level}"/></w:pPr>{begin}'
            f'<w:hyperlink w:anchor="{name}" w:history="1"><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
            f'</w:hyperlink>{close}</w:p>'))
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>')
        # CT_Settings order: updateFields comes after most layout settings; before the compat block is safe
        compat = settings.find(qn("w:compat"))
        (compat.addprevious if compat is not None else settings.append)(update)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- versions: lifkit summary REF [--use v2] -----------------------------------------------------------


@dataclass
class SummaryVersion:
    label: str
    file: Path
    edited: bool
    current: bool
    signed_by: list[str] = field(default_factory=list)  # partner codes that signed this version


@dataclass
class SummaryVersions:
    reference: str
    versions: list[SummaryVersion]
    current: Path | None
    panel_copy: list[Path] = field(default_factory=list)
    written: Path | None = None  # the draft this call wrote (the summary brought up to date)
    message: str | None = None
    notices: list[Path] = field(default_factory=list)  # notices drafted now, finishing a step cut short


def signed_version(ws, case: Case) -> dict | None:
    """The current version of the summary, as a sign-off records it (file, version, SHA-256)."""
    from lifkit.documents.drafts import draft

    current = draft(summary_path(ws, case)).current
    if current is None:
        return None
    return {"file": current.file.name, "version": current.label, "sha256": current.sha256}


def summary_versions(ws, case: Case, use: str | None = None) -> SummaryVersions:
    """The summary's versions (which is current, which a person edited, which the partners signed); with
    ``use``, make that version current."""
    from lifkit.documents.drafts import choose, draft

    path = summary_path(ws, case)
    state = choose(path, use) if use else draft(path)
    decision = _state(ws, case)
    signed: dict[str, list[str]] = {}
    for code, event in decision.signoffs.items():
        version = state.which((event.get("summary") or {}).get("sha256"))
        if version is not None:
            signed.setdefault(version.label, []).append(code)
    current = state.current
    versions = [SummaryVersion(v.label, v.file, v.edited, current is not None and v.number == current.number,
                               sorted(signed.get(v.label, [])))
                for v in state.versions if v.exists]
    return SummaryVersions(case.reference, versions, current.file if current else None,
                           [p for p in panel_paths(ws, case) if p.exists()])


def notices_outstanding(ws, case: Case) -> bool:
    """Whether the decision that stands has had its notices drafted (a step cut short may not have)."""
    events = journal(case.folder)
    state = decision_so_far(ws.process, events)
    if not state.decided:
        return False
    after = False
    for event in events:
        if event is state.decided_event:
            after = True
        elif after and event["event"] == "notices drafted":
            return False
    return True


# --- the Panel's copy ---------------------------------------------------------------------------------


def panel_paths(ws, case: Case) -> list[Path]:
    stem = f"{ws.process.summary_id}-{case.reference}-panel"
    return [case.folder / "outbox" / f"{stem}.docx", case.folder / "outbox" / f"{stem}.pdf"]


def soffice(ws) -> str | None:
    """LibreOffice's soffice: named in lifkit.toml ([tools] soffice), or on the PATH."""
    named = ws.settings.soffice
    if named is False:
        return None
    if named:
        return str(named) if Path(str(named)).is_file() else shutil.which(str(named))
    return shutil.which("soffice") or shutil.which("libreoffice")


@dataclass
class PanelCopy:
    files: list[Path]
    version: str  # the summary's version it was made from
    sha256: str  # of that version
    anonymised: bool
    pdf_hint: str = ""  # how to make the PDF when no converter is at hand


def make_panel_copy(ws, reference: str, notice) -> PanelCopy | None:
    """The Panel's copy of the current (signed) version of the summary: Word, and PDF where LibreOffice is
    at hand; anonymised when ``notice`` says so. None when there is no summary yet."""
    from lifkit.documents.drafts import draft
    from lifkit.mechanics.files import atomic_write_bytes

    case = load_case(ws, reference)
    current = draft(summary_path(ws, case)).current
    if current is None:
        return None
    data = _with_signoff_record(ws, case, current, current.file.read_bytes())
    anonymised = notice.is_anonymised(case_state(ws, case.reference, case).review)
    if anonymised:
        data = anonymise_docx(ws, case, data)
    word, pdf = panel_paths(ws, case)
    word.parent.mkdir(exist_ok=True)
    atomic_write_bytes(word, data)
    files = [word]
    hint = ""
    converter = soffice(ws)
    if converter:
        files.append(to_pdf(converter, word, pdf))
    else:
        pdf.unlink(missing_ok=True)  # never a PDF of another version beside this Word copy
        hint = (f"No PDF was made: LibreOffice (soffice) is not on the PATH or named in lifkit.toml ([tools] soffice). "
                f"To send a PDF, open {word.name} in Word and use File > Save As > PDF.")
    return PanelCopy(files, current.label, current.sha256 or "", anonymised, hint)


def _with_signoff_record(ws, case: Case, version, data: bytes) -> bytes:
    """The signed version with lifkit's record of the sign-off at its end: who signed (or declined) which
    version, when. The version's own text is left as the partners signed it."""
    import io

    import docx

    process = ws.process
    state = _state(ws, case)
    document = docx.Document(io.BytesIO(data))
    styles = {style.name for style in document.styles}

    def paragraph(text: str, style: str) -> None:
        document.add_paragraph(text, style=style if style in styles else None)

    paragraph(f"Record of the {process.decision.title.lower()} (added by lifkit to this copy)", "Heading 1")
    if state.close_event:
        paragraph(f"{state.close_event['outcome']}, {_day(state.close_event['date'])}: {state.close_event.get('rationale', '')}",
                  "Form Answer")
    for partner in process.decision.partners:
        signed = state.signoffs.get(partner.code)
        if signed:
            which = (signed.get("summary") or {}).get("version") or "-"
            text = (f"{partner.name} ({partner.code}): signed off {signed.get('outcome', state.outcome)} on "
                    f"{_day(signed['date'])}" + (f", by {signed['name']}" if signed.get("name") else "")
                    + f"; version signed: {which}.")
        else:
            text = f"{partner.name} ({partner.code}): not signed."
        paragraph(text, "Form Answer")
    if state.chair:
        paragraph(f"{process.decision.by.capitalize()}: {state.chair['response']}, {state.chair['decision']}, "
                  f"{_day(state.chair['date'])}.", "Form Answer")
    paragraph(f"This copy was made from {version.label} of the summary ({version.file.name}; SHA-256 "
              f"{(version.sha256 or '')[:16]}...).", "Form Note")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def to_pdf(converter: str, source: Path, target: Path) -> Path:
    import subprocess
    import tempfile

    from lifkit.errors import ExternalError as ExternalToolError

    with tempfile.TemporaryDirectory() as work:
        profile = Path(work) / "profile"
        try:
            done = subprocess.run([converter, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                                   "--convert-to", "pdf", "--outdir", work, str(source)],
                                  capture_output=True, timeout=180)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ExternalToolError(f"LibreOffice could not make a PDF of {source.name}: {exc}") from None
        made = Path(work) / (source.stem + ".pdf")
        if done.returncode != 0 or not made.is_file():
            raise ExternalToolError(f"LibreOffice could not make a PDF of {source.name} (exit {done.returncode}).",
                                    done.stderr.decode("utf-8", "replace").strip()[-300:] or None)
        from lifkit.mechanics.files import atomic_write_bytes

        atomic_write_bytes(target, made.read_bytes())
    return target


def anonymise_docx(ws, case: Case, data: bytes) -> bytes:
    """The Word document with every name, date of birth or death and address of the case's people replaced
    (whole words and whole dates only), in the body, its tables, headers and footers, and its properties."""
    import io

    import docx

    from lifkit.case.identifiers import case_identifiers

    found = case_identifiers(ws, case)
    document = docx.Document(io.BytesIO(data))

    def paragraphs(container):
        yield from container.paragraphs
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    yield from paragraphs(cell)

    def fix(paragraph) -> None:
        runs = paragraph.runs
        text = "".join(r.text for r in runs)
        scrubbed = found.scrub(text)
        if scrubbed == text or not runs:
            return
        runs[0].text = scrubbed
        for run in runs[1:]:
            run.text = ""

    for paragraph in paragraphs(document):
        fix(paragraph)
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            for paragraph in paragraphs(part):
                fix(paragraph)
    core = document.core_properties
    core.title = found.scrub(core.title or "")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
