"""`lifkit validate`: reading returned forms filled by other tools, and saying plainly what is wrong."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TODAY, Lifkit, require_tool
from returns import CASE, CIGINF1_VALUES, CIGSCR1_VALUES, blank_form, fill_pdf, set_info
from test_forms import write_case

from lifkit.errors import LifkitError
from lifkit.documents.formdef import load_form
from lifkit.documents.validate import normalise



pytestmark = pytest.mark.usefixtures("fixed_today")


@pytest.fixture
def ws(workspace: Path) -> Lifkit:
    write_case(workspace)
    return Lifkit(workspace)


@pytest.fixture
def blanks(ws: Lifkit, tmp_path: Path) -> dict[str, Path]:
    return {"cigscr1": blank_form(ws, tmp_path / "blank-cigscr1.pdf", "cigscr1"),
            "ciginf1": blank_form(ws, tmp_path / "blank-ciginf1.pdf", "ciginf1")}


def returned(blanks, tmp_path: Path, form_id: str, tool: str = "pypdf", **changes) -> Path:
    values = dict(CIGSCR1_VALUES if form_id == "cigscr1" else CIGINF1_VALUES)
    values.update(changes)
    out = tmp_path / f"{form_id}-{tool}-{len(list(tmp_path.iterdir()))}.pdf"
    return fill_pdf(blanks[form_id], values, out, tool)


def check(ws: Lifkit, *args) -> tuple[int, str, list]:
    text = ws("validate", *args)
    data = ws("validate", "--json", *args)
    assert text.exit_code == data.exit_code
    assert "Traceback" not in text.output
    return text.exit_code, text.stdout + text.stderr, json.loads(data.stdout) if data.stdout.strip() else []


# --- valid returns, from different fillers ----------------------------------------------------


@pytest.mark.parametrize("tool", ["pypdf", "pdftk"])
@pytest.mark.parametrize("form_id", ["cigscr1", "ciginf1"])
def test_a_complete_return_is_valid(ws, blanks, tmp_path, form_id: str, tool: str):
    path = returned(blanks, tmp_path, form_id, tool)
    status, out, data = check(ws, path)
    assert status == 0, out
    assert out.startswith(f"OK          {path.name} ({form_id.upper()} version 1.0")
    assert data[0]["valid"] is True and data[0]["problems"] == []


def test_ciginf1_for_its_case(ws, blanks, tmp_path):
    status, out, data = check(ws, "--case", CASE, returned(blanks, tmp_path, "ciginf1"))
    assert status == 0, out
    assert data[0]["case"] == CASE and data[0]["agency"] == "POL"


def test_values_are_normalised_and_the_raw_kept(ws, blanks, tmp_path):
    path = returned(blanks, tmp_path, "ciginf1", involvement_from="3/1/2024", involvement_to="30 Oct 2026",
                    completion_date="20-11-26", completed_name="  Fictional Officer \n", child_known="yes",
                    chronology_1_date="", chronology_1_event="", chronology_1_practitioner="",
                    chronology_1_outcome="")
    status, out, data = check(ws, path)
    assert status == 0, out
    values, raw = data[0]["values"], data[0]["raw"]
    assert values["involvement_from"] == "2024-01-03"
    assert values["involvement_to"] == "2026-10-30"
    assert values["completion_date"] == "2026-11-20"
    assert values["completed_name"] == "Fictional Officer"
    assert values["child_known"] == "Yes"
    assert raw["completion_date"] == "20-11-26" and raw["involvement_from"] == "3/1/2024"
    # the empty first chronology row is dropped; the second keeps its number on the form
    assert [row["row"] for row in values["chronology"]] == [2]
    assert values["chronology"][0]["date"] == "2025-06-15"


@pytest.mark.parametrize("raw, ticked", [("/Yes", True), ("/On", True), ("/1", True), ("/Off", False), ("", False),
                                          ("true", True), ("false", False)])
def test_tick_boxes_whatever_the_export_value(raw: str, ticked: bool):
    values, problems = normalise(load_form("cigscr1"), {"criterion_a": raw})
    assert values["criterion_a"] is ticked and problems == []


def test_tick_states_written_by_pdftk_and_pypdf(ws, blanks, tmp_path):
    for tool in ("pypdf", "pdftk"):
        path = returned(blanks, tmp_path, "cigscr1", tool, criterion_b_ii=True, criterion_b_i=False)
        _, _, data = check(ws, path)
        values = data[0]["values"]
        assert (values["criterion_a"], values["criterion_b_i"], values["criterion_b_ii"]) == (True, False, True), tool


# --- problems in the answers, named as printed ------------------------------------------------

S3 = "section 3 (Name of Child, Young Person / DOB / DOD (if deceased))"


@pytest.mark.parametrize("changes, expected", [
    ({"summary": ""}, "section 2 (Summary of case): must be filled in. Expected: an answer."),
    ({"child_dob": "31/02/2015"}, f"{S3}, 'DOB': '31/02/2015' is not a date. Expected: a date such as 03/12/2026."),
    ({"child_dod": "01/01/2014"}, f"{S3}, 'DOD (if deceased)': the date of death 01/01/2014 is before the date of "
                                  "birth 04/03/2015. Expected: a date on or after 04/03/2015."),
    ({"child_dod": "01/12/2026"}, f"{S3}, 'DOD (if deceased)': 01/12/2026 is in the future. Expected: a date on or "
                                  "before today (25/11/2026)."),
    ({"agency_review_date": ""}, "section 8 (For Cases referred by Agency: Date Case Reviewed with Agency "
                                 "Safeguarding Lead; Name and position within agency with whom case reviewed), "
                                 "'Date Case Reviewed with Agency Safeguarding Lead': must be filled in for a case "
                                 "referred by an agency."),
    ({"lead_email": "", "lead_telephone": ""}, "section 7 (Named Lead / person providing this information), 'Email': "
                                               "neither an email nor a telephone number is given for the named lead."),
    ({"lead_email": "fictional.lead@"}, "'Email': 'fictional.lead@' is not an email address."),
    ({"significant_people_3_dob": "01/01/1990"}, "section 4 (Name / DOB of significant adults and children), row 3, "
                                                 "'Name': must be filled in."),
])
def test_cigscr1_problems(ws, blanks, tmp_path, changes, expected):
    status, out, data = check(ws, returned(blanks, tmp_path, "cigscr1", **changes))
    assert status == 1, out
    assert expected in out
    assert len(data[0]["problems"]) == 1, out
    for problem in data[0]["problems"]:  # never an internal key in the words shown
        for key in changes:
            assert key not in problem["where"] + problem["message"] + problem["expected"]


def test_strategy_meeting_route_needs_no_section_8(ws, blanks, tmp_path):
    path = returned(blanks, tmp_path, "cigscr1", referral_route="Strategy meeting", agency_review_date="",
                    agency_reviewed_with="")
    assert check(ws, path)[0] == 0


@pytest.mark.parametrize("changes, expected", [
    ({"involvement_to": "01/01/2023"}, "section 3 (Period of involvement), 'To': the period of involvement ends "
                                       "(01/01/2023) before it starts (01/01/2024)."),
    ({"others_known_who": ""}, "section 2 (Was the child known to your agency? Were any significant adults or "
                               "children known?), 'If yes, which of them?': must say which of them were known."),
    ({"chronology_2_date": "15/13/2025"}, "section 5 (Chronology of significant contacts up to the date of the "
                                          "incident), row 2, 'Date': '15/13/2025' is not a date."),
    ({"chronology_2_date": ""}, "row 2, 'Date': must be filled in."),
    ({"case_open": "Maybe"}, "section 7 (Was the case open to your agency at the time of the incident?): 'Maybe' is "
                             "not one of the choices. Expected: Yes or No."),
])
def test_ciginf1_problems(ws, blanks, tmp_path, changes, expected):
    status, out, data = check(ws, returned(blanks, tmp_path, "ciginf1", **changes))
    assert status == 1, out
    assert expected in out
    assert len(data[0]["problems"]) == 1, out


# --- problems with the form itself ------------------------------------------------------------


def test_another_case(ws, blanks, tmp_path):
    status, out, _ = check(ws, "--case", "CIEC-2026-002", returned(blanks, tmp_path, "ciginf1"))
    assert status == 1
    assert "The form as a whole: this form is for case CIEC-2026-001, not case CIEC-2026-002." in out


def test_cigscr1_where_ciginf1_expected(ws, blanks, tmp_path):
    status, out, _ = check(ws, "--case", CASE, returned(blanks, tmp_path, "cigscr1"))
    assert status == 1
    assert ("this is a CIGSCR1 (LSCB Serious Case Review: Request for CIEC Consideration Form), but a CIGINF1 "
            "(CIG Request for Information) was expected") in out


def test_old_form_version(ws, blanks, tmp_path):
    path = set_info(returned(blanks, tmp_path, "ciginf1"), tmp_path / "old.pdf", LifkitFormVersion="0.9")
    status, out, data = check(ws, path)
    assert status == 1
    assert "this is version 0.9 of CIGINF1; the current version is 1.0" in out
    assert data[0]["raw"]["completed_name"] == "Fictional Officer"  # kept all the same


@pytest.mark.parametrize("entry", [{"LifkitCase": "CIEC-2026-009"}, {"LifkitAgency": "CSC"},
                                   {"LifkitForm": "CIGSCR1"}, {"LifkitToken": "0" * 32}])
def test_edited_metadata_breaks_the_token(ws, blanks, tmp_path, entry):
    path = set_info(returned(blanks, tmp_path, "ciginf1"), tmp_path / "edited.pdf", **entry)
    status, out, _ = check(ws, path)
    assert status == 1
    assert "its hidden identity does not match its signature" in out


def test_a_form_from_another_workspace(ws, blanks, tmp_path, workspace: Path):
    path = returned(blanks, tmp_path, "ciginf1")
    (workspace / ".lifkit" / "secret").write_text("ab" * 32)
    assert "does not match its signature" in check(ws, path)[1]


# --- files that cannot be read at all: exit status 2 ------------------------------------------


def _unreadable(ws, path: Path, *phrases: str) -> None:
    status, out, data = check(ws, path)
    assert status == 2, out
    assert out.startswith(f"UNREADABLE  {path.name}: ")
    for phrase in phrases:
        assert phrase in out
    assert data[0]["readable"] is False


@pytest.mark.parametrize("how", ["qpdf", "pdftk"])
def test_flattened(ws, blanks, tmp_path, how):
    filled = returned(blanks, tmp_path, "ciginf1")
    flat = tmp_path / f"flat-{how}.pdf"
    if how == "qpdf":
        subprocess.run([require_tool("qpdf"), "--flatten-annotations=all", "--generate-appearances", str(filled),
                        str(flat)], check=True, capture_output=True)
    else:
        subprocess.run([require_tool("pdftk"), str(filled), "output", str(flat), "flatten"], check=True,
                       capture_output=True)
    _unreadable(ws, flat, "is lifkit's CIGINF1 form but has no boxes left: it was flattened or printed to PDF",
                "File > Save, not Print to PDF")


def test_printed_to_pdf(ws, tmp_path):
    """A print to PDF keeps neither boxes nor metadata: it looks like any other PDF."""
    from reportlab.pdfgen import canvas

    printed = tmp_path / "printed.pdf"
    page = canvas.Canvas(str(printed))
    page.drawString(72, 720, "CIGINF1 CIG Request for Information (printed)")
    page.save()
    _unreadable(ws, printed, "has no form fields and no lifkit metadata", "printed to PDF")


def test_password_protected(ws, blanks, tmp_path):
    locked = tmp_path / "locked.pdf"
    subprocess.run([require_tool("qpdf"), "--encrypt", "secret", "owner", "256", "--",
                    str(returned(blanks, tmp_path, "ciginf1")), str(locked)], check=True, capture_output=True)
    _unreadable(ws, locked, "is protected with a password", "without a password")


def test_owner_password_only_is_readable(ws, blanks, tmp_path):
    """Restrictions without an opening password do not stop lifkit reading the answers."""
    restricted = tmp_path / "restricted.pdf"
    subprocess.run([require_tool("qpdf"), "--encrypt", "", "owner", "256", "--print=none", "--",
                    str(returned(blanks, tmp_path, "ciginf1")), str(restricted)], check=True, capture_output=True)
    assert check(ws, restricted)[0] == 0


def test_truncated(ws, blanks, tmp_path):
    path = returned(blanks, tmp_path, "ciginf1")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    status, out, _ = check(ws, cut)
    assert status == 2, out
    assert "UNREADABLE  cut.pdf: " in out


def test_not_a_form_at_all(ws, tmp_path):
    text = tmp_path / "notes.pdf"
    text.write_text("just some notes, not a PDF")
    _unreadable(ws, text, "is damaged and cannot be read as a PDF")
    other = tmp_path / "photo.jpg"
    other.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 100)
    _unreadable(ws, other, "is neither a PDF nor a Word (.docx) file")


def test_a_missing_file(ws, tmp_path):
    _unreadable(ws, tmp_path / "nowhere.pdf", "cannot be opened")


def test_several_files_one_unreadable(ws, blanks, tmp_path):
    good = returned(blanks, tmp_path, "ciginf1")
    bad = returned(blanks, tmp_path, "ciginf1", case_open="")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n garbage")
    status, out, data = check(ws, good, bad, broken)
    assert status == 2
    assert out.splitlines()[-1] == "3 files: 1 valid, 1 with problems, 1 unreadable."
    assert [d["valid"] for d in data] == [True, False, False]


# --- nothing but lifkit's own errors, whatever the file holds ---------------------------------


@pytest.fixture(scope="module")
def valid_return(tmp_path_factory) -> tuple[Path, Path]:
    from conftest import fill_placeholders

    root = tmp_path_factory.mktemp("prop") / "lscb"
    Lifkit()("init", root)
    fill_placeholders(root)
    write_case(root)
    blank = blank_form(Lifkit(root), root.parent / "blank.pdf", "ciginf1")
    return root, fill_pdf(blank, CIGINF1_VALUES, root.parent / "valid.pdf")


def _validate_bytes(root: Path, data: bytes, suffix: str, tmp: Path) -> None:
    from lifkit.documents.validate import validate_file
    from lifkit.case.workspace import open_workspace

    path = tmp / f"mutant{suffix}"
    path.write_bytes(data)
    try:
        validate_file(open_workspace(root), path)
    except LifkitError:
        pass


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".pdf", ".docx", ".bin"]))
def test_random_bytes_raise_only_lifkit_errors(valid_return, tmp_path, data, suffix):
    _validate_bytes(valid_return[0], data, suffix, tmp_path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_returns_raise_only_lifkit_errors(valid_return, tmp_path, data):
    original = valid_return[1].read_bytes()
    mutant = bytearray(original)
    for _ in range(data.draw(st.integers(1, 20))):
        kind = data.draw(st.sampled_from(["flip", "cut", "splice"]))
        position = data.draw(st.integers(0, max(0, len(mutant) - 1)))
        if kind == "flip" and mutant:
            mutant[position] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del mutant[position: position + data.draw(st.integers(1, 2000))]
        else:
            mutant[position:position] = data.draw(st.binary(min_size=1, max_size=64))
    _validate_bytes(valid_return[0], bytes(mutant), ".pdf", tmp_path)


# --- Word returns -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def word_returns(tmp_path_factory) -> dict:
    from conftest import fill_placeholders
    from returns import fill_docx, resave_with_libreoffice

    root = tmp_path_factory.mktemp("word") / "lscb"
    Lifkit()("init", root)
    fill_placeholders(root)
    write_case(root)
    ws = Lifkit(root)
    blank = blank_form(ws, root.parent / "blank.docx", "ciginf1", fmt="docx")
    filled = fill_docx(blank, CIGINF1_VALUES, root.parent / "filled.docx")
    resaved = resave_with_libreoffice(filled, root.parent / "resaved", root.parent / "lo-profile")
    return {"root": root, "blank": blank, "filled": filled, "resaved": resaved}


@pytest.mark.parametrize("which", ["filled", "resaved"])
def test_a_word_return_is_valid(word_returns, which: str, monkeypatch):
    monkeypatch.setenv("LIFKIT_TODAY", TODAY)
    status, out, data = check(Lifkit(word_returns["root"]), "--case", CASE, word_returns[which])
    assert status == 0, out
    assert data[0]["format"] == "docx"
    assert data[0]["values"]["chronology"][1]["event"] == "Welfare check"
    assert data[0]["values"]["involvement_from"] == "2024-01-01"


def test_a_word_return_with_problems(word_returns, tmp_path):
    from returns import fill_docx

    bad = fill_docx(word_returns["blank"], {**CIGINF1_VALUES, "completed_email": "nobody@", "case_open": ""},
                    tmp_path / "bad.docx")
    status, out, _ = check(Lifkit(word_returns["root"]), bad)
    assert status == 1
    assert "section 1 (Completed by), 'Email': 'nobody@' is not an email address." in out
    assert "section 7 (Was the case open to your agency at the time of the incident?): must be filled in." in out


def test_a_word_file_that_is_not_lifkits(word_returns, tmp_path):
    import docx

    other = tmp_path / "letter.docx"
    document = docx.Document()
    document.add_paragraph("A letter, not a form.")
    document.save(other)
    _unreadable(Lifkit(word_returns["root"]), other, "is a Word file, but not one of lifkit's forms")


def test_a_zip_bomb_docx_is_refused(word_returns, tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(word_returns["filled"]) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"</w:body>", b"<!--" + b" " * (200 * 1024 * 1024) + b"--></w:body>")
            out.writestr(item, data)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    status, out, _ = check(Lifkit(word_returns["root"]), bomb)
    assert status == 2, out
    assert "UNREADABLE  bomb.docx: " in out


def test_an_empty_file_is_empty_and_an_email_goes_to_collect(ws, tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    status, out, data = check(ws, empty)
    assert status == 2
    assert "UNREADABLE  empty.pdf: is empty (0 bytes)" in out and "plain text" not in out
    assert data[0]["kind"] == "empty"
    for name, content in (("reply.eml", b"From: pol.ciec@testshire.example\nTo: a@b.example\nSubject: x\n\nHi\n"),
                          ("saved-reply.txt", b"Received: from mail.example\nFrom: pol.ciec@testshire.example\n"
                                              b"Subject: RE: request\n\nHi\n")):
        (tmp_path / name).write_bytes(content)
        status, out, data = check(ws, tmp_path / name)
        assert status == 2, out
        assert f"{name}: is an email, not a form: lifkit collect reads the forms attached to it" in out
        assert f"lifkit collect REF {name}" in out and "neither a PDF nor a Word" not in out


def test_a_folder_is_every_form_in_it_and_one_bad_file_never_stops_the_rest(ws, blanks, tmp_path):
    folder = tmp_path / "saved-forms"
    folder.mkdir()
    good = returned(blanks, tmp_path, "ciginf1").rename(folder / "a-good.pdf")
    returned(blanks, tmp_path, "ciginf1", case_open="").rename(folder / "b-problems.pdf")
    (folder / "c-broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (folder / "d-empty.docx").write_bytes(b"")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / "sub").mkdir()
    status, out, data = check(ws, folder)
    assert status == 2, out
    assert [Path(d["file"]).name for d in data] == ["a-good.pdf", "b-problems.pdf", "c-broken.pdf", "d-empty.docx"]
    assert out.splitlines()[-1] == "4 files: 1 valid, 1 with problems, 2 unreadable."
    assert "d-empty.docx: is empty (0 bytes)" in out
    status, out, _ = check(ws, folder / "a-good.pdf", folder / "b-problems.pdf")
    assert status == 1 and out.splitlines()[-1] == "2 files: 1 valid, 1 with problems, 0 unreadable."
    assert check(ws, good)[0] == 0
    (tmp_path / "nothing").mkdir()
    status, out, _ = check(ws, tmp_path / "nothing")
    assert status == 2 and "nothing: is an empty folder" in out
