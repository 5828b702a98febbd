"""The dashboard in a real browser (issue 24): Debian's Chromium, driven by Playwright for Python, opening the
pages by file:// URL as a double-click does. What a person sees (the overdue case first, the timeline's
markers in date order where their dates put them, today's line), axe-core's checks (0 violations), and the
print stylesheet on A4 (printed to PDF by Chromium, the page size read back by pypdf and the text by
pdftotext).

`make test` installs Chromium (apt), Playwright (the test extras) and axe-core (npm, into build/); where one
cannot be had the tests are skipped saying which (and fail under CI, as the other tools' tests do)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, Lifkit, require_tool

TODAY = "2026-11-25"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = REPO / "build" / "node_modules" / "axe-core" / "axe.min.js"


def _missing(message: str):
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        _missing("chromium is not installed (make test-tools installs Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -e '.[test]' installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    opened = browser.new_page(viewport={"width": 1280, "height": 900})
    yield opened
    opened.close()


def _dashboard(made, tmp_path, monkeypatch) -> Path:
    root, _ = made
    copy = tmp_path / "practice"
    shutil.copytree(root, copy)
    monkeypatch.setenv("LIFKIT_TODAY", TODAY)
    assert Lifkit(copy)("dashboard").exit_code == 0
    return copy / "dashboard"


@pytest.mark.parametrize("which", ["demo_workspace", "rapid_review_demo"])
def test_the_pages_as_a_person_sees_them(which, request, page, tmp_path, monkeypatch):
    folder = _dashboard(request.getfixturevalue(which), tmp_path, monkeypatch)
    states = {c["reference"]: c for c in json.loads(Lifkit(folder.parent)("status", "--json").stdout)}
    page.goto((folder / "index.html").as_uri())
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    assert page.title().startswith("Cases: ")
    rows = page.locator("#open-cases tbody tr")
    assert rows.count() == len([s for s in states.values() if not s["closed"]])
    first = rows.nth(0)
    late_case = {"demo_workspace": "CIEC-2026-002", "rapid_review_demo": "RR-2026-002"}[which]
    assert first.get_attribute("data-reference") == late_case  # the overdue case first
    assert first.locator(".tag.late").first.is_visible()
    assert "LATE" in first.inner_text()
    # nothing fetched from anywhere: no script, no external resource
    assert page.evaluate("document.scripts.length") == 0
    assert page.evaluate("performance.getEntriesByType('resource').length") == 0

    for reference, state in states.items():
        page.goto((folder / f"{reference}.html").as_uri())
        page.screenshot(path=str(tmp_path / f"{reference}.png"), full_page=True)
        svg = page.locator("#timeline-chart")
        box = svg.bounding_box()
        start, end = (dt.date.fromisoformat(svg.get_attribute(a)) for a in ("data-start", "data-end"))
        left, right = float(svg.get_attribute("data-left")), float(svg.get_attribute("data-right"))
        view_width = float(svg.get_attribute("viewBox").split()[2])
        scale = box["width"] / view_width

        def expected_x(day: dt.date) -> float:
            return box["x"] + (left + (day - start).days / (end - start).days * (right - left)) * scale

        markers = page.locator("#timeline-chart g.marker")
        seen = []
        for number in range(markers.count()):
            marker = markers.nth(number)
            shape = marker.locator("g.shape > *").bounding_box()
            centre = shape["x"] + shape["width"] / 2
            day = dt.date.fromisoformat(marker.get_attribute("data-date"))
            assert abs(centre - expected_x(day)) <= 3, (reference, day, centre, expected_x(day))
            assert box["x"] <= centre <= box["x"] + box["width"]
            seen.append((day, centre))
        assert seen == sorted(seen) and len(seen) >= len([d for d in state["deadlines"] if d["due"]])
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # in date order, left to right
        today = page.locator("#today-line").bounding_box()
        assert abs(today["x"] + today["width"] / 2 - expected_x(dt.date.fromisoformat(TODAY))) <= 3
        assert page.get_by_text(f"Today {TODAY[8:]}/{TODAY[5:7]}/{TODAY[:4]}").is_visible()
        # each marker's meaning is in its words too, in the table beside the chart
        statuses = [markers.nth(n).get_attribute("data-status") for n in range(markers.count())]
        words = page.locator("#deadlines tbody tr td:last-child").all_inner_texts()
        assert [w.strip() for w in words] == [{"met": "met on time", "late": "met late", "overdue": "overdue",
                                                "due": "due"}[s] for s in statuses]
        overdue = {m["code"] for m in state["members"] if m["overdue"]}
        shown = {row.split()[0] for row in page.locator("#returns-matrix tbody tr").all_inner_texts()
                 if "OVERDUE" in row}
        assert shown == overdue


@pytest.mark.parametrize("which", ["demo_workspace", "rapid_review_demo"])
def test_axe_core_finds_no_violation_on_any_page(which, request, page, tmp_path, monkeypatch):
    if not AXE.is_file():
        _missing(f"axe-core is not installed at {AXE.relative_to(REPO)} (make test installs it with npm)")
    folder = _dashboard(request.getfixturevalue(which), tmp_path, monkeypatch)
    for html in sorted(folder.glob("*.html")):
        page.goto(html.as_uri())
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ')');
        }""")
        assert result == [], (html.name, result)


def test_the_print_stylesheet_fits_a4(demo_workspace, page, tmp_path, monkeypatch):
    from pypdf import PdfReader

    pdftotext = require_tool("pdftotext")
    folder = _dashboard(demo_workspace, tmp_path, monkeypatch)
    for name in ("index.html", "CIEC-2026-001.html"):
        page.goto((folder / name).as_uri())
        page.emulate_media(media="print")
        # nothing wider than the printed page: the A4 page's width less its margins, at 96 px an inch
        page.set_viewport_size({"width": round((210 - 20) / 25.4 * 96), "height": 1000})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (name, overflow)
        pdf = tmp_path / f"{name}.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        reader = PdfReader(pdf)
        for sheet in reader.pages:
            assert (round(float(sheet.mediabox.width)), round(float(sheet.mediabox.height))) == (595, 842)
        text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert text.count("OFFICIAL-SENSITIVE") >= len(reader.pages)
        if name == "index.html":
            for heading in ("Case", "Stage", "Next deadline", "Days left", "Overdue", "Review", "CIEC-2026-002"):
                assert heading in text
        else:
            assert "The deadlines, as the timeline draws them" in text and "PH" in text
