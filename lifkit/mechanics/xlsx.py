"""Excel workbooks (.xlsx) read and edited in place, knowing nothing of what the sheets hold.

A workbook is a zip of XML parts. :class:`Book` reads the parts it needs straight from the zip
(the relationships, the workbook, the shared strings and styles); a worksheet is a
:class:`lifkit.mechanics.xlsx_sheet.Sheet`, which finds the rows in the sheet's bytes and reads them with
one regular expression, several times faster than building an XML tree (and than openpyxl). Editing is
*surgical*: only the rows that change are parsed, rewritten and spliced into the old bytes (new rows
take the formatting of the row above, cell by cell); the sheet's ``<dimension>``, auto-filter, hidden
filter name and tables grow with added rows; and :meth:`Book.chunks` writes the new archive
(:mod:`lifkit.mechanics.zipcopy`) with every other part -- charts, pivot tables, drop-down lists,
conditional formats, images, comments -- copied byte for byte, compressed data and all. Text is written
as inline strings, so a value beginning with ``=`` is text, never a formula.

What a sheet's rows *mean* (its columns, which row is the header, the rules for changing it) belongs to
the caller: :mod:`lifkit.register.workbook` for the register; so do locking, backups and the atomic
replace. :func:`set_text` and :func:`append_row` give workbooks written with openpyxl (``lifkit
report``) the same rule: text is text, never a formula.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from lifkit.errors import InputError
from lifkit.mechanics.zipcopy import Zip

if TYPE_CHECKING:
    from lifkit.mechanics.xlsx_sheet import Sheet

DATE_FORMAT = "dd/mm/yyyy"  # the number format of a date style lifkit adds to a workbook
EXCEL_CELL_LIMIT = 32767  # characters in one cell


@dataclass(frozen=True)
class Hints:
    """What an error about a workbook tells the person to do: where earlier copies are kept, how the
    workbook is chosen, and what the sheets lifkit expects hold."""

    backups: Path | None = None  # the folder of earlier copies, when the caller keeps them
    setting: str = ""  # how lifkit is pointed at the workbook, e.g. "[register] path in lifkit.toml"
    name: str = "workbook"  # what the workbook is, e.g. "register workbook"
    sheets: str = ""  # a sentence on the sheets lifkit needs, ending with a space

    def restore(self, capital: bool = False) -> str:
        text = f"restore the last good copy from {self.backups}" if self.backups else "restore a good copy"
        return text[0].upper() + text[1:] if capital else text

    def point_at(self, what: str = "", capital: bool = False) -> str:
        target = what or f"the {self.name}"
        text = f"point {self.setting} at {target}" if self.setting else f"use {target} instead"
        return text[0].upper() + text[1:] if capital else text


# --- text in openpyxl workbooks ------------------------------------------------------------------


def set_text(cell, text: str) -> None:
    """Put ``text`` into an openpyxl cell as text, never as a formula (``=HYPERLINK(...)`` typed into a
    returned form stays those characters), with characters XML cannot hold escaped as Excel escapes
    them (``_x0007_``) instead of refused."""
    cell.value = escape(str(text))
    cell.data_type = "s"


def append_row(sheet, values: Iterable[Any]) -> None:
    """``sheet.append(values)`` for an openpyxl worksheet, with every text value put in by :func:`set_text`."""
    values = list(values)
    sheet.append([None if isinstance(v, str) else v for v in values])
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            set_text(sheet.cell(row=row, column=column), value)


# --- small helpers -------------------------------------------------------------------------------


NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
MAIN = "{" + NS_MAIN + "}"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BUILTIN_DATE_FORMATS = frozenset((14, 15, 16, 17, 22, *range(27, 37), *range(50, 59)))
_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NEEDS_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_COL_CACHE: dict[str, int] = {}


def col_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def col_index(letters: str) -> int:
    index = _COL_CACHE.get(letters)
    if index is None:
        index = 0
        for ch in letters.upper():
            index = index * 26 + ord(ch) - 64
        _COL_CACHE[letters] = index
    return index


def unescape(text: str) -> str:
    """OOXML's escapes for characters XML cannot hold: ``_x000D_`` is a carriage return."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def escape(text: str) -> str:
    return _NEEDS_ESCAPE.sub(lambda m: "_x005F_" if m.group(0) == "_" else f"_x{ord(m.group(0)):04X}_", text)


def is_date_code(code: str) -> bool:
    """Whether a number format code shows a date (not only a time)."""
    code = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)  # literal text, escapes, spacing and fill characters
    code = re.sub(r"\[([hms]+)\]", r"\1", code, flags=re.I)  # elapsed time: [h]:mm
    code = re.sub(r"\[[^\]]*\]", "", code).lower().split(";")[0]  # colours, conditions, locales
    if code.strip() in ("", "general", "@"):
        return False
    if "d" in code or "y" in code:
        return True
    return "m" in code and "h" not in code and "s" not in code


def serial(value: dt.date, date1904: bool) -> str:
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime.combine(epoch, dt.time())
        serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
        return repr(round(serial, 10))
    return str((value - epoch).days)


def from_serial(number: float, date1904: bool) -> dt.date:
    if date1904:
        epoch = _EPOCH_1904
    else:
        epoch = _EPOCH_1900 if number >= 61 else dt.date(1899, 12, 31)  # Excel's 29 February 1900
    days = int(number)
    fraction = number - days
    if fraction:
        return dt.datetime.combine(epoch, dt.time()) + dt.timedelta(days=days, seconds=round(fraction * 86400))
    return epoch + dt.timedelta(days=days)


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        number = float(text)
        return int(number) if number.is_integer() and "e" not in text.lower() and abs(number) < 1e15 else number


def parse_xml(data: bytes, path: Path, part: str, hints: "Hints | None" = None):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, collect_ids=False,
                             huge_tree=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{path} is damaged: its part {part} is not well-formed XML ({exc}).",
                         f"Open it in Excel to repair it, or {(hints or Hints()).restore()}.") from None


def declaration(data: bytes) -> bytes:
    """The XML declaration (and anything else) before a part's root element, kept as it was."""
    match = re.match(rb"\s*(<\?xml[^>]*\?>\s*)?", data)
    return data[:match.end()] if match else b""


def _rich_text(element) -> str:
    """The text of a shared string or inline string: plain, or rich-text runs; phonetic guides left out."""
    parts = []
    for child in element:
        tag = child.tag
        if tag == MAIN + "t":
            parts.append(child.text or "")
        elif tag == MAIN + "r":
            for t in child.iterchildren(MAIN + "t"):
                parts.append(t.text or "")
    return unescape("".join(parts))


# --- the workbook --------------------------------------------------------------------------------


@dataclass
class SheetRef:
    name: str
    index: int  # position in the workbook, as _xlnm._FilterDatabase's localSheetId counts
    sheet_id: str
    part: str
    kind: str  # worksheet, chartsheet, dialogsheet...


def rels_part(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _resolve(base_part: str, target: str) -> str:
    import posixpath

    if target.startswith("/"):
        return target.lstrip("/")
    folder = base_part.rpartition("/")[0]
    return posixpath.normpath(posixpath.join(folder, target)).lstrip("./") if folder else posixpath.normpath(target)


class Book:
    """The workbook as a zip of XML parts: what lifkit reads, and the parts an edit changes."""

    def __init__(self, path: Path, data: bytes, hints: "Hints | None" = None):
        self.path = path
        self.hints = hints = hints or Hints()
        self._classify(data)
        self.zip = Zip(path, data, hints.restore())
        self.changed: dict[str, bytes | None] = {}
        self._sheets: dict[str, "Sheet"] = {}
        self._shared: list[str] | None = None
        self._styles: Styles | None = None
        self.drop_calc_chain = False
        root_rels = self.rels("")
        office = [target for kind, target in root_rels.values() if kind.endswith("/officeDocument") and target]
        if not office:
            if self.zip.has("mimetype") and self.zip.read("mimetype").startswith(b"application/vnd.oasis"):
                raise InputError(f"{path} is an OpenDocument spreadsheet, not an Excel workbook.",
                                 f"Save it as an Excel 2007-365 workbook (.xlsx) and {hints.point_at('it')}.")
            raise InputError(f"{path} is not an Excel workbook (.xlsx).",
                             f"{hints.point_at(capital=True)}.")
        self.workbook_part = office[0]
        if self.workbook_part.lower().endswith(".bin"):
            raise InputError(f"{path} is an Excel Binary Workbook (.xlsb), which lifkit cannot edit safely.",
                             f"Save it in Excel as an Excel Workbook (.xlsx), then {hints.point_at('it')}.")
        self.workbook_xml = self.zip.read(self.workbook_part)
        root = parse_xml(self.workbook_xml, path, self.workbook_part, hints)
        namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
        if namespace == NS_STRICT or any(kind.startswith("http://purl.oclc.org/") for kind, _ in root_rels.values()):
            raise InputError(f"{path} is saved as a Strict Open XML Spreadsheet, which lifkit cannot edit safely.",
                             "Open it in Excel and save it with File > Save As > Excel Workbook (*.xlsx).")
        if namespace != NS_MAIN:
            raise InputError(f"{path} is not an Excel workbook lifkit knows (its workbook part is {namespace!r}).",
                             "Save it in Excel as an Excel Workbook (*.xlsx).")
        properties = root.find(MAIN + "workbookPr")
        self.date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        rels = self.rels(self.workbook_part)
        self.sheet_refs: list[SheetRef] = []
        for index, sheet in enumerate(root.iterfind(f"{MAIN}sheets/{MAIN}sheet")):
            kind, target = rels.get(sheet.get(f"{{{NS_R}}}id"), ("", None))
            self.sheet_refs.append(SheetRef(sheet.get("name", ""), index, sheet.get("sheetId", ""), target or "",
                                             kind.rpartition("/")[2]))
        self.styles_part = next((t for k, t in rels.values() if k.endswith("/styles") and t), None)
        self.shared_part = next((t for k, t in rels.values() if k.endswith("/sharedStrings") and t), None)
        self.calc_chain_part = next((t for k, t in rels.values() if k.endswith("/calcChain") and t), None)

    def _classify(self, data: bytes) -> None:
        path = self.path
        if data.startswith(_CFB_MAGIC):
            if "EncryptionInfo".encode("utf-16-le") in data[:1 << 20] or b"E\x00n\x00c\x00r\x00y\x00p\x00t" in data:
                raise InputError(f"{path} is protected with a password (encrypted), so lifkit cannot read or "
                                 "update it.", "In Excel: File > Info > Protect Workbook > Encrypt with Password, "
                                 "clear the password and save. Keep the workspace folder itself protected instead.")
            raise InputError(f"{path} is an Excel 97-2003 workbook (.xls), which lifkit cannot edit safely.",
                             f"Open it in Excel, save it as an Excel Workbook (.xlsx), and "
                             f"{self.hints.point_at('the new file')}.")
        if not data.startswith(b"PK"):
            raise InputError(f"{path} is not an Excel workbook (.xlsx).",
                             f"{self.hints.point_at(capital=True)}, or {self.hints.restore()}.")

    def rels(self, part: str) -> dict[str, tuple[str, str | None]]:
        part_name = rels_part(part) if part else "_rels/.rels"
        if not self.zip.has(part_name):
            return {}
        root = parse_xml(self.zip.read(part_name), self.path, part_name, self.hints)
        rels = {}
        for rel in root:
            if not isinstance(rel.tag, str):
                continue
            target = rel.get("Target", "")
            external = rel.get("TargetMode") == "External"
            rels[rel.get("Id")] = (rel.get("Type", ""), None if external else _resolve(part, target))
        return rels

    def sheet(self, name: str) -> SheetRef:
        for ref in self.sheet_refs:
            if ref.name == name:
                break
        else:
            ref = next((r for r in self.sheet_refs if r.name.casefold() == name.casefold()), None)
        if ref is None:
            names = ", ".join(repr(r.name) for r in self.sheet_refs) or "none"
            raise InputError(f"{self.path} has no sheet named {name!r} (its sheets: {names}).",
                             f"{self.hints.sheets}Rename the sheet back in Excel, or {self.hints.restore()}.")
        if ref.kind != "worksheet" or not ref.part or not self.zip.has(ref.part):
            raise InputError(f"{self.path}: the sheet {ref.name!r} is not an ordinary worksheet ({ref.kind or 'missing'}).",
                             f"Put the {ref.name} sheet back: {self.hints.restore()}.")
        return ref

    @property
    def shared(self) -> list[str]:
        """The shared strings table (Excel and LibreOffice keep each distinct text once, cells point to it)."""
        if self._shared is None:
            self._shared = []
            if self.shared_part and self.zip.has(self.shared_part):
                self._shared = self._read_shared(self.zip.read(self.shared_part))
        return self._shared

    def _read_shared(self, data: bytes) -> list[str]:
        root_tag = re.search(rb"<((?:[A-Za-z_][\w.-]*:)?)sst\b", data)
        if root_tag and data.find(b"<!", root_tag.end()) < 0:
            p = re.escape(root_tag.group(1))
            pattern = re.compile(b"<" + p + rb"si>(?:<" + p + rb"t(?:\s[^>]*)?>([^<]*)</" + p + rb"t>|(.*?))</"
                                 + p + b"si>", re.S)
            found = pattern.findall(data)
            if len(found) == data.count(b"<" + root_tag.group(1) + b"si"):
                return [unescape(xml_text(plain)) if plain or not other
                        else unescape(inline_text(other, root_tag.group(1))) for plain, other in found]
        root = parse_xml(data, self.path, self.shared_part, self.hints)
        return [_rich_text(si) for si in root.iterchildren(MAIN + "si")]

    @property
    def styles(self) -> "Styles":
        if self._styles is None:
            data = self.zip.read(self.styles_part) if self.styles_part and self.zip.has(self.styles_part) else None
            self._styles = Styles(self, data)
        return self._styles

    def edit_sheet(self, name: str, make: "Callable[[Book, SheetRef, bytes], Sheet] | None" = None) -> "Sheet":
        """The sheet ``name`` for editing (one per sheet per save): a :class:`Sheet`, or what ``make``
        (book, sheet ref, the sheet's XML) builds, such as a subclass that knows the sheet's columns."""
        if name not in self._sheets:
            ref = self.sheet(name)
            if make is None:
                from lifkit.mechanics.xlsx_sheet import Sheet as make
            self._sheets[name] = make(self, ref, self.zip.read(ref.part))
        return self._sheets[name]

    def set_part(self, part: str, data: bytes | None) -> None:
        self.changed[part] = data

    def read_part(self, part: str) -> bytes:
        if part in self.changed:
            return self.changed[part]  # type: ignore[return-value]
        return self.zip.read(part)

    def finish(self) -> dict[str, bytes | None]:
        """Gather every changed part (sheets, tables, workbook, styles) into ``self.changed``."""
        for sheet in self._sheets.values():
            sheet.finish()
        if self._styles is not None and self._styles.dirty:
            self.set_part(self.styles_part, self._styles.serialize())
        if self.drop_calc_chain and self.calc_chain_part and self.zip.has(self.calc_chain_part):
            self._drop_calc_chain()
        if any(part != self.workbook_part for part in self.changed):
            self._recalculate_on_open()
        return self.changed

    # The children of <workbook> that come before <calcPr>, in the schema's order.
    _BEFORE_CALC = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                    "functionGroups", "externalReferences", "definedNames")

    def _recalculate_on_open(self) -> None:
        """Ask Excel and LibreOffice to recalculate every formula when the workbook is next opened: a hand
        formula such as =COUNTA(Register!A:A) then counts the rows lifkit added, never a stale cached value."""
        from lxml import etree

        data = self.read_part(self.workbook_part)
        root = parse_xml(data, self.path, self.workbook_part, self.hints)
        calc = root.find(MAIN + "calcPr")
        if calc is None:
            calc = etree.Element(MAIN + "calcPr")
            before = [child for child in root if isinstance(child.tag, str)
                      and child.tag.rpartition("}")[2] in self._BEFORE_CALC]
            if before:
                before[-1].addnext(calc)
            else:
                root.insert(0, calc)
        if calc.get("fullCalcOnLoad") == "1":
            return
        calc.set("fullCalcOnLoad", "1")
        self.set_part(self.workbook_part, declaration(data) + etree.tostring(root, encoding="UTF-8"))

    def _drop_calc_chain(self) -> None:
        """Excel's calculation chain lists the cells holding formulas; a formula lifkit overwrote would
        leave a stale entry that Excel "repairs" with a warning. Without the part Excel rebuilds it."""
        from lxml import etree

        part = self.calc_chain_part
        self.set_part(part, None)
        for container, match in (("[Content_Types].xml", lambda el: el.get("PartName", "").lstrip("/") == part),
                                 (rels_part(self.workbook_part),
                                  lambda el: el.get("Type", "").endswith("/calcChain"))):
            data = self.read_part(container)
            root = parse_xml(data, self.path, container, self.hints)
            for element in [el for el in root if isinstance(el.tag, str) and match(el)]:
                root.remove(element)
            self.set_part(container, declaration(data) + etree.tostring(root, encoding="UTF-8"))

    def chunks(self, parts: dict[str, bytes | None]) -> Iterable[bytes]:
        return self.zip.chunks(parts)


class Styles:
    """The number formats of the workbook's cell styles: which are dates, and making a date style."""

    def __init__(self, book: Book, data: bytes | None):
        self.book = book
        self.data = data
        self.dirty = False
        self.root = parse_xml(data, book.path, book.styles_part, book.hints) if data else None
        self.formats: dict[int, str] = {}
        self.xfs: list = []
        if self.root is not None:
            for fmt in self.root.iterfind(f"{MAIN}numFmts/{MAIN}numFmt"):
                try:
                    self.formats[int(fmt.get("numFmtId"))] = fmt.get("formatCode", "")
                except (TypeError, ValueError):
                    pass
            cell_xfs = self.root.find(MAIN + "cellXfs")
            self.xfs = list(cell_xfs.iterchildren(MAIN + "xf")) if cell_xfs is not None else []
        self.date_styles = frozenset(i for i, xf in enumerate(self.xfs) if self._is_date_fmt(xf.get("numFmtId")))

    def _is_date_fmt(self, fmt_id) -> bool:
        try:
            number = int(fmt_id)
        except (TypeError, ValueError):
            return False
        if number in self.formats:
            return is_date_code(self.formats[number])
        return number in _BUILTIN_DATE_FORMATS

    def is_date(self, style: str | int | None) -> bool:
        try:
            return int(style) in self.date_styles  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    def _look(self, index: int):
        """Everything about a style except its number format."""
        from lxml import etree

        if index >= len(self.xfs):
            return None
        xf = self.xfs[index]
        attrs = tuple(sorted((k, v) for k, v in xf.attrib.items() if k not in ("numFmtId", "applyNumberFormat")))
        return attrs, tuple(etree.tostring(child) for child in xf)

    def date_style_for(self, base: str | None, column_style: str | None) -> str:
        """A date style that looks like ``base`` (the cell's own style), else like the column's dates."""
        base_index = int(base) if base and base.isdigit() else 0
        if base and self.is_date(base):
            return base
        if column_style is not None and (base_index == 0 or self._look(base_index) == self._look(int(column_style))):
            return column_style
        if self.root is None:
            raise InputError(f"{self.book.path} has no styles part, so lifkit cannot format a date in it.",
                             "Open it in Excel and save it again.")
        look = self._look(base_index)
        date_fmt = self.xfs[int(column_style)].get("numFmtId") if column_style is not None else None
        for index in sorted(self.date_styles):
            if self._look(index) == look and (date_fmt is None or self.xfs[index].get("numFmtId") == date_fmt):
                return str(index)
        for index in sorted(self.date_styles):
            if self._look(index) == look:
                return str(index)
        return self._add_date_style(base_index, date_fmt)

    def _add_date_style(self, base_index: int, date_fmt: str | None) -> str:
        """A new cell style: ``base_index``'s look with a dd/mm/yyyy (or the column's) date format."""
        import copy

        from lxml import etree

        if date_fmt is None:
            date_fmt = next((str(i) for i, code in self.formats.items() if code.lower() == DATE_FORMAT), None)
        if date_fmt is None:
            number = max([163, *self.formats]) + 1
            formats = self.root.find(MAIN + "numFmts")
            if formats is None:
                formats = etree.Element(MAIN + "numFmts")
                self.root.insert(0, formats)
            etree.SubElement(formats, MAIN + "numFmt", numFmtId=str(number), formatCode=DATE_FORMAT)
            formats.set("count", str(len(formats)))
            self.formats[number] = DATE_FORMAT
            date_fmt = str(number)
        cell_xfs = self.root.find(MAIN + "cellXfs")
        if cell_xfs is None:
            raise InputError(f"{self.book.path} has no cell styles, so lifkit cannot format a date in it.",
                             "Open it in Excel and save it again.")
        xf = copy.deepcopy(self.xfs[base_index]) if base_index < len(self.xfs) else etree.Element(MAIN + "xf")
        xf.set("numFmtId", date_fmt)
        xf.set("applyNumberFormat", "1")
        cell_xfs.append(xf)
        cell_xfs.set("count", str(len(cell_xfs)))
        self.xfs.append(xf)
        self.date_styles = self.date_styles | {len(self.xfs) - 1}
        self.dirty = True
        return str(len(self.xfs) - 1)

    def serialize(self) -> bytes:
        from lxml import etree

        return declaration(self.data or b"") + etree.tostring(self.root, encoding="UTF-8")


class CellReader:
    """Turns cells into Python values: ``<c>`` elements, or the pieces the fast row reader cuts out."""

    def __init__(self, book: Book):
        self.book = book
        self.date_styles = book.styles.date_styles
        self.date1904 = book.date1904

    def value(self, cell) -> Any:
        kind = cell.get("t")
        if kind == "inlineStr":
            for child in cell:
                if child.tag == MAIN + "is":
                    return _rich_text(child)
            return None
        text = None
        for child in cell:
            if child.tag == MAIN + "v":
                text = child.text
                break
        return self.convert(kind, text, cell.get("s"))

    def convert(self, kind: str | None, text: str | None, style: str | None) -> Any:
        """The value of a cell of type ``kind`` whose ``<v>`` holds ``text`` (XML entities resolved)."""
        if text is None or text == "":
            return None
        if kind is None or kind == "n" or kind == "":
            try:
                number = _number(text)
            except ValueError:
                return text
            if style and style.isdigit() and int(style) in self.date_styles:
                try:
                    return from_serial(number, self.date1904)
                except (OverflowError, ValueError):
                    return number
            return number
        if kind == "s":
            try:
                return self.book.shared[int(text)]
            except (ValueError, IndexError):
                return None
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            try:
                parsed = dt.datetime.fromisoformat(text.strip().rstrip("Z"))
            except ValueError:
                return text
            return parsed.date() if parsed.time() == dt.time() else parsed
        return unescape(text) if kind == "str" else text  # "str" (a formula's text), "e" (an error)


_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def xml_text(raw: bytes) -> str:
    """Character data cut from XML bytes, as an XML parser would give it."""
    text = raw.decode("utf-8")
    if "\r" in text:  # XML's end-of-line handling
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(lambda m: _ENTITIES.get(m.group(1)) or chr(int(m.group(1)[2:], 16) if m.group(1)[1] == "x"
                                                                          else int(m.group(1)[1:])), text)
    return text


def inline_text(inner: bytes, prefix: bytes) -> str:
    """The text of an inline string's runs, phonetic guides left out."""
    p = re.escape(prefix)
    inner = re.sub(b"<" + p + rb"rPh\b.*?</" + p + b"rPh>", b"", inner, flags=re.S)
    return "".join(xml_text(t) for t in re.findall(b"<" + p + rb"t(?:\s[^>]*)?>([^<]*)</" + p + b"t>", inner))
