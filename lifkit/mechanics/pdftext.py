"""Drawing any text in a PDF: Welsh, Polish, Urdu and emoji included.

reportlab draws with one font at a time and does not join or reorder Arabic script, so text is cut
into runs, each drawn with a bundled font that has its characters (``lifkit/fonts``): DejaVu Sans for
Latin, Greek and Cyrillic; Noto Naskh Arabic for Arabic script (Urdu), shaped into its joined forms by
arabic-reshaper and put in right-to-left order by python-bidi; a Symbola subset for emoji.

A run of Arabic script is reordered as a unit, which is exact for names and short values; a long
right-to-left paragraph that wraps over several lines keeps its words in reading order per run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from xml.sax.saxutils import escape

SANS = "LifkitSans"
SANS_BOLD = "LifkitSans-Bold"
ARABIC = "LifkitArabic"
EMOJI = "LifkitEmoji"
_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    ARABIC: "NotoNaskhArabic-Regular.ttf",
    EMOJI: "SymbolaEmoji.ttf",
}
_INVISIBLE = {0xFE0E, 0xFE0F, 0x200D}  # emoji variation selectors and joiner: nothing to draw
_ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


def _to_unicode_cmap(fontname: str, subset) -> str:
    """A ToUnicode CMap whose targets are UTF-16BE, as the PDF standard says.

    reportlab writes each target as ``<%04X>``, which for an emoji (above U+FFFF) gives five hex
    digits that readers cannot map, so copied or extracted text loses it. Same CMap otherwise.
    """
    def utf16(code: int) -> str:
        return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()

    return "\n".join((
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        "<< /Registry (%s)" % fontname, "/Ordering (%s)" % fontname, "/Supplement 0", ">> def",
        "/CMapName /%s def" % fontname, "/CMapType 2 def", "1 begincodespacerange", "<00> <%02X>" % (len(subset) - 1),
        "endcodespacerange", "%d beginbfchar" % len(subset),
        *["<%02X> <%s>" % (index, utf16(code)) for index, code in enumerate(subset)],
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ))


@functools.lru_cache(maxsize=None)
def register_fonts() -> None:
    """Register lifkit's text fonts with reportlab (once per process). The Arabic and emoji fonts are
    registered when a text first needs them (:func:`_coverage`): most documents never do."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import ttfonts

    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
    _register(SANS)
    _register(SANS_BOLD)
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS)
    addMapping(SANS, 1, 1, SANS_BOLD)


@functools.lru_cache(maxsize=None)
def _register(name: str):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = TTFont(name, str(resources.files("lifkit").joinpath("fonts", _FILES[name])))
    pdfmetrics.registerFont(font)
    return font


@functools.lru_cache(maxsize=None)
def _coverage(font: str) -> frozenset[int]:
    register_fonts()
    return frozenset(_register(font).face.charToGlyph)


def _is_arabic(code: int) -> bool:
    return any(low <= code <= high for low, high in _ARABIC_RANGES)


def _font_for(char: str, base: str) -> str:
    code = ord(char)
    if _is_arabic(code):
        _register(ARABIC)
        return ARABIC
    if code in _coverage(base) or char.isspace():
        return base
    if code in _coverage(EMOJI):
        return EMOJI
    if code in _coverage(ARABIC):
        return ARABIC
    return base  # no bundled font has it: the base font's "missing glyph" box shows something is there


def runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """``text`` cut into (font name, text to draw) runs; Arabic runs come shaped and in visual order."""
    base = SANS_BOLD if bold else SANS
    pieces: list[list] = []
    for char in text:
        if ord(char) in _INVISIBLE:
            continue
        font = _font_for(char, base)
        # a space between two Arabic words belongs to the Arabic run, so the run reorders as a whole
        if pieces and (pieces[-1][0] == font or (char == " " and pieces[-1][0] == ARABIC)):
            pieces[-1][1] += char
        else:
            pieces.append([font, char])
    result = []
    for font, chunk in pieces:
        if font == ARABIC:
            trailing = chunk[len(chunk.rstrip(" ")):]
            chunk = _visual_arabic(chunk.rstrip(" "))
            result.append((ARABIC, chunk))
            if trailing:
                result.append((base, trailing))
        else:
            result.append((font, chunk))
    return result


def _visual_arabic(text: str) -> str:
    import arabic_reshaper
    from bidi.algorithm import get_display

    return get_display(arabic_reshaper.reshape(text))


def markup(text: str, bold: bool = False) -> str:
    """``text`` as reportlab Paragraph markup: escaped, each run in its font, line breaks kept."""
    lines = []
    for line in str(text).splitlines() or [""]:
        parts = []
        for font, chunk in runs(line, bold):
            chunk = escape(chunk)
            if font in (SANS, SANS_BOLD):
                parts.append(chunk)
            else:
                parts.append(f'<font name="{font}">{chunk}</font>')
        lines.append("".join(parts))
    return "<br/>".join(lines)


def string_width(text: str, size: float, bold: bool = False) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(chunk, font, size) for font, chunk in runs(text, bold))


CELL_PADDING = 12  # a table cell's left and right padding together (reportlab's default, 6 each)


def column_widths(weights: list[float], available: float, texts: list[list[tuple[str, float, bool]]],
                  padding: float = CELL_PADDING) -> list[float]:
    """Columns sharing ``available`` points in proportion to ``weights``, but each at least as wide as the
    widest word of its ``texts`` ((text, size, bold) each) needs, so that no word is split across lines
    ("Actio|n id"): the room a narrow column needs is taken from the others, in proportion. When the
    words cannot all fit, the widths stay in proportion (a word may then split, as before). The forms'
    tables use it, in PDF and in Word (whose fonts are narrower than these: the widths are ample)."""
    total = sum(max(w, 0.01) for w in weights)
    least = [max((max((string_width(word, size, bold) for word in str(text).split()), default=0.0)
                  for text, size, bold in column), default=0.0) + padding + 0.5 for column in texts]
    if sum(least) > available:
        return [available * max(w, 0.01) / total for w in weights]
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(len(weights)) if i not in fixed]
        room = available - sum(fixed.values())
        share = sum(max(weights[i], 0.01) for i in free)
        widths = {i: room * max(weights[i], 0.01) / share for i in free}
        short = {i: least[i] for i in free if widths[i] < least[i]}
        if not short:
            widths.update(fixed)
            return [widths[i] for i in range(len(weights))]
        fixed.update(short)


def draw_string(canvas, x: float, y: float, text: str, size: float, bold: bool = False) -> float:
    """Draw one line of text at (x, y) on a reportlab canvas; returns its width."""
    start = x
    for font, chunk in runs(text, bold):
        canvas.setFont(font, size)
        canvas.drawString(x, y, chunk)
        x += canvas.stringWidth(chunk, font, size)
    return x - start


def fit_width(text: str, room: float, size: float, bold: bool = False) -> str:
    """``text``, or as much of it as fits in ``room`` points followed by "…", for a one-line header."""
    if string_width(text, size, bold) <= room:
        return text
    while text and string_width(text.rstrip() + "…", size, bold) > room:
        text = text[:-1]
    return text.rstrip() + "…"


FORM_FONT_FILE = "LifkitFormSans.ttf"  # the font of the forms' boxes: Latin and Arabic script (fonts/README.md)


@dataclass(frozen=True)
class EmbeddableFont:
    """A TrueType font as a PDF needs it to embed it whole as a Type0 font with Identity-H encoding:
    the glyph id is the character code, so every glyph of the font can be used."""

    name: str
    data: bytes
    ascent: float  # the metrics in 1/1000 em, as PDF font descriptors give them
    descent: float
    cap_height: float
    bbox: tuple[float, float, float, float]
    italic_angle: float
    stem_v: float
    flags: int
    widths: tuple[float, ...]  # by glyph id
    unicode: dict[int, int]  # glyph id -> the character it draws


@functools.lru_cache(maxsize=None)
def form_font() -> EmbeddableFont:
    """The font the forms' boxes are drawn with (``lifkit/fonts/LifkitFormSans.ttf``)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    path = resources.files("lifkit").joinpath("fonts", FORM_FONT_FILE)
    data = path.read_bytes()
    face = TTFontFile(str(path))
    scale = 1000 / face.unitsPerEm
    widths = tuple(round(face.hmetrics[min(gid, len(face.hmetrics) - 1)][0] * scale, 1)
                   for gid in range(face.numGlyphs))
    return EmbeddableFont(
        name=face.name.decode("ascii", "replace") if isinstance(face.name, bytes) else str(face.name),
        data=data, ascent=round(face.ascent), descent=round(face.descent),
        cap_height=round(face.capHeight or face.ascent * 0.7), bbox=tuple(round(v) for v in face.bbox),
        italic_angle=face.italicAngle, stem_v=face.stemV, flags=face.flags, widths=widths,
        unicode={gid: chars[0] for gid, chars in face.glyphToChar.items() if chars},
    )
