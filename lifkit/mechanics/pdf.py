"""The one module that drives a PDF library: every PDF read and write in lifkit goes through here.

A change of PDF library is a change of this module only. What lifkit asks of it:

- reading a returned form: each box's name and raw value, and the document information
  (:func:`read_form`); every box with its type, flags, tooltip and states (:func:`read_fields`);
- finishing a form drawn by reportlab: identity metadata, NeedAppearances, language, title display and
  date actions (:func:`finish_form`);
- filling a form as an agency's viewer would (:func:`fill_form`, for ``lifkit demo``);
- merging forms into a pack with their fields renamed under a prefix (:func:`adopt_fields`).

Reading and finishing use pikepdf (qpdf's bindings: it parses in C++, about ten times faster than a
pure-Python parser on a 107-box form); filling and the pack's merging use pypdf (see the README's
dependency table for the measured reasons). The libraries are imported inside each function, so
importing this module costs nothing.
"""

from __future__ import annotations

import io
from typing import Any
from pathlib import Path


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
