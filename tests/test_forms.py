"""`lifkit form`: the definitions, the schemas, and the fillable PDF read and filled by other tools."""

from __future__ import annotations

import json
import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import Lifkit, require_tool
from lifkit.documents.formdef import FORM_IDS, load_form
from lifkit.documents.identity import FormIdentity, token_matches, workspace_secret
from lifkit.documents.pdfform import BLANK_CHOICE, IDENTITY_FIELD, read_fields
from lifkit.mechanics.resources import schema

CASE = "CIEC-2026-001"
UNUSUAL = {
    "child": "Siân ap Gwilym-Żółć 🙂",
    "welsh": "Siân ap Gwilym",
    "polish": "Łukasz Żółć",
    "urdu": "عائشہ خان",
    "markup": "Ffion O'Brien & <Co> \"Ltd\"",
}
LONG_ADDRESS = ("Flat 3 & 4, <Tŷ Ŵyn> \"Quoted\" House, " * 120)[:5000]


def write_case(workspace: Path, address: str = "12 Test Road\nTesttown TE1 1ST") -> None:
    """A fictional case folder, as `lifkit referral open` will write it."""
    import yaml

    folder = workspace / "cases" / CASE
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "reference": CASE, "notified": "2026-11-02", "meeting_date": "2026-11-20",
        "child": {"name": UNUSUAL["child"], "dob": "2015-03-04", "dod": "2026-10-30", "address": address},
        "significant_people": [
            {"name": UNUSUAL["polish"], "dob": "1988-01-02", "address": "12 Test Road", "relationship": "father"},
            {"name": UNUSUAL["urdu"], "dob": "1990-05-06", "address": "12 Test Road", "relationship": "mother"},
            {"name": UNUSUAL["markup"], "dob": "2012-07-08", "address": "Elsewhere", "relationship": "sibling"},
        ],
    }
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def case_workspace(workspace: Path) -> Path:
    write_case(workspace)
    return workspace


def make_pdf(ws_lifkit: Lifkit, out: Path, *args: str) -> Path:
    result = ws_lifkit("form", *args, "-o", out)
    assert result.exit_code == 0, result.output
    return out


# --- definitions and schemas ------------------------------------------------------------------


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_field_has_a_rule_and_every_rule_a_field(form_id: str):
    form = load_form(form_id)
    rules = schema(form_id)
    fields = {f.name: f for f in form.fields}
    assert sorted(fields) == sorted(rules), "forms/ and schemas/ disagree"
    for field in form.fields:  # a table's columns match its row schema
        if field.type == "rows":
            assert sorted(c.name for c in field.columns) == sorted(rules[field.name]["schema"]["schema"])


def test_cigscr1_keeps_the_forms_own_numbering():
    form = load_form("cigscr1")
    assert [s.number for s in form.sections] == ["1", "2", "3", "4", "5", "7", "8", "9"]
    assert form.section_of("agency_review_date").label.startswith("For Cases referred by Agency")


def test_ciginf1_sections():
    form = load_form("ciginf1")
    assert [s.number for s in form.sections] == [""] + [str(n) for n in range(1, 13)]
    prefilled = [f.name for f in form.fields if f.prefilled]
    assert prefilled == ["case_ref", "meeting_date", "return_by", "agency", "child_name", "child_dob", "child_dod",
                         "child_address", "significant_people"]
    assert form.field("chronology").rows == 12


def test_field_described_as_printed():
    assert load_form("cigscr1").describe("child_dob") == \
        "section 3 (Name of Child, Young Person / DOB / DOD (if deceased)), 'DOB'"


# --- the PDF, read by pypdf and by qpdf -------------------------------------------------------

EXPECTED_FT = {"text": "/Tx", "longtext": "/Tx", "date": "/Tx", "email": "/Tx", "phone": "/Tx",
               "tick": "/Btn", "yesno": "/Ch", "choice": "/Ch"}
MULTILINE, REQUIRED, READONLY, COMBO = 1 << 12, 1 << 1, 1 << 0, 1 << 17


def expected_widgets(form_id: str):
    for name, field, column in load_form(form_id).widgets():
        if not field.prefilled:
            kind = column.type if column is not None else field.type
            yield name, field, column, kind


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    """Every form, made once for the module's read-only checks."""
    from conftest import fill_placeholders

    root = tmp_path_factory.mktemp("forms") / "lscb"
    Lifkit()("init", root)
    fill_placeholders(root)
    write_case(root, LONG_ADDRESS)
    ws = Lifkit(root)
    out = root.parent
    return {
        "root": root,
        "cigscr1": make_pdf(ws, out / "cigscr1.pdf", "cigscr1"),
        "ciginf1": make_pdf(ws, out / "ciginf1.pdf", "ciginf1", "--case", CASE, "--agency", "POL"),
        "sir": make_pdf(ws, out / "sir.pdf", "sir"),
        "ias": make_pdf(ws, out / "ias.pdf", "ias", "--case", CASE, "--agency", "POL"),
        "aupd": make_pdf(ws, out / "aupd.pdf", "aupd", "--case", CASE, "--agency", "POL"),
        "arc": make_pdf(ws, out / "arc.pdf", "arc", "--case", CASE, "--agency", "POL"),
        "sar1": make_pdf(ws, out / "sar1.pdf", "sar1"),
        "sar2": make_pdf(ws, out / "sar2.pdf", "sar2", "--case", CASE, "--agency", "POL"),
    }


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_pypdf_finds_every_field_with_type_flags_and_tooltip(generated, form_id: str):
    fields = read_fields(generated[form_id])
    widgets = list(expected_widgets(form_id))
    assert set(fields) == {name for name, *_ in widgets} | {IDENTITY_FIELD}
    for name, field, column, kind in widgets:
        found = fields[name]
        assert found["type"] == EXPECTED_FT[kind], name
        assert not found["flags"] & REQUIRED, f"{name} is marked required: only schemas/ decides that"
        assert found["tooltip"], name
        label = column.label if column is not None else field.label
        assert label in found["tooltip"], name
        if kind == "longtext":
            assert found["flags"] & MULTILINE, name
        if kind in ("yesno", "choice"):
            assert found["flags"] & COMBO
            assert found["options"] == [BLANK_CHOICE, *(("Yes", "No") if kind == "yesno" else field.options)]
        if kind == "tick":
            assert "/Off" in found["states"] and len(found["states"]) == 2


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_text_fields_have_no_length_cap_and_every_widget_has_an_appearance(generated, form_id: str):
    from pypdf import PdfReader

    reader = PdfReader(generated[form_id])
    assert reader.trailer["/Root"]["/AcroForm"]["/NeedAppearances"] == True  # noqa: E712 (a PDF boolean)
    for page in reader.pages:
        assert [round(float(v)) for v in page.mediabox[2:]] == [595, 842]  # A4
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            assert "/MaxLen" not in widget, widget.get("/T")
            assert "/N" in widget["/AP"], widget.get("/T")  # Preview shows only appearance streams


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_qpdf_reads_the_same_fields(generated, form_id: str):
    qpdf = require_tool("qpdf")
    subprocess.run([qpdf, "--check", str(generated[form_id])], check=True, capture_output=True)
    data = json.loads(subprocess.run([qpdf, "--json", "--json-key=acroform", str(generated[form_id])],
                                     check=True, capture_output=True, text=True).stdout)
    found = {f["fullname"]: f for f in data["acroform"]["fields"]}
    for name, field, column, kind in expected_widgets(form_id):
        assert found[name]["fieldtype"] == EXPECTED_FT[kind], name
        assert found[name]["alternativename"], name
        if kind in ("yesno", "choice"):
            assert found[name]["ischoice"]
        if kind == "tick":
            assert found[name]["ischeckbox"]
    assert data["acroform"]["needappearances"] is True


def test_pdftk_reads_the_same_fields(generated):
    pdftk = require_tool("pdftk")
    dump = subprocess.run([pdftk, str(generated["ciginf1"]), "dump_data_fields_utf8"], check=True,
                          capture_output=True, text=True).stdout
    names = {line.split(": ", 1)[1] for line in dump.splitlines() if line.startswith("FieldName: ")}
    assert {name for name, *_ in expected_widgets("ciginf1")} <= names


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_identity_metadata_and_token(generated, form_id: str):
    from pypdf import PdfReader

    reader = PdfReader(generated[form_id])
    info = {key.lstrip("/"): str(value) for key, value in reader.metadata.items()}
    identity = FormIdentity.from_metadata(info)
    assert identity.form_id == form_id.upper() and identity.version == "1.0"
    if form_id in ("ciginf1", "ias", "aupd", "arc", "sar2"):
        assert (identity.case_ref, identity.agency) == (CASE, "POL")
    else:
        assert (identity.case_ref, identity.agency) == ("", "")
    assert token_matches(workspace_secret(generated["root"]), identity)
    assert not token_matches(b"another workspace's secret", identity)
    hidden = read_fields(generated[form_id])[IDENTITY_FIELD]
    assert hidden["value"].split("|") == [identity.form_id, identity.version, identity.case_ref, identity.agency,
                                          identity.token]
    assert hidden["flags"] & READONLY
    assert UNUSUAL["welsh"] not in json.dumps(info, ensure_ascii=False)  # no child's name in metadata


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_header_footer_on_every_page(generated, form_id: str):
    pdftotext = require_tool("pdftotext")
    text = subprocess.run([pdftotext, "-layout", str(generated[form_id]), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "Testshire Safeguarding Children Board" in page
        assert f"{form_id.upper()} version 1.0" in page
        assert f"Page {number} of {len(pages)}" in page


def test_cigscr1_ends_with_the_return_address(generated):
    pdftotext = require_tool("pdftotext")
    text = subprocess.run([pdftotext, str(generated["cigscr1"]), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "Please return this form to:" in text
    assert "Jordan Avery" in text and "1 Test Street" in text and "jordan.avery@testshire-lscb.example" in text


def test_ciginf1_prefilled_text_with_unusual_characters_and_a_long_address(generated):
    pdftotext = require_tool("pdftotext")
    text = subprocess.run([pdftotext, str(generated["ciginf1"]), "-"], check=True, capture_output=True,
                          text=True).stdout
    flat = " ".join(text.split())
    for key in ("child", "welsh", "polish", "markup"):  # "child" holds an emoji
        assert UNUSUAL[key] in flat, key
    # pdftotext puts right-to-left text back in reading order: it only comes out as the name when the
    # joined letter forms were drawn in the right visual order.
    assert UNUSUAL["urdu"] in unicodedata.normalize("NFKC", text)
    assert "Tŷ Ŵyn" in flat
    assert flat.count("\"Quoted\" House") == LONG_ADDRESS.count("\"Quoted\" House")  # the whole address
    assert "Police (Public Protection Unit)" in flat and CASE in flat


def _page_pixels(pdf: Path, page: int, tmp_path: Path, tag: str):
    from PIL import Image

    pdftoppm = require_tool("pdftoppm")
    prefix = tmp_path / tag
    subprocess.run([pdftoppm, "-r", "72", "-gray", "-png", "-f", str(page), "-l", str(page), str(pdf), str(prefix)],
                   check=True, capture_output=True)
    return Image.open(next(tmp_path.glob(f"{tag}-*.png"))).convert("L")


def _widget_rects(pdf: Path) -> dict[str, tuple[int, list[float]]]:
    from pypdf import PdfReader

    rects = {}
    for number, page in enumerate(PdfReader(pdf).pages, start=1):
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            if "/T" in widget:
                rects[str(widget["/T"])] = (number, [float(v) for v in widget["/Rect"]])
    return rects


def _dark_pixels(image, rect: list[float]) -> int:
    x0, y0, x1, y1 = rect
    height = image.size[1]
    crop = image.crop((int(x0) + 2, int(height - y1) + 2, int(x1) - 2, int(height - y0) - 2))
    return sum(1 for value in crop.tobytes() if value < 128)


def test_filled_by_pdftk_and_rendered_by_poppler(generated, tmp_path: Path):
    """A third-party filler writes values; poppler must show them where the boxes are."""
    pdftk = require_tool("pdftk")
    blank = generated["cigscr1"]
    tick_on = [s for s in read_fields(blank)["criterion_a"]["states"] if s != "/Off"][0].lstrip("/")
    values = {"child_name": "Fictional Child", "summary": "A summary typed by the referrer. " * 20,
              "criterion_a": tick_on, "referral_route": "Agency", "child_dob": "04/03/2015",
              "significant_people_1_name": "Fictional Parent"}
    xfdf = tmp_path / "values.xfdf"
    xfdf.write_text('<?xml version="1.0" encoding="UTF-8"?><xfdf xmlns="http://ns.adobe.com/xfdf/"><fields>'
                    + "".join(f'<field name="{k}"><value>{v}</value></field>' for k, v in values.items())
                    + "</fields></xfdf>", encoding="utf-8")
    filled = tmp_path / "filled.pdf"
    subprocess.run([pdftk, str(blank), "fill_form", str(xfdf), "output", str(filled)], check=True,
                   capture_output=True)
    # The text boxes use the form's embedded Unicode font, for which pdftk cannot draw text itself; its
    # own advice for such forms is need_appearances, which leaves the drawing to the viewer (as every
    # other filler does). Drop-downs and tick-boxes keep standard fonts, which pdftk draws.
    unicode_filled = tmp_path / "filled-need-appearances.pdf"
    subprocess.run([pdftk, str(blank), "fill_form", str(xfdf), "output", str(unicode_filled), "need_appearances"],
                   check=True, capture_output=True)
    read = read_fields(filled)
    assert read["child_name"]["value"] == "Fictional Child"
    assert read["summary"]["value"] == values["summary"]
    assert read["referral_route"]["value"] == "Agency"
    assert str(read["criterion_a"]["value"]) == f"/{tick_on}"
    rects = _widget_rects(blank)
    for name in values:
        page, rect = rects[name]
        before = _dark_pixels(_page_pixels(blank, page, tmp_path, f"blank-{name}"), rect)
        shown = unicode_filled if read_fields(blank)[name]["type"] == "/Tx" else filled
        after = _dark_pixels(_page_pixels(shown, page, tmp_path, f"filled-{name}"), rect)
        assert after > before + 5, f"{name}: nothing visible where the value was filled"


def test_filled_by_pypdf_keeps_a_5000_character_answer(generated, tmp_path: Path):
    from pypdf import PdfReader, PdfWriter

    answer = ("Long answer with Welsh ŵ, Polish ł, & < > \" and emoji 🙂. " * 100)[:5000]
    writer = PdfWriter(clone_from=PdfReader(generated["ciginf1"]))
    for page in writer.pages:
        writer.update_page_form_field_values(page, {"involvement_summary": answer, "child_known": "Yes"},
                                             auto_regenerate=False)
    out = tmp_path / "filled.pdf"
    writer.write(out)
    fields = read_fields(out)
    assert fields["involvement_summary"]["value"] == answer
    assert fields["child_known"]["value"] == "Yes"


def test_rendered_pages_are_not_blank(generated, tmp_path: Path):
    image = _page_pixels(generated["ciginf1"], 1, tmp_path, "page1")
    assert sum(1 for v in image.tobytes() if v < 128) > 2000


# --- the command ------------------------------------------------------------------------------


def test_form_default_names_carry_no_personal_data(case_workspace: Path, ws_lifkit: Lifkit, tmp_path: Path,
                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = ws_lifkit("form", "ciginf1", "--case", CASE, "--agency", "csc", "--format", "both")
    assert result.exit_code == 0, result.output
    made = sorted(p.name for p in tmp_path.glob("CIGINF1*"))
    assert made == [f"CIGINF1-{CASE}-CSC.docx", f"CIGINF1-{CASE}-CSC.pdf"]
    assert result.stdout.splitlines() == [str(tmp_path / made[1]), str(tmp_path / made[0])]


def test_form_json_output(workspace: Path, ws_lifkit: Lifkit, tmp_path: Path):
    result = ws_lifkit("form", "cigscr1", "-o", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["form_id"] == "CIGSCR1" and report["files"] == [str(tmp_path / "CIGSCR1-blank.pdf")]


@pytest.mark.parametrize("args, message", [
    (["ciginf1", "--case", CASE], "give --agency CODE"),
    (["ciginf1", "--case", "CIEC-2026-999", "--agency", "POL"], "There is no case CIEC-2026-999"),
    (["ciginf1", "--case", CASE, "--agency", "NOPE"], "No CIEC member has the agency code 'NOPE'"),
    (["ciginf1", "--case", "../../etc", "--agency", "POL"], "is not a case reference"),
    (["cigscr1", "--format", "both", "-o", "x.pdf"], "names one file, but --format both makes two"),
    (["cigscr1", "-o", "x.docx"], "does not end in .pdf"),
])
def test_form_bad_arguments(case_workspace: Path, ws_lifkit: Lifkit, args, message, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = ws_lifkit("form", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_date_boxes_carry_acrobat_date_actions(generated):
    from pypdf import PdfReader

    dates = {name for name, field, column, kind in expected_widgets("ciginf1") if kind == "date"}
    seen = set()
    for page in PdfReader(generated["ciginf1"]).pages:
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            name = str(widget.get("/T", ""))
            if name in dates:
                assert 'AFDate_FormatEx("dd/mm/yyyy")' in widget["/AA"]["/F"]["/JS"]
                seen.add(name)
            else:
                assert "/AA" not in widget, name
    assert seen == dates and "chronology_12_date" in dates


def test_init_makes_the_token_secret(workspace: Path):
    secret = workspace / ".lifkit" / "secret"
    assert len(bytes.fromhex(secret.read_text().strip())) == 32
