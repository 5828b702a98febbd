"""The rapid review's two forms: SIR (the serious incident referral) and IAS (the Individual Agency
Summary). Made as PDF and Word, filled by other tools, validated with problems named as printed, and
written in the partnership's words. Every name and address here is fictional."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import Lifkit, fill_placeholders, require_tool
from returns import IAS_VALUES, SIR_VALUES, blank_form, fill_docx, fill_pdf
from test_forms import write_case

from lifkit.documents.formdef import FormDefinitionError, _build, form_ids, load_form

pytestmark = pytest.mark.usefixtures("fixed_today")

CASE = "CIEC-2026-001"  # write_case's case, in the workspace the shared fixtures make
OLD_WORDS = ("CIEC", "LSCB", "CIGINF1", "CIGSCR1", "Independent Chair", "Serious Case Review")


@pytest.fixture
def ws(workspace: Path) -> Lifkit:
    write_case(workspace)
    return Lifkit(workspace)


def returned(ws: Lifkit, tmp_path: Path, form_id: str, fmt: str = "pdf", tool: str = "pypdf", **changes) -> Path:
    values = dict(SIR_VALUES if form_id == "sir" else IAS_VALUES)
    values.update(changes)
    number = len(list(tmp_path.iterdir()))
    blank = blank_form(ws, tmp_path / f"blank-{form_id}-{number}.{fmt}", form_id, fmt=fmt)
    out = tmp_path / f"{form_id}-{tool}-{number}.{fmt}"
    return fill_docx(blank, values, out) if fmt == "docx" else fill_pdf(blank, values, out, tool)


def check(ws: Lifkit, *args) -> tuple[int, str, list]:
    text = ws("validate", *args)
    data = ws("validate", "--json", *args)
    assert text.exit_code == data.exit_code
    assert "Traceback" not in text.output
    return text.exit_code, text.stdout + text.stderr, json.loads(data.stdout) if data.stdout.strip() else []


# --- the definitions ----------------------------------------------------------------------------


def test_the_forms_are_the_files_in_forms():
    assert {"cigscr1", "ciginf1", "sir", "ias"} <= set(form_ids())
    assert load_form("SIR").id == "SIR" and load_form("ias").id == "IAS"


# Same meaning, same name: the case code reads these whatever the form.
SHARED_WITH_THE_2016_REFERRAL = ("child_name", "child_dob", "child_dod", "significant_people", "agency", "lead_name",
                                 "lead_position", "lead_email", "lead_telephone", "completion_date", "criterion_a",
                                 "criterion_b_i", "criterion_looked_after", "agency_review_date",
                                 "agency_reviewed_with")
SHARED_WITH_THE_2016_REQUEST = ("completed_name", "completed_role", "completed_telephone", "completed_email",
                                "completion_date", "child_known", "others_known", "others_known_who",
                                "involvement_from", "involvement_to", "chronology", "case_open", "good_practice",
                                "criteria_met", "criteria_reason", "checked_by_name")


@pytest.mark.parametrize("new, old, names", [("sir", "cigscr1", SHARED_WITH_THE_2016_REFERRAL),
                                             ("ias", "ciginf1", SHARED_WITH_THE_2016_REQUEST)])
def test_fields_with_the_same_meaning_have_the_same_names_and_types(new: str, old: str, names):
    new_form, old_form = load_form(new), load_form(old)
    for name in names:
        a, b = new_form.field(name), old_form.field(name)
        assert (a.type, [c.name for c in a.columns], a.prefilled) == (b.type, [c.name for c in b.columns],
                                                                      b.prefilled), name


def test_the_agency_summary_is_prefilled_like_the_request_for_information():
    ias, ciginf1 = load_form("ias"), load_form("ciginf1")
    prefilled = [f.name for f in ias.fields if f.prefilled]
    # the IAS adds the period it covers (the scoping period), pre-filled too
    assert [n for n in prefilled if not n.startswith("scoping_")] == [f.name for f in ciginf1.fields if f.prefilled] == [
        "case_ref", "meeting_date", "return_by", "agency", "child_name", "child_dob", "child_dod", "child_address",
        "significant_people"]
    assert "scoping_from" in prefilled and "scoping_to" in prefilled
    assert [c.name for c in ias.field("significant_people").columns] == ["name", "dob", "address"]
    assert ias.field("meeting_date").label == "Rapid review meeting date"
    assert all(f.section == "" for f in ias.fields if f.prefilled)


def test_the_referral_asks_when_the_local_authority_became_aware():
    sir = load_form("sir")
    assert sir.field("aware_date").type == "date"
    assert "became aware" in sir.field("aware_date").label
    assert sir.field("safeguarding_lead_agreed").type == "yesno"


@pytest.mark.parametrize("form_id", ["sir", "ias"])
def test_no_word_of_the_2016_process_in_the_definitions(form_id: str):
    from lifkit.mechanics.resources import resource

    for kind in ("forms", "schemas"):
        text = resource(kind, f"{form_id}.yaml").read_text(encoding="utf-8")
        for word in OLD_WORDS:
            assert word.lower() not in text.lower(), (kind, word)
    note = load_form(form_id).note
    assert "the safeguarding partnership's business unit" in note


# --- a bad `checks` entry is named, not obeyed ---------------------------------------------------

FORM = {"id": "T", "version": "1", "title": "T", "sections": [{"number": "1", "label": "S", "fields": [
    {"name": "a", "type": "date", "label": "A"}, {"name": "b", "type": "date", "label": "B"},
    {"name": "yn", "type": "yesno", "label": "YN"}, {"name": "t", "type": "text", "label": "T"}]}]}


@pytest.mark.parametrize("check, message", [
    ({"order": ["a", "nope"], "message": "m"}, "check #1 names 'nope' (order), which is not a box of this form"),
    ({"order": ["a", "t"], "message": "m"}, "order compares two dates"),
    ({"order": ["a", "b"], "message": "{second} is before {day}"}, "can use {first} and {second}"),
    ({"required": "t", "when": {"yn": True}, "message": "m"}, "yn is never True; it is one of 'Yes', 'No' (quote Yes"),
    ({"required": "t", "order": ["a", "b"], "message": "m"}, "needs exactly one of order, required, one_of"),
    ({"required": "t"}, "has no message"),
    ({"one_of": ["t"], "message": "m"}, "one_of needs two boxes or more"),
    ({"one_of": ["a", "b"], "when": {"yn": "Yes"}, "message": "m"}, "only a required check has a condition"),
    ({"required": "t", "message": "m", "unless": "x"}, "has unless, which a check does not use"),
])
def test_a_bad_check_in_a_definition_is_named(check: dict, message: str):
    with pytest.raises(FormDefinitionError) as caught:
        _build(dict(FORM, checks=[check]), "forms/t.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("forms/t.yaml: check #1")


# --- made, filled by other tools, and validated ---------------------------------------------------


@pytest.mark.parametrize("tool", ["pypdf", "pdftk"])
@pytest.mark.parametrize("form_id", ["sir", "ias"])
def test_a_complete_pdf_return_is_valid(ws, tmp_path, form_id: str, tool: str):
    path = returned(ws, tmp_path, form_id, tool=tool)
    args = ["--case", CASE] if form_id == "ias" else []
    status, out, data = check(ws, "--form", form_id, *args, path)
    assert status == 0, out
    assert out.startswith(f"OK          {path.name} ({form_id.upper()} version 1.0")
    values = data[0]["values"]
    if form_id == "sir":
        assert values["aware_date"] == "2026-10-30" and values["criterion_b_i"] is True
        assert values["criterion_serious_harm"] is False and values["safeguarding_lead_agreed"] == "Yes"
        assert values["significant_people"][0]["relationship"] == "mother"
    else:
        assert data[0]["case"] == CASE and data[0]["agency"] == "POL"
        assert values["criteria_met"] == "Yes" and values["signed_off_date"] == "2026-11-19"
        assert values["chronology"][0]["event"] == "Domestic incident attended"


@pytest.mark.parametrize("form_id", ["sir", "ias"])
def test_a_complete_word_return_is_valid(ws, tmp_path, form_id: str):
    path = returned(ws, tmp_path, form_id, fmt="docx")
    status, out, data = check(ws, path)
    assert status == 0, out
    assert data[0]["format"] == "docx" and data[0]["form"] == form_id.upper()


S1 = "section 1 (The serious incident)"
S2 = "section 2 (The child)"
S7 = "section 7 (Agreed with the agency's senior safeguarding lead)"


@pytest.mark.parametrize("changes, expected", [
    ({"aware_date": "20/10/2026"}, f"{S1}, 'Date the local authority became aware of the incident': the local "
                                   "authority became aware of the incident (20/10/2026) before it happened "
                                   "(28/10/2026). Expected: a date on or after 28/10/2026."),
    ({"aware_date": "", "incident_date": "26/10/2026"}, f"{S1}, 'Date the local authority became aware of the "
                                                        "incident': must be filled in. Expected: a date such as "
                                                        "03/12/2026."),
    ({"aware_date": "26/11/2026"}, f"{S1}, 'Date the local authority became aware of the incident': 26/11/2026 is "
                                   "in the future. Expected: a date on or before today (25/11/2026)."),
    ({"criterion_b_i": False, "child_dod": ""}, f"{S1}, 'The child has died (including suspected suicide)': neither "
                                                "'The child has died' nor 'The child has been seriously harmed' is "
                                                "ticked. Expected: a tick in one of them"),
    ({"child_dod": ""}, f"{S2}, 'Date of death (if the child has died)': must be filled in, since the child has "
                        "died. Expected: an answer, since 'The child has died (including suspected suicide)' is "
                        "ticked."),
    ({"child_dod": "27/10/2026"}, f"{S2}, 'Date of death (if the child has died)': the date of death 27/10/2026 is "
                                  "before the incident (28/10/2026)."),
    ({"agency_reviewed_with": ""}, f"{S7}, 'Name and position of the senior safeguarding lead': must be filled in "
                                   "for a referral agreed with the senior safeguarding lead. Expected: an answer, "
                                   "since 'Has this referral been agreed with your agency's senior safeguarding "
                                   "lead?' is Yes."),
    ({"legal_status": "Sometimes"}, f"{S2}, 'Legal status at the time of the incident': 'Sometimes' is not one of "
                                    "the choices. Expected: None known or Child in need or Child protection plan "
                                    "or Looked after or Other."),
    ({"incident_nature": ""}, f"{S1}, 'Nature of the incident': must be filled in."),
    ({"lead_email": "", "lead_telephone": ""}, "section 6 (Named lead / person making this referral), 'Email': "
                                               "neither an email nor a telephone number is given for the named "
                                               "lead."),
    ({"significant_people_2_dob": "01/01/1990"}, "section 3 (Significant adults and children), row 2, 'Name': must "
                                                 "be filled in."),
])
def test_referral_problems_are_named_by_section_and_box(ws, tmp_path, changes, expected):
    status, out, data = check(ws, returned(ws, tmp_path, "sir", **changes))
    assert status == 1, out
    assert expected in out
    assert len(data[0]["problems"]) == 1, out
    for word in OLD_WORDS:
        assert word not in out


def test_a_referral_not_agreed_with_the_lead_needs_no_name_or_date(ws, tmp_path):
    path = returned(ws, tmp_path, "sir", safeguarding_lead_agreed="No", agency_reviewed_with="",
                    agency_review_date="")
    status, out, _ = check(ws, path)
    assert status == 0, out


def test_serious_harm_without_a_death_needs_no_date_of_death(ws, tmp_path):
    path = returned(ws, tmp_path, "sir", criterion_b_i=False, criterion_serious_harm=True, child_dod="")
    status, out, _ = check(ws, path)
    assert status == 0, out


I2 = "section 2 (Was the child known to your agency? Were family members or other significant people known?)"
I8 = "section 9 (In your agency's view, are the criteria for a local child safeguarding practice review met?)"


@pytest.mark.parametrize("changes, expected", [
    ({"signed_off_date": "17/11/2026"}, "section 10 (Signed off by the agency's safeguarding lead), 'Date signed "
                                        "off': the summary was signed off (17/11/2026) before it was written "
                                        "(18/11/2026). Expected: a date on or after 18/11/2026."),
    ({"criteria_reason": ""}, f"{I8}, 'Why?': must say why, since your agency gives a view on the criteria. "
                              "Expected: an answer, since 'Are the criteria for a local review met?' is Yes."),
    ({"criteria_met": "", "criteria_reason": ""}, f"{I8}, 'Are the criteria for a local review met?': must be "
                                                  "filled in. Expected: one of the choices."),
    ({"others_known_who": ""}, f"{I2}, 'If yes, which of them?': must say which of them were known. Expected: their "
                               "names, since family members or other significant people were known."),
    ({"involvement_to": "01/01/2023"}, f"{I2}, 'Involvement to': the period of involvement ends (01/01/2023) before "
                                       "it starts (01/01/2024)."),
    ({"chronology_1_date": "26/11/2026"}, "section 3 (Brief chronology of key contacts up to the date of the "
                                          "incident), row 1, 'Date': 26/11/2026 is in the future."),
    ({"family_context": ""}, "section 7 (The child's lived experience and the family's context), 'The family's context, including race, culture, "
                             "religion, language, disability and other protected characteristics, and how they "
                             "affected the services offered': must be filled in."),
    ({"completed_email": "officer@"}, "section 1 (Author), 'Email': 'officer@' is not an email address."),
])
def test_agency_summary_problems_are_named_by_section_and_box(ws, tmp_path, changes, expected):
    status, out, data = check(ws, "--case", CASE, "--form", "ias", returned(ws, tmp_path, "ias", **changes))
    assert status == 1, out
    assert expected in out
    assert len(data[0]["problems"]) == 1, out


def test_a_word_agency_summary_with_a_problem(ws, tmp_path):
    status, out, _ = check(ws, returned(ws, tmp_path, "ias", fmt="docx", criteria_reason=""))
    assert status == 1, out
    assert f"{I8}, 'Why?': must say why" in out


def test_a_referral_where_an_agency_summary_was_expected(ws, tmp_path):
    status, out, _ = check(ws, "--form", "ias", returned(ws, tmp_path, "sir"))
    assert status == 1
    assert "this is a SIR (Serious Incident Referral to the Safeguarding Partnership), but an IAS (Rapid Review: " \
           "Individual Agency Summary) was expected" in out


# --- the command ----------------------------------------------------------------------------------


def test_form_makes_both_forms_named_by_form_case_and_agency(ws, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    made = ws("form", "sir", "--format", "both")
    assert made.exit_code == 0, made.output
    made = ws("form", "IAS", "--case", CASE, "--agency", "csc")
    assert made.exit_code == 0, made.output
    assert sorted(p.name for p in out.iterdir()) == [f"IAS-{CASE}-CSC.pdf", "SIR-blank.docx", "SIR-blank.pdf"]


@pytest.mark.parametrize("args", [["form", "nope"], ["validate", "--form", "nope", "x.pdf"]])
def test_an_unknown_form_lists_the_forms(ws, args):
    result = ws(*args)
    assert result.exit_code == 2
    assert "lifkit has no form 'nope'." in result.stderr
    assert "The forms are: ARC, AUPD, CIGINF1, CIGSCR1, IAS, SAR1, SAR2, SIR." in result.stderr  # AUPD: the action update form; ARC: a review's agency report


def test_an_agency_summary_for_a_case_needs_an_agency(ws):
    result = ws("form", "ias", "--case", CASE)
    assert result.exit_code == 2
    assert f"IAS for case {CASE} is made for one agency: give --agency CODE." in result.stderr


# --- the partnership's words, in every file a partnership sends ------------------------------------


@pytest.fixture
def partnership(tmp_path: Path) -> Lifkit:
    """A workspace set up as a safeguarding partnership, with one case."""
    import tomlkit
    import yaml

    root = tmp_path / "partnership"
    assert Lifkit()("init", root).exit_code == 0
    fill_placeholders(root)
    settings = root / "lifkit.toml"
    document = tomlkit.parse(settings.read_text(encoding="utf-8"))
    document["board"]["name"] = "Testshire Safeguarding Children Partnership"
    document["administrator"]["address"] = "Business Unit\n1 Test Street\nTesttown TE1 1ST"
    document["administrator"]["email"] = "business.unit@testshire-partnership.example"
    document["cases"]["reference_pattern"] = "RR-{year}-{seq:03d}"
    settings.write_text(document.as_string(), encoding="utf-8")
    folder = root / "cases" / "RR-2026-001"
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text(yaml.safe_dump({
        "reference": "RR-2026-001", "notified": "2026-11-02", "meeting_date": "2026-11-20",
        "child": {"name": "Fictional Child", "dob": "2015-03-04", "dod": "2026-10-30", "address": "12 Test Road"},
        "significant_people": [{"name": "Fictional Parent", "dob": "1988-01-02", "address": "12 Test Road"}]}),
        encoding="utf-8")
    return Lifkit(root)


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return " ".join(re.sub(r"<[^>]+>", " ", archive.read(name).decode("utf-8"))
                        for name in archive.namelist() if name.endswith(".xml"))


@pytest.mark.parametrize("form_id", ["sir", "ias"])
def test_no_word_of_the_2016_process_in_the_pdf_or_word_form(partnership: Lifkit, tmp_path: Path, form_id: str):
    pdftotext = require_tool("pdftotext")
    args = ["--case", "RR-2026-001", "--agency", "POL"] if form_id == "ias" else []
    result = partnership("form", form_id, *args, "--format", "both", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    pdf, docx = sorted(tmp_path.glob("*.pdf"))[0], sorted(tmp_path.glob("*.docx"))[0]
    pdf_text = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    word_text = _docx_text(docx)
    from pypdf import PdfReader

    metadata = json.dumps({str(k): str(v) for k, v in PdfReader(pdf).metadata.items()})
    for text in (pdf_text, word_text, metadata):
        for word in OLD_WORDS:
            assert word not in text, word
    flat = " ".join(pdf_text.split())
    assert "Testshire Safeguarding Children Partnership" in flat
    assert "the safeguarding partnership's business unit" in flat
    if form_id == "ias":
        assert "Rapid review meeting date" in flat and "20/11/2026" in flat
        assert "Fictional Child" in flat and "RR-2026-001" in flat


def test_the_rendered_pages_show_the_boxes(partnership: Lifkit, tmp_path: Path):
    """The blank referral rendered by poppler: every page has boxes drawn, none is empty."""
    from PIL import Image

    pdftoppm = require_tool("pdftoppm")
    pdf = tmp_path / "sir.pdf"
    assert partnership("form", "sir", "-o", pdf).exit_code == 0
    subprocess.run([pdftoppm, "-r", "40", "-gray", "-png", str(pdf), str(tmp_path / "page")], check=True,
                   capture_output=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    for page in pages:
        image = Image.open(page).convert("L")
        assert sum(1 for v in image.tobytes() if v < 200) > 500, page.name
