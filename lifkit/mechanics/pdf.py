"""The one module that drives a PDF library: every PDF read and write in lifkit goes through here.

A change of PDF library is a change of this module only. What lifkit asks of it:

- reading a returned form: each box's name and raw value, and the document information
  (:func:`read_form`); every box with its type, flags, tooltip and states (:func:`read_fields`);
- finishing a form drawn by reportlab: identity metadata, NeedAppearances, language, title display and
  date actions (:func:`finish_form`);
- filling a form as an agency's viewer would (:func:`fill_form`, for ``lifkit demo``);
- the pack: opening the PDFs attached to returns (:func:`open_attachment`), and assembling the laid-out
  pack in one pass: its structure tree, the attachments' pages and the returned forms placed, fields
  kept under a prefix each, outline, page numbers and AES-256 (:func:`assemble`, :func:`adopt_fields`).

Everything but filling uses pikepdf (qpdf's bindings: it parses and writes in C++, about ten times
faster than a pure-Python library on a 107-box form, and a pack of 15 returns is assembled in a tenth
of the time pypdf took). Filling, which needs each typed value's appearance drawn, uses pypdf, as a
viewer-like filler for ``lifkit demo``. The libraries are imported inside each function, so importing
this module costs nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class PasswordProtected(Exception):
    """The PDF cannot be opened without a password."""


# --- reading ----------------------------------------------------------------------------------


def measure(data: bytes):
    """The check every PDF lifkit reads passes before any PDF library parses it (the one way in: every
    reader here opens through :func:`_open`, which calls this): its size, its objects counted and every
    stream inflated, streaming and no further than the limits of :mod:`lifkit.mechanics.pdfmeasure`.
    Returns its :class:`~lifkit.mechanics.pdfmeasure.Figures`. Raises :class:`ValueTooLarge` (a
    :class:`~lifkit.mechanics.pdfmeasure.TooLarge`) past a limit, :class:`PasswordProtected` for an
    encrypted PDF that needs a password to be read at all.

    An encrypted PDF's streams are stored encrypted: each is read decrypted, one at a time, by the PDF
    library (which reads the object, never the object streams, before they are measured themselves) and
    measured then; cross-reference streams, never encrypted, are measured before it opens the file."""
    from lifkit.mechanics import pdfmeasure

    if len(data) > pdfmeasure.MAX_PDF_BYTES:
        raise pdfmeasure.TooLarge(f"more than {pdfmeasure.MAX_PDF_BYTES // pdfmeasure.MB} MB")
    found = pdfmeasure.scan(data)
    view = memoryview(data)
    xref = [s for s in found.streams if s.kind == "cross-reference stream"]
    if not found.encrypted:
        figures = pdfmeasure.check(data, found.streams, lambda stream: view[stream.start:stream.end], found.values)
        figures.objects = found.objects
        return figures
    pdfmeasure.check(data, xref, lambda stream: view[stream.start:stream.end])
    import pikepdf

    try:
        pdf = _opened(data)
    except pikepdf.PdfError:
        return pdfmeasure.Figures(found.objects, found.values)  # damaged: the reader that opens it next says so
    with pdf:
        def raw(stream):
            if stream.number is None:
                return None
            try:
                item = pdf.get_object(stream.number, stream.generation)
                return item.read_raw_bytes() if isinstance(item, pikepdf.Stream) else None
            except pikepdf.PdfError:
                return None
        figures = pdfmeasure.check(data, [s for s in found.streams if s.kind != "cross-reference stream"], raw,
                                   found.values)
    figures.objects = found.objects
    return figures


class Budget:
    """What the PDFs open at once (a pack's attachments, all open until the pack is written) may cost
    together: :data:`PACK_VALUES` values in their objects and :data:`PACK_INFLATED` bytes of streams
    inflated. An attachment that would pass it is not opened."""

    def __init__(self, values: int | None = None, inflated: int | None = None):
        self.values = PACK_VALUES if values is None else values
        self.inflated = PACK_INFLATED if inflated is None else inflated

    def spend(self, figures) -> bool:
        """Take ``figures`` from what is left: False (and nothing taken) when they do not fit."""
        if figures.values > self.values or figures.inflated > self.inflated:
            return False
        self.values -= figures.values
        self.inflated -= figures.inflated
        return True


PACK_VALUES = 1_500_000  # as one PDF may hold: about 200 MB in the PDF library, for every attachment of a pack
PACK_INFLATED = 512 * 1024 * 1024  # streams are copied one at a time: this bounds the time more than the memory


def _open(source: Path | bytes, trusted: bool = False):
    """The PDF at a path (or in bytes) opened with pikepdf, once :func:`measure` has found it within
    bounds (``trusted``: a PDF lifkit itself has just drawn, not measured); :class:`PasswordProtected`
    when it needs a password to open (restrictions set with an owner password alone do not stop reading),
    :class:`ValueTooLarge` past a limit."""
    data = source if isinstance(source, bytes) else _read(Path(source))
    try:
        if not trusted:
            measure(data)
        return _opened(data)
    except PasswordProtected:
        raise PasswordProtected("PDF" if isinstance(source, bytes) else str(source)) from None


def _read(path: Path) -> bytes:
    """A PDF file's bytes, once its size is found within :data:`lifkit.mechanics.pdfmeasure.MAX_PDF_BYTES`
    (a larger one is never read into memory)."""
    from lifkit.mechanics import pdfmeasure

    if path.stat().st_size > pdfmeasure.MAX_PDF_BYTES:
        raise pdfmeasure.TooLarge(f"more than {pdfmeasure.MAX_PDF_BYTES // pdfmeasure.MB} MB")
    return path.read_bytes()


def _opened(data: bytes):
    """``data`` opened with pikepdf. A file whose cross-reference table is wrong but whose end is there
    (``%%EOF``) is repaired as it is read, as viewers do; a file cut short is not: what was cut off may
    hold answers, so it is damaged (pikepdf's error), never read in part."""
    import pikepdf

    def opened(recover: bool):
        return pikepdf.open(io.BytesIO(data), attempt_recovery=recover)

    try:
        try:
            return opened(False)
        except pikepdf.PasswordError:
            raise
        except pikepdf.PdfError:
            if not _has_end(data):
                raise
            return opened(True)
    except pikepdf.PasswordError:
        raise PasswordProtected("PDF") from None


def _has_end(source: Path | bytes) -> bool:
    """Whether the PDF's last kilobyte holds the end-of-file marker a PDF writer puts last."""
    if isinstance(source, bytes):
        return b"%%EOF" in source[-1024:]
    with open(source, "rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - 1024))
        return b"%%EOF" in handle.read()


def _is_dict(value) -> bool:
    import pikepdf

    return isinstance(value, pikepdf.Dictionary)


def _is_array(value) -> bool:
    import pikepdf

    return isinstance(value, pikepdf.Array)


def _text(value) -> str:
    """A PDF value as text, as a viewer shows it: strings decoded, names with their slash (``/Yes``), the
    items of an array joined with ", ", a stream's contents."""
    import pikepdf

    if isinstance(value, pikepdf.Array):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, pikepdf.Stream):
        return _bounded_stream(value).decode("utf-8", "replace")
    return str(value)


MAX_VALUE_BYTES = 1024 * 1024  # a box's value kept as a stream: far more than any answer typed into a form
MAX_FIELDS = 10_000  # a form has a hundred or two; read no further (each costs memory and time)


class ValueTooLarge(Exception):
    """A form holding more than a form can: a value stored as a stream that inflates past
    :data:`MAX_VALUE_BYTES` (a decompression bomb), or more than :data:`MAX_FIELDS` fields."""


def _inflated(stream, limit: int) -> bytes | None:
    """A stream's contents when it is stored unfiltered or deflated (no predictor), inflated no further
    than ``limit`` + 1 bytes (so that more than ``limit`` shows); None for any other filter."""
    import zlib

    import pikepdf

    filters = stream.get("/Filter")
    filters = list(filters) if isinstance(filters, pikepdf.Array) else [filters] if filters is not None else []
    raw = stream.read_raw_bytes()
    if not filters:
        return raw
    if filters == [pikepdf.Name.FlateDecode] and stream.get("/DecodeParms") is None:
        return zlib.decompressobj().decompress(raw, limit + 1)
    return None


def _bounded_stream(stream) -> bytes:
    """A stream's contents, inflated no further than :data:`MAX_VALUE_BYTES`: unfiltered or deflated only
    (the ways a viewer stores a value), never handed whole to the library's decoder."""
    data = _inflated(stream, MAX_VALUE_BYTES)
    if data is None:
        raise ValueTooLarge("a value stored with filters no viewer uses for a box")
    if len(data) > MAX_VALUE_BYTES:
        raise ValueTooLarge("a value larger than any answer")
    return data


def _key(node):
    return node.objgen if node.is_indirect else id(node)


def _field_nodes(pdf):
    """Every field of the form as (full name, field dictionary), in the order the form lists them.

    A field is a node of the /Fields tree with a name (/T, or a mapping name /TM); its full name joins
    its ancestors' names with full stops, and its mapping name, when it has one, takes the place of the
    whole. A node met twice (a damaged tree) is read once; a node without a name ends its branch."""
    form = pdf.Root.get("/AcroForm")
    fields = form.get("/Fields") if _is_dict(form) else None
    if not _is_array(fields):
        return
    seen: set = set()
    stack = [iter(fields)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        if not _is_dict(node) or ("/T" not in node and "/TM" not in node) or _key(node) in seen:
            continue
        seen.add(_key(node))
        if len(seen) > MAX_FIELDS:
            raise ValueTooLarge(f"more than {MAX_FIELDS:,} fields")
        yield _full_name(node), node
        kids = node.get("/Kids")
        if _is_array(kids):
            stack.append(iter(kids))


def _full_name(node) -> str:
    names: list[str] = []
    seen: set = set()
    while _is_dict(node) and _key(node) not in seen:
        if "/TM" in node:
            names.append(str(node["/TM"]))
            break
        seen.add(_key(node))
        names.append(str(node.get("/T", "")))
        node = node.get("/Parent")
    return ".".join(reversed(names))


def read_form(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """A PDF's boxes (full name -> raw value as text, "" when empty) and its document information.

    A tick-box's value is the state name the viewer wrote (``/Yes``, ``/On``, ``/1`` or ``/Off``), not a
    guess; a list of values (a multiple choice) is joined with ", ". Fields that only group others are
    left out. Raises :class:`PasswordProtected`, or the library's own errors for a damaged file.
    """
    with _open(path) as pdf:
        docinfo = pdf.trailer.get("/Info")
        info = {str(k).lstrip("/"): _text(v) for k, v in docinfo.items()} if _is_dict(docinfo) else {}
        fields = {}
        for name, node in _field_nodes(pdf):
            if "/FT" not in node:  # a parent that only groups other fields
                continue
            value = node.get("/V")
            fields[name] = "" if value is None else _text(value)
    return fields, info


def read_fields(path: Path) -> dict[str, dict]:
    """Every form field of a PDF with its type, value, flags and tooltip (all as text), the states of a
    tick-box (its widgets' appearance states, ``/Off`` always among them) and the options of a list;
    for tests and diagnostics."""
    fields = {}
    with _open(path) as pdf:
        for name, node in _field_nodes(pdf):
            kind, value, tooltip = node.get("/FT"), node.get("/V"), node.get("/TU")
            entry = {"type": None if kind is None else str(kind), "value": None if value is None else _text(value),
                     "flags": int(node.get("/Ff", 0)), "tooltip": None if tooltip is None else str(tooltip)}
            options = node.get("/Opt")
            if kind == "/Btn":
                states = _tick_states(node)
                if states:
                    entry["states"] = states
            elif kind == "/Ch" and _is_array(options):
                entry["states"] = [_text(o) for o in options]
            if _is_array(options):
                entry["options"] = [str(o[0]) if _is_array(o) else str(o) for o in options]
            fields[name] = entry
    return fields


def _tick_states(node) -> list[str]:
    widgets = [node] if "/AP" in node else [k for k in node.get("/Kids", ()) if _is_dict(k) and "/AP" in k]
    states: list[str] = []
    for widget in widgets:
        normal = widget["/AP"].get("/N") if _is_dict(widget["/AP"]) else None
        for state in (normal.keys() if _is_dict(normal) or hasattr(normal, "keys") else ()):
            if str(state) not in states:
                states.append(str(state))
    if states and "/Off" not in states:
        states.append("/Off")
    return states


# --- writing forms ----------------------------------------------------------------------------


def finish_form(data: bytes, info: dict[str, str], lang: str, date_fields: set[str], font=None,
                tags: list | None = None) -> bytes:
    """Add to a form drawn by reportlab what reportlab cannot: document information entries ``info``
    (keys without the slash), ``/NeedAppearances``, the document language, showing the title in the
    viewer's title bar, Acrobat's date keystroke and format actions on the boxes ``date_fields``
    (Acrobat Reader then checks and shows dd/mm/yyyy as it is typed; viewers without form JavaScript
    ignore them), ``font`` (a :class:`lifkit.mechanics.pdftext.EmbeddableFont`) as the font of every
    text box, embedded in the form's default resources, and the structure tree from ``tags`` (see
    :func:`tag_structure`)."""
    from pikepdf import Dictionary, Name, String

    def action(script: str) -> Dictionary:
        return Dictionary(S=Name.JavaScript, JS=String(script))

    with _open(data, trusted=True) as pdf:  # drawn by reportlab a moment ago
        docinfo = pdf.docinfo
        for key, value in info.items():
            docinfo[Name("/" + key)] = String(value)
        pdf.Root.AcroForm.NeedAppearances = True
        if font is not None:
            _box_font(pdf, font)
        if tags is not None:
            tag_structure(pdf, tags)
        pdf.Root.Lang = String(lang)
        pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        _xmp(pdf, {**{str(k).lstrip("/"): str(v) for k, v in pdf.docinfo.items()}, **info}, lang)
        for page in pdf.pages:
            for widget in page.obj.get("/Annots", ()):
                if str(widget.get("/T", "")) in date_fields:
                    widget.AA = Dictionary(K=action('AFDate_KeystrokeEx("dd/mm/yyyy");'),
                                           F=action('AFDate_FormatEx("dd/mm/yyyy");'))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


# The boxes' font, by its name in the AcroForm's default resources: the name reportlab gives Helvetica
# there and in every box's /DA. Fillers keep that name (PyMuPDF rewrites any other to it), so the font
# the form carries under it is the one they and the viewers draw typing with.
FORM_FONT_NAME = "Helv"
CHOICE_FONT_NAME = "HelvW"  # the drop-downs' font: standard Helvetica


_DEFLATED: dict[tuple[str, bytes], tuple[bytes, bytes]] = {}


def _font_streams(font) -> tuple[bytes, bytes]:
    """The font file and its ToUnicode map, deflated: a request's forms share them (deflating a 120 kB
    font for each form cost about 8 ms of its 30 ms finishing)."""
    import zlib

    key = (font.name, font.data)
    if key not in _DEFLATED:
        _DEFLATED[key] = (zlib.compress(font.data), zlib.compress(_to_unicode(font.unicode).encode("ascii")))
    return _DEFLATED[key]


def _box_font(pdf, font) -> None:
    """Embed ``font`` whole as a Type0 font (Identity-H, glyph ids as codes, a ToUnicode map back) in the
    AcroForm's /DR as the font of every text box, in place of Helvetica: a viewer that draws what is
    typed with the form's font (poppler, PyMuPDF, PDFium) then has every letter."""
    import re

    from pikepdf import Array, Dictionary, Name, Stream, String

    base = Name("/" + font.name)
    deflated_font, deflated_map = _font_streams(font)
    font_file = Stream(pdf, b"")
    font_file.write(deflated_font, filter=Name.FlateDecode)  # compressed once a process, not once a form
    font_file.Length1 = len(font.data)
    to_unicode = Stream(pdf, b"")
    to_unicode.write(deflated_map, filter=Name.FlateDecode)
    descriptor = pdf.make_indirect(Dictionary(
        Type=Name.FontDescriptor, FontName=base, Flags=font.flags, FontBBox=Array([int(v) for v in font.bbox]),
        ItalicAngle=font.italic_angle, Ascent=int(font.ascent), Descent=int(font.descent),
        CapHeight=int(font.cap_height), StemV=int(font.stem_v), FontFile2=font_file))
    descendant = pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=base,
        CIDSystemInfo=Dictionary(Registry=String("Adobe"), Ordering=String("Identity"), Supplement=0),
        FontDescriptor=descriptor, W=Array([0, Array([round(w) for w in font.widths])]), DW=1000,
        CIDToGIDMap=Name.Identity))
    type0 = pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=base, Encoding=Name("/Identity-H"),
        DescendantFonts=Array([descendant]), ToUnicode=to_unicode))
    form = pdf.Root.AcroForm
    if "/DR" not in form:
        form.DR = Dictionary()
    if "/Font" not in form.DR:
        form.DR.Font = Dictionary()
    form.DR.Font[Name("/" + FORM_FONT_NAME)] = type0
    # Drop-downs hold only the form's own choices, in plain English: they keep Helvetica (under a name of
    # their own), which every filler can draw with, pdftk included (it cannot encode for a Type0 font).
    form.DR.Font[Name("/" + CHOICE_FONT_NAME)] = pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica, Encoding=Name.WinAnsiEncoding))

    def restyle(da: str, name: str) -> String:
        return String(re.sub(r"/[^\s/]+(\s+[\d.]+\s+Tf)", f"/{name}\\1", da, count=1))

    form.DA = restyle(str(form.get("/DA", "/Helv 0 Tf 0 g")), FORM_FONT_NAME)
    for page in pdf.pages:
        for widget in page.obj.get("/Annots", ()):
            field = widget if "/FT" in widget else widget.get("/Parent", widget)
            kind = field.get("/FT")
            if kind not in (Name.Tx, Name.Ch):
                continue
            name = FORM_FONT_NAME if kind == Name.Tx else CHOICE_FONT_NAME
            for holder in (field, widget):
                if "/DA" in holder:
                    holder.DA = restyle(str(holder.DA), name)


def tag_structure(pdf, tags: list) -> None:
    """Tag a document for assistive technology (PDF/UA-1 in spirit): a structure tree in reading order
    from ``tags``, each ``(role, page index, MCID)`` for a piece of marked page content (H1, H2, P) or
    ``("Form", page index, box name)`` for a box, which becomes a Form element holding its widget (an
    OBJR, with the widget's /StructParent); the catalog marked as tagged; every page with boxes moved
    through in structure order by Tab (/Tabs /S)."""
    from pikepdf import Array, Dictionary, Name

    widgets = {}
    for index, page in enumerate(pdf.pages):
        for widget in page.obj.get("/Annots", ()):
            if "/T" in widget:
                widgets[str(widget.T)] = (index, widget)
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root, K=Array()))
    root.K = Array([document])
    by_page: dict[int, dict[int, object]] = {}
    parents: list = []  # (key, value) pairs of the parent tree
    next_key = len(pdf.pages)
    for role, page_index, what in tags:
        page = pdf.pages[page_index].obj
        if role == "Form":
            if what not in widgets:
                continue
            _, widget = widgets[what]
            element = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Form, P=document, Pg=page,
                                                   K=Dictionary(Type=Name.OBJR, Obj=widget, Pg=page)))
            widget.StructParent = next_key
            parents.append((next_key, element))
            next_key += 1
        else:
            element = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name("/" + role), P=document,
                                                   Pg=page, K=what))
            by_page.setdefault(page_index, {})[what] = element
        document.K.append(element)
    for page_index, elements in by_page.items():
        pdf.pages[page_index].obj.StructParents = page_index
        parents.append((page_index, Array([elements[m] for m in sorted(elements)])))
    nums = Array()
    for key, value in sorted(parents, key=lambda pair: pair[0]):
        nums.append(key)
        nums.append(value)
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = next_key
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    for page in pdf.pages:
        if "/Annots" in page.obj:
            page.obj.Tabs = Name.S


def _to_unicode(glyphs: dict[int, int]) -> str:
    """A ToUnicode CMap for two-byte glyph-id codes: glyph id -> the character it draws (UTF-16BE)."""
    entries = sorted(glyphs.items())
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def", "1 begincodespacerange", "<0000> <FFFF>",
             "endcodespacerange"]
    for start in range(0, len(entries), 100):
        chunk = entries[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{gid:04X}> <{chr(code).encode('utf-16-be', 'surrogatepass').hex().upper()}>" for gid, code in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


def fill_form(source: Path, target: Path, values: dict) -> Path:
    """Fill a form as an agency's PDF viewer would: box name -> text, True/False for tick-boxes.

    Tick-boxes take the "on" state their own widget names; viewers regenerate the appearance of the
    text (NeedAppearances is set on every form lifkit makes).
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    data = _read(Path(source))
    measure(data)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    texts = {k: str(v) for k, v in values.items() if not isinstance(v, bool)}
    for page in writer.pages:
        if "/Annots" not in page:
            continue
        writer.update_page_form_field_values(page, texts, auto_regenerate=False)
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            name = str(widget.get("/T", ""))
            if isinstance(values.get(name), bool):
                states = [str(s) for s in widget.get("/AP", {}).get("/N", {}).keys() if str(s) != "/Off"]
                state = NameObject(states[0] if values[name] and states else "/Off")
                widget[NameObject("/V")] = state
                widget[NameObject("/AS")] = state
    with open(target, "wb") as handle:
        writer.write(handle)
    return Path(target)


# --- merging forms into another document ---------------------------------------------------------


def _copy(pdf, value):
    """``value``, an object of another PDF, as an object of ``pdf``: indirect objects are copied once
    (the same object copied again gives the same copy, so a widget and the field that holds it stay one
    object), direct dictionaries and arrays item by item, and every other direct value (a number, which
    pikepdf gives as ``int`` or ``Decimal``, a boolean, null, a name, a string) as it is. Page objects are
    never crossed into: a reference to a page of the other PDF becomes null."""
    import pikepdf

    if not isinstance(value, pikepdf.Object):
        return value  # int, Decimal, bool, None: pikepdf's own values for direct numbers and the rest
    if value.is_indirect:
        return pdf.copy_foreign(value)
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copy(pdf, item) for key, item in value.items()})
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy(pdf, item) for item in value])
    return value


def adopt_fields(pdf, reader, prefix: str) -> int:
    """Give the form fields of ``reader`` (whose pages' widgets were already copied into ``pdf``) a
    place in ``pdf``'s form under the parent field ``prefix``, so they keep working and never collide
    with another merged form's fields of the same name: ``summary`` becomes ``<prefix>.summary``.

    The source form's default resources (the fonts its boxes are drawn with) come along, and viewers
    are asked to redraw boxes whenever the source asked them to. Returns the number of top-level fields
    adopted (0 when the document has no form)."""
    from pikepdf import Array, Dictionary, String

    if "." in prefix:
        raise ValueError("a field name prefix cannot hold a full stop")
    source = reader.Root.get("/AcroForm")
    fields = source.get("/Fields") if source is not None else None
    if not fields:
        return 0
    parent = pdf.make_indirect(Dictionary(T=String(prefix), Kids=Array()))
    for reference in fields:
        if not isinstance(reference, Dictionary):
            continue  # a number or name where a field should be: nothing a viewer shows
        field = _copy(pdf, reference)  # the copy the widgets already use
        if not field.is_indirect:
            field = pdf.make_indirect(field)
        if "/P" in field and field.P is None:
            del field.P  # a page of the source, which the copy does not cross into
        field.Parent = parent
        parent.Kids.append(field)
    if "/AcroForm" not in pdf.Root:
        pdf.Root.AcroForm = pdf.make_indirect(Dictionary(Fields=Array(), DA=String("/Helv 0 Tf 0 g")))
    form = pdf.Root.AcroForm
    if "/Fields" not in form:
        form.Fields = Array()
    form.Fields.append(parent)
    resources = source.get("/DR")
    if resources is not None:
        if "/DR" not in form:
            form.DR = Dictionary()
        for kind, entries in resources.items():
            if kind not in form.DR:
                form.DR[kind] = Dictionary()
            target = form.DR[kind]
            for name, value in (entries.items() if isinstance(entries, Dictionary) else ()):
                if name not in target:
                    target[name] = _copy(pdf, value)
    if source.get("/NeedAppearances"):
        form.NeedAppearances = True
    return len(parent.Kids)


def _inherited(page, key: str):
    """A page attribute that may be inherited from the page tree (/Resources, /MediaBox, /CropBox, /Rotate)."""
    node, seen = page, 0
    while node is not None and seen < 64:
        if key in node:
            return node[key]
        node, seen = node.get("/Parent"), seen + 1
    return None


MAX_CONTENT_BYTES = 64 * 1024 * 1024  # an attached page's content once inflated: far more than any real page


class ContentTooLarge(Exception):
    """An attached page whose content would inflate past :data:`MAX_CONTENT_BYTES` (or cannot be bounded)."""


def _filter_names(stream) -> list[str]:
    import pikepdf

    filters = stream.get("/Filter")
    return [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)] if filters is not None else []


def _page_content(page) -> bytes | None:
    """A placed page's content as the one stream a form XObject holds, inflated no further than
    :data:`MAX_CONTENT_BYTES`: the streams of a page made of several, joined; a stream compressed with
    LZW, which qpdf would inflate, unbounded, as it writes. None for one stream stored unfiltered, deflated
    or any other way qpdf writes as it is: it is copied raw, never inflated."""
    import pikepdf

    contents = page.get("/Contents")
    if isinstance(contents, pikepdf.Stream) and "/LZWDecode" in _filter_names(contents):
        parts = [contents]
    elif isinstance(contents, pikepdf.Array):
        parts = list(contents)
    else:
        return None
    joined, left = [], MAX_CONTENT_BYTES
    for part in parts:
        if not isinstance(part, pikepdf.Stream):
            continue
        data = _inflated(part, left)
        if data is None and _filter_names(part) == ["/LZWDecode"]:
            parms = part.get("/DecodeParms")
            if parms is None or set(parms.keys()) <= {"/EarlyChange"}:
                data = _lzw_decoded(part.read_raw_bytes(), left, int(parms.get("/EarlyChange", 1)) if parms else 1)
        if data is None:
            if len(part.read_raw_bytes()) * 4096 > left:  # no filter inflates more than ~4,000 times (LZW at best)
                raise ContentTooLarge("a content stream compressed in a way whose size cannot be bounded")
            data = part.read_bytes()
        left -= len(data)
        if left < 0:
            raise ContentTooLarge("page content larger than any page")
        joined.append(data)
    return b"\n".join(joined)


def _lzw_decoded(data: bytes, limit: int, early: int = 1) -> bytes:
    """LZW-compressed ``data`` (the PDF variant; ``early`` as its /EarlyChange), inflated by the measuring
    decoder no further than ``limit`` bytes (and a piece): :class:`ContentTooLarge` beyond (a few kilobytes
    of LZW can inflate to gigabytes); ValueError for data that is not LZW."""
    from lifkit.mechanics.pdfmeasure import _lzw

    out = bytearray()
    for piece in _lzw([data], early, strict=True):
        out += piece
        if len(out) > limit:
            raise ContentTooLarge("page content larger than any page")
    return bytes(out)


def open_attachment(path: Path, budget: Budget | None = None) -> tuple[Any, list, str]:
    """A PDF attached to a return, opened for merging, with each page's crop box and rotation ``(left,
    bottom, right, top, rotation)``, or why it cannot be merged: ``(pdf, pages, reason)``, ``reason`` ""
    when it can. A page whose content is several streams, or LZW, has it checked now (inflated within bounds).
    With ``budget`` (:class:`Budget`), one that would take the PDFs already open past it is not opened."""
    try:
        data = _read(Path(path))  # from memory: no file left open (and locked, on Windows) until the pack is written
        figures = measure(data)
        if budget is not None and not budget.spend(figures):
            return None, [], "more than the pack's other attachments leave room for: not merged"
        pdf = _open(data, trusted=True)  # measured a moment ago
    except PasswordProtected:
        return None, [], "password-protected: not merged"
    except ValueTooLarge as exc:
        why = str(exc)
        return None, [], ("too many objects to merge: not merged" if "objects" in why else
                          "too large once decompressed: not merged" if "inflate" in why else
                          "larger than any document lifkit merges: not merged")
    except Exception:  # noqa: BLE001 - a damaged attachment is listed, never fatal
        return None, [], "damaged or not a PDF: not merged"
    try:
        pages = []
        for page in pdf.pages:
            box = _inherited(page.obj, "/CropBox") or _inherited(page.obj, "/MediaBox")
            import math

            x0, y0, x1, y1 = (float(v) for v in box)
            left, bottom, right, top = min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)
            if not all(math.isfinite(v) for v in (left, bottom, right, top)) or right - left < 1 or top - bottom < 1:
                raise ValueError("empty page box")
            _page_content(page.obj)
            rotation = _inherited(page.obj, "/Rotate")
            pages.append((left, bottom, right, top, int(rotation or 0) % 360))
        if not pages:
            pdf.close()
            return None, [], "has no pages: not merged"
        return pdf, pages, ""
    except ContentTooLarge:
        pdf.close()
        return None, [], "too large once decompressed: not merged"
    except Exception:  # noqa: BLE001 - a damaged attachment is listed, never fatal
        pdf.close()
        return None, [], "damaged or not a PDF: not merged"


# --- assembling a document from a laid-out one and others' pages (the pack) ----------------------


@dataclass(frozen=True)
class Placement:
    """Page ``index`` of ``reader`` (an attachment opened by :func:`open_attachment`; crop box and
    rotation ``crop``), to be put on page ``page_number`` (from 1) of the laid-out document, scaled to
    fit ``box`` (x0, y0, x1, y1)."""

    page_number: int
    reader: Any
    index: int
    crop: tuple
    box: tuple
    mcid: int | None = None  # the marked content the placed page is tagged as, on its pack page


def assemble(base: bytes, placements: list[Placement], forms: dict[str, Any], outline: list[tuple[str, int | None, int]],
             info: dict[str, str], lang: str, password: str | None = None, tags: list | None = None) -> bytes:
    """The document ``base`` (PDF bytes laid out by reportlab) finished in one pass by qpdf: tagged
    from ``tags`` (:func:`tag_structure`), other documents' pages placed on its pages, the form fields
    of ``forms`` (prefix -> the attachment whose pages were placed) kept under their prefix, an outline
    of ``(title, page from 1 or None, level)`` (an entry without a page, or whose parent level is
    missing, is left out), pages numbered 1, 2, 3..., the document information ``info`` (keys without
    the slash), the language and the title shown. Unencrypted, the same input gives the same bytes (the
    document id is a hash of the content); with ``password``, AES-256 (R6) encryption."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    with _open(base, trusted=True) as pdf:  # laid out by reportlab a moment ago
        if tags is not None:
            tag_structure(pdf, tags)
        for placement in placements:
            try:
                _place(pdf, pdf.pages[placement.page_number - 1].obj, placement.reader, placement.index,
                       placement.crop, placement.box, placement.mcid)
            except Exception as exc:  # noqa: BLE001 - whatever an attachment holds, it is that attachment's fault
                raise AttachmentFault(placement.reader) from exc
        for prefix, reader in forms.items():
            try:
                adopt_fields(pdf, reader, prefix)
            except Exception as exc:  # noqa: BLE001
                raise AttachmentFault(reader) from exc
        _outline(pdf, outline)
        pdf.Root.PageLabels = Dictionary(Nums=Array([0, Dictionary(S=Name.D)]))
        docinfo = pdf.docinfo
        for key, value in info.items():
            docinfo[Name("/" + key)] = String(value)
        pdf.Root.Lang = String(lang)
        _xmp(pdf, info, lang)
        pdf.Root.PageMode = Name.UseOutlines
        pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        out = io.BytesIO()
        try:
            if password:
                pdf.save(out, min_version="1.7", encryption=pikepdf.Encryption(user=password, owner=password, R=6))
            else:
                pdf.save(out, min_version="1.7", deterministic_id=True)
        except Exception as exc:  # noqa: BLE001 - qpdf met something it cannot write: find whose it is
            culprit = _unwritable(placements, forms)
            if culprit is None:
                raise
            raise AttachmentFault(culprit) from exc
    return out.getvalue()


class AttachmentFault(Exception):
    """An attachment (``reader``, opened by :func:`open_attachment`) that could not be placed or written
    into the pack, whatever the reason: the caller lists it as not merged and assembles the rest."""

    def __init__(self, reader):
        super().__init__("an attachment could not be merged")
        self.reader = reader


def _unwritable(placements: list[Placement], forms: dict[str, Any]):
    """The first attachment whose pages and fields, placed alone on blank pages, qpdf cannot write; None
    when each can be written alone (the fault was not an attachment's)."""
    import pikepdf

    readers = list(dict.fromkeys([p.reader for p in placements] + list(forms.values())))
    for reader in readers:
        try:
            with pikepdf.new() as trial:
                for placement in (p for p in placements if p.reader is reader):
                    trial.add_blank_page(page_size=(595, 842))
                    _place(trial, trial.pages[-1].obj, reader, placement.index, placement.crop, placement.box)
                for prefix, form in forms.items():
                    if form is reader:
                        adopt_fields(trial, reader, prefix)
                trial.save(io.BytesIO())
        except Exception:  # noqa: BLE001
            return reader
    return None


def _xmp(pdf, info: dict[str, str], lang: str) -> None:
    """The document's XMP metadata (every PDF lifkit writes has it), from its document information
    ``info`` (keys without the slash), with the claim of PDF/UA-1: :func:`lifkit.mechanics.xmp.packet`."""
    from pikepdf import Name

    from lifkit.mechanics.xmp import packet

    stream = pdf.make_stream(packet(info, lang))
    stream.Type, stream.Subtype = Name.Metadata, Name.XML
    pdf.Root.Metadata = stream


def _outline(pdf, outline: list[tuple[str, int | None, int]]) -> None:
    """The bookmarks: ``(title, page from 1 or None, level)`` in order, a level under the last entry of
    the level above; top-level entries bold and open, the others closed."""
    from pikepdf import Array, Dictionary, Name, String

    root = pdf.make_indirect(Dictionary(Type=Name.Outlines))
    kids: dict[Any, list] = {root.objgen: []}
    parents: dict[int, Any] = {-1: root}
    for title, page, level in outline:
        if page is None or not 0 < page <= len(pdf.pages) or level - 1 not in parents:
            continue
        for deeper in [n for n in parents if n >= level]:
            del parents[deeper]
        parent = parents[level - 1]
        item = pdf.make_indirect(Dictionary(Title=String(title), Parent=parent,
                                            Dest=Array([pdf.pages[page - 1].obj, Name.Fit])))
        if level == 0:
            item.F = 2  # bold
        kids[parent.objgen].append(item)
        kids[item.objgen] = []
        parents[level] = item
    if not kids[root.objgen]:
        return

    def is_open(node) -> bool:
        return "/F" in node  # the top-level entries

    def visible(node) -> int:
        """The entries shown under ``node`` when it is open, linking its children as it counts them."""
        children = kids[node.objgen]
        for index, child in enumerate(children):
            if index:
                child.Prev = children[index - 1]
            if index + 1 < len(children):
                child.Next = children[index + 1]
        if children:
            node.First, node.Last = children[0], children[-1]
        count = 0
        for child in children:
            below = visible(child)
            if kids[child.objgen]:
                child.Count = below if is_open(child) else -below
            count += 1 + (below if is_open(child) else 0)
        return count

    root.Count = visible(root)
    pdf.Root.Outlines = root


def finish_pack(pdf: bytes, outline: list[tuple[str, int, int]], metadata: dict[str, str],
                password: str | None = None, tags: list | None = None) -> bytes:
    """A laid-out PDF finished as a pack (:func:`assemble` with nothing placed): tagged from ``tags``
    (:func:`tag_structure`), bookmarks ``(title, level, page from 1)``, page labels, ``metadata`` (keys
    with or without the slash), language, opened on its bookmarks, and encrypted with AES-256 when a
    password is given."""
    return assemble(pdf, [], {}, [(title, page, level) for title, level, page in outline],
                    {key.lstrip("/"): value for key, value in metadata.items()}, "en-GB", password, tags=tags)


def _multiply(first: tuple, second: tuple) -> tuple:
    """The matrix that applies ``first`` then ``second`` (PDF order: [a b c d e f])."""
    a1, b1, c1, d1, e1, f1 = first
    a2, b2, c2, d2, e2, f2 = second
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


def _apply(matrix: tuple, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def _fit(crop: tuple, box: tuple) -> tuple:
    """The matrix putting a page (crop box and /Rotate) upright, scaled to fit ``box`` and centred at its top."""
    left, bottom, right, top, rotation = crop
    width, height = right - left, top - bottom
    turn = {0: (1, 0, 0, 1, 0, 0), 90: (0, -1, 1, 0, 0, width), 180: (-1, 0, 0, -1, width, height),
            270: (0, 1, -1, 0, height, 0)}.get(rotation, (1, 0, 0, 1, 0, 0))
    shown_w, shown_h = (height, width) if rotation in (90, 270) else (width, height)
    x0, y0, x1, y1 = box
    scale = min((x1 - x0) / shown_w, (y1 - y0) / shown_h, 1.0)
    tx = x0 + ((x1 - x0) - shown_w * scale) / 2
    ty = y1 - shown_h * scale
    matrix = _multiply((1, 0, 0, 1, -left, -bottom), turn)
    matrix = _multiply(matrix, (scale, 0, 0, scale, tx, ty))
    return matrix, (tx, ty, shown_w * scale, shown_h * scale)


def _number(value: float):
    rounded = round(value, 4)
    return int(rounded) if rounded == int(rounded) else rounded


def _place(pdf, target, reader, index: int, crop: tuple, box: tuple, mcid: int | None = None) -> None:
    """Put page ``index`` of ``reader`` (crop box and rotation ``crop``) on the page ``target`` as a form
    XObject scaled to fit ``box``, with its annotations moved to match."""
    from pikepdf import Array, Dictionary, Name, Stream

    source = reader.pages[index].obj
    matrix, (px, py, pw, ph) = _fit(crop, box)

    joined = _page_content(source)
    contents = source.get("/Contents")
    form = Stream(pdf, b"")
    if joined is not None:
        form.write(joined)
    elif isinstance(contents, Stream):  # one stream: copied as it is, never decoded or parsed
        filters, parms = contents.get("/Filter"), contents.get("/DecodeParms")
        if isinstance(filters, Array):
            filters = Array([Name(str(item)) for item in filters])
        elif filters is not None:
            filters = Name(str(filters))
        form.write(contents.read_raw_bytes(), filter=filters, decode_parms=_copy(pdf, parms) if parms is not None else None)
    left, bottom, right, top, _rotation = crop
    form.Type, form.Subtype = Name.XObject, Name.Form
    form.BBox = Array([_number(left), _number(bottom), _number(right), _number(top)])
    resources = _inherited(source, "/Resources")
    if resources is not None:
        form.Resources = _copy(pdf, resources)
    form = pdf.make_indirect(form)

    page_resources = Dictionary()  # the page's own copy: reportlab may share one dictionary between pages
    for key, value in (target.get("/Resources") or {}).items():
        page_resources[key] = value
    xobjects = Dictionary()
    for key, value in (page_resources.get("/XObject") or {}).items():
        xobjects[key] = value
    xobjects.LkAttached = form
    page_resources.XObject = xobjects
    target.Resources = page_resources
    tag, end = (f"/Div <</MCID {mcid}>> BDC ", " EMC") if mcid is not None else ("", "")  # the page's own part
    ops = (tag + "q {} cm /LkAttached Do Q" + end + "\n/Artifact BMC q 0.6 0.65 0.71 RG 0.5 w {} {} {} {} re S Q EMC\n").format(
        " ".join(f"{v:.5f}".rstrip("0").rstrip(".") for v in matrix),
        *(f"{v:.3f}" for v in (px, py, pw, ph)))
    existing = target.get("/Contents")
    parts = list(existing) if isinstance(existing, Array) else [existing] if existing is not None else []
    target.Contents = Array([pdf.make_stream(b"q\n"), *parts, pdf.make_stream(b"\nQ\n" + ops.encode("ascii"))])

    annotations = []
    for annotation in source.get("/Annots") or []:
        if not isinstance(annotation, Dictionary):
            continue
        subtype = annotation.get("/Subtype")
        action = annotation.get("/A")
        if subtype == Name.Popup or (subtype == Name.Link and ("/Dest" in annotation or (
                action is not None and action.get("/S") != Name.URI))):
            continue  # links into the attached document's own pages lead nowhere in the pack
        clone = _copy(pdf, annotation)
        if not clone.is_indirect:
            clone = pdf.make_indirect(clone)
        if "/Popup" in clone:
            del clone.Popup
        rect = [float(v) for v in (annotation.get("/Rect") or [0, 0, 0, 0])]
        corners = [_apply(matrix, x, y) for x in (rect[0], rect[2]) for y in (rect[1], rect[3])]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        clone.Rect = Array([_number(min(xs)), _number(min(ys)), _number(max(xs)), _number(max(ys))])
        for key in ("/QuadPoints", "/Vertices", "/L"):
            if key in annotation:
                points = [float(v) for v in annotation[key]]
                moved = [c for i in range(0, len(points) - 1, 2) for c in _apply(matrix, points[i], points[i + 1])]
                clone[key] = Array(_number(v) for v in moved)
        clone.P = target
        annotations.append(clone)
    if annotations:
        target.Annots = Array([*(target.get("/Annots") or []), *annotations])


MAX_TEXT_PAGES = 2_000  # a review's report has tens of pages; read no further


def page_texts(path: Path) -> list[str]:
    """The text of each page of the PDF at ``path`` (for searching a report for names), at most
    :data:`MAX_TEXT_PAGES` pages; a page whose text cannot be read gives ""."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        _open(path).close()  # damaged or password-protected: refused as everywhere else
        reader = PdfReader(str(path))
        pages = []
        for page in reader.pages[:MAX_TEXT_PAGES]:
            try:
                pages.append(page.extract_text() or "")
            except (PdfReadError, ValueError, KeyError, TypeError, RecursionError):
                pages.append("")
        return pages
    except PdfReadError as exc:
        raise ValueError(str(exc)) from None
