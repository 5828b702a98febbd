"""No input, of any size, takes lifkit past 300 MB of memory or 10 s before it is refused.

Each test runs lifkit in a child process on a hostile file and reads that child's own peak memory
(``os.wait4``), so the figures are lifkit's alone. The files are made as an attacker would: small on
the outside, huge once inflated or parsed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

PEAK_MB = 300
REPO = Path(__file__).resolve().parent.parent  # `python -m lifkit` from here runs this checkout's lifkit
SECONDS = 10
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MB = 1024 * 1024


# lifkit is started by a small Python that waits for it and writes down its figures: a child started
# straight from pytest would inherit pytest's own peak memory as its starting figure (Linux carries the
# high-water mark of the parent's memory, shared by vfork, across exec).
_WRAPPER = """
import json, os, resource, sys
limit = 4 * 1024 ** 3  # a regression fails the test rather than taking the shared machine's memory
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
pid = os.posix_spawn(sys.executable, [sys.executable, "-m", "lifkit", *sys.argv[2:]], os.environ)
_pid, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump([os.waitstatus_to_exitcode(status), usage.ru_maxrss, usage.ru_utime + usage.ru_stime], out)
"""


def run_lifkit(*args) -> tuple[int, str, float, float]:
    """lifkit's exit status, its output, its peak resident memory in MB and the processor seconds it took
    (not wall-clock time, which other work on a shared machine stretches)."""
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        figures = Path(folder) / "figures.json"
        done = subprocess.run([sys.executable, "-c", _WRAPPER, str(figures), *map(str, args)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              timeout=6 * SECONDS)
        status, peak_kb, seconds = json.loads(figures.read_text())
    return status, done.stdout.decode("utf-8", "replace"), peak_kb / 1024, seconds


def docx_with(path: Path, document: bytes | None, method: int = zipfile.ZIP_DEFLATED, stream=None) -> Path:
    """A .docx whose word/document.xml is ``document`` (or the chunks of ``stream``), compressed with ``method``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                                                'content-types"/>')
        info = zipfile.ZipInfo("word/document.xml")
        info.compress_type = method
        with archive.open(info, "w", force_zip64=True) as handle:
            for chunk in (stream if stream is not None else [document]):
                handle.write(chunk)
    return path


def empty_paragraphs(megabytes: int):
    yield f'<w:document xmlns:w="{W}"><w:body>'.encode()
    for _ in range(megabytes):
        yield b"<w:p/>" * (MB // 6)
    yield b"</w:body></w:document>"


def spaces(megabytes: int):
    yield f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'.encode()
    for _ in range(megabytes):
        yield b" " * MB
    yield b"</w:t></w:r></w:p></w:body></w:document>"


def check(status: int, output: str, peak: float, seconds: float, expected: int = 2) -> None:
    assert "Traceback" not in output and "internal fault" not in output, output
    assert status == expected, output
    assert peak < PEAK_MB, f"{peak:.0f} MB"
    assert seconds < SECONDS, f"{seconds:.1f} s"


def test_a_bzip2_docx_is_refused_before_it_is_inflated(workspace: Path, tmp_path: Path):
    # under 1 kB on disk; 300 MB once inflated, all in one call of the bzip2 decompressor
    bomb = docx_with(tmp_path / "bzip2.docx", None, zipfile.ZIP_BZIP2, stream=spaces(300))
    assert bomb.stat().st_size < 2_000
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "validate", bomb)
    check(status, output, peak, seconds)
    assert "compressed in a way Word never uses" in output


def test_a_docx_of_empty_paragraphs_is_refused(workspace: Path, tmp_path: Path):
    bomb = docx_with(tmp_path / "paragraphs.docx", None, stream=empty_paragraphs(60))  # about 120 kB
    assert bomb.stat().st_size < 200_000
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "validate", bomb)
    check(status, output, peak, seconds)
    assert "far larger than any form" in output


def test_a_docx_of_too_many_elements_is_refused(workspace: Path, tmp_path: Path):
    bomb = docx_with(tmp_path / "elements.docx", None, stream=empty_paragraphs(12))  # under the size limit
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "validate", bomb)
    check(status, output, peak, seconds)
    assert "far more than any form" in output


def big_eml(path: Path, attachment_mb: int) -> Path:
    message = EmailMessage()
    message["From"] = "pol.ciec@testshire.example"
    message["Subject"] = "RE: request"
    message.set_content("attached")
    message.add_attachment(os.urandom(attachment_mb * MB), maintype="application", subtype="pdf",
                           filename="big.pdf")
    path.write_bytes(message.as_bytes())
    return path


@pytest.fixture
def case(workspace: Path, fixed_today) -> str:
    from returns import CIGSCR1_VALUES, blank_form, fill_pdf
    from conftest import Lifkit

    ws = Lifkit(workspace)
    referral = fill_pdf(blank_form(ws, workspace.parent / "blank.pdf", "cigscr1"), CIGSCR1_VALUES,
                        workspace.parent / "referral.pdf")
    result = ws("referral", "open", referral, "--notified", "02/11/2026")
    assert result.exit_code == 0, result.output
    return "CIEC-2026-001"


def test_a_huge_eml_is_refused_before_it_is_read(workspace: Path, case: str, tmp_path: Path):
    eml = tmp_path / "huge.eml"
    with eml.open("wb") as handle:  # 137 MB
        handle.write(b"From: pol.ciec@testshire.example\r\nSubject: RE: request\r\n\r\n")
        for _ in range(137):
            handle.write(b"A" * 76 * (MB // 77) + b"\r\n")
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "collect", case, eml)
    check(status, output, peak, seconds, expected=1)
    assert "larger than lifkit reads as one message" in output


def test_the_largest_eml_read_stays_within_bounds(workspace: Path, case: str, tmp_path: Path):
    from lifkit.documents.mail import MAX_MESSAGE_BYTES

    eml = big_eml(tmp_path / "large.eml", int(MAX_MESSAGE_BYTES / MB * 0.7))  # base64: just under the limit
    assert MAX_MESSAGE_BYTES * 0.9 < eml.stat().st_size <= MAX_MESSAGE_BYTES
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "collect", case, eml)
    check(status, output, peak, seconds, expected=1)


def test_a_message_of_many_parts_stays_within_bounds(workspace: Path, case: str, tmp_path: Path):
    from lifkit.documents.mail import MAX_MESSAGE_BYTES

    eml = tmp_path / "parts.eml"
    boundary = b"b"
    part = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    count = int(MAX_MESSAGE_BYTES * 0.95) // len(part)
    eml.write_bytes(b"From: pol.ciec@testshire.example\r\nSubject: RE\r\nMIME-Version: 1.0\r\n"
                    b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n' + part * count + b"--b--\r\n")
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "collect", case, eml)
    check(status, output, peak, seconds, expected=1)


@pytest.fixture
def filled_return(workspace: Path, fixed_today) -> Path:
    from conftest import Lifkit
    from returns import CIGINF1_VALUES, blank_form, fill_pdf
    from test_forms import write_case

    write_case(workspace)
    ws = Lifkit(workspace)
    return fill_pdf(blank_form(ws, workspace.parent / "blank.pdf", "ciginf1"), CIGINF1_VALUES,
                    workspace.parent / "return.pdf")


def test_a_box_value_that_inflates_to_300_mb_is_refused(workspace: Path, filled_return: Path, tmp_path: Path):
    import zlib

    import pikepdf

    squeeze = zlib.compressobj(9)
    bomb = b"".join(squeeze.compress(b"A" * MB) for _ in range(300)) + squeeze.flush()
    with pikepdf.open(filled_return) as pdf:
        box = next(f for f in pdf.Root.AcroForm.Fields if f.get("/FT") == "/Tx")
        value = pdf.make_stream(b"")
        value.write(bomb, filter=pikepdf.Name.FlateDecode)
        box.V = value
        pdf.save(tmp_path / "value-bomb.pdf")
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "validate", tmp_path / "value-bomb.pdf")
    check(status, output, peak, seconds)
    assert "holds far more than any form does" in output


@pytest.mark.filterwarnings("ignore:This document has .* form widget")  # the widgets are left out on purpose
def test_a_pdf_of_too_many_boxes_is_refused(workspace: Path, filled_return: Path, tmp_path: Path):
    import pikepdf

    with pikepdf.open(filled_return) as pdf:
        boxes = pikepdf.Array()
        for number in range(40_000):
            boxes.append(pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String(f"box{number}"), FT=pikepdf.Name.Tx,
                                                              V=pikepdf.String("x"))))
        pdf.Root.AcroForm.Fields = boxes
        pdf.save(tmp_path / "boxes.pdf")
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "validate", tmp_path / "boxes.pdf")
    check(status, output, peak, seconds)
    assert "more than 10,000 fields" in output


def test_a_docx_of_too_many_parts_is_refused_before_its_directory_is_read(workspace: Path, tmp_path: Path):
    bomb = tmp_path / "parts.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", f'<w:document xmlns:w="{W}"/>')
        for number in range(70_000):
            archive.writestr(f"{number:x}", b"")
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "validate", bomb)
    check(status, output, peak, seconds)
    assert "65,535 or more parts" in output
    assert peak < 60, f"{peak:.0f} MB: the directory was read"


def test_a_pdf_of_too_many_objects_is_refused_before_it_is_indexed(workspace: Path, tmp_path: Path):
    bomb = tmp_path / "objects.pdf"  # 29 MB of tiny objects and no cross-reference table to find them by
    bomb.write_bytes(b"%PDF-1.7\n" + b"".join(b"%d 0 obj\n<</A %d>>\nendobj\n" % (n, n) for n in range(1, 900_000))
                     + b"%%EOF\n")
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "validate", bomb)
    check(status, output, peak, seconds)
    assert "holds far more than any form does (899,999 objects)" in output
