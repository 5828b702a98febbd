"""``lifkit actions pack --meeting DATE``: the pack for the meeting that reviews the action plans
(the framework's biannual meeting, where "completed action plans will be reviewed and the impact
measures collated").

One A4 PDF: a cover with the figures, then for every review (a case with an action plan) the impact
measures collated by recommendation, and its actions by agency, open ones first, overdue ones marked,
with the latest evidence and impact seen in full. Every page is marked OFFICIAL-SENSITIVE with "Page x
of y"; every review and agency has a bookmark; a password encrypts it with AES-256. It reuses the CIEC
pack's styles, tables and build date (:mod:`lifkit.steps.pack`). No child's name is in it: the actions
are about agencies, and the cases are named by their reference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from lifkit.case.actionplan import Action, action_plan
from lifkit.case.folder import case_references, load_case
from lifkit.errors import InputError
from lifkit.mechanics.dates import format_date

PACKS_FOLDER = "packs"


@dataclass
class ActionsPackResult:
    file: Path
    sha256: str
    pages: int
    encrypted: bool
    built: dt.date
    meeting: dt.date
    reviews: int
    actions: int
    open: int
    overdue: int
    overdue_actions: list[str] = field(default_factory=list)  # action refs


@dataclass
class _Review:
    reference: str
    name: str  # the decision, e.g. SCR
    decided: dt.date | None
    actions: list[Action]


def _gather(ws, on: dt.date) -> list[_Review]:
    from lifkit.case.state import case_state

    reviews = []
    for ref in case_references(ws):
        plan = action_plan(load_case(ws, ref))
        if plan.actions:
            state = case_state(ws, ref)
            reviews.append(_Review(ref, state.decision, state.decision_date, plan.actions))
    return reviews


def _order(action: Action, on: dt.date) -> tuple:
    return (not action.overdue(on), not action.open, action.due, action.id)


def build_actions_pack(ws, meeting: dt.date, built: dt.date | None = None, password: str | None = None,
                       output: Path | None = None) -> ActionsPackResult:
    """Build the review meeting's pack of every action plan in the workspace, as it stands on the meeting
    date (an action is overdue when its due date is before the meeting and it is still open)."""
    from lifkit.mechanics.files import atomic_write_bytes
    from lifkit.steps.pack import build_date

    learning = ws.process.after_decision()
    built, stamp = build_date(built)
    reviews = _gather(ws, meeting)
    if not reviews:
        raise InputError("No case has an action plan yet, so there is nothing for the pack.",
                         "Record a review's actions first: lifkit actions import REF FILE")
    target = ws.root / PACKS_FOLDER / f"action-plans-pack-{meeting.isoformat()}.pdf"
    if output is not None:
        target = output / target.name if output.is_dir() else output
    if target.suffix.lower() != ".pdf":
        raise InputError(f"{target} does not end in .pdf.", "Name the pack's file NAME.pdf, or give a folder.")
    pdf, pages = _render(ws, learning, reviews, meeting, built, stamp, password)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, pdf)
    actions = [a for r in reviews for a in r.actions]
    overdue = [a.ref for a in actions if a.overdue(meeting)]
    return ActionsPackResult(file=target, sha256=hashlib.sha256(pdf).hexdigest(), pages=pages,
                             encrypted=bool(password), built=built, meeting=meeting, reviews=len(reviews),
                             actions=len(actions), open=sum(1 for a in actions if a.open), overdue=len(overdue),
                             overdue_actions=overdue)


# --- layout ------------------------------------------------------------------------------------------


def _story(ws, learning, reviews: list[_Review], meeting: dt.date, built: dt.date, width: float):
    from reportlab.platypus import PageBreak, Paragraph, Spacer

    from lifkit.steps.pack_layout import AMBER, RED_FILL, _c, _facts, _grid, _p, _styles

    styles = _styles()
    title = learning.actions_pack_title
    actions = [a for r in reviews for a in r.actions]
    overdue = [a for a in actions if a.overdue(meeting)]
    story: list = [_mark("cover", "Cover", 0), Spacer(1, 18), _p(ws.settings.board_name, styles["cover-board"]),
                   _p(title, styles["cover-title"]),
                   _p(f"For the {learning.review_meeting} on {format_date(meeting)}", styles["cover-sub"]),
                   Spacer(1, 14),
                   _facts([("Meeting", format_date(meeting)), ("Built", format_date(built)),
                           ("Reviews with an action plan", str(len(reviews))), ("Actions", str(len(actions))),
                           ("Open", str(sum(1 for a in actions if a.open))),
                           ("Completed", str(sum(1 for a in actions if a.status == "Completed"))),
                           ("Cannot be completed", str(sum(1 for a in actions if a.status == "Cannot be completed"))),
                           ("Overdue at the meeting", ", ".join(a.ref for a in overdue) or "none")], styles, width),
                   Spacer(1, 10),
                   _p("An action is overdue when its due date is before the meeting and it is not completed. Each "
                      "review's actions are listed by agency, open ones first; the evidence and impact are the "
                      "agency's latest update in full.", styles["muted"])]
    for review in reviews:
        key = f"review-{review.reference}"
        story += [PageBreak(), _mark(key, f"{review.reference}: {review.name}", 0),
                  Paragraph(f"{review.reference}: {review.name}", styles["h1"]),
                  _p(f"Decided {format_date(review.decided)}; {len(review.actions)} actions", styles["h1-sub"]),
                  Paragraph("Impact measures collated", styles["h2"])]
        rows = [[_c(h, styles["head"]) for h in ("Recommendation", "Action", "Measure of impact", "Status",
                                                  "Impact seen")]]
        for action in sorted(review.actions, key=lambda a: (a.recommendation, a.id)):
            rows.append([_c(f"{action.recommendation}. {action.recommendation_text}", styles["cell"]),
                         _c(f"{action.id} ({action.agency})", styles["cell"]), _c(action.measure, styles["cell"]),
                         _c(action.status, styles["cell-bold"] if action.open else styles["cell"]),
                         _c(action.impact or "-", styles["cell"] if action.impact else styles["cell-muted"])])
        story.append(_grid(rows, [width * s for s in (0.24, 0.1, 0.26, 0.13, 0.27)]))
        for code in sorted({a.agency for a in review.actions}):
            member = next((m for m in ws.settings.members if m.code == code), None)
            mine = sorted((a for a in review.actions if a.agency == code), key=lambda a: _order(a, meeting))
            story += [Spacer(1, 6), _mark(f"{key}-{code}", f"{code}: {member.agency if member else code}", 1),
                      Paragraph(f"{code}: {member.agency if member else code}", styles["h2"])]
            rows = [[_c(h, styles["head"]) for h in ("Action", "Rec.", "What is to be done", "Lead", "Due",
                                                      "Status")]]
            marks = []
            for number, action in enumerate(mine, start=1):
                late = action.overdue(meeting)
                status = action.status + ("\nOVERDUE" if late else "")
                rows.append([_c(action.id, styles["cell-bold"]), _c(str(action.recommendation), styles["cell"]),
                             _c(action.text, styles["cell"]), _c(action.lead, styles["cell"]),
                             _c(format_date(action.due), styles["cell"]), _c(status, styles["cell-bold"])])
                if late:
                    marks.append(("BACKGROUND", (0, number), (-1, number), RED_FILL))
                elif action.open and action.update_outstanding(meeting):
                    marks.append(("BACKGROUND", (5, number), (5, number), AMBER))
            story.append(_grid(rows, [width * s for s in (0.08, 0.08, 0.4, 0.16, 0.12, 0.16)], extra=marks))
            for action in mine:
                story += [Spacer(1, 4), _p(f"{action.id}: {action.status}"
                                           + (f", updated {format_date(action.updated)}" if action.updated else ""),
                                           styles["label"])]
                story.append(_facts([("Measure of impact", action.measure),
                                     ("Evidence", action.evidence or "No evidence reported yet."),
                                     ("Impact seen", action.impact or "No impact reported yet.")], styles, width,
                                    label_share=0.22))
    return story


def _mark(key: str, title: str, level: int):
    """A zero-size flowable recording the page it lands on, for a bookmark (key, title, level)."""
    from reportlab.platypus import Spacer

    anchor = Spacer(0, 0)
    anchor.outline = (key, title, level)
    return anchor


def _render(ws, learning, reviews, meeting, built, stamp, password) -> tuple[bytes, int]:
    from lifkit.mechanics.pdf import finish_pack
    from lifkit.mechanics.pdftext import register_fonts
    from lifkit.steps.pack_layout import lay_out_tagged

    register_fonts()
    board = ws.settings.board_name
    marking = ws.settings.marking  # the workspace's protective marking, on every page
    heading = learning.actions_pack_title
    pdf, pages, marks, tags = lay_out_tagged(
        heading, board, marking, f"{heading}  {format_date(meeting)}",
        f"For the {learning.review_meeting} on {format_date(meeting)}  ·  built {format_date(built)}",
        lambda width: _story(ws, learning, reviews, meeting, built, width))
    title = f"{heading}, {format_date(meeting)}"
    return finish_pack(pdf, [(title_, level, page) for _key, title_, level, page in marks],
                       {"/Title": title, "/Author": board, "/Subject": marking, "/Creator": "lifkit",
                        "/Producer": "lifkit (reportlab, qpdf)", "/Keywords": marking, "/CreationDate": stamp,
                        "/ModDate": stamp}, password, tags=tags), pages
