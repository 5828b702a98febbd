"""How the forms, the case summary and the pack print: each test guards a fault once seen on paper.

Positions are read back with poppler's ``pdftotext -bbox`` (points from the top left of the page).
Every name and address is fictional.
"""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import require_tool
from lifkit.documents.formdef import FORM_IDS, load_form
from lifkit.documents.pdfform import render_pdf

from test_wordform import context

# an administrator's return address as `lifkit init` lays it out: name, role, board, two lines, email, phone
RETURN_TO = ("Jordan Avery", "LSCB Administrator", "Testshire Safeguarding Children Board", "1 Test Street",
             "Testtown TE1 1ST", "jordan.avery@testshire-lscb.example", "Telephone: 01632 960000")
LONG_BOARD = "Exampleshire and Testshire Vale Safeguarding Children Partnership Board (FICTIONAL PRACTICE WORKSPACE)"


@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def page_words(pdf: Path) -> list[list[Word]]:
    """Every word of every page, with its box."""
    out = subprocess.run([require_tool("pdftotext"), "-bbox", str(pdf), "-"], check=True, capture_output=True,
                         text=True).stdout
    pages = []
    for page in out.split("<page ")[1:]:
        pages.append([Word(html.unescape(text), float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, text
                      in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                                    page)])
    return pages


def lines_of(words: list[Word]) -> list[str]:
    """The page's words grouped into lines by their vertical position."""
    rows: dict[int, list[Word]] = {}
    for word in words:
        rows.setdefault(round((word.y0 + word.y1) / 2 / 3), []).append(word)
    return [" ".join(w.text for w in sorted(row, key=lambda w: w.x0)) for _, row in sorted(rows.items())]


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("print")
    made = {}
    for form_id in FORM_IDS:
        for board in ("short", "long"):
            made[f"{form_id}-{board}"] = folder / f"{form_id}-{board}.pdf"
            ctx = context(form_id, board=LONG_BOARD if board == "long" else "Testshire Safeguarding Children Board")
            render_pdf(dataclasses.replace(ctx, return_to=RETURN_TO), made[f"{form_id}-{board}"])
    return made


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_a_long_board_name_never_runs_into_the_form_id_in_the_header(forms, form_id):
    for number, words in enumerate(page_words(forms[f"{form_id}-long"]), start=1):
        header = [w for w in words if w.y1 < 45]
        form_word = next(w for w in header if w.text == load_form(form_id).id)
        board = [w for w in header if w.x0 < form_word.x0]
        assert board and board[0].text == "Exampleshire", f"page {number}: the board's name is missing"
        assert max(w.x1 for w in board) < form_word.x0 - 6, f"page {number}: the board's name overprints"
        assert board[-1].text.endswith("…")


def test_the_blank_referral_keeps_its_return_address_together_on_two_pages(forms):
    pages = page_words(forms["cigscr1-short"])
    assert len(pages) == 2
    where = [number for number, words in enumerate(pages) for w in words if w.text in ("to:", "TE1")]
    assert len(set(where)) == 1, "'Please return this form to' and the address are on different pages"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_drop_down_prints_its_choices(forms, form_id):
    from pypdf import PdfReader

    path = forms[f"{form_id}-short"]
    pages = page_words(path)
    reader = PdfReader(path)
    height = float(reader.pages[0].mediabox.height)
    form = load_form(form_id)
    checked = 0
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            if widget.get("/FT") != "/Ch":
                continue
            name = str(widget["/T"])
            x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
            top, bottom = height - y1, height - y0
            near = [w for w in pages[index] if w.x0 >= x0 - 1 and top - 2 <= w.y0 and w.y1 <= bottom + 16]
            if name in {f.name for f in form.fields}:
                choices = " / ".join(form.field(name).choices)
                assert choices in " ".join(w.text for w in sorted(near, key=lambda w: (round(w.y0), w.x0))), name
            else:  # a yes/no column of a table: its heading says the choices
                assert any("(Yes" in w.text for w in pages[index]), name
            checked += 1
    assert checked == sum(1 for _, f, column in form.widgets() if not f.prefilled
                          and (column.type if column is not None else f.type) in ("yesno", "choice"))


@pytest.fixture(scope="module")
def word_pages(tmp_path_factory, demo_workspace) -> dict[str, Path]:
    """Word documents lifkit makes, printed to PDF by LibreOffice in one run: the demo's case summary
    (CIGSUM1), the same with a long board name, a Learning and Improvement Index and a Word request form
    with a long board name, and the request form with more significant people (section 10 near a page's foot)."""
    from lifkit.case.folder import load_case
    from lifkit.case.workspace import open_workspace
    from lifkit.documents.wordform import render_docx, render_document
    from lifkit.steps.decisions import summary_context

    import datetime as dt
    from test_wordform import PREFILL

    folder = tmp_path_factory.mktemp("word-pages")
    root, _ = demo_workspace
    ws = open_workspace(root)
    summary = summary_context(ws, load_case(ws, "CIEC-2026-001"))
    render_document("cigsum1.docx", summary, folder / "summary.docx", "CIGSUM1 test")
    render_document("cigsum1.docx", {**summary, "board_name": LONG_BOARD}, folder / "summary-long.docx", "CIGSUM1")
    render_document("learning-index.docx", {"title": "Learning and Improvement Index", "board_name": LONG_BOARD,
                                            "period": "Entries reported in 2026", "made": "25/11/2026",
                                            "board": "LSCB", "sections": []}, folder / "index.docx", "index")
    render_docx(dataclasses.replace(context("ciginf1", board=LONG_BOARD), return_to=RETURN_TO),
                folder / "request-long.docx")
    render_docx(dataclasses.replace(context("aupd", prefill={**PREFILL, "actions": AUPD_ACTIONS}),
                                    return_to=RETURN_TO), folder / "aupd.docx")
    for count in WHY_PEOPLE:
        people = [{"name": f"Fictional Person {n}", "dob": dt.date(1990, 1, 2), "address": f"{n} Fictional Road"}
                  for n in range(count)]
        render_docx(dataclasses.replace(context("ciginf1", prefill={**PREFILL, "significant_people": people}),
                                        return_to=RETURN_TO), folder / f"request-{count}.docx")
    documents = sorted(folder.glob("*.docx"))
    subprocess.run([require_tool("soffice"), f"-env:UserInstallation={(folder / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), *map(str, documents)], check=True,
                   capture_output=True, timeout=300)
    return {path.stem: path.with_suffix(".pdf") for path in documents}


WHY_PEOPLE = (2, 23, 25)  # significant people on the request form: 23 and 25 once put section 10's "Why?" on
                          # the page after its heading in Word


def test_the_case_summary_signature_line_never_wraps(word_pages):
    import docx as python_docx

    lines = [line for words in page_words(word_pages["summary"]) for line in lines_of(words)]
    signed = [line for line in lines if "Signed" in line]
    assert len(signed) == 1 and "Date:" in signed[0], signed
    paragraph = next(p for p in python_docx.Document(word_pages["summary"].with_suffix(".docx")).paragraphs
                     if p.text.startswith("Signed"))
    assert "__" not in paragraph.text, "underscores wrap apart from 'Date:'; the lines are tab leaders"
    assert len(paragraph.paragraph_format.tab_stops) == 2


# --- the pack's tables ---------------------------------------------------------------------------


def _pack_table_pdf(path: Path, rows: list[list[str]], widths: list[float]) -> Path:
    """A document holding one of the pack's tables (lifkit.steps.pack_layout._grid), long enough to split."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from lifkit.mechanics.pdftext import register_fonts
    from lifkit.steps import pack_layout

    register_fonts()
    styles = pack_layout._styles()
    cells = [[pack_layout._c(text, styles["head" if number == 0 else "cell"]) for text in row]
             for number, row in enumerate(rows)]
    SimpleDocTemplate(str(path), pagesize=A4).build([pack_layout._grid(cells, widths)])
    return path


def test_a_pack_table_split_over_pages_repeats_its_header_row(tmp_path):
    rows = [["Date", "Agency", "Contact / event"]] + [[f"{n:02d}/01/2026", "POL", f"Fictional contact {n}"]
                                                      for n in range(1, 90)]
    pages = page_words(_pack_table_pdf(tmp_path / "table.pdf", rows, [80, 80, 250]))
    assert len(pages) >= 2
    for number, words in enumerate(pages, start=1):
        first = min(words, key=lambda w: w.y0)
        assert first.text == "Date", f"page {number} does not start with the header row"
        assert any(w.text == "event" for w in words)


def test_an_email_address_in_a_narrow_cell_breaks_at_the_at_sign_not_mid_word(tmp_path):
    addresses = ["practitioner.name@exampleshire-safeguarding.example", "pc.fictional@testshire-police.example"]
    rows = [["Name", "Contact"]] + [["Fictional Practitioner", address] for address in addresses]
    words = page_words(_pack_table_pdf(tmp_path / "emails.pdf", rows, [120, 95]))[0]
    column = sorted((w for w in words if w.x0 > words[0].x0 + 110 and w.text != "Contact"),
                    key=lambda w: (round(w.y0), w.x0))
    pieces = [w.text for w in column]
    assert "".join(pieces) == "".join(addresses)
    assert len(pieces) > len(addresses), "the addresses were meant to be too wide for one line"
    ends = set()
    for address in addresses:
        joined = ""
        for piece in pieces:
            if address.startswith(joined + piece):
                joined += piece
                ends.add((piece, address[len(joined):len(joined) + 1]))
    for piece, following in ends:  # a line ends after @ / - _ , or before a full stop, or at the end
        assert piece[-1] in "@/-_" or following in (".", ""), (piece, following)


def test_a_plain_table_cell_breaks_its_lines_where_a_paragraph_would():
    """The pack draws plain cells as lines it wraps itself (far cheaper than a paragraph): the lines must
    be the ones reportlab's paragraph makes of the same text in the same room, or it gives way to one."""
    import random

    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph

    from lifkit.mechanics.pdftext import register_fonts
    from lifkit.steps.pack_layout import _plain_lines, _styles

    register_fonts()
    styles = _styles()
    words = ("a", "of", "the", "review", "practitioner", "safeguarding", "01/02/2026", "CIEC-2026-001", "(see",
             "above);", "multi-agency", "Ofsted", "I", "WWWWWWWW", "mm")
    pick = random.Random(15)
    compared = given_way = 0
    for _ in range(400):
        text = " ".join(pick.choice(words) for _ in range(pick.randint(1, 40)))
        style = styles[pick.choice(["cell", "cell-bold", "cell-muted", "head"])]
        room = pick.uniform(40, 480)
        lines = _plain_lines(text, style, room, stringWidth)
        paragraph = Paragraph(text, style)
        paragraph.wrap(room, 10_000)
        made = [" ".join(words) for _extra, words in paragraph.blPara.lines]
        if lines is None:
            given_way += 1
            continue
        compared += 1
        assert lines == made, (text, room)
        assert all(stringWidth(line, style.fontName, style.fontSize) <= room + 1e-6 for line in lines)
    assert compared > 200 and given_way > 0  # both ways taken
    assert _plain_lines("Zoë's answer", styles["cell"], 400, stringWidth) is None  # not ASCII: a paragraph
    assert _plain_lines("two\n\nlines", styles["cell"], 400, stringWidth) == ["two", "", "lines"]


# --- table headings and pre-filled tables never split a word (issue 20, item 11) ------------------

AUPD_ACTIONS = [
    {"action": "A4", "recommendation": "2. Safeguarding information about families moving across the border",
     "text": "Flag families moving across the border on the police system", "lead": "Detective Inspector, Public "
     "Protection Unit", "due": "15/12/2026", "measure": "Every open case of such a family flagged"},
    {"action": "A12", "recommendation": "3. Multi-agency safeguarding", "text": "Training", "lead": "Safeguarding "
     "Partnership Manager", "due": "31/01/2027", "measure": "Attendance"},
]


def _words_whole(pages: list[list[Word]], texts: list[str]) -> list[str]:
    """The words of ``texts`` that are not printed whole anywhere in the document."""
    printed = {w.text for words in pages for w in words}
    return sorted({word for text in texts for word in text.split() if word not in printed})


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_no_table_heading_splits_a_word(tmp_path, form_id):
    form = load_form(form_id)
    prefill = {"actions": AUPD_ACTIONS} if form_id == "aupd" else None
    ctx = context(form_id, prefill={**__import__("test_wordform").PREFILL, **(prefill or {})})
    render_pdf(dataclasses.replace(ctx, return_to=RETURN_TO), tmp_path / "form.pdf")
    pages = page_words(tmp_path / "form.pdf")
    labels = [column.label for f in form.fields if f.type == "rows" for column in f.columns]
    assert labels
    assert _words_whole(pages, labels) == []


def test_the_word_action_update_form_prints_every_word_whole(word_pages):
    pages = page_words(word_pages["aupd"])
    texts = [value for action in AUPD_ACTIONS for value in action.values()]
    labels = [column.label for f in load_form("aupd").fields if f.type == "rows" for column in f.columns]
    assert _words_whole(pages, texts + labels) == []


def test_the_action_update_form_prints_its_actions_words_whole(tmp_path):
    ctx = context("aupd", prefill={**__import__("test_wordform").PREFILL, "actions": AUPD_ACTIONS})
    render_pdf(dataclasses.replace(ctx, return_to=RETURN_TO), tmp_path / "aupd.pdf")
    pages = page_words(tmp_path / "aupd.pdf")
    texts = [value for action in AUPD_ACTIONS for value in action.values()]
    assert _words_whole(pages, texts) == []
    assert _words_whole(pages, ["Action id", "Recommendation", "Date (dd/mm/yyyy)"]) == []


# --- headers, the agenda's decision sheet and a question's second box (issue 20, items 11 and 12) ------------


def _header_lines(pdf: Path) -> list[list[str]]:
    """Each page's header lines (above the first 70 points)."""
    return [lines_of([w for w in words if w.y1 < 70]) for words in page_words(pdf)]


@pytest.mark.parametrize("document", ["summary", "summary-long", "request-long"])
def test_a_word_header_never_breaks_the_case_reference(word_pages, document):
    for number, lines in enumerate(_header_lines(word_pages[document]), start=1):
        with_case = [line for line in lines if "Case" in line.split()]
        assert len(with_case) == 1, (number, lines)
        words = with_case[0].split()
        assert words[words.index("Case") + 1] == "CIEC-2026-001", (number, lines)


def test_the_index_header_keeps_the_board_apart_from_the_title(word_pages):
    for words in page_words(word_pages["index"]):
        header = [w for w in words if w.y1 < 70]
        first_title = max((w for w in header if w.text == "Learning"), key=lambda w: w.x0)  # the board has none
        beside = [w for w in header if w.x0 < first_title.x0 and w.y0 < first_title.y1 and w.y1 > first_title.y0]
        assert any(w.text == "Exampleshire" for w in header)
        assert all(w.x1 < first_title.x0 - 12 for w in beside), [(w.text, w.x1, first_title.x0) for w in beside]


@pytest.mark.parametrize("count", [0, 2, 5, 8])
def test_the_why_box_never_leaves_its_heading_in_the_pdf_form(tmp_path, count):
    import datetime as dt
    from test_wordform import PREFILL

    people = [{"name": f"Fictional Person {n}", "dob": dt.date(1990, 1, 2), "address": f"{n} Fictional Road"}
              for n in range(count)]
    ctx = context("ciginf1", prefill={**PREFILL, "significant_people": people})
    render_pdf(dataclasses.replace(ctx, return_to=RETURN_TO), tmp_path / "request.pdf")
    _why_with_heading(tmp_path / "request.pdf")


@pytest.mark.parametrize("count", WHY_PEOPLE)
def test_the_why_box_never_leaves_its_heading_in_the_word_form(word_pages, count):
    _why_with_heading(word_pages[f"request-{count}"])


def _why_with_heading(pdf: Path) -> None:
    pages = page_words(pdf)
    heading = [number for number, words in enumerate(pages) for line in lines_of(words)
               if line.startswith("10. In your agency's view")]
    why = [number for number, words in enumerate(pages) for line in lines_of(words) if line.startswith("Why?")]
    question = [number for number, words in enumerate(pages) for line in lines_of(words)
                if line.startswith("Are the SCR criteria met?")]
    assert len(heading) == len(why) == len(question) == 1 and heading == why == question, (heading, question, why)


def test_the_agenda_decision_sheet_is_on_one_page(demo_workspace):
    """The demo's pack (40 pages) once split the recommendation's options over pages 3 and 4, leaving
    page 4 nearly empty: Part B (the criteria, the options and the rationale) is now one page."""
    root, _ = demo_workspace
    pack = next((root / "cases" / "CIEC-2026-001" / "pack").glob("CIEC-pack-CIEC-2026-001-2026-11-13.pdf"))
    pages = [lines_of(words) for words in page_words(pack)]
    part_b = [number for number, lines in enumerate(pages) if "Part B: Review and CIG Decision" in lines]
    assert len(part_b) == 1
    sheet = " ".join(pages[part_b[0]])
    for words in ("Is abuse or neglect of a child known or suspected?", "2. The CIEC's recommendation (one):",
                  "Serious Case Review", "Critical Case Review", "MA Concise Review", "Individual Agency Review",
                  "Review not initiated", "Further information", "3. The rationale"):
        assert words in sheet, words
