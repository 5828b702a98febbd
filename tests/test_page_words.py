"""The words on the pages lifkit makes are the process's, and the demo's stories agree with themselves.

Each guards a fault once seen on paper (issue 20, items 12 and 14): words of the wrong process or board on
the pack's cover, the action update form, the action plans' pack and the learning index; a child of eleven
whose review's action plan spoke of babies; a seriously harmed baby indexed as a death; a neglect audit
typed a Section 11 audit. Everything is read back as a person sees it: PDFs with poppler's pdftotext,
Word documents printed to PDF by LibreOffice first. Every name is fictional.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import Lifkit, require_tool
from test_print import lines_of, page_words


def pdf_lines(pdf: Path) -> list[list[str]]:
    """Each page's lines."""
    return [lines_of(words) for words in page_words(pdf)]


def text_of(pdf: Path) -> str:
    return "\n".join(line for page in pdf_lines(pdf) for line in page)


@pytest.fixture(scope="module")
def indexes(demo_workspace, rapid_review_demo, tmp_path_factory) -> dict[str, Path]:
    """The Learning and Improvement Index each demo wrote, printed to PDF by LibreOffice (one run)."""
    folder = tmp_path_factory.mktemp("indexes")
    for name, (root, _) in (("lscb", demo_workspace), ("rr", rapid_review_demo)):
        shutil.copyfile(root / "learning-index-2026.docx", folder / f"{name}.docx")
    subprocess.run([require_tool("soffice"), f"-env:UserInstallation={(folder / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), str(folder / "lscb.docx"), str(folder / "rr.docx")],
                   check=True, capture_output=True, timeout=300)
    return {"lscb": folder / "lscb.pdf", "rr": folder / "rr.pdf"}


# --- item 12: the process's words ------------------------------------------------------------------------


@pytest.mark.parametrize("demo, reference, board", [("demo_workspace", "CIEC-2026-001", "LSCB"),
                                                     ("rapid_review_demo", "RR-2026-001", "partnership")])
def test_the_pack_cover_speaks_of_the_process_s_board(request, demo, reference, board):
    root, _ = request.getfixturevalue(demo)
    pack = next(p for p in (root / "cases" / reference / "pack").glob("*.pdf") if "encrypted" not in p.name)
    cover = " ".join(pdf_lines(pack)[0])
    assert f"under the {board}'s information-sharing agreement" in cover
    assert f"Keep it on the {board}'s secure site" in cover
    assert "board's" not in cover


@pytest.mark.parametrize("demo, reference, board", [("demo_workspace", "CIEC-2026-001", "LSCB"),
                                                     ("rapid_review_demo", "RR-2026-001", "partnership")])
def test_the_action_update_form_says_who_fills_in_its_actions(request, demo, reference, board):
    root, _ = request.getfixturevalue(demo)
    form = root / "cases" / reference / "outbox" / f"AUPD-{reference}-POL.pdf"
    text = " ".join(pdf_lines(form)[0])
    assert f"The actions (filled in by the {board})" in text
    assert "board or partnership" not in text


def test_the_action_plans_pack_is_titled_in_the_process_s_words(rapid_review_demo, tmp_path, monkeypatch):
    root, _ = rapid_review_demo
    copy = tmp_path / "practice"
    shutil.copytree(root, copy)
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-25")
    built = Lifkit(copy)("actions", "pack", "--meeting", "01/12/2026", "-o", tmp_path / "pack.pdf")
    assert built.exit_code == 0, built.output
    pages = page_words(tmp_path / "pack.pdf")
    title = "Action plans: review of progress"
    assert title in lines_of(pages[0])
    for number, words in enumerate(pages, start=1):
        header = lines_of([w for w in words if w.y1 < 70])
        footer = lines_of([w for w in words if w.y0 > 780])
        assert any(line.endswith(f"{title} 01/12/2026") for line in header), (number, header)
        assert any(line.startswith("For the learning and improvement review meeting on 01/12/2026") for line in footer), \
            (number, footer)
        assert not any(line.startswith(("action plan", "learning and improvement")) for line in lines_of(words))
    info = subprocess.run([require_tool("pdfinfo"), str(tmp_path / "pack.pdf")], check=True, capture_output=True,
                          text=True).stdout
    assert f"Title:           {title}, 01/12/2026" in info


def test_the_index_sections_are_the_process_s_or_the_board_s_own(indexes):
    lscb, rr = text_of(indexes["lscb"]), text_of(indexes["rr"])
    assert "Learning from the Exampleshire Child Death Overview Panel" in lscb  # the demo board's own name
    assert "Learning from child death reviews (CDOP)" in rr  # the process's
    assert "Merseyside" not in lscb + rr
    assert "Date: Report to the LSCB" in lscb and "Date: Report to the partnership" in rr


# --- item 14: the demo's stories ------------------------------------------------------------------------------


def _entry(text: str, name: str) -> str:
    """One entry of the index's text: from its name to the next entry or section."""
    start = text.index(f"Name: {name}")
    ends = [i for i in (text.find("Type of Review:", start), text.find("\nLearning from", start)) if i > 0]
    return text[start:min(ends) if ends else len(text)]


def test_the_lscb_review_of_an_eleven_year_old_speaks_of_no_baby(demo_workspace, indexes):
    root, _ = demo_workspace
    case = (root / "cases" / "CIEC-2026-001" / "case.yaml").read_text(encoding="utf-8")
    assert "2015-02-14" in case and "2026-11-02" in case  # born 14/02/2015, died 02/11/2026: eleven
    kit = _entry(text_of(indexes["lscb"]), "Child known as Kit")
    assert "child of eleven" in kit and "death" in kit
    plan = (root / "saved-mail" / "action-plan-CIEC-2026-001.csv").read_text(encoding="utf-8")
    forms = " ".join(text_of(p) for p in (root / "cases" / "CIEC-2026-001" / "outbox").glob("AUPD-*.pdf"))
    for words in (kit, plan, forms):
        for wrong in ("baby", "babies", "mobile", "bruis", "unexpected"):
            assert wrong not in words.lower(), (wrong, words[:300])


def test_the_rapid_review_of_a_harmed_baby_is_not_indexed_as_a_death(rapid_review_demo, indexes):
    root, _ = rapid_review_demo
    case = (root / "cases" / "RR-2026-001" / "case.yaml").read_text(encoding="utf-8")
    assert "2026-03-02" in case  # Ellis, born 02/03/2026, seriously harmed at seven months
    kit = _entry(text_of(indexes["rr"]), "Child known as Kit")
    assert "seriously harmed" in kit and "seven months" in kit
    assert "death" not in kit.lower() and "died" not in kit.lower()


@pytest.mark.parametrize("demo, audit_type", [("lscb", "Multi Agency Audit"), ("rr", "Multi-agency audit")])
def test_the_neglect_audit_is_typed_a_multi_agency_audit(indexes, demo, audit_type):
    lines = [line for page in pdf_lines(indexes[demo]) for line in page]
    assert f"Type of Review: {audit_type} Name: Neglect audit 2026" in lines
    assert not any("Section 11" in line for line in lines)
