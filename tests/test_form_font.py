"""The PDF forms' boxes carry their own font, so that what an agency types shows as typed.

A form is filled by the engines agencies' viewers use (PyMuPDF, i.e. MuPDF, and PDFium, the engine in
Chrome and Edge), then drawn by poppler (pdftoppm) and its text read back (pdftotext): every Polish,
Welsh and Urdu letter typed must be there, with no glyph missing. Every name is fictional.
"""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import require_tool
from lifkit.documents.pdfform import render_pdf

from returns import fill_pdf_mupdf, fill_pdf_pdfium
from test_wordform import context

TYPED = {
    "completed_name": "Łucja Wąsowska",
    "completed_role": "Siân ap Gwilym, ŵ ŷ Ŵ Ŷ ẁ ẃ",
    "others_known_who": "محمد علی خان",
    "involvement_summary": "Żółć gęślą jaźń\nبچے کی والدہ نے بتایا۔",
    "chronology_1_event": "Wizyta — Łódź",
}
FILLERS = {"pymupdf": fill_pdf_mupdf, "pdfium": fill_pdf_pdfium}


def letters(text: str) -> list[str]:
    """The letters of ``text`` in its Unicode normal form, in order (spaces and punctuation left out)."""
    return sorted(c for c in unicodedata.normalize("NFC", text) if c.isalpha())


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("font") / "ciginf1.pdf"
    render_pdf(context("ciginf1"), path)
    return path


def test_the_boxes_font_is_embedded_and_covers_latin_extended_and_arabic(blank):
    import pikepdf

    with pikepdf.open(blank) as pdf:
        form = pdf.Root.AcroForm
        font = form.DR.Font.Helv
        assert font.Subtype == "/Type0" and font.Encoding == "/Identity-H"
        descendant = font.DescendantFonts[0]
        assert descendant.Subtype == "/CIDFontType2" and "/FontFile2" in descendant.FontDescriptor
        cmap = font.ToUnicode.read_bytes().decode()
        for char in "Łąŵŷẁمحہےۓ۔":
            assert f"<{ord(char):04X}>" in cmap, char
        for page in pdf.pages:
            for widget in page.get("/Annots", []):
                if widget.get("/FT") == "/Tx":
                    assert str(widget.DA).startswith("/Helv "), widget.T
                elif widget.get("/FT") == "/Ch":  # the form's own choices: standard Helvetica
                    assert str(widget.DA).startswith("/HelvW "), widget.T
                    assert form.DR.Font.HelvW.BaseFont == "/Helvetica"


def test_the_blank_form_stays_small_enough_to_email(blank):
    assert blank.stat().st_size < 400_000  # the README states the size


@pytest.mark.parametrize("filler", FILLERS)
def test_every_letter_typed_shows_when_poppler_draws_the_filled_form(blank, tmp_path, filler):
    filled = FILLERS[filler](blank, TYPED, tmp_path / f"{filler}.pdf")
    text = subprocess.run([require_tool("pdftotext"), str(filled), "-"], capture_output=True, text=True, check=True)
    assert "couldn't find a font" not in text.stderr, text.stderr
    for name, value in TYPED.items():
        for line in value.split("\n"):
            if line.isascii() or not any("\u0600" <= c <= "\u06ff" for c in line):
                assert line in text.stdout, (name, line)
            else:  # drawn letter by letter without joining: every letter is there
                found = [l for l in text.stdout.splitlines() if letters(l) == letters(line)]
                assert found, (name, line)
    pdftoppm = require_tool("pdftoppm")
    drawn = subprocess.run([pdftoppm, "-r", "40", "-f", "1", "-l", "2", "-png", str(filled), str(tmp_path / filler)],
                           capture_output=True, text=True, check=True)
    assert "couldn't find a font" not in drawn.stderr, drawn.stderr
