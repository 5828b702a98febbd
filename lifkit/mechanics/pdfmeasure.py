"""What parsing a PDF will cost, measured from its bytes before any PDF library opens it.

A PDF of 2 MB can hold an object stream that inflates to 2 GB; a PDF library inflates it whole the
moment it needs one object in it. So every PDF lifkit reads (a return, a referral, an attachment) is
first scanned here, without a PDF library: its objects are counted (those packed in object streams
too) and every stream is inflated as a reader would inflate it (the filters that do: Flate, LZW,
RunLength, ASCIIHex, ASCII85, in a chain), streaming, in pieces of at most a megabyte that are counted
and dropped, and stopped at the limit. Past a limit the file is refused (:class:`TooLarge`) before it is
parsed. Streams a PDF library never inflates to read or write a PDF (pictures in JPEG, JPEG 2000,
JBIG2 or fax) count at their stored size.

:func:`lifkit.mechanics.pdf.measure` is the one entry point; it drives this scan and, for an encrypted
PDF, reads each stream decrypted (with the PDF library, one stream at a time) before measuring it.
"""

from __future__ import annotations

import bisect
import re
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

MB = 1024 * 1024
MAX_PDF_BYTES = 64 * MB  # a PDF lifkit reads at all (mail refuses attachments over 30 MB)
MAX_STREAM_BYTES = 64 * MB  # one stream once inflated: a full A4 page scanned at 300 dpi in colour is 26 MB
MAX_TOTAL_BYTES = 256 * MB  # every stream of the PDF once inflated
MAX_OBJECT_STREAM_BYTES = 32 * MB  # the object streams once inflated: objects a PDF library parses and keeps
MAX_OBJECTS = 500_000  # objects, those in object streams included: a 1,000-page report has about 100,000
# values in the objects (numbers, names, strings, brackets), those in object streams included: the PDF
# library keeps each it reads in about 130 bytes, so this many take it to about 200 MB
MAX_VALUES = 1_500_000
CHUNK = MB


from lifkit.mechanics.pdf import ValueTooLarge  # noqa: E402 - that module imports this one only inside functions


class TooLarge(ValueTooLarge):
    """A PDF that would take more than lifkit allows to parse; the message says what, in words."""


@dataclass
class Stream:
    """A stream found in the file: where its data lies, how it is filtered and what it holds."""

    number: int | None  # the object it belongs to (None when no object header precedes it)
    generation: int
    filters: list[str]
    kind: str  # "object stream", "cross-reference stream", "picture", "font" or "stream"
    start: int
    end: int
    objects: int = 0  # an object stream's /N


@dataclass
class Scan:
    objects: int
    streams: list[Stream] = field(default_factory=list)
    encrypted: bool = False
    values: int = 0  # the values in the objects outside object streams


_WHITE = b" \t\r\n\f\x00"
_DELIMS = b"()<>[]{}/%"
_HEADER_BEFORE = re.compile(rb"(\d{1,10})[ \t\r\n\f\x00]+(\d{1,5})[ \t\r\n\f\x00]+$")
_OBJ_AFTER = re.compile(rb"(?![A-Za-z0-9])")
_STREAM_AFTER = re.compile(rb"\r\n|\n|\r")
_ENDSTREAM = re.compile(rb"[ \t\r\n\f\x00]*endstream")
_NUMBER = re.compile(rb"[+-]?(\d+\.?\d*|\.\d+)")
_REFERENCE = re.compile(rb"[ \t\r\n\f\x00]+(\d{1,5})[ \t\r\n\f\x00]+R(?![A-Za-z0-9])")
_SPACE = re.compile(rb"(?:[ \t\r\n\f\x00]+|%[^\r\n]*)*")
_NAME = re.compile(rb"/[^ \t\r\n\f\x00()<>\[\]{}/%]*")


def scan(data: bytes) -> Scan:
    """Every object header and stream of ``data`` (a PDF's bytes), found by their keywords as a
    repairing reader finds them, whether or not the cross-reference table is right."""
    headers = list(_headers(data))
    if len(headers) > MAX_OBJECTS:
        raise TooLarge(f"more than {MAX_OBJECTS:,} objects")
    starts = [h[0] for h in headers]
    top_level = {(h[2], h[3]): h for h in headers}
    result = Scan(objects=len(headers), encrypted=b"/Encrypt" in data)
    for keyword, start in _keywords(data, b"stream", _STREAM_AFTER):
        index = bisect.bisect_left(starts, keyword) - 1
        if index < 0:
            continue
        _start, header_end, number, generation = headers[index]
        try:
            entries = stream_dictionary(data, header_end, keyword)
        except ValueError:
            continue  # no dictionary before the keyword: not a stream a reader finds
        end = _stream_end(data, start, entries.get("/Length"), top_level)
        filters = entries.get("/Filter")
        filters = [f for f in filters if isinstance(f, str)] if isinstance(filters, list) else (
            [filters] if isinstance(filters, str) else [])
        kind = {"/ObjStm": "object stream", "/XRef": "cross-reference stream"}.get(entries.get("/Type"), "")
        if not kind:
            kind = ("picture" if entries.get("/Subtype") == "/Image" else
                    "font" if any(k in entries for k in ("/Length1", "/Length2", "/Length3")) or entries.get(
                        "/Subtype") in ("/Type1C", "/CIDFontType0C", "/OpenType") else "stream")
        objects = entries.get("/N") if kind == "object stream" and isinstance(entries.get("/N"), int) else 0
        result.streams.append(Stream(number, generation, filters, kind, start, end, max(0, objects)))
        result.objects += max(0, objects)
    if result.objects > MAX_OBJECTS:
        raise TooLarge(f"more than {MAX_OBJECTS:,} objects")
    position = 0
    for stream in sorted(result.streams, key=lambda s: s.start):
        if stream.start > position:
            result.values += count_values(data, position, stream.start, MAX_VALUES - result.values)
        position = max(position, stream.end)
    result.values += count_values(data, position, len(data), MAX_VALUES - result.values)
    if result.values > MAX_VALUES:
        raise TooLarge(_TOO_MANY_VALUES)
    return result


# A value as the PDF library keeps one: a word or number, a name (or a bare slash), a string, a bracket
_VALUE = re.compile(rb"[^\x00\t\n\f\r ()<>\[\]{}/%]++|/[^\x00\t\n\f\r ()<>\[\]{}/%]*+|\([^)]*+\)|<<|>>|[\[\]]")
_TOO_MANY_VALUES = f"more than {MAX_VALUES:,} values in its objects"
_PIECE = 4 * MB  # values are counted a piece at a time: each piece ends at white space, so no value is cut


def count_values(data: bytes, start: int, end: int, limit: int) -> int:
    """The values (numbers, names, strings, brackets) in ``data[start:end]``, counted no further than
    past ``limit``: what the PDF library keeps an object for, each, once it reads them. Counted by the
    pattern's own loop (``subn``, which builds no match objects), a piece of at most 4 MB at a time,
    each cut at white space: only a string cut in two there is counted differently (as the words in
    it), which moves the count by a few values in a million at most."""
    view, count, limit = memoryview(data), 0, max(limit, 0)
    while start < end and count <= limit:
        stop = end
        if end - start > _PIECE:
            cut = max(data.rfind(space, start, start + _PIECE) for space in (b" ", b"\n", b"\r"))
            stop = cut + 1 if cut > start else start + _PIECE
        count += _VALUE.subn(b"", view[start:stop], count=limit + 1 - count)[1]
        start = stop
    return count


def _keywords(data: bytes, word: bytes, after: re.Pattern) -> Iterator[tuple[int, int]]:
    """Where ``word`` stands as a keyword in ``data`` (no letter before it, ``after`` matching right after
    it): (its start, the end of what ``after`` matched). Found with bytes.find, which is many times
    faster on a PDF's binary data than a pattern that starts with a class of characters."""
    position = data.find(word)
    while position >= 0:
        before = data[position - 1] if position else 0x20
        if not (0x41 <= before <= 0x5A or 0x61 <= before <= 0x7A):
            tail = after.match(data, position + len(word))
            if tail:
                yield position, tail.end()
        position = data.find(word, position + len(word))


def _headers(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """Every object header ``N G obj``: (its start, its end, N, G)."""
    for keyword, end in _keywords(data, b"obj", _OBJ_AFTER):
        found = _HEADER_BEFORE.search(data, max(0, keyword - 24), keyword)
        if found and found.end() == keyword and (found.start() == 0 or not 0x30 <= data[found.start() - 1] <= 0x39):
            yield found.start(), end, int(found.group(1)), int(found.group(2))


def _stream_end(data: bytes, start: int, length, top_level: dict) -> int:
    """Where a stream's data ends: at its /Length when ``endstream`` follows there (as a reader takes
    it), else at the first ``endstream`` (as a repairing reader takes it). A length kept in another
    object is looked up; one packed in an object stream cannot be, and the rest of the file is taken,
    which holds whatever a reader could take (an inflater stops at its data's own end)."""
    if isinstance(length, tuple) and length in top_level:
        found = re.match(rb"[ \t\r\n\f\x00]*(\d{1,12})[ \t\r\n\f\x00]+endobj", data[top_level[length][1]:top_level[length][1] + 64])
        length = int(found.group(1)) if found else None
    elif isinstance(length, tuple):
        return len(data)
    if isinstance(length, int) and 0 <= length <= len(data) - start and _ENDSTREAM.match(data, start + length):
        return start + length
    found = data.find(b"endstream", start)
    return len(data) if found < 0 else found


# One token of a stream's dictionary as most PDFs write it (after any white space): << >> [ ] a name, a
# reference, a number, a hex string, or a word. Strings, comments and braces are not among them: a
# dictionary that holds one is read by the full parser.
_W = rb"[ \t\r\n\f\x00]"
_TOKEN = re.compile(rb"%s*(?:(<<)|(>>)|([\[\]])|(/[^ \t\r\n\f\x00()<>\[\]{}/%%]*)|(\d+)%s+(\d{1,5})%s+R(?![A-Za-z0-9])"
                    rb"|([+-]?(?:\d+\.?\d*|\.\d+))|(<[^<>]*>)|([^ \t\r\n\f\x00()<>\[\]{}/%%]+))" % (_W, _W, _W))
_UNSET = object()


def stream_dictionary(data: bytes, position: int, end: int) -> dict:
    """The entries of the dictionary at ``position`` (before ``end``), as :class:`_Parser` reads them:
    a nested dictionary as "<<>>", a string as "()", a hex string as "<>", a reference as (number,
    generation). Read from one pass of :data:`_TOKEN` (a few times faster: a form has a stream for each
    box); anything it does not know (a string, a comment, a stray delimiter, an unfinished dictionary)
    is left to :class:`_Parser`, so both always agree. Raises ValueError where there is no dictionary."""
    entries: dict = {}
    # open containers, innermost last: [is a dictionary, the key awaiting its value (dictionaries) or
    # the values so far (arrays; None inside a nested dictionary, whose values are not kept)]
    stack: list[list] = []
    expected = position
    for token in _TOKEN.finditer(data, position, end):
        if token.start() != expected:
            break  # something between tokens that the pattern does not read
        expected = token.end()
        opened, closed, bracket, name, number, generation, plain, hexadecimal, word = token.groups()
        if not stack and not opened:
            break
        value = _UNSET
        if opened:
            stack.append([True, _UNSET])
            continue
        if closed:
            top = stack.pop()
            if not top[0] or top[1] is not _UNSET:
                break  # ">>" where an array is open or a value is awaited: the full parser decides
            if not stack:
                return entries
            value = "<<>>"
        elif bracket == b"[":
            stack.append([False, [] if _kept(stack) else None])
            continue
        elif bracket == b"]":
            top = stack.pop()
            if top[0]:
                break
            value = top[1]
        elif name is not None:
            value = name.decode("latin-1")
        elif number is not None:
            value = (int(number), int(generation))
        elif plain is not None:
            value = int(plain) if plain.lstrip(b"+-").isdigit() else float(plain)
        elif hexadecimal is not None:
            value = "<>"
        else:
            value = word.decode("latin-1")
        top = stack[-1]
        if not top[0]:  # an array
            if top[1] is not None:
                top[1].append(value)
        elif top[1] is _UNSET:
            top[1] = value  # a key
        else:
            if len(stack) == 1 and isinstance(top[1], str) and top[1].startswith("/"):
                entries[top[1]] = value
            top[1] = _UNSET
    return _Parser(data, position, end).dictionary()


def _kept(stack: list[list]) -> bool:
    """Whether an array opened now is part of a value of the outermost dictionary (not of a nested one)."""
    return all(not frame[0] for frame in stack[1:])


class _Parser:
    """Just enough of PDF's object syntax to read a stream's dictionary: names, numbers, references,
    strings, arrays and dictionaries (nested ones skipped over)."""

    def __init__(self, data: bytes, position: int, end: int):
        self.data, self.pos, self.end = data, position, end

    def _skip(self) -> None:
        self.pos = _SPACE.match(self.data, self.pos, self.end).end()

    def dictionary(self) -> dict:
        self._skip()
        if self.data[self.pos:self.pos + 2] != b"<<":
            raise ValueError("not a dictionary")
        self.pos += 2
        entries: dict = {}
        while True:
            self._skip()
            if self.pos >= self.end:
                raise ValueError("unfinished dictionary")
            if self.data[self.pos:self.pos + 2] == b">>":
                self.pos += 2
                return entries
            key = self.value()
            value = self.value()
            if isinstance(key, str) and key.startswith("/"):
                entries[key] = value

    def value(self):
        self._skip()
        data, pos = self.data, self.pos
        if pos >= self.end:
            raise ValueError("no value")
        byte = data[pos]
        if data[pos:pos + 2] == b"<<":
            self.dictionary()
            return "<<>>"
        if byte == 0x2F:  # /Name
            self.pos = _NAME.match(data, pos, self.end).end()
            return data[pos:self.pos].decode("latin-1")
        if byte == 0x5B:  # [ array ]
            self.pos += 1
            items = []
            while True:
                self._skip()
                if self.pos >= self.end:
                    raise ValueError("unfinished array")
                if data[self.pos] == 0x5D:
                    self.pos += 1
                    return items
                items.append(self.value())
        if byte == 0x28:  # (string), nested brackets and escapes
            depth, self.pos = 0, pos
            while self.pos < self.end:
                char = data[self.pos]
                self.pos += 1
                if char == 0x5C:
                    self.pos += 1
                elif char == 0x28:
                    depth += 1
                elif char == 0x29:
                    depth -= 1
                    if depth == 0:
                        return "()"
            raise ValueError("unfinished string")
        if byte == 0x3C:  # <hex string>
            close = data.find(b">", pos, self.end)
            if close < 0:
                raise ValueError("unfinished string")
            self.pos = close + 1
            return "<>"
        number = _NUMBER.match(data, pos, self.end)
        if number:
            self.pos = number.end()
            reference = _REFERENCE.match(data, self.pos, self.end)
            text = number.group(0)
            if reference and text.isdigit():
                self.pos = reference.end()
                return int(text), int(reference.group(1))
            return int(text) if text.lstrip(b"+-").isdigit() else float(text)
        self.pos += 1
        while self.pos < self.end and data[self.pos] not in _WHITE and data[self.pos] not in _DELIMS:
            self.pos += 1
        return data[pos:self.pos].decode("latin-1")  # true, false, null, or a stray word


# --- bounded inflating ----------------------------------------------------------------------------


def inflated_size(raw: bytes | memoryview, filters: list[str], limit: int,
                  each: Callable[[bytes], None] | None = None) -> int:
    """The size ``raw`` decodes to through ``filters`` (in order), counted in pieces and stopped once past
    ``limit``: the figure returned is then over ``limit``, never the whole. Filters a reader never
    decodes to read or write a PDF (pictures in JPEG and the like, and any it does not know) end the
    chain: what reaches them counts as it is."""
    chunks: Iterable[bytes] = _pieces(raw)
    for name in filters:
        decoder = _DECODERS.get(name)
        if decoder is None:
            break
        chunks = decoder(chunks)
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            return total
        if each is not None:
            each(chunk)
    return total


def _pieces(raw) -> Iterator[bytes]:
    view = memoryview(raw)
    for start in range(0, len(view), CHUNK):
        yield bytes(view[start:start + CHUNK])


def _flate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    try:
        for chunk in chunks:
            while chunk:
                out = inflater.decompress(chunk, CHUNK)
                chunk = inflater.unconsumed_tail
                if out:
                    yield out
                if inflater.eof:
                    return
    except zlib.error:
        return  # damaged from here on: a reader stops here too


def _whole(chunks: Iterable[bytes], end: bytes) -> bytes:
    """The pieces joined, up to the end marker of an ASCII filter (their output is never larger than their input)."""
    data = b"".join(chunks)
    found = data.find(end)
    return data if found < 0 else data[:found]


def _ascii_hex(chunks: Iterable[bytes]) -> Iterator[bytes]:
    digits = bytes(b for b in _whole(chunks, b">") if b not in _WHITE)
    yield bytes.fromhex((digits + (b"0" if len(digits) % 2 else b"")).decode("latin-1", "replace")) if all(
        chr(b) in "0123456789abcdefABCDEF" for b in digits) else b""


def _ascii85(chunks: Iterable[bytes]) -> Iterator[bytes]:
    import base64

    text = bytes(b for b in _whole(chunks, b"~>") if b not in _WHITE)
    if text.startswith(b"<~"):
        text = text[2:]
    try:
        yield base64.a85decode(text)
    except ValueError:
        yield b""


def _run_length(chunks: Iterable[bytes]) -> Iterator[bytes]:
    data, pos = b"".join(chunks), 0
    out = bytearray()
    while pos < len(data):
        length = data[pos]
        if length == 128:
            break
        if length < 128:
            out += data[pos + 1:pos + 2 + length]
            pos += 2 + length
        else:
            out += data[pos + 1:pos + 2] * (257 - length)
            pos += 2
        if len(out) >= CHUNK:
            yield bytes(out)
            out.clear()
    yield bytes(out)


def _lzw(chunks: Iterable[bytes], early: int = 1, strict: bool = False) -> Iterator[bytes]:
    """PDF's LZW (9- to 12-bit codes, 256 clears the table, 257 ends, the code width growing one code
    early unless ``early`` is 0), decoded in pieces of about a megabyte. Damaged data ends the output, as
    it ends a reader's, or with ``strict`` raises ValueError."""
    out = bytearray()
    table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
    width, buffer, held, previous = 9, 0, 0, None
    for data in chunks:
        for byte in data:
            buffer, held = (buffer << 8) | byte, held + 8
            while held >= width:
                held -= width
                code = (buffer >> held) & ((1 << width) - 1)
                buffer &= (1 << held) - 1
                if code == 256:
                    del table[258:]
                    width, previous = 9, None
                    continue
                if code == 257:
                    yield bytes(out)
                    return
                if code < len(table) and code not in (256, 257):
                    entry = table[code]
                    if previous is not None:
                        table.append(previous + entry[:1])
                elif code == len(table) and previous is not None:
                    entry = previous + previous[:1]
                    table.append(entry)
                else:
                    if strict:
                        raise ValueError("not LZW")
                    yield bytes(out)
                    return  # damaged: a reader stops here too
                out += entry
                previous = entry
                if len(table) + early >= (1 << width) and width < 12:
                    width += 1
                if len(out) >= CHUNK:
                    yield bytes(out)
                    out.clear()
    yield bytes(out)


_DECODERS: dict[str, Callable[[Iterable[bytes]], Iterator[bytes]]] = {
    "/FlateDecode": _flate, "/Fl": _flate, "/LZWDecode": _lzw, "/LZW": _lzw, "/RunLengthDecode": _run_length,
    "/RL": _run_length, "/ASCIIHexDecode": _ascii_hex, "/AHx": _ascii_hex, "/ASCII85Decode": _ascii85,
    "/A85": _ascii85,
}


@dataclass
class Figures:
    """What a measured PDF will cost to parse: its objects, the values in them and its streams inflated."""

    objects: int = 0
    values: int = 0
    inflated: int = 0


def check(data: bytes, streams: list[Stream], raw: Callable[[Stream], bytes | memoryview | None],
          values: int = 0) -> Figures:
    """Inflate every stream (``raw(stream)`` gives its stored bytes, decrypted; None to leave it out),
    object streams first, their values counted on from ``values`` (those outside object streams), and
    raise :class:`TooLarge` at the first limit passed."""
    total = packed = 0
    counted = [values]

    def count(chunk: bytes) -> None:
        counted[0] += count_values(chunk, 0, len(chunk), MAX_VALUES - counted[0])
        if counted[0] > MAX_VALUES:
            raise TooLarge(_TOO_MANY_VALUES)
    for stream in sorted(streams, key=lambda s: s.kind != "object stream"):
        stored = raw(stream)
        if stored is None:
            continue
        limits = [(MAX_STREAM_BYTES, f"a {stream.kind} that inflates past {MAX_STREAM_BYTES // MB} MB"),
                  (MAX_TOTAL_BYTES - total, f"streams that inflate past {MAX_TOTAL_BYTES // MB} MB in all")]
        if stream.kind == "object stream":
            limits.append((MAX_OBJECT_STREAM_BYTES - packed,
                           f"object streams that inflate past {MAX_OBJECT_STREAM_BYTES // MB} MB"))
        limit, why = min(limits, key=lambda pair: pair[0])
        size = inflated_size(stored, stream.filters, limit, count if stream.kind == "object stream" else None)
        if size > limit:
            raise TooLarge(why)
        total += size
        if stream.kind == "object stream":
            packed += size
    return Figures(values=counted[0], inflated=total)
