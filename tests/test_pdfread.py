"""Reading a returned PDF: it never loads the drawing code, and the PDF library lifkit reads with gives
the same values as the reader it replaced on every kind of return in the suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DRAWING = ("reportlab",)


def _modules_after(root: Path, *argv: str) -> tuple[int, list[str], str]:
    """Run ``lifkit argv`` in a fresh interpreter; its exit status and which drawing modules it loaded."""
    code = (
        "import sys\n"
        "from lifkit.cli import cli\n"
        "status = 0\n"
        f"try:\n    cli.main({['--workspace', str(root), *argv]!r}, prog_name='lifkit')\n"
        "except SystemExit as exc:\n    status = exc.code or 0\n"
        f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & set({DRAWING!r})))\n"
        "print('STATUS', status)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={"LIFKIT_TODAY": "2026-11-25", "PATH": "/usr/bin:/bin"})
    loaded = result.stdout.split("LOADED ")[-1].splitlines()[0]
    status = int(result.stdout.split("STATUS ")[-1].split()[0])
    return status, eval(loaded), result.stdout  # noqa: S307 - our own printed list


def test_validate_and_collect_load_no_reportlab(demo_workspace, tmp_path: Path):
    source, _ = demo_workspace
    root = tmp_path / "practice"
    shutil.copytree(source, root)
    returns = sorted((root / "saved-mail" / "CIEC-2026-002").glob("*.pdf"))
    assert returns, "the demo keeps the second case's returned forms"
    status, loaded, output = _modules_after(root, "validate", "--case", "CIEC-2026-002", *map(str, returns))
    assert status in (0, 1), output  # read and checked, not refused as unreadable
    assert "OK " in output or "PROBLEMS" in output
    assert loaded == [], output
    status, loaded, output = _modules_after(root, "collect", "CIEC-2026-002",
                                            *map(str, sorted((root / "saved-mail" / "CIEC-2026-002").glob("*.eml"))))
    assert status in (0, 1), output
    assert loaded == [], output


# --- the new reader reads what the old one read --------------------------------------------------
#
# lifkit read returns with pypdf until it moved to pikepdf (qpdf) for speed. _pypdf_read_form is that
# reader, kept here word for word as the reference: on every fixture and on forms filled by each
# third-party filler the suite knows, both must give the same boxes, values and document information.


def _pypdf_read_form(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(str(path), strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise PermissionError("password")
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


def _both(path: Path):
    from lifkit.mechanics.pdf import PasswordProtected, read_form

    try:
        old = _pypdf_read_form(path)
    except PermissionError:
        old = "password"
    try:
        new = read_form(path)
    except PasswordProtected:
        new = "password"
    return old, new


def fill_with_pymupdf(blank: Path, values: dict, out: Path) -> Path:
    """Fill as PyMuPDF (MuPDF) does: each widget's value set and its appearance redrawn."""
    pymupdf = pytest.importorskip("pymupdf")
    document = pymupdf.open(str(blank))
    for page in document:
        for widget in page.widgets():
            if widget.field_name not in values:
                continue
            value = values[widget.field_name]
            if isinstance(value, bool):
                widget.field_value = widget.on_state() if value else "Off"
            else:
                widget.field_value = str(value)
            widget.update()
    document.save(str(out))
    document.close()
    return out


def fill_with_pdfium(blank: Path, values: dict, out: Path) -> Path:
    """Fill as a PDFium viewer (Chrome, Edge) does: focus each box and type into it, tick with the space
    bar, pick from a drop-down list, through PDFium's form-filling interface."""
    import ctypes

    pdfium = pytest.importorskip("pypdfium2")
    import pypdfium2.raw as c

    def text_of(getter, *args) -> str:
        size = getter(*args, None, 0)
        buffer = ctypes.create_string_buffer(size)
        getter(*args, ctypes.cast(buffer, ctypes.POINTER(c.FPDF_WCHAR)), size)
        return buffer.raw[:size - 2].decode("utf-16-le")

    document = pdfium.PdfDocument(str(blank))
    document.init_forms()
    env = document.formenv.raw
    for page in document:
        c.FORM_OnAfterLoadPage(page.raw, env)
        for index in range(c.FPDFPage_GetAnnotCount(page.raw)):
            annot = c.FPDFPage_GetAnnot(page.raw, index)
            name = text_of(c.FPDFAnnot_GetFormFieldName, env, annot)
            kind = c.FPDFAnnot_GetFormFieldType(env, annot)
            if name in values:
                value = values[name]
                c.FORM_SetFocusedAnnot(env, annot)
                if kind == c.FPDF_FORMFIELD_CHECKBOX:
                    if bool(c.FPDFAnnot_IsChecked(env, annot)) != bool(value):
                        c.FORM_OnChar(env, page.raw, ord(" "), 0)
                elif kind == c.FPDF_FORMFIELD_COMBOBOX:
                    labels = [text_of(c.FPDFAnnot_GetOptionLabel, env, annot, k)
                              for k in range(c.FPDFAnnot_GetOptionCount(env, annot))]
                    c.FORM_SetIndexSelected(env, page.raw, labels.index(str(value)), True)
                else:
                    c.FORM_SelectAllText(env, page.raw)
                    typed = ctypes.create_string_buffer((str(value) + "\x00").encode("utf-16-le"))
                    c.FORM_ReplaceSelection(env, page.raw, ctypes.cast(typed, c.FPDF_WIDESTRING))
                c.FORM_ForceToKillFocus(env)
            c.FPDFPage_CloseAnnot(annot)
        c.FORM_OnBeforeClosePage(page.raw, env)
    document.save(str(out))
    document.close()
    return out


def qpdf_resave(source: Path, out: Path, *options: str) -> Path:
    from conftest import require_tool

    subprocess.run([require_tool("qpdf"), *options, str(source), str(out)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> dict[str, Path]:
    """Returned forms of both kinds, made by every filler in the suite; and the blank forms."""
    from conftest import Lifkit, fill_placeholders
    from returns import CIGINF1_VALUES, CIGSCR1_VALUES, blank_form, fill_pdf
    from test_forms import write_case

    root = tmp_path_factory.mktemp("readers")
    ws_root = root / "lscb"
    Lifkit()("init", ws_root)
    fill_placeholders(ws_root)
    write_case(ws_root)
    ws = Lifkit(ws_root)
    made = {}
    for form_id, values in (("cigscr1", CIGSCR1_VALUES), ("ciginf1", CIGINF1_VALUES)):
        blank = made[f"{form_id}-blank"] = blank_form(ws, root / f"{form_id}-blank.pdf", form_id)
        for tool in ("pypdf", "pdftk"):
            made[f"{form_id}-{tool}"] = fill_pdf(blank, values, root / f"{form_id}-{tool}.pdf", tool)
        made[f"{form_id}-pymupdf"] = fill_with_pymupdf(blank, values, root / f"{form_id}-pymupdf.pdf")
        made[f"{form_id}-pdfium"] = fill_with_pdfium(blank, values, root / f"{form_id}-pdfium.pdf")
        made[f"{form_id}-qpdf"] = qpdf_resave(made[f"{form_id}-pdfium"], root / f"{form_id}-qpdf.pdf")
        made[f"{form_id}-qpdf-objstreams"] = qpdf_resave(made[f"{form_id}-pymupdf"], root / f"{form_id}-qpdf-os.pdf",
                                                         "--object-streams=generate")
        made[f"{form_id}-owner-password"] = qpdf_resave(made[f"{form_id}-pdftk"], root / f"{form_id}-owner.pdf",
                                                        "--encrypt", "", "owner", "256", "--print=none", "--")
        data = made[f"{form_id}-pdftk"].read_bytes()  # every offset in the cross-reference table now wrong
        shifted = root / f"{form_id}-shifted.pdf"
        shifted.write_bytes(data[:9] + b"%" + b"x" * 40 + b"\n" + data[9:])
        made[f"{form_id}-shifted-xref"] = shifted
        made[f"{form_id}-password"] = qpdf_resave(made[f"{form_id}-pypdf"], root / f"{form_id}-locked.pdf",
                                                  "--encrypt", "secret", "owner", "256", "--")
    made["merged"] = _merged([made["ciginf1-pymupdf"], made["ciginf1-pdftk"]], root / "merged.pdf")
    return made


def _merged(sources: list[Path], out: Path) -> Path:
    """Two returns merged as the pack merges forms: each one's fields under a parent named for it."""
    import warnings

    import pikepdf

    from lifkit.mechanics.pdf import adopt_fields

    with pikepdf.new() as merged:
        readers = [pikepdf.open(source) for source in sources]
        for index, reader in enumerate(readers):
            with warnings.catch_warnings():  # the fields come along by adopt_fields, which is what is tested
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                merged.pages.extend(reader.pages)
            adopt_fields(merged, reader, f"R{index + 1}")
        merged.save(out)
        for reader in readers:
            reader.close()
    return out


FILLERS = ["pypdf", "pdftk", "pymupdf", "pdfium", "qpdf", "qpdf-objstreams", "owner-password", "shifted-xref"]


@pytest.mark.parametrize("form_id", ["cigscr1", "ciginf1"])
@pytest.mark.parametrize("filler", FILLERS)
def test_each_filler_reads_the_same_with_both_readers(filled, form_id: str, filler: str):
    from returns import CIGINF1_VALUES, CIGSCR1_VALUES

    old, new = _both(filled[f"{form_id}-{filler}"])
    assert new == old
    fields, info = new
    assert info["LifkitForm"] == form_id.upper()
    values = CIGSCR1_VALUES if form_id == "cigscr1" else CIGINF1_VALUES
    for name, value in values.items():  # and what the filler typed is there, not two empty readings
        if isinstance(value, bool):
            assert (fields[name] != "/Off") == value, (filler, name, fields[name])
        else:
            assert fields[name] == value, (filler, name)


@pytest.mark.parametrize("form_id", ["cigscr1", "ciginf1"])
def test_blank_and_locked_forms_read_the_same(filled, form_id: str):
    old, new = _both(filled[f"{form_id}-blank"])
    assert new == old
    assert [k for k, v in new[0].items() if v.strip() not in ("", "/Off")] == ["lifkit_identity"]
    assert _both(filled[f"{form_id}-password"]) == ("password", "password")


def test_fields_under_a_parent_read_the_same(filled):
    old, new = _both(filled["merged"])
    assert new == old
    assert new[0]["R1.completed_name"] == new[0]["R2.completed_name"] == "Fictional Officer"
    assert "R1" not in new[0]  # the parent only groups the fields


def test_every_pdf_of_the_demo_reads_the_same(demo_workspace):
    """Blank requests, returns by every agency, the merged packs (fields renamed under prefixes), the
    encrypted pack: all that lifkit itself makes and keeps."""
    root, _ = demo_workspace
    pdfs = sorted(root.rglob("*.pdf"))
    assert len(pdfs) > 40
    for path in pdfs:
        old, new = _both(path)
        assert new == old, path.relative_to(root)


def test_each_form_is_drawn_once_and_numbers_its_pages(workspace: Path, tmp_path: Path, monkeypatch):
    """reportlab lays a form out once: "Page x of y" is written when the last page is known."""
    import lifkit.documents.pdfform as pdfform
    from conftest import Lifkit, require_tool

    drawn = []
    real = pdfform._build
    monkeypatch.setattr(pdfform, "_build", lambda ctx: drawn.append(ctx.form.id) or real(ctx))
    out = tmp_path / "referral.pdf"
    result = Lifkit(workspace)("form", "referral", "-o", out)
    assert result.exit_code == 0, result.output
    assert len(drawn) == 1
    text = subprocess.run([require_tool("pdftotext"), "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.count("\f")
    assert pages >= 2
    assert [f"Page {n} of {pages}" in text for n in range(1, pages + 1)] == [True] * pages


def test_help_loads_no_pdf_library():
    code = (
        "import sys\n"
        "from lifkit.cli import cli\n"
        "try:\n    cli.main(['--help'], prog_name='lifkit')\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & {'pikepdf', 'pypdf', 'reportlab'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "LOADED []" in result.stdout
