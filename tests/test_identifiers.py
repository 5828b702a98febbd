"""The one whole-word matcher (lifkit/documents/identifiers.py): whole names, whole dates, addresses;
never a date inside another, never an ordinary word. Every name here is fictional."""

from __future__ import annotations

import datetime as dt
import email
from email.policy import default

import pytest

from lifkit.documents.identifiers import Identifiers, dates_in

DOD = dt.date(2026, 11, 5)
IDS = Identifiers(names=["Rose Example (fictional)", "Jordan Testperson"], dates=[DOD, dt.date(2015, 2, 14)],
                  addresses=["12 Sample Street, Exampletown, EX1 2AB"], vocabulary=["Exampleshire"])


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start:f.end]) for f in IDS.find(text)]


@pytest.mark.parametrize("text", ["05/11/2026", "5/11/2026", "5.11.26", "2026-11-05", "5 November 2026",
                                  "5th Nov 2026", "November 5, 2026", "5 of November 2026"])
def test_a_date_is_found_however_it_is_written(text):
    assert found(f"She died on {text}.") == [("date", text)]


@pytest.mark.parametrize("text", ["25/11/2026", "5/11/20261", "15/11/2026", "5/11/2026/3", "2026-11-050",
                                  "05/11/2025", "signed on 25 November 2026"])
def test_a_date_is_never_found_inside_another(text):
    assert found(text) == []


def test_a_date_that_is_not_a_date_is_passed_over():
    assert list(dates_in("31/02/2026 and 1/13/2026")) == []


def test_names_whole_and_in_part_but_never_ordinary_words():
    assert found("ROSE EXAMPLE spoke to rose example's teacher") == [("name", "ROSE EXAMPLE"),
                                                                        ("name", "rose example")]
    assert found("Rose was seen; the figures rose for example") == [("name", "Rose")]
    assert found("Agree with the CIEC (fictional).") == []
    assert found("Jordan came; Testperson did not; Exampleshire board") == [("name", "Jordan"),
                                                                           ("name", "Testperson")]
    assert found("Jordan\n  Testperson") == [("name", "Jordan\n  Testperson")]
    # possessives are the name; a longer word or a double-barrelled name is not
    assert found("Jordan's mother, Testperson’s school, Testpersons' and Jordan-Lee") == [
        ("name", "Jordan"), ("name", "Testperson")]
    assert IDS.scrub("Jordan's mother") == "[removed]'s mother"


def test_addresses_whole_by_numbered_line_and_postcode_never_a_town_alone():
    assert found("lives at 12 Sample Street, Exampletown, EX1 2AB now") == [
        ("address", "12 Sample Street, Exampletown, EX1 2AB")]
    assert found("12 sample street") == [("address", "12 sample street")]
    assert found("postcode ex12ab or EX1 2AB") == [("address", "EX1 2AB")]
    assert found("the Exampletown office") == []


def test_scrub_replaces_only_what_it_finds():
    assert IDS.scrub("Rose Example (fictional) died on 5/11/2026; reviewed 25/11/2026.") == \
        "[removed] died on [removed]; reviewed 25/11/2026."
    assert Identifiers().scrub("nothing to do") == "nothing to do"
    assert not Identifiers(names=["", "  "])


def _body(path) -> str:
    return email.message_from_bytes(path.read_bytes(), policy=default).get_body(("plain",)).get_content()


@pytest.mark.parametrize("fixture", ["demo_workspace", "rapid_review_demo"])
def test_the_anonymised_notice_keeps_ordinary_words_and_reads_as_sentences(fixture, request):
    # Issue 20 item 13: "(fictional)" was removed as a name's part, "event.." and "suspected; A fictional baby".
    root, _ = request.getfixturevalue(fixture)
    bodies = [_body(p) for p in sorted((root / "cases").glob("*/outbox/notice-*.eml"))]
    anonymised = [b for b in bodies if "anonymised" in b]
    assert anonymised
    for body in anonymised:
        assert "[removed]" not in body
        assert ".." not in body and "; A " not in body
        assert "Alex Example" not in body and "14/02/2015" not in body
