"""The dashboard (issue 24): its pages against `status` and `overdue` on both demos, no identifier on a page
without --names, the rebuild after a step (and its failure never failing the step), the palette's contrast,
and `status` without a reference as one line per open case. The pages in a real browser:
test_dashboard_browser.py. Every name is fictional."""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import Lifkit

TODAY = "2026-11-25"


class _Page(HTMLParser):
    """A page's text, and the cells of each table row (by table id) as a person reads them."""

    def __init__(self, text: str):
        super().__init__()
        self.texts: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.row_classes: dict[str, list[str]] = {}
        self._table: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_body = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table.append(attrs.get("id") or f"table-{len(self.tables)}")
            self.tables.setdefault(self._table[-1], [])
            self.row_classes.setdefault(self._table[-1], [])
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._table and self._in_body:
            self._row = []
            self.row_classes[self._table[-1]].append(attrs.get("class") or "")
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table[-1]].append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table" and self._table:
            self._table.pop()

    def handle_data(self, data):
        self.texts.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())


def _copy(made, tmp_path, monkeypatch) -> tuple[Path, Lifkit]:
    root, _ = made
    copy = tmp_path / "practice"
    shutil.copytree(root, copy)
    monkeypatch.setenv("LIFKIT_TODAY", TODAY)
    return copy, Lifkit(copy)


@pytest.mark.parametrize("which", ["demo_workspace", "rapid_review_demo"])
def test_the_demo_leaves_a_dashboard_that_agrees_with_status_and_overdue(which, request, tmp_path, monkeypatch):
    made = request.getfixturevalue(which)
    assert Path(made[1]["files"]["dashboard"]).is_file()  # `lifkit demo` made it, as of its last day
    root, ws = _copy(made, tmp_path, monkeypatch)
    states = {c["reference"]: c for c in json.loads(ws("status", "--json").stdout)}
    late = {}
    for item in json.loads(ws("overdue", "--json").stdout):
        if item["late"]:
            late.setdefault(item["reference"], []).append(item)
    for folder in (root / "dashboard", ):  # as the demo left it, and made again by the command
        for attempt in range(2):
            index = _Page((folder / "index.html").read_text(encoding="utf-8"))
            rows = index.tables["open-cases"]
            shown = {row[0]: row for row in rows}
            assert set(shown) == {r for r, s in states.items() if not s["closed"]} and shown  # a published review's case is closed
            assert rows[0][0] in late  # the case with something late first
            assert "is-late" in index.row_classes["open-cases"][0]
            for reference, row in shown.items():
                state = states[reference]
                stage, next_what, due, days, overdue, returns = row[1:7]
                assert stage == state["stage"]
                assert next_what == state["next_due"]["what"]
                assert due == "/".join(reversed(state["next_due"]["due"].split("-")))
                valid = sum(1 for m in state["members"] if m["valid"])
                assert returns == f"{valid} of {len(state['members'])}"
                count = len(late.get(reference, []))
                assert (f"{count} late" in overdue) if count else overdue == "None"
                for item in late.get(reference, []):  # every late item, by its agency code where it has one
                    assert item["what"].rsplit(" from ", 1)[-1] in overdue
                page = _Page((folder / f"{reference}.html").read_text(encoding="utf-8"))
                matrix = page.tables["returns-matrix"]
                assert [r[0].split()[0] for r in matrix] == [m["code"] for m in state["members"]]
                assert sum("OVERDUE" in r[3] for r in matrix) == sum(m["overdue"] for m in state["members"])
                deadlines = page.tables["deadlines"]
                dues = [r[2] for r in deadlines]
                assert dues == sorted(dues, key=lambda d: d.split("/")[::-1])  # in date order
                for deadline in state["deadlines"]:
                    if deadline["due"]:
                        assert any(r[1].startswith(deadline["label"]) for r in deadlines), deadline["label"]
                assert "OFFICIAL-SENSITIVE" in page.text
            assert ws("dashboard").exit_code == 0


def test_no_page_holds_a_name_a_date_of_birth_or_an_address_without_names(rapid_review_demo, tmp_path,
                                                                        monkeypatch):
    from lifkit.case.folder import case_references, load_case
    from lifkit.case.identifiers import case_identifiers
    from lifkit.case.workspace import open_workspace

    root, ws = _copy(rapid_review_demo, tmp_path, monkeypatch)
    reference = "RR-2026-002"
    case = load_case(open_workspace(root), reference)
    child, mother = case.subject, case.people[0]
    # typed text naming the family: a rationale, a declined sign-off's reason
    assert ws("decide", reference, "--recommend", "No LCSPR", "--learning", "A learning event", "--rationale",
              f"{child.name.split()[0]}'s mother {mother.name} was known to three agencies").exit_code in (0, 1)
    assert ws("decide", reference, "--sign", "ICB", "--decline",
              f"We think {child.name} needs a review").exit_code in (0, 1)
    assert ws("dashboard", "--names").exit_code == 0
    workspace = open_workspace(root)
    plain = sorted((root / "dashboard").glob("*.html"))
    named = sorted((root / "cases" / "dashboard-with-names").glob("*.html"))
    cases = [p for p in (root / "cases").iterdir() if (p / "case.yaml").is_file()]
    assert len(plain) == len(named) == 1 + len(cases)  # the index and a page per case
    from lifkit.documents.identifiers import dates_in

    cases = [load_case(workspace, r) for r in case_references(workspace)]
    matchers = [case_identifiers(workspace, c) for c in cases]
    births = {p.dob for c in cases for p in (*c.subjects, *c.people) if p.dob}
    for page in plain:
        source = page.read_text(encoding="utf-8")
        text = _Page(source).text
        for matcher in matchers:
            found = [f for f in matcher.find(text) if f.kind != "date"
                     or any(day in births for day, _, _ in dates_in(text[f.start:f.end]))]
            assert found == [], (page.name, [f.kind for f in found])  # (a date of death is a process's date too)
        for person in (p for c in cases for p in c.subjects):  # as a person types them
            for value in filter(None, (person.name, person.dob and person.dob.strftime("%d/%m/%Y"),
                                       person.dob and person.dob.isoformat(), person.address.split("\n")[0])):
                assert value.casefold() not in html.unescape(source).casefold(), page.name
    declined = _Page((root / "dashboard" / f"{reference}.html").read_text(encoding="utf-8")).tables["signoffs"]
    assert [r[1] for r in declined if r[0].endswith("(ICB)")] == ["declined"]
    # the named copy names them (so the scan above can fail), and shows the reason given
    named_text = _Page((root / "cases" / "dashboard-with-names" / f"{reference}.html").read_text("utf-8")).text
    assert child.name in named_text and f"We think {child.name} needs a review" in named_text
    index = (root / "cases" / "dashboard-with-names" / "index.html").read_text(encoding="utf-8")
    assert html.escape(child.name, quote=False) in index
    # the named copy, once made, is kept up to date after a step, like the other
    assert ws("decide", reference, "--sign", "LA").exit_code in (0, 1)
    again = _Page((root / "cases" / "dashboard-with-names" / f"{reference}.html").read_text("utf-8"))
    assert [r[1] for r in again.tables["signoffs"] if r[0].endswith("(LA)")] == ["signed"]


def test_a_step_makes_the_dashboard_again_and_a_failure_never_fails_the_step(demo_workspace, tmp_path, monkeypatch):
    root, ws = _copy(demo_workspace, tmp_path, monkeypatch)
    reference = "CIEC-2026-002"
    page = root / "dashboard" / f"{reference}.html"
    chased = lambda: [r[5] for r in _Page(page.read_text(encoding="utf-8")).tables["returns-matrix"]]  # noqa: E731
    assert set(chased()) == {""}
    result = ws("chase", reference)
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr
    assert chased().count("1") == 9  # the page shows the reminders the step just drafted
    # on a later day, a step on one case makes every page again (each shows its days left as of that day)
    other = root / "dashboard" / "CIEC-2026-001.html"
    assert "As of 25/11/2026" in other.read_text(encoding="utf-8")
    monkeypatch.setenv("LIFKIT_TODAY", "2026-11-26")
    assert ws("chase", reference).exit_code == 0
    assert "As of 26/11/2026" in other.read_text(encoding="utf-8")
    # the index was made again too: CIEC-2026-001's notice recorded, it is closed
    assert ws("notified", "CIEC-2026-001", "panel", "--on", "25/11/2026").exit_code in (0, 1)
    index = _Page((root / "dashboard" / "index.html").read_text(encoding="utf-8"))
    assert [r[0] for r in index.tables["open-cases"]] == [reference]
    assert [r[0] for r in index.tables["closed-cases"]] == ["CIEC-2026-001"]

    # a dashboard that cannot be written warns, and the step stands with its own exit status
    shutil.rmtree(root / "dashboard")
    (root / "dashboard").write_text("not a folder", encoding="utf-8")
    journal = (root / "cases" / reference / "journal.jsonl").read_text(encoding="utf-8")
    result = ws("chase", reference)
    assert result.exit_code == 0, result.output
    assert "Warning: the dashboard" in result.stderr and "the step itself was recorded" in result.stderr
    assert "Traceback" not in result.output
    assert len((root / "cases" / reference / "journal.jsonl").read_text(encoding="utf-8")) > len(journal)

    # [dashboard] rebuild = false: no rebuild after a step
    (root / "dashboard").unlink()
    settings = root / "lifkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\n[dashboard]\nrebuild = false\n", encoding="utf-8")
    assert ws("config", "check").exit_code == 0
    assert ws("chase", reference).exit_code == 0
    assert not (root / "dashboard").exists()
    assert ws("dashboard").exit_code == 0 and (root / "dashboard" / "index.html").is_file()


def test_the_pages_are_the_same_whether_jinja_s_template_cache_works_or_not(demo_workspace, tmp_path, monkeypatch):
    """The compiled templates are kept in Jinja's per-user cache under the temporary folder. Where that
    folder cannot be made (Jinja refuses one another user owns) or a compiled template cannot be
    written there (a full disk), the pages are made all the same, and are the same pages."""
    import jinja2.bccache

    root, ws = _copy(demo_workspace, tmp_path, monkeypatch)
    pages = root / "dashboard"

    def made() -> dict[str, str]:
        shutil.rmtree(pages, ignore_errors=True)
        result = ws("dashboard")
        assert result.exit_code == 0, result.output
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(pages.glob("*.html"))}

    cached = made()

    def unsafe(self):
        raise RuntimeError("the cache folder is not owned by this user")

    with monkeypatch.context() as patch:
        patch.setattr(jinja2.bccache.FileSystemBytecodeCache, "_get_default_cache_dir", unsafe)
        assert made() == cached

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(jinja2.bccache.FileSystemBytecodeCache, "load_bytecode", lambda self, bucket: None)
        patch.setattr(jinja2.bccache.tempfile, "NamedTemporaryFile", full_disk)
        assert made() == cached


def test_the_marking_is_a_workspace_setting(demo_workspace, tmp_path, monkeypatch):
    root, ws = _copy(demo_workspace, tmp_path, monkeypatch)
    settings = root / "lifkit.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("[board]\n", '[board]\nmarking = "OFFICIAL"\n'),
                        encoding="utf-8")
    assert ws("config", "check").exit_code == 0
    assert ws("dashboard").exit_code == 0
    for page in (root / "dashboard").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "OFFICIAL-SENSITIVE" not in text and text.count("OFFICIAL") >= 2
    # the packs carry it too, top and bottom of every page they draw, and in their metadata
    from pypdf import PdfReader

    built = ws("pack", "CIEC-2026-002", "--allow-incomplete", "--json")
    assert built.exit_code in (0, 1), built.output
    reader = PdfReader(json.loads(built.stdout)["file"])
    assert reader.metadata["/Subject"] == "OFFICIAL"
    cover = [line.strip() for line in reader.pages[0].extract_text().splitlines() if line.strip()]
    assert "OFFICIAL" in cover and not any("OFFICIAL-SENSITIVE" in line for line in cover)


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """WCAG 2.2's contrast ratio of two sRGB colours."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_palette_meets_wcag_aa_contrast():
    from lifkit.steps.dashboard import MARK_PAIRS, PALETTE, TEXT_PAIRS

    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the formula, against a known pair
    low = [(a, b, round(contrast(PALETTE[a], PALETTE[b]), 2)) for a, b in TEXT_PAIRS
           if contrast(PALETTE[a], PALETTE[b]) < 4.5]
    low += [(a, b, round(contrast(PALETTE[a], PALETTE[b]), 2)) for a, b in MARK_PAIRS
            if contrast(PALETTE[a], PALETTE[b]) < 3.0]
    assert low == []
    # and every colour the stylesheet uses comes from the palette (checked above)
    css = (Path(__file__).resolve().parent.parent / "templates" / "dashboard" / "dashboard.css").read_text("utf-8")
    assert re.findall(r"#[0-9a-fA-F]{3,6}\b", css.split("@media print")[0]) == []


def test_status_without_a_reference_is_one_line_per_open_case(demo_workspace, tmp_path, monkeypatch):
    root, ws = _copy(demo_workspace, tmp_path, monkeypatch)
    result = ws("status")
    assert result.exit_code == 1  # CIEC-2026-002's returns are late
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Case", "Stage", "Next", "Due", "Left", "Returns", "Overdue"]
    assert [line.split()[0] for line in lines[2:4]] == ["CIEC-2026-002", "CIEC-2026-001"]
    assert re.split(r"\s{2,}", lines[2]) == ["CIEC-2026-002", "Awaiting returns", "CIGINF1 return from EDU",
                                            "19/11/2026", "LATE by 6 days", "6 of 15", "9 late"]
    assert re.split(r"\s{2,}", lines[3]) == ["CIEC-2026-001", "Decided: MA Concise Review; notifications due",
                                            "National Panel notice (14 days after the decision)", "30/11/2026",
                                            "5 days", "15 of 15"]
    assert lines[4] == "2 open cases; 1 with something late. lifkit status REF shows a case in full."
    assert ws("notified", "CIEC-2026-001", "panel", "--on", "25/11/2026").exit_code in (0, 1)
    assert [line.split()[0] for line in ws("status").stdout.splitlines()[2:-1]] == ["CIEC-2026-002"]
    every = ws("status", "--all").stdout.splitlines()
    assert "CIEC-2026-001" in every[3] and "closed 25/11/2026" in every[3]
    assert every[-1] == "1 open case, 1 closed; 1 with something late."
    # `status REF` keeps the case in full, and --json every case in full
    full = ws("status", "CIEC-2026-002").stdout
    assert full.startswith("CIEC-2026-002: Awaiting returns\n") and "YOS      12/11/2026" in full
    assert {c["reference"] for c in json.loads(ws("status", "--json").stdout)} == {"CIEC-2026-001", "CIEC-2026-002"}


def test_the_rapid_review_counts_days_left_in_working_days(rapid_review_demo, tmp_path, monkeypatch):
    root, ws = _copy(rapid_review_demo, tmp_path, monkeypatch)
    lines = ws("status").stdout.splitlines()
    assert re.split(r"\s{2,}", lines[2])[2:5] == ["Individual Agency Summary from COMM", "24/11/2026",
                                                 "LATE by 1 working day"]
    # 25/11/2026 (Wednesday) to 22/04/2027: Christmas, Boxing Day (a Saturday: Monday 28th), New Year's Day,
    # Good Friday and Easter Monday are not working days
    assert "101 working days" in lines[3]
