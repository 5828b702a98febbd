"""The rapid review's substance (issue 22): drafts a person may edit are never overwritten; the Summary and
Outcome composed from the agencies' returns; refusals to sign shown everywhere; the Panel's copy (the
version signed, anonymised); a notification closed as not meeting the criteria; a "No LCSPR" outcome
with actions; the year's figures from the process's clock. Every name is fictional."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import Lifkit, require_tool
from lifkit.documents.drafts import choose, draft, write_draft

TYPED = "Typed in Word by the business support officer: the panel asked for the GP's records too."


# --- drafts (lifkit.documents.drafts) ----------------------------------------------------------------------


def test_an_unedited_draft_is_written_again_in_place(tmp_path):
    path = tmp_path / "SUM-X.docx"
    first = write_draft(path, b"one")
    again = write_draft(path, b"two")
    assert first.path == again.path == path and path.read_bytes() == b"two"
    assert again.message is None and not again.new_version
    assert [v.label for v in draft(path).versions] == ["v1"]


def test_an_edited_draft_is_kept_and_the_new_one_goes_beside_it(tmp_path):
    path = tmp_path / "SUM-X.docx"
    write_draft(path, b"lifkit's")
    path.write_bytes(b"lifkit's, and a person's words")
    written = write_draft(path, b"lifkit's again")
    assert path.read_bytes() == b"lifkit's, and a person's words"
    assert written.path == tmp_path / "SUM-X-v2.docx" and written.path.read_bytes() == b"lifkit's again"
    assert written.current == path  # the person's version stays current
    assert "SUM-X.docx was changed after lifkit wrote it" in written.message
    # v2, unedited, is the one written again next time; v1 is never touched
    assert write_draft(path, b"third").path == written.path and path.read_bytes().endswith(b"a person's words")
    assert draft(path).current.file == path
    assert choose(path, "v2").current.file == written.path
    with pytest.raises(Exception, match="no version 'v7'"):
        choose(path, "v7")


def test_a_file_there_before_lifkit_kept_a_record_is_kept_as_a_persons(tmp_path):
    path = tmp_path / "SUM-X.docx"
    path.write_bytes(b"made by an older lifkit, perhaps edited")
    written = write_draft(path, b"new")
    assert path.read_bytes() == b"made by an older lifkit, perhaps edited"
    assert written.path.name == "SUM-X-v2.docx"


# --- the rapid-review demo, carried on ---------------------------------------------------------------------


def _partnership(rapid_review_demo, tmp_path, monkeypatch, pdf: bool) -> Lifkit:
    """A copy of the rapid-review demo on its last day (25/11/2026): RR-2026-002 (a death on 05/11/2026) has
    four agencies' summaries and no recommendation yet. LibreOffice takes seconds: only the test of the
    Panel's PDF waits for it."""
    root, _ = rapid_review_demo
    copy = tmp_path / "practice"
    shutil.copytree(root, copy)
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-25")
    if not pdf:
        with (copy / "lifkit.toml").open("a", encoding="utf-8") as settings:
            settings.write("\n[tools]\nsoffice = false\n")
    return Lifkit(copy)


@pytest.fixture
def partnership(rapid_review_demo, tmp_path, monkeypatch) -> Lifkit:
    return _partnership(rapid_review_demo, tmp_path, monkeypatch, pdf=False)


@pytest.fixture
def partnership_with_pdf(rapid_review_demo, tmp_path, monkeypatch) -> Lifkit:
    return _partnership(rapid_review_demo, tmp_path, monkeypatch, pdf=True)


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts += [cell.text for cell in row.cells]
    return "\n".join(texts)


def _headings(path: Path) -> list[str]:
    import docx

    return [p.text for p in docx.Document(str(path)).paragraphs if p.style.name.startswith("Heading 1")]


def _recommend(ws: Lifkit, ref: str = "RR-2026-002", option: str = "No LCSPR"):
    return ws("decide", ref, "--recommend", option, "--learning", "A multi-agency learning event on self-harm",
              "--rationale", "The agencies' summaries show the learning; a learning event will take it forward.",
              "--criterion", "improvements=met", "--criterion", "recurrent=not-met", "--criterion",
              "organisations=unclear")


def test_the_summary_holds_each_agencys_own_words_under_the_processs_parts(partnership):
    ws = partnership
    root = ws.workspace
    assert _recommend(ws).exit_code == 0
    path = root / "cases" / "RR-2026-002" / "RRSUM-RR-2026-002.docx"
    text = _docx_text(path)
    headings = _headings(path)
    from lifkit.case.process import load_shipped

    process = load_shipped("rapid-review-2023")
    assert [h for h in headings if h != "Contents"] == [p.title for p in process.summary_parts]
    returns = sorted((root / "cases" / "RR-2026-002" / "returns").glob("*.json"))
    assert returns
    for file in returns:
        values = json.loads(file.read_text(encoding="utf-8"))["submissions"][-1]["values"]
        for box in ("services_involved", "good_practice", "practice_improvements", "immediate_action", "learning",
                    "criteria_reason"):
            assert values[box].strip() and values[box].strip() in text, (file.name, box)
        for row in values["chronology"]:
            assert row["event"] in text
    # the criteria with the panel's view, and each agency's
    assert "The case highlights recurrent themes in safeguarding children" in text
    assert "not met" in text and "unclear" in text
    assert "Are the criteria for a local review met?" in text
    # the partners' sign-off table, awaited
    assert "Integrated care board (ICB)" in text and "awaited" in text
    # a partner's own view of the criteria, given as it signs
    assert ws("decide", "RR-2026-002", "--sign", "LA", "--criterion", "organisations=met").exit_code == 0
    assert "unclear (partners: LA: met)" in _docx_text(path)


def test_an_edit_made_in_word_survives_every_later_step_and_goes_to_the_panel(partnership_with_pdf):
    import docx

    require_tool("pdftotext")
    ws = partnership_with_pdf
    root = ws.workspace
    folder = root / "cases" / "RR-2026-002"
    assert _recommend(ws).exit_code == 0
    path = folder / "RRSUM-RR-2026-002.docx"
    document = docx.Document(str(path))  # as a person in Word would
    document.add_paragraph(TYPED)
    document.save(str(path))
    edited = path.read_bytes()

    signed = ws("decide", "RR-2026-002", "--sign", "LA", "--signer", "Director (fictional)")
    assert signed.exit_code == 0, signed.output
    assert "RRSUM-RR-2026-002.docx was changed after lifkit wrote it" in signed.stdout
    assert (folder / "RRSUM-RR-2026-002-v2.docx").is_file()
    assert path.read_bytes() == edited
    assert ws("decide", "RR-2026-002", "--sign", "ICB").exit_code == 0
    # the date of death is 05/11/2026 and the sign-off 25/11/2026: the last sign-off is recorded cleanly
    last = ws("decide", "RR-2026-002", "--sign", "POL", "--relationship", "none known")
    assert last.exit_code == 0, last.output
    assert "notice draft: notice-rapid-review-RR-2026-002.eml" in last.stdout
    assert path.read_bytes() == edited  # still the person's words, untouched

    listing = ws("summary", "RR-2026-002", "--json")
    assert listing.exit_code == 0, listing.output
    found = json.loads(listing.stdout)
    v1 = next(v for v in found["versions"] if v["label"] == "v1")
    assert v1["current"] and v1["edited"] and v1["signed_by"] == ["ICB", "LA", "POL"]
    assert path.read_bytes() == edited

    # the Panel's copy: the version signed, anonymised, as Word and PDF; the notice carries it
    word, pdf = folder / "outbox" / "RRSUM-RR-2026-002-panel.docx", folder / "outbox" / "RRSUM-RR-2026-002-panel.pdf"
    copy_text = _docx_text(word)
    assert TYPED in copy_text
    assert "Robin Example" not in copy_text and "05/11/2026" not in copy_text and "17/05/2011" not in copy_text
    assert "signed off No LCSPR on 25/11/2026" in copy_text  # never taken for the date of death
    if shutil.which("soffice"):
        assert pdf.is_file()
        shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "Typed in Word by the business support officer" in shown
        assert "Robin" not in shown and "05/11/2026" not in shown and "25/11/2026" in shown
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(
        (folder / "outbox" / "notice-rapid-review-RR-2026-002.eml").read_bytes())
    names = [part.get_filename() for part in message.iter_attachments()]
    assert "RRSUM-RR-2026-002-panel.docx" in names
    # later steps keep the edit
    assert ws("notified", "RR-2026-002", "rapid-review", "--on", "25/11/2026").exit_code == 0
    assert path.read_bytes() == edited
    assert ws("summary", "RR-2026-002", "--use", "v2").exit_code == 0
    assert json.loads(ws("summary", "RR-2026-002", "--json").stdout)["current"].endswith("RRSUM-RR-2026-002-v2.docx")


def test_a_refusal_to_sign_shows_wherever_status_and_overdue_look(partnership):
    from lifkit.case.process import load_shipped
    from lifkit.register.workbook import open_register

    ws = partnership
    root = ws.workspace
    assert _recommend(ws).exit_code == 0
    declined = ws("decide", "RR-2026-002", "--sign", "ICB", "--decline", "We think an LCSPR is needed")
    assert declined.exit_code == 1, declined.output
    assert "declined to sign" in declined.output and "--amend" in declined.output
    status = ws("status", "RR-2026-002")
    assert "DECLINED by ICB" in status.stdout and "We think an LCSPR is needed" in status.stdout
    assert "sign-off awaited from LA, POL" in status.stdout
    overdue = ws("overdue")
    assert "sign-off declined by Integrated care board (ICB)" in overdue.stdout
    assert "We think" not in overdue.stdout  # typed text stays out of the list a scheduled task may send
    assert overdue.exit_code == 1
    row = open_register(root / "register.xlsx", columns=load_shipped("rapid-review-2023").register_columns
                        ).find("RR-2026-002")
    assert "DECLINED by ICB" in row["Status"]
    text = _docx_text(root / "cases" / "RR-2026-002" / "RRSUM-RR-2026-002.docx")
    assert "DECLINED on 25/11/2026: We think an LCSPR is needed" in text
    assert "What happens next" in text
    # the partner signs later: the refusal no longer stands
    assert ws("decide", "RR-2026-002", "--sign", "ICB").exit_code == 0
    assert "DECLINED" not in ws("status", "RR-2026-002").stdout


def test_the_panels_notice_is_done_only_when_recorded_as_sent(partnership):
    ws = partnership
    assert _recommend(ws).exit_code == 0
    for partner in ("LA", "ICB", "POL"):
        assert ws("decide", "RR-2026-002", "--sign", partner).exit_code == 0
    state = json.loads(ws("status", "RR-2026-002", "--json").stdout)[0]
    rapid = next(d for d in state["deadlines"] if d["id"] == "rapid_review")
    assert rapid["done"] is None
    assert ws("notified", "RR-2026-002", "rapid-review", "--on", "25/11/2026").exit_code == 0
    state = json.loads(ws("status", "RR-2026-002", "--json").stdout)[0]
    assert next(d for d in state["deadlines"] if d["id"] == "rapid_review")["done"] == "2026-11-25"


def test_a_no_lcspr_outcome_carries_actions(partnership):
    ws = partnership
    assert _recommend(ws).exit_code == 0
    for partner in ("LA", "ICB", "POL"):
        assert ws("decide", "RR-2026-002", "--sign", partner).exit_code == 0
    added = ws("actions", "add", "RR-2026-002", "--recommendation", "1", "--recommendation-text", "Self-harm learning",
               "--action", "Hold a multi-agency learning event on self-harm", "--agency", "EDU",
               "--lead", "Designated safeguarding lead", "--due", "31/03/2027", "--measure", "Event held; briefing sent")
    assert added.exit_code == 0, added.output


def test_a_notification_that_does_not_meet_the_criteria_is_closed_and_the_panel_told(partnership):
    ws = partnership
    root = ws.workspace
    closed = ws("decide", "RR-2026-002", "--not-met", "The death was not the result of abuse or neglect, as far as "
                "the agencies know (Robin Example was not known to be at risk).")
    assert closed.exit_code == 1, closed.output  # recorded, with the warning that the reason names the child
    assert "--not-met holds a name" in closed.output
    assert "notice draft: notice-not-met-RR-2026-002.eml" in closed.stdout
    notice = (root / "cases" / "RR-2026-002" / "outbox" / "notice-not-met-RR-2026-002.eml").read_text(encoding="utf-8")
    assert "does not meet the criteria" in notice and "Robin" not in notice and "[removed]" in notice
    status = ws("status", "RR-2026-002").stdout
    assert "Closed: Criteria not met" in status
    assert not (root / "cases" / "RR-2026-002" / "outbox" / "notice-rapid-review-RR-2026-002.eml").exists()
    again = ws("decide", "RR-2026-002", "--not-met", "Again")
    assert again.exit_code == 2 and "already closed" in again.output
    assert "Closed" in _docx_text(root / "cases" / "RR-2026-002" / "RRSUM-RR-2026-002.docx") or \
        "Criteria not met" in _docx_text(root / "cases" / "RR-2026-002" / "RRSUM-RR-2026-002.docx")


def test_the_year_report_counts_from_the_processs_clock_and_has_no_routes(partnership):
    ws = partnership
    shown = ws("report", "--year", "2026")
    assert shown.exit_code == 0, shown.output
    assert "Route" not in shown.stdout
    assert "Median days, National Panel notified to sign-off" in shown.stdout
    figures = json.loads(ws("report", "--year", "2026", "--json").stdout)
    # RR-2026-001: the Panel was notified on 14/10/2026 and the last partner signed on 04/11/2026
    assert figures["days_to_decision"] == [21]


def test_the_anonymiser_takes_a_names_possessive_too():
    from lifkit.documents.identifiers import Identifiers

    found = Identifiers(names=["Robin Example (fictional)"])
    assert found.scrub("Robin's appointments; Robin’s school; O'Robin") == \
        "[removed]'s appointments; [removed]’s school; O'Robin"


def test_the_learning_index_lists_a_rapid_review_without_an_lcspr_and_keeps_an_edited_index(partnership):
    import docx

    ws = partnership
    root = ws.workspace
    assert _recommend(ws).exit_code == 0
    for partner in ("LA", "ICB", "POL"):
        assert ws("decide", "RR-2026-002", "--sign", partner).exit_code == 0
    made = ws("learning", "index", "--year", "2026")
    assert made.exit_code == 0, made.output
    assert "RR-2026-002" in made.stdout
    index = root / "learning-index-2026.docx"
    text = _docx_text(index)
    assert "Type of Review: Rapid review" in text and "Name: Case RR-2026-002" in text
    assert "Robin" not in text
    document = docx.Document(str(index))
    document.add_paragraph(TYPED)
    document.save(str(index))
    again = ws("learning", "index", "--year", "2026")
    assert again.exit_code == 0 and "learning-index-2026-v2.docx" in again.stdout
    assert TYPED in _docx_text(index)


def test_a_step_that_cannot_draft_its_notices_records_nothing(partnership):
    """A notice whose wording (the workspace's own process file) names the child: the last sign-off is
    refused before anything is recorded, never "failed" after its journal entry."""
    ws = partnership
    root = ws.workspace
    assert ws("process", "copy").exit_code == 0
    process = root / "process.yaml"
    text = process.read_text(encoding="utf-8")
    process.write_text(text.replace("Brief anonymised details:", "About Robin Example (FICTIONAL):"), encoding="utf-8")
    assert _recommend(ws).exit_code == 0
    assert ws("decide", "RR-2026-002", "--sign", "LA").exit_code == 0
    assert ws("decide", "RR-2026-002", "--sign", "ICB").exit_code == 0
    before = (root / "cases" / "RR-2026-002" / "journal.jsonl").read_bytes()
    refused = ws("decide", "RR-2026-002", "--sign", "POL")
    assert refused.exit_code == 2, refused.output
    assert "would hold a name" in refused.output and "nothing was recorded" in refused.output
    assert (root / "cases" / "RR-2026-002" / "journal.jsonl").read_bytes() == before
    assert "sign-off awaited from POL" in ws("status", "RR-2026-002").stdout


def test_a_notification_of_two_children_opens_one_case_with_both_and_the_ias_is_scoped(tmp_path, monkeypatch):
    """The notification as the referral: its reference, the notifying and home local authorities, the
    other children of the incident (one register row naming them all), the address reaching the case and
    the agency's summary pre-filled with the scoping period."""
    from returns import SIR_VALUES, blank_form, fill_pdf
    from test_process import rr_workspace

    from lifkit.case.process import load_shipped
    from lifkit.register.workbook import open_register

    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-25")
    root = rr_workspace(tmp_path / "lscp")
    ws = Lifkit(root)
    blank = blank_form(ws, tmp_path / "blank-sir.pdf", "sir", case=None, agency=None)
    referral = fill_pdf(blank, {**SIR_VALUES, "notification_ref": "NP-FICT-0042",
                                "notifying_authority": "Testshire County Council",
                                "home_authority": "Otherborough Council",
                                "other_children_1_name": "Fictional Sibling", "other_children_1_dob": "01/02/2018",
                                "other_children_1_address": "12 Test Road, Testtown TE1 1ST"}, tmp_path / "sir.pdf")
    opened = ws("referral", "open", referral, "--json")
    assert opened.exit_code == 0, opened.output
    reference = json.loads(opened.stdout)["reference"]
    import yaml

    case = yaml.safe_load((root / "cases" / reference / "case.yaml").read_text(encoding="utf-8"))
    assert [s["name"] for s in case["subjects"]] == ["Fictional Child", "Fictional Sibling"]
    assert case["subjects"][0]["address"] == "12 Test Road\nTesttown TE1 1ST"
    row = open_register(root / "register.xlsx", columns=load_shipped("rapid-review-2023").register_columns
                        ).find(reference)
    assert row["Child name"] == "Fictional Child; Fictional Sibling"
    assert row["Panel notification ref"] == "NP-FICT-0042" and row["Home local authority"] == "Otherborough Council"
    requested = ws("request", reference, "--meeting", "26/11/2026", "--agency", "POL")
    assert requested.exit_code == 0, requested.output
    ias = next((root / "cases" / reference / "outbox").glob("IAS-*-POL.pdf"))
    shown = subprocess.run(["pdftotext", "-layout", str(ias), "-"], capture_output=True, text=True, check=True).stdout
    assert "12 Test Road" in shown and "Fictional Sibling" in shown
    # 12 months before the incident (28/10/2026), the child being older: 28/10/2025 to 28/10/2026
    assert "28/10/2025" in shown and "28/10/2026" in shown


def test_the_summary_carries_the_partnerships_logo_where_the_workspace_has_one(partnership):
    import docx
    from PIL import Image

    ws = partnership
    (ws.workspace / "templates").mkdir(exist_ok=True)
    Image.new("RGB", (240, 80), (31, 56, 100)).save(ws.workspace / "templates" / "logo.png")
    assert _recommend(ws).exit_code == 0
    document = docx.Document(str(ws.workspace / "cases" / "RR-2026-002" / "RRSUM-RR-2026-002.docx"))
    assert len(document.inline_shapes) == 1
    part = document.sections[0].header
    header = " ".join([p.text for p in part.paragraphs] + [c.text for t in part.tables for r in t.rows for c in r.cells])
    assert "OFFICIAL-SENSITIVE" in header and "Exampleshire Safeguarding Children Partnership" in header


def test_a_step_whose_documents_cannot_be_written_says_what_was_recorded_and_the_next_finishes_it(partnership):
    """LibreOffice fails while the Panel's PDF is made after the last sign-off: the sign-off is recorded
    (exit status 1, saying so), and `lifkit summary` drafts the notices once the converter is put right."""
    ws = partnership
    root = ws.workspace
    broken = root / "broken-soffice.sh"
    broken.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    settings = root / "lifkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("soffice = false", f'soffice = "{broken}"'),
                        encoding="utf-8")
    assert _recommend(ws).exit_code == 0
    assert ws("decide", "RR-2026-002", "--sign", "LA").exit_code == 0
    assert ws("decide", "RR-2026-002", "--sign", "ICB").exit_code == 0
    last = ws("decide", "RR-2026-002", "--sign", "POL")
    assert last.exit_code == 1, last.output
    assert "Chief officer of police's sign-off was recorded" in last.output and "lifkit summary RR-2026-002" in last.output
    assert "Decided: No LCSPR" in ws("status", "RR-2026-002").stdout
    assert ws("decide", "RR-2026-002", "--sign", "POL").exit_code == 2  # recorded once: a repeat is refused
    assert not (root / "cases" / "RR-2026-002" / "outbox" / "notice-rapid-review-RR-2026-002.eml").exists()
    settings.write_text(settings.read_text(encoding="utf-8").replace(f'soffice = "{broken}"', "soffice = false"),
                        encoding="utf-8")
    finished = ws("summary", "RR-2026-002")
    assert finished.exit_code == 0, finished.output
    assert "notice draft: notice-rapid-review-RR-2026-002.eml" in finished.stdout
    assert (root / "cases" / "RR-2026-002" / "outbox" / "notice-rapid-review-RR-2026-002.eml").exists()
    assert "notice draft" not in ws("summary", "RR-2026-002").stdout  # finished once


def test_config_check_names_a_summary_part_that_gathers_a_box_the_request_form_lacks(partnership):
    ws = partnership
    assert ws("process", "copy").exit_code == 0
    process = ws.workspace / "process.yaml"
    text = process.read_text(encoding="utf-8")
    process.write_text(text.replace("fields: [good_practice, practice_improvements]",
                                    "fields: [good_practice, what_went_wrong]"), encoding="utf-8")
    check = ws("config", "check")
    assert check.exit_code == 2
    assert "'what_went_wrong' is not a box of the request form IAS" in check.output
