"""The one module that drives a PDF library: every PDF read and write in lifkit goes through here.

A change of PDF library is a change of this module only. What lifkit asks of it:

- reading a returned form: each box's name and raw value, and the document information
  (:func:`read_form`); every box with its type, flags, tooltip and states (:func:`read_fields`);
- finishing a form drawn by reportlab: identity metadata, NeedAppearances, language, title display and
  date actions (:func:`finish_form`);
- filling a form as an agency's viewer would (:func:`fill_form`, for ``lifkit demo``);
- the pack: opening the PDFs attached to returns (:func:`open_attachment`), and assembling the laid-out
  pack with their pages and the returned forms placed, fields kept under a prefix each, outline, page
  numbers and AES-256 (:func:`assemble`, :func:`adopt_fields`).

Reading and finishing use pikepdf (qpdf's bindings: it parses in C++, about ten times faster than a
pure-Python parser on a 107-box form); filling and the pack's merging use pypdf (see the README's
dependency table for the measured reasons). The libraries are imported inside each function, so
importing this module costs nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class PasswordProtected(Exception):
    """The PDF cannot be opened without a password."""


# --- reading ----------------------------------------------------------------------------------


def _open(source: Path | bytes):
    """The PDF at a path (or in bytes) opened with pikepdf; :class:`PasswordProtected` when it needs a
    password to open (restrictions set with an owner password alone do not stop reading).

    A file whose cross-reference table is wrong but whose end is there (``%%EOF``) is repaired as it is
    read, as viewers do; a file cut short is not: what was cut off may hold answers, so it is damaged
    (pikepdf's error), never read in part."""
    import pikepdf

    def opened(recover: bool):
        return pikepdf.open(io.BytesIO(source) if isinstance(source, bytes) else str(source),
                            attempt_recovery=recover)

    try:
        try:
            return opened(False)
        except pikepdf.PasswordError:
            raise
        except pikepdf.PdfError:
            if not _has_end(source):
                raise
            return opened(True)
    except pikepdf.PasswordError:
        raise PasswordProtected("PDF" if isinstance(source, bytes) else str(source)) from None


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


def _bounded_stream(stream) -> bytes:
    """A stream's contents, inflated no further than :data:`MAX_VALUE_BYTES`: unfiltered or deflated only
    (the ways a viewer stores a value), never handed whole to the library's decoder."""
    import zlib

    import pikepdf

    filters = stream.get("/Filter")
    filters = list(filters) if isinstance(filters, pikepdf.Array) else [filters] if filters is not None else []
    raw = stream.read_raw_bytes()
    if not filters:
        data = raw
    elif filters == [pikepdf.Name.FlateDecode] and stream.get("/DecodeParms") is None:
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, MAX_VALUE_BYTES + 1)
    else:
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


def finish_form(data: bytes, info: dict[str, str], lang: str, date_fields: set[str]) -> bytes:
    """Add to a form drawn by reportlab what reportlab cannot: document information entries ``info``
    (keys without the slash), ``/NeedAppearances``, the document language, showing the title in the
    viewer's title bar, and Acrobat's date keystroke and format actions on the boxes ``date_fields``
    (Acrobat Reader then checks and shows dd/mm/yyyy as it is typed; viewers without form JavaScript
    ignore them)."""
    from pikepdf import Dictionary, Name, String

    def action(script: str) -> Dictionary:
        return Dictionary(S=Name.JavaScript, JS=String(script))

    with _open(data) as pdf:
        docinfo = pdf.docinfo
        for key, value in info.items():
            docinfo[Name("/" + key)] = String(value)
        pdf.Root.AcroForm.NeedAppearances = True
        pdf.Root.Lang = String(lang)
        pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        for page in pdf.pages:
            for widget in page.obj.get("/Annots", ()):
                if str(widget.get("/T", "")) in date_fields:
                    widget.AA = Dictionary(K=action('AFDate_KeystrokeEx("dd/mm/yyyy");'),
                                           F=action('AFDate_FormatEx("dd/mm/yyyy");'))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def fill_form(source: Path, target: Path, values: dict) -> Path:
    """Fill a form as an agency's PDF viewer would: box name -> text, True/False for tick-boxes.

    Tick-boxes take the "on" state their own widget names; viewers regenerate the appearance of the
    text (NeedAppearances is set on every form lifkit makes).
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=PdfReader(str(source)))
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


def adopt_fields(writer, reader, prefix: str) -> int:
    """Give the form fields of ``reader`` (whose pages' widgets were already cloned into ``writer``) a
    place in ``writer``'s form under the parent field ``prefix``, so they keep working and never collide
    with another merged form's fields of the same name: ``summary`` becomes ``<prefix>.summary``.

    The source form's default resources (the fonts its boxes are drawn with) come along, and viewers
    are asked to redraw boxes whenever the source asked them to. Returns the number of top-level fields
    adopted (0 when the document has no form)."""
    from pypdf.generic import (ArrayObject, BooleanObject, DictionaryObject, NameObject, TextStringObject)

    if "." in prefix:
        raise ValueError("a field name prefix cannot hold a full stop")
    source = reader.trailer["/Root"].get("/AcroForm")
    fields = source.get("/Fields") if source is not None else None
    if not fields:
        return 0
    parent = DictionaryObject({NameObject("/T"): TextStringObject(prefix), NameObject("/Kids"): ArrayObject()})
    parent_ref = writer._add_object(parent)
    for reference in fields:
        field = reference.get_object().clone(writer, ignore_fields=("/P",))  # the clone the widgets already use
        if getattr(field, "indirect_reference", None) is None:
            writer._add_object(field)
        field[NameObject("/Parent")] = parent_ref
        parent["/Kids"].append(field.indirect_reference)
    root = writer._root_object
    if "/AcroForm" not in root:
        root[NameObject("/AcroForm")] = writer._add_object(DictionaryObject({
            NameObject("/Fields"): ArrayObject(), NameObject("/DA"): TextStringObject("/Helv 0 Tf 0 g")}))
    form = root["/AcroForm"]
    form.setdefault(NameObject("/Fields"), ArrayObject()).append(parent_ref)
    resources = source.get("/DR")
    if resources is not None:
        mine = form.setdefault(NameObject("/DR"), DictionaryObject())
        for kind, entries in resources.items():
            target = mine.setdefault(NameObject(kind), DictionaryObject())
            for name, value in (entries.items() if isinstance(entries, DictionaryObject) else ()):
                if name not in target:
                    target[NameObject(name)] = value.clone(writer)
    if source.get("/NeedAppearances"):
        form[NameObject("/NeedAppearances")] = BooleanObject(True)
    return len(parent["/Kids"])


def finish_pack(pdf: bytes, outline: list[tuple[str, int, int]], metadata: dict[str, str],
                password: str | None = None) -> bytes:
    """A laid-out PDF finished as a pack: bookmarks (title, level, page from 1; a level under the last
    entry of the level above), page labels, metadata, opened on its bookmarks, and encrypted with AES-256
    when a password is given."""
    import hashlib
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.pdf_header = b"%PDF-1.7"
    parents: dict[int, Any] = {}
    for title, level, page in outline:
        if level and level - 1 not in parents:
            continue
        for deeper in [n for n in parents if n >= level]:
            del parents[deeper]
        parents[level] = writer.add_outline_item(title=title, page_number=page - 1,
                                                 parent=parents.get(level - 1) if level else None,
                                                 bold=level == 0, is_open=level == 0)
    writer.set_page_label(0, len(writer.pages) - 1, style="/D", start=1)
    writer.add_metadata(metadata)
    root = writer._root_object
    root[NameObject("/Lang")] = TextStringObject("en-GB")
    root[NameObject("/PageMode")] = NameObject("/UseOutlines")
    file_id = ByteStringObject(hashlib.sha256(pdf).digest()[:16])
    writer._ID = ArrayObject([file_id, file_id])
    if password:
        writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def open_attachment(path: Path) -> tuple[Any, list, str]:
    """A reader for a PDF attached to a return, with each page's crop box and rotation ``(left, bottom,
    right, top, rotation)``, or why it cannot be merged: ``(reader, pages, reason)``, ``reason`` "" when it can."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import LimitReachedError
    from pypdf.generic import ArrayObject

    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            return None, [], "password-protected: not merged"
        pages = []
        for page in reader.pages:
            box = page.cropbox
            left, bottom, right, top = (float(box.left), float(box.bottom), float(box.right), float(box.top))
            if right - left < 1 or top - bottom < 1:
                raise ValueError("empty page box")
            contents = _resolved(page, "/Contents")
            if isinstance(contents, ArrayObject):  # _place decodes these: any that cannot be is found now
                for part in contents:
                    part.get_object().get_data()
            pages.append((left, bottom, right, top, int(page.rotation or 0) % 360))
        if not pages:
            return None, [], "has no pages: not merged"
        return reader, pages, ""
    except LimitReachedError:
        return None, [], "too large once decompressed: not merged"
    except Exception:  # noqa: BLE001 - a damaged attachment is listed, never fatal
        return None, [], "damaged or not a PDF: not merged"


# --- assembling a document from a laid-out one and others' pages (the pack) ----------------------


@dataclass(frozen=True)
class Placement:
    """Page ``index`` of ``reader`` (crop box and rotation ``crop``), to be put on page ``page_number``
    (from 1) of the laid-out document, scaled to fit ``box`` (x0, y0, x1, y1)."""

    page_number: int
    reader: Any
    index: int
    crop: tuple
    box: tuple


def assemble(base: bytes, placements: list[Placement], forms: dict[str, Any], outline: list[tuple[str, int | None, int]],
             info: dict[str, str], file_id: bytes, lang: str, password: str | None = None) -> bytes:
    """The document ``base`` (PDF bytes) with other documents' pages placed on its pages, the form
    fields of ``forms`` (prefix -> reader, whose pages were placed) kept under their prefix, an outline
    of ``(title, page from 1 or None, level)`` (an entry without a page, or whose parent level is
    missing, is left out), pages numbered 1, 2, 3..., the document information ``info`` (keys without
    the slash), the language, the title shown, a fixed file identifier (so the same input gives the
    same bytes), and with ``password`` AES-256 encryption."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (ArrayObject, BooleanObject, ByteStringObject, DictionaryObject, NameObject,
                               TextStringObject)

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(base)))
    writer.pdf_header = b"%PDF-1.7"
    for placement in placements:
        _place(writer, writer.pages[placement.page_number - 1], placement.reader, placement.index, placement.crop,
               placement.box)
    for prefix, reader in forms.items():  # the readers stay alive until written: pypdf maps clones by id(reader)
        adopt_fields(writer, reader, prefix)
    parents: dict[int, Any] = {}
    for title, page, level in outline:
        if page is None or (level and level - 1 not in parents):
            continue
        for deeper in [n for n in parents if n >= level]:
            del parents[deeper]
        parent = parents.get(level - 1) if level else None
        parents[level] = writer.add_outline_item(title=title, page_number=page - 1, parent=parent,
                                                 bold=level == 0, is_open=level == 0)
    writer.set_page_label(0, len(writer.pages) - 1, style="/D", start=1)
    writer.add_metadata({f"/{key}": value for key, value in info.items()})
    root = writer._root_object
    root[NameObject("/Lang")] = TextStringObject(lang)
    root[NameObject("/PageMode")] = NameObject("/UseOutlines")
    root[NameObject("/ViewerPreferences")] = DictionaryObject({NameObject("/DisplayDocTitle"): BooleanObject(True)})
    identifier = ByteStringObject(file_id)
    writer._ID = ArrayObject([identifier, identifier])
    if password:
        writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


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
    from pypdf.generic import FloatObject, NumberObject

    rounded = round(value, 4)
    return NumberObject(int(rounded)) if rounded == int(rounded) else FloatObject(rounded)


def _resolved(dictionary, key: str):
    """``dictionary[key]`` with an indirect reference followed (``get`` returns the reference), or None."""
    value = dictionary.get(key)
    return value.get_object() if value is not None else None


def _place(writer, target, reader, index: int, crop: tuple, box: tuple) -> None:
    """Put page ``index`` of ``reader`` (crop box and rotation ``crop``) on the page ``target`` as a form
    XObject scaled to fit ``box``, with its annotations moved to match."""
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, RectangleObject,
                               StreamObject)

    source = reader.pages[index]
    matrix, (px, py, pw, ph) = _fit(crop, box)

    contents = _resolved(source, "/Contents")
    form = StreamObject()
    if contents is None:
        form._data = b""
    elif isinstance(contents, StreamObject) and "/Filter" in contents and not isinstance(contents, DecodedStreamObject):
        form._data = contents._data  # still compressed: copied as it is, never decoded or parsed
        for key in ("/Filter", "/DecodeParms"):
            if key in contents:
                form[NameObject(key)] = contents[key].clone(writer)
    else:
        parts = contents if isinstance(contents, ArrayObject) else [contents]
        form = DecodedStreamObject()
        form.set_data(b"\n".join(part.get_object().get_data() for part in parts))
        form = form.flate_encode()
    left, bottom, right, top, _rotation = crop
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = RectangleObject([_number(left), _number(bottom), _number(right), _number(top)])
    resources = _resolved(source, "/Resources")
    if resources is not None:
        cloned = resources.clone(writer)
        form[NameObject("/Resources")] = getattr(cloned, "indirect_reference", None) or cloned
    form_ref = writer._add_object(form)

    page_resources = DictionaryObject()
    for key, value in (_resolved(target, "/Resources") or {}).items():
        page_resources[NameObject(key)] = value
    xobjects = DictionaryObject()
    for key, value in (_resolved(page_resources, "/XObject") or {}).items():
        xobjects[NameObject(key)] = value
    xobjects[NameObject("/LkAttached")] = form_ref
    page_resources[NameObject("/XObject")] = xobjects
    target[NameObject("/Resources")] = page_resources
    ops = "q {} cm /LkAttached Do Q\nq 0.6 0.65 0.71 RG 0.5 w {} {} {} {} re S Q\n".format(
        " ".join(f"{v:.5f}".rstrip("0").rstrip(".") for v in matrix),
        *(f"{v:.3f}" for v in (px, py, pw, ph)))
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q\n")
    after.set_data(b"\nQ\n" + ops.encode("ascii"))
    existing = _resolved(target, "/Contents")
    parts = list(existing) if isinstance(existing, ArrayObject) else [target.raw_get("/Contents")]
    target[NameObject("/Contents")] = ArrayObject([writer._add_object(before), *parts, writer._add_object(after)])

    annotations = []
    for reference in _resolved(source, "/Annots") or []:
        annotation = reference.get_object()
        subtype = annotation.get("/Subtype")
        action = _resolved(annotation, "/A")
        if subtype == "/Popup" or (subtype == "/Link" and ("/Dest" in annotation or (
                action is not None and action.get("/S") != "/URI"))):
            continue  # links into the attached document's own pages lead nowhere in the pack
        clone = annotation.clone(writer, ignore_fields=("/P", "/Popup"))
        if getattr(clone, "indirect_reference", None) is None:
            writer._add_object(clone)
        rect = [float(v) for v in (_resolved(annotation, "/Rect") or [0, 0, 0, 0])]
        corners = [_apply(matrix, x, y) for x in (rect[0], rect[2]) for y in (rect[1], rect[3])]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        clone[NameObject("/Rect")] = RectangleObject([_number(min(xs)), _number(min(ys)), _number(max(xs)),
                                                      _number(max(ys))])
        for key in ("/QuadPoints", "/Vertices", "/L"):
            if key in annotation:
                points = [float(v) for v in annotation[key]]
                moved = [c for i in range(0, len(points) - 1, 2) for c in _apply(matrix, points[i], points[i + 1])]
                clone[NameObject(key)] = ArrayObject(_number(v) for v in moved)
        clone[NameObject("/P")] = target.indirect_reference
        annotations.append(clone.indirect_reference)
    if annotations:
        existing = _resolved(target, "/Annots")
        target[NameObject("/Annots")] = ArrayObject([*(existing or []), *annotations])
