"""No process's words leak into another's (issue 21, item 5).

The demo runs under every shipped process and under a fourth, made-up process defined only in a test
workspace (its own process.yaml, referral and request forms with their rules, and summary template: no
code of lifkit changed). Everything each run made is read back with tools lifkit did not write: the text
of every PDF (pdftotext), every Word file (python-docx: body, tables, headers, footers and title), every
email (its subject, addresses, text and attachment names), every workbook (openpyxl) and the settings.
A word one process lists under `distinctive_words` (and the processes that share it) may appear only in
what those processes make; the children's processes list "child" and "children", so an adults' process
(or the made-up one) never says them.

Slow (four demos: about two minutes on an idle machine, more on a busy one): `pytest -m slow`.
"""

from __future__ import annotations

import email
import re
import subprocess
from email.policy import default
from pathlib import Path

import pytest

from conftest import require_tool

pytestmark = pytest.mark.slow

# --- the fourth process: a made-up board's own, in its workspace only --------------------------------------

CUSTOM = "learning-review-test"
CUSTOM_WORDS = ["MALR", "LR1", "LR2", "LRSUM", "Learning Review Group"]

PROCESS_YAML = """\
id: learning-review-test
version: "1.0"
name: "Multi-agency learning review (made up for a test)"
subject: {one: "person", many: "people", max: 1}
distinctive_words: ["MALR", "LR1", "LR2", "LRSUM", "Learning Review Group"]
terms:
  board: "partnership"
  board_long: "Exampleshire Learning Partnership"
  committee: "Learning Review Group"
  committee_long: "Learning Review Group"
  member: "group member"
  meeting: "group meeting"
  administrator: "Partnership Officer"
  business_manager: "Partnership Manager"
  request: "agency account"
  referral: "learning review referral"
  pack: "group pack"
  register: "learning review register"
  notified: "the partnership received the referral"
  notified_word: "received"
  notified_short: "Received"
  decision: "MALR decision"
  review: "multi-agency learning review"
  notified_label: "Referral received"
  decision_due_label: "Decision due (six weeks after the referral)"
  criteria_short: "Criteria met?"
roles:
  business_manager: "Partnership Manager"
  group_chair: "Learning Review Group chair"
  director: "Partnership director"
meeting_chair: group_chair
references: "MALR-{year}-{seq:03d}"
forms:
  referral: lr1
  request: lr2
deadlines:
  - {id: return, label: "Agency account", start: issued, length: 10 working days, not_after: meeting}
  - {id: decision, label: "MALR decision", start: notified, length: 42 days, met_column: "Within six weeks"}
  - {id: report, label: "MALR report", start: decision, length: 4 months, when: review}
recommendation: {by: "Learning Review Group", title: "The group's recommendation", further_information: true,
                 criteria: true}
decision:
  mode: chair
  by: "Partnership director"
  role: director
  title: "The director's decision"
  responses: [accepted, overruled]
  deadline: decision
options:
  - {name: "MALR", label: "Multi-agency learning review (MALR)", review: true, aliases: ["review"]}
  - {name: "No MALR", aliases: ["none"], needs: learning, needs_label: "how the learning will be shared"}
criteria:
  - {field: lr_agencies, key: agencies, label: "Two or more agencies were involved", tag: "Agencies",
     question: "Were two or more agencies involved?"}
  - {field: lr_learning, key: learning, label: "There is learning for the partnership", tag: "Learning",
     question: "Is there learning for the partnership?"}
notices:
  - id: referrer
    label: "referrer"
    address: referrer
    subject: "MALR decision — {reference}"
    body: |
      Case {reference}: the {board_name} has decided on your referral.

      Decision ({decided_on}): {decision}.{learning_line}
      Reasons: {rationale}
  - {id: report, label: "MALR report", when: review, draft: false, due: {deadline: report}}
emails:
  request_subject: "MALR agency account — {reference} — reply by {due}"
  request_body: |
    Dear {name},

    Case {reference}: the Learning Review Group of the {board_name} will consider a referral {meeting_phrase}.
    Please complete the attached agency account (LR2) for {agency} and return it by {due}.

    {admin_name}
    Partnership Officer, {board_name}
    {admin_email}{admin_telephone_line}
  meeting_phrase: "at its meeting on {meeting}"
  meeting_phrase_unset: "at its next meeting"
  reply_subject: "MALR agency account — {reference} — please correct and resend by {due}"
  reminder_subject: "MALR agency account — {reference} — reminder: reply by {new_date}"
  outstanding: "We have not yet received your agency account (LR2), which was due on {due}. Please return it"
  thanks: "Thank you for returning the agency account (LR2) for case {reference}."
summary: {id: LRSUM, title: "MALR Decision Record", template: lrsum.docx}
pack:
  title: "Learning Review Group pack"
  subtitle: "Learning Review Group"
  file_prefix: "MALR-pack"
  agenda:
    id: ""
    title: "Learning Review Group agenda"
    parts:
      - {id: facts, title: "1. What happened", text: "From the referral and the agency accounts."}
      - {id: decide, title: "2. Recommendation", criteria: true, options: "The group recommends (one):",
         closing: "The director decides{due_phrase}"}
register:
  columns:
    - [case_ref, "Case ref", text, 15]
    - [notified, "Received", date, 13]
    - [referral:agency, "Referring agency", text, 26]
    - [subject_name, "Person's name", text, 22]
    - [subject_dob, "Person DOB", date, 12]
    - [flag:lr_agencies, "Several agencies", yesno, 10]
    - [returns, "Accounts returned", text, 12]
    - [recommendation, "Recommendation", text, 20]
    - [decision, "Decision", text, 20]
    - [decision_date, "Decision date", date, 13]
    - [met:decision, "Within six weeks", yesno, 10]
    - [sent:referrer, "Referrer told", date, 13]
    - [status, "Status", text, 18]
    - [notes, "Notes", text, 40]
"""

LR1_YAML = """\
id: LR1
version: "1.0"
title: "Learning Review Referral"
roles: {subject_name: person_name, subject_dob: person_dob, subject_dod: person_dod, people: others,
        referrer_email: lead_email}
note: "Refer a death or serious harm to the Learning Review Group. Do not put the person's name in the email subject."
sections:
  - number: "1"
    label: "The person"
    fields:
      - {name: person_name, type: text, label: "Name"}
      - {name: person_dob, type: date, label: "Date of birth"}
      - {name: person_dod, type: date, label: "Date of death (if the person died)"}
  - number: "2"
    label: "Others involved"
    fields:
      - name: others
        type: rows
        label: "Others involved"
        rows: 3
        columns:
          - {name: name, type: text, label: "Name", width: 3}
          - {name: relationship, type: text, label: "Relationship to the person", width: 3}
  - number: "3"
    label: "What happened"
    fields:
      - {name: summary, type: longtext, label: "What happened, and which agencies knew the person"}
      - {name: lr_agencies, type: tick, label: "Two or more agencies were involved"}
      - {name: lr_learning, type: tick, label: "There is learning for the partnership"}
  - number: "4"
    label: "Referrer"
    fields:
      - {name: agency, type: text, label: "Agency"}
      - {name: lead_name, type: text, label: "Name"}
      - {name: lead_email, type: email, label: "Email"}
      - {name: completion_date, type: date, label: "Date completed"}
"""

LR1_RULES = """\
person_name: {type: string, required: true, empty: false}
person_dob: {type: date, nullable: true}
person_dod: {type: date, nullable: true}
others: {type: list, schema: {type: dict, schema: {name: {type: string}, relationship: {type: string}}}}
summary: {type: string, required: true, empty: false}
lr_agencies: {type: boolean}
lr_learning: {type: boolean}
agency: {type: string, required: true, empty: false}
lead_name: {type: string, required: true, empty: false}
lead_email: {type: string}
completion_date: {type: date, required: true, nullable: false}
"""

LR2_YAML = """\
id: LR2
version: "1.0"
title: "Learning Review: Agency Account"
roles: {subject_name: person_name, subject_dob: person_dob, subject_known: known}
note: "Tell the Learning Review Group what your agency knew. Do not put the person's name in the email subject."
sections:
  - number: ""
    label: "Case details (filled in by the partnership)"
    fields:
      - {name: case_ref, type: text, label: "Case reference", prefilled: true}
      - {name: return_by, type: date, label: "Please return by", prefilled: true}
      - {name: agency, type: text, label: "Agency", prefilled: true}
      - {name: person_name, type: text, label: "Person's name", prefilled: true}
      - {name: person_dob, type: date, label: "Person's date of birth", prefilled: true}
  - number: "1"
    label: "Your agency"
    fields:
      - {name: completed_name, type: text, label: "Completed by"}
      - {name: completed_email, type: email, label: "Email"}
      - {name: completion_date, type: date, label: "Date"}
      - {name: known, type: yesno, label: "Did your agency know the person?"}
      - {name: case_open, type: yesno, label: "Was the case open at the time?"}
  - number: "2"
    label: "Contacts"
    fields:
      - name: chronology
        type: rows
        label: "Contacts"
        rows: 4
        columns:
          - {name: date, type: date, label: "Date", width: 1.6}
          - {name: event, type: text, label: "Contact", width: 3}
          - {name: practitioner, type: text, label: "Who", width: 2}
          - {name: outcome, type: text, label: "Outcome", width: 2.6}
      - {name: criteria_met, type: choice, label: "Is there learning?", options: ["Yes", "No", "Unsure"]}
      - {name: criteria_reason, type: longtext, label: "Why?"}
"""

LR2_RULES = """\
case_ref: {type: string}
return_by: {type: date, nullable: true}
agency: {type: string}
person_name: {type: string}
person_dob: {type: date, nullable: true}
completed_name: {type: string, required: true, empty: false}
completed_email: {type: string, required: true, empty: false}
completion_date: {type: date, required: true, nullable: false}
known: {type: string, required: true, allowed: ["Yes", "No"]}
case_open: {type: string, required: true, allowed: ["Yes", "No"]}
chronology:
  type: list
  schema:
    type: dict
    schema:
      date: {type: date, required: true, nullable: false}
      event: {type: string, required: true, empty: false}
      practitioner: {type: string}
      outcome: {type: string}
criteria_met: {type: string, required: true, allowed: ["Yes", "No", "Unsure"]}
criteria_reason: {type: string}
"""


def _lrsum(path: Path) -> None:
    """The made-up process's summary template: a plain Word document with Jinja tags (docxtpl)."""
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "{{ board_name }}  Case {{ case_ref }}"
    document.add_heading("LRSUM: MALR Decision Record", level=1)
    for line in ("Case {{ case_ref }}, received {{ notified }}", "Person: {{ subject_name }}",
                 "What happened: {{ summary }}", "Recommendation: {{ recommendation }}",
                 "Decision: {{ decision }} ({{ decision_date }}): {{ decision_rationale }}",
                 "Several agencies (as referred): {{ referral.lr_agencies }}"):
        document.add_paragraph(line)
    document.save(str(path))


def _custom_files(root: Path) -> None:
    (root / "forms").mkdir(parents=True)
    (root / "schemas").mkdir()
    (root / "templates").mkdir()
    (root / "process.yaml").write_text(PROCESS_YAML, encoding="utf-8")
    (root / "forms" / "lr1.yaml").write_text(LR1_YAML, encoding="utf-8")
    (root / "forms" / "lr2.yaml").write_text(LR2_YAML, encoding="utf-8")
    (root / "schemas" / "lr1.yaml").write_text(LR1_RULES, encoding="utf-8")
    (root / "schemas" / "lr2.yaml").write_text(LR2_RULES, encoding="utf-8")
    _lrsum(root / "templates" / "lrsum.docx")


def _custom_script():
    from lifkit.mechanics.dates import format_date, today
    from lifkit.steps.demo import DemoCase, DemoScript, step

    def referral(script, case) -> dict:
        return {"person_name": case.referral["name"], "person_dob": "04/05/1980", "person_dod": "01/10/2026",
                "others_1_name": "Pat Sample (fictional)", "others_1_relationship": "partner",
                "summary": "A fictional person died; three agencies knew them. Made up for a test.",
                "lr_agencies": True, "lr_learning": True, "agency": "Exampleshire Police (fictional)",
                "lead_name": "DS Jamie Fielding (fictional)", "lead_email": "jamie.fielding@exampleshire-police.example",
                "completion_date": format_date(today())}

    def account(script, code, number, case) -> dict:
        return {"completed_name": script.members[number][2], "completed_email": script.member_email(code),
                "completion_date": format_date(today()), "known": "Yes" if number % 2 else "No", "case_open": "No",
                "chronology_1_date": "01/09/2026", "chronology_1_event": f"{code} contact (fictional)",
                "chronology_1_practitioner": "Duty team", "chronology_1_outcome": "Recorded",
                "criteria_met": "Yes", "criteria_reason": "Made up for a test."}

    return DemoScript(
        process=CUSTOM, board="Exampleshire Learning Partnership (FICTIONAL TEST WORKSPACE)",
        admin_email="officer@exampleshire-learning.example", administrator="Jordan Avery (fictional)",
        address="Partnership Officer (fictional)\n1 Practice Street\nExampletown EX1 0AA",
        people={"business_manager": ("Sam Okafor (fictional)", "manager@exampleshire-learning.example"),
                "group_chair": ("Dr Robin Hale (fictional)", "chair@exampleshire-learning.example"),
                "director": ("Prof. Alex Marlow (fictional)", "director@exampleshire-learning.example")},
        members=(("POL", "Police (fictional)", "Morgan Ashdown (fictional)", "pdf"),
                 ("HOU", "Housing (fictional)", "Priya Fenwick (fictional)", "docx"),
                 ("AMB", "Ambulance Service (fictional)", "Tomasz Kowalczyk (fictional)", "pdf")),
        notifications={}, referral_agency="Exampleshire Police (fictional)",
        referral_values=referral, return_values=account, workspace_files=_custom_files,
        cases=(
            DemoCase("referral-1", {"name": "Robin Sample (FICTIONAL)"}, (
                step("2026-10-05", "referral", notified="2026-10-05"),
                step("2026-10-06", "request", meeting="2026-10-20"),
                step("2026-10-12", "returns", skip=["AMB"], invalid=["HOU"]),
                step("2026-10-19", "chase"),
                step("2026-10-19", "returns", only=["AMB", "HOU"], again=True),
                step("2026-10-19", "pack"),
                step("2026-10-20", "recommend", option="MALR", rationale="Three agencies knew (made up).",
                     criteria={"agencies": "met", "learning": "met"}),
                step("2026-10-22", "decide", response="accepted", decision="MALR", rationale="Agreed (made up)."),
                step("2026-10-23", "told", notice="referrer"),
            )),
            DemoCase("referral-2", {"name": "Jo Sample (FICTIONAL)"}, (step("2026-11-24", "referral", open=False),)),
        ))


# --- the demos, and what they made --------------------------------------------------------------------


def _shipped() -> list[str]:
    from lifkit.case.process import shipped_processes

    return shipped_processes()


@pytest.fixture(scope="module")
def made(tmp_path_factory, demo_workspace, rapid_review_demo, sar_demo) -> dict[str, tuple[Path, object]]:
    """Each process's demo workspace and its process."""
    from lifkit.case.process import load_shipped, workspace_process
    from lifkit.steps.demo import run_demo

    runs = {"lscb-2016": demo_workspace[0], "rapid-review-2023": rapid_review_demo[0],
            "sar-care-act-2014": sar_demo[0]}
    for name in _shipped():
        if name not in runs:
            runs[name] = run_demo(tmp_path_factory.mktemp(name) / "practice", process_name=name).root
    runs[CUSTOM] = run_demo(tmp_path_factory.mktemp("custom") / "practice", script=_custom_script()).root
    return {name: (root, workspace_process(root, None) if name == CUSTOM else load_shipped(name))
            for name, root in runs.items()}


def test_every_process_lists_its_distinctive_words():
    from lifkit.case.process import load_shipped

    for name in _shipped():
        assert load_shipped(name).distinctive_words, name
    assert {"CIEC", "LSCB", "CIGSCR1", "CIGINF1", "CIGSUM1", "SCR", "Independent Chair"} <= \
        set(load_shipped("lscb-2016").distinctive_words)
    assert {"LCSPR", "National Panel", "Individual Agency Summary"} <= \
        set(load_shipped("rapid-review-2023").distinctive_words)
    assert {"SAR", "SAB", "s44"} <= set(load_shipped("sar-care-act-2014").distinctive_words)
    for name in ("lscb-2016", "rapid-review-2023"):  # the children's processes: an adults' process never says child
        assert "child" in load_shipped(name).distinctive_words


def _pattern(word: str) -> re.Pattern:
    """``word`` as a whole word: an acronym (no small letters) as written, other words in any case."""
    flags = re.I if any(c.islower() for c in word) else 0
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])", flags)


def foreign_words(process, everyone) -> dict[str, re.Pattern]:
    """The words of other processes only: listed by another, not by ``process``."""
    own = {w.lower() for w in process.distinctive_words}
    return {word: _pattern(word) for other in everyone if other.id != process.id
            for word in other.distinctive_words if word.lower() not in own}


def test_a_word_is_foreign_only_where_it_is_not_the_process_own():
    from lifkit.case.process import load_shipped

    everyone = [load_shipped(n) for n in _shipped()]
    sar = load_shipped("sar-care-act-2014")
    assert {"child", "LSCB", "National Panel"} <= set(foreign_words(sar, everyone))
    assert "National Panel" not in foreign_words(load_shipped("lscb-2016"), everyone)  # both children's use it
    assert "SAR" in foreign_words(load_shipped("lscb-2016"), everyone)
    assert _pattern("child").search("the child's name") and not _pattern("SAR").search("a necessary SARI")
    assert not _pattern("SAR").search("Sar") and _pattern("SAR").search("(SAR)")


def _texts(root: Path, password: str) -> dict[str, str]:
    """The text of everything the workspace holds that a person reads: PDF, Word, email, workbook, settings."""
    import docx
    import openpyxl

    pdftotext = require_tool("pdftotext")
    texts = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.suffix == ".pdf":
            lock = ["-upw", password] if "encrypted" in path.name else []
            texts[name] = subprocess.run([pdftotext, *lock, str(path), "-"], check=True, capture_output=True,
                                         text=True).stdout
        elif path.suffix == ".docx":
            document = docx.Document(str(path))
            parts = [p.text for p in document.paragraphs]
            parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
            parts += [p.text for s in document.sections for part in (s.header, s.footer) for p in part.paragraphs]
            parts += [document.core_properties.title or "", document.core_properties.subject or ""]
            texts[name] = "\n".join(parts)
        elif path.suffix == ".eml":
            message = email.message_from_bytes(path.read_bytes(), policy=default)
            texts[name] = "\n".join([str(message["Subject"]), str(message["From"]), str(message["To"])]
                                    + [part.get_content() for part in message.walk()
                                       if part.get_content_type() == "text/plain"]
                                    + [part.get_filename() or "" for part in message.walk()])
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            texts[name] = "\n".join(sheet.title + "\n" + "\n".join(
                str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
                for sheet in book.worksheets)
        elif path.name == "lifkit.toml":
            texts[name] = path.read_text(encoding="utf-8")
    return texts


@pytest.mark.parametrize("name", [*_shipped(), CUSTOM])
def test_no_word_of_another_process(made, name):
    root, process = made[name]
    everyone = [p for _r, p in made.values()]
    texts = _texts(root, "practice-only-7Kq2")
    kinds = {Path(n).suffix for n in texts}
    assert {".pdf", ".docx", ".eml", ".xlsx", ".toml"} <= kinds, kinds
    foreign = foreign_words(process, everyone)
    faults = {}
    for file, text in texts.items():
        found = sorted({word for word, pattern in foreign.items() if pattern.search(text)})
        if found:
            faults[file] = found
    assert not faults, faults
    own = [w for w in process.distinctive_words if _pattern(w).search("\n".join(texts.values()))]
    assert own, "the process's own words appear in what it made (the reading works)"
