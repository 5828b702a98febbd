"""The meeting pack's layout, by reportlab (platypus): its pages, styles and tables, from a
:class:`lifkit.steps.pack.PackInput`, for :mod:`lifkit.steps.pack` to finish; the action-plan review's pack
(:mod:`lifkit.steps.actions_pack`) uses the same styles, tables and colours.

Everything lifkit writes is laid out once. "Page x of y" and the contents page's numbers are small form
XObjects drawn where they belong and defined when the layout is done, so one pass is enough and the
contents page always agrees with the pages. Returns are rendered from the extracted values, never from
the boxes of the returned form, so a long answer flows over as many lines and pages as it needs. An
attached PDF gets one page per page here (header, footer and caption), its own page placed on it at
assembly. Nothing here reads the case folder or knows the PDF library.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepTogether, NextPageTemplate,
                                PageBreak, PageTemplate, Paragraph, Spacer, Table, TableStyle)

from lifkit.documents.formdef import Field, load_form
from lifkit.mechanics.dates import format_date
from lifkit.mechanics.pdftags import artifact, mark, next_mcid, start as start_tags
from lifkit.mechanics.pdftext import SANS, SANS_BOLD, draw_string, fit_width, markup, string_width

if TYPE_CHECKING:
    from lifkit.steps.pack import AgencyReturn, Attached, PackInput

MARKING = "OFFICIAL-SENSITIVE"

# --- page geometry and colours ------------------------------------------------------------------

MARGIN = 48
TOP_BAND = 64  # header: marking, board and case reference, rule
BOTTOM_BAND = 50  # footer: rule, case and meeting, marking, page x of y
CAPTION = 20  # the line above an attached page saying what it is
NAVY = HexColor("#1F3864")
GREY = HexColor("#555555")
RULE = HexColor("#9AA7B5")
FILL = HexColor("#DCE6F1")
PALE = HexColor("#F3F6FA")
AMBER = HexColor("#FFF4D6")
RED_FILL = HexColor("#FBE3E3")
RED = HexColor("#9C1C1C")
NOT_ANSWERED = "not answered"



# --- what the layout shows of the case ---------------------------------------------------------


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _missing_lines(data: PackInput) -> list[str]:
    lines = []
    for item in data.agencies:
        if item.state == "outstanding":
            due = f", due {format_date(item.due)}" if item.due else ""
            lines.append(f"{item.code} ({item.agency}): outstanding{due}")
        elif item.state == "invalid":
            count = len(item.problems)
            lines.append(f"{item.code} ({item.agency}): invalid, {count} problem{'s' if count != 1 else ''}")
    return lines


# --- layout (reportlab) -------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    base = dict(fontName=SANS, fontSize=9.5, leading=12.5)
    return {
        "body": ParagraphStyle("body", **base, spaceAfter=4),
        "answer": ParagraphStyle("answer", **base, spaceAfter=6),
        "small": ParagraphStyle("small", fontName=SANS, fontSize=8, leading=10, textColor=GREY),
        "muted": ParagraphStyle("muted", **base, textColor=GREY),
        "cover-board": ParagraphStyle("cover-board", fontName=SANS_BOLD, fontSize=13, leading=17, textColor=NAVY),
        "cover-sub": ParagraphStyle("cover-sub", fontName=SANS, fontSize=11, leading=15, textColor=GREY),
        "cover-title": ParagraphStyle("cover-title", fontName=SANS_BOLD, fontSize=26, leading=32, textColor=NAVY,
                                      spaceBefore=26, spaceAfter=6),
        "h1": ParagraphStyle("h1", fontName=SANS_BOLD, fontSize=16, leading=20, textColor=NAVY, spaceAfter=4),
        "h1-sub": ParagraphStyle("h1-sub", fontName=SANS, fontSize=9.5, leading=12.5, textColor=GREY,
                                 spaceAfter=10),
        "h2": ParagraphStyle("h2", fontName=SANS_BOLD, fontSize=12, leading=15, textColor=NAVY, spaceBefore=12,
                             spaceAfter=6, keepWithNext=1),
        "section": ParagraphStyle("section", fontName=SANS_BOLD, fontSize=9.5, leading=12.5),
        "label": ParagraphStyle("label", fontName=SANS_BOLD, fontSize=8.5, leading=11, textColor=NAVY,
                                spaceBefore=2, spaceAfter=3),
        "cell": ParagraphStyle("cell", fontName=SANS, fontSize=8.5, leading=10.5),
        "cell-muted": ParagraphStyle("cell-muted", fontName=SANS, fontSize=8.5, leading=10.5, textColor=GREY),
        "cell-bold": ParagraphStyle("cell-bold", fontName=SANS_BOLD, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("head", fontName=SANS_BOLD, fontSize=8, leading=10, textColor=NAVY),
        "caption": ParagraphStyle("caption", fontName=SANS_BOLD, fontSize=8.5, leading=11, textColor=NAVY),
        "problem": ParagraphStyle("problem", fontName=SANS, fontSize=8.5, leading=11, textColor=RED,
                                  leftIndent=10, bulletIndent=0),
    }


class _Heading(Paragraph):
    """A heading whose page is recorded for the contents page and the bookmarks."""

    def __init__(self, text: str, style: ParagraphStyle, key: str):
        super().__init__(_markup(text, bold=True), style)
        self.pack_key = key


class _Anchor(Flowable):
    """Records the page it lands on (for a heading drawn by something else, e.g. a table)."""

    def __init__(self, key: str):
        super().__init__()
        self.pack_key = key
        self.width = self.height = 0

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        pass


def _form_name(prefix: str, key: str) -> str:
    return prefix + re.sub(r"[^A-Za-z0-9]", "_", key)


class _ContentsLine(Flowable):
    """One line of the contents: the title, a dotted leader and the page (a form defined at the end)."""

    def __init__(self, title: str, level: int, key: str):
        super().__init__()
        self.title, self.level, self.key = title, level, key

    def wrap(self, available_width, available_height):
        self.width = available_width
        self.height = 19 if self.level == 0 else 15
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        bold = self.level == 0
        size = 10.5 if bold else 9.5
        indent = 16 * self.level
        room = self.width - indent - 40
        title = self.title
        if string_width(title, size, bold) > room:
            while title and string_width(title + "…", size, bold) > room:
                title = title[:-1]
            title += "…"
        y = 4
        canvas.setFillColor(NAVY if bold else HexColor("#222222"))
        end = indent + draw_string(canvas, indent, y, title, size, bold)
        canvas.setFillColor(RULE)
        step = string_width(" .", size)
        count = int((self.width - 36 - end - 6) / step)
        if count > 0:  # right-aligned, so the dots of every line stand in the same columns
            draw_string(canvas, self.width - 36 - count * step, y, " ." * count, size)
        canvas.setFillColor(NAVY if bold else HexColor("#222222"))
        canvas.saveState()
        canvas.translate(self.width, y)
        canvas.doForm(_form_name("lkc", self.key))
        canvas.restoreState()


class _AttachedPage(Flowable):
    """A pack page that an attached PDF's page will be put on: draws the caption, records where."""

    def __init__(self, code: str, document: Attached, index: int, styles):
        super().__init__()
        self.code, self.document, self.index, self.style = code, document, index, styles["caption"]

    def wrap(self, available_width, available_height):
        self.width = available_width
        name, size = self.document.name, self.style.fontSize
        tail = f"  ·  page {self.index + 1} of {len(self.document.pages)}"

        def caption(text: str) -> str:
            return f"Attached by {self.code}: {text}{tail}"

        if string_width(caption(name), size, True) > available_width:  # one line: the page goes right under it
            while name and string_width(caption(name + "…"), size, True) > available_width:
                name = name[:-1]
            name += "…"
        self.paragraph = _Para(_markup(caption(name), bold=True), self.style)
        _, height = self.paragraph.wrap(available_width, CAPTION)
        self.height = min(height, CAPTION)
        return self.width, self.height

    def draw(self):
        self.paragraph.drawOn(self.canv, 0, self.height - self.paragraph.height)
        doc = self.canv._doctemplate
        width, height = self.canv._pagesize
        box = (MARGIN, BOTTOM_BAND + 4, width - MARGIN, height - TOP_BAND - CAPTION - 2)
        mcid = next_mcid(self.canv)  # the attached page, put on this page later, is tagged as its own part
        doc.lk_tags.append(("Div", self.canv.getPageNumber() - 1, mcid))
        doc.placements.append((doc.page, self.document, self.index, box, mcid))


class _PackDoc(BaseDocTemplate):
    """The page templates, the running header and footer, and the bookkeeping of where things land."""

    def __init__(self, buffer, data: PackInput):
        super().__init__(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP_BAND,
                         bottomMargin=BOTTOM_BAND, invariant=1, title=f"{_pack_word(data)} {data.case.reference}",
                         author=data.board, creator="lifkit", subject=data.marking)
        self.data = data
        start_tags(self)
        self.anchors: dict[str, int] = {}
        self.placements: list = []
        self.contents_keys: list[str] = []
        self.page_sizes: set[tuple[float, float]] = set()
        templates = []
        for name, size in (("body", A4), ("attached", A4), ("attached-landscape", landscape(A4))):
            width, height = size
            frame = Frame(MARGIN, BOTTOM_BAND, width - 2 * MARGIN, height - TOP_BAND - BOTTOM_BAND, id=name,
                          leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
            templates.append(PageTemplate(id=name, frames=[frame], onPage=self._decorate, pagesize=size))
        self.addPageTemplates(templates)

    def afterFlowable(self, flowable):
        key = getattr(flowable, "pack_key", None)
        if key and key not in self.anchors:
            self.anchors[key] = self.page

    def _decorate(self, canvas, doc):
        """Every page: the running header and footer (one form per page size, drawn once and shown on
        every page) and its own "Page x of y"."""
        width, height = canvas._pagesize
        self.page_sizes.add((width, height))
        with artifact(canvas):  # running header and footer: not part of the reading order
            canvas.saveState()
            canvas.doForm(_form_name("lkframe", f"{width:.0f}x{height:.0f}"))
            canvas.translate(width - MARGIN, 28)
            canvas.doForm(_form_name("lkp", str(canvas.getPageNumber())))
            canvas.restoreState()

    def _frame_form(self, width: float, height: float) -> None:
        """The header and footer of a page of this size: the marking top and bottom, the board, the case
        reference, the meeting and build dates, and the rules."""
        data, canvas = self.data, self.canv
        canvas.beginForm(_form_name("lkframe", f"{width:.0f}x{height:.0f}"), 0, 0, width, height)
        canvas.setFillColor(RED)
        marking = data.marking
        draw_string(canvas, (width - string_width(marking, 9.5, True)) / 2, height - 24, marking, 9.5, bold=True)
        canvas.setFillColor(NAVY)
        board = fit_width(data.board, width - 2 * MARGIN - 170, 8.5, bold=True)
        draw_string(canvas, MARGIN, height - 42, board, 8.5, bold=True)
        right = f"{_pack_word(data)}  {data.case.reference}"
        draw_string(canvas, width - MARGIN - string_width(right, 8.5, True), height - 42, right, 8.5, bold=True)
        canvas.setStrokeColor(NAVY)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN, height - 48, width - MARGIN, height - 48)
        canvas.line(MARGIN, 40, width - MARGIN, 40)
        canvas.setFillColor(GREY)
        meeting = f"meeting {format_date(data.meeting)}" if data.meeting else "meeting date not set"
        footer = f"{data.case.reference}  ·  {meeting}  ·  built {format_date(data.built)}"
        draw_string(canvas, MARGIN, 28, footer, 7.5)
        canvas.setFillColor(RED)
        draw_string(canvas, (width - string_width(marking, 8, True)) / 2, 15, marking, 8, bold=True)
        canvas.endForm()

    def _endBuild(self):
        """Finish the pages, then define the forms they refer to: "Page x of y" and the contents' numbers."""
        self._doSave = 0
        super()._endBuild()
        canvas = self.canv
        total = self.pages = canvas.getPageNumber() - 1
        for width, height in sorted(self.page_sizes):
            self._frame_form(width, height)
        for number in range(1, total + 1):
            self._number_form(_form_name("lkp", str(number)), f"Page {number} of {total}", 7.5, GREY)
        for key in self.contents_keys:
            self._number_form(_form_name("lkc", key), str(self.anchors.get(key, "")), 9.5, HexColor("#222222"))
        canvas.save()

    def _number_form(self, name: str, text: str, size: float, colour) -> None:
        """A right-aligned number (ASCII, which the base font draws whole) as a form."""
        canvas = self.canv
        width = canvas.stringWidth(text, SANS, size)
        canvas.beginForm(name, lowerx=-width - 2, lowery=-4, upperx=1, uppery=size + 2)
        canvas.setFillColor(colour)
        canvas.setFont(SANS, size)
        canvas.drawString(-width, 0, text)
        canvas.endForm()


@dataclass
class Layout:
    pdf: bytes
    pages: int
    anchors: dict[str, int]
    outline: list[tuple[str, str, int]]  # key, title, level
    placements: list  # (page number, Attached, page index, body box, MCID of the placed page)
    tags: list  # the structure tree's entries (lifkit.mechanics.pdftags), added at assembly


def _layout(data: PackInput) -> Layout:
    from reportlab import rl_config

    saved, rl_config.useA85 = rl_config.useA85, 0  # binary streams: smaller, and no ASCII85 pass to run
    try:
        return _layout_pages(data)
    finally:
        rl_config.useA85 = saved


def _layout_pages(data: PackInput) -> Layout:
    styles = _styles()
    buffer = io.BytesIO()
    doc = _PackDoc(buffer, data)
    width = A4[0] - 2 * MARGIN
    outline = _outline(data)
    doc.contents_keys = [key for key, _title, _level in outline if key not in ("cover", "contents")]
    story: list = []
    story += _cover(data, styles, width)
    story += [PageBreak()] + _contents(data, outline, styles)
    story += [PageBreak()] + _agenda(data, styles, width)
    story += [PageBreak()] + _referral(data, styles, width)
    story += [PageBreak()] + _glance(data, styles, width)
    story += [PageBreak()] + _chronology(data, styles, width)
    for number, item in enumerate(sorted(data.received, key=lambda a: a.order)):
        story += [PageBreak()] + ([_Anchor("returns")] if number == 0 else []) + _agency(data, item, styles, width)
    if not data.received:
        story += [PageBreak(), _Heading("Agency returns", styles["h1"], "returns"),
                  _Para("No agency has returned its request for information yet.", styles["body"])]
    doc.build([_tagged(flowable) for flowable in story])
    return Layout(pdf=buffer.getvalue(), pages=doc.pages, anchors=doc.anchors, outline=outline,
                  placements=doc.placements, tags=doc.lk_tags)


def lay_out_tagged(title: str, board: str, marking: str, right: str, footer: str, story) -> tuple:
    """A pack of plain pages laid out twice (the second time knowing the page count, for "Page x of y"):
    ``story(width)`` gives its flowables (called once a pass), tagged as the meeting pack's are, under the
    running heads (:func:`running_heads`, ``right`` beside the board's name, ``footer``). Returns the PDF
    bytes, the page count, the outline marks (each flowable's ``outline`` with the page it landed on) and
    the tags, for :func:`lifkit.mechanics.pdf.assemble` or :func:`~lifkit.mechanics.pdf.finish_pack`."""
    from reportlab import rl_config

    def build(total: int | None):
        buffer = io.BytesIO()
        marks: list[tuple] = []

        class Doc(BaseDocTemplate):
            def afterFlowable(self, flowable):
                outline = getattr(flowable, "outline", None)
                if outline:
                    marks.append((*outline, self.page))

        width, height = A4
        doc = Doc(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP_BAND,
                  bottomMargin=BOTTOM_BAND, invariant=1, title=title, author=board, creator="lifkit",
                  subject=marking)
        frame = Frame(MARGIN, BOTTOM_BAND, width - 2 * MARGIN, height - TOP_BAND - BOTTOM_BAND, leftPadding=0,
                      rightPadding=0, topPadding=0, bottomPadding=0)
        doc.addPageTemplates([PageTemplate(id="body", frames=[frame], onPage=lambda canvas, d: running_heads(
            canvas, d.page, total, marking, board, right, footer))])
        start_tags(doc)
        doc.build([_tagged(flowable) for flowable in story(width - 2 * MARGIN)])
        return buffer.getvalue(), doc.page, marks, doc.lk_tags

    saved, rl_config.useA85 = rl_config.useA85, 0
    try:
        _, pages, _, _ = build(None)
        return build(pages)
    finally:
        rl_config.useA85 = saved


def running_heads(canvas, page: int, total: int | None, marking: str, board: str, right: str, footer: str) -> None:
    """The packs' running header and footer, drawn as artifacts (not part of the reading order): the
    marking, the board's name (shortened to fit) beside ``right``, rules, ``footer`` and "Page x of y"."""
    width, height = A4
    with artifact(canvas):
        canvas.saveState()
        canvas.setFillColor(RED)
        draw_string(canvas, (width - string_width(marking, 9.5, True)) / 2, height - 24, marking, 9.5, bold=True)
        canvas.setFillColor(NAVY)
        right_width = string_width(right, 8.5, True)
        shown = board
        while shown and string_width(shown + "…", 8.5, True) > width - 2 * MARGIN - right_width - 16:
            shown = shown[:-1]
        draw_string(canvas, MARGIN, height - 42, shown if shown == board else shown + "…", 8.5, bold=True)
        draw_string(canvas, width - MARGIN - right_width, height - 42, right, 8.5, bold=True)
        canvas.setStrokeColor(NAVY)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN, height - 48, width - MARGIN, height - 48)
        canvas.line(MARGIN, 40, width - MARGIN, 40)
        canvas.setFillColor(GREY)
        draw_string(canvas, MARGIN, 28, footer, 7.5)
        number = f"Page {page} of {total or '?'}"
        draw_string(canvas, width - MARGIN - string_width(number, 7.5), 28, number, 7.5)
        canvas.setFillColor(RED)
        draw_string(canvas, (width - string_width(marking, 8, True)) / 2, 15, marking, 8, bold=True)
        canvas.restoreState()


_HEADING_ROLES = {"h1": "H1", "h2": "H2", "section": "H3"}


def _tagged(flowable):
    """``flowable`` marked for the structure tree: the pack's headings as headings (H1 for each part,
    H2 within a part, H3 for a form's section), everything else it draws as paragraphs."""
    if isinstance(flowable, KeepTogether):
        flowable._content = [_tagged(part) for part in flowable._content]
        return flowable
    if isinstance(flowable, _Anchor):
        return flowable
    role = _HEADING_ROLES.get(getattr(getattr(flowable, "style", None), "name", ""), "P")
    if getattr(flowable, "lk_heading", False):
        role = "H3"
    return mark(flowable, role)


def _outline(data: PackInput) -> list[tuple[str, str, int]]:
    process = data.process
    entries = [("cover", "Cover", 0), ("contents", "Contents", 0), ("agenda", process.pack["agenda"]["title"], 0)]
    entries += [(part.id, part.title, 1) for part in process.agenda]
    entries += [("referral", _referral_title(data), 0),
               ("glance", "Returns at a glance", 0), ("chronology", "Multi-agency chronology", 0),
               ("returns", "Agency returns", 0)]
    for item in sorted(data.received, key=lambda a: a.order):
        entries.append((f"agency-{item.code}", f"{item.code}: {item.agency}"
                        + (" (INVALID)" if item.state == "invalid" else ""), 1))
        for document in item.attached:
            if document.merged:
                entries.append((document.key, f"Attached: {document.name}", 2))
    return entries


def _markup(text: str, bold: bool = False) -> str:
    """:func:`lifkit.mechanics.pdftext.markup`, with a short cut for plain ASCII (most of a pack), which the base font
    draws whole: the same markup, without looking up a font for every character."""
    if text.isascii():
        return "<br/>".join(escape(line) for line in (text.splitlines() or [""]))
    return markup(text, bold=bold)


class _Para(Paragraph):
    """A paragraph that remembers its last wrap: a table wraps every cell once to measure the rows and
    again to draw them, and the lines are the same for the same width (about a tenth of a pack's layout)."""

    _lk_wrapped: tuple | None = None

    def wrap(self, availWidth, availHeight):  # noqa: N803 - reportlab's names
        if self._lk_wrapped is not None and self._lk_wrapped[0] == availWidth and "blPara" in self.__dict__:
            return self._lk_wrapped[1]
        size = super().wrap(availWidth, availHeight)
        self._lk_wrapped = (availWidth, size)
        return size

    def split(self, availWidth, availHeight):  # noqa: N803 - splitting may change or drop the lines
        self._lk_wrapped = None
        return super().split(availWidth, availHeight)


def _p(text: Any, style: ParagraphStyle, bold: bool = False) -> Paragraph:
    return _Para(_markup("" if text is None else str(text), bold=bold), style)


@dataclass(frozen=True)
class _Text:
    """A table cell's text: drawn as plain lines when it is plain (ASCII, every word narrower than the
    cell), wrapped here as a paragraph would wrap it: far cheaper to lay out and draw than a paragraph,
    and most cells are dates, codes, names, yes/no and short answers; else as a paragraph."""

    text: str
    style: ParagraphStyle


def _c(text: Any, style: ParagraphStyle) -> _Text:
    return _Text("" if text is None else str(text), style)


def _resolve(rows: list, widths: list[float]) -> tuple[list, list]:
    from reportlab.lib.colors import black
    from reportlab.pdfbase.pdfmetrics import stringWidth

    commands, resolved = [], []
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            if isinstance(cell, _Text):
                text, style = cell.text, cell.style
                # the room a paragraph in the cell wraps to: the column less the grid's padding, 4 pt a side
                lines = _plain_lines(text, style, widths[c] - 8, stringWidth) if style.alignment == 0 else None
                if lines is not None:
                    commands.append(("FONT", (c, r), (c, r), style.fontName, style.fontSize, style.leading))
                    if style.textColor != black:
                        commands.append(("TEXTCOLOR", (c, r), (c, r), style.textColor))
                    cells.append("\n".join(lines))
                    continue
                cell = _Para(_markup(_break_long_words(text, style, widths[c] - 9)), style)
            cells.append(cell)
        resolved.append(cells)
    return resolved, commands


def _plain_lines(text: str, style: ParagraphStyle, room: float, width) -> list[str] | None:
    """``text`` wrapped into lines for ``room`` as reportlab's paragraph wraps it (runs of spaces as one,
    a line break kept, a line broken before the word that would overflow, with the paragraph's allowance
    of a twentieth of a space per word), or None when a paragraph should draw it: not ASCII, a word wider
    than the cell, or a line that fits only with its spaces narrowed (which only a paragraph draws)."""
    if not text.isascii():
        return None
    font, size = style.fontName, style.fontSize
    space = width(" ", font, size)
    shrink = getattr(style, "spaceShrinkage", 0) * space
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        words, used = [], 0.0
        for word in line.split():
            wide = width(word, font, size)
            if wide > room:
                return None
            if words and used + space + wide > room + shrink * len(words):
                if used > room:
                    return None
                lines.append(" ".join(words))
                words, used = [word], wide
            else:
                used += (space if words else 0) + wide
                words.append(word)
        if used > room:
            return None
        lines.append(" ".join(words))
    return lines


_BREAK_AFTER = "@/_-"  # an address or path too long for its cell breaks after these, or before a full stop


def _break_long_words(text: str, style: ParagraphStyle, room: float) -> str:
    """``text`` with each word too wide for ``room`` broken onto several lines where a reader expects it
    (``name@`` / ``agency.gov.uk``), never in the middle of a word as reportlab would."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def width(piece: str) -> float:
        return stringWidth(piece, style.fontName, style.fontSize) if piece.isascii() else \
            string_width(piece, style.fontSize)

    def pieces(word: str) -> list[str]:
        lines = []
        while width(word) > room:
            cuts = [i + 1 for i, ch in enumerate(word[:-1]) if ch in _BREAK_AFTER] + \
                   [i for i, ch in enumerate(word) if ch == "." and i > 0]
            fitting = [cut for cut in cuts if 0 < cut < len(word) and width(word[:cut]) <= room]
            if not fitting:
                break
            at = [cut for cut in fitting if word[cut - 1] == "@"]  # name@ / agency.gov.uk reads best
            cut = at[0] if at else max(fitting)
            lines.append(word[:cut])
            word = word[cut:]
        return lines + [word]

    if room <= 0:
        return text
    return "\n".join(" ".join("\n".join(pieces(word)) if width(word) > room else word for word in line.split(" "))
                     for line in text.split("\n"))


def _grid(rows: list, widths: list[float], header: bool = True, extra: list | None = None,
          lines: bool = True) -> Table:
    rows, fonts = _resolve(rows, widths)
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, splitInRow=1)
    style = fonts + ([("GRID", (0, 0), (-1, -1), 0.4, RULE)] if lines else [])
    style += [("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
             ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), FILL))
    table.setStyle(TableStyle(style + (extra or [])))
    return table


def _facts(rows: list[tuple[str, Any]], styles, width: float, label_share: float = 0.34) -> Table:
    cells = [[_c(label, styles["cell-bold"]),
              value if isinstance(value, (Flowable, _Text)) else _c(value, styles["cell"])] for label, value in rows]
    return _grid(cells, [width * label_share, width * (1 - label_share)], header=False,
                 extra=[("BACKGROUND", (0, 0), (0, -1), PALE)])


def _h1(text: str, key: str, styles, subtitle: str = "") -> list:
    items: list = [_Heading(text, styles["h1"], key)]
    if subtitle:
        items.append(_p(subtitle, styles["h1-sub"]))
    else:
        items.append(Spacer(1, 8))
    return items


# --- the cover and contents ---------------------------------------------------------------------


def _cover(data: PackInput, styles, width: float) -> list:
    case = data.case
    story: list = [_Anchor("cover"), Spacer(1, 18), _p(data.board, styles["cover-board"]),
                   _p(data.process.pack["subtitle"], styles["cover-sub"]),
                   _p(data.process.pack["title"], styles["cover-title"]),
                   _p(f"Case {case.reference}", styles["h2"]), Spacer(1, 8)]
    references = case.reference
    if data.other_cases:
        references += f" (this pack); also at this meeting: {', '.join(data.other_cases)} (separate packs)"
    asked = len(data.agencies)
    valid = sum(1 for a in data.agencies if a.state == "valid")
    facts = [
        ("Meeting date", format_date(data.meeting) if data.meeting else "Not set yet"),
        ("Case reference(s)", references),
        ("Decision due", _due_text(data)),
        ("Returns", f"{valid} of {asked} agencies asked have returned a valid {_request_id(data)}" if asked
         else "No requests issued"),
        (data.process.roles[data.process.meeting_chair], data.chair or "-"),
        ("Prepared by", f"{data.administrator}, {data.process.term('administrator')}" if data.administrator
         else data.process.term("administrator")),
        ("Pack built", format_date(data.built)),
    ]
    story.append(_facts(facts, styles, width, 0.28))
    story.append(Spacer(1, 16))
    missing = _missing_lines(data)
    if missing or not data.agencies:
        rows = [[_p(f"Missing or invalid: the {data.process.term('committee')} meets without these",
                    styles["cell-bold"])]]
        rows += [[_p(line, styles["cell"])] for line in missing]
        if not data.agencies:
            rows.append([_p("No requests have been issued for this case.", styles["cell"])])
        story.append(_grid(rows, [width], header=False, extra=[
            ("BACKGROUND", (0, 0), (-1, 0), RED_FILL), ("BACKGROUND", (0, 1), (-1, -1), AMBER),
            ("BOX", (0, 0), (-1, -1), 0.8, RED)]))
    else:
        story.append(_grid([[_p(f"Complete: all {asked} returns are in and valid.", styles["cell-bold"])]],
                           [width], header=False, extra=[("BACKGROUND", (0, 0), (-1, -1), PALE)]))
    story.append(Spacer(1, 28))
    board = data.process.term("board")  # "LSCB", "partnership": the process's word, never "board" from code
    notice = (f"{data.marking}. This pack holds personal data about {data.process.subject.a} and the people around them, shared "
              f"under the {board}'s information-sharing agreement for the {data.process.term('committee')}'s "
              f"decision only. Keep it on the {board}'s secure site or an encrypted device; do not forward it, "
              "print it only if you must, and destroy printed copies securely after the meeting.")
    story.append(_grid([[_p(notice, styles["small"])]], [width], header=False,
                       extra=[("BOX", (0, 0), (-1, -1), 0.6, RULE), ("BACKGROUND", (0, 0), (-1, -1), PALE)]))
    return story


def _due_text(data: PackInput) -> str:
    due = data.decision_due
    if not due:
        return "Not known (no notification date)"
    left = (due - data.built).days
    if left >= 0:
        text = f"{format_date(due)} ({left} day{'s' if left != 1 else ''} left on {format_date(data.built)})"
    else:
        text = f"{format_date(due)} ({-left} day{'s' if left != -1 else ''} LATE on {format_date(data.built)})"
    if data.meeting and data.meeting > due:
        text += "; due BEFORE this meeting"
    return text


def _contents(data: PackInput, outline: list, styles) -> list:
    story: list = _h1("Contents", "contents", styles, "Page numbers are those shown at the foot of each page "
                                                      "and in your PDF viewer.")
    for key, title, level in outline:
        if key in ("cover", "contents"):
            continue
        if level == 0:
            story.append(Spacer(1, 4))
        story.append(_ContentsLine(title, level, key))
    return story


# --- the agenda (the process's) -------------------------------------------------------------------------------


def _attending(item: AgencyReturn) -> list[dict]:
    return [row for row in item.values.get("practitioners") or [] if str(row.get("attending", "")).strip() == "Yes"]


def _agenda(data: PackInput, styles, width: float) -> list:
    process = data.process
    meeting = format_date(data.meeting) if data.meeting else "(date not set)"
    story = _h1(process.pack["agenda"]["title"], "agenda", styles,
                f"Meeting of the {process.term('committee_long')} on {meeting}  ·  case {data.case.reference}")
    for number, part in enumerate(process.agenda):
        flowables: list = [_Heading(part.title, styles["h2"], part.id)]
        if part.text:
            flowables.append(_p(part.text, styles["body"]))
        if part.practitioners:
            flowables.extend(_practitioners(data, styles, width))
        if part.criteria and process.criteria:
            flowables.extend(_criteria_table(process, styles, width))
        if part.options:
            flowables.extend(_options_table(process, part.options, styles, width))
        if part.closing:
            due = data.decision_due
            flowables.append(_p(process.text(part.closing, due_phrase=f"; the decision is due by {format_date(due)}."
                                             if due else "."), styles["body"]))
        # A later part (the decision sheet) is kept on one page when it fits on one: never its table split
        # over two pages, leaving the second nearly empty.
        story.extend([KeepTogether(flowables)] if number else flowables)
    return story


def _practitioners(data: PackInput, styles, width: float) -> list:
    story: list = [Spacer(1, 2), _p("Practitioners the agencies say will attend:", styles["label"])]
    rows = [[_c(h, styles["head"]) for h in ("Agency", "Practitioner", "Role", "Team", "Contact")]]
    none_attending, unknown = [], []
    for item in sorted(data.agencies, key=lambda a: a.order):
        if item.state == "outstanding":
            unknown.append(item.code)
            continue
        people = _attending(item)
        if not people:
            none_attending.append(item.code)
        for person in people:
            rows.append([_c(item.code, styles["cell-bold"]), _c(person.get("name"), styles["cell"]),
                         _c(person.get("role"), styles["cell"]), _c(person.get("team"), styles["cell"]),
                         _c(person.get("contact"), styles["cell"])])
    if len(rows) > 1:
        story.append(_grid(rows, [w * width for w in (0.1, 0.2, 0.17, 0.17, 0.36)]))
    else:
        story.append(_p("No agency has named a practitioner who will attend.", styles["muted"]))
    notes = []
    if none_attending:
        notes.append(f"No practitioner named as attending: {', '.join(none_attending)}.")
    if unknown:
        notes.append(f"Not known yet (return outstanding): {', '.join(unknown)}.")
    for note in notes:
        story.append(Spacer(1, 4))
        story.append(_p(note, styles["small"]))
    return story


BOX = "\u2610"


def _criteria_table(process, styles, width: float) -> list:
    rows = [[_c(h, styles["head"]) for h in ("", "Question to decide", "Met", "Not met", "Unclear")]]
    for criterion in process.criteria:
        rows.append([_c(criterion.tag, styles["cell-bold"]), _c(criterion.question or criterion.label, styles["cell"])]
                    + [_c(BOX, styles["cell"]) for _ in range(3)])
    return [_grid(rows, [width * 0.17, width * 0.53] + [width * 0.1] * 3,
                  extra=[("ALIGN", (2, 0), (-1, -1), "CENTER")]), Spacer(1, 8)]


def _options_table(process, intro: str, styles, width: float) -> list:
    rows = [[_c(BOX, styles["cell"]), _c(option.label or option.name, styles["cell-bold"]),
             _c(option.description, styles["cell"])] for option in process.options]
    if process.recommendation.further_information:
        rows.append([_c(BOX, styles["cell"]), _c("Further information needed", styles["cell-bold"]),
                     _c("What is needed, from whom, and the next meeting date: ____________________", styles["cell"])])
    return [KeepTogether([_p(intro, styles["body"]),
                          _grid(rows, [width * 0.05, width * 0.27, width * 0.68], header=False,
                                extra=[("ALIGN", (0, 0), (0, -1), "CENTER")])]), Spacer(1, 8)]


def _pack_word(data: PackInput) -> str:
    """What the pack is called in running heads and titles (the process's term, e.g. "Rapid review pack")."""
    word = data.process.term("pack")
    return word[:1].upper() + word[1:]


def _request_id(data: PackInput) -> str:
    return data.process.request_form.upper()


def _referral_title(data: PackInput) -> str:
    return f"The referral ({data.process.referral_form.upper()}) and the case's dates"


# --- the referral -------------------------------------------------------------------------------


def _display(kind: str, value: Any, raw: str = "") -> str:
    if kind == "tick":
        return "Yes" if value is True else "No"
    if kind == "date":
        day = _as_date(value)
        return format_date(day) if day else (raw or "")
    if value is None:
        return raw or ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


FRAME_HEIGHT = A4[1] - TOP_BAND - BOTTOM_BAND


def _section_heading(text: str, styles, width: float) -> Table:
    """A form section's heading as printed: a shaded band exactly as wide as the tables under it."""
    band = Table([[_p(text, styles["section"], bold=True)]], colWidths=[width])
    band.lk_heading = True  # tagged as a heading (H3), not a table
    band.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), FILL), ("LEFTPADDING", (0, 0), (-1, -1), 5),
                              ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return band


def _form_sections(form, values: dict, raw: dict, styles, width: float, skip_prefilled: bool) -> list:
    """A form's answers laid out by section as printed: short answers in a table, long ones flowing.

    A section's heading always stays with what follows it; an answer that fits on a page is kept on one
    page; a longer one starts where it is and flows on over as many pages as it needs, never cut."""
    story: list = []
    for section in form.sections:
        fields = [f for f in section.fields if not (skip_prefilled and f.prefilled)]
        if not fields:
            continue
        units: list[list] = []  # each a run of flowables that belongs together
        ticks = [f for f in fields if f.type == "tick"]
        if ticks:
            rows = [[_c("\u2612" if values.get(f.name) is True else "\u2610", styles["cell"]),
                     _c(f.label, styles["cell"])] for f in ticks]
            units.append([_grid(rows, [width * 0.05, width * 0.95], header=False, lines=False,
                                extra=[("ALIGN", (0, 0), (0, -1), "CENTER"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])])
        short: list = []
        for f in fields:
            if f.type == "tick":
                continue
            if f.type in ("longtext", "rows"):
                if short:
                    units.append([_facts(short, styles, width)])
                    short = []
                units.append(_long(f, values, raw, styles, width, section.label))
                continue
            text = _display(f.type, values.get(f.name), raw.get(f.name, ""))
            short.append((f.label, _c(text, styles["cell"]) if text else _c(NOT_ANSWERED, styles["cell-muted"])))
        if short:
            units.append([_facts(short, styles, width)])
        units[0] = [_section_heading(section.heading, styles, width), Spacer(1, 5), *units[0]]
        for unit in units:
            story.extend(_keep(unit, width))
            story.append(Spacer(1, 6))
        story.append(Spacer(1, 4))
    return story


def _keep(unit: list, width: float) -> list:
    """``unit`` kept on one page when it fits on one; otherwise started with room for its first lines.

    Its height is estimated (laying it out twice would cost more than the rest of the page), generously
    for text, so an answer only just short of a page still flows on rather than leaving a blank page."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    height = 0.0
    for flowable in unit:
        if isinstance(flowable, Paragraph):
            style = flowable.style
            lines = flowable.getPlainText().split("\n")
            count = sum(int(stringWidth(line, style.fontName, style.fontSize) * 1.06 / width) + 1 for line in lines)
            height += count * style.leading + style.spaceBefore + style.spaceAfter
        elif isinstance(flowable, Table):
            height += 20 * len(flowable._cellvalues)
        else:
            height += 20
    if height <= FRAME_HEIGHT - 24:
        return [KeepTogether(unit)]
    return [CondPageBreak(160), *unit]


def _long(f: Field, values: dict, raw: dict, styles, width: float, section_label: str) -> list:
    label = [] if f.label == section_label else [_p(f.label, styles["label"])]
    if f.type == "rows":
        rows = values.get(f.name) or []
        if not rows:
            return label + [_p("None given.", styles["muted"])]
        total = sum(c.width for c in f.columns)
        widths = [width * c.width / total for c in f.columns]
        table = [[_c(c.label, styles["head"]) for c in f.columns]]
        for row in rows:
            number = row.get("row")
            table.append([_c(_display(c.type, row.get(c.name), raw.get(f.cell_name(number, c.name), "")
                                       if number else ""), styles["cell"]) for c in f.columns])
        return label + [_grid(table, widths)]
    text = _display("longtext", values.get(f.name), raw.get(f.name, "")).strip()
    if not text:
        return label + [_p(NOT_ANSWERED, styles["muted"])]
    return label + [_p(chunk.strip("\n"), styles["answer"]) for chunk in re.split(r"\n\s*\n", text) if chunk.strip()]


def _root(data: PackInput) -> Path:
    """The workspace's folder (a case's folder is <workspace>/cases/<REF>): its own forms are found there."""
    return data.case.folder.parent.parent


def _referral(data: PackInput, styles, width: float) -> list:
    case = data.case
    process = data.process
    story = _h1(_referral_title(data), "referral", styles,
                "As the referrer completed it; section numbers and labels are the form's own.")
    dates = [
        (process.terms.get("notified_label", process.term("notified_short")),
         format_date(case.notified) if case.notified else "Not recorded"),
        ("Referral received (case opened)", format_date(case.opened) if case.opened else "Not recorded"),
        (process.terms.get("decision_due_label", "Decision due"), _due_text(data)),
        (process.term("meeting")[:1].upper() + process.term("meeting")[1:],
         format_date(data.meeting) if data.meeting else "Not set yet"),
    ]
    story.append(_facts(dates, styles, width, 0.42))
    referral = case.referral or {}
    problems = list(referral.get("problems") or [])
    if problems:
        story.append(Spacer(1, 8))
        story.append(_p("The referral was accepted with these problems:", styles["label"]))
        story.extend(_p(problem, styles["problem"]) for problem in problems)
    values = referral.get("values") or {}
    story.append(Spacer(1, 6))
    if not values:
        story.append(_p("No referral form is recorded with this case.", styles["muted"]))
    else:
        story.extend(_form_sections(load_form(process.referral_form, _root(data), process.terms), values, referral.get("raw") or {}, styles, width,
                                    skip_prefilled=False))
    people = [*case.subjects, *case.people]
    if any(person.address for person in people):  # what the agencies were sent with their request
        rows = [[_c(h, styles["head"]) for h in ("Name", "DOB", "Relationship", "Address")]]
        for number, person in enumerate(people):
            rows.append([_c(person.name, styles["cell"]), _c(format_date(person.dob), styles["cell"]),
                         _c(f"the {process.subject.one}" if number < len(case.subjects) else person.relationship,
                            styles["cell"]),
                         _c(person.address, styles["cell"])])
        subjects = process.subject.word(max(len(case.subjects), 1))
        story.extend(_keep([_section_heading(f"The {subjects} and significant people as sent to the agencies ({_request_id(data)})",
                                             styles, width), Spacer(1, 5),
                            _grid(rows, [width * w for w in (0.26, 0.13, 0.17, 0.44)])], width))
    return story


# --- returns at a glance ------------------------------------------------------------------------


def _glance(data: PackInput, styles, width: float) -> list:
    story = _h1("Returns at a glance", "glance", styles,
                f"Every {data.process.term('member')} asked ({_request_id(data)}), as at {format_date(data.built)}.")
    request = load_form(data.process.request_form, _root(data))
    heads = ("Agency", "Returned", f"{data.process.subject.word(capital=True)} known", "Open at the time",
             data.process.terms.get("criteria_short", "Criteria met?"), "Practitioners attending")
    rows = [[_c(h, styles["head"]) for h in heads]]
    extra = []
    for number, item in enumerate(sorted(data.agencies, key=lambda a: a.order), start=1):
        agency = _Para(f"<b>{_markup(item.code)}</b><br/>{_markup(item.agency)}", styles["cell"])
        if item.state == "outstanding":
            due = f", due {format_date(item.due)}" if item.due else ""
            rows.append([agency, _c(f"Outstanding{due}", styles["cell-bold"]), "", "", "", ""])
            extra += [("SPAN", (1, number), (-1, number)), ("BACKGROUND", (0, number), (-1, number), AMBER)]
            continue
        values = item.values
        people = _attending(item)
        attending = "; ".join(f"{p.get('name', '')}" + (f" ({p['role']})" if p.get("role") else "") for p in people)
        criteria = values.get("criteria_met") or ""
        cells = [agency, _c(format_date(item.returned), styles["cell"]),
                 _c(request.value(values, "subject_known") or "-", styles["cell"]),
                 _c(values.get("case_open") or "-", styles["cell"]),
                 _c(criteria or "-", styles["cell"]), _c(attending or "None", styles["cell"])]
        if item.state == "invalid":
            count = len(item.problems)
            cells[1] = _Para(f"{format_date(item.returned)}<br/><b>INVALID: {count} "
                                 f"problem{'s' if count != 1 else ''}</b>", styles["cell"])
            extra.append(("BACKGROUND", (0, number), (-1, number), RED_FILL))
        rows.append(cells)
    if len(rows) == 1:
        story.append(_p("No requests have been issued for this case.", styles["muted"]))
        return story
    story.append(_grid(rows, [w * width for w in (0.24, 0.14, 0.1, 0.12, 0.12, 0.28)], extra=extra))
    valid = sum(1 for a in data.agencies if a.state == "valid")
    story.append(Spacer(1, 6))
    story.append(_p(f"{valid} valid, {len(data.invalid)} invalid, {len(data.outstanding)} outstanding, of "
                    f"{len(data.agencies)} asked.", styles["small"]))
    return story


# --- the chronology -----------------------------------------------------------------------------


def chronology_rows(data: PackInput) -> list[tuple[dt.date | None, str, dict, str]]:
    """Every agency's chronology rows in date order (undated rows last): (date, agency code, row, date text)."""
    rows = []
    for item in data.received:
        for row in item.values.get("chronology") or []:
            day = _as_date(row.get("date"))
            text = format_date(day) if day else (item.raw.get(f"chronology_{row.get('row')}_date") or "undated")
            rows.append((day, item.code, row, text, item.order))
    rows.sort(key=lambda r: (r[0] is None, r[0] or dt.date.min, r[4], r[2].get("row") or 0))
    return [r[:4] for r in rows]


def _chronology(data: PackInput, styles, width: float) -> list:
    story = _h1("Multi-agency chronology", "chronology", styles,
                "Every agency's significant contacts up to the date of the incident, merged in date order.")
    rows = chronology_rows(data)
    if not rows:
        story.append(_p("No agency has returned a chronology yet.", styles["muted"]))
        return story
    table = [[_c(h, styles["head"]) for h in ("Date", "Agency", "Contact / event", "Practitioner or team",
                                               "Action / outcome")]]
    extra = []
    for number, (_day, code, row, text) in enumerate(rows, start=1):
        table.append([_c(text, styles["cell"]), _c(code, styles["cell-bold"]), _c(row.get("event"), styles["cell"]),
                      _c(row.get("practitioner"), styles["cell"]), _c(row.get("outcome"), styles["cell"])])
        if number % 2 == 0:
            extra.append(("BACKGROUND", (0, number), (-1, number), PALE))
    from reportlab.pdfbase.pdfmetrics import stringWidth

    code_width = max(44.0, *(stringWidth(code, SANS_BOLD, 8.5) + 10 for _d, code, _r, _t in rows))
    rest = width - width * 0.12 - code_width
    story.append(_grid(table, [width * 0.12, code_width, rest * 0.38, rest * 0.25, rest * 0.37], extra=extra))
    attached = [(item.code, d.name) for item in data.received for d in item.attached]
    if attached:
        story.append(Spacer(1, 6))
        story.append(_p("Documents attached to returns (fuller chronologies among them) follow each agency's "
                        "return: " + "; ".join(f"{code}: {name}" for code, name in attached) + ".", styles["small"]))
    return story


# --- each agency's return -----------------------------------------------------------------------


def _agency(data: PackInput, item: AgencyReturn, styles, width: float) -> list:
    completed = _display("date", item.values.get("completion_date"), item.raw.get("completion_date", ""))
    sub = f"{_request_id(data)} returned {format_date(item.returned)}" + (f"  ·  completed {completed}" if completed else "")
    story = _h1(f"{item.code}: {item.agency}", f"agency-{item.code}", styles, sub)
    if item.state == "invalid":
        rows = [[_c(f"This return is INVALID ({len(item.problems)} problem{'s' if len(item.problems) != 1 else ''}); "
                    "shown as received:", styles["cell-bold"])]]
        rows += [[_c(f"- {problem}", styles["cell"])] for problem in item.problems]
        story.append(_grid(rows, [width], header=False, extra=[("BACKGROUND", (0, 0), (-1, -1), RED_FILL),
                                                               ("BOX", (0, 0), (-1, -1), 0.8, RED)]))
        story.append(Spacer(1, 6))
    if item.values:
        story.extend(_form_sections(load_form(data.process.request_form, _root(data), data.process.terms), item.values, item.raw, styles, width, skip_prefilled=True))
    else:
        story.append(_p("No answers could be read from this return.", styles["muted"]))
    if item.attached:
        rows = [[_c(h, styles["head"]) for h in ("Document", "In this pack")]]
        for document in item.attached:
            where = (f"merged: {len(document.pages)} page{'s' if len(document.pages) != 1 else ''}, after this page"
                     if document.merged else f"{document.note} ({document.relative})")
            rows.append([_c(document.name, styles["cell"]), _c(where, styles["cell"])])
        story.extend(_keep([_section_heading(f"Documents attached by {item.code}", styles, width), Spacer(1, 5),
                            _grid(rows, [width * 0.45, width * 0.55])], width))
        for document in item.attached:
            if not document.merged:
                continue
            for index, (left, bottom, right, top, rotation) in enumerate(document.pages):
                wide = (right - left) > (top - bottom)
                if rotation in (90, 270):
                    wide = not wide
                page = _AttachedPage(item.code, document, index, styles)
                if index == 0:
                    page.pack_key = document.key
                story += [NextPageTemplate("attached-landscape" if wide else "attached"), PageBreak(), page]
        story.append(NextPageTemplate("body"))
    return story


