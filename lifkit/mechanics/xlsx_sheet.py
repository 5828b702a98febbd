"""One worksheet of an Excel workbook, read fast and edited by splicing bytes (see :mod:`lifkit.mechanics.xlsx`).

:class:`Sheet` knows rows and cells, not what they mean: a caller that has a header row (the register)
subclasses it and says where the header is (:attr:`Sheet.header_row`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from lifkit.errors import InputError
from lifkit.mechanics.xlsx import (CELL_REF, MAIN, XML_SPACE, Book, CellReader, SheetRef, col_index, col_letter,
                                   declaration, escape, inline_text, parse_xml, serial, unescape, xml_text)

_SHEETDATA_RE = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
_START_TAG_RE = re.compile(rb"<([A-Za-z_][\w.:-]*)\b[^>]*>")
_RANGE_RE = re.compile(r"^(\$?[A-Za-z]{1,3}\$?\d+):(\$?[A-Za-z]{1,3}\$?)(\d+)$")


class Sheet:
    """One worksheet part, edited by splicing new bytes into the old: only changed rows are rewritten."""

    def __init__(self, book: Book, ref: SheetRef, data: bytes):
        self.book = book
        self.ref = ref
        self.path = book.path
        self.data = data
        self.pending: dict[int, _PendingRow] = {}
        self.new_rows: list[int] = []
        self._last_original: int | None = None
        self.max_col = 0
        self._locate()
        if self._irregular():
            self.data = self._regularise()
            self._locate()
        self._index_rows()
        self._col_styles: list[tuple[int, int, str]] | None = None
        self._date_styles_by_col: dict[int, str | None] = {}

    # locating things in the bytes

    def _locate(self) -> None:
        data = self.data
        pos = 0
        while True:
            pos = data.find(b"<", pos)
            if pos < 0:
                raise self._damaged()
            if data[pos + 1:pos + 2] in (b"?", b"!"):
                end = data.find(b"-->", pos) + 3 if data.startswith(b"<!--", pos) else data.find(b">", pos) + 1
                if end <= 0:
                    raise self._damaged()
                pos = end
                continue
            break
        root = _START_TAG_RE.match(data, pos)
        match = _SHEETDATA_RE.search(data, pos)
        if root is None or match is None:
            raise self._damaged()
        self.root_start = root.group(0)
        self.root_name = root.group(1)
        self.prefix = match.group(1)
        self.sheetdata_tag = match.group(0)
        if match.group(2):  # <sheetData/>: no rows at all, so no header row (refused when it is looked for)
            self.sheetdata_tag = self.sheetdata_tag[:-2].rstrip() + b">"
            self.body_start = self.body_end = match.end()
        else:
            self.body_start = match.end()
            self.body_end = data.rfind(b"</" + self.prefix + b"sheetData>", self.body_start)
            if self.body_end < 0:
                raise self._damaged()

    def _damaged(self) -> InputError:
        return InputError(f"{self.path} is damaged: the {self.ref.name} sheet's XML ({self.ref.part}) is not "
                          "what Excel writes.", f"Open it in Excel to repair it, or {self.book.hints.restore()}.")

    def _irregular(self) -> bool:
        """Whether the rows need rewriting before byte-level edits are safe: comments or CDATA among the
        rows, or rows and cells whose ``r`` is missing or not their first attribute."""
        data, start, end, p = self.data, self.body_start, self.body_end, self.prefix
        if data.find(b"<!", start, end) >= 0 or data.find(b"<?", start, end) >= 0:
            return True
        if data.count(b"<" + p + b"row", start, end) != data.count(b"<" + p + b'row r="', start, end):
            return True
        cells = data.count(b"<" + p + b'c r="', start, end)
        if data.count(b"<" + p + b"c", start, end) != cells:  # <color>, <charset>... in rich text, or cells
            opened = len(re.findall(b"<" + re.escape(p) + rb"c[\s>/]", data[start:end]))
            return opened != cells
        return False

    def _regularise(self) -> bytes:
        """Rewrite the sheet with ``r`` first on every row and cell, and no comments among the rows."""
        from lxml import etree

        root = parse_xml(self.data, self.path, self.ref.part, self.book.hints)
        sheet_data = root.find(MAIN + "sheetData")
        if sheet_data is None:
            raise self._damaged()
        for node in list(sheet_data.iter(etree.Comment, etree.ProcessingInstruction)):
            parent = node.getparent()
            if node.tail:
                previous = node.getprevious()
                if previous is not None:
                    previous.tail = (previous.tail or "") + node.tail
                else:
                    parent.text = (parent.text or "") + node.tail
            parent.remove(node)
        rownum = 0
        for row in sheet_data.iterchildren(MAIN + "row"):
            rownum = int(row.get("r") or rownum + 1)
            _r_first(row, str(rownum))
            col = 0
            for cell in row.iterchildren(MAIN + "c"):
                ref = cell.get("r")
                col = col_index(ref.rstrip("0123456789")) if ref else col + 1
                _r_first(cell, f"{col_letter(col)}{rownum}")
        return declaration(self.data) + etree.tostring(root, encoding="UTF-8")

    def _index_rows(self) -> None:
        pattern = re.compile(b"<" + re.escape(self.prefix) + rb'row r="(\d+)"')
        self.row_nums: list[int] = []
        self.row_starts: list[int] = []
        previous = 0
        for match in pattern.finditer(self.data, self.body_start, self.body_end):
            number = int(match.group(1))
            if number <= previous:
                raise InputError(f"{self.path}: the {self.ref.name} sheet's rows are out of order (row {number} "
                                 f"comes after row {previous}).", "Open the workbook in Excel and save it again.")
            self.row_nums.append(number)
            self.row_starts.append(match.start())
            previous = number
        self.row_pos = {n: i for i, n in enumerate(self.row_nums)}
        self.original_last = self.row_nums[-1] if self.row_nums else 0

    def _row_end(self, i: int) -> int:
        start = self.row_starts[i]
        close = self.data.find(b">", start)
        if self.data[close - 1:close] == b"/":
            return close + 1
        tag = b"</" + self.prefix + b"row>"
        end = self.data.find(tag, close)
        if end < 0:
            raise self._damaged()
        return end + len(tag)

    def _wrap(self, inner: bytes) -> bytes:
        return self.root_start + self.sheetdata_tag + inner + b"</" + self.prefix + b"sheetData></" + self.root_name + b">"

    def _parse(self, inner: bytes):
        """Parse rows (or cells) cut from the sheet, inside the sheet's own root element so that every
        namespace prefix means what it meant there. Returns the wrapper's sheetData element."""
        root = parse_xml(self._wrap(inner), self.path, self.ref.part, self.book.hints)
        sheet_data = root[0]
        if sheet_data.tag != MAIN + "sheetData":
            raise self._damaged()
        return sheet_data

    @staticmethod
    def _serialize(sheet_data) -> bytes:
        from lxml import etree

        out = etree.tostring(sheet_data, encoding="UTF-8")
        return out[out.index(b">") + 1:out.rindex(b"</")]

    def _parse_row(self, i: int):
        return self._parse(self.data[self.row_starts[i]:self._row_end(i)])

    # what the sheet holds

    @property
    def header_row(self) -> int:
        """The last row of the sheet's heading: rows up to it are never data. 0 here (every row is
        data); a sheet with a header row says where it is."""
        return 0

    def top_rows(self, last: int) -> list[tuple[int, dict[int, Any]]]:
        """The values of rows 1 to ``last`` (where a header row is looked for): (row, {column: value})."""
        indexes = [i for i, n in enumerate(self.row_nums) if n <= last]
        rows = []
        if indexes:
            inner = b"".join(self.data[self.row_starts[i]:self._row_end(i)] for i in indexes)
            reader = CellReader(self.book)
            for row in self._parse(inner).iterchildren(MAIN + "row"):
                cells = {}
                for cell in row.iterchildren(MAIN + "c"):
                    value = reader.value(cell)
                    if value is not None:
                        cells[col_index(cell.get("r").rstrip("0123456789"))] = value
                rows.append((int(row.get("r")), cells))
        return rows

    def column_values(self, col: int) -> list[tuple[int, Any]]:
        """(row, value) of every cell in column ``col`` below the header, cut from the bytes."""
        letters = col_letter(col).encode()
        pattern = _cell_pattern(self.prefix, letters)
        decode = self._decoder()
        header_row = self.header_row
        values = []
        for _, row, style, kind, rest, v, inline, other in pattern.findall(self.data, self.body_start, self.body_end):
            number = int(row)
            if number > header_row:
                values.append((number, decode(style, kind, rest, v, inline, other)))
        return values

    def all_rows(self) -> list[tuple[int, dict[int, Any]]]:
        """Every row holding a value: (row number, {column number: value}).

        One regular expression over the sheet's bytes cuts out every cell (r, s, t, the value); that is
        several times faster than building an XML tree of a large sheet. If it does not account for
        every cell (a sheet written some other way), the sheet is read with lxml instead.
        """
        data, start, end, p = self.data, self.body_start, self.body_end, self.prefix
        found = _cell_pattern(p).findall(data, start, end)
        if len(found) != data.count(b"<" + p + b'c r="', start, end):
            return self._all_rows_lxml()
        decode = self._decoder()
        columns: dict[bytes, int] = {}
        rows: list[tuple[int, dict[int, Any]]] = []
        current = None
        cells: dict[int, Any] = {}
        for col, row, style, kind, rest, v, inline, other in found:
            if row != current:
                if cells:
                    rows.append((int(current), cells))
                    cells = {}
                current = row
            value = decode(style, kind, rest, v, inline, other)
            if value is None:
                continue
            number = columns.get(col)
            if number is None:
                number = columns[col] = col_index(col.decode())
            cells[number] = value
        if cells:
            rows.append((int(current), cells))
        return rows

    def _decoder(self) -> Callable[..., Any]:
        """A function from the pieces :func:`_cell_pattern` cuts out of a cell to its value (None if empty)."""
        reader = CellReader(self.book)
        convert = reader.convert
        date_styles = {str(i).encode() for i in reader.date_styles}
        dates: dict[bytes, Any] = {}
        p = self.prefix
        value_in = re.compile(b"<" + re.escape(p) + rb"v(?:\s[^>]*)?>([^<]*)</")

        def decode(style: bytes, kind: bytes, rest: bytes, v: bytes, inline: bytes, other: bytes) -> Any:
            if rest and (b" s=" in rest or b" t=" in rest):  # attributes in another order
                attrs = dict(re.findall(rb'\b([st])="([^"]*)"', rest))
                style, kind = attrs.get(b"s", style), attrs.get(b"t", kind)
            if kind == b"inlineStr":
                if inline:
                    text = inline.decode("utf-8")
                    if "&" in text or "\r" in text:
                        text = xml_text(inline)
                    return unescape(text) if "_x" in text else text
                return (unescape(inline_text(other, p)) or None) if other else None
            if not v:
                if not other:
                    return None
                match = value_in.search(other)
                if not match or not match.group(1):
                    return None
                v = match.group(1)
            if (not kind or kind == b"n") and style in date_styles:
                value = dates.get(v)
                if value is None:
                    value = dates[v] = convert(None, v.decode(), style.decode())
                return value
            value = convert(kind.decode() if kind else None, xml_text(v), style.decode() if style else None)
            return None if value == "" else value

        return decode

    def _all_rows_lxml(self) -> list[tuple[int, dict[int, Any]]]:
        reader = CellReader(self.book)
        sheet_data = self._parse(self.data[self.body_start:self.body_end])
        rows: list[tuple[int, dict[int, Any]]] = []
        for row in sheet_data.iterchildren(MAIN + "row"):
            cells: dict[int, Any] = {}
            for cell in row.iterchildren(MAIN + "c"):
                value = reader.value(cell)
                if value is not None and value != "":
                    cells[col_index(cell.get("r").rstrip("0123456789"))] = value
            if cells:
                rows.append((int(row.get("r")), cells))
        return rows

    def _has_content(self, i: int) -> bool:
        end = self.row_starts[i + 1] if i + 1 < len(self.row_starts) else self.body_end
        content = re.compile(b"<" + re.escape(self.prefix) + rb"(?:v>[^<]|is>|f[\s>/])")
        return content.search(self.data, self.row_starts[i], end) is not None

    def col_style(self, col: int) -> str | None:
        """The style the sheet's ``<cols>`` give column ``col``: what Excel gives a cell typed into it."""
        if self._col_styles is None:
            self._col_styles = []
            head = self.data[:self.body_start]
            for tag in re.finditer(b"<" + re.escape(self.prefix) + rb"col\b[^>]*>", head):
                attrs = dict(re.findall(rb'\b(min|max|style)="(\d+)"', tag.group(0)))
                if b"style" in attrs and b"min" in attrs and b"max" in attrs:
                    self._col_styles.append((int(attrs[b"min"]), int(attrs[b"max"]), attrs[b"style"].decode()))
        return next((style for low, high, style in self._col_styles if low <= col <= high), None)

    def column_date_style(self, col: int, rownum: int) -> str | None:
        """The date style of the column's existing dates nearest above ``rownum`` (else below), else the
        column's own style if it is a date format."""
        if col not in self._date_styles_by_col:
            styles = self.book.styles
            pattern = re.compile(b"<" + re.escape(self.prefix) + b'c r="' + col_letter(col).encode()
                                 + rb'(\d+)" s="(\d+)"')
            above = below = None
            for match in pattern.finditer(self.data, self.body_start, self.body_end):
                number, style = int(match.group(1)), match.group(2).decode()
                if number <= self.header_row or not styles.is_date(style):
                    continue
                if number < rownum:
                    above = style
                elif below is None:
                    below = style
            found = above or below
            if found is None:
                col_style = self.col_style(col)
                found = col_style if col_style is not None and styles.is_date(col_style) else None
            self._date_styles_by_col[col] = found
        return self._date_styles_by_col[col]

    # changing rows

    def last_content_row(self) -> int:
        """The last row holding a value, counting the rows this save adds."""
        if self._last_original is None:
            self._last_original = self.header_row
            for i in range(len(self.row_nums) - 1, -1, -1):
                if self.row_nums[i] <= self.header_row:
                    break
                if self._has_content(i):
                    self._last_original = self.row_nums[i]
                    break
        return max([self._last_original, *(n for n, p in self.pending.items() if p.created)])

    def _pending_row(self, rownum: int, created: bool) -> "_PendingRow":
        """The row being edited, parsed from the sheet (or new); rows stay parsed until the save."""
        from lxml import etree

        pending = self.pending.get(rownum)
        if pending is not None:
            pending.created = pending.created or created
            return pending
        above = None
        if created and rownum - 1 > self.header_row:
            if rownum - 1 in self.pending:
                above = self.pending[rownum - 1].row
            elif rownum - 1 in self.row_pos:
                above = self._parse_row(self.row_pos[rownum - 1])[0]
        above_styles = {} if above is None else {col_index(c.get("r").rstrip("0123456789")): c.get("s")
                                                 for c in above.iterchildren(MAIN + "c") if c.get("s") is not None}
        i = self.row_pos.get(rownum)
        if i is not None:
            sheet_data = self._parse_row(i)
            row = sheet_data[0]
            before = etree.tostring(row)
        else:
            sheet_data = self._parse(b"")
            row = etree.SubElement(sheet_data, MAIN + "row")
            row.set("r", str(rownum))
            if above is not None:
                for name, value in above.attrib.items():
                    if name not in ("r", "hidden", "collapsed"):
                        row.set(name, value)
            before = None
        if created:  # the row takes the formatting of the row above, cell by cell
            present = {col_index(c.get("r").rstrip("0123456789")) for c in row.iterchildren(MAIN + "c")}
            for col, style in above_styles.items():
                if col not in present:
                    _cell(row, col, rownum).set("s", style)
        pending = self.pending[rownum] = _PendingRow(sheet_data, row, before, created, i, above_styles)
        return pending

    def edit_row(self, rownum: int, values: dict[int, Any], created: bool) -> None:
        """Put ``values`` (column number -> value) into row ``rownum``; ``created``: a new row below the
        others, which takes the formatting of the row above, cell by cell.

        A date is an Excel serial number in a date style (the cell's, the column's dates', or a new
        dd/mm/yyyy one); True/False are Yes/No; numbers are numbers; everything else is an inline
        string, so text beginning with ``=`` is text, never a formula. None empties the cell."""
        pending = self._pending_row(rownum, created)
        for col in sorted(values):
            self._put(pending.row, col, rownum, values[col], pending.above_styles.get(col))

    def _put(self, row, col: int, rownum: int, value: Any, above_style: str | None) -> None:
        ref = f"{col_letter(col)}{rownum}"
        cell = _find_cell(row, col)
        if cell is None:
            if value is None:
                return
            cell = _cell(row, col, rownum)
            style = above_style if above_style is not None else self.col_style(col)
            if style is None and row.get("customFormat") in ("1", "true") and row.get("s"):
                style = row.get("s")
            if style is not None:
                cell.set("s", style)
        formula = cell.find(MAIN + "f")
        if formula is not None:
            shared_ref = formula.get("ref")
            if formula.get("t") in ("shared", "array") and shared_ref and shared_ref.replace("$", "") != ref:
                raise InputError(f"{self.path}: cell {ref} on the {self.ref.name} sheet holds a formula that other "
                                 f"cells share ({shared_ref}), so lifkit will not overwrite it.",
                                 "Copy the formula into each of those cells (or clear it), then run the command "
                                 "again.")
            self.book.drop_calc_chain = True
        for child in list(cell):
            cell.remove(child)
        for name in ("t", "cm", "vm"):
            cell.attrib.pop(name, None)
        if value is None:
            if not cell.get("s"):
                row.remove(cell)
            return
        if isinstance(value, dt.date):
            base = cell.get("s")
            styles = self.book.styles
            if not styles.is_date(base):
                cell.set("s", styles.date_style_for(base, self.column_date_style(col, rownum)))
            _sub(cell, "v").text = serial(value, self.book.date1904)
        elif isinstance(value, bool):
            _inline(cell, "Yes" if value else "No")
        elif isinstance(value, (int, float)):
            _sub(cell, "v").text = repr(value) if isinstance(value, float) else str(value)
        else:
            _inline(cell, str(value))

    # the parts around the rows

    def _row_edits(self) -> list[tuple[int, int, bytes]]:
        """The changed rows as byte edits: a changed row replaces its old bytes, a new one is inserted."""
        from lxml import etree

        edits = []
        for rownum in sorted(self.pending):
            pending = self.pending[rownum]
            row = pending.row
            if row.get("spans"):
                _widen_spans(row)
            if etree.tostring(row) == pending.before:
                continue
            new_bytes = self._serialize(pending.sheet_data)
            if pending.index is not None:
                edits.append((self.row_starts[pending.index], self._row_end(pending.index), new_bytes))
            else:
                following = next((k for k, n in enumerate(self.row_nums) if n > rownum), None)
                at = self.row_starts[following] if following is not None else self.body_end
                edits.append((at, at, new_bytes))
            if pending.created:
                self.new_rows.append(rownum)
            cols = [col_index(c.get("r").rstrip("0123456789")) for c in row.iterchildren(MAIN + "c")]
            self.max_col = max([self.max_col, *cols])
        return edits

    def finish(self) -> None:
        edits = self._row_edits()
        if not edits:  # nothing changed (a sheet regularised for reading is not written for that alone)
            return
        data = self.data
        if self.new_rows:
            grown_from = min(self.new_rows) - 1
            new_last = max(self.new_rows)
            head = data[:self.body_start]
            dimension = re.search(b"<" + re.escape(self.prefix) + rb'dimension\b[^>]*?\bref="([^"]*)"', head)
            if dimension:
                old = dimension.group(1).decode()
                new = _cover(old, new_last, self.max_col)
                if new != old:
                    edits.append((dimension.start(1), dimension.end(1), new.encode()))
            tail_start = self.body_end
            for element in (b"autoFilter", b"sortState"):
                pattern = re.compile(b"<" + re.escape(self.prefix) + element + rb'\b[^>]*?\bref="([^"]*)"')
                for match in pattern.finditer(data, tail_start):
                    new = _grow(match.group(1).decode(), grown_from, new_last)
                    if new:
                        edits.append((match.start(1), match.end(1), new.encode()))
            self._grow_filter_database(grown_from, new_last)
            self._grow_tables(grown_from, new_last)
        edits.sort(key=lambda e: (e[0], e[1]))  # stable: rows inserted at one place stay in order
        out = []
        pos = 0
        for start, end, new in edits:
            out.append(data[pos:start])
            out.append(new)
            pos = end
        out.append(data[pos:])
        self.book.set_part(self.ref.part, b"".join(out))

    def _grow_filter_database(self, grown_from: int, new_last: int) -> None:
        """The hidden name ``_xlnm._FilterDatabase`` holds the sheet's auto-filter range for Excel."""
        data = self.book.read_part(self.book.workbook_part)
        pattern = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)definedName\b([^>]*)>([^<]*)</\1definedName>")
        edits = []
        for match in pattern.finditer(data):
            attrs = dict(re.findall(rb'\b(name|localSheetId)="([^"]*)"', match.group(2)))
            if attrs.get(b"name") != b"_xlnm._FilterDatabase" or attrs.get(b"localSheetId") != str(self.ref.index).encode():
                continue
            text = match.group(3).decode("utf-8")
            tail = re.search(r"(\$?)(\d+)$", text)
            if tail and int(tail.group(2)) == grown_from and ":" in text:
                edits.append((match.start(3) + tail.start(2), match.end(3), str(new_last).encode()))
        if edits:
            self.book.set_part(self.book.workbook_part, splice(data, edits))

    def _grow_tables(self, grown_from: int, new_last: int) -> None:
        """Tables (Insert > Table) on the sheet whose last row is the one above the new rows grow with them."""
        rels = self.book.rels(self.ref.part)
        for kind, part in rels.values():
            if not kind.endswith("/table") or not part or not self.book.zip.has(part):
                continue
            data = self.book.read_part(part)
            root = parse_xml(data, self.path, part, self.book.hints)
            ref = root.get("ref", "")
            match = _RANGE_RE.match(ref)
            if not match:
                continue
            if root.get("totalsRowCount") not in (None, "0") and int(match.group(3)) == grown_from:
                raise InputError(f"{self.path}: the table {root.get('displayName') or root.get('name')!r} on the "
                                 f"{self.ref.name} sheet has a Total Row, and lifkit cannot add rows above it.",
                                 "In Excel, click in the table, untick Table Design > Total Row, save, and run the "
                                 "command again.")
            edits = []
            for attr in re.finditer(rb'\bref="([^"]*)"', data):
                new = _grow(attr.group(1).decode(), grown_from, new_last)
                if new:
                    edits.append((attr.start(1), attr.end(1), new.encode()))
            if edits:
                self.book.set_part(part, splice(data, edits))


def splice(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each (start, end) span replaced by its new bytes; spans in order, not overlapping."""
    out, pos = [], 0
    for start, end, new in edits:
        out += [data[pos:start], new]
        pos = end
    out.append(data[pos:])
    return b"".join(out)


_CELL_PATTERNS: dict[tuple[bytes, bytes], re.Pattern] = {}


def _cell_pattern(prefix: bytes, column: bytes = b"") -> re.Pattern:
    """A cell (in ``column``, or any), cut into: column, row, style, type, other attributes, <v> text,
    plain inline text, and any other content (rich text, phonetic guides)."""
    key = (prefix, column)
    if key not in _CELL_PATTERNS:
        p = re.escape(prefix)
        letters = b"(" + column + b")" if column else b"([A-Z]{1,3})"
        _CELL_PATTERNS[key] = re.compile(
            b"<" + p + b'c r="' + letters + rb'(\d+)"(?: s="(\d*)")?(?: t="(\w*)")?([^>]*?)(?:/>|>'
            + b"(?:<" + p + rb"f\b[^>]*?(?:/>|>[^<]*</" + p + b"f>))?"
            + b"(?:<" + p + rb"v>([^<]*)</" + p + b"v>"
            + b"|<" + p + b"is><" + p + rb"t(?:\s[^>]*)?>([^<]*)</" + p + b"t></" + p + b"is>"
            + rb"|(.*?))</" + p + b"c>)", re.S)
    return _CELL_PATTERNS[key]


@dataclass
class _PendingRow:
    sheet_data: Any  # the wrapper's sheetData element, serialised at the save
    row: Any  # the <row> element being edited
    before: bytes | None  # the row as it was (None: a new row)
    created: bool  # a row added below the others
    index: int | None  # its place in the sheet's row index, if it was there already
    above_styles: dict[int, str]  # column -> style of the row above (for new rows)


def _r_first(element, ref: str) -> None:
    attrs = [(k, v) for k, v in element.attrib.items() if k != "r"]
    element.attrib.clear()
    element.set("r", ref)
    for key, value in attrs:
        element.set(key, value)


def _sub(parent, name: str):
    from lxml import etree

    return etree.SubElement(parent, MAIN + name)


def _inline(cell, text: str) -> None:
    cell.set("t", "inlineStr")
    t = _sub(_sub(cell, "is"), "t")
    t.text = escape(text)
    if text != text.strip() or "  " in text or any(ch in text for ch in "\t\n\r"):
        t.set(XML_SPACE, "preserve")


def _find_cell(row, col: int):
    for cell in row.iterchildren(MAIN + "c"):
        if col_index(cell.get("r").rstrip("0123456789")) == col:
            return cell
    return None


def _cell(row, col: int, rownum: int):
    """A new empty cell in ``row`` at column ``col``, in column order."""
    from lxml import etree

    cell = etree.Element(MAIN + "c")
    cell.set("r", f"{col_letter(col)}{rownum}")
    for index, existing in enumerate(row):
        if existing.tag != MAIN + "c" or col_index(existing.get("r").rstrip("0123456789")) > col:
            row.insert(index, cell)
            break
    else:
        row.append(cell)
    return cell


def _widen_spans(row) -> None:
    """A row's optional ``spans`` hint must still cover its cells."""
    cols = [col_index(c.get("r").rstrip("0123456789")) for c in row.iterchildren(MAIN + "c")]
    if not cols:
        return
    try:
        ranges = [tuple(int(x) for x in part.split(":")) for part in row.get("spans").split()]
    except ValueError:
        ranges = []
    if all(any(lo <= col <= hi for lo, hi in ranges) for col in cols):
        return
    low = min([col for col in cols] + [lo for lo, _ in ranges])
    high = max([col for col in cols] + [hi for _, hi in ranges])
    row.set("spans", f"{low}:{high}")


def _grow(ref: str, grown_from: int, new_last: int) -> str | None:
    """``ref`` with its last row moved to ``new_last`` if it ended on ``grown_from``; else None."""
    match = _RANGE_RE.match(ref)
    if match and int(match.group(3)) == grown_from and new_last > grown_from:
        return f"{match.group(1)}:{match.group(2)}{new_last}"
    return None


def _cover(ref: str, row: int, col: int) -> str:
    """A dimension ``ref`` stretched to cover ``row`` and ``col``."""
    parts = ref.split(":")
    first = CELL_REF.match(parts[0])
    last = CELL_REF.match(parts[-1])
    if not first or not last:
        return ref
    top_col, top_row = col_index(first.group(1)), int(first.group(2))
    end_col, end_row = col_index(last.group(1)), int(last.group(2))
    end_col, end_row = max(end_col, col), max(end_row, row)
    return f"{col_letter(top_col)}{top_row}:{col_letter(end_col)}{end_row}"
