"""Mutated returns through `lifkit validate`: whatever is done to a returned form, lifkit reports it in
words (exit 0, 1 or 2), never an internal fault (exit 5) and never a traceback.

The default suite runs a few hundred mutations; `make fuzz` runs ten thousand (LIFKIT_FUZZ=10000).
Each mutation is made from its number alone, so a failure names the number that reproduces it.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from pathlib import Path

import pytest

from conftest import Lifkit
from returns import CIGINF1_VALUES, blank_form, fill_docx, fill_pdf
from test_forms import write_case

COUNT = int(os.environ.get("LIFKIT_FUZZ", "300"))
BATCH = 25
INTERESTING = [b"", b"\x00", b"\xff" * 8, b"%PDF-1.7", b"obj", b"endobj", b"stream", b"endstream", b"xref", b"trailer",
               b"/Length 999999999", b"/FlateDecode", b"<<", b">>", b"(", b")", b"[", b"]", b"/V (\xc3\xa9)",
               b"<w:p/>" * 10, b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", b"&a;", "\u00e9\u202e".encode(), b"-1",
               b"99999999999999999999", b"/LifkitToken (\xc3\xa9\xc3\xa9)", b"\r\n", b"PK\x03\x04"]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    """A workspace and two valid returns (PDF and Word) to mutate."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIFKIT_TODAY", "2026-11-25")
        root = tmp_path_factory.mktemp("fuzz")
        workspace = root / "lscb"
        from conftest import fill_placeholders

        assert Lifkit()("init", workspace).exit_code == 0
        fill_placeholders(workspace)
        write_case(workspace)
        ws = Lifkit(workspace)
        pdf = fill_pdf(blank_form(ws, root / "blank.pdf", "ciginf1"), CIGINF1_VALUES, root / "return.pdf")
        docx = fill_docx(blank_form(ws, root / "blank.docx", "ciginf1", fmt="docx"), CIGINF1_VALUES,
                         root / "return.docx")
        yield workspace, {"pdf": pdf.read_bytes(), "docx": docx.read_bytes()}


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 16))):
        kind = rng.randrange(6)
        at = rng.randrange(len(data) + 1)
        if kind == 0 and data:  # flip bits
            at = min(at, len(data) - 1)
            data[at] ^= 1 << rng.randrange(8)
        elif kind == 1:  # insert something a parser cares about
            data[at:at] = rng.choice(INTERESTING)
        elif kind == 2:  # cut
            del data[at:at + rng.randrange(1, 4096)]
        elif kind == 3:  # truncate
            del data[at:]
        elif kind == 4 and data:  # repeat a piece
            piece = data[at:at + rng.randrange(1, 512)]
            data[at:at] = piece * rng.randrange(1, 8)
        else:  # overwrite a piece with random bytes
            data[at:at + 8] = rng.randbytes(8)
    return bytes(data)


VALUES = ["\u00e9" * 32, "=cmd|' /C calc'!A0", "", " ", "x" * 100_000, "\u202e\u0000\u0007", "CIEC-2026-999",
          "\U0001F44D" * 40, "31/02/2026", "-1", "1e309", "../../etc/passwd", "<b>&amp;</b>"]


def mutate_values(part: bytes, rng: random.Random) -> bytes:
    """Well-formed XML with the text of some boxes or properties (the hidden token among them) replaced."""
    import re
    from xml.sax.saxutils import escape

    texts = list(re.finditer(rb"(<(?:w:t|vt:lpwstr)(?: [^>]*)?>)([^<]*)(</(?:w:t|vt:lpwstr)>)", part))
    for match in rng.sample(texts, min(len(texts), rng.randrange(1, 4))):
        value = "".join(ch for ch in rng.choice(VALUES) if ch in "\t\n" or ord(ch) >= 32)  # XML 1.0 characters
        part = part.replace(match.group(0), match.group(1) + escape(value).encode() + match.group(3), 1)
    return part


def mutate_docx(data: bytes, rng: random.Random) -> bytes:
    """A .docx whose parts (document.xml, custom properties, relationships) are mutated inside a valid zip:
    as bytes (damaged), or as values in well-formed XML (what an agency or an attacker can type)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    names = ["word/document.xml", "docProps/custom.xml", "_rels/.rels", rng.choice(list(parts))]
    for name in rng.sample(names, rng.randrange(1, 3)):
        if name in parts:
            mutate = mutate_values if rng.random() < 0.5 else mutate_bytes
            parts[name] = mutate(parts[name], rng)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", rng.choice((zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED))) as archive:
        for name, part in parts.items():
            archive.writestr(name, part)
    return out.getvalue()


def mutant(number: int, originals: dict[str, bytes]) -> tuple[str, bytes]:
    rng = random.Random(number)
    kind = rng.choice(("pdf", "docx"))
    if kind == "docx" and rng.random() < 0.6:
        return kind, mutate_docx(originals["docx"], rng)
    return kind, mutate_bytes(originals[kind], rng)


def faults(ws: Lifkit, paths: list[Path]) -> list[str]:
    result = ws("validate", *paths)
    if result.exit_code in (0, 1, 2) and "Traceback" not in result.output:
        return []
    if len(paths) == 1:
        return [f"{paths[0].name}: exit {result.exit_code}: {result.output[-500:]}"]
    return [fault for path in paths for fault in faults(ws, [path])]


@pytest.mark.parametrize("start", range(0, COUNT, BATCH))
def test_mutated_returns_are_reported_in_words(seeds, tmp_path: Path, start: int, monkeypatch):
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-25")
    workspace, originals = seeds
    paths = []
    for number in range(start, min(start + BATCH, COUNT)):
        kind, data = mutant(number, originals)
        path = tmp_path / f"mutant-{number}.{kind}"
        path.write_bytes(data)
        paths.append(path)
    assert faults(Lifkit(workspace), paths) == []
