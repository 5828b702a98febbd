"""Build ``templates/form.docx``, the Word template lifkit fills to make its Word forms (CIGSCR1, CIGINF1).

Run it from the repository after changing it, and commit both this script and the .docx::

    .venv/bin/python templates/make_templates.py

The template holds the page set-up (A4, 2 cm margins), the styles, the header (the board's name and
the case reference), the footer (form id, version, "Page X of Y") and the wording around the form.
The form itself (sections, labels, boxes and tables) is made by :mod:`lifkit.documents.wordform` from the
form definition and put where the ``{{p form_body }}`` paragraph is. ``templates/README.md`` lists
the Jinja variables and the styles the form uses.

An administrator can instead edit ``form.docx`` in Word (fonts, colours, a logo in the header, the
wording); running this script again overwrites such edits.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "form.docx"
CIGSUM1_OUTPUT = HERE / "cigsum1.docx"
RRSUM_OUTPUT = HERE / "rrsum.docx"
SARSUM_OUTPUT = HERE / "sarsum.docx"
INDEX_OUTPUT = HERE / "learning-index.docx"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAVY = "1F3864"  # section bars, title
RULE = "8EA0B8"  # header and footer rules

# A4 with 2 cm margins; the header and footer sit 1 cm from the edge of the page.
PAGE_WIDTH, PAGE_HEIGHT = 11906, 16838  # twentieths of a point
MARGIN = 1134
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN

# Every style the template and lifkit.documents.wordform use, as WordprocessingML. The ids (w:styleId) are what
# lifkit refers to: keep them; change the look (font, size, colour, spacing) as you like.
STYLES = {
    "Normal": f"""
<w:style w:type="paragraph" w:default="1" w:styleId="Normal">
  <w:name w:val="Normal"/><w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="252" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial"/>
    <w:sz w:val="20"/><w:szCs w:val="20"/><w:lang w:val="en-GB" w:eastAsia="en-GB" w:bidi="ar-SA"/></w:rPr>
</w:style>""",
    "FormId": f"""
<w:style w:type="paragraph" w:customStyle="1" w:styleId="FormId">
  <w:name w:val="Form Id"/><w:basedOn w:val="Normal"/><w:next w:val="Title"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:spacing w:before="0" w:after="40"/></w:pPr>
  <w:rPr><w:b/><w:bCs/><w:color w:val="{NAVY}"/><w:spacing w:val="20"/><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr>
</w:style>""",
    "Title": f"""
<w:style w:type="paragraph" w:styleId="Title">
  <w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:pBdr><w:bottom w:val="single" w:sz="12" w:space="6" w:color="{NAVY}"/></w:pBdr>
    <w:spacing w:before="0" w:after="160" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:b/><w:bCs/><w:color w:val="{NAVY}"/><w:kern w:val="28"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr>
</w:style>""",
    "FormNote": """
<w:style w:type="paragraph" w:customStyle="1" w:styleId="FormNote">
  <w:name w:val="Form Note"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>
  <w:pPr><w:pBdr><w:top w:val="single" w:sz="4" w:space="4" w:color="BFBFBF"/>
      <w:left w:val="single" w:sz="4" w:space="4" w:color="BFBFBF"/>
      <w:bottom w:val="single" w:sz="4" w:space="4" w:color="BFBFBF"/>
      <w:right w:val="single" w:sz="4" w:space="4" w:color="BFBFBF"/></w:pBdr>
    <w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/><w:spacing w:before="0" w:after="120"/>
    <w:ind w:left="113" w:right="113"/></w:pPr>
  <w:rPr><w:i/><w:iCs/><w:color w:val="262626"/><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr>
</w:style>""",
    # The numbered section headings ("3. Name of Child, Young Person / DOB / DOD (if deceased)").
    # A heading style, so that Word's navigation pane lists the sections.
    "Heading1": f"""
<w:style w:type="paragraph" w:styleId="Heading1">
  <w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:keepLines/>
    <w:pBdr><w:top w:val="single" w:sz="4" w:space="2" w:color="{NAVY}"/>
      <w:left w:val="single" w:sz="4" w:space="4" w:color="{NAVY}"/>
      <w:bottom w:val="single" w:sz="4" w:space="2" w:color="{NAVY}"/>
      <w:right w:val="single" w:sz="4" w:space="4" w:color="{NAVY}"/></w:pBdr>
    <w:shd w:val="clear" w:color="auto" w:fill="{NAVY}"/><w:spacing w:before="280" w:after="0"/>
    <w:ind w:left="108" w:right="108"/>
    <w:outlineLvl w:val="0"/></w:pPr>
  <w:rPr><w:b/><w:bCs/><w:color w:val="FFFFFF"/><w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr>
</w:style>""",
    # A table's own label, above it, when a section has more than one thing in it (outline level 2:
    # screen readers and the navigation pane list it under its section).
    "FormCaption": f"""
<w:style w:type="paragraph" w:customStyle="1" w:styleId="FormCaption">
  <w:name w:val="Form Caption"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:spacing w:before="60" w:after="40"/><w:outlineLvl w:val="1"/></w:pPr>
  <w:rPr><w:b/><w:bCs/><w:color w:val="{NAVY}"/><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr>
</w:style>""",
    # The label cells of a section's table ("Name", "DOB"...).
    "FormLabel": """
<w:style w:type="paragraph" w:customStyle="1" w:styleId="FormLabel">
  <w:name w:val="Form Label"/><w:basedOn w:val="Normal"/><w:qFormat/>
  <w:rPr><w:color w:val="1A1A1A"/><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr>
</w:style>""",
    # The cells and paragraphs people type into, and the text they type.
    "FormAnswer": """
<w:style w:type="paragraph" w:customStyle="1" w:styleId="FormAnswer">
  <w:name w:val="Form Answer"/><w:basedOn w:val="Normal"/><w:qFormat/>
  <w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr>
</w:style>""",
    # The header row of a table ("Name | DOB | Relationship to the child").
    "FormTableHeading": """
<w:style w:type="paragraph" w:customStyle="1" w:styleId="FormTableHeading">
  <w:name w:val="Form Table Heading"/><w:basedOn w:val="Normal"/><w:qFormat/>
  <w:pPr><w:keepNext/></w:pPr>
  <w:rPr><w:b/><w:bCs/><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr>
</w:style>""",
    # Values lifkit fills in (CIGINF1's case details): not boxes, and not for the agency to change.
    "FormPrefilled": """
<w:style w:type="paragraph" w:customStyle="1" w:styleId="FormPrefilled">
  <w:name w:val="Form Prefilled"/><w:basedOn w:val="Normal"/><w:qFormat/>
  <w:rPr><w:b/><w:bCs/><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr>
</w:style>""",
    # The tiny paragraph that keeps two tables apart (Word joins tables that touch).
    "FormSpacer": """
<w:style w:type="paragraph" w:customStyle="1" w:styleId="FormSpacer">
  <w:name w:val="Form Spacer"/><w:basedOn w:val="Normal"/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="120" w:lineRule="exact"/></w:pPr>
  <w:rPr><w:sz w:val="8"/><w:szCs w:val="8"/></w:rPr>
</w:style>""",
    "FormAddress": """
<w:style w:type="paragraph" w:customStyle="1" w:styleId="FormAddress">
  <w:name w:val="Form Address"/><w:basedOn w:val="Normal"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="0" w:after="0"/><w:ind w:left="113"/></w:pPr>
</w:style>""",
    # "Please return this form to:", a heading at the level of the sections.
    "FormReturnHeading": f"""
<w:style w:type="paragraph" w:customStyle="1" w:styleId="FormReturnHeading">
  <w:name w:val="Form Return Heading"/><w:basedOn w:val="Normal"/><w:next w:val="FormAddress"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:keepLines/><w:pBdr><w:top w:val="single" w:sz="12" w:space="6" w:color="{NAVY}"/></w:pBdr>
    <w:spacing w:before="360" w:after="80"/><w:outlineLvl w:val="0"/></w:pPr>
  <w:rPr><w:b/><w:bCs/><w:color w:val="{NAVY}"/><w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr>
</w:style>""",
    "Header": f"""
<w:style w:type="paragraph" w:styleId="Header">
  <w:name w:val="header"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:pBdr><w:bottom w:val="single" w:sz="4" w:space="4" w:color="{RULE}"/></w:pBdr>
    <w:tabs><w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs></w:pPr>
  <w:rPr><w:color w:val="404040"/><w:sz w:val="17"/><w:szCs w:val="17"/></w:rPr>
</w:style>""",
    "Footer": f"""
<w:style w:type="paragraph" w:styleId="Footer">
  <w:name w:val="footer"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>
  <w:pPr><w:pBdr><w:top w:val="single" w:sz="4" w:space="4" w:color="{RULE}"/></w:pBdr>
    <w:tabs><w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs></w:pPr>
  <w:rPr><w:color w:val="404040"/><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr>
</w:style>""",
    # Word's own style for the grey prompt in an empty box ("Click or tap here to enter text.").
    "PlaceholderText": """
<w:style w:type="character" w:styleId="PlaceholderText">
  <w:name w:val="Placeholder Text"/><w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/>
  <w:semiHidden/><w:rPr><w:color w:val="767676"/></w:rPr>
</w:style>""",
    # The boxes: every table of the form uses this style (grey rules, roomy cells).
    "FormTable": f"""
<w:style w:type="table" w:customStyle="1" w:styleId="FormTable">
  <w:name w:val="Form Table"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/>
  <w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr>
  <w:tblPr><w:tblInd w:w="0" w:type="dxa"/>
    <w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
      <w:left w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
      <w:bottom w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
      <w:right w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
      <w:insideV w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/></w:tblBorders>
    <w:tblCellMar><w:top w:w="57" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>
      <w:bottom w:w="57" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr>
</w:style>""",
}

DOC_DEFAULTS = """
<w:docDefaults>
  <w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial"/>
    <w:sz w:val="20"/><w:szCs w:val="20"/><w:lang w:val="en-GB" w:eastAsia="en-GB" w:bidi="ar-SA"/></w:rPr>
  </w:rPrDefault>
  <w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="252" w:lineRule="auto"/></w:pPr></w:pPrDefault>
</w:docDefaults>"""


def _xml(fragment: str):
    from lxml import etree

    return etree.fromstring(f'<w:root xmlns:w="{W_NS}">{fragment}</w:root>')[0]


def _q(name: str) -> str:
    prefix, local = name.split(":")
    assert prefix == "w"
    return f"{{{W_NS}}}{local}"


def set_styles(doc) -> None:
    styles = doc.styles.element
    old_defaults = styles.find(_q("w:docDefaults"))
    old_defaults.addprevious(_xml(DOC_DEFAULTS))
    styles.remove(old_defaults)
    for style_id, xml in STYLES.items():
        for old in styles.findall(_q("w:style")):
            if old.get(_q("w:styleId")) == style_id:
                styles.remove(old)
        styles.append(_xml(xml))


def set_page(doc) -> None:
    from docx.shared import Twips

    section = doc.sections[0]
    section.page_width, section.page_height = Twips(PAGE_WIDTH), Twips(PAGE_HEIGHT)
    section.left_margin = section.right_margin = Twips(MARGIN)
    section.top_margin = section.bottom_margin = Twips(MARGIN)
    section.header_distance = section.footer_distance = Twips(567)


def set_settings(doc) -> None:
    """Word 2013+ layout (no "Compatibility Mode"), British English, no stale preview picture."""
    settings = doc.settings.element
    for compat in settings.iter(_q("w:compatSetting")):
        if compat.get(_q("w:name")) == "compatibilityMode":
            compat.set(_q("w:val"), "15")
    for name in ("w:savePreviewPicture", "w:rsids"):
        for element in settings.findall(_q(name)):
            settings.remove(element)
    for element in settings.findall(_q("w:themeFontLang")):
        element.set(_q("w:val"), "en-GB")


def _field(paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES) in ``paragraph``, showing ``shown`` until Word updates it."""
    for xml in (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        f'<w:r><w:t>{shown}</w:t></w:r>',
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        paragraph._p.append(_xml(xml))


def _header_footer(doc, header_right: str, footer_left: str, right_share: int = 45) -> None:
    """The board's name (bold) and ``header_right`` in the header; ``footer_left`` and "Page X of Y" below.

    The header is a table of two cells, the board's name on the left and ``header_right`` on the right
    (``right_share`` per cent of the width), so that a long board name wraps in its own cell and never
    pushes the right-hand text onto a new line, where Word and LibreOffice would break a case reference
    at its hyphen ("Case CIEC-" / "2026-001") or run the name into the title.
    """
    from xml.sax.saxutils import escape

    section = doc.sections[0]
    right = TEXT_WIDTH * right_share // 100
    left = TEXT_WIDTH - right
    no_rule = '<w:pBdr><w:bottom w:val="nil"/></w:pBdr>'
    table = _xml(
        f'<w:tbl><w:tblPr><w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
        '<w:tblBorders><w:top w:val="nil"/><w:left w:val="nil"/>'
        f'<w:bottom w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/><w:right w:val="nil"/>'
        '<w:insideH w:val="nil"/><w:insideV w:val="nil"/></w:tblBorders>'
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="0" w:type="dxa"/>'
        '<w:bottom w:w="80" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" '
        'w:noVBand="1"/></w:tblPr>'
        f'<w:tblGrid><w:gridCol w:w="{left}"/><w:gridCol w:w="{right}"/></w:tblGrid>'
        '<w:tr><w:trPr><w:cantSplit/></w:trPr>'
        f'<w:tc><w:tcPr><w:tcW w:w="{left}" w:type="dxa"/><w:vAlign w:val="bottom"/></w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="Header"/>{no_rule}<w:ind w:right="170"/></w:pPr>'
        '<w:r><w:rPr><w:b/></w:rPr><w:t>{{ board_name }}</w:t></w:r></w:p></w:tc>'
        f'<w:tc><w:tcPr><w:tcW w:w="{right}" w:type="dxa"/><w:vAlign w:val="bottom"/></w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="Header"/>{no_rule}<w:jc w:val="right"/></w:pPr>'
        f'<w:r><w:t xml:space="preserve">{escape(header_right)}</w:t></w:r></w:p></w:tc></w:tr></w:tbl>')
    paragraph = section.header.paragraphs[0]  # a header ends with a paragraph: an empty, small one
    paragraph._p.addprevious(table)
    paragraph.style = doc.styles["Header"]
    paragraph._p.get_or_add_pPr().append(_xml(no_rule))
    paragraph._p.get_or_add_pPr().append(_xml('<w:spacing w:before="0" w:after="0" w:line="120" w:lineRule="exact"/>'))

    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    footer.add_run(f"{footer_left}\tPage ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")


def set_header_footer(doc) -> None:
    _header_footer(doc, "{% if case_ref %}Case {{ case_ref }}{% endif %}", "{{ form_id }} version {{ form_version }}",
                   right_share=35)


def set_body(doc) -> None:
    doc.add_paragraph("{{ form_id }}", style="Form Id")
    doc.add_paragraph("{{ form_title }}", style="Title")
    doc.add_paragraph("{{ form_note }}", style="Form Note")
    # The form's sections, boxes and tables go here: this paragraph must stay, alone on its line.
    doc.add_paragraph("{{p form_body }}", style="Normal")
    doc.add_paragraph("Please return this form to:", style="Form Return Heading")
    doc.add_paragraph("{%p for line in return_to %}", style="Form Address")
    doc.add_paragraph("{{ line }}", style="Form Address")
    doc.add_paragraph("{%p endfor %}", style="Form Address")


def set_properties(doc) -> None:
    """Neutral properties: lifkit sets the title and its own custom properties on every form."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    core = doc.core_properties
    core.title = "lifkit form template"
    core.subject = ""
    core.author = "lifkit"
    core.last_modified_by = "lifkit"
    core.comments = "The Word template lifkit makes its CIGSCR1 and CIGINF1 Word forms from."
    core.keywords = ""
    core.category = ""
    core.revision = 1
    core.created = core.modified = dt.datetime(2026, 1, 1)
    package = doc.part.package
    for r_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:  # python-docx's own preview picture: not this document
            del package.rels[r_id]
    for r_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):  # Word 2010's copy of styles.xml: would go stale
            del doc.part.rels[r_id]
    for part in package.iter_parts():
        if part.partname == "/docProps/app.xml":
            part._blob = APP_XML.encode("utf-8")


APP_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" \
xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">\
<Template>Normal.dotm</Template><TotalTime>0</TotalTime><Pages>1</Pages><Application>lifkit</Application>\
<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><Company></Company><LinksUpToDate>false</LinksUpToDate>\
<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0000</AppVersion></Properties>"""


def build(output: Path = OUTPUT) -> Path:
    import docx

    doc = docx.Document()
    set_page(doc)
    set_styles(doc)
    set_settings(doc)
    set_header_footer(doc)
    set_body(doc)
    set_properties(doc)
    doc.save(str(output))
    return output


# --- CIGSUM1, the case summary ---------------------------------------------------------------------


def _rows_table(doc, rows: list[tuple[str, str]]):
    """A two-column table: labels on the left, Jinja values on the right."""
    from docx.shared import Twips

    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Form Table"]
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(label)
        cells[0].paragraphs[0].style = doc.styles["Form Label"]
        cells[1].paragraphs[0].add_run(value)
        cells[1].paragraphs[0].style = doc.styles["Form Answer"]
    table.autofit = False
    table.columns[0].width, table.columns[1].width = Twips(TEXT_WIDTH * 34 // 100), Twips(TEXT_WIDTH * 66 // 100)
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = Twips(TEXT_WIDTH * 34 // 100), Twips(TEXT_WIDTH * 66 // 100)
    doc.add_paragraph("", style="Form Spacer")
    return table


def set_cigsum1_header_footer(doc) -> None:
    _header_footer(doc, "OFFICIAL-SENSITIVE  Case {{ case_ref }}",
                   "CIGSUM1 LSCB CIG Case Summary, {{ case_ref }}, prepared {{ prepared }}")


def set_cigsum1_body(doc) -> None:
    from docx.shared import Twips

    doc.add_paragraph("CIGSUM1", style="Form Id")
    doc.add_paragraph("LSCB CIG Case Summary", style="Title")
    doc.add_paragraph("Drafted by lifkit from the case folder. You may edit it in Word: lifkit never overwrites an "
                      "edited summary (its next draft goes beside it). For the LSCB Independent Chair to read and "
                      "sign.", style="Form Note")
    doc.add_paragraph("Case", style="Heading 1")
    _rows_table(doc, [
        ("Case reference", "{{ case_ref }}"),
        ("Child", "{{ child_name }}"),
        ("Date of birth", "{{ child_dob }}"),
        ("Date of death (if deceased)", "{{ child_dod }}"),
        ("Date the LSCB was notified", "{{ notified }}"),
        ("Decision due by", "{{ decision_due }}"),
        ("Referrer and agency", "{{ referrer }}"),
        ("CIEC meeting date(s)", "{{ meetings }}"),
        ("Agencies asked for information", "{{ agencies_asked }}"),
        ("Returns received", "{{ returns_received }}"),
    ])
    doc.add_paragraph("Summary of case", style="Heading 1")
    doc.add_paragraph("{{ summary }}", style="Form Answer")
    doc.add_paragraph("Serious Case Review criteria (regulation 5(2))", style="Heading 1")
    table = doc.add_table(rows=4, cols=3)
    table.style = doc.styles["Form Table"]
    for cell, text in zip(table.rows[0].cells, ("Criterion", "Ticked by the referrer", "CIEC's view")):
        cell.paragraphs[0].add_run(text)
        cell.paragraphs[0].style = doc.styles["Form Table Heading"]
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for c in criteria %}")
    for cell, text in zip(table.rows[2].cells, ("{{ c.label }}", "{{ c.referrer }}", "{{ c.view }}")):
        cell.paragraphs[0].add_run(text)
        cell.paragraphs[0].style = doc.styles["Form Answer"]
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    table.autofit = False
    for column, share in zip(table.columns, (60, 18, 22)):
        column.width = Twips(TEXT_WIDTH * share // 100)
    for row in table.rows:
        for cell, share in zip(row.cells, (60, 18, 22)):
            cell.width = Twips(TEXT_WIDTH * share // 100)
    doc.add_paragraph("", style="Form Spacer")
    doc.add_paragraph("CIEC recommendation", style="Heading 1")
    _rows_table(doc, [
        ("Recommendation", "{{ recommendation }}"),
        ("CIEC meeting", "{{ recommendation_meeting }}"),
        ("Rationale", "{{ recommendation_rationale }}"),
        ("Further information asked for", "{{ further_info }}"),
    ])
    doc.add_paragraph("LSCB Independent Chair's response and decision", style="Heading 1")
    _rows_table(doc, [
        ("Response to the recommendation", "{{ chair_response }}"),
        ("Decision", "{{ decision }}"),
        ("Rationale", "{{ decision_rationale }}"),
        ("Date of decision", "{{ decision_date }}"),
        ("Reviewer(s) appointed", "{{ reviewers }}"),
        ("Amendments", "{{ amendments }}"),
    ])
    doc.add_paragraph("Notifications", style="Heading 1")
    _rows_table(doc, [
        ("Ofsted notified", "{{ ofsted_notified }}"),
        ("National Panel notified", "{{ panel_notified }}"),
        ("Referrer notified", "{{ referrer_notified }}"),
    ])
    signature_line(doc)


def signature_line(doc, signer: str = "LSCB Independent Chair") -> None:
    """"Signed ... Date: ..." on one line whatever the font: the lines to sign on are tab leaders (drawn
    to the tab stops, never wrapped), not underscores that can break away from "Date:"."""
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Pt, Twips

    paragraph = doc.add_paragraph(style="Normal")
    paragraph.paragraph_format.space_before = Pt(24)
    paragraph.paragraph_format.keep_together = True
    stops = paragraph.paragraph_format.tab_stops
    stops.add_tab_stop(Twips(TEXT_WIDTH - 3000), WD_TAB_ALIGNMENT.LEFT, WD_TAB_LEADER.LINES)
    stops.add_tab_stop(Twips(TEXT_WIDTH), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.LINES)
    paragraph.add_run(f"Signed ({signer}):").bold = True
    paragraph.add_run("\t")
    paragraph.add_run("  Date:").bold = True
    paragraph.add_run("\t")


def build_cigsum1(output: Path = CIGSUM1_OUTPUT) -> Path:
    import docx

    doc = docx.Document()
    set_page(doc)
    set_styles(doc)
    set_settings(doc)
    set_cigsum1_header_footer(doc)
    set_cigsum1_body(doc)
    set_properties(doc)
    doc.core_properties.title = "lifkit CIGSUM1 template"
    doc.core_properties.comments = "The Word template lifkit makes each case's CIGSUM1 case summary from."
    doc.save(str(output))
    return output


# --- the Summary and Outcome of the Rapid Review (rapid-review-2023) -------------------------------


# Styles only the Summary and Outcome uses: an agency's heading under a part, and the table of contents.
RRSUM_STYLES = {
    "Heading2": f"""
<w:style w:type="paragraph" w:styleId="Heading2">
  <w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:keepLines/><w:pBdr><w:bottom w:val="single" w:sz="4" w:space="1" w:color="{RULE}"/></w:pBdr>
    <w:spacing w:before="200" w:after="60"/><w:outlineLvl w:val="1"/></w:pPr>
  <w:rPr><w:b/><w:bCs/><w:color w:val="{NAVY}"/><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr>
</w:style>""",
    "AnswerLabel": f"""
<w:style w:type="paragraph" w:customStyle="1" w:styleId="AnswerLabel">
  <w:name w:val="Answer Label"/><w:basedOn w:val="Normal"/><w:next w:val="FormAnswer"/><w:qFormat/>
  <w:pPr><w:keepNext/><w:spacing w:before="100" w:after="20"/></w:pPr>
  <w:rPr><w:b/><w:bCs/><w:color w:val="262626"/><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr>
</w:style>""",
    "TOCHeading": f"""
<w:style w:type="paragraph" w:styleId="TOCHeading">
  <w:name w:val="TOC Heading"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/>
  <w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/></w:pPr>
  <w:rPr><w:b/><w:bCs/><w:color w:val="{NAVY}"/><w:sz w:val="24"/><w:szCs w:val="24"/></w:rPr>
</w:style>""",
    "TOC1": """
<w:style w:type="paragraph" w:styleId="TOC1">
  <w:name w:val="toc 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/>
  <w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9628"/></w:tabs><w:spacing w:before="60" w:after="0"/></w:pPr>
  <w:rPr><w:b/><w:bCs/></w:rPr>
</w:style>""",
    "TOC2": """
<w:style w:type="paragraph" w:styleId="TOC2">
  <w:name w:val="toc 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/>
  <w:pPr><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9628"/></w:tabs><w:ind w:left="284"/></w:pPr>
</w:style>""",
}


def _cells_table(doc, headings: tuple[str, ...], loop: str, cells: tuple[str, ...], shares: tuple[int, ...],
                 heading_row: bool = True) -> None:
    """A table with a heading row (Jinja text allowed) and one row per item of a Jinja loop, the heading row
    repeated on each page."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Twips

    table = doc.add_table(rows=4 if heading_row else 3, cols=len(cells))
    table.style = doc.styles["Form Table"]
    rows = list(table.rows)
    if heading_row:
        head = rows.pop(0)
        for cell, text in zip(head.cells, headings):
            cell.paragraphs[0].add_run(text)
            cell.paragraphs[0].style = doc.styles["Form Table Heading"]
        head._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    rows[0].cells[0].paragraphs[0].add_run("{%tr for " + loop + " %}")
    for cell, text in zip(rows[1].cells, cells):
        cell.paragraphs[0].add_run(text)
        cell.paragraphs[0].style = doc.styles["Form Answer"]
    rows[2].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    table.autofit = False
    for row in table.rows:
        for cell, share in zip(row.cells, shares):
            cell.width = Twips(TEXT_WIDTH * share // 100)
    doc.add_paragraph("", style="Form Spacer")


def set_rrsum_body(doc) -> None:
    """The Summary and Outcome: a title block, then each part the process names (``parts``), in its order,
    each a Heading 1 with what the case gives it: a label/value table, labelled paragraphs, a three-column
    table, the merged chronology and each agency's own words under its name (Heading 2)."""
    doc.add_paragraph("{%p if logo %}", style="Normal")
    doc.add_paragraph("{{ logo }}", style="Normal")
    doc.add_paragraph("{%p endif %}", style="Normal")
    doc.add_paragraph("{{ board_name }}", style="Answer Label")
    doc.add_paragraph("{{ title }}", style="Title")
    doc.add_paragraph("Case {{ case_ref }}. Drafted by lifkit from the case folder and the agencies' returns on "
                      "{{ prepared }}. You may edit it in Word: lifkit never overwrites an edited summary (its next "
                      "draft goes beside it, and lifkit summary {{ case_ref }} lists the versions).", style="Form Note")
    doc.add_paragraph("{%p for part in parts %}", style="Normal")
    doc.add_paragraph("{{ part.title }}", style="Heading 1")
    doc.add_paragraph("{%p if part.rows %}", style="Normal")
    _cells_table(doc, (), "r in part.rows", ("{{ r.label }}", "{{ r.value }}"), (34, 66), heading_row=False)
    doc.add_paragraph("{%p endif %}", style="Normal")
    doc.add_paragraph("{%p if part.table %}", style="Normal")
    _cells_table(doc, ("{{ part.table.headings[0] }}", "{{ part.table.headings[1] }}", "{{ part.table.headings[2] }}"),
                 "r in part.table.rows", ("{{ r.c1 }}", "{{ r.c2 }}", "{{ r.c3 }}"), (46, 27, 27))
    doc.add_paragraph("{%p endif %}", style="Normal")
    doc.add_paragraph("{%p for x in part.paragraphs %}", style="Normal")
    doc.add_paragraph("{{ x.label }}", style="Answer Label")
    doc.add_paragraph("{{ x.text }}", style="Form Answer")
    doc.add_paragraph("{%p endfor %}", style="Normal")
    doc.add_paragraph("{%p if part.chronology %}", style="Normal")
    _cells_table(doc, ("{{ part.chronology.headings[0] }}", "{{ part.chronology.headings[1] }}",
                       "{{ part.chronology.headings[2] }}", "{{ part.chronology.headings[3] }}"),
                 "r in part.chronology.rows", ("{{ r.c1 }}", "{{ r.agency }}", "{{ r.c2 }}", "{{ r.c3 }}"),
                 (15, 11, 40, 34))
    doc.add_paragraph("{%p endif %}", style="Normal")
    doc.add_paragraph("{%p for a in part.agencies %}", style="Normal")
    doc.add_paragraph("{{ a.agency }}", style="Heading 2")
    doc.add_paragraph("{%p for x in a.answers %}", style="Normal")
    doc.add_paragraph("{{ x.label }}", style="Answer Label")
    doc.add_paragraph("{{ x.text }}", style="Form Answer")
    doc.add_paragraph("{%p endfor %}", style="Normal")
    doc.add_paragraph("{%p endfor %}", style="Normal")
    doc.add_paragraph("{%p if part.note %}", style="Normal")
    doc.add_paragraph("{{ part.note }}", style="Form Note")
    doc.add_paragraph("{%p endif %}", style="Normal")
    doc.add_paragraph("{%p endfor %}", style="Normal")


def build_rrsum(output: Path = RRSUM_OUTPUT) -> Path:
    import docx

    doc = docx.Document()
    set_page(doc)
    set_styles(doc)
    styles = doc.styles.element
    for style_id, xml in RRSUM_STYLES.items():
        for old in styles.findall(_q("w:style")):
            if old.get(_q("w:styleId")) == style_id:
                styles.remove(old)
        styles.append(_xml(xml))
    set_settings(doc)
    _header_footer(doc, "{{ marking }}  Case {{ case_ref }}", "{{ title }}, {{ case_ref }}, drafted {{ prepared }}")
    set_rrsum_body(doc)
    set_properties(doc)
    doc.core_properties.title = "lifkit rapid review summary template"
    doc.core_properties.comments = "The Word template lifkit makes each rapid review's Summary and Outcome from."
    doc.save(str(output))
    return output


# --- the SAR Referral and Decision Summary (sar-care-act-2014) -----------------------------------

# The kinds of abuse or neglect SAR1 asks about (its tick-boxes), as the summary lists the ticked ones.
SAR_ABUSE_KINDS = (
    ("abuse_physical", "physical abuse"), ("abuse_sexual", "sexual abuse"),
    ("abuse_psychological", "psychological abuse"), ("abuse_financial", "financial or material abuse"),
    ("abuse_neglect", "neglect and acts of omission"), ("abuse_self_neglect", "self-neglect"),
    ("abuse_domestic", "domestic abuse"), ("abuse_discriminatory", "discriminatory abuse"),
    ("abuse_organisational", "organisational abuse"), ("abuse_modern_slavery", "modern slavery"),
)


def set_sarsum_body(doc) -> None:
    kinds = ", ".join(f'("{name}", "{words}")' for name, words in SAR_ABUSE_KINDS)
    ticked = ("{% for k, w in [" + kinds + "] if referral[k] == 'Yes' %}{{ w }}{% if not loop.last %}; "
              "{% endif %}{% endfor %}")
    doc.add_paragraph("SARSUM", style="Form Id")
    doc.add_paragraph("Safeguarding Adults Review: Referral and Decision Summary", style="Title")
    doc.add_paragraph("Prepared by lifkit from the case folder; made again whenever the case changes. For the SAB "
                      "Chair to read and sign. The adult's details are personal data: keep this summary "
                      "OFFICIAL-SENSITIVE.", style="Form Note")
    doc.add_paragraph("The adult", style="Heading 1")
    _rows_table(doc, [
        ("Case reference", "{{ case_ref }}"),
        ("Adult's name", "{{ subject_name }}"),
        ("Date of birth (or age)", "{{ subject_dob }}{% if referral.adult_age != '-' %} (age {{ referral.adult_age }}){% endif %}"),
        ("Address", "{% if referral.no_fixed_abode == 'Yes' %}No fixed abode{% else %}{{ referral.adult_address }}{% endif %}"),
        ("What happened to the adult", "{{ referral.adult_outcome }}"),
        ("Date of death (if the adult died)", "{{ subject_dod }}"),
        ("Date of the death or serious harm", "{{ incident_date }}"),
        ("Where the adult lived", "{{ referral.care_setting }}"),
        ("Needs for care and support", "{{ referral.care_needs }}"),
        ("Was the local authority meeting any of them?", "{{ referral.needs_met }}"),
    ])
    doc.add_paragraph("The referral", style="Heading 1")
    _rows_table(doc, [
        ("Date the SAB received the referral", "{{ notified }}"),
        ("Decision due by", "{{ decision_due }}"),
        ("Referred by", "{{ referrer }}{% if referral.referrer_type != '-' %} ({{ referral.referrer_type }}){% endif %}"),
        ("SAR subgroup meeting(s)", "{{ meetings }}"),
        ("Agencies asked for an information report", "{{ agencies_asked }}"),
        ("Reports received", "{{ returns_received }}"),
    ])
    doc.add_paragraph("The abuse or neglect known or suspected", style="Heading 1")
    _rows_table(doc, [
        ("Kinds (as the referrer ticked them)", ticked),
        ("What is known or suspected", "{{ referral.abuse_detail }}"),
        ("Other processes under way", "{{ referral.other_processes }}"),
    ])
    doc.add_paragraph("Mental capacity and advocacy", style="Heading 1")
    _rows_table(doc, [
        ("Mental capacity", "{{ referral.capacity }}"),
        ("Decisions and assessments", "{{ referral.capacity_detail }}"),
        ("Advocate", "{{ referral.advocate }}{% if referral.advocate == 'Yes' %}: {{ referral.advocate_detail }}{% endif %}"),
    ])
    doc.add_paragraph("The adult's and the family's views (Making Safeguarding Personal)", style="Heading 1")
    _rows_table(doc, [
        ("What the adult wanted", "{{ referral.adult_views }}"),
        ("The adult or family knows of the referral", "{{ referral.family_aware }}"),
        ("The family's views", "{{ referral.family_views }}"),
    ])
    doc.add_paragraph("Summary", style="Heading 1")
    doc.add_paragraph("{{ summary }}", style="Form Answer")
    doc.add_paragraph("The criteria (Care Act 2014 s44)", style="Heading 1")
    _loop_table(doc, ("Criterion", "Ticked by the referrer", "The subgroup's view"), "c in criteria",
                ("{{ c.label }}", "{{ c.referrer }}", "{{ c.view }}"), (60, 18, 22))
    doc.add_paragraph("The SAR subgroup's recommendation", style="Heading 1")
    _rows_table(doc, [
        ("Recommendation", "{{ recommendation }}"),
        ("Meeting", "{{ recommendation_meeting }}"),
        ("Rationale", "{{ recommendation_rationale }}"),
        ("How the learning will be taken forward (no SAR)", "{{ learning }}"),
        ("Further information asked for", "{{ further_info }}"),
    ])
    doc.add_paragraph("The SAB Chair's decision", style="Heading 1")
    _rows_table(doc, [
        ("Response to the recommendation", "{{ chair_response }}"),
        ("Decision", "{{ decision }}"),
        ("Rationale", "{{ decision_rationale }}"),
        ("Date of decision", "{{ decision_date }}"),
        ("Reviewer(s) appointed", "{{ reviewers }}"),
        ("Amendments", "{{ amendments }}"),
    ])
    doc.add_paragraph("Who has been told, and the dates ahead", style="Heading 1")
    _loop_table(doc, ("Notice", "Sent"), "n in notices", ("{{ n.label }}", "{{ n.told }}"), (60, 40))
    _loop_table(doc, ("Step", "Due", "Done"), "d in deadlines", ("{{ d.label }}", "{{ d.due }}", "{{ d.done }}"),
                (60, 20, 20))
    signature_line(doc, "SAB Chair")


def build_sarsum(output: Path = SARSUM_OUTPUT) -> Path:
    import docx

    doc = docx.Document()
    set_page(doc)
    set_styles(doc)
    set_settings(doc)
    _header_footer(doc, "OFFICIAL-SENSITIVE  Case {{ case_ref }}",
                   "SARSUM Referral and Decision Summary, {{ case_ref }}, prepared {{ prepared }}")
    set_sarsum_body(doc)
    set_properties(doc)
    doc.core_properties.title = "lifkit SAR summary template"
    doc.core_properties.comments = "The Word template lifkit makes each SAR referral's decision summary from."
    doc.save(str(output))
    return output


# --- the Learning and Improvement Index (the framework's Appendix One) -----------------------------


def _index_entry_table(doc) -> None:
    """One entry of the index, laid out as in Appendix One: type and name, date, then the overview,
    the numbered findings, the improvement activity and the evidence, each under its label."""
    from docx.shared import Twips

    table = doc.add_table(rows=10, cols=2)
    table.style = doc.styles["Form Table"]
    half = TEXT_WIDTH // 2
    first = table.rows[0].cells
    for cell, text in zip(first, ("Type of Review: {{ e.type }}", "Name: {{ e.name }}")):
        cell.paragraphs[0].add_run(text).bold = True
        cell.paragraphs[0].style = doc.styles["Form Label"]
    rows = table.rows[1:]
    for row in rows:
        row.cells[0].merge(row.cells[1])
    labels = {0: "Date: Report to the {{ board }} {{ e.date }}", 1: "Case Overview / Methodology:",
              3: "Summary of Findings / Learning:", 5: "Improvement Activity:", 7: "Evidence of Improvement:"}
    for index, text in labels.items():
        paragraph = rows[index].cells[0].paragraphs[0]
        paragraph.add_run(text).bold = True
        paragraph.style = doc.styles["Form Label"]
    answer = doc.styles["Form Answer"]
    rows[2].cells[0].paragraphs[0].add_run("{{ e.overview }}")
    rows[2].cells[0].paragraphs[0].style = answer
    for row, lines in ((rows[4], ("{%p for f in e.findings %}", "{{ loop.index }}. {{ f }}", "{%p endfor %}")),
                       (rows[6], ("{%p for i in e.improvement %}", "\u2022 {{ i }}", "{%p endfor %}"))):
        cell = row.cells[0]
        cell.paragraphs[0].add_run(lines[0])
        cell.paragraphs[0].style = answer
        for line in lines[1:]:
            cell.add_paragraph(line, style=answer)
    rows[8].cells[0].paragraphs[0].add_run("{{ e.evidence }}")
    rows[8].cells[0].paragraphs[0].style = answer
    table.autofit = False
    for cell in first:
        cell.width = Twips(half)


def set_index_body(doc) -> None:
    doc.add_paragraph("{{ board_name }}", style="Form Id")
    doc.add_paragraph("{{ title }}", style="Title")
    doc.add_paragraph("{{ period }}; made by lifkit on {{ made }}. Names are pseudonyms: no person's name, date of "
                      "birth or address appears in this index.", style="Form Note")
    doc.add_paragraph("{%p for section in sections %}", style="Normal")
    doc.add_paragraph("{{ section.title }}", style="Heading 1")
    doc.add_paragraph("{%p if not section.entries %}", style="Normal")
    doc.add_paragraph("No entries.", style="Form Note")
    doc.add_paragraph("{%p endif %}", style="Normal")
    doc.add_paragraph("{%p for e in section.entries %}", style="Normal")
    _index_entry_table(doc)
    doc.add_paragraph("", style="Form Spacer")
    doc.add_paragraph("{%p endfor %}", style="Normal")
    doc.add_paragraph("{%p endfor %}", style="Normal")


def build_index(output: Path = INDEX_OUTPUT) -> Path:
    import docx

    doc = docx.Document()
    set_page(doc)
    set_styles(doc)
    set_settings(doc)
    _header_footer(doc, "{{ title }}", "{{ title }}: {{ period }}")
    set_index_body(doc)
    set_properties(doc)
    doc.core_properties.title = "lifkit Learning and Improvement Index template"
    doc.core_properties.comments = "The Word template lifkit makes the Learning and Improvement Index from."
    doc.save(str(output))
    return output


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("rrsum", "cigsum1"):  # this one template only
        print(build_rrsum(RRSUM_OUTPUT) if sys.argv[1] == "rrsum" else build_cigsum1(CIGSUM1_OUTPUT))
    elif len(sys.argv) > 1:
        print(build(Path(sys.argv[1])))
    else:
        print(build(OUTPUT))
        print(build_cigsum1(CIGSUM1_OUTPUT))
        print(build_rrsum(RRSUM_OUTPUT))
        print(build_sarsum(SARSUM_OUTPUT))
        print(build_index(INDEX_OUTPUT))
