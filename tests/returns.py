"""Making returned forms for tests, the way agencies make them: lifkit's blank form, filled by another
tool (pypdf or pdftk), sometimes altered afterwards. Every value is fictional."""

from __future__ import annotations

import copy
import subprocess
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

from conftest import Lifkit, require_tool

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
NS = {"w": W, "w14": W14}

CASE = "CIEC-2026-001"

CIGSCR1_VALUES = {
    "criterion_a": True, "criterion_b_i": True,
    "reasons": "Fictional reasons: the child died and neglect is suspected.",
    "summary": "A fictional summary of the case, written for lifkit's tests.",
    "child_name": "Fictional Child", "child_dob": "04/03/2015", "child_dod": "30/10/2026",
    "significant_people_1_name": "Fictional Parent", "significant_people_1_dob": "02/01/1988",
    "significant_people_1_relationship": "mother",
    "agency": "Testshire Police", "lead_name": "Fictional Lead", "lead_position": "DI",
    "lead_email": "fictional.lead@testshire-police.example", "lead_telephone": "01632 960001",
    "referral_route": "Agency", "agency_review_date": "01/11/2026",
    "agency_reviewed_with": "Fictional Safeguarding Lead, Head of Safeguarding",
    "completion_date": "02/11/2026",
}

CIGINF1_VALUES = {
    "completed_name": "Fictional Officer", "completed_role": "Safeguarding manager",
    "completed_telephone": "01632 960002", "completed_email": "fictional.officer@testshire-police.example",
    "child_known": "Yes", "others_known": "Yes", "others_known_who": "Fictional Parent",
    "involvement_from": "01/01/2024", "involvement_to": "30/10/2026",
    "involvement_summary": "Fictional summary of this agency's involvement.",
    "chronology_1_date": "03/02/2024", "chronology_1_event": "Domestic incident attended",
    "chronology_1_practitioner": "Response team", "chronology_1_outcome": "Referral to children's social care",
    "chronology_2_date": "15/06/2025", "chronology_2_event": "Welfare check",
    "chronology_2_practitioner": "PC Fictional", "chronology_2_outcome": "No further action",
    "practitioners_1_name": "PC Fictional", "practitioners_1_role": "Constable", "practitioners_1_team": "Response",
    "practitioners_1_contact": "pc.fictional@testshire-police.example", "practitioners_1_attending": "Yes",
    "case_open": "No", "working_together_concerns": "None identified yet.", "good_practice": "Prompt referral.",
    "criteria_met": "Unsure", "criteria_reason": "Awaiting the post-mortem.", "other_information": "",
    "checked_by_name": "Fictional Safeguarding Lead", "completion_date": "20/11/2026",
}

# The rapid review's two forms (forms/sir.yaml, forms/ias.yaml), complete and valid on TODAY.
SIR_VALUES = {
    "incident_date": "28/10/2026", "aware_date": "30/10/2026",
    "incident_nature": "Fictional incident: the child was admitted to hospital with injuries.",
    "criterion_b_i": True, "criterion_serious_harm": False, "criterion_a": True, "criterion_looked_after": False,
    "child_name": "Fictional Child", "child_dob": "04/03/2015", "child_dod": "30/10/2026",
    "child_address": "12 Test Road\nTesttown TE1 1ST", "legal_status": "Child protection plan",
    "legal_status_detail": "Plan under the category of neglect since 2025",
    "significant_people_1_name": "Fictional Parent", "significant_people_1_dob": "02/01/1988",
    "significant_people_1_relationship": "mother",
    "summary": "A fictional summary of the incident, written for lifkit's tests.",
    "agency": "Testshire Police", "lead_name": "Fictional Lead", "lead_position": "DI",
    "lead_email": "fictional.lead@testshire-police.example", "lead_telephone": "01632 960001",
    "safeguarding_lead_agreed": "Yes", "agency_reviewed_with": "Fictional Safeguarding Lead, Head of Safeguarding",
    "agency_review_date": "31/10/2026", "completion_date": "02/11/2026",
}

IAS_VALUES = {
    "completed_name": "Fictional Officer", "completed_role": "Safeguarding manager",
    "completed_telephone": "01632 960002", "completed_email": "fictional.officer@testshire-police.example",
    "completion_date": "18/11/2026",
    "child_known": "Yes", "others_known": "Yes", "others_known_who": "Fictional Parent",
    "involvement_from": "01/01/2024", "involvement_to": "30/10/2026",
    "services_involved": "Response team 2024-2026; public protection unit from June 2025.", "case_open": "No",
    "chronology_1_date": "03/02/2024", "chronology_1_event": "Domestic incident attended",
    "chronology_1_practitioner": "Response team", "chronology_1_outcome": "Referral to children's social care",
    "good_practice": "Prompt referral after the domestic incident.",
    "practice_improvements": "The child's voice was not recorded at the welfare check.",
    "immediate_action": "Siblings' records flagged; no further action needed now.",
    "learning": "Record the child's own words at every contact.",
    "family_context": "Fictional family context: White British, English-speaking; the mother has a disability.",
    "criteria_met": "Yes", "criteria_reason": "Two agencies did not share concerns in 2025.",
    "checked_by_name": "Fictional Safeguarding Lead", "signed_off_date": "19/11/2026",
}


def blank_form(ws: Lifkit, out: Path, form_id: str, case: str | None = CASE, agency: str | None = "POL",
               fmt: str = "pdf") -> Path:
    args = ["form", form_id, "-o", out, "--format", fmt]
    if form_id in ("ciginf1", "ias", "aupd", "sar2"):  # the forms sent to an agency, pre-filled for a case
        args += ["--case", case, "--agency", agency]
    result = ws(*args)
    assert result.exit_code == 0, result.output
    return out


def tick_state(pdf: Path, name: str) -> str:
    """A tick-box's "on" state as the widget itself names it."""
    from lifkit.documents.pdfform import read_fields

    return [s for s in read_fields(pdf)[name]["states"] if s != "/Off"][0]


def fill_pdf(blank: Path, values: dict, out: Path, tool: str = "pypdf") -> Path:
    """Fill ``blank`` with ``values`` (box name -> text, or True/False for tick-boxes) using ``tool``."""
    ticks = {k: v for k, v in values.items() if isinstance(v, bool)}
    texts = {k: str(v) for k, v in values.items() if not isinstance(v, bool)}
    if tool == "pdftk":
        pdftk = require_tool("pdftk")
        entries = dict(texts)
        entries.update({k: tick_state(blank, k).lstrip("/") if v else "Off" for k, v in ticks.items()})
        xfdf = out.with_suffix(".xfdf")
        xfdf.write_text('<?xml version="1.0" encoding="UTF-8"?><xfdf xmlns="http://ns.adobe.com/xfdf/"><fields>'
                        + "".join(f'<field name="{escape(k)}"><value>{escape(v)}</value></field>'
                                  for k, v in entries.items()) + "</fields></xfdf>", encoding="utf-8")
        subprocess.run([pdftk, str(blank), "fill_form", str(xfdf), "output", str(out)], check=True,
                       capture_output=True)
        return out
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=PdfReader(blank))
    for page in writer.pages:
        writer.update_page_form_field_values(page, texts, auto_regenerate=False)
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            name = str(widget.get("/T", ""))
            if name in ticks:
                state = NameObject(tick_state(blank, name) if ticks[name] else "/Off")
                widget[NameObject("/V")] = state
                widget[NameObject("/AS")] = state
    writer.write(out)
    return out


def set_info(pdf: Path, out: Path, **entries: str) -> Path:
    """A copy of ``pdf`` with document information entries changed (e.g. LifkitCase="CIEC-2026-999")."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.add_metadata({f"/{k}": v for k, v in entries.items()})
    writer.write(out)
    return out


# --- Word returns -----------------------------------------------------------------------------


def controls(root) -> dict[str, list]:
    found: dict[str, list] = {}
    for sdt in root.iter(f"{{{W}}}sdt"):
        tag = sdt.find("w:sdtPr/w:tag", NS)
        found.setdefault(tag.get(f"{{{W}}}val") if tag is not None else None, []).append(sdt)
    return found


def _typed(run, line: str) -> None:
    """One line of typing in ``run``, as Word saves it: text in w:t, each tab a w:tab."""
    for index, piece in enumerate(line.split("\t")):
        if index:
            etree.SubElement(run, f"{{{W}}}tab")
        if piece:
            text = etree.SubElement(run, f"{{{W}}}t")
            text.text = piece
            text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def fill(source: Path, target: Path, values: dict[str, str], ticks: set[str]) -> None:
    """Type ``values`` into the boxes (by tag) and tick ``ticks``, editing the XML as Word would save it."""
    with zipfile.ZipFile(source) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    q = lambda name: f"{{{W}}}{name}"  # noqa: E731
    for tag, sdts in controls(root).items():
        sdt = sdts[0]
        pr, content = sdt.find("w:sdtPr", NS), sdt.find("w:sdtContent", NS)
        if tag in ticks:
            pr.find("w14:checkbox/w14:checked", NS).set(f"{{{W14}}}val", "1")
            content.find(".//w:t", NS).text = "\u2612"
        if tag not in values:
            continue
        showing = pr.find("w:showingPlcHdr", NS)
        if showing is not None:
            pr.remove(showing)
        date = pr.find("w:date", NS)
        if date is not None:
            day, month, year = values[tag].split("/")
            date.set(q("fullDate"), f"{year}-{month}-{day}T00:00:00Z")
        paragraphs = content.findall("w:p", NS)
        if paragraphs:  # a rich text box around whole paragraphs: one paragraph per line
            for extra in paragraphs[1:]:
                content.remove(extra)
            first = paragraphs[0]
            for run in first.findall("w:r", NS):
                first.remove(run)
            for number, line in enumerate(values[tag].split("\n")):
                paragraph = first
                if number:
                    paragraph = etree.SubElement(content, q("p"))
                    paragraph.append(copy.deepcopy(first.find("w:pPr", NS)))
                _typed(etree.SubElement(paragraph, q("r")), line)
        else:
            for run in content.findall("w:r", NS):
                content.remove(run)
            run = etree.SubElement(content, q("r"))
            for number, line in enumerate(values[tag].split("\n")):
                if number:
                    etree.SubElement(run, q("br"))
                _typed(run, line)
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def fill_docx(blank: Path, values: dict, out: Path) -> Path:
    """Fill a Word form as Word would save it: box name -> text, or True/False for tick-boxes."""
    fill(blank, out, {k: str(v) for k, v in values.items() if not isinstance(v, bool)},
         {k for k, v in values.items() if v is True})
    return out


def resave_with_libreoffice(docx: Path, out_dir: Path, profile: Path) -> Path:
    """The file as LibreOffice saves it again (as an agency using LibreOffice would return it)."""
    soffice = require_tool("soffice")
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(docx)],
                   check=True, capture_output=True, timeout=180)
    return out_dir / docx.name


# --- PDF forms filled by the engines agencies' viewers use ---------------------------------------


def fill_pdf_mupdf(blank: Path, values: dict[str, str], out: Path) -> Path:
    """Fill text boxes as PyMuPDF (MuPDF) does: set each widget's value and let it draw the appearance."""
    import pymupdf

    document = pymupdf.open(blank)
    for page in document:
        for widget in page.widgets():
            if widget.field_name in values:
                widget.field_value = values[widget.field_name]
                widget.update()
    document.save(out)
    return out


def fill_pdf_pdfium(blank: Path, values: dict[str, str], out: Path) -> Path:
    """Fill text boxes as Chrome and Edge do: PDFium's form filler, focusing each box and typing into it."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(str(blank))
    document.init_forms()
    handle = document.formenv.raw
    for index in range(len(document)):
        page = document[index]
        for number in range(raw.FPDFPage_GetAnnotCount(page.raw)):
            annotation = raw.FPDFPage_GetAnnot(page.raw, number)
            size = raw.FPDFAnnot_GetFormFieldName(handle, annotation, None, 0)
            buffer = (ctypes.c_ushort * (size // 2))()
            raw.FPDFAnnot_GetFormFieldName(handle, annotation, buffer, size)
            name = bytes(buffer)[:size - 2].decode("utf-16-le")
            if name in values:
                raw.FORM_SetFocusedAnnot(handle, annotation)
                raw.FORM_SelectAllText(handle, page.raw)
                typed = (values[name] + "\0").encode("utf-16-le")
                raw.FORM_ReplaceSelection(handle, page.raw, (ctypes.c_ushort * (len(typed) // 2)).from_buffer_copy(typed))
                raw.FORM_ForceToKillFocus(handle)
            raw.FPDFPage_CloseAnnot(annotation)
    document.save(str(out))
    document.close()
    return out
