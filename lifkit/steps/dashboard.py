"""The dashboard: static pages the whole team opens from a shared drive, made from the case state.

``dashboard/index.html`` lists every open case (its stage in the process's words, what it waits for next
and by when, what is late, returns received of requested, the review's stage), the cases closed this year,
and the year's figures as the year report has them, with small SVG charts and the same figures as tables.
``dashboard/<REF>.html`` shows one case: its clocks as a timeline, the returns, the notices, the
recommendation, decision and sign-offs, the action plan and links to its documents.

The pages are self-contained (inline CSS and SVG, no script, nothing fetched) and carry the workspace's
marking. They show case references and the process's words, never the subject's or anyone's name, date
of birth or address, nor any text a person typed (a rationale, a declined sign-off's reason), which may name
anyone: the case summary and the named copy hold those. ``names=True`` writes a second copy with the
subject's name and date of birth under ``cases/`` (:data:`NAMED_FOLDER`), where the case folders'
protection applies.

Everything comes from :mod:`lifkit.case.state` (the same state ``status`` and ``overdue`` read) and the
year report; the layout is in the Jinja2 templates in ``templates/dashboard/``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lifkit.case.actionplan import action_plan
from lifkit.case.folder import Case, case_references, journal, load_case
from lifkit.case.state import CaseState, CaseSummary, case_summaries, decision_so_far
from lifkit.errors import LifkitError
from lifkit.mechanics.dates import format_date, today

FOLDER = "dashboard"  # in the workspace: the pages without names
NAMED_FOLDER = "dashboard-with-names"  # under cases/: the named copy (`lifkit dashboard --names`)
STAMP = ".built"  # in a dashboard folder: the day its case pages were all made, and whether it has names

# The palette: every pair of text (or a chart's marks) and background the pages use. A test checks each
# pair's WCAG 2.2 contrast ratio (4.5:1 for text, 3:1 for marks); the stylesheet takes its colours from here.
PALETTE = {
    "ink": "#1b1b1b", "paper": "#ffffff", "muted": "#505a5f", "rule": "#6f777b", "band": "#1d3557",
    "band_ink": "#ffffff", "late": "#a4161a", "late_bg": "#fde8e8", "met": "#1d6b35", "met_bg": "#e6f4ea",
    "due": "#7a4d00", "due_bg": "#fff4d6", "link": "#1d4ed8", "bar": "#1d3557", "shade": "#f3f2f1",
    "span": "#dbe4f0", "today": "#a4161a", "focus": "#ffbf47",
}
TEXT_PAIRS = [("ink", "paper"), ("muted", "paper"), ("band_ink", "band"), ("late", "paper"), ("late", "late_bg"),
              ("met", "paper"), ("met", "met_bg"), ("due", "paper"), ("due", "due_bg"), ("link", "paper"),
              ("ink", "shade"), ("ink", "span"), ("ink", "late_bg"), ("ink", "met_bg"), ("ink", "due_bg"),
              ("link", "shade")]
MARK_PAIRS = [("bar", "paper"), ("rule", "paper"), ("today", "paper"), ("late", "paper"), ("met", "paper"),
              ("due", "paper"), ("bar", "shade")]

# the timeline's drawing, in SVG user units
WIDTH, LEFT, RIGHT = 960, 24, 24
ROW = 16


# --- results ------------------------------------------------------------------------------------


@dataclass
class DashboardResult:
    folder: Path
    pages: list[Path]
    cases: int  # case pages written
    named: Path | None = None  # the named copy's folder, when one was written


# --- building ----------------------------------------------------------------------------------------


def build_dashboard(ws, names: bool = False, references: list[str] | None = None) -> DashboardResult:
    """Write the dashboard (and with ``names`` the named copy too): the index, and the page of every case,
    or only of ``references`` when the dashboard's other pages were made today (the index is always made
    whole: it shows every case)."""
    cases = {reference: load_case(ws, reference) for reference in case_references(ws)}
    summaries = case_summaries(ws, include_closed=True, cases=cases)
    decisions = {ref: decision_so_far(ws.process, journal(case.folder)) for ref, case in cases.items()}
    figures = _figures(ws, {s.reference: (cases[s.reference], s.state, decisions[s.reference]) for s in summaries})
    folder = ws.root / FOLDER
    copies = [(folder, False)]
    named = ws.cases_dir / NAMED_FOLDER
    if names or (named / STAMP).is_file():  # a named copy, once made, is kept up to date with the other
        copies.append((named, True))
    pages: list[Path] = []
    count = 0
    env = _environment()
    for target, with_names in copies:
        target.mkdir(parents=True, exist_ok=True)
        whole = references is None or not _made_today(target)
        wanted = None if whole else {r.casefold() for r in references}
        written = _write_copy(ws, env, target, with_names, summaries, cases, decisions, figures, wanted)
        pages += written
        count = max(count, len(written) - 1)
        if whole:
            _write(target / STAMP, f"{today().isoformat()} {'names' if with_names else 'plain'}\n")
    return DashboardResult(folder, pages, count, named if len(copies) > 1 else None)


def rebuild_after_step() -> list[str]:
    """After a command recorded a step: make the dashboard of each workspace it changed again (unless its
    lifkit.toml says ``[dashboard] rebuild = false``). Returns warnings; it never raises, so that a
    dashboard that cannot be made never fails the step that was recorded."""
    from lifkit.case.folder import take_changed_cases
    from lifkit.case.workspace import open_workspace

    changed: dict[Path, list[str]] = {}
    for case_dir in take_changed_cases():
        changed.setdefault(case_dir.parent.parent, []).append(case_dir.name)
    warnings = []
    for root, references in changed.items():
        try:
            ws = open_workspace(root)
            if ws.settings.dashboard_rebuild:
                build_dashboard(ws, references=references)
        except (LifkitError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            reason = exc.args[0] if isinstance(exc, LifkitError) and exc.args else \
                f"{type(exc).__name__}{': ' + exc.strerror if isinstance(exc, OSError) and exc.strerror else ''}"
            warnings.append(f"the dashboard in {root / FOLDER} was not made again ({reason}); the step itself "
                            "was recorded. Run `lifkit dashboard` to make it.")
    return warnings


def _made_today(target: Path) -> bool:
    try:
        return (target / STAMP).read_text(encoding="ascii").split()[0] == today().isoformat()
    except (OSError, IndexError, UnicodeDecodeError):
        return False


def _write_copy(ws, env, target: Path, with_names: bool, summaries: list[CaseSummary], cases: dict[str, Case],
                decisions: dict, figures, wanted: set[str] | None) -> list[Path]:
    on = today()
    common = _common(ws, on)
    rows = [_row(ws, s, cases[s.reference], with_names) for s in summaries]
    open_rows = [r for r in rows if not r["closed"]]
    closed_rows = [r for r in rows if r["closed"] and r["closed_on"].year == on.year]
    written = []
    index = env.get_template("index.html").render(**common, title=f"Cases: {ws.settings.board_name}",
                                                    open_rows=open_rows, closed_rows=closed_rows,
                                                    figures=figures, with_names=with_names)
    written.append(_write(target / "index.html", index))
    up = os.path.relpath(ws.cases_dir, target).replace(os.sep, "/")
    for summary in summaries:
        if wanted is not None and summary.reference.casefold() not in wanted:
            continue
        case = cases[summary.reference]
        page = env.get_template("case.html").render(
            **common, title=f"{summary.reference}: {ws.settings.board_name}",
            **_case_page(ws, summary, case, decisions[summary.reference], with_names, f"{up}/{case.folder.name}", on))
        written.append(_write(target / f"{_page_name(summary.reference)}", page))
    return written


def _write(path: Path, text: str) -> Path:
    """Write a page whole (a reader on the shared drive never sees half of one). Not forced to disk: the
    pages are made again from the case folders at the next step."""
    data = text.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return path  # unchanged: not written again (a rebuild after a step changes a page or two)
    except OSError:
        pass
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return path


def _page_name(reference: str) -> str:
    return f"{reference}.html"


def _environment():
    import jinja2

    from lifkit.mechanics.resources import resource

    def load(name: str) -> str:
        return resource("templates", f"dashboard/{name}").read_text(encoding="utf-8")

    env = jinja2.Environment(loader=jinja2.FunctionLoader(load), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined, bytecode_cache=_bytecode_cache())
    env.filters["date"] = lambda d: format_date(d) if d else "-"
    return env


def _bytecode_cache():
    """Jinja's cache of compiled templates, in the user's own folder under the system's temporary folder
    (Jinja makes it readable by the user alone, and checks that it is): compiling the pages' templates
    is most of the time the dashboard takes to be made again after a step. A template changed (a
    workspace's own) is compiled again: the cache is keyed by its text. None where no such folder can be
    made; a cache that cannot be written is passed over."""
    import jinja2

    class Cache(jinja2.FileSystemBytecodeCache):
        def dump_bytecode(self, bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass  # a cache: the pages are made all the same

    try:
        return Cache()
    except (OSError, RuntimeError):
        return None


def _common(ws, on: dt.date) -> dict[str, Any]:
    from markupsafe import Markup

    process = ws.process
    marking = ws.settings.marking
    # the marking as a CSS string, for the printed pages' margins (nothing in it can end the string or the style)
    marking_css = Markup("".join(f"\\{ord(c):x} " if c in '"\\<>\n\r' else c for c in marking))
    return {"board": ws.settings.board_name, "marking": marking, "marking_css": marking_css, "process_name": process.name,
            "subject_one": process.subject.one.capitalize(),
            "today": on, "palette": PALETTE, "terms": process.terms}


# --- the index ---------------------------------------------------------------------------------


def days_words(days: int | None, working: bool = False) -> str:
    if days is None:
        return ""
    unit = "working day" if working else "day"
    if days == 0:
        return "due today"
    count = abs(days)
    words = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{words} left" if days > 0 else f"by {words}"


def _row(ws, summary: CaseSummary, case: Case, with_names: bool) -> dict[str, Any]:
    state = summary.state
    nxt = state.next_due
    valid, issued = state.returns
    return {
        "reference": state.reference, "page": _page_name(state.reference), "stage": state.stage,
        "next": nxt, "days": days_words(nxt.days_left, nxt.working) if nxt else "",
        "late_now": bool(nxt and nxt.days_left < 0),
        "late": late_lines(summary.late), "late_count": len(summary.late),
        "valid": valid, "issued": issued, "review": _review_stage(ws, state),
        "closed": state.closed is not None, "closed_on": state.closed, "decision": state.decision,
        "decision_date": state.decision_date,
        "names": _names(case) if with_names else [],
    }


def late_lines(items) -> list[dict]:
    """What is late, one line per kind and date: the returns late from several agencies on one line."""
    import re

    lines: dict[tuple, dict] = {}
    for item in items:
        match = re.fullmatch(r"(.+) from ([A-Z][A-Z0-9_]*)", item.what)
        key = (match.group(1), item.due) if match else (item.what, item.due, id(item))
        line = lines.setdefault(key, {"what": match.group(1) if match else item.what, "from": [], "due": item.due,
                                      "days": days_words(item.days)})
        if match:
            line["from"].append(match.group(2))
    for line in lines.values():
        if line["from"]:
            line["what"] = f"{line['what']} from {', '.join(line['from'])}"
    return list(lines.values())


def _review_stage(ws, state: CaseState) -> str:
    """Where the review the decision commissioned stands: its next milestone, or the last one met."""
    if not state.review:
        return ""
    process = ws.process
    milestones = [d for d in state.deadlines if (process.deadline(d.id) and process.deadline(d.id).when == "review")]
    waiting = sorted((d for d in milestones if d.done is None and d.due), key=lambda d: d.due)
    if waiting:
        return f"{waiting[0].label}: due {format_date(waiting[0].due)}"
    done = sorted((d for d in milestones if d.done), key=lambda d: d.done)
    return f"{done[-1].label}: done {format_date(done[-1].done)}" if done else state.decision


# --- the year's figures ------------------------------------------------------------------------


def _figures(ws, known: dict[str, tuple]) -> dict[str, Any]:
    from lifkit.steps.decisions import year_report

    year = today().year
    report = year_report(ws, year, known=known)
    deadline = ws.process.deadline(ws.process.decision.deadline)
    within = (deadline.met_column[:1].lower() + deadline.met_column[1:]) if deadline and deadline.met_column \
        else "by the due date"
    share = report.share_within_one_month
    headline = [("Cases referred", str(report.cases)), ("Decided", str(report.decided))]
    if ws.process.decision.mode == "chair":
        headline.append((f"{ws.process.decision.by} {ws.process.decision.responses[-1]}", str(report.challenged)))
    headline += [("Median days, notification to decision",
                  "-" if report.median_days is None else f"{report.median_days:g}"),
                 (f"Decided {within}", "-" if share is None else f"{report.within_one_month} ({share:.0%})")]
    charts = []
    for ident, title, data in (("agency", "Referring agency", report.by_agency), ("route", "Route", report.by_route),
                               ("recommendation", ws.process.recommendation.title, report.by_recommendation),
                               ("decision", ws.process.decision.title, report.by_decision)):
        if not data or set(data) == {"not recorded"}:
            continue
        charts.append(bar_chart(ident, title, sorted(data.items(), key=lambda kv: (-kv[1], kv[0]))))
    if report.days_to_decision:
        days = sorted(report.days_to_decision)
        charts.append(bar_chart("days", "Days from notification to decision",
                                [(f"{low}-{low + 6} days", sum(1 for d in days if low <= d <= low + 6))
                                 for low in range(0, max(days) + 1, 7)]))
    return {"year": year, "headline": headline, "charts": charts}


def bar_chart(ident: str, title: str, items: list[tuple[str, int]]) -> dict[str, Any]:
    """A horizontal bar chart's geometry: each bar's label, value and length (the template draws it)."""
    label_width, bar_space, height = 170, 210, 24
    top = max((v for _, v in items), default=0) or 1
    bars = [{"label": label, "value": value, "y": i * height, "width": round(value / top * bar_space, 1),
             "short": label if len(label) <= 24 else label[:22] + "\u2026"} for i, (label, value) in enumerate(items)]
    return {"id": ident, "title": title, "bars": bars, "label_width": label_width, "bar_space": bar_space,
            "row": height, "height": max(1, len(items)) * height + 8, "width": label_width + bar_space + 48,
            "total": sum(v for _, v in items)}


# --- a case's page -------------------------------------------------------------------------------


def _case_page(ws, summary: CaseSummary, case: Case, decision, with_names: bool, case_link: str,
               on: dt.date) -> dict:
    process, state = ws.process, summary.state

    def clean(text: str | None) -> str:
        """Typed text (a rationale, a reason) is shown only in the named copy: it may name anyone."""
        return (text or "") if with_names else ""

    items = timeline_items(ws, state, on)
    partners = []
    if process.decision.mode == "partners":
        for partner in process.decision.partners:
            signed, declined = decision.signoffs.get(partner.code), decision.declined.get(partner.code)
            partners.append({"code": partner.code, "name": partner.name,
                             "state": "signed" if signed else "declined" if declined else
                             "awaited" if decision.recommendation and not decision.decided else "-",
                             "date": _date((signed or declined or {}).get("date") or (signed or declined or {}).get("at")),
                             "reason": clean((declined or {}).get("reason") or (declined or {}).get("decline"))})
    recommendation = None
    if decision.recommendation:
        rec = decision.recommendation
        recommendation = {"option": rec.get("recommendation", ""), "date": _date(rec.get("date") or rec.get("at")),
                          "rationale": clean(rec.get("rationale"))}
    chair = None
    if decision.chair:
        chair = {"response": decision.chair.get("response", ""), "decision": decision.chair.get("decision", ""),
                 "date": _date(decision.chair.get("date") or decision.chair.get("at")), "rationale": clean(decision.chair.get("rationale"))}
    further = [{"date": _date(e.get("date")), "next_meeting": _date(e.get("next_meeting"))}
               for e in decision.further_info]
    amendments = [{"what": a["what"], "date": _date(a.get("date")), "was": a.get("was") or "",
                   "reason": clean(a.get("reason"))} for a in decision.amendments]
    actions = []
    if process.learning is not None:
        plan = action_plan(case)
        actions = [{"id": a.id, "agency": a.agency, "due": a.due, "status": a.status,
                    "late": a.overdue(on), "updated": a.updated_on} for a in plan.actions]
    return {
        "state": state, "summary": summary, "row": _row(ws, summary, case, with_names),
        "timeline": timeline(ws, state, items, on), "items": items,
        "members": [{"code": m.code, "agency": m.agency, "issued": m.issued, "due": m.due, "returned": m.returned,
                     "valid": m.valid, "problems": m.problems, "overdue": m.overdue, "chased": m.chased,
                     "late": bool(m.returned and m.due and m.returned > m.due)} for m in state.members],
        "notices": state.notices, "recommendation": recommendation, "chair": chair, "partners": partners,
        "further": further, "amendments": amendments, "actions": actions,
        "action_counts": _counts(actions), "documents": _documents(case, case_link),
        "decision_word": process.decision.title, "recommendation_word": process.recommendation.title,
        "notified_word": process.terms.get("notified_short", "Notified"),
        "request_word": process.terms.get("request", "return"),
        "with_names": with_names, "names": _names(case) if with_names else [],
        "subject_word": process.subject.many.capitalize() if len(case.subjects) > 1 else process.subject.one.capitalize(),
    }


def _names(case: Case) -> list[dict]:
    """The review's subjects, named (only in the named copy)."""
    return [{"name": p.name, "dob": p.dob} for p in case.subjects if p.name]


def _date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _counts(actions: list[dict]) -> list[tuple[str, int]]:
    from collections import Counter

    from lifkit.case.actionplan import STATUSES

    counts = Counter(a["status"] for a in actions)
    return [(status, counts[status]) for status in STATUSES if counts[status]]


def _documents(case: Case, link: str) -> list[dict]:
    """The case's packs and summary documents, linked by relative path from the page."""
    found = []
    for path in sorted((case.folder / "pack").glob("*.pdf")) if (case.folder / "pack").is_dir() else []:
        found.append({"what": "Pack (encrypted copy)" if "encrypted" in path.stem else "Pack",
                      "name": path.name, "href": f"{link}/pack/{path.name}"})
    for path in sorted(case.folder.glob("*.docx")):
        found.append({"what": "Summary", "name": path.name, "href": f"{link}/{path.name}"})
    return found


# --- the timeline -----------------------------------------------------------------------------


@dataclass
class TimelineItem:
    number: int
    label: str
    due: dt.date
    done: dt.date | None
    status: str  # "met", "late" (met after its date), "overdue" (not met, past its date), "due"
    note: str = ""

    @property
    def status_words(self) -> str:
        return {"met": "met on time", "late": "met late", "overdue": "overdue", "due": "due"}[self.status]


def timeline_items(ws, state: CaseState, on: dt.date) -> list[TimelineItem]:
    """Every deadline of the case, in date order: the process's deadlines, the notices no deadline covers,
    and the returns (one item per date they are due by)."""
    process = ws.process
    raw: list[tuple[str, dt.date, dt.date | None, str]] = []
    for deadline in state.deadlines:
        if deadline.due:
            raw.append((deadline.label, deadline.due, deadline.done, ""))
    covered = {d.id for d in state.deadlines}
    for notice in state.notices:
        definition = process.notice(notice.id)
        if notice.due and definition.due_deadline not in covered:
            raw.append((f"Notice, {notice.label}", notice.due, notice.sent, ""))
    if "return" not in covered:
        by_date: dict[dt.date, list] = {}
        for member in state.members:
            if member.due:
                by_date.setdefault(member.due, []).append(member)
        returns = process.deadline("return")
        request = returns.label if returns else process.terms.get("request", "return")
        for due, members in sorted(by_date.items()):
            complete = all(m.valid for m in members)
            done = max(m.returned for m in members) if complete else None
            raw.append((f"{request}s ({len(members)} of {len(state.members)} agencies)", due, done,
                        f"{sum(1 for m in members if m.valid)} valid"))
    raw.sort(key=lambda r: (r[1], r[0]))
    items = []
    for number, (label, due, done, note) in enumerate(raw, start=1):
        status = ("met" if done <= due else "late") if done else ("overdue" if due < on else "due")
        items.append(TimelineItem(number, label, due, done, status, note))
    return items


def timeline(ws, state: CaseState, items: list[TimelineItem], on: dt.date) -> dict[str, Any]:
    """The timeline's geometry: the axis from the first date to the last (today among them), a marker at each
    deadline's date (numbered, rows staggered where they would overlap), today's line, the month or week
    ticks, and bands for the decision's clock and the review's."""
    process = ws.process
    events = [(label, day) for label, day in ((process.terms.get("notified_short", "Notified"), state.notified),
                                              ("Meeting", state.meeting_date), ("Decided", state.decision_date))
              if day]
    dates = [i.due for i in items] + [i.done for i in items if i.done] + [d for _, d in events] + [on]
    start, end = min(dates), max(dates)
    pad = max(2, (end - start).days // 25)
    start, end = start - dt.timedelta(days=pad), end + dt.timedelta(days=pad)
    span = max(1, (end - start).days)
    plot = WIDTH - LEFT - RIGHT

    def x(day: dt.date) -> float:
        return round(LEFT + (day - start).days / span * plot, 2)

    placed: list[dict] = []
    for item in items:
        placed.append({"kind": "marker", "item": item, "x": x(item.due), "date": item.due.isoformat(),
                       "text": f"{item.number} \u00b7 {format_date(item.due)[:5]}", "status": item.status})
    for label, day in events:
        placed.append({"kind": "event", "x": x(day), "date": day.isoformat(), "text": f"{label} {format_date(day)[:5]}"})
    rows_end: list[float] = []
    for mark in sorted(placed, key=lambda m: m["x"]):
        half = len(mark["text"]) * 3.6 + 4  # about half the label's width at 12px
        left = max(LEFT, mark["x"] - half)
        row = next((r for r, last in enumerate(rows_end) if last + 4 <= left), len(rows_end))
        if row == len(rows_end):
            rows_end.append(0.0)
        rows_end[row] = mark["x"] + half
        mark["row"] = row
        mark["anchor"] = "start" if mark["x"] - half < LEFT else "end" if mark["x"] + half > WIDTH - 4 else "middle"
    bands = []
    decision_deadline = process.deadline(process.decision.deadline)
    if state.notified and state.decision_due and decision_deadline:
        bands.append({"x": x(state.notified), "width": max(2.0, x(state.decision_due) - x(state.notified)),
                      "label": f"{decision_deadline.label}: {decision_deadline.length}"})
    review_dates = [d.due for d in state.deadlines if d.due and process.deadline(d.id)
                    and process.deadline(d.id).when == "review"]
    if state.review and state.decision_date and review_dates:
        bands.append({"x": x(state.decision_date), "width": max(2.0, x(max(review_dates)) - x(state.decision_date)),
                      "label": process.terms.get("review", "review").capitalize()})
    for number, band in enumerate(bands):
        band["y"] = 6 + number * 20
        band["anchor_end"] = band["x"] > WIDTH / 2
    axis = 6 + 20 * len(bands) + 34
    first_row = axis + 34
    for mark in placed:
        mark["label_y"] = first_row + mark["row"] * ROW
    height = first_row + max(1, len(rows_end)) * ROW + 22
    return {"width": WIDTH, "height": height, "left": LEFT, "right": WIDTH - RIGHT, "axis": axis,
            "start": start.isoformat(), "end": end.isoformat(), "ticks": _ticks(start, end, x),
            "markers": [m for m in placed if m["kind"] == "marker"],
            "events": [m for m in placed if m["kind"] == "event"],
            "today": {"x": x(on), "date": on, "anchor": "end" if x(on) > WIDTH * 0.7 else "start"}, "bands": bands}


def _ticks(start: dt.date, end: dt.date, x) -> list[dict]:
    ticks = []
    if (end - start).days > 70:  # months
        day = dt.date(start.year, start.month, 1)
        while day <= end:
            if day >= start:
                ticks.append({"x": x(day), "label": day.strftime("%b %Y")})
            day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        if len(ticks) > 12:
            ticks = ticks[::(len(ticks) + 11) // 12]
    else:  # weeks, on Mondays
        day = start + dt.timedelta(days=(7 - start.weekday()) % 7)
        while day <= end:
            ticks.append({"x": x(day), "label": format_date(day)[:5]})
            day += dt.timedelta(days=7)
    return ticks
