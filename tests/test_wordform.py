"""The Word forms (lifkit.documents.wordform): boxes, pre-filled values, metadata, LibreOffice, round trips.

Every name and address here is fictional. LibreOffice conversions take a few seconds each, so the
files are made and converted once per module and shared by the tests.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import REPO, require_tool
from lifkit.errors import InputError
from lifkit.documents.formdef import YES_NO, load_form
from lifkit.documents.generate import RenderContext
from lifkit.documents.identity import FormIdentity, sign
from lifkit.documents.wordform import render_docx
from lifkit.documents.wordread import read_docx

from returns import NS, W, W14, controls, fill  # noqa: F401  (shared with the validate and collect tests)

BOARD = "Testshire Safeguarding Children Board"
RETURN_TO = ("Jordan Avery", "LSCB Administrator", "1 Test Street", "Testtown TE1 1ST",
             "jordan.avery@testshire-lscb.example")
CASE = "CIEC-2026-001"
PREFILL = {
    "case_ref": CASE,
    "meeting_date": dt.date(2026, 3, 12),
    "return_by": dt.date(2026, 3, 9),
    "agency": "Testshire Police",
    "child_name": "Fictional Child",
    "child_dob": dt.date(2015, 5, 1),
    "child_dod": None,
    "child_address": "1 Fictional Road\nTesttown TE1 2AB",
    "significant_people": [
        {"name": "Fictional Parent", "dob": dt.date(1990, 1, 2), "address": "1 Fictional Road"},
        {"name": "Fictional Sibling", "dob": None, "address": "2 Pretend Avenue"},
    ],
}

TRICKY_BOARD = "Testshire & <Vale> \"Safeguarding\" 'Board' – Siân ap Gwilym ŵ ŷ 🙂"
TRICKY_CHILD = "Łukasz Żółć & <Siân> \"ap\" 'Gwilym' ŵ ŷ 🙂"
TRICKY_AGENCY = "عائشہ خان & Co's <Agency>"
LONG_ADDRESS = ("Flat 1, Fictional House, 2 Test Street, Testtown TE1 1ST & <Somewhere> 'near' \"here\". " * 80)[:5000]


def context(form_id: str, board: str = BOARD, prefill: dict | None = None) -> RenderContext:
    form = load_form(form_id)
    is_inf = any(f.prefilled for f in form.fields)  # a form sent to an agency (CIGINF1, IAS)
    return RenderContext(
        form=form, board_name=board,
        identity=sign(b"k" * 32, form.id, form.version, CASE if is_inf else "", "POL" if is_inf else ""),
        prefill=(dict(PREFILL) if prefill is None else prefill) if is_inf else {},
        return_to=RETURN_TO,
    )


def part(path: Path, name: str):
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read(name))


def document(path: Path):
    return part(path, "word/document.xml")


def text_of(element) -> str:
    """Text as Word shows it: paragraphs and line breaks as newlines."""
    pieces = []
    for node in element.iter(f"{{{W}}}p", f"{{{W}}}t", f"{{{W}}}br", f"{{{W}}}tab"):
        tag = etree.QName(node).localname
        if tag == "p" and pieces:
            pieces.append("\n")
        elif tag == "t":
            pieces.append(node.text or "")
        elif tag == "br":
            pieces.append("\n")
        elif tag == "tab" and etree.QName(node.getparent()).localname == "r":
            pieces.append("\t")
    return "".join(pieces)


def fillable(form_id: str):
    """(widget name, field, column) for every box on the form, the pre-filled ones left out."""
    return [(name, f, column) for name, f, column in load_form(form_id).widgets() if not f.prefilled]


def soffice(args: list[str], profile: Path) -> None:
    exe = require_tool("soffice")
    result = subprocess.run(
        [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", *args],
        capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def pdftotext(pdf: Path) -> str:
    exe = require_tool("pdftotext")
    result = subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True)
    return result.stdout


# --- filling a form in, as Word would -----------------------------------------------------------------

SCR_VALUES = {
    "reasons": "Fictional reasons & <more> \"quoted\" 'text'",
    "summary": "First paragraph of a fictional summary.\nSecond paragraph: Siân ap Gwilym ŵ ŷ 🙂",
    "child_name": "Fictional Child",
    "child_dob": "01/05/2015",
    "significant_people_1_name": "Fictional Parent",
    "significant_people_1_dob": "02/01/1990",
    "significant_people_8_relationship": "Aunt",
    "agency": "Testshire Police",
    "lead_email": "lead@testshire.example",
    "referral_route": "Strategy meeting",
    "completion_date": "10/02/2026",
}
SCR_TICKS = {"criterion_a", "criterion_b_ii"}
INF_VALUES = {
    "completed_name": "Member Person 1",
    "child_known": "Yes",
    "criteria_met": "Unsure",
    "chronology_12_outcome": "Referred on",
    "practitioners_3_attending": "No",
    "involvement_summary": "Line one\nLine two\nŁukasz Żółć",
}


# --- the files, made once ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("wordform")
    made = {}
    for key, ctx in {
        "cigscr1": context("cigscr1"),
        "ciginf1": context("ciginf1"),
        "sir": context("sir"),
        "ias": context("ias"),
        "tricky": context("ciginf1", board=TRICKY_BOARD, prefill={
            **PREFILL, "child_name": TRICKY_CHILD, "agency": TRICKY_AGENCY, "child_address": LONG_ADDRESS,
            "significant_people": [{"name": "Fictional Parent 🙂 & <Co>", "dob": dt.date(1990, 1, 2),
                                    "address": "عائشہ خان"}]}),
        "nobody": context("ciginf1", prefill={**PREFILL, "significant_people": []}),
    }.items():
        made[key] = folder / f"{key}.docx"
        render_docx(ctx, made[key])
    fill(made["cigscr1"], folder / "filled-scr.docx", SCR_VALUES, SCR_TICKS)
    fill(made["ciginf1"], folder / "filled-inf.docx", INF_VALUES, set())
    made["filled-scr"], made["filled-inf"] = folder / "filled-scr.docx", folder / "filled-inf.docx"
    return made


@pytest.fixture(scope="module")
def pdfs(files, tmp_path_factory) -> dict[str, Path]:
    """The forms converted to PDF by LibreOffice, in one run."""
    out = tmp_path_factory.mktemp("pdf")
    names = ("cigscr1", "ciginf1", "tricky", "sir", "ias")
    soffice(["--convert-to", "pdf", "--outdir", str(out), *(str(files[n]) for n in names)], out / "lo")
    result = {name: out / f"{name}.pdf" for name in names}
    for name, pdf in result.items():
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), f"LibreOffice made no PDF of {name}"
    return result


@pytest.fixture(scope="module")
def resaved(files, tmp_path_factory) -> dict[str, Path]:
    """The filled-in forms opened and saved again as .docx by LibreOffice."""
    out = tmp_path_factory.mktemp("resaved")
    names = ("filled-scr", "filled-inf")
    soffice(["--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), *(str(files[n]) for n in names)],
            out / "lo")
    result = {name: out / f"{name}.docx" for name in names}
    for name, path in result.items():
        assert path.is_file(), f"LibreOffice did not save {name}"
    return result


# --- every box, of the right kind ---------------------------------------------------------------------

@pytest.mark.parametrize("form_id", ["cigscr1", "ciginf1", "sir", "ias"])
def test_every_box_is_exactly_one_content_control_of_the_right_kind(files, form_id):
    found = controls(document(files[form_id]))
    expected = fillable(form_id)
    assert set(found) == {name for name, _, _ in expected}, "content controls that are not boxes, or missing"
    for name, f, column in expected:
        assert len(found[name]) == 1, name
        pr = found[name][0].find("w:sdtPr", NS)
        kind = column.type if column else f.type
        alias = pr.find("w:alias", NS).get(f"{{{W}}}val")
        assert alias == f.label if column is None else alias.startswith(f.label) and column.label in alias
        if kind == "tick":
            box = pr.find("w14:checkbox", NS)
            assert box is not None, name
            assert box.find("w14:checked", NS).get(f"{{{W14}}}val") == "0"
            assert box.find("w14:checkedState", NS).get(f"{{{W14}}}val") == "2612"
            assert box.find("w14:uncheckedState", NS).get(f"{{{W14}}}val") == "2610"
            assert box.find("w14:checkedState", NS).get(f"{{{W14}}}font") == "MS Gothic"
        elif kind in ("yesno", "choice"):
            items = pr.findall("w:dropDownList/w:listItem", NS)
            values = [item.get(f"{{{W}}}value") for item in items]
            assert values[0] == "" and tuple(values[1:]) == (YES_NO if kind == "yesno" else f.options), name
            assert pr.find("w:showingPlcHdr", NS) is not None
        elif kind == "date":
            assert pr.find("w:date/w:dateFormat", NS).get(f"{{{W}}}val") == "dd/MM/yyyy", name
            assert pr.find("w:showingPlcHdr", NS) is not None
            assert text_of(found[name][0].find("w:sdtContent", NS)) == "dd/mm/yyyy"
        elif kind == "longtext":  # rich text around a whole paragraph: takes several paragraphs
            assert all(pr.find(t, NS) is None for t in ("w:text", "w:date", "w:dropDownList", "w14:checkbox"))
            assert found[name][0].find("w:sdtContent/w:p", NS) is not None, name
            assert found[name][0].getparent().tag == f"{{{W}}}tc"
        else:
            assert pr.find("w:text", NS) is not None, name
            assert pr.find("w:showingPlcHdr", NS) is not None
            assert text_of(found[name][0].find("w:sdtContent", NS)).strip(), "an empty box shows a prompt"


@pytest.mark.parametrize("form_id", ["cigscr1", "ciginf1", "sir", "ias"])
def test_tables_have_a_header_row_and_one_row_per_line(files, form_id):
    root = document(files[form_id])
    found = controls(root)
    for f in load_form(form_id).fields:
        if f.type != "rows" or f.prefilled:
            continue
        table = next(found[f.cell_name(1, f.columns[0].name)][0].iterancestors(f"{{{W}}}tbl"))
        rows = table.findall("w:tr", NS)
        assert len(rows) == f.rows + 1
        assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
        assert [text_of(tc).strip() for tc in rows[0].findall("w:tc", NS)] == [c.label for c in f.columns]
        for number, row in enumerate(rows[1:], start=1):
            tags = [tc.find(".//w:sdtPr/w:tag", NS).get(f"{{{W}}}val") for tc in row.findall("w:tc", NS)]
            assert tags == [f.cell_name(number, c.name) for c in f.columns]


def test_sections_appear_with_the_forms_own_numbering(files):
    root = document(files["cigscr1"])
    headings = [text_of(p) for p in root.iter(f"{{{W}}}p")
                if p.find("w:pPr/w:pStyle", NS) is not None
                and p.find("w:pPr/w:pStyle", NS).get(f"{{{W}}}val") == "Heading1"]
    assert headings == [s.heading for s in load_form("cigscr1").sections]
    assert not any(h.startswith("6.") for h in headings)
    body = text_of(root)
    assert load_form("cigscr1").note in body
    assert "Please return this form to:" in body
    assert "\n".join(RETURN_TO) in body


def _outline_levels(path: Path) -> dict[str, int]:
    """Style id -> outline level, for the styles that have one (headings, to Word and screen readers)."""
    levels = {}
    for style in part(path, "word/styles.xml").iter(f"{{{W}}}style"):
        level = style.find("w:pPr/w:outlineLvl", NS)
        if level is not None:
            levels[style.get(f"{{{W}}}styleId")] = int(level.get(f"{{{W}}}val"))
    return levels


@pytest.mark.parametrize("form_id", ["cigscr1", "ciginf1"])
def test_the_form_can_be_used_with_a_screen_reader_and_a_keyboard(files, form_id):
    root = document(files[form_id])
    for sdt in root.iter(f"{{{W}}}sdt"):  # every box says what it is (Title) and which box (Tag)
        pr = sdt.find("w:sdtPr", NS)
        assert (pr.find("w:alias", NS).get(f"{{{W}}}val") or "").strip()
        assert (pr.find("w:tag", NS).get(f"{{{W}}}val") or "").strip()
    levels = _outline_levels(files[form_id])
    headings = {}
    for p in root.iter(f"{{{W}}}p"):
        style = p.find("w:pPr/w:pStyle", NS)
        if style is not None and style.get(f"{{{W}}}val") in levels:
            headings[text_of(p).strip()] = levels[style.get(f"{{{W}}}val")]
    for section in load_form(form_id).sections:
        assert headings[section.heading] == 0
    assert headings["Please return this form to:"] == 0
    for f in load_form(form_id).fields:  # a table's own label is a heading under its section
        if f.type == "rows" and len(load_form(form_id).section_of(f.name).fields) > 1:
            assert headings[f.label] == 1
    settings = part(files[form_id], "word/settings.xml")
    protection = settings.findall("w:documentProtection", NS)
    assert len(protection) == 1
    assert protection[0].get(f"{{{W}}}edit") == "forms" and protection[0].get(f"{{{W}}}enforcement") == "1"
    order = [etree.QName(child).localname for child in settings]  # Word wants CT_Settings' order
    assert "zoom" not in order or order.index("zoom") < order.index("documentProtection")
    assert "defaultTabStop" not in order or order.index("documentProtection") < order.index("defaultTabStop")


def test_an_empty_form_reads_back_empty(files):
    for form_id in ("cigscr1", "ciginf1"):
        contents = read_docx(files[form_id])
        names = {name for name, _, _ in fillable(form_id)}
        assert set(contents.values) | set(contents.checkboxes) == names
        assert not any(contents.values.values()) and not any(contents.checkboxes.values())
        assert contents.stray_text == {}


# --- pre-filled values, header, footer, properties ----------------------------------------------------

def test_prefilled_values_are_plain_text_not_boxes(files):
    root = document(files["ciginf1"])
    form = load_form("ciginf1")
    tags = set(controls(root))
    for f in form.fields:
        if f.prefilled:
            assert not set(f.widget_names()) & tags, f.name
    shown = [PREFILL["case_ref"], "12/03/2026", "09/03/2026", "Testshire Police", "Fictional Child", "01/05/2015",
             "1 Fictional Road\nTesttown TE1 2AB", "Fictional Parent", "02/01/1990", "Fictional Sibling",
             "2 Pretend Avenue"]
    cells = {text_of(tc).strip(): tc for tc in root.iter(f"{{{W}}}tc")}
    for value in shown:
        assert value in cells, value
        assert next(cells[value].iterancestors(f"{{{W}}}sdt"), None) is None
        assert cells[value].find(".//w:sdt", NS) is None
    # the child's date of death is not known: a dash, not a box
    label = next(tc for text, tc in cells.items() if text == "Child's date of death (if deceased)")
    assert text_of(label.getnext()).strip() == "-"
    # the people table has a header row and one row per person
    people = next(cells["Fictional Parent"].iterancestors(f"{{{W}}}tbl"))
    assert len(people.findall("w:tr", NS)) == 1 + len(PREFILL["significant_people"])


def test_no_significant_people_prints_none_recorded(files):
    root = document(files["nobody"])
    cells = [text_of(tc).strip() for tc in root.iter(f"{{{W}}}tc")]
    assert "None recorded" in cells


def test_header_has_the_board_and_footer_the_form_and_pages(files):
    for form_id in ("cigscr1", "ciginf1"):
        form = load_form(form_id)
        with zipfile.ZipFile(files[form_id]) as archive:
            headers = [n for n in archive.namelist() if re.fullmatch(r"word/header\d*\.xml", n)]
            footers = [n for n in archive.namelist() if re.fullmatch(r"word/footer\d*\.xml", n)]
        header = "".join(text_of(part(files[form_id], n)) for n in headers)
        footer = "".join(text_of(part(files[form_id], n)) for n in footers)
        instructions = " ".join(t.text for n in footers for t in part(files[form_id], n).iter(f"{{{W}}}instrText"))
        assert BOARD in header
        assert form.id in footer and f"version {form.version}" in footer
        assert "PAGE" in instructions.split() and "NUMPAGES" in instructions.split()
    assert CASE in "".join(text_of(part(files["ciginf1"], "word/header1.xml")))


def test_page_is_a4(files):
    size = document(files["cigscr1"]).find("w:body/w:sectPr/w:pgSz", NS)
    assert (size.get(f"{{{W}}}w"), size.get(f"{{{W}}}h")) == ("11906", "16838")


def test_metadata_round_trips_as_custom_properties(files):
    for form_id in ("cigscr1", "ciginf1"):
        ctx = context(form_id)
        assert read_docx(files[form_id]).metadata == ctx.identity.metadata()
        with zipfile.ZipFile(files[form_id]) as archive:
            types = archive.read("[Content_Types].xml").decode()
            rels = archive.read("_rels/.rels").decode()
        assert 'PartName="/docProps/custom.xml"' in types
        assert "relationships/custom-properties" in rels


def test_awkward_metadata_values_round_trip(tmp_path):
    ctx = context("cigscr1")
    odd = FormIdentity(form_id="CIGSCR1", version="1.0", case_ref="CIEC & <2026> \"1\" 'x' ŵ 🙂", agency="Ł&Ż",
                       token="0" * 32)
    path = tmp_path / "odd.docx"
    render_docx(RenderContext(form=ctx.form, board_name=BOARD, identity=odd, return_to=RETURN_TO), path)
    assert read_docx(path).metadata == odd.metadata()


def test_core_title_is_the_form_and_no_person_is_in_any_property(files):
    form = load_form("ciginf1")
    core = part(files["tricky"], "docProps/core.xml")
    assert core.find("{http://purl.org/dc/elements/1.1/}title").text == f"{form.id} {form.title}"
    for key in ("tricky", "ciginf1"):
        with zipfile.ZipFile(files[key]) as archive:
            everything = "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                                   if n.startswith("docProps/"))
        for person in ("Fictional Child", TRICKY_CHILD, "Łukasz", "Fictional Parent", "Fictional Sibling",
                       "عائشہ", "Jordan Avery"):
            assert person not in everything, (key, person)


# --- awkward values --------------------------------------------------------------------------------

def test_awkward_characters_come_out_exactly(files):
    root = document(files["tricky"])
    body = text_of(root)
    for value in (TRICKY_CHILD, TRICKY_AGENCY, "Fictional Parent 🙂 & <Co>", "عائشہ خان"):
        assert value in body, value
    header = text_of(part(files["tricky"], "word/header1.xml"))
    assert TRICKY_BOARD in header


def test_a_long_address_is_there_in_full(files):
    cells = [text_of(tc) for tc in document(files["tricky"]).iter(f"{{{W}}}tc")]
    assert LONG_ADDRESS in cells


# --- LibreOffice ---------------------------------------------------------------------------------------

def test_libreoffice_turns_the_forms_into_pdf(pdfs):
    scr, inf, tricky = (pdftotext(pdfs[n]) for n in ("cigscr1", "ciginf1", "tricky"))
    squash = lambda text: " ".join(text.split())  # noqa: E731
    assert BOARD in squash(scr) and "2. Summary of case" in squash(scr)
    assert BOARD in squash(inf) and "1. Completed by" in squash(inf) and "Fictional Child" in squash(inf)
    for value in ("Łukasz Żółć", "Siân ap Gwilym ŵ ŷ", "Testshire & <Vale>"):
        assert value in squash(tricky), value
    sir, ias = (squash(pdftotext(pdfs[n])) for n in ("sir", "ias"))
    assert "1. The serious incident" in sir and "8. Date this referral was completed" in sir
    assert "Rapid review meeting date 12/03/2026" in ias and "10. Signed off by the agency's safeguarding lead" in ias


# --- filling in and reading back ---------------------------------------------------------------------

def expected_values(form_id: str, typed: dict[str, str]) -> dict[str, str]:
    return {name: typed.get(name, "") for name, f, column in fillable(form_id)
            if (column.type if column else f.type) != "tick"}


def test_a_filled_form_reads_back(files):
    scr = read_docx(files["filled-scr"])
    assert scr.values == expected_values("cigscr1", SCR_VALUES)
    assert scr.checkboxes == {name: name in SCR_TICKS for name, f, _ in fillable("cigscr1") if f.type == "tick"}
    assert scr.metadata == context("cigscr1").identity.metadata()
    assert scr.stray_text == {}
    inf = read_docx(files["filled-inf"])
    assert inf.values == expected_values("ciginf1", INF_VALUES)
    assert inf.checkboxes == {}


def test_a_form_resaved_by_libreoffice_reads_back(resaved):
    """LibreOffice 7.4 drops every content control's tag; the _lk_ bookmarks still name the boxes."""
    scr = read_docx(resaved["filled-scr"])
    assert scr.metadata == context("cigscr1").identity.metadata()
    assert scr.values == expected_values("cigscr1", SCR_VALUES)
    assert scr.checkboxes == {name: name in SCR_TICKS for name, f, _ in fillable("cigscr1") if f.type == "tick"}
    assert scr.stray_text == {}
    inf = read_docx(resaved["filled-inf"])
    assert inf.metadata == context("ciginf1").identity.metadata()
    assert inf.values == expected_values("ciginf1", INF_VALUES)


def test_text_typed_beside_a_box_is_reported(files, tmp_path):
    with zipfile.ZipFile(files["filled-scr"]) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    box = controls(root)["child_name"][0]
    run = etree.Element(f"{{{W}}}r")
    etree.SubElement(run, f"{{{W}}}t").text = " (known as Fictional Nickname)"
    box.addnext(run)
    parts["word/document.xml"] = etree.tostring(root)
    path = tmp_path / "beside.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    contents = read_docx(path)
    assert contents.values["child_name"] == "Fictional Child"
    assert contents.stray_text == {"child_name": "(known as Fictional Nickname)"}


# --- files that are not Word forms ------------------------------------------------------------------

def test_reading_a_file_that_is_not_a_docx_is_an_input_error(tmp_path):
    not_zip = tmp_path / "return.docx"
    not_zip.write_bytes(b"%PDF-1.7 this is not a Word file")
    with pytest.raises(InputError, match="return.docx"):
        read_docx(not_zip)

    no_document = tmp_path / "empty.docx"
    with zipfile.ZipFile(no_document, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(InputError, match="empty.docx"):
        read_docx(no_document)

    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("word/document.xml", "<w:document xmlns:w='x'><unclosed>")
    with pytest.raises(InputError, match="broken.docx"):
        read_docx(broken)

    with pytest.raises(InputError, match="missing.docx"):
        read_docx(tmp_path / "missing.docx")


def test_entities_in_a_returned_file_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    evil = tmp_path / "evil.docx"
    doc = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
           f'<w:document xmlns:w="{W}"><w:body><w:p><w:sdt><w:sdtPr><w:tag w:val="a"/></w:sdtPr>'
           '<w:sdtContent><w:r><w:t>&x;</w:t></w:r></w:sdtContent></w:sdt></w:p></w:body></w:document>')
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("word/document.xml", doc)
    try:
        contents = read_docx(evil)
    except InputError:
        return
    assert "SECRET" not in contents.values.get("a", "")


# --- the template ----------------------------------------------------------------------------------

def template_module():
    spec = importlib.util.spec_from_file_location("make_templates", REPO / "templates" / "make_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_template_is_what_make_templates_builds(tmp_path):
    built = template_module().build(tmp_path / "form.docx")
    for name in ("word/document.xml", "word/header1.xml", "word/footer1.xml", "word/styles.xml"):
        assert etree.tostring(part(built, name), method="c14n") == \
            etree.tostring(part(REPO / "templates" / "form.docx", name), method="c14n"), name


def test_the_readme_lists_every_variable_the_template_uses():
    from docxtpl import DocxTemplate

    used = DocxTemplate(str(REPO / "templates" / "form.docx")).get_undeclared_template_variables()
    readme = (REPO / "templates" / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(\w+)` \|", readme, flags=re.M))
    assert used and used <= documented
    assert "form_body" in used


def broken_template(tmp_path, monkeypatch, replace: tuple[str, str]) -> None:
    """Point lifkit at a copy of the template with one piece of text replaced."""
    source = REPO / "templates" / "form.docx"
    target = tmp_path / "form.docx"
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        for item in archive.infolist():
            data = archive.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(replace[0].encode(), replace[1].encode())
            out.writestr(item, data)
    import lifkit.mechanics.resources

    original = lifkit.mechanics.resources.resource
    monkeypatch.setattr(lifkit.mechanics.resources, "resource",
                        lambda kind, name: target if kind == "templates" else original(kind, name))


def test_a_template_without_the_form_body_is_refused(tmp_path, monkeypatch):
    broken_template(tmp_path, monkeypatch, ("{{p form_body }}", "no form here"))
    with pytest.raises(InputError, match="form_body"):
        render_docx(context("cigscr1"), tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()


def test_the_template_runs_in_a_sandbox(tmp_path, monkeypatch):
    broken_template(tmp_path, monkeypatch, ("{{ form_title }}", "{{ form_title.__class__.__mro__ }}"))
    with pytest.raises(InputError, match="cannot be used") as caught:
        render_docx(context("cigscr1"), tmp_path / "out.docx")
    assert type(caught.value.__cause__).__name__ == "SecurityError"


def test_importing_wordform_loads_no_heavy_library():
    code = ("import sys, lifkit.documents.wordform, lifkit.documents.wordread\n"
            "print([m for m in ('docxtpl', 'docx', 'lxml', 'jinja2') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
