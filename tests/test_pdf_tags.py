"""The PDF forms are tagged for assistive technology (PDF/UA-1 in spirit, as far as it can be checked here).

Checked with pikepdf: the structure tree in reading order (title, section headings, labels as text, each
box a Form element holding its widget), every visible widget reached from it and back (its
/StructParent), the marked page content and artifacts, Tab order by structure, the language, the title
shown as the window title, and each box's tooltip. Then an independent checker, pdfua (the
machine-checkable rules of PDF/UA-1, on pikepdf), must report no error. Every form definition is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pytest

from lifkit.documents.formdef import FORM_IDS, load_form
from lifkit.documents.pdfform import render_pdf
from lifkit.documents.pdfread import IDENTITY_FIELD

from test_wordform import context

HIDDEN = 2  # annotation flag


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tags")
    made = {}
    for form_id in FORM_IDS:
        made[form_id] = folder / f"{form_id}.pdf"
        render_pdf(context(form_id), made[form_id])
    return made


def elements(node, found: list) -> list:
    """The structure elements under ``node``, depth first (reading order)."""
    kids = node.get("/K")
    if kids is None:
        return found
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            found.append(kid)
            elements(kid, found)
    return found


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_the_form_is_tagged_in_reading_order(forms, form_id):
    form = load_form(form_id)
    with pikepdf.open(forms[form_id]) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en-GB"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.docinfo.Title) == f"{form.id} {form.title}"
        tree = elements(pdf.Root.StructTreeRoot, [])
        roles = [str(e.S) for e in tree]
        assert roles[0] == "/Document"
        assert roles.count("/H1") == 1 and roles.index("/H1") == 1, "the form's title comes first, as one H1"
        assert roles.count("/H2") == len(form.sections), "every section heading is a heading"
        assert all(role in ("/Document", "/H1", "/H2", "/P", "/Form") for role in roles)

        # every box is a Form element holding its widget, in the order of the form, and back again
        boxes = [e for e in tree if e.S == "/Form"]
        names = [str(e.K.Obj.T) for e in boxes]
        expected = [name for name, f, _ in form.widgets() if not f.prefilled]
        assert names == expected, "boxes missing from the tree, or out of reading order"
        parent_tree = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(parent_tree[i]): parent_tree[i + 1] for i in range(0, len(parent_tree), 2)}
        for element in boxes:
            widget = element.K.Obj
            assert element.K.Type == "/OBJR"
            assert parents[int(widget.StructParent)].objgen == element.objgen
            assert element.Pg.objgen == element.K.Pg.objgen

        for index, page in enumerate(pdf.pages):
            annots = page.obj.get("/Annots", [])
            visible = [w for w in annots if not int(w.get("/F", 0)) & HIDDEN]
            if annots:
                assert page.obj.Tabs == "/S", f"page {index + 1}: Tab does not follow the structure"
            for widget in visible:
                assert "/StructParent" in widget, f"{widget.T} is not reached from the structure tree"
            # the page's text is marked content (an MCID each) or an artifact (header, footer)
            content = b"".join(part.read_bytes() for part in page.obj.Contents) \
                if isinstance(page.obj.Contents, pikepdf.Array) else page.obj.Contents.read_bytes()
            mcids = [int(m) for m in re.findall(rb"<</MCID (\d+)>> BDC", content)]
            assert mcids == list(range(len(mcids))) and mcids, f"page {index + 1}"
            assert len(parents[int(page.obj.StructParents)]) == len(mcids)
            assert b"/Artifact BMC" in content
            outside = re.sub(rb"/\w+ (<</MCID \d+>> BDC|BMC).*?EMC", b"", content, flags=re.S)
            assert b"Tj" not in outside and b"TJ" not in outside, f"page {index + 1}: untagged text"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_box_has_a_tooltip_that_says_what_it_wants(forms, form_id):
    form = load_form(form_id)
    with pikepdf.open(forms[form_id]) as pdf:
        tooltips = {str(w.T): str(w.get("/TU", "")) for page in pdf.pages for w in page.obj.get("/Annots", [])}
    for name, field, column in form.widgets():
        if field.prefilled:
            continue
        kind = column.type if column is not None else field.type
        label = column.label if column is not None else field.label
        assert label in tooltips[name], name
        hint = {"date": "(date, dd/mm/yyyy)", "email": "(email address)", "phone": "(telephone number)",
                "yesno": "(Yes or No)", "tick": "(tick if it applies)"}.get(kind)
        if hint:
            assert tooltips[name].endswith(hint), (name, tooltips[name])
    assert IDENTITY_FIELD in tooltips


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_an_independent_pdf_ua_checker_finds_no_error(forms, form_id):
    import pdfua

    report = pdfua.validate(str(forms[form_id]))
    errors = [f"{f.rule_id}: {f.message}" for f in report.findings if f.severity >= pdfua.Severity.WARNING]
    assert errors == []  # warnings too: UA-28-004 is the XMP claim of PDF/UA every PDF lifkit writes makes


# --- the pack ----------------------------------------------------------------------------------


def test_the_pack_is_tagged_with_its_headings_language_title_and_bookmarks(demo_workspace):
    import pdfua

    root, _ = demo_workspace
    pack = sorted((root / "cases").glob("*/pack/CIEC-pack-*[0-9].pdf"))[0]
    with pikepdf.open(pack) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en-GB"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.docinfo.Title).startswith("CIEC pack ")
        assert len(list(pdf.open_outline().root)) >= 5, "bookmarks for every part"
        tree = elements(pdf.Root.StructTreeRoot, [])
        roles = [str(e.S) for e in tree]
        assert roles.count("/H1") >= 6 and "/H2" in roles and "/H3" in roles
        assert "/Div" in roles, "an attached document's page is a part of its own"
        assert_every_page_tagged(pdf)
    report = pdfua.validate(str(pack))
    assert [f.rule_id for f in report.findings if f.severity >= pdfua.Severity.WARNING] == []
    assert_claims_pdf_ua(pack, str(pdf_title(pack)))


def assert_every_page_tagged(pdf) -> None:
    """Each page's marked content numbered 0, 1, 2... and every piece in the structure tree (the ParentTree
    holds one parent for each), and its running heads drawn as artifacts."""
    parent_tree = pdf.Root.StructTreeRoot.ParentTree.Nums
    parents = {int(parent_tree[i]): parent_tree[i + 1] for i in range(0, len(parent_tree), 2)}
    for index, page in enumerate(pdf.pages):
        content = b"".join(part.read_bytes() for part in page.obj.Contents) \
            if isinstance(page.obj.Contents, pikepdf.Array) else page.obj.Contents.read_bytes()
        mcids = sorted(int(m) for m in re.findall(rb"<</MCID (\d+)>> BDC", content))
        assert mcids == list(range(len(mcids))) and mcids, f"page {index + 1} has no tagged content"
        assert len(parents[int(page.obj.StructParents)]) == len(mcids), f"page {index + 1}"
        assert b"/Artifact BMC" in content, f"page {index + 1}: running heads are not artifacts"


def pdf_title(path: Path) -> str:
    with pikepdf.open(path) as pdf:
        return str(pdf.docinfo.Title)


def assert_claims_pdf_ua(path: Path, title: str, password: str = "") -> None:
    """The XMP metadata claims PDF/UA-1 and agrees with the document information."""
    with pikepdf.open(path, password=password) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")
        assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
        with pdf.open_metadata() as meta:
            assert meta["dc:title"] == title
            assert meta["pdfuaid:part"] == "1"


def test_a_form_claims_pdf_ua_in_its_xmp_metadata(forms):
    for path in forms.values():
        assert_claims_pdf_ua(path, pdf_title(path))


def test_the_action_plans_pack_is_tagged_and_claims_pdf_ua(demo_workspace, tmp_path):
    """The review meeting's pack (`lifkit actions pack`) is tagged through the same path as the others:
    headings, paragraphs and tables in reading order, running heads as artifacts."""
    import shutil
    import subprocess
    import sys

    import pdfua

    from conftest import Lifkit

    source, _ = demo_workspace
    root = tmp_path / "practice"
    shutil.copytree(source, root)
    for password in ("", "fictional-pw-1"):
        out = tmp_path / f"actions{'-encrypted' if password else ''}.pdf"
        options = ["--password-env", "PACK_PW"] if password else []
        built = Lifkit(root)("actions", "pack", "--meeting", "22/12/2026", "-o", out, *options,
                             env={"LIFKIT_TODAY": "2026-11-25", "PACK_PW": password})
        assert built.exit_code in (0, 1), built.output
        with pikepdf.open(out, password=password) as pdf:
            assert pdf.Root.MarkInfo.Marked is True and str(pdf.Root.Lang) == "en-GB"
            roles = [str(e.S) for e in elements(pdf.Root.StructTreeRoot, [])]
            assert "/H1" in roles and "/H2" in roles and "/P" in roles
            for index, page in enumerate(pdf.pages):
                content = b"".join(part.read_bytes() for part in page.obj.Contents) \
                    if isinstance(page.obj.Contents, pikepdf.Array) else page.obj.Contents.read_bytes()
                assert b"/Artifact BMC" in content and b"/MCID 0" in content, f"page {index + 1}"
            title = str(pdf.docinfo.Title)
        assert_claims_pdf_ua(out, title, password)
        if not password:
            report = pdfua.validate(str(out))
            assert [f"{f.rule_id}: {f.message}" for f in report.findings
                    if f.severity >= pdfua.Severity.WARNING] == []
            checker = Path(sys.executable).with_name("pdfua")  # the command line of the test extras' pdfua
            check = subprocess.run([str(checker), "check", str(out)], capture_output=True, text=True)
            assert check.returncode == 0, check.stdout


def test_the_review_panel_pack_is_tagged_and_claims_pdf_ua(rapid_review_demo, tmp_path):
    """The review panel's pack (`lifkit review REF --pack`) is tagged through the same path as the other
    packs: its headings, paragraphs and tables in reading order, each filed document's placed page a part
    of its own (Div), the running heads artifacts; an independent checker finds no error."""
    import json
    import shutil
    import subprocess
    import sys

    import pdfua

    from conftest import Lifkit

    source, _ = rapid_review_demo
    root = tmp_path / "practice"
    shutil.copytree(source, root)
    built = Lifkit(root)("review", "RR-2025-001", "--pack", "--meeting", "25/11/2026", "--json",
                         env={"LIFKIT_TODAY": "2026-11-25"})
    assert built.exit_code in (0, 1), built.output
    made = json.loads(built.stdout)
    out = Path(made["file"])
    assert made["documents"], "the demo's review has documents filed to place in the pack"
    with pikepdf.open(out) as pdf:
        assert pdf.Root.MarkInfo.Marked is True and str(pdf.Root.Lang) == "en-GB"
        roles = [str(e.S) for e in elements(pdf.Root.StructTreeRoot, [])]
        assert "/H1" in roles and "/P" in roles
        assert roles.count("/Div") >= len(made["documents"]), "each placed page is a part of its own"
        assert_every_page_tagged(pdf)
        title = str(pdf.docinfo.Title)
    assert_claims_pdf_ua(out, title)
    report = pdfua.validate(str(out))
    assert [f"{f.rule_id}: {f.message}" for f in report.findings if f.severity >= pdfua.Severity.WARNING] == []
    check = subprocess.run([str(Path(sys.executable).with_name("pdfua")), "check", str(out)], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout
    # what a person sees: each heading on the page of its table, never alone at the foot of a page
    from conftest import require_tool

    pages = subprocess.run([require_tool("pdftotext"), "-layout", str(out), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    for heading, first_column in (("Stages", "Owner"), ("Documents filed", "In this pack")):
        page = next(p for p in pages if re.search(rf"^\s*{heading}\s*$", p, re.M))
        assert first_column in page, f"{heading!r} is apart from its table"
