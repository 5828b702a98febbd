"""Word forms: :func:`render_docx` makes a fillable .docx of a form (``wordread.read_docx`` reads one back).

The .docx is made from the docxtpl template ``templates/form.docx`` (page set-up, styles, header,
footer and the wording around the form; see ``templates/README.md``). lifkit builds the form itself
(sections, labels, boxes and tables) from the form definition and puts it where the template's
``{{p form_body }}`` paragraph is.

Every box is a Word content control whose tag (``w:tag``) is the box's widget name, as in the PDF:
a field's ``name``, or ``<field>_<row>_<column>`` for a table cell. Short text, e-mail and telephone
boxes are plain text controls, dates are date pickers (dd/MM/yyyy), yes/no and choice fields are
drop-down lists, ticks are Word 2010 check boxes, and long text boxes are rich text controls that take
several paragraphs; all sit in table cells that grow with what is typed ("Boxes expand to fit").
Each control also has a hidden bookmark ``_lk_<tag>`` just before it: LibreOffice 7.4 drops content
control tags when it saves a .docx but keeps bookmarks, so ``read_docx`` can still tell the boxes
apart in a form an agency filled in and saved with LibreOffice.

The form's identity (``FormIdentity.metadata()``) is stored as Word custom document properties.
No person's name goes into any document property.

docxtpl, python-docx, lxml and jinja2 are imported inside the functions: ``lifkit --help`` and the
commands that do not make or read Word files never load them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifkit.errors import InputError
from lifkit.documents.formdef import DATE_HINT, YES_NO, Column, Field, Section

if TYPE_CHECKING:
    from lifkit.documents.generate import RenderContext

TEMPLATE = "form.docx"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"  # Word's "Strict Open XML" option
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the format id Word gives user properties
NSMAP = {"w": W_NS, "w14": W14_NS}

BOOKMARK_PREFIX = "_lk_"  # hidden bookmarks (a leading underscore hides them in Word's list)
BOOKMARK_MAX = 40  # Word's limit on a bookmark's name

PLACEHOLDER_TEXT = "Click or tap here to enter text."
PLACEHOLDER_CELL = "Type here"
PLACEHOLDER_CHOICE = "Choose an item."
PLACEHOLDER_YESNO_CELL = "Yes / No"
DATE_FORMAT = "dd/MM/yyyy"  # Word's picture for dd/mm/yyyy
# Prompts that mean "empty" even where the file lost its showing-placeholder flag (LibreOffice drops
# it from plain text boxes): lifkit's own and Word's usual ones.
KNOWN_PLACEHOLDERS = frozenset({
    PLACEHOLDER_TEXT, PLACEHOLDER_CELL, PLACEHOLDER_CHOICE, PLACEHOLDER_YESNO_CELL, DATE_HINT,
    "Click here to enter text.", "Click or tap to enter a date.", "Click here to enter a date.",
})
BOX_CHECKED, BOX_UNCHECKED, BOX_FONT = "2612", "2610", "MS Gothic"

MISSING = "-"  # a pre-filled value that lifkit does not have
NONE_RECORDED = "None recorded"

# Layout, in twentieths of a point.
TICK_WIDTH = 567
LABEL_SHARE = 0.36  # of the text width, for the label column of a section's table
ROW_HEIGHT = 340
LONGTEXT_HEIGHT = 1400
LABEL_FILL = "E8EDF4"
CELL_PADDING_POINTS = 12  # a table cell's left and right margins together (the Form Table style's 108 twips each)
PREFILLED_FILL = "F2F2F2"


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: Any) -> str:
    """``value`` as text that XML can hold: line ends made ``\\n``, control characters dropped."""
    text = "" if value is None else str(value)
    return _XML_ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _q(name: str) -> str:
    """``w:tag`` as lxml's ``{namespace}tag``."""
    prefix, local = name.split(":")
    return f"{{{NSMAP[prefix]}}}{local}"


# --------------------------------------------------------------------------------------------------
# Making a form


class _FormBody:
    """The form's XML, for the template's ``{{p form_body }}``: Jinja inserts it unescaped."""

    def __init__(self, xml: str):
        self.xml = xml
        self.used = False

    def __html__(self) -> str:
        self.used = True
        return self.xml

    def __str__(self) -> str:
        return self.__html__()


class _BodyBuilder:
    """Builds the form's sections as WordprocessingML elements (lxml) under one ``w:body``."""

    def __init__(self, ctx: "RenderContext", text_width: int):
        from lxml import etree

        self.etree = etree
        self.ctx = ctx
        self.width = text_width
        self.root = etree.Element(_q("w:body"), nsmap=NSMAP)
        self.next_id = 1
        self.label_width = max(int(text_width * LABEL_SHARE), TICK_WIDTH * 2)
        self.answer_width = text_width - self.label_width

    # ---- elements -----------------------------------------------------------------------------
    def sub(self, parent, tag: str, attrs: dict[str, str] | None = None):
        element = self.etree.SubElement(parent, _q(tag))
        for key, value in (attrs or {}).items():
            element.set(_q(key), value)
        return element

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def paragraph(self, parent, style: str, text: str | None = None, keep_next: bool = False,
                  center: bool = False):
        p = self.sub(parent, "w:p")
        ppr = self.sub(p, "w:pPr")
        self.sub(ppr, "w:pStyle", {"w:val": style})
        if keep_next:
            self.sub(ppr, "w:keepNext")
        if center:
            self.sub(ppr, "w:jc", {"w:val": "center"})
        if text is not None:
            self.run(p, text)
        return p

    def run(self, parent, text: str, char_style: str | None = None):
        """A run of ``text``; line breaks and tabs become Word's own."""
        r = self.sub(parent, "w:r")
        if char_style:
            self.sub(self.sub(r, "w:rPr"), "w:rStyle", {"w:val": char_style})
        for number, line in enumerate(clean_text(text).split("\n")):
            if number:
                self.sub(r, "w:br")
            for index, piece in enumerate(line.split("\t")):
                if index:
                    self.sub(r, "w:tab")
                if piece:
                    t = self.sub(r, "w:t")
                    t.text = piece
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        return r

    def table(self, widths: list[int]):
        if len(self.root) and self.root[-1].tag == _q("w:tbl"):
            self.spacer()  # Word would join two tables that touch
        tbl = self.sub(self.root, "w:tbl")
        pr = self.sub(tbl, "w:tblPr")
        self.sub(pr, "w:tblStyle", {"w:val": "FormTable"})
        self.sub(pr, "w:tblW", {"w:w": str(sum(widths)), "w:type": "dxa"})
        self.sub(pr, "w:tblLayout", {"w:type": "fixed"})
        self.sub(pr, "w:tblLook", {"w:val": "0020", "w:firstRow": "1", "w:lastRow": "0", "w:firstColumn": "0",
                                   "w:lastColumn": "0", "w:noHBand": "1", "w:noVBand": "1"})
        grid = self.sub(tbl, "w:tblGrid")
        for width in widths:
            self.sub(grid, "w:gridCol", {"w:w": str(width)})
        return tbl

    def row(self, tbl, height: int | None = ROW_HEIGHT, header: bool = False, cant_split: bool = True):
        tr = self.sub(tbl, "w:tr")
        pr = self.sub(tr, "w:trPr")
        if cant_split:
            self.sub(pr, "w:cantSplit")
        if height:
            self.sub(pr, "w:trHeight", {"w:val": str(height), "w:hRule": "atLeast"})
        if header:
            self.sub(pr, "w:tblHeader")
        return tr

    def cell(self, tr, width: int, span: int = 1, fill: str | None = None, middle: bool = True):
        tc = self.sub(tr, "w:tc")
        pr = self.sub(tc, "w:tcPr")
        self.sub(pr, "w:tcW", {"w:w": str(width), "w:type": "dxa"})
        if span > 1:
            self.sub(pr, "w:gridSpan", {"w:val": str(span)})
        if fill:
            self.sub(pr, "w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": fill})
        if middle:
            self.sub(pr, "w:vAlign", {"w:val": "center"})
        return tc

    def spacer(self) -> None:
        self.paragraph(self.root, "FormSpacer")

    # ---- content controls ---------------------------------------------------------------------
    def bookmark(self, parent, tag: str) -> None:
        """A hidden, empty bookmark ``_lk_<tag>`` just before the control (see the module's doc)."""
        name = BOOKMARK_PREFIX + tag
        if len(name) > BOOKMARK_MAX:
            return
        number = self.new_id()
        self.sub(parent, "w:bookmarkStart", {"w:id": number, "w:name": name})
        self.sub(parent, "w:bookmarkEnd", {"w:id": number})

    def sdt_properties(self, sdt, tag: str, alias: str, placeholder: bool, font: str | None = None):
        pr = self.sub(sdt, "w:sdtPr")
        if font:
            self.sub(self.sub(pr, "w:rPr"), "w:rFonts",
                     {"w:ascii": font, "w:eastAsia": font, "w:hAnsi": font, "w:hint": "eastAsia"})
        self.sub(pr, "w:alias", {"w:val": clean_text(alias)})
        self.sub(pr, "w:tag", {"w:val": tag})
        self.sub(pr, "w:id", {"w:val": self.new_id()})
        self.sub(pr, "w:lock", {"w:val": "sdtLocked"})  # the box cannot be deleted; its contents can
        if placeholder:
            self.sub(pr, "w:showingPlcHdr")
        return pr

    def placeholder_run(self, parent, text: str) -> None:
        self.run(parent, text, char_style="PlaceholderText")

    def text_control(self, p, tag: str, alias: str, prompt: str, value: str = "") -> None:
        self.bookmark(p, tag)
        sdt = self.sub(p, "w:sdt")
        pr = self.sdt_properties(sdt, tag, alias, placeholder=not value)
        self.sub(pr, "w:text")
        if value:  # a starting value, which the person filling in the form may change
            self.run(self.sub(sdt, "w:sdtContent"), value)
        else:
            self.placeholder_run(self.sub(sdt, "w:sdtContent"), prompt)

    def date_control(self, p, tag: str, alias: str) -> None:
        self.bookmark(p, tag)
        sdt = self.sub(p, "w:sdt")
        pr = self.sdt_properties(sdt, tag, alias, placeholder=True)
        date = self.sub(pr, "w:date")
        self.sub(date, "w:dateFormat", {"w:val": DATE_FORMAT})
        self.sub(date, "w:lid", {"w:val": "en-GB"})
        self.sub(date, "w:storeMappedDataAs", {"w:val": "dateTime"})
        self.sub(date, "w:calendar", {"w:val": "gregorian"})
        self.placeholder_run(self.sub(sdt, "w:sdtContent"), DATE_HINT)

    def dropdown_control(self, p, tag: str, alias: str, choices: tuple[str, ...], prompt: str) -> None:
        self.bookmark(p, tag)
        sdt = self.sub(p, "w:sdt")
        pr = self.sdt_properties(sdt, tag, alias, placeholder=True)
        items = self.sub(pr, "w:dropDownList")
        self.sub(items, "w:listItem", {"w:displayText": prompt, "w:value": ""})
        for choice in dict.fromkeys(clean_text(c) for c in choices if clean_text(c).strip()):  # Word wants them unique
            self.sub(items, "w:listItem", {"w:displayText": choice, "w:value": choice})
        self.placeholder_run(self.sub(sdt, "w:sdtContent"), prompt)

    def checkbox_control(self, p, tag: str, alias: str) -> None:
        self.bookmark(p, tag)
        sdt = self.sub(p, "w:sdt")
        pr = self.sdt_properties(sdt, tag, alias, placeholder=False, font=BOX_FONT)
        box = self.sub(pr, "w14:checkbox")
        self.sub(box, "w14:checked").set(_q("w14:val"), "0")
        for name, value in (("w14:checkedState", BOX_CHECKED), ("w14:uncheckedState", BOX_UNCHECKED)):
            state = self.sub(box, name)
            state.set(_q("w14:val"), value)
            state.set(_q("w14:font"), BOX_FONT)
        r = self.sub(self.sub(sdt, "w:sdtContent"), "w:r")
        rpr = self.sub(r, "w:rPr")
        self.sub(rpr, "w:rFonts", {"w:ascii": BOX_FONT, "w:eastAsia": BOX_FONT, "w:hAnsi": BOX_FONT,
                                   "w:hint": "eastAsia"})
        self.sub(rpr, "w:sz", {"w:val": "24"})
        self.sub(rpr, "w:szCs", {"w:val": "24"})
        self.sub(r, "w:t").text = chr(int(BOX_UNCHECKED, 16))

    def richtext_control(self, tc, tag: str, alias: str) -> None:
        """A rich text box around a whole paragraph of the cell: Enter starts a new paragraph in it.

        Its bookmark sits in the cell, before the box; in a table's first row it sits at the end of the
        paragraph before the table (the section's heading), because LibreOffice loses a bookmark at the
        very start of a table when it converts the form to .odt.
        """
        tr = tc.getparent()
        tbl = tr.getparent()
        before = tbl.getprevious()
        first_row = next(tbl.iter(_q("w:tr"))) is tr
        anchor = before if first_row and before is not None and before.tag == _q("w:p") else tc
        self.bookmark(anchor, tag)
        sdt = self.sub(tc, "w:sdt")
        self.sdt_properties(sdt, tag, alias, placeholder=True)
        p = self.paragraph(self.sub(sdt, "w:sdtContent"), "FormAnswer")
        self.placeholder_run(p, PLACEHOLDER_TEXT)

    def inline_control(self, p, kind: str, tag: str, alias: str, choices: tuple[str, ...] = (),
                       in_table: bool = False, value: str = "") -> None:
        """A one-line box of ``kind`` (a field or column type) in paragraph ``p``."""
        if kind == "date":
            self.date_control(p, tag, alias)
        elif kind in ("yesno", "choice"):
            # the prompt shows the choices, so a printed form says what may be chosen ("Choose: Yes / No")
            prompt = PLACEHOLDER_YESNO_CELL if in_table and kind == "yesno" else \
                "Choose: " + " / ".join(dict.fromkeys(clean_text(c) for c in choices if clean_text(c).strip()))
            self.dropdown_control(p, tag, alias, choices, prompt)
        elif kind == "tick":
            self.checkbox_control(p, tag, alias)
        else:
            self.text_control(p, tag, alias, PLACEHOLDER_CELL if in_table else PLACEHOLDER_TEXT, value)

    # ---- the form -----------------------------------------------------------------------------
    def build(self) -> str:
        for section in self.ctx.form.sections:
            self.section(section)
        return "".join(self.etree.tostring(child, encoding="unicode") for child in self.root)

    def section(self, section: Section) -> None:
        self.paragraph(self.root, "Heading1", section.heading, keep_next=True)
        pending: list[Field] = []
        for f in section.fields:
            if f.type != "rows":
                pending.append(f)
                continue
            if pending:
                self.fields_table(section, pending)
                pending = []
            self.rows_table(section, f)
        if pending:
            self.fields_table(section, pending)

    def _grid(self) -> list[int]:
        return [TICK_WIDTH, self.label_width - TICK_WIDTH, self.answer_width]

    def fields_table(self, section: Section, fields: list[Field]) -> None:
        """The section's fields (all but tables) as a table of label and box rows."""
        tbl = self.table(self._grid())
        for f in fields:
            if f.prefilled:
                self.prefilled_row(tbl, f)
            elif f.type == "tick":
                tr = self.row(tbl)
                self.checkbox_control(self.paragraph(self.cell(tr, TICK_WIDTH), "FormAnswer", center=True),
                                      f.name, f.label)
                self.paragraph(self.cell(tr, self.width - TICK_WIDTH, span=2, fill=LABEL_FILL), "FormLabel",
                               f.label)
            elif f.type == "longtext":
                if f.label != section.label:
                    tr = self.row(tbl)
                    self.paragraph(self.cell(tr, self.width, span=3, fill=LABEL_FILL), "FormLabel", f.label,
                                   keep_next=True)
                height = int(f.height * 20) if f.height else LONGTEXT_HEIGHT
                tr = self.row(tbl, height=height, cant_split=False)
                self.richtext_control(self.cell(tr, self.width, span=3, middle=False), f.name, f.label)
            else:
                tr = self.row(tbl)
                if f.label == section.label:  # the heading says it: the box takes the whole width
                    tc = self.cell(tr, self.width, span=3)
                else:
                    self.paragraph(self.cell(tr, self.label_width, span=2, fill=LABEL_FILL), "FormLabel", f.label)
                    tc = self.cell(tr, self.answer_width)
                self.inline_control(self.paragraph(tc, "FormAnswer"), f.type, f.name, f.label, f.choices)
        self.keep_rows_together(tbl)

    def keep_rows_together(self, tbl) -> None:
        """Each row of the section's table kept on the page with the next (the heading is kept with the
        first), so that a question's second box ("Why?") never lands on the next page away from its
        heading; a long answer's box, which grows as it is typed in, may still be followed by a break."""
        rows = tbl.findall(_q("w:tr"))
        for tr in rows[:-1]:
            if tr.find(f"{_q('w:trPr')}/{_q('w:cantSplit')}") is None:
                continue
            for ppr in tr.iter(_q("w:pPr")):
                if ppr.find(_q("w:keepNext")) is None:
                    style = ppr.find(_q("w:pStyle"))
                    keep = ppr.makeelement(_q("w:keepNext"), {})
                    if style is not None:
                        style.addnext(keep)
                    else:
                        ppr.insert(0, keep)

    def prefilled_row(self, tbl, f: Field) -> None:
        from lifkit.mechanics.dates import format_date

        value = self.ctx.prefill.get(f.name)
        text = format_date(value).strip("\n") if value is not None else ""
        tr = self.row(tbl, cant_split=f.type != "longtext")
        self.paragraph(self.cell(tr, self.label_width, span=2, fill=LABEL_FILL), "FormLabel", f.label)
        self.paragraph(self.cell(tr, self.answer_width, fill=PREFILLED_FILL), "FormPrefilled",
                       text if text.strip() else MISSING)

    def _column_widths(self, f: Field) -> list[int]:
        """The table's columns in proportion to their widths, each at least as wide as its widest word
        (the heading's, and for a pre-filled table its values'), so that Word never splits a word."""
        from lifkit.mechanics.dates import format_date
        from lifkit.mechanics.pdftext import column_widths

        rows = self.ctx.prefill.get(f.name) if f.prefilled else None
        rows = [row for row in rows if isinstance(row, dict)] if isinstance(rows, (list, tuple)) else []
        texts = [[(c.label, 9, True)] + [(format_date(row[c.name]), 10, True) for row in rows
                                         if row.get(c.name) is not None] for c in f.columns]
        points = column_widths([max(c.width, 0.1) for c in f.columns], self.width / 20, texts,
                               padding=CELL_PADDING_POINTS)
        widths = [int(w * 20) for w in points]
        widths[-1] += self.width - sum(widths)
        return widths

    def rows_table(self, section: Section, f: Field) -> None:
        """A ``rows`` field: a header row of column labels, then a box per cell (or plain text)."""
        if len(section.fields) > 1:
            self.paragraph(self.root, "FormCaption", f.label, keep_next=True)
        widths = self._column_widths(f)
        tbl = self.table(widths)
        tr = self.row(tbl, header=True)
        for column, width in zip(f.columns, widths):
            self.paragraph(self.cell(tr, width, fill=LABEL_FILL), "FormTableHeading", column.label)
        if f.prefilled:
            self.prefilled_rows(tbl, f, widths)
            return
        start = self.ctx.prefill.get(f.name)  # starting values of the boxes, row by row
        start = start if isinstance(start, (list, tuple)) else ()
        for number in range(1, f.rows + 1):
            tr = self.row(tbl)
            given = start[number - 1] if number <= len(start) and isinstance(start[number - 1], dict) else {}
            for column, width in zip(f.columns, widths):
                p = self.paragraph(self.cell(tr, width), "FormAnswer")
                alias = f"{f.label}, row {number}: {column.label}"
                value = given.get(column.name) if column.type == "text" else None
                self.inline_control(p, column.type, f.cell_name(number, column.name), alias,
                                    choices=YES_NO if column.type == "yesno" else (), in_table=True,
                                    value=str(value) if value not in (None, "") else "")

    def prefilled_rows(self, tbl, f: Field, widths: list[int]) -> None:
        from lifkit.mechanics.dates import format_date

        value = self.ctx.prefill.get(f.name)
        if not isinstance(value, (list, tuple)) or not value:
            if value is None:
                text = MISSING
            elif isinstance(value, (list, tuple)):
                text = NONE_RECORDED
            else:
                text = format_date(value).strip() or NONE_RECORDED
            tr = self.row(tbl)
            self.paragraph(self.cell(tr, self.width, span=len(widths), fill=PREFILLED_FILL), "FormPrefilled", text)
            return
        for entry in value:
            tr = self.row(tbl)
            for column, width in zip(f.columns, widths):
                cell = entry.get(column.name) if isinstance(entry, dict) else None
                text = format_date(cell) if cell is not None else ""
                self.paragraph(self.cell(tr, width, fill=PREFILLED_FILL), "FormPrefilled",
                               text if text.strip() else MISSING)


def _text_width(document) -> int:
    """The width between the margins of the template's (last) section, in twentieths of a point."""
    section = document.sections[-1]
    try:
        width = int(section.page_width.twips - section.left_margin.twips - section.right_margin.twips)
    except (AttributeError, TypeError):
        width = 0
    return width if width > 2000 else 9638  # A4 with 2 cm margins when the template says nothing usable


def _template_context(ctx: "RenderContext", body: _FormBody) -> dict[str, Any]:
    return {
        "board_name": clean_text(ctx.board_name),
        "form_id": clean_text(ctx.form.id),
        "form_version": clean_text(ctx.form.version),
        "form_title": clean_text(ctx.form.title),
        "form_note": clean_text(ctx.form.note),
        "case_ref": clean_text(ctx.identity.case_ref),
        "agency_code": clean_text(ctx.identity.agency),
        "return_to": [clean_text(line) for line in ctx.return_to],
        "form_body": body,
    }


def render_docx(ctx: "RenderContext", path: Path) -> None:
    """Write the Word form for ``ctx`` to ``path`` (replacing it in one step)."""
    from docxtpl import DocxTemplate

    from lifkit.mechanics.files import atomic_write_bytes
    from lifkit.mechanics.resources import find

    template = find("templates", TEMPLATE, getattr(ctx, "root", None))
    tpl = DocxTemplate(io.BytesIO(template.read_bytes()))
    document = tpl.get_docx()
    body = _FormBody(_BodyBuilder(ctx, _text_width(document)).build())
    _render(tpl, TEMPLATE, _template_context(ctx, body))
    if not body.used:
        raise InputError(f"The Word template {TEMPLATE} has no {{{{p form_body }}}} paragraph, so the form's boxes "
                         "would be missing.", "Put a paragraph holding just {{p form_body }} back in it.")
    document = tpl.docx
    _restrict_to_filling_in(document)
    _set_core_properties(document, ctx)
    _set_custom_properties(document, ctx.identity.metadata())
    out = io.BytesIO()
    tpl.save(out)
    atomic_write_bytes(Path(path), out.getvalue())


def _render(tpl, name: str, context: dict) -> None:
    """Render a docxtpl template in a sandboxed Jinja environment that escapes every value."""
    from jinja2 import TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    try:
        tpl.render(context, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    except TemplateError as exc:
        raise InputError(f"The Word template {name} cannot be used: {exc}",
                         "Mend the {{ }} and {% %} tags in it (see templates/README.md), or reinstall lifkit.") from exc


def check_template(template_name: str, root=None, what: str = "template") -> str:
    """Whether the Word template ``template_name`` (the workspace's own, else lifkit's) can be used: it exists,
    is a Word file, and its {{ }} and {% %} tags are well formed. Returns where it was found; raises
    InputError (exit 2) naming the file otherwise. A step calls this before it records anything."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    from lifkit.mechanics.resources import find_template

    found = find_template(template_name, root, what)
    try:
        tpl = DocxTemplate(io.BytesIO(found.read_bytes()))
        tpl.init_docx()
        xml = tpl.patch_xml(tpl.get_xml())
    except Exception as exc:  # noqa: BLE001 - python-docx and zipfile raise many kinds for a file that is not Word
        raise InputError(f"The {what} {found.where} is not a Word document lifkit can read ({type(exc).__name__}).",
                         "Save it from Word as .docx, or copy lifkit's again with: lifkit process copy-template "
                         "NAME") from None
    try:
        SandboxedEnvironment(autoescape=True).parse(xml)
    except TemplateError as exc:
        line = f" (near {{{{ … }}}} number {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise InputError(f"The {what} {found.where} cannot be used: {exc}{line}.",
                         "Mend the {{ }} and {% %} tags in it (see lifkit's templates/README.md).") from None
    return found.where


def render_document(template_name: str, context: dict, path: Path, title: str, root=None) -> None:
    """Render a Word document (not a form) such as CIGSUM1 from ``templates/<template_name>``: the
    workspace's own (``root``) when it has one, else lifkit's.

    Text values with line breaks keep them; ``title`` becomes the document's title property, which
    must never hold a person's name.
    """
    from docxtpl import DocxTemplate, Listing

    from lifkit.mechanics.files import atomic_write_bytes
    from lifkit.mechanics.resources import find_template

    tpl = DocxTemplate(io.BytesIO(find_template(template_name, root).read_bytes()))

    def prepare(value):
        if isinstance(value, str):
            value = clean_text(value)
            return Listing(value) if "\n" in value else value
        if isinstance(value, dict):
            return {k: prepare(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [prepare(v) for v in value]
        return value

    _render(tpl, template_name, {k: prepare(v) for k, v in context.items()})
    core = tpl.docx.core_properties
    core.title = clean_text(title)
    core.author = core.last_modified_by = "lifkit"
    core.comments = core.keywords = core.subject = ""
    out = io.BytesIO()
    tpl.save(out)
    atomic_write_bytes(Path(path), out.getvalue())


# settings.xml children that come before w:documentProtection (ECMA-376 CT_Settings order); Word refuses
# a settings part whose children are out of order.
_BEFORE_PROTECTION = (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
    "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges", "bordersDoNotSurroundHeader",
    "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors", "hideGrammaticalErrors",
    "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate", "linkStyles",
    "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge", "revisionView",
    "trackRevisions", "doNotTrackMoves", "doNotTrackFormatting",
)


def _restrict_to_filling_in(document) -> None:
    """Open the form with editing restricted to filling in forms (Word's Restrict Editing > Filling in
    forms, no password): the keyboard moves from box to box, and the wording around them cannot be
    changed by accident. An agency that must change more can stop the protection in Word."""
    settings = document.settings.element
    for old in settings.findall(_q("w:documentProtection")):
        settings.remove(old)
    protection = settings.makeelement(_q("w:documentProtection"), {_q("w:edit"): "forms",
                                                                   _q("w:enforcement"): "1"})
    before = [child for child in settings if isinstance(child.tag, str)
              and child.tag.startswith(f"{{{W_NS}}}") and child.tag.split("}")[1] in _BEFORE_PROTECTION]
    if before:
        before[-1].addnext(protection)
    else:
        settings.insert(0, protection)


def _set_core_properties(document, ctx: "RenderContext") -> None:
    """Title and the like: the form, never a person (the template's own values are replaced)."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    core = document.core_properties
    core.title = clean_text(f"{ctx.form.id} {ctx.form.title}")
    core.subject = clean_text(ctx.board_name)
    core.author = "lifkit"
    core.last_modified_by = "lifkit"
    core.comments = ""
    core.keywords = clean_text(ctx.form.id)
    core.category = ""
    core.identifier = ""
    core.content_status = ""
    core.language = "en-GB"
    core.version = clean_text(ctx.form.version)
    core.revision = 1
    core.created = now
    core.modified = now


def _set_custom_properties(document, metadata: dict[str, str]) -> None:
    """Store ``metadata`` as custom document properties (docProps/custom.xml), keeping any others."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    package = document.part.package
    part = next((rel.target_part for rel in package.rels.values()
                 if rel.reltype == RT.CUSTOM_PROPERTIES and not rel.is_external), None)
    root = None
    if part is not None:
        try:
            root = etree.fromstring(part.blob, _safe_parser())
        except etree.XMLSyntaxError:
            root = None
    if root is None or root.tag != f"{{{CUSTOM_NS}}}Properties":
        root = etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap={None: CUSTOM_NS, "vt": VT_NS})
    for prop in list(root):
        if prop.get("name") in metadata:
            root.remove(prop)
    for name, value in metadata.items():
        prop = etree.SubElement(root, f"{{{CUSTOM_NS}}}property", fmtid=CUSTOM_FMTID, name=name)
        etree.SubElement(prop, f"{{{VT_NS}}}lpwstr").text = clean_text(value)
    for pid, prop in enumerate(root, start=2):
        prop.set("pid", str(pid))
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if part is None:
        part = Part(PackURI("/docProps/custom.xml"), CT.OFC_CUSTOM_PROPERTIES, blob, package)
        package.relate_to(part, RT.CUSTOM_PROPERTIES)
    elif hasattr(part, "_element"):
        part._element = etree.fromstring(blob, _safe_parser())
    else:
        part._blob = blob


def _safe_parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


def fill_docx(source: Path, target: Path, values: dict) -> Path:
    """Type ``values`` into a Word form's boxes as Word would save them: box name -> text (dates as
    dd/mm/yyyy), True/False for tick-boxes. Used by ``lifkit demo`` to play the agencies."""
    import copy
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(source) as archive:
        parts = {info: archive.read(info.filename) for info in archive.infolist()}
    document = next(info for info in parts if info.filename == "word/document.xml")
    root = etree.fromstring(parts[document], _safe_parser())
    for sdt in root.iter(_q("w:sdt")):
        pr, content = sdt.find(_q("w:sdtPr")), sdt.find(_q("w:sdtContent"))
        tag = pr.find(_q("w:tag")) if pr is not None else None
        name = tag.get(_q("w:val")) if tag is not None else None
        if name not in values or content is None:
            continue
        value = values[name]
        box = pr.find(_q("w14:checkbox"))
        if box is not None:
            box.find(_q("w14:checked")).set(_q("w14:val"), "1" if value else "0")
            text = content.find(f".//{_q('w:t')}")
            if text is not None:
                text.text = chr(int(BOX_CHECKED if value else BOX_UNCHECKED, 16))
            continue
        showing = pr.find(_q("w:showingPlcHdr"))
        if showing is not None:
            pr.remove(showing)
        date = pr.find(_q("w:date"))
        if date is not None and value:
            day, month, year = str(value).split("/")
            date.set(_q("w:fullDate"), f"{year}-{int(month):02d}-{int(day):02d}T00:00:00Z")
        lines = str(value).split("\n")
        paragraphs = content.findall(_q("w:p"))
        if paragraphs:  # a box around whole paragraphs: one paragraph a line
            first = paragraphs[0]
            for extra in paragraphs[1:]:
                content.remove(extra)
            for run in first.findall(_q("w:r")):
                first.remove(run)
            for number, line in enumerate(lines):
                paragraph = first
                if number:
                    paragraph = etree.SubElement(content, _q("w:p"))
                    if first.find(_q("w:pPr")) is not None:
                        paragraph.append(copy.deepcopy(first.find(_q("w:pPr"))))
                etree.SubElement(etree.SubElement(paragraph, _q("w:r")), _q("w:t")).text = line
        else:
            for run in content.findall(_q("w:r")):
                content.remove(run)
            run = etree.SubElement(content, _q("w:r"))
            for number, line in enumerate(lines):
                if number:
                    etree.SubElement(run, _q("w:br"))
                etree.SubElement(run, _q("w:t")).text = line
    parts[document] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts.items():
            archive.writestr(info, data)
    return Path(target)
