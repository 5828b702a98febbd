"""``lifkit review REF --pack``: the pack for a meeting of the review's panel.

One A4 PDF: a cover with where the review stands (the reviewer, the planned publication, any deferral),
the stage table (owner, due, done, late or chased), the documents filed with the review up to the
meeting, and then each filed PDF's pages placed whole, one to a page, under a bookmark. A document that
is not a PDF (a Word draft) is listed, not merged. Every page is marked OFFICIAL-SENSITIVE with "Page x
of y"; a password encrypts it with AES-256. The case is named by its reference only: no child's name is
written by lifkit (a filed report is the partners' own document, placed as it is).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from lifkit.errors import InputError
from lifkit.mechanics.dates import format_date, today


@dataclass
class ReviewPackResult:
    file: Path
    sha256: str
    pages: int
    encrypted: bool
    meeting: dt.date
    documents: list[str] = field(default_factory=list)  # filed documents merged
    listed: list[str] = field(default_factory=list)  # filed documents listed, not merged, with why
    earlier: Path | None = None  # a pack of the same meeting built before, kept as it was


@dataclass
class _Document:
    stage: str
    on: dt.date
    path: Path
    reader: object = None
    pages: list = field(default_factory=list)
    reason: str = ""


def build_review_pack(ws, reference: str, meeting: dt.date | None = None, password: str | None = None,
                      output: Path | None = None) -> ReviewPackResult:
    """Build the pack for the review panel's meeting on ``meeting`` (default today): the stage table and
    the documents filed with the review up to that day."""
    from lifkit.case.folder import load_case
    from lifkit.mechanics.files import atomic_write_bytes
    from lifkit.mechanics.pdf import open_attachment
    from lifkit.steps.review import review_view

    view = review_view(ws, reference)
    case = load_case(ws, reference)
    meeting = meeting or today()
    documents = []
    for stage in view.review.stages:
        for occurrence in stage.occurrences:
            if occurrence.file and occurrence.on <= meeting:
                documents.append(_Document(stage.label, occurrence.on, case.folder / occurrence.file))
    for document in documents:
        if document.path.suffix.lower() != ".pdf":
            document.reason = f"a {document.path.suffix.lstrip('.').upper()} file: listed, not merged"
        elif not document.path.is_file():
            document.reason = "missing from the case folder: not merged"
        else:
            document.reader, document.pages, document.reason = open_attachment(document.path)
    from lifkit.mechanics.files import unique_path

    target = case.folder / "pack" / f"review-panel-pack-{case.reference}-{meeting.isoformat()}.pdf"
    if output is not None:
        target = output / target.name if output.is_dir() else output
    earlier = target if target.exists() else None
    target = unique_path(target)  # a pack built earlier (perhaps sent) is kept as it was
    if target.suffix.lower() != ".pdf":
        raise InputError(f"{target} does not end in .pdf.", "Name the pack's file NAME.pdf, or give a folder.")
    try:
        pdf, pages = _render(ws, view, meeting, documents, password)
    finally:
        for document in documents:
            if document.reader is not None:
                document.reader.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, pdf)
    return ReviewPackResult(file=target, sha256=hashlib.sha256(pdf).hexdigest(), pages=pages,
                            encrypted=bool(password), meeting=meeting, earlier=earlier,
                            documents=[d.path.name for d in documents if not d.reason],
                            listed=[f"{d.path.name}: {d.reason}" for d in documents if d.reason])


def _title(ws) -> str:
    pack = ws.process.review.pack or {}
    return pack.get("title") or f"{ws.process.term('review')} pack"


def _story(ws, view, meeting: dt.date, documents: list[_Document], width: float, slots: list):
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer

    from lifkit.steps.pack_layout import RED_FILL, _c, _facts, _grid, _p, _styles

    styles = _styles()
    review = view.review
    planned = [(p.label, format_date(review.planned.get(p.id)) if review.planned.get(p.id) else
                f"not planned (by {format_date(review.planned_due.get(p.id))} at the latest)"
                if review.planned_due.get(p.id) else "not planned") for p in ws.process.review.planned]
    deferred = [("Publication deferred", f"{format_date(d['on'])}" + (f" until {format_date(d['until'])}"
                                                                      if d.get("until") else "") + f": {d['reason']}")
                for d in review.deferrals]
    story: list = [_mark("Cover", 0), Spacer(1, 18), _p(ws.settings.board_name, styles["cover-board"]),
                   _p(_title(ws), styles["cover-title"]),
                   _p(f"{view.reference}: {view.review_name}, for the meeting on {format_date(meeting)}",
                      styles["cover-sub"]), Spacer(1, 14),
                   _facts([("Case", view.reference),
                           ("Decided", f"{view.decision} ({format_date(view.decision_date)})"),
                           ("Where it stands", review.describe()),
                           ("Reviewer", ", ".join(review.reviewers) or "not yet appointed"), *planned, *deferred,
                           *([("Not to be published", review.not_published["reason"])]
                             if review.not_published else [])],
                          styles, width)]
    heading = [_mark("Stages", 0), Paragraph("Stages", styles["h1"])]
    rows = [[_c(h, styles["head"]) for h in ("Stage", "Owner", "Due", "Done", "")]]
    marks = []
    for number, stage in enumerate(review.stages, start=1):
        done = ", ".join(format_date(o.on) for o in stage.occurrences) if stage.recurring else \
            (format_date(stage.done) if stage.done else "-")
        late = stage.late(meeting)
        notes = (["LATE"] if late else ["late"] if stage.met is False else []) + \
            ([f"chased {stage.chased}"] if stage.chased else []) + \
            [o.outcome for o in stage.occurrences[-1:] if o.outcome]
        rows.append([_c(stage.label, styles["cell-bold"] if stage.open else styles["cell"]),
                     _c(stage.owner_label, styles["cell"]),
                     _c(format_date(stage.due) if stage.due and (stage.open or not stage.recurring) else "-",
                        styles["cell"]), _c(done, styles["cell"]), _c("; ".join(notes), styles["cell"])])
        if late:
            marks.append(("BACKGROUND", (0, number), (-1, number), RED_FILL))
    # a heading never ends a page: it goes over with its table (which splits only where it is longer than a page)
    table = _grid(rows, [width * s for s in (0.36, 0.22, 0.12, 0.18, 0.12)], extra=marks)
    story += [Spacer(1, 10), KeepTogether([*heading, table])]
    heading = [_mark("Documents filed", 0), Paragraph("Documents filed", styles["h1"])]
    if documents:
        rows = [[_c(h, styles["head"]) for h in ("Stage", "Filed", "Document", "In this pack")]]
        for document in documents:
            rows.append([_c(document.stage, styles["cell"]), _c(format_date(document.on), styles["cell"]),
                         _c(document.path.name, styles["cell"]),
                         _c(document.reason or f"{len(document.pages)} page{'s' if len(document.pages) != 1 else ''}",
                            styles["cell"])])
        table = _grid(rows, [width * s for s in (0.3, 0.13, 0.37, 0.2)])
    else:
        table = _p(f"No documents were filed with the review by {format_date(meeting)}.", styles["muted"])
    story += [Spacer(1, 10), KeepTogether([*heading, table])]
    for document in documents:
        if document.reason:
            continue
        for index in range(len(document.pages)):
            anchor = _mark(f"{document.stage} ({format_date(document.on)})", 0) if index == 0 else Spacer(0, 0)
            story += [PageBreak(), anchor, _Slot(document, index, slots)]
    return story


def _mark(title: str, level: int):
    from reportlab.platypus import Spacer

    anchor = Spacer(0, 0)
    anchor.outline = (title, level)
    return anchor


def _Slot(document: _Document, index: int, slots: list):
    """A page left empty for page ``index`` of a filed document. Where it lands (page, and the marked
    content the placed page is tagged as: a part of its own, ``Div``) is noted in ``slots``."""
    from reportlab.platypus import Flowable

    from lifkit.mechanics.pdftags import next_mcid

    class Slot(Flowable):
        lk_tags_itself = True

        def wrap(self, available_width, available_height):
            return 1, 1

        def draw(self):
            doc = self.canv._doctemplate
            page = self.canv.getPageNumber()
            mcid = next_mcid(self.canv)
            doc.lk_tags.append(("Div", page - 1, mcid))
            slots.append((document, index, page, mcid))

    return Slot()


def _render(ws, view, meeting: dt.date, documents: list[_Document], password: str | None) -> tuple[bytes, int]:
    from reportlab.lib.pagesizes import A4

    from lifkit.mechanics.pdf import Placement, assemble
    from lifkit.mechanics.pdftext import register_fonts
    from lifkit.steps.pack import build_date
    from lifkit.steps.pack_layout import BOTTOM_BAND, MARGIN, TOP_BAND, lay_out_tagged

    register_fonts()
    built, stamp = build_date(None)
    board = ws.settings.board_name
    heading = _title(ws)
    marking = ws.settings.marking  # the workspace's protective marking ([board] marking), on every page
    slots: list[tuple[_Document, int, int, int]] = []  # (document, its page, pack page, MCID), of the last pass

    def story(width: float) -> list:
        slots.clear()
        return _story(ws, view, meeting, documents, width, slots)

    pdf, pages, marks, tags = lay_out_tagged(heading, board, marking, f"{view.reference}  {format_date(meeting)}",
                                             f"{heading}  ·  built {format_date(built)}", story)
    width, height = A4
    box = (MARGIN, BOTTOM_BAND + 4, width - MARGIN, height - TOP_BAND - 4)
    placements = [Placement(page, document.reader, index, document.pages[index], box, mcid)
                  for document, index, page, mcid in slots]
    title = f"{heading}, {view.reference}, {format_date(meeting)}"
    info = {"Title": title, "Author": board, "Subject": marking, "Creator": "lifkit",
            "Producer": "lifkit (reportlab, qpdf)", "Keywords": marking, "CreationDate": stamp, "ModDate": stamp}
    return assemble(pdf, placements, {}, [(t, page, level) for t, level, page in marks], info, "en-GB",
                    password, tags=tags), pages
