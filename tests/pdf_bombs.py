"""PDFs of a few megabytes that inflate to gigabytes, made as an attacker would (and in a moment: one
piece of deflated zeros compressed once and repeated), for tests that lifkit measures before it parses."""

from __future__ import annotations

import zlib

MB = 1024 * 1024
PIECE_MB = 16


def deflated_zeros(megabytes: int, prefix: bytes = b"") -> bytes:
    """A zlib stream, checksum and all, of ``prefix`` then ``megabytes`` MB of zero bytes (whitespace, to
    a PDF reader), about a thousandth of that size: a piece of deflated zeros ending in a full flush
    stands alone, so it is made once and repeated."""
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = head.compress(prefix) + head.flush(zlib.Z_FULL_FLUSH)
    maker = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = maker.compress(bytes(PIECE_MB * MB)) + maker.flush(zlib.Z_FULL_FLUSH)
    count = megabytes // PIECE_MB
    checksum = zlib.adler32(prefix)
    low, high = checksum & 0xFFFF, checksum >> 16
    high = (high + low * count * PIECE_MB * MB) % 65521  # adding zeros leaves the low half as it is
    return b"\x78\xda" + first + piece * count + b"\x03\x00" + ((high << 16) | low).to_bytes(4, "big")


def _stream(number: int, entries: bytes, data: bytes) -> bytes:
    return b"%d 0 obj\n<<%s/Length %d>>\nstream\n%s\nendstream\nendobj\n" % (number, entries, len(data), data)


def _classic(objects: list[bytes], root: int = 1) -> bytes:
    """``objects`` (each whole, numbered from 1 in order) with a cross-reference table."""
    out, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), []
    for body in objects:
        offsets.append(len(out))
        out += body
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root %d 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, start)
    return bytes(out)


PAGES = b"2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n"


def content_stream_bomb(megabytes: int = 2048, entries: bytes = b"/Filter/FlateDecode") -> bytes:
    """One page whose content stream (a stream dictionary of ``entries``) inflates to ``megabytes`` MB."""
    return _classic([b"1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n", PAGES,
                     b"3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>\nendobj\n",
                     _stream(4, entries, deflated_zeros(megabytes, b"BT ET "))])


def image_bomb(megabytes: int = 2048) -> bytes:
    """One page showing a grey picture that inflates to ``megabytes`` MB."""
    width = 32768
    height = megabytes * MB // width
    return _classic([
        b"1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n", PAGES,
        b"3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</XObject<</Im1 5 0 R>>>>"
        b"/Contents 4 0 R>>\nendobj\n",
        _stream(4, b"", b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
        _stream(5, b"/Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceGray/BitsPerComponent 8"
                   b"/Filter/FlateDecode" % (width, height), deflated_zeros(megabytes))])


def object_stream_bomb(megabytes: int = 2048) -> bytes:
    """A PDF whose catalog is packed in an object stream that inflates to ``megabytes`` MB: a reader
    inflates it whole to find the catalog."""
    catalog = b"<</Type/Catalog/Pages 3 0 R>>"
    header = b"2 0 "
    packed = deflated_zeros(megabytes, header + catalog + b" ")
    out, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), {}
    offsets[1] = len(out)
    out += _stream(1, b"/Type/ObjStm/N 1/First %d/Filter/FlateDecode" % len(header), packed)
    offsets[3] = len(out)
    out += b"3 0 obj\n<</Type/Pages/Kids[4 0 R]/Count 1>>\nendobj\n"
    offsets[4] = len(out)
    out += b"4 0 obj\n<</Type/Page/Parent 3 0 R/MediaBox[0 0 595 842]>>\nendobj\n"
    offsets[5] = len(out)
    rows = [(0, 0, 65535), (1, offsets[1], 0), (2, 1, 0), (1, offsets[3], 0), (1, offsets[4], 0), (1, offsets[5], 0)]
    table = b"".join(kind.to_bytes(1, "big") + field.to_bytes(4, "big") + gen.to_bytes(2, "big")
                     for kind, field, gen in rows)
    out += _stream(5, b"/Type/XRef/Size 6/W[1 4 2]/Root 2 0 R", table)
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[5]
    return bytes(out)


BOMBS = {"object stream": object_stream_bomb, "content stream": content_stream_bomb, "picture": image_bomb}


def values_bomb(count: int = 2_000_000) -> bytes:
    """No compression at all: a catalog whose one array holds ``count`` numbers, 4 MB on disk for two
    million, about 270 MB once the PDF library has read each as an object of its own."""
    return _classic([b"1 0 obj\n<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields 4 0 R>>>>\nendobj\n", PAGES,
                     b"3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>\nendobj\n",
                     b"4 0 obj\n[" + b"0 " * count + b"]\nendobj\n"])
