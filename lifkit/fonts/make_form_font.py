"""Builds LifkitFormSans.ttf, the font lifkit's PDF form boxes are drawn with (a developer's tool, not
installed with lifkit; needs ``pip install fonttools``).

A viewer draws what is typed in a box with the font the form names for it. The standard PDF fonts
(Helvetica) have no Polish, Welsh (ŵ ŷ) or Arabic-script letters, so lifkit's forms carry their own
font in the AcroForm's default resources: DejaVu Sans for Latin (Basic Latin to Latin Extended-B and
Latin Extended Additional, with general punctuation) and Noto Naskh Arabic for Arabic script (Urdu
included), subset, without hinting or layout tables (viewers do not shape text in form fields), scaled
to one em and merged into one font, since a box has one font.

    .venv/bin/python -m pip install fonttools
    .venv/bin/python lifkit/fonts/make_form_font.py
"""

from __future__ import annotations

import io
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
OUTPUT = FOLDER / "LifkitFormSans.ttf"

LATIN = [*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x1E00, 0x1F00), *range(0x2010, 0x2050),
         0x20AC, 0x2116, 0x2122]
ARABIC = [*range(0x600, 0x700), *range(0x750, 0x780), *range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00)]


def _subset(path: Path, unicodes: list[int], units_per_em: int | None = None) -> io.BytesIO:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(str(path))
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "DSIG", "FFTM"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    if units_per_em and font["head"].unitsPerEm != units_per_em:
        scale_upem(font, units_per_em)
    out = io.BytesIO()
    font.save(out)
    out.seek(0)
    return out


def build(output: Path = OUTPUT) -> Path:
    from fontTools.merge import Merger

    latin = _subset(FOLDER / "DejaVuSans.ttf", LATIN)
    arabic = _subset(FOLDER / "NotoNaskhArabic-Regular.ttf", ARABIC, units_per_em=2048)
    font = Merger().merge([latin, arabic])
    font["name"].setName("LifkitFormSans", 1, 3, 1, 0x409)
    font["name"].setName("LifkitFormSans", 4, 3, 1, 0x409)
    font["name"].setName("LifkitFormSans", 6, 3, 1, 0x409)
    font.save(str(output))
    return output


if __name__ == "__main__":
    print(build())
