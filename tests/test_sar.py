"""Safeguarding Adults Reviews (process sar-care-act-2014), on the demo's Safeguarding Adults Board: the
Care Act 2014 s44 cycle from the referral to the annual report and the action plan, the referral a family
or a rough sleeper's case brings, the Board's reporting year (April to March), and the SAR summary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import TODAY, Lifkit
from returns import fill_pdf

pytestmark = pytest.mark.usefixtures("fixed_today")


@pytest.fixture
def sab(sar_demo, tmp_path) -> Lifkit:
    """A copy of the SAR demo's workspace, to change."""
    root = tmp_path / "sab"
    shutil.copytree(sar_demo[0], root)
    return Lifkit(root)


def test_the_process_says_what_processes_md_says():
    from lifkit.case.process import load_shipped

    sar = load_shipped("sar-care-act-2014")
    assert (sar.subject.one, sar.subject.many, sar.subject.max) == ("adult", "adults", 1)
    assert sar.option_names == ("Mandatory SAR", "Discretionary SAR", "No SAR")
    assert [o.review for o in sar.options] == [True, True, False] and sar.options[2].needs == "learning"
    assert sar.decision.mode == "chair" and sar.decision.role == "sab_chair"
    assert sar.recommendation.further_information and sar.recommendation.by == "SAR subgroup"
    assert [c.tag for c in sar.criteria] == ["s44(1)(a)", "s44(1)(b)", "s44(2)", "s44(3)", "s44(4)"]
    assert str(sar.deadline("completion").length) == "6 months" and sar.deadline("completion").when == "review"
    assert sar.deadline("annual_report").start == "yearly:31/03"
    assert {n.address for n in sar.notices if n.draft} == {"referrer", "contact:family"}
    assert not any("panel" in n.id or "Panel" in n.label for n in sar.notices)  # no national panel for adults
    assert sar.reporting_year_starts == 4 and sar.reporting_year_name(2026) == "2026/27"
    from lifkit.documents.formdef import load_form

    referral = load_form("sar1")
    assert {c.field for c in sar.criteria} <= {f.name for f in referral.fields}
    assert referral.role("subject_name") == "adult_name" and load_form("sar2").role("subject_known") == "adult_known"


def test_the_case_runs_to_the_annual_report_and_the_action_plan(sar_demo):
    root, made = sar_demo
    ws = Lifkit(root)
    status = json.loads(ws("status", "SAR-2026-001", "--json").stdout)[0]
    assert status["stage"].startswith("Decided: Mandatory SAR")
    deadlines = {d["id"]: d for d in status["deadlines"]}
    assert (deadlines["decision"]["due"], deadlines["decision"]["done"]) == ("2026-02-12", "2026-02-09")
    assert deadlines["completion"]["due"] == "2026-08-09"  # 6 months after the decision of 09/02/2026
    assert deadlines["annual_report"]["due"] == "2026-09-30"  # the report for the year to 31/03/2026
    told = {n["id"]: n["sent"] for n in status["notices"]}
    assert told == {"referrer": "2026-02-10", "family": "2026-02-12", "completion": "2026-07-31",
                    "annual_report": "2026-09-22"}
    from lifkit.register.workbook import open_register

    register = open_register(root / "register.xlsx")
    row = register.find("SAR-2026-001")
    assert row["Adult's name"] == "Dennis Example (FICTIONAL)" and row["Died or harmed"] == "Died"
    assert (row["s44(2) died"], row["s44(3) serious abuse or neglect"]) == ("Yes", "No")
    assert row["Within one month"] == "Yes" and row["Chair's response"] == "Agreed"
    assert [d["By"] for d in register.decisions() if d["Case ref"] == "SAR-2026-001"] == ["SAR subgroup", "SAB Chair"]
    import openpyxl

    actions = openpyxl.load_workbook(root / "register.xlsx", read_only=True)["Actions"]
    headings = next(actions.iter_rows(values_only=True))
    column = headings.index("Agency")
    assert {row[column] for row in actions.iter_rows(min_row=2, values_only=True)} == {"ASC", "FIRE", "GP", "MH"}


def test_the_year_figures_follow_the_board_reporting_year(sar_demo):
    ws = Lifkit(sar_demo[0])
    last = json.loads(ws("report", "--year", "2025", "--json").stdout)  # April 2025 to March 2026
    this = json.loads(ws("report", "--year", "2026", "--json").stdout)  # April 2026 to March 2027
    assert (last["name"], last["cases"], last["decided"], last["by_decision"]) == ("2025/26", 1, 1,
                                                                                   {"Mandatory SAR": 1})
    assert (this["name"], this["cases"], this["decided"]) == ("2026/27", 1, 0)
    assert "2026/27" in ws("report", "--year", "2026").stdout


def test_a_family_referral_of_a_rough_sleeper_is_accepted(sar_demo):
    import yaml

    case = yaml.safe_load((sar_demo[0] / "cases" / "SAR-2026-002" / "case.yaml").read_text(encoding="utf-8"))
    subject = case["subjects"][0]
    assert subject["name"] == "Kai Example (FICTIONAL)" and not subject.get("dob")
    values = case["referral"]["values"]
    assert values["no_fixed_abode"] is True and values["adult_age"] == "about 45"
    assert values["referrer_type"] == "Family member or friend" and not values.get("agency")
    assert case["referral"]["problems"] == []


def test_the_referral_that_came_today_opens(sab):
    opened = sab("referral", "open", sab.workspace / "saved-mail" / "referral-3.eml", "--notified", TODAY, "--json")
    assert opened.exit_code == 0, opened.output
    reference = json.loads(opened.stdout)["reference"]
    assert reference == "SAR-2026-003"
    assert sab("config", "check").exit_code in (0, 1)


def test_the_referral_checks_say_what_an_adult_referral_needs(sab, tmp_path):
    blank = tmp_path / "sar1.pdf"
    assert sab("form", "referral", "-o", blank).exit_code == 0
    values = {"adult_name": "Test Adult (fictional)", "adult_outcome": "Died", "incident_date": "01/10/2026",
              "care_needs": "Dementia", "abuse_detail": "Fictional", "capacity": "Not known", "family_aware": "No",
              "summary": "Fictional", "referrer_type": "Agency", "lead_name": "A Referrer (fictional)",
              "completion_date": "02/10/2026"}
    filled = fill_pdf(blank, values, tmp_path / "filled.pdf")
    result = sab("validate", filled, "--form", "referral")
    assert result.exit_code == 1, result.output
    text = result.output
    for expected in ("neither an address nor 'No fixed abode' is given", "neither the date of birth nor the age",
                     "must be filled in, since the adult has died", "no kind of abuse or neglect is ticked",
                     "must be filled in for a referral made by an agency"):
        assert expected in text, (expected, text)
    mended = fill_pdf(blank, {**values, "no_fixed_abode": True, "adult_age": "about 80", "adult_dod": "01/10/2026",
                              "abuse_self_neglect": True, "referrer_type": "Family member or friend",
                              "lead_email": "family@example.example"}, tmp_path / "mended.pdf")
    result = sab("validate", mended, "--form", "referral")
    assert result.exit_code == 0, result.output


def test_the_sar_summary(sar_demo):
    import docx

    document = docx.Document(str(sar_demo[0] / "cases" / "SAR-2026-001" / "SARSUM-SAR-2026-001.docx"))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    for expected in ("Referral and Decision Summary", "Dennis Example (FICTIONAL)", "Own home (a rented house)",
                     "self-neglect", "Making Safeguarding Personal", "s44(2) The adult has died",
                     "Mandatory SAR", "Signed (SAB Chair):", "SAR in the SAB annual report"):
        assert expected in text, expected
