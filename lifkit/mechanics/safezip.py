"""Reading a zip package (a .docx) that came from outside, within fixed bounds.

A returned Word file is untrusted. Every limit here is checked before the bytes are inflated or
parsed, so that no file, however it was made, takes more than a bounded amount of memory or time:

- only the two compression methods Word and LibreOffice write (stored and deflate) are read; bzip2,
  LZMA and the rest are refused before any byte is decompressed (a 26 kB bzip2 part can inflate to
  gigabytes in one call);
- a part's size is counted as it streams out of the archive, whatever size the archive declares;
- an XML part is parsed incrementally, and refused once it holds more elements than any form does.

Knows nothing of forms or cases: it is used by the Word reader.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lifkit.errors import InputError

ALLOWED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
MAX_MEMBERS = 2_000  # a .docx has a few dozen parts
MAX_PART_BYTES = 16 * 1024 * 1024  # a returned form's document.xml is about 100 kB
MAX_ELEMENTS = 400_000  # a returned form's document.xml has a few thousand elements
CHUNK = 64 * 1024


class UnsafePackage(InputError):
    """A zip package lifkit will not read; ``reason`` says why in plain words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def open_package(path: Path) -> zipfile.ZipFile:
    """The archive at ``path``, once its directory has been checked (number of parts, methods used).

    Raises :class:`zipfile.BadZipFile` when it is not a zip file at all, :class:`UnsafePackage` when
    it is one lifkit will not read.
    """
    declared = _declared_members(Path(path))
    if declared is not None and declared > MAX_MEMBERS:
        count = "65,535 or more" if declared == 0xFFFF else f"{declared:,}"
        raise UnsafePackage(f"it has {count} parts, far more than any Word document")
    archive = zipfile.ZipFile(path)
    try:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise UnsafePackage(f"it has {len(members)} parts, far more than any Word document")
        return archive
    except BaseException:
        archive.close()
        raise


def _declared_members(path: Path) -> int | None:
    """The number of parts the archive's end record declares, read before its directory is (which costs
    memory for every part); None when there is no end record (zipfile then says it is not a zip)."""
    import struct

    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 22 - 65_535))  # the end record, and a comment of at most 64 kB
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    total = struct.unpack("<H", tail[at + 10:at + 12])[0]
    return total  # 0xFFFF: the count is in a zip64 record, so 65,535 or more: never a Word document


def read_part(archive: zipfile.ZipFile, name: str, limit: int = MAX_PART_BYTES) -> bytes | None:
    """The bytes of part ``name`` (None when there is none), refused past ``limit`` bytes, counted as
    they are inflated, and refused unread when compressed with any method but stored or deflate."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.compress_type not in ALLOWED_METHODS:
        raise UnsafePackage(f"its part {name} is compressed in a way Word never uses (method "
                            f"{info.compress_type}); it was not opened")
    if info.file_size > limit:
        raise UnsafePackage(f"its part {name} is {_mb(info.file_size)}, far larger than any form")
    if info.flag_bits & 0x1:
        raise UnsafePackage("it is encrypted")
    pieces, total = [], 0
    with archive.open(info) as handle:
        while True:
            piece = handle.read(CHUNK)  # deflate output is bounded per read: never more than asked for
            if not piece:
                break
            total += len(piece)
            if total > limit:
                raise UnsafePackage(f"its part {name} is larger than {_mb(limit)}, far larger than any form")
            pieces.append(piece)
    return b"".join(pieces)


def parse_xml(data: bytes, name: str = "XML", max_elements: int = MAX_ELEMENTS):
    """``data`` parsed with lxml, safely (no entities, no DTD, no network), fed in pieces and refused as
    soon as it holds more than ``max_elements`` elements, before the rest is built."""
    from lxml import etree

    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True, huge_tree=False,
                                 load_dtd=False, dtd_validation=False, remove_comments=True, remove_pis=True)
    count = 0
    for start in range(0, max(len(data), 1), CHUNK):
        parser.feed(data[start:start + CHUNK])
        for _event in parser.read_events():
            count += 1
        if count > max_elements:
            raise UnsafePackage(f"its part {name} holds more than {max_elements:,} elements, far more than any form")
    return parser.close()


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"
