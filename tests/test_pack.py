"""The CIEC pack: `lifkit pack` on a case made through the command line, checked with pypdf, qpdf,
pdftotext and pdftoppm. Every name and value is fictional.

The case: five members asked (POL, CSC, EDU, HOU, YOS). POL returns with a 3-page chronology (its last
page turned on its side) and a filled-in PDF form of its own; CSC with a 5,000-character summary, the
same kind of form (same field names as POL's) and a text file; EDU plainly; HOU's return is invalid;
YOS never replies.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest

from conftest import TODAY, Lifkit, fill_placeholders, require_tool
from returns import CIGINF1_VALUES, CIGSCR1_VALUES, blank_form, fill_pdf

MEETING = "04/12/2026"
BUILT = "25/11/2026"
ASKED = ("POL", "CSC", "EDU", "HOU", "YOS")
LONG_ANSWER = " ".join(f"Sentence {n} of a long fictional account of the agency's involvement."
                       for n in range(1, 200))[:5000]
assert len(LONG_ANSWER) == 5000
LONGER_ANSWER = " ".join(f"Point {n}: a fictional note of single-agency action." for n in range(1, 400))[:15000]
SECTIONS = ("CIGM1: CIEC meeting agenda", "Part A: Practitioner Review", "Part B: Review and CIG Decision",
            "The referral (CIGSCR1) and the case's dates", "Returns at a glance", "Multi-agency chronology",
            "Agency returns")


def member_email(code: str) -> str:
    return f"{code.lower()}.ciec@testshire.example"


def reply(code: str, *files: Path) -> bytes:
    message = EmailMessage()
    message["From"] = member_email(code)
    message["To"] = "jordan.avery@testshire-lscb.example"
    message["Subject"] = "RE: CIEC request for information"
    message.set_content("Our return is attached.")
    for path in files:
        kind = ("text", "plain") if path.suffix == ".txt" else ("application", "pdf")
        message.add_attachment(path.read_bytes(), maintype=kind[0], subtype=kind[1], filename=path.name)
    return message.as_bytes()


def chronology_pdf(path: Path) -> Path:
    """An agency's fuller chronology: three pages, the last turned on its side (/Rotate 90)."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path))
    for number in range(1, 4):
        page.drawString(72, 720, f"A fuller chronology (fictional), page {number}")
        page.showPage()
    page.save()
    writer = PdfWriter(clone_from=PdfReader(str(path)))
    writer.pages[2].rotate(90)
    writer.write(str(path))
    return path


def agency_form(path: Path, text: str) -> Path:
    """An agency's own filled-in PDF form, with the field names every CIGINF1 return also has."""
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path))
    page.drawString(72, 760, "An agency's own form (fictional)")
    page.acroForm.textfield(name="summary", value=text, x=72, y=600, width=300, height=40, maxlen=None)
    page.acroForm.textfield(name="involvement_summary", value="More", x=72, y=500, width=300, height=40,
                            maxlen=None)
    page.save()
    return path


@pytest.fixture(autouse=True)
def fixed_dates(fixed_today, monkeypatch):
    """Today is conftest's TODAY (25/11/2026), and no SOURCE_DATE_EPOCH from the environment fixes the build."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture(scope="module")
def built_case(tmp_path_factory):
    """A workspace with the case above, made once for the module (tests copy it before changing it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIFKIT_TODAY", TODAY)
        root = tmp_path_factory.mktemp("pack")
        workspace = root / "lscb"
        assert Lifkit()("init", workspace).exit_code == 0
        fill_placeholders(workspace)
        ws = Lifkit(workspace)
        referral = fill_pdf(blank_form(ws, root / "blank.pdf", "cigscr1"), CIGSCR1_VALUES, root / "referral.pdf")
        opened = ws("referral", "open", referral, "--notified", "02/11/2026", "--json")
        assert opened.exit_code == 0, opened.output
        reference = json.loads(opened.stdout)["reference"]
        asked = ws("request", reference, "--meeting", MEETING, *[a for c in ASKED for a in ("--agency", c)])
        assert asked.exit_code == 1, asked.output  # recorded; the meeting is after the decision is due (02/12)
        assert "after the SCR decision is due" in asked.stderr
        outbox = workspace / "cases" / reference / "outbox"
        files = root / "files"
        files.mkdir()
        notes = files / "notes.txt"
        notes.write_text("Fictional notes.", encoding="utf-8")
        extras = {"POL": [chronology_pdf(files / "Agency chronology.pdf"),
                          agency_form(files / "POL form.pdf", "POL's own summary")],
                  "CSC": [agency_form(files / "CSC form.pdf", "CSC's own summary"), notes]}
        changes = {"CSC": {"involvement_summary": LONG_ANSWER,
                           "good_practice": "Da iawn \u0175\u0177 \u2014 \u0628\u06c1\u062a \u0627\u0686\u06be\u0627 "
                                            "\U0001F44D"},
                   "EDU": {"other_information": LONGER_ANSWER},
                   "HOU": {"completed_email": ""}}
        messages = []
        for number, code in enumerate(("POL", "CSC", "EDU", "HOU")):
            values = {**CIGINF1_VALUES, **changes.get(code, {})}
            # chronologies whose dates interleave across the agencies
            values.update({"chronology_1_date": f"{3 + number:02d}/02/2024",
                           "chronology_2_date": f"{20 - 4 * number:02d}/06/2025",
                           "chronology_2_event": f"Welfare check by {code}"})
            form = fill_pdf(outbox / f"CIGINF1-{reference}-{code}.pdf", values, files / f"{code}.pdf")
            message = files / f"{code}.eml"
            message.write_bytes(reply(code, form, *extras.get(code, [])))
            messages.append(message)
        collected = ws("collect", reference, *messages, "--json")
        valid = {r["agency"]: r["valid"] for r in json.loads(collected.stdout)["received"]}
        assert valid == {"POL": True, "CSC": True, "EDU": True, "HOU": False}, collected.output
        yield workspace, reference


@pytest.fixture
def case(built_case, tmp_path):
    """A private copy of the module's workspace: (command line, workspace folder, case reference)."""
    source, reference = built_case
    workspace = tmp_path / "lscb"
    shutil.copytree(source, workspace)
    return Lifkit(workspace), workspace, reference


def pages_text(pdf: Path, *options: str) -> list[str]:
    text = subprocess.run([require_tool("pdftotext"), *options, str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return text.split("\f")[:-1]


def outline(reader) -> list[tuple[int, str, int]]:
    """Every bookmark: (depth, title, page index)."""
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def words(text: str) -> str:
    return " ".join(text.split())


# --- refusing ---------------------------------------------------------------------------------


def test_outstanding_and_invalid_returns_stop_the_pack(case):
    ws, root, reference = case
    result = ws("pack", reference)
    assert result.exit_code == 2
    assert "was not built: 2 of 5 returns are missing or invalid" in result.stderr
    assert "HOU (Housing): invalid, 1 problem" in result.stderr
    assert "YOS (Youth Offending Service): outstanding, due 02/12/2026" in result.stderr
    assert "--allow-incomplete" in result.stderr
    folder = root / "cases" / reference
    assert not list((folder / "pack").iterdir())
    assert "pack built" not in (folder / "journal.jsonl").read_text(encoding="utf-8")


def test_pack_needs_a_case_or_a_meeting(case):
    ws, _root, _reference = case
    result = ws("pack")
    assert result.exit_code == 2
    assert "Give a case reference" in result.stderr


# --- the pack ---------------------------------------------------------------------------------


@pytest.fixture
def pack(case):
    ws, root, reference = case
    result = ws("pack", reference, "--allow-incomplete", "--date", BUILT, "--json")
    assert result.exit_code == 1, result.output  # built, but returns need attention
    built = json.loads(result.stdout)
    return ws, root, reference, built, Path(built["file"])


def test_default_name_place_and_journal(pack):
    from pypdf import PdfReader

    _ws, root, reference, built, pdf = pack
    folder = root / "cases" / reference
    assert pdf == folder / "pack" / f"CIEC-pack-{reference}-2026-12-04.pdf"
    assert built["outstanding"] == ["YOS"] and built["invalid"] == ["HOU"]
    assert built["merged"] == 3 and built["listed"] == 1  # two PDFs from POL, one from CSC; notes.txt listed
    assert built["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert len(PdfReader(str(pdf)).pages) == built["pages"]
    events = [json.loads(line) for line in (folder / "journal.jsonl").read_text(encoding="utf-8").splitlines()]
    event = events[-1]
    assert event["event"] == "pack built"
    assert event["file"] == f"pack/{pdf.name}" and event["sha256"] == built["sha256"]
    assert event["pages"] == built["pages"] and event["encrypted"] is False
    assert event["outstanding"] == ["YOS"] and event["invalid"] == ["HOU"]
    assert "Fictional Child" not in json.dumps(event)


def test_qpdf_finds_no_errors(pack):
    qpdf = require_tool("qpdf")
    checked = subprocess.run([qpdf, "--check", str(pack[4])], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No syntax or stream encoding errors found" in checked.stdout


def test_bookmarks_page_labels_and_contents_agree(pack):
    from pypdf import PdfReader

    _ws, _root, reference, built, pdf = pack
    reader = PdfReader(str(pdf))
    total = len(reader.pages)
    assert reader.page_labels == [str(n) for n in range(1, total + 1)]
    marks = outline(reader)
    titles = [title for _depth, title, _page in marks]
    for section in ("Cover", "Contents", *SECTIONS):
        assert section in titles
    agencies = {title.split(":")[0]: (depth, page) for depth, title, page in marks if re.match(r"[A-Z]+: ", title)}
    assert set(agencies) == {"POL", "CSC", "EDU", "HOU"}  # YOS sent nothing
    assert all(depth == 1 for depth, _page in agencies.values())
    assert ("Attached: Agency chronology.pdf" in titles and "Attached: POL form.pdf" in titles
            and "Attached: CSC form.pdf" in titles and "Attached: notes.txt" not in titles)

    # the contents page lists each bookmark with the page label a viewer shows for it
    contents = pages_text(pdf, "-layout", "-f", "2", "-l", "2")[0]
    listed = {}
    for line in contents.splitlines():
        match = re.match(r"^\s*(.+?)\s*(?:\. ?){3,}\s*(\d+)\s*$", line)
        if match:
            listed[match[1].strip()] = match[2]
    for _depth, title, page in marks:
        if title in ("Cover", "Contents"):
            continue
        assert listed.get(title) == reader.page_labels[page], (title, listed)
    # and each section starts where it says
    text = pages_text(pdf)
    for _depth, title, page in marks:
        if title.startswith("Attached: "):
            assert title[len("Attached: "):] in text[page]
        elif title not in ("Cover", "Contents", "Agency returns"):
            assert words(title.replace(" (INVALID)", "")) in words(text[page])


def test_every_page_is_marked_and_numbered(pack):
    _ws, _root, reference, built, pdf = pack
    text = pages_text(pdf)
    assert len(text) == built["pages"]
    for number, page in enumerate(text, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2, number
        assert reference in page and f"Page {number} of {built['pages']}" in page, number


def test_a4_throughout_and_attached_pages_placed(pack):
    from pypdf import PdfReader

    pdf = pack[4]
    reader = PdfReader(str(pdf))
    sizes = {tuple(round(float(v)) for v in (page.mediabox.width, page.mediabox.height)) for page in reader.pages}
    assert sizes == {(595, 842), (842, 595)}  # A4, and A4 landscape for the page on its side
    marks = {title: page for _depth, title, page in outline(reader)}
    first = marks["Attached: Agency chronology.pdf"]
    text = pages_text(pdf)
    for n in range(3):
        assert f"A fuller chronology (fictional), page {n + 1}" in text[first + n]
        assert f"Attached by POL: Agency chronology.pdf \u00b7 page {n + 1} of 3" in text[first + n]
    assert float(reader.pages[first + 2].mediabox.width) > float(reader.pages[first + 2].mediabox.height)


def test_cover_says_what_is_missing(pack):
    _ws, _root, reference, _built, pdf = pack
    cover = words(pages_text(pdf)[0])
    assert "CIEC meeting pack" in cover and reference in cover
    assert "Meeting date 04/12/2026" in cover and "Pack built 25/11/2026" in cover
    assert "Testshire Safeguarding Children Board" in cover
    assert "HOU (Housing): invalid, 1 problem" in cover
    assert "YOS (Youth Offending Service): outstanding, due 02/12/2026" in cover
    assert "Fictional Child" not in cover  # the child is named inside, not on the cover


def test_agenda_glance_and_referral(pack):
    from pypdf import PdfReader

    _ws, _root, _reference, _built, pdf = pack
    marks = {title: page for _depth, title, page in outline(PdfReader(str(pdf)))}
    text = pages_text(pdf)
    # the agenda's pages: Part B, the decision sheet, is kept whole, on the next page when it does not fit
    agenda = words(" ".join(text[marks["CIGM1: CIEC meeting agenda"]:marks["The referral (CIGSCR1) and the case's dates"]]))
    assert "POL PC Fictional Constable Response" in agenda  # attending == "Yes"
    assert "Not known yet (return outstanding): YOS." in agenda
    for recommendation in ("Serious Case Review (SCR)", "Critical Case Review", "MA Concise Review",
                           "Individual Agency Review", "Review not initiated"):
        assert recommendation in agenda
    assert "Is abuse or neglect of a child known or suspected?" in agenda
    glance = words(text[marks["Returns at a glance"]])
    assert "YOS Youth Offending Service Outstanding, due 02/12/2026" in glance
    assert "INVALID: 1 problem" in glance and "25/11/2026 Yes No Unsure PC Fictional (Constable)" in glance
    referral = words(" ".join(text[marks["The referral (CIGSCR1) and the case's dates"]:marks["Returns at a glance"]]))
    assert "LSCB notified of the incident 02/11/2026" in referral
    assert "02/12/2026 (7 days left on 25/11/2026); due BEFORE this meeting" in referral
    assert "3. Name of Child, Young Person / DOB / DOD (if deceased)" in referral
    assert "Name of Child, Young Person Fictional Child" in referral and "DOB 04/03/2015" in referral
    assert "9. Date of SCR Request for Consideration Form Completion" in referral


def test_chronology_merged_in_date_order(pack):
    from pypdf import PdfReader

    pdf = pack[4]
    marks = {title: page for _depth, title, page in outline(PdfReader(str(pdf)))}
    pages = pages_text(pdf, "-layout")[marks["Multi-agency chronology"]:marks["Agency returns"]]
    rows = re.findall(r"^\s*(\d\d)/(\d\d)/(\d{4})\s+([A-Z]+)\s+(.+?)\s{2,}", "\n".join(pages), flags=re.M)
    assert len(rows) == 8
    dates = [(int(y), int(m), int(d)) for d, m, y, _code, _event in rows]
    assert dates == sorted(dates)
    assert [code for *_date, code, _event in rows] == ["POL", "CSC", "EDU", "HOU", "HOU", "EDU", "CSC", "POL"]
    assert rows[-1][4] == "Welfare check by POL"


def test_long_answers_whole_and_any_script(pack):
    pages = pages_text(pack[4])
    text = "\n".join(pages)
    assert words(LONG_ANSWER) in words(text)  # whole, on one page
    # an answer longer than a page flows on over pages, every word of it there, in order
    running = re.compile(r"^(OFFICIAL-SENSITIVE|Testshire Safeguarding Children Board|CIEC pack CIEC-\S+|"
                         r"CIEC-\S+ · meeting .*|Page \d+ of \d+)$")
    body = "\n".join(line for line in text.splitlines() if not running.match(line.strip()))
    assert words(LONGER_ANSWER) in words(body)
    assert sum(1 for page in pages if "single-agency action" in page) >= 2
    assert "Da iawn \u0175\u0177" in text and "\U0001F44D" in text


def test_merged_forms_keep_their_fields_apart(pack):
    from pypdf import PdfReader

    reader = PdfReader(str(pack[4]))
    fields = reader.get_fields()
    leaves = {name: field.get("/V") for name, field in fields.items() if field.get("/FT")}
    assert leaves == {"POL-doc2.summary": "POL's own summary", "POL-doc2.involvement_summary": "More",
                      "CSC-doc1.summary": "CSC's own summary", "CSC-doc1.involvement_summary": "More"}
    widgets = [annotation.get_object() for page in reader.pages for annotation in page.get("/Annots", [])
               if annotation.get_object().get("/Subtype") == "/Widget"]
    assert len(widgets) == 4
    for widget in widgets:  # every widget is on the page that holds it, and inside it
        page = next(p for p in reader.pages if widget.indirect_reference in
                    [a.indirect_reference for a in (x.get_object() for x in p.get("/Annots", []))])
        left, bottom, right, top = (float(v) for v in widget["/Rect"])
        assert 0 <= left < right <= float(page.mediabox.width) and 0 <= bottom < top <= float(page.mediabox.height)
        assert widget["/P"].get_object() == page


def test_other_attachments_listed_by_name(pack):
    text = words("\n".join(pages_text(pack[4])))
    assert "notes.txt text file: not merged; it is in the case folder" in text


def test_first_pages_are_not_blank(pack, tmp_path):
    from PIL import Image, ImageStat

    pdftoppm = require_tool("pdftoppm")
    subprocess.run([pdftoppm, "-r", "40", "-png", "-f", "1", "-l", "3", str(pack[4]), str(tmp_path / "page")],
                   check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 3
    for image in images:
        grey = Image.open(image).convert("L")
        dark = sum(grey.histogram()[:200]) / (grey.width * grey.height)
        assert 0.01 < dark < 0.5, (image.name, dark)
        assert ImageStat.Stat(grey).stddev[0] > 10


# --- reproducible, encrypted ------------------------------------------------------------------


def test_two_builds_are_byte_identical(case, tmp_path, monkeypatch):
    ws, _root, reference = case

    def build(name: str, *options: str) -> bytes:
        assert ws("pack", reference, "--allow-incomplete", *options, "-o", tmp_path / name).exit_code == 1
        return (tmp_path / name).read_bytes()

    assert build("one.pdf", "--date", BUILT) == build("two.pdf", "--date", BUILT)
    assert build("later.pdf", "--date", "26/11/2026") != (tmp_path / "one.pdf").read_bytes()

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795600000")  # 2026-11-25 09:46:40 UTC
    assert build("three.pdf") == build("four.pdf")
    from pypdf import PdfReader

    info = PdfReader(str(tmp_path / "three.pdf")).metadata
    assert info["/CreationDate"] == info["/ModDate"] == "D:20261125094640Z"


def test_encrypted_with_aes_256_and_the_password_kept_secret(case, tmp_path, monkeypatch):
    from pypdf import PdfReader

    ws, root, reference = case
    secret = "Fictional-Pass-Phrase-42"
    (tmp_path / "password.txt").write_text(secret + "\nsecond line ignored\n", encoding="utf-8")
    out = tmp_path / "locked.pdf"
    result = ws("pack", reference, "--allow-incomplete", "--password-file", tmp_path / "password.txt", "-o", out)
    assert result.exit_code == 1, result.output
    assert "encrypted (AES-256)" in result.stdout
    reader = PdfReader(str(out))
    assert reader.is_encrypted
    assert not reader.decrypt("wrong password")
    assert PdfReader(str(out)).decrypt(secret)
    opened = PdfReader(str(out), password=secret)
    assert len(opened.pages) > 10 and "OFFICIAL-SENSITIVE" in opened.pages[0].extract_text()
    qpdf = require_tool("qpdf")
    shown = subprocess.run([qpdf, "--show-encryption", f"--password={secret}", str(out)], capture_output=True,
                           text=True)
    assert "R = 6" in shown.stdout and "file encryption method: AESv3" in shown.stdout
    assert subprocess.run([qpdf, "--check", str(out)], capture_output=True).returncode != 0  # no password
    checked = subprocess.run([qpdf, "--check", f"--password={secret}", str(out)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    monkeypatch.setenv("FICTIONAL_PACK_PASSWORD", secret)
    other = tmp_path / "locked-env.pdf"
    from_env = ws("pack", reference, "--allow-incomplete", "--password-env", "FICTIONAL_PACK_PASSWORD", "-o", other)
    assert from_env.exit_code == 1 and PdfReader(str(other), password=secret).pages
    everything = result.output + from_env.output
    for path in (root / "cases" / reference).rglob("*"):
        if path.is_file() and path.suffix != ".pdf":
            everything += path.read_bytes().decode("utf-8", "replace")
    assert secret not in everything
    events = [json.loads(line) for line in (root / "cases" / reference / "journal.jsonl").read_text().splitlines()]
    assert [e["encrypted"] for e in events if e["event"] == "pack built"] == [True, True]


def test_password_problems_are_reported_without_the_password(case, tmp_path, monkeypatch):
    ws, _root, reference = case
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    result = ws("pack", reference, "--allow-incomplete", "--password-file", empty)
    assert result.exit_code == 2 and "is empty" in result.stderr
    monkeypatch.delenv("NO_SUCH_PASSWORD", raising=False)
    result = ws("pack", reference, "--allow-incomplete", "--password-env", "NO_SUCH_PASSWORD")
    assert result.exit_code == 2 and "NO_SUCH_PASSWORD is not set" in result.stderr
    result = ws("pack", reference, "--password-file", empty, "--password-env", "X")
    assert result.exit_code == 2 and "not both" in result.stderr


# --- every case at a meeting ------------------------------------------------------------------


def test_a_pack_for_every_case_at_the_meeting(case, tmp_path):
    ws, root, reference = case
    referral = fill_pdf(blank_form(ws, tmp_path / "blank.pdf", "cigscr1"), CIGSCR1_VALUES, tmp_path / "second.pdf")
    second = json.loads(ws("referral", "open", referral, "--notified", "20/11/2026", "--new-case", "--json").stdout)["reference"]
    assert ws("request", second, "--meeting", MEETING, "--agency", "POL").exit_code == 0

    refused = ws("pack", "--meeting", MEETING)
    assert refused.exit_code == 2
    assert reference in refused.stderr and second in refused.stderr and "No pack was built" in refused.stderr

    result = ws("pack", "--meeting", MEETING, "--allow-incomplete", "--date", BUILT, "-o", tmp_path / "packs",
                "--json")
    assert result.exit_code == 1, result.output
    built = json.loads(result.stdout)
    assert [Path(b["file"]).name for b in built] == [f"CIEC-pack-{reference}-2026-12-04.pdf",
                                                     f"CIEC-pack-{second}-2026-12-04.pdf"]
    cover = words(pages_text(Path(built[1]["file"]), "-l", "1")[0])
    assert f"also at this meeting: {reference}" in cover
    assert "POL (Police (Public Protection Unit)): outstanding" in cover

    nothing = ws("pack", "--meeting", "05/12/2026")
    assert nothing.exit_code == 2 and "No case has its CIEC meeting on 05/12/2026" in nothing.stderr


def test_a_pack_built_earlier_is_never_overwritten(case):
    """A build with nothing changed (the build date aside) reports the latest pack unchanged, with its path;
    a build after a change keeps the earlier pack byte for byte and writes the next number beside it."""
    ws, root, reference = case
    first = ws("pack", reference, "--allow-incomplete", "--date", BUILT, "--json")
    path = Path(json.loads(first.stdout)["file"])
    before = path.read_bytes()
    journal = root / "cases" / reference / "journal.jsonl"
    built_once = journal.read_bytes()
    again = json.loads(ws("pack", reference, "--allow-incomplete", "--date", BUILT, "--json").stdout)
    assert again["file"] == str(path) and again["kept"] is None and again["unchanged"] is True
    later = ws("pack", reference, "--allow-incomplete", "--date", "05/12/2026")  # another day, nothing changed
    assert later.exit_code == 1, later.output
    assert f"Unchanged: {path}" in later.stdout and "no new pack was made" in later.stdout
    assert not path.with_name(f"{path.stem}-2.pdf").exists() and journal.read_bytes() == built_once

    assert ws("request", reference, "--agency", "PH").exit_code == 0  # one more agency asked: the pack changes
    later = ws("pack", reference, "--allow-incomplete", "--date", "05/12/2026")
    assert later.exit_code == 1, later.output
    numbered = path.with_name(f"{path.stem}-2.pdf")
    assert f"Built {numbered}" in later.stdout
    assert f"{path.name}, built earlier, is kept as it was" in later.stdout
    assert path.read_bytes() == before and numbered.read_bytes() != before
    same = json.loads(ws("pack", reference, "--allow-incomplete", "--date", "06/12/2026", "--json").stdout)
    assert same["file"] == str(numbered) and same["unchanged"] is True  # the latest, not the first
    assert ws("request", reference, "--agency", "AMB").exit_code == 0
    third = json.loads(ws("pack", reference, "--allow-incomplete", "--date", "06/12/2026", "--json").stdout)
    assert third["file"] == str(path.with_name(f"{path.stem}-3.pdf")) and third["kept"] == str(path)
    events = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [e["file"] for e in events if e["event"] == "pack built"][-2:] == [f"pack/{numbered.name}",
                                                                             f"pack/{path.stem}-3.pdf"]
    # a changed attachment is a changed pack, though every return's words are the same
    filed = json.loads((root / "cases" / reference / "returns" / "POL.json").read_text(encoding="utf-8"))
    attached = root / "cases" / reference / filed["submissions"][-1]["attachments"][0]
    attached.write_bytes(attached.read_bytes() + b"\n% changed\n")
    fourth = json.loads(ws("pack", reference, "--allow-incomplete", "--date", "06/12/2026", "--json").stdout)
    assert fourth["unchanged"] is False and fourth["file"].endswith("-4.pdf")


# --- an attachment pypdf cannot merge ----------------------------------------------------------


def attach_to_return(root: Path, reference: str, make, number: int, name: str) -> Path:
    """A file made by ``make(path)`` added to POL's filed return as attachment ``number``, shown as ``name``."""
    folder = root / "cases" / reference
    record_file = folder / "returns" / "POL.json"
    record = json.loads(record_file.read_text(encoding="utf-8"))
    current = record["submissions"][-1]
    made = make(folder / Path(current["file"]).parent / f"POL-{reference}-attachment-{number}.pdf")
    current["attachments"].append(str(made.relative_to(folder)))
    current["attachment_names"].append(name)
    record_file.write_text(json.dumps(record), encoding="utf-8")
    return made


def bomb_pdf(path: Path, megabytes: int = 100) -> Path:
    """A one-page PDF whose page content is two streams, each inflating to ``megabytes`` MB of spaces."""
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject, StreamObject

    squeeze = zlib.compressobj(9)
    compressed = b"".join(squeeze.compress(b" " * (1024 * 1024)) for _ in range(megabytes)) + squeeze.flush()
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    parts = []
    for _ in range(2):
        stream = StreamObject()
        stream._data = compressed
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        parts.append(writer._add_object(stream))
    page[NameObject("/Contents")] = ArrayObject(parts)
    writer.write(str(path))
    return path


def test_an_attachment_that_cannot_be_merged_is_listed_and_the_pack_built(case, tmp_path):
    ws, root, reference = case
    bomb = attach_to_return(root, reference, bomb_pdf, 9, "Huge appendix.pdf")
    assert bomb.stat().st_size < 1024 * 1024
    result = ws("pack", reference, "--allow-incomplete", "--date", BUILT, "-o", tmp_path / "pack.pdf", "--json")
    assert result.exit_code == 1, result.output  # built; returns still need attention
    assert json.loads(result.stdout)["listed"] == 2  # notes.txt and the bomb
    text = words("\n".join(pages_text(tmp_path / "pack.pdf")))
    assert "Huge appendix.pdf" in text
    assert "too large once decompressed: not merged" in text


def inherited_pdf(path: Path) -> Path:
    """Two pages that carry neither resources nor a media box of their own (both inherited from the page
    tree, as many scanners and older writers make them), each drawn by two content streams, one
    uncompressed and one deflated, with a link to a web address on the first page."""
    import zlib

    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    pdf.Root.Pages.Resources = Dictionary(Font=Dictionary(F1=font))
    pdf.Root.Pages.MediaBox = Array([0, 0, 420, 595])  # A5
    for number in (1, 2):
        first = pdf.make_stream(b"BT /F1 14 Tf 40 520 Td ")
        second = pikepdf.Stream(pdf, b"")
        second.write(zlib.compress(f"(Inherited page {number} of a fictional appendix) Tj ET".encode()),
                     filter=Name.FlateDecode)
        page = pdf.make_indirect(Dictionary(Type=Name.Page, Parent=pdf.Root.Pages, Contents=Array([first, second])))
        if number == 1:
            page.Annots = Array([pdf.make_indirect(Dictionary(
                Type=Name.Annot, Subtype=Name.Link, Rect=Array([40, 500, 300, 540]), Border=Array([0, 0, 0]),
                A=Dictionary(S=Name.URI, URI=String("https://example.org/appendix"))))])
        pdf.Root.Pages.Kids.append(page)
        pdf.Root.Pages.Count = len(pdf.Root.Pages.Kids)
    pdf.save(path)
    return path


def test_an_attachment_whose_pages_inherit_their_resources_is_merged_whole(case, tmp_path):
    import pikepdf

    ws, root, reference = case
    attach_to_return(root, reference, inherited_pdf, 8, "Inherited appendix.pdf")
    out = tmp_path / "pack.pdf"
    result = ws("pack", reference, "--allow-incomplete", "--date", BUILT, "-o", out)
    assert result.exit_code == 1, result.output
    text = words("\n".join(pages_text(out)))
    assert "Inherited page 1 of a fictional appendix" in text and "Inherited page 2 of a fictional appendix" in text
    with pikepdf.open(out) as pdf:
        links = [(page_index, annotation) for page_index, page in enumerate(pdf.pages)
                 for annotation in page.obj.get("/Annots", ()) if annotation.get("/Subtype") == pikepdf.Name.Link
                 and "/A" in annotation and str(annotation.A.get("/URI", "")) == "https://example.org/appendix"]
        assert len(links) == 1
        page_index, link = links[0]
        assert link.P.objgen == pdf.pages[page_index].obj.objgen
        x0, y0, x1, y1 = (float(v) for v in link.Rect)
        box = pdf.pages[page_index].mediabox
        assert 0 <= x0 < x1 <= float(box[2]) and 0 <= y0 < y1 <= float(box[3])
        assert "Inherited page 1" in pages_text(out)[page_index]
    assert subprocess.run([require_tool("qpdf"), "--check", str(out)], capture_output=True).returncode == 0



def lzw(codes: list[int]) -> bytes:
    """``codes`` packed as a PDF LZW stream packs them: 9 bits wide at first, one bit wider each time
    the decoder's table is one short of the next power of two (the default, early change)."""
    buffer, held, out = 0, 0, bytearray()
    table, width, started = 258, 9, False
    for code in codes:
        buffer, held = (buffer << width) | code, held + width
        while held >= 8:
            held -= 8
            out.append((buffer >> held) & 0xFF)
        if code == 256:
            table, width, started = 258, 9, False
            continue
        if code == 257:
            break
        table += 1 if started else 0
        started = True
        if table + 1 >= (1 << width) and width < 12:
            width += 1
    if held:
        out.append((buffer << (8 - held)) & 0xFF)
    return bytes(out)


def lzw_spaces(cycles: int) -> tuple[bytes, int]:
    """LZW for a run of spaces, each code one space longer than the last (about 7 MB from 5 kB a
    cycle of the code table), and how many spaces it holds."""
    codes, total = [], 0
    for _ in range(cycles):
        codes += [256, 32] + list(range(258, 4094))
        total += 1 + sum(range(2, 4094 - 256))
    return lzw(codes + [257]), total


def lzw_pdf(path: Path, content: bytes) -> Path:
    """A one-page PDF whose content is one LZW stream, ``content`` already compressed."""
    import pikepdf
    from pikepdf import Dictionary, Name

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0].obj
    page.Resources = Dictionary(Font=Dictionary(F1=pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))))
    stream = pikepdf.Stream(pdf, b"")
    stream.write(content, filter=Name.LZWDecode)
    page.Contents = pdf.make_indirect(stream)
    pdf.save(path, compress_streams=False)  # qpdf would otherwise inflate it here and write it deflated
    return path


def test_lifkit_reads_lzw_as_qpdf_does_and_no_further_than_a_page():
    import pikepdf

    from lifkit.mechanics.pdf import ContentTooLarge, _lzw_decoded

    packed, total = lzw_spaces(2)
    with pikepdf.new() as pdf:  # qpdf's own decoder is the reference
        stream = pikepdf.Stream(pdf, b"")
        stream.write(packed, filter=pikepdf.Name.LZWDecode)
        assert stream.read_bytes() == b" " * total
    assert _lzw_decoded(packed, total) == b" " * total
    text = b"BT /F1 24 Tf 72 720 Td (Fictional LZW appendix) Tj ET"
    assert _lzw_decoded(lzw([256, *text, 257]), 1000) == text
    with pytest.raises(ContentTooLarge):
        _lzw_decoded(packed, total - 1)


def test_an_attached_page_in_lzw_is_merged_and_an_lzw_bomb_is_not(case, tmp_path):
    ws, root, reference = case
    text = b"BT /F1 24 Tf 72 720 Td (Fictional LZW appendix) Tj ET"
    attach_to_return(root, reference, lambda path: lzw_pdf(path, lzw([256, *text, 257])), 6, "Old scan.pdf")
    bomb, spaces = lzw_spaces(10)
    assert len(bomb) < 64 * 1024 and spaces > 64 * 1024 * 1024
    attach_to_return(root, reference, lambda path: lzw_pdf(path, bomb), 7, "Spaces.pdf")
    out = tmp_path / "pack.pdf"
    result = ws("pack", reference, "--allow-incomplete", "--date", BUILT, "-o", out, "--json")
    assert result.exit_code == 1, result.output
    text_out = words("\n".join(pages_text(out)))
    assert "Fictional LZW appendix" in text_out
    assert "Spaces.pdf" in text_out and "too large once decompressed: not merged" in text_out
    assert out.stat().st_size < 4 * 1024 * 1024
