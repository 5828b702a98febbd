"""A zip archive whose members are copied raw: the container of an Excel workbook (.xlsx).

:class:`Zip` reads the central directory itself, so that :meth:`Zip.chunks` can write a new archive in
which the replaced members are compressed afresh and every other member -- local header, compressed
data, data descriptor -- is copied byte for byte, with only its offsets updated. Nothing is
decompressed and compressed again that did not change, so a workbook keeps parts lifkit does not
understand exactly as they were.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from lifkit.errors import InputError

DEFLATE_LEVEL = 6  # zlib's default, as Excel, LibreOffice and openpyxl use

@dataclass
class ZipEntry:
    name: str
    raw_name: bytes
    record: bytes  # the central directory record, as it was
    flags: int
    method: int
    crc: int
    csize: int
    usize: int
    offset: int  # of the local header
    offset_in_extra: int | None  # where a zip64 extra field holds the offset, within the record
    end: int = 0  # where the member's bytes (header, data, descriptor) end in the file


class Zip:
    """A zip archive's members, read from its central directory so they can be copied raw."""

    def __init__(self, path: Path, data: bytes, restore: str = "restore a good copy"):
        self.path = path
        self.data = data
        self.restore = restore  # what to do about a damaged archive, e.g. "restore the last good copy from ..."
        try:
            self.entries, self.cd_offset, self.comment = self._central_directory()
        except (struct.error, IndexError, ValueError):
            raise self._damaged() from None
        self.by_name = {e.name: e for e in self.entries}

    def _damaged(self) -> InputError:
        return InputError(f"{self.path} is damaged (it is not a readable .xlsx zip file).",
                          f"Open it in Excel to repair it, or {self.restore}.")

    def _central_directory(self):
        data = self.data
        eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
        if eocd < 0:
            raise ValueError("no end of central directory")
        _, _, _, _, total, cd_size, cd_offset, comment_len = struct.unpack_from("<IHHHHIIH", data, eocd)
        comment = data[eocd + 22:eocd + 22 + comment_len]
        if total == 0xFFFF or cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF:
            locator = eocd - 20
            if data[locator:locator + 4] != b"PK\x06\x07":
                raise ValueError("no zip64 locator")
            (z64,) = struct.unpack_from("<Q", data, locator + 8)
            if data[z64:z64 + 4] != b"PK\x06\x06":
                raise ValueError("no zip64 end record")
            total, cd_size, cd_offset = struct.unpack_from("<QQQ", data, z64 + 32)
        entries = []
        pos = cd_offset
        for _ in range(total):
            if data[pos:pos + 4] != b"PK\x01\x02":
                raise ValueError("bad central directory")
            (_, _, _, flags, method, _, _, crc, csize, usize, nlen, xlen, clen, _, _, _,
             offset) = struct.unpack_from("<IHHHHHHIIIHHHHHII", data, pos)
            raw_name = data[pos + 46:pos + 46 + nlen]
            extra_at = pos + 46 + nlen
            offset_in_extra = None
            if 0xFFFFFFFF in (usize, csize, offset):
                at = extra_at
                while at + 4 <= extra_at + xlen:
                    tag, size = struct.unpack_from("<HH", data, at)
                    if tag == 1:
                        field_at = at + 4
                        if usize == 0xFFFFFFFF:
                            (usize,) = struct.unpack_from("<Q", data, field_at)
                            field_at += 8
                        if csize == 0xFFFFFFFF:
                            (csize,) = struct.unpack_from("<Q", data, field_at)
                            field_at += 8
                        if offset == 0xFFFFFFFF:
                            (offset,) = struct.unpack_from("<Q", data, field_at)
                            offset_in_extra = field_at - pos
                        break
                    at += 4 + size
            record_len = 46 + nlen + xlen + clen
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
            entries.append(ZipEntry(name, raw_name, data[pos:pos + record_len], flags, method, crc, csize, usize,
                                     offset, offset_in_extra))
            pos += record_len
        by_offset = sorted(entries, key=lambda e: e.offset)
        for entry, following in zip(by_offset, by_offset[1:] + [None]):
            entry.end = following.offset if following is not None else cd_offset
            if self.data[entry.offset:entry.offset + 4] != b"PK\x03\x04":
                raise ValueError("bad local header")
        return entries, cd_offset, comment

    def has(self, name: str) -> bool:
        return name in self.by_name

    def read(self, name: str) -> bytes:
        entry = self.by_name.get(name)
        if entry is None:
            raise InputError(f"{self.path} is damaged: it has no part {name}.",
                             f"{self.restore[0].upper()}{self.restore[1:]}.")
        if entry.flags & 1:
            raise InputError(f"{self.path} has encrypted parts, which lifkit cannot read.",
                             "Save it from Excel without a password.")
        nlen, xlen = struct.unpack_from("<HH", self.data, entry.offset + 26)
        start = entry.offset + 30 + nlen + xlen
        raw = self.data[start:start + entry.csize]
        if entry.method == 0:
            content = raw
        elif entry.method == 8:
            try:
                content = zlib.decompressobj(-15).decompress(raw)
            except zlib.error:
                raise self._damaged() from None
        else:
            raise InputError(f"{self.path}: its part {name} is compressed in a way lifkit cannot read "
                             f"(method {entry.method}).", "Open it in Excel and save it again as .xlsx.")
        if zlib.crc32(content) != entry.crc or len(content) != entry.usize:
            raise self._damaged()
        return content

    def chunks(self, replacements: dict[str, bytes | None]) -> Iterable[bytes]:
        """The archive with ``replacements`` (name -> new content, or None to leave the part out); every
        other member copied byte for byte, in the same order."""
        records = {}
        position = 0
        for entry in sorted(self.entries, key=lambda e: e.offset):
            if entry.name in replacements:
                content = replacements[entry.name]
                if content is None:
                    continue
                method = 0 if entry.method == 0 else 8
                if method == 8:
                    compressor = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
                    packed = compressor.compress(content) + compressor.flush()
                else:
                    packed = content
                crc = zlib.crc32(content)
                flags = entry.flags & 0x0800  # keep "UTF-8 name"; no data descriptor, no encryption
                dos_time, dos_date = struct.unpack_from("<HH", entry.record, 12)
                header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, dos_time, dos_date, crc,
                                     len(packed), len(content), len(entry.raw_name), 0) + entry.raw_name
                made_by, = struct.unpack_from("<H", entry.record, 4)
                nlen, xlen, clen = struct.unpack_from("<HHH", entry.record, 28)
                internal, external = struct.unpack_from("<HI", entry.record, 36)
                comment = entry.record[46 + nlen + xlen:]
                _check_32bit(position, self.path)
                records[entry.name] = struct.pack(
                    "<IHHHHHHIIIHHHHHII", 0x02014B50, made_by, 20, flags, method, dos_time, dos_date, crc,
                    len(packed), len(content), len(entry.raw_name), 0, clen, 0, internal, external,
                    position) + entry.raw_name + comment
                yield header
                yield packed
                position += len(header) + len(packed)
            else:
                record = bytearray(entry.record)
                _check_32bit(position, self.path)
                if entry.offset_in_extra is not None:
                    struct.pack_into("<Q", record, entry.offset_in_extra, position)
                else:
                    struct.pack_into("<I", record, 42, position)
                records[entry.name] = bytes(record)
                raw = memoryview(self.data)[entry.offset:entry.end]
                yield raw
                position += len(raw)
        cd_start = position
        cd_size = 0
        count = 0
        for entry in self.entries:
            record = records.get(entry.name)
            if record is None:
                continue
            yield record
            cd_size += len(record)
            count += 1
        _check_32bit(cd_start + cd_size, self.path)
        yield struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_start,
                          len(self.comment)) + self.comment


def _check_32bit(position: int, path: Path) -> None:
    if position >= 0xFFFFFFFF:
        raise InputError(f"{path} would be larger than 4 GB, which lifkit does not write.",
                         "Move old rows to an archive workbook.")


