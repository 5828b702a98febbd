"""Fillable PDF forms, drawn from a form definition with reportlab.

A form is a real AcroForm on A4: the board's name
in the header, the form id and version with "page x of y" in the footer, one widget per box of the
definition (multi-line text for long answers, tick-boxes, drop-down lists for yes/no and choices,
tables of boxes for repeating rows), each with a tooltip that repeats its label for screen readers.

Known traps handled here: reportlab caps text fields at 100 characters unless told otherwise
(``maxlen=None``); it makes tick-boxes required unless told otherwise (``fieldFlags=""``); only the
rules in schemas/ decide what is required. Viewers regenerate appearances of what is typed
(``/NeedAppearances true``), and every widget lifkit writes carries its own appearance stream, so
macOS Preview (which ignores NeedAppearances) shows them too.

This module imports reportlab at its top: it is itself imported only inside the functions that render
a form, so ``lifkit --help`` never loads it, and reading a returned form (:mod:`lifkit.documents.pdfread`)
never does. What reportlab cannot do (metadata, language, date actions) is added by
:mod:`lifkit.mechanics.pdf`, the one module that drives a PDF library.

The form's identity is stored twice: in the document information dictionary, and in a hidden
read-only field (:data:`lifkit.documents.pdfread.IDENTITY_FIELD`).
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Paragraph, Spacer, Table,
                                TableStyle)

from lifkit.documents.formdef import DATE_HINT, Field, FormDef
from lifkit.mechanics.dates import format_date
from lifkit.documents.identity import FormIdentity
# read_fields is re-exported for the tests that read a drawn form back
from lifkit.documents.pdfread import IDENTITY_FIELD, identity_value, read_fields  # noqa: F401
from lifkit.mechanics.pdftags import Marked, artifact, start as start_tags
from lifkit.mechanics.pdftext import (SANS, SANS_BOLD, column_widths, draw_string, fit_width, form_font, markup,
                                      register_fonts, string_width)

BLANK_CHOICE = " "  # the "nothing chosen yet" entry of a drop-down list

PAGE_MARGIN = 42  # points
HEADER_SPACE = 58
FOOTER_SPACE = 46
BOX_HEIGHT = 18
CELL_HEIGHT = 22
LONG_BOX_HEIGHT = 120
# reportlab draws the boxes with Helvetica; finish_form() then gives every text box and drop-down the
# form's own embedded font (LifkitFormSans: Latin Extended and Arabic script), which viewers draw typing with
WIDGET_FONT = "Helvetica"
BOX_FILL = "#F2F6FB"
BOX_BORDER = "#5B6B7F"
HEADING_FILL = "#DCE6F1"
CHOICES_GAP = 8  # between a drop-down and its printed choices


def render_pdf(ctx, path: Path) -> None:
    """Write the fillable PDF form for ``ctx`` (a :class:`lifkit.documents.generate.RenderContext`) to ``path``."""
    from lifkit.mechanics.files import atomic_write_bytes

    register_fonts()
    data, tags = _build(ctx)
    atomic_write_bytes(Path(path), _finish(data, ctx, tags))


def _finish(data: bytes, ctx, tags: list) -> bytes:
    """Add what reportlab cannot: the identity metadata, NeedAppearances, language, title display and
    Acrobat's date actions on every date box (so Acrobat Reader checks and shows dd/mm/yyyy as it is
    typed; the label and the tooltip carry the same hint for other viewers)."""
    from lifkit.mechanics.pdf import finish_form

    info = dict(ctx.identity.metadata())
    info.update({"Title": f"{ctx.form.id} {ctx.form.title}", "Subject": ctx.board_name, "Creator": "lifkit"})
    dates = {name for name, field, column in ctx.form.widgets() if (column.type if column else field.type) == "date"}
    return finish_form(data, info, "en-GB", dates, font=form_font(), tags=tags)


# --- layout -----------------------------------------------------------------------------------


def _styles():


    return {
        "title": ParagraphStyle("title", fontName=SANS_BOLD, fontSize=15, leading=19, spaceAfter=4),
        "board": ParagraphStyle("board", fontName=SANS, fontSize=10, leading=13, textColor=HexColor("#333333")),
        "note": ParagraphStyle("note", fontName=SANS, fontSize=9, leading=12, spaceBefore=6, spaceAfter=8,
                               textColor=HexColor("#333333")),
        "heading": ParagraphStyle("heading", fontName=SANS_BOLD, fontSize=10.5, leading=13.5,
                                  backColor=HexColor(HEADING_FILL), borderPadding=(4, 4, 4, 4),
                                  spaceBefore=12, spaceAfter=8, keepWithNext=1),
        "label": ParagraphStyle("label", fontName=SANS, fontSize=9, leading=11.5),
        "cellhead": ParagraphStyle("cellhead", fontName=SANS_BOLD, fontSize=8, leading=10),
        "rownumber": ParagraphStyle("rownumber", fontName=SANS, fontSize=7, leading=9, alignment=1),
        "value": ParagraphStyle("value", fontName=SANS, fontSize=9.5, leading=12.5),
        "return": ParagraphStyle("return", fontName=SANS, fontSize=9.5, leading=12.5),
        "choices": ParagraphStyle("choices", fontName=SANS, fontSize=8.5, leading=10.5, textColor=HexColor("#444444")),
    }


def _build(ctx) -> bytes:
    """The form drawn once: "Page x of y" is written on each page when the last page is known."""
    buffer = io.BytesIO()
    width, height = A4
    doc = BaseDocTemplate(buffer, pagesize=A4, leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN,
                          topMargin=HEADER_SPACE, bottomMargin=FOOTER_SPACE,
                          title=f"{ctx.form.id} {ctx.form.title}", author=ctx.board_name, creator="lifkit",
                          invariant=1)
    frame = Frame(PAGE_MARGIN, FOOTER_SPACE, width - 2 * PAGE_MARGIN, height - HEADER_SPACE - FOOTER_SPACE,
                  id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def on_page(canvas, document):
        _header_footer(canvas, document, ctx)

    doc.addPageTemplates([PageTemplate(id="form", frames=[frame], onPage=on_page)])
    start_tags(doc)
    doc.build(_story(ctx, frame._width), canvasmaker=_NumberedCanvas)
    return buffer.getvalue(), doc.lk_tags


class _NumberedCanvas(Canvas):
    """A canvas that holds each finished page until the document is saved, then writes "Page x of y"
    on every page: the page count is known without drawing the form a second time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict] = []

    def showPage(self):  # noqa: N802 - reportlab's name
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            _page_label(self, total)
            super().showPage()
        super().save()


def _page_label(canvas, total_pages: int) -> None:
    width, _ = A4
    label = f"Page {canvas.getPageNumber()} of {total_pages}"
    with artifact(canvas):  # a running footer: not part of the form's reading order
        canvas.saveState()
        canvas.setFillColor(HexColor("#444444"))
        draw_string(canvas, width - PAGE_MARGIN - string_width(label, 8), 22, label, 8)
        canvas.restoreState()


def _header_footer(canvas, doc, ctx) -> None:
    with artifact(canvas):  # running header and footer: not part of the reading order
        _draw_header_footer(canvas, ctx)


def _draw_header_footer(canvas, ctx) -> None:
    width, height = A4
    canvas.saveState()
    canvas.setFillColor(HexColor("#1F3864"))
    right = f"{ctx.form.id}" + (f"  {ctx.identity.case_ref}" if ctx.identity.case_ref else "")
    right_width = string_width(right, 9, True)
    # a long board name is shortened to end before the form id (page 1 prints it in full under the title)
    board = fit_width(ctx.board_name, width - 2 * PAGE_MARGIN - right_width - 18, 9.5, bold=True)
    draw_string(canvas, PAGE_MARGIN, height - 32, board, 9.5, bold=True)
    draw_string(canvas, width - PAGE_MARGIN - right_width, height - 32, right, 9, bold=True)
    canvas.setStrokeColor(HexColor("#1F3864"))
    canvas.setLineWidth(0.8)
    canvas.line(PAGE_MARGIN, height - 38, width - PAGE_MARGIN, height - 38)
    canvas.setFillColor(HexColor("#444444"))
    canvas.line(PAGE_MARGIN, 34, width - PAGE_MARGIN, 34)
    draw_string(canvas, PAGE_MARGIN, 22, f"{ctx.form.id} version {ctx.form.version}  ·  "
                                        "OFFICIAL-SENSITIVE when completed", 8)
    if canvas.getPageNumber() == 1:
        _identity_widget(canvas, ctx.identity)
    canvas.restoreState()


def _identity_widget(canvas, identity: FormIdentity) -> None:
    canvas.acroForm.textfield(name=IDENTITY_FIELD, value=identity_value(identity), x=PAGE_MARGIN, y=4,
                              width=120, height=10, annotationFlags="hidden", fieldFlags="readOnly",
                              maxlen=None, borderWidth=0, fontName=WIDGET_FONT, fontSize=6,
                              tooltip="lifkit form identity (not for completion)")


def _story(ctx, width: float) -> list:


    styles = _styles()
    form: FormDef = ctx.form
    story = [
        Marked(Paragraph(markup(f"{form.id}: {form.title}", bold=True), styles["title"]), "H1"),
        Marked(Paragraph(markup(ctx.board_name), styles["board"]), "P"),
    ]
    if form.note:
        story.append(Marked(Paragraph(markup(form.note), styles["note"]), "P"))
    for section in form.sections:
        heading = Marked(Paragraph(markup(section.heading, bold=True), styles["heading"]), "H2")
        prefilled = [f for f in section.fields if f.prefilled]
        group: list = [heading]
        if prefilled:
            story.extend(group + [Marked(f, "P") for f in _prefilled_block(prefilled, ctx.prefill, width, styles)])
            group = []
        # The boxes between tables are kept together, with the heading before them: a question's second
        # box ("Why?") never lands on the next page away from its heading. A table may split (its
        # heading row repeats; the heading is kept with its top).
        for field in section.fields:
            if field.prefilled:
                continue
            flowables = [Marked(f, "P") for f in _field_flowables(field, width, styles, section.label,
                                                                  ctx.prefill.get(field.name))]
            if field.type == "rows":
                story.extend(_kept(group) + flowables)
                group = []
            else:
                group.extend(flowables)
        story.extend(_kept(group))
    if ctx.return_to:  # one block, never split over a page
        text = "<b>Please return this form to:</b><br/>" + markup("\n".join(ctx.return_to))
        story.append(KeepTogether([Spacer(1, 12), Marked(Paragraph(text, styles["return"]), "P")]))
    return story


def _kept(flowables: list) -> list:
    """``flowables`` as one block kept on a page (when it fits on one), or as they are when one or none."""
    return [KeepTogether(flowables)] if len(flowables) > 1 else flowables


def _label_text(field: Field, column=None) -> str:
    label = column.label if column is not None else field.label
    kind = column.type if column is not None else field.type
    return f"{label} ({DATE_HINT})" if kind == "date" else label


def _wants(kind: str, choices: tuple[str, ...] = ()) -> str:
    """What a box of ``kind`` wants, for its tooltip (what a screen reader announces)."""
    return {"date": f"date, {DATE_HINT}", "email": "email address", "phone": "telephone number",
            "yesno": "Yes or No", "choice": "one of: " + ", ".join(choices), "tick": "tick if it applies",
            "longtext": "several lines allowed"}.get(kind, "")


def _tooltip(field: Field, row: int | None = None, column=None) -> str:
    """The box's tooltip (/TU): its label as printed, and what it wants with its format where it has one:
    "Child's date of birth (date, dd/mm/yyyy)"."""
    kind = column.type if column is not None else field.type
    label = column.label if column is not None else field.label
    if column is not None:
        label = f"{field.label}, row {row}: {label}"
    wants = _wants(kind, ("Yes", "No") if kind == "yesno" else field.choices)
    return f"{label} ({wants})" if wants else label


def _field_flowables(field: Field, width: float, styles, section_label: str, start=None) -> list:
    if field.type == "rows":
        return [_table(field, width, styles, start if isinstance(start, (list, tuple)) else ())]
    kind = {"tick": _Tick, "longtext": _LongBox}.get(field.type, _LabelledBox)
    return [kind(field, styles, section_label)]


def _draw_widget(canvas, name: str, kind: str, x: float, y: float, width: float, height: float,
                 tooltip: str, options: tuple[str, ...] = (), font_size: float = 10, multiline: bool = False,
                 value: str = ""):
    """Draw one AcroForm widget at (x, y) relative to the current flowable."""

    doc = getattr(canvas, "_doctemplate", None)
    if doc is not None and hasattr(doc, "lk_widgets"):
        doc.lk_widgets.append(name)  # for the structure tree, in the order drawn
    common = dict(name=name, tooltip=tooltip, x=x, y=y, relative=True, borderColor=HexColor(BOX_BORDER),
                  fillColor=HexColor(BOX_FILL), borderWidth=0.6)
    form = canvas.acroForm
    if kind == "tick":
        form.checkbox(size=min(width, height), checked=False, buttonStyle="check", shape="square",
                      fieldFlags="", textColor=HexColor("#000000"), **common)
    elif kind in ("yesno", "choice"):
        # reportlab's choice() fails without a value, so the blank first option is a single space
        form.choice(value=BLANK_CHOICE, options=[BLANK_CHOICE, *options], fieldFlags="combo", width=width, height=height,
                    fontName=WIDGET_FONT, fontSize=font_size, textColor=HexColor("#000000"), **common)
    else:
        form.textfield(value=value, width=width, height=height, fieldFlags="multiline" if multiline else "",
                       maxlen=None, fontName=WIDGET_FONT, fontSize=font_size, textColor=HexColor("#000000"),
                       **common)


def _box_width(field: Field, available: float) -> float:
    return {"date": 110, "yesno": 90, "phone": 180, "choice": min(200, available)}.get(field.type, available)


class _FieldFlowable(Flowable):
    """A flowable that draws one field: a label paragraph and its widget."""

    def __init__(self, field: Field, styles, section_label: str = ""):
        super().__init__()
        self.field, self.styles, self.section_label = field, styles, section_label

    def _label(self, width: float):
        text = "" if self.field.label == self.section_label else _label_text(self.field)
        paragraph = Paragraph(markup(text), self.styles["label"])
        _, height = paragraph.wrap(width, 10_000)
        return paragraph, height


class _LabelledBox(_FieldFlowable):
    """A label on the left and a one-line box (text, date, email, phone or drop-down) on the right.

    A drop-down prints as an empty box, so its choices ("Yes / No") are printed beside it (under it
    when there is no room): a form printed and filled in by hand still shows what may be chosen."""

    def wrap(self, available_width, available_height):
        self.width = available_width
        self.label_width = available_width * 0.36
        self.paragraph, label_height = self._label(self.label_width - 8)
        if not self.paragraph.text:  # the section heading says it all: the box starts at the left
            self.label_width = 0
        self.box_width = _box_width(self.field, self.width - self.label_width)
        self.choices, self.choices_under = None, 0.0
        if self.field.type in ("yesno", "choice"):
            text = markup(" / ".join(self.field.choices))
            beside = self.width - self.label_width - self.box_width - CHOICES_GAP
            self.choices = Paragraph(text, self.styles["choices"])
            _, height = self.choices.wrap(max(beside, 1), 10_000)
            if beside < 60 or height > BOX_HEIGHT:
                _, height = self.choices.wrap(self.width - self.label_width, 10_000)
                self.choices_under = height + 2
        self.height = max(label_height, BOX_HEIGHT + self.choices_under) + 6
        return self.width, self.height

    def draw(self):
        self.paragraph.drawOn(self.canv, 0, self.height - 3 - self.paragraph.height)
        box_y = self.height - 3 - BOX_HEIGHT
        _draw_widget(self.canv, self.field.name, self.field.type, self.label_width, box_y,
                     self.box_width, BOX_HEIGHT, _tooltip(self.field), self.field.choices)
        if self.choices is not None and self.choices_under:
            self.choices.drawOn(self.canv, self.label_width, box_y - self.choices_under)
        elif self.choices is not None:
            self.choices.drawOn(self.canv, self.label_width + self.box_width + CHOICES_GAP,
                                box_y + (BOX_HEIGHT - self.choices.height) / 2)


class _LongBox(_FieldFlowable):
    """A label above a multi-line box for a long answer."""

    def wrap(self, available_width, available_height):
        self.width = available_width
        self.paragraph, self.label_height = self._label(available_width)
        if not self.paragraph.text:
            self.label_height = 0
        self.box_height = self.field.height or LONG_BOX_HEIGHT
        self.height = self.label_height + 4 + self.box_height + 8
        return self.width, self.height

    def draw(self):
        self.paragraph.drawOn(self.canv, 0, self.height - self.label_height)
        _draw_widget(self.canv, self.field.name, "longtext", 0, 8, self.width, self.box_height,
                     _tooltip(self.field), font_size=10, multiline=True)


class _Tick(_FieldFlowable):
    """A tick-box with its label beside it."""

    size = 12

    def wrap(self, available_width, available_height):
        self.width = available_width
        self.paragraph, label_height = self._label(available_width - self.size - 8)
        self.height = max(label_height, self.size) + 6
        return self.width, self.height

    def draw(self):
        top = self.height - 3
        self.paragraph.drawOn(self.canv, self.size + 8, top - self.paragraph.height)
        _draw_widget(self.canv, self.field.name, "tick", 0, top - self.size, self.size, self.size,
                     _tooltip(self.field))


class _Cell(Flowable):
    """One box of a table row, filling its cell."""

    def __init__(self, name: str, kind: str, width: float, tooltip: str, options: tuple[str, ...], value: str = ""):
        super().__init__()
        self.name, self.kind, self.tooltip, self.options, self.value = name, kind, tooltip, options, value
        self.width, self.height = width, CELL_HEIGHT - 4

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        _draw_widget(self.canv, self.name, self.kind, 0, 0, self.width, self.height, self.tooltip, self.options,
                     font_size=8, multiline=self.kind == "text", value=self.value)


def _table(field: Field, width: float, styles, start=()):
    """A table of boxes: a header row of column labels, then ``field.rows`` rows of boxes. ``start`` (row
    dicts) gives boxes a starting value, which the person filling in the form may change."""


    number_width = 20
    labels = [_label_text(field, c) + (" (Yes / No)" if c.type == "yesno" else "") for c in field.columns]
    widths = [number_width] + column_widths([c.width for c in field.columns], width - number_width,
                                            [[(label, 8, True)] for label in labels])
    header = [Paragraph("", styles["cellhead"])] + [Paragraph(markup(label, bold=True), styles["cellhead"])
                                                    for label in labels]
    rows = [header]
    for row in range(1, field.rows + 1):
        cells = [Paragraph(str(row), styles["rownumber"])]
        for column, column_width in zip(field.columns, widths[1:]):
            options = ("Yes", "No") if column.type == "yesno" else ()
            given = start[row - 1].get(column.name) if row <= len(start) and isinstance(start[row - 1], dict) else None
            cells.append(_Cell(field.cell_name(row, column.name), column.type, column_width - 4,
                               _tooltip(field, row, column), options,
                               format_date(given) if given not in (None, "") and column.type != "yesno" else ""))
        rows.append(cells)
    table = Table(rows, colWidths=widths, repeatRows=1, rowHeights=[None] + [CELL_HEIGHT] * field.rows)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), HexColor(HEADING_FILL)),
        ("GRID", (0, 0), (-1, -1), 0.4, HexColor("#9AA7B5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 1), (0, -1), 1), ("RIGHTPADDING", (0, 1), (0, -1), 1),
        ("LEFTPADDING", (1, 1), (-1, -1), 2), ("RIGHTPADDING", (1, 1), (-1, -1), 2),
        ("TOPPADDING", (1, 1), (-1, -1), 2), ("BOTTOMPADDING", (1, 1), (-1, -1), 2),
    ]))
    return table


def _prefilled_block(fields: list[Field], values: dict, width: float, styles) -> list:
    """The read-only part lifkit fills in, drawn as text (so every script renders), not as boxes."""


    def text(value) -> str:
        return format_date(value) if value not in (None, "") else "-"

    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, HexColor("#9AA7B5")), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (0, -1), HexColor("#F4F4F4"))])
    simple = [f for f in fields if f.type != "rows"]
    flowables = []
    if simple:
        rows = [[Paragraph(markup(f.label, bold=True), styles["label"]),
                 Paragraph(markup(text(values.get(f.name))), styles["value"])] for f in simple]
        table = Table(rows, colWidths=[width * 0.32, width * 0.68], splitInRow=1)
        table.setStyle(grid)
        flowables.append(table)
    for field in (f for f in fields if f.type == "rows"):
        people = values.get(field.name) or []
        widths = column_widths([c.width for c in field.columns], width,
                               [[(c.label, 8, True)] + [(text(person.get(c.name)), 9.5, False) for person in people
                                                        if isinstance(person, dict)] for c in field.columns])
        rows = [[Paragraph(markup(c.label, bold=True), styles["cellhead"]) for c in field.columns]]
        for person in people:
            rows.append([Paragraph(markup(text(person.get(c.name))), styles["value"]) for c in field.columns])
        if not people:
            rows.append([Paragraph("None recorded", styles["value"])] + [""] * (len(field.columns) - 1))
        table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, HexColor("#9AA7B5")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("BACKGROUND", (0, 0), (-1, 0), HexColor("#F4F4F4"))]))
        flowables.extend([Spacer(1, 8), Paragraph(markup(field.label, bold=True), styles["label"]), Spacer(1, 3),
                          table])
    return flowables
