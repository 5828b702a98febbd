"""The text of a review's document (a PDF, a Word .docx or plain text), in places a person can find: a
PDF's pages, a Word document's paragraphs, a text file's lines. Used to search a report for the case's
identifiers before it is recorded as published."""

from __future__ import annotations

from pathlib import Path

from lifkit.errors import InputError

TEXT_SUFFIXES = (".pdf", ".docx", ".txt")


def places(path: Path) -> list[tuple[str, str]]:
    """(where, text) for each page, paragraph or line of the document at ``path``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return [(f"page {n}", text) for n, text in enumerate(_pdf_pages(path), start=1)]
    if suffix == ".docx":
        return [(f"paragraph {n}", text) for n, text in enumerate(_docx_paragraphs(path), start=1) if text.strip()]
    if suffix == ".txt":
        text = path.read_bytes().decode("utf-8", errors="replace")
        return [(f"line {n}", line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    raise InputError(f"{path.name}: lifkit cannot read the text of a {suffix or 'file without a suffix'} file, so "
                     "it cannot search it for the case's names.",
                     f"File the report as {', '.join(s[1:].upper() for s in TEXT_SUFFIXES)}.")


def _pdf_pages(path: Path) -> list[str]:
    from lifkit.mechanics.pdf import PasswordProtected, page_texts

    try:
        return page_texts(path)
    except PasswordProtected:
        raise InputError(f"{path.name} needs a password to open, so lifkit cannot search it for the case's names.",
                         "File a copy without a password.") from None
    except Exception as exc:  # noqa: BLE001 - any damage the PDF library reports: the file cannot be read
        raise InputError(f"{path.name} cannot be read as a PDF ({type(exc).__name__}).",
                         "Save it again as PDF and file that copy.") from None


def _docx_paragraphs(path: Path) -> list[str]:
    import zipfile

    from lxml import etree

    from lifkit.mechanics.safezip import UnsafePackage, open_package, parse_xml

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    try:
        with open_package(path) as archive:
            root = parse_xml(archive.read("word/document.xml"), "word/document.xml")
    except (UnsafePackage, zipfile.BadZipFile, KeyError, OSError, etree.LxmlError, ValueError) as exc:
        raise InputError(f"{path.name} cannot be read as a Word document ({getattr(exc, 'reason', None) or exc}).",
                         "Save it again as .docx (or PDF) and file that copy.") from None
    return ["".join(t.text or "" for t in p.iter(f"{w}t")) for p in root.iter(f"{w}p")]
