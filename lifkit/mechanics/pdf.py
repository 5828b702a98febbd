"""The one module that drives a PDF library: every PDF read and write in lifkit goes through here.

A change of PDF library is a change of this module only. What lifkit asks of it:

- reading a returned form: each box's name and raw value, and the document information
  (:func:`read_form`), every box with its type, flags, tooltip and states (:func:`read_fields`);
- finishing a form drawn by reportlab: identity metadata, NeedAppearances, language, title display and
  date actions (:func:`finish_form`);
- filling a form as an agency's viewer would (:func:`fill_form`, for ``lifkit demo``);
- merging forms into a pack with their fields renamed under a prefix (:func:`adopt_fields`).

The library is imported inside each function, so importing this module costs nothing.
"""

from __future__ import annotations

import io
from pathlib import Path


class PasswordProtected(Exception):
    """The PDF cannot be opened without a password."""


# --- reading ----------------------------------------------------------------------------------


def _open(path: Path):
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(str(path), strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise PasswordProtected(str(path))
    return reader


def read_form(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """A PDF's boxes (full name -> raw value as text, "" when empty) and its document information.

    A tick-box's value is the state name the viewer wrote (``/Yes``, ``/On``, ``/1`` or ``/Off``), not a
    guess; a list of values (a multiple choice) is joined with ", ". Fields that only group others are
    left out. Raises :class:`PasswordProtected`, or the library's own errors for a damaged file.
    """
    reader = _open(path)
    info = {str(key).lstrip("/"): str(value) for key, value in (reader.metadata or {}).items()}
    fields = {}
    for name, data in (reader.get_fields() or {}).items():
        if data.get("/FT") is None:  # a parent that only groups other fields
            continue
        value = data.get("/V")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        fields[str(name)] = "" if value is None else str(value)
    return fields, info


def read_fields(path: Path) -> dict[str, dict]:
    """Every form field of a PDF with its type, value, flags, tooltip and (tick-boxes) states; for tests
    and diagnostics. Tick-box states are read from the widget's own appearance states."""
    reader = _open(path)
    fields = {}
    for name, data in (reader.get_fields() or {}).items():
        entry = {"type": data.get("/FT"), "value": data.get("/V"), "flags": int(data.get("/Ff", 0)),
                 "tooltip": data.get("/TU")}
        if data.get("/_States_"):
            entry["states"] = [str(s) for s in data["/_States_"]]
        if data.get("/Opt") is not None:
            entry["options"] = [str(o[0] if isinstance(o, list) else o) for o in data["/Opt"]]
        fields[name] = entry
    return fields


def page_count(data: bytes) -> int:
    """The number of pages of the PDF in ``data``."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


# --- writing forms ----------------------------------------------------------------------------


def finish_form(data: bytes, info: dict[str, str], lang: str, date_fields: set[str]) -> bytes:
    """Add to a form drawn by reportlab what reportlab cannot: document information entries ``info``
    (keys without the slash), ``/NeedAppearances``, the document language, showing the title in the
    viewer's title bar, and Acrobat's date keystroke and format actions on the boxes ``date_fields``."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.add_metadata({f"/{key}": value for key, value in info.items()})
    root = writer._root_object
    root[NameObject("/AcroForm")][NameObject("/NeedAppearances")] = BooleanObject(True)
    root[NameObject("/Lang")] = TextStringObject(lang)
    root[NameObject("/ViewerPreferences")] = DictionaryObject({NameObject("/DisplayDocTitle"): BooleanObject(True)})
    _date_actions(writer, date_fields)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _date_actions(writer, dates: set[str]) -> None:
    """Acrobat's own date keystroke and format actions on every date box, so Acrobat Reader checks and
    shows dd/mm/yyyy as it is typed. Viewers without form JavaScript ignore them."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def action(script: str) -> DictionaryObject:
        return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(script)})

    for page in writer.pages:
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            if str(widget.get("/T", "")) in dates:
                widget[NameObject("/AA")] = DictionaryObject({
                    NameObject("/K"): action('AFDate_KeystrokeEx("dd/mm/yyyy");'),
                    NameObject("/F"): action('AFDate_FormatEx("dd/mm/yyyy");'),
                })


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
