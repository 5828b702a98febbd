"""How long `lifkit pack` takes on a big case, against qpdf merging the same PDFs (not a test).

The case (every name fictional): 20 CIEC members, each returning a CIGINF1 with 10 chronology rows (a
200-row merged chronology) and answers long enough for about 3 pages; 10 of them attach a 20-page
PDF. The case is made the way the administrator makes one: `lifkit init`, `referral open`, `request`,
replies collected with `lifkit collect`.

Then, each timed as a separate process (as the administrator runs it), median of --runs:
  lifkit pack REF --date ... -o pack.pdf
  qpdf --empty --pages <the 10 attached PDFs> <the 20 returned forms> -- merged.pdf

Targets: (issue 7) lifkit under 3 s, and within 3x of qpdf; (issue 15) a pack of 60 returns no slower
than qpdf merging the 60 returned forms, and a pack of 15 returns no slower than qpdf merging 15.

    .venv/bin/python bench/pack_bench.py [--runs 5] [--keep DIR] [--json]
    .venv/bin/python bench/pack_bench.py --agencies 60 --attached 0     # 60 returns, nothing attached

With --json it prints only a JSON list for bench/run.py (``make bench``): one item with the task,
lifkit's median, the reference task and its median, in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

TODAY = "2026-11-25"
AGENCIES = 20
ATTACHED = 10
ATTACHED_PAGES = 20
CHRONOLOGY_ROWS = 10
DEFAULT_MEMBERS = 15  # the members `lifkit init` writes
EXTRA_MEMBERS = [("FIRE", "Fire and Rescue Service"), ("DWP", "Department for Work and Pensions"),
                 ("GP", "General Practice"), ("DENT", "Community Dental Service"), ("VOL", "Voluntary Sector")]


def extra_members(count: int) -> list[tuple[str, str]]:
    """``count`` members beyond the default ones: the five above, then numbered fictional services."""
    extra = EXTRA_MEMBERS[:count]
    extra += [(f"SV{n:02d}", f"Fictional Service {n}") for n in range(1, count - len(extra) + 1)]
    return extra

SENTENCE = ("The agency's records show contact with the family about the fictional child's welfare, with "
            "follow-up by the allocated practitioner and a record of the outcome. ")


def lifkit(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "lifkit"
    result = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True)
    if check and result.returncode not in (0, 1):
        raise SystemExit(f"lifkit {' '.join(map(str, args))} failed:\n{result.stdout}{result.stderr}")
    return result


def fill(blank: Path, values: dict, out: Path) -> Path:
    """Fill a form as a PDF viewer would (text values; True ticks a tick-box)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=PdfReader(str(blank)))
    texts = {k: str(v) for k, v in values.items() if not isinstance(v, bool)}
    for page in writer.pages:
        writer.update_page_form_field_values(page, texts, auto_regenerate=False)
        for annotation in page.get("/Annots", []):
            widget = annotation.get_object()
            name = str(widget.get("/T", ""))
            if values.get(name) is True:
                states = [s for s in widget["/AP"]["/N"] if s != "/Off"]
                widget[NameObject("/V")] = widget[NameObject("/AS")] = NameObject(states[0])
    writer.write(str(out))
    return out


def attached_pdf(path: Path, code: str) -> Path:
    """A 20-page agency document: a fuller chronology, as agencies attach them."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for number in range(1, ATTACHED_PAGES + 1):
        page.setFont("Helvetica-Bold", 13)
        page.drawString(56, 790, f"{code} fuller chronology (fictional) - page {number} of {ATTACHED_PAGES}")
        page.setFont("Helvetica", 9.5)
        for line in range(60):
            page.drawString(56, 760 - 12 * line, f"{number:02d}/{line % 12 + 1:02d}/2025  Contact {line + 1}: "
                                                  + SENTENCE[:80])
        page.showPage()
    page.save()
    return path


def return_values(index: int) -> dict:
    values = {
        "completed_name": f"Fictional Officer {index}", "completed_role": "Safeguarding manager",
        "completed_telephone": "01632 960002", "completed_email": f"officer{index}@agency.example",
        "child_known": "Yes", "others_known": "Yes", "others_known_who": "Fictional Parent",
        "involvement_from": "01/01/2024", "involvement_to": "30/10/2026",
        "involvement_summary": SENTENCE * 12, "working_together_concerns": SENTENCE * 4,
        "good_practice": SENTENCE * 3, "case_open": "Yes" if index % 2 else "No",
        "criteria_met": ("Yes", "No", "Unsure")[index % 3], "criteria_reason": SENTENCE * 2,
        "other_information": SENTENCE * 3, "checked_by_name": "Fictional Safeguarding Lead",
        "completion_date": "24/11/2026",
    }
    for row in range(1, CHRONOLOGY_ROWS + 1):
        values.update({f"chronology_{row}_date": f"{(index * 7 + row * 3) % 28 + 1:02d}/{row:02d}/2025",
                       f"chronology_{row}_event": f"Contact {row}: home visit and review",
                       f"chronology_{row}_practitioner": f"Practitioner {index}-{row}",
                       f"chronology_{row}_outcome": "Plan reviewed; referral made where needed"})
    for row in range(1, 4):
        values.update({f"practitioners_{row}_name": f"Practitioner {index}-{row}",
                       f"practitioners_{row}_role": "Worker", f"practitioners_{row}_team": "Locality team",
                       f"practitioners_{row}_contact": "01632 960100",
                       f"practitioners_{row}_attending": "Yes" if row == 1 else "No"})
    return values


def make_case(root: Path) -> tuple[Path, str, list[Path], list[Path]]:
    """The case; the attached PDFs and the returned forms that lifkit filed."""
    ws = root / "lscb"
    lifkit("init", ws)
    os.environ["LIFKIT_WORKSPACE"] = str(ws)
    for code, agency in extra_members(AGENCIES - DEFAULT_MEMBERS):
        lifkit("members", "add", code, "--agency", agency, "--name", f"Member {code}",
               "--email", f"{code.lower()}@agency.example")
    members = json.loads(lifkit("members", "--json").stdout)
    members = members.get("members", members) if isinstance(members, dict) else members
    assert len(members) == AGENCIES, f"{len(members)} members"
    blank = root / "cigscr1.pdf"
    lifkit("form", "cigscr1", "-o", blank)
    referral = fill(blank, {
        "criterion_a": True, "criterion_b_i": True, "reasons": SENTENCE, "summary": SENTENCE * 5,
        "child_name": "Fictional Child", "child_dob": "04/03/2015", "child_dod": "30/10/2026",
        "agency": "Testshire Police", "lead_name": "Fictional Lead", "lead_position": "DI",
        "lead_email": "lead@police.example", "lead_telephone": "01632 960001", "referral_route": "Strategy meeting",
        "completion_date": "02/11/2026"}, root / "referral.pdf")
    opened = json.loads(lifkit("referral", "open", referral, "--notified", "02/11/2026", "--json",
                               "--accept-problems").stdout)
    reference = opened["reference"]
    lifkit("request", reference, "--meeting", "01/12/2026")
    outbox = ws / "cases" / reference / "outbox"
    replies, attached = root / "replies", []
    replies.mkdir()
    for index, member in enumerate(members):
        code = member["code"]
        form = fill(outbox / f"CIGINF1-{reference}-{code}.pdf", return_values(index), replies / f"{code}.pdf")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = member["email"], "admin@lscb.example", f"RE: {reference}"
        message.set_content("Our return is attached.")
        files = [form]
        if index < ATTACHED:
            files.append(attached_pdf(replies / f"{code} chronology.pdf", code))
            attached.append(files[-1])
        for path in files:
            message.add_attachment(path.read_bytes(), maintype="application", subtype="pdf", filename=path.name)
        (replies / f"{code}.eml").write_bytes(message.as_bytes())
    collected = json.loads(lifkit("collect", reference, *sorted(replies.glob("*.eml")), "--json").stdout)
    invalid = [r["agency"] for r in collected["received"] if not r["valid"]]
    assert not invalid and len(collected["received"]) == AGENCIES, collected
    returned = sorted((ws / "cases" / reference / "returns").glob("*/*/CIGINF1-*.pdf"))
    return ws, reference, attached, returned


def parts(ws: Path, reference: str, runs: int) -> dict[str, float]:
    """Where the pack's time goes, in this process (medians): reading the case and its returns, the
    layout by reportlab, and the assembly by the PDF library (placing pages, fields, outline, labels)."""
    import datetime as dt

    from lifkit.case.workspace import open_workspace
    from lifkit.steps import pack, pack_layout

    workspace = open_workspace(ws)
    pack.register_fonts()
    times: dict[str, list[float]] = {"gather": [], "layout": [], "assembly": []}
    for _ in range(runs):
        start = time.perf_counter()
        data = pack.gather(workspace, reference, None, dt.date.fromisoformat(TODAY))
        times["gather"].append(time.perf_counter() - start)
        start = time.perf_counter()
        layout = pack_layout._layout(data)
        times["layout"].append(time.perf_counter() - start)
        start = time.perf_counter()
        pack._assemble(data, layout, None)
        times["assembly"].append(time.perf_counter() - start)
    return {key: round(statistics.median(values), 3) for key, values in times.items()}


def timed(command: list[str], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> None:
    global AGENCIES, ATTACHED
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="Make the case in this folder and keep it.")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON (for bench/run.py).")
    parser.add_argument("--agencies", type=int, default=AGENCIES, help="Members returning a form (at least 15).")
    parser.add_argument("--attached", type=int, default=ATTACHED, help="How many of them attach a 20-page PDF.")
    args = parser.parse_args()
    AGENCIES, ATTACHED = max(args.agencies, DEFAULT_MEMBERS), min(args.attached, args.agencies)
    say = (lambda text: print(text, file=sys.stderr)) if args.json else print
    qpdf = shutil.which("qpdf")
    if not qpdf:
        raise SystemExit("qpdf is not installed (make test-tools installs it).")
    os.environ["LIFKIT_TODAY"] = TODAY
    import compileall  # lifkit's bytecode, as a user's install has it (see bench/run.py)

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "lifkit"), quiet=1)
    root = args.keep or Path(tempfile.mkdtemp(prefix="lifkit-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        ws, reference, attached, returned = make_case(root)
        inputs = attached + returned
        say(f"case {reference}: {AGENCIES} returns, {ATTACHED} attached PDFs of {ATTACHED_PAGES} pages "
              f"(made in {time.perf_counter() - started:.0f} s)")
        out = root / "pack.pdf"
        exe = str(Path(sys.executable).parent / "lifkit")
        pack_cmd = [exe, "--workspace", str(ws), "pack", reference, "--date", TODAY, "-o", str(out)]
        subprocess.run(pack_cmd, check=True, capture_output=True)  # warm the file cache
        lifkit_median, lifkit_times = timed(pack_cmd, args.runs)
        from pypdf import PdfReader

        pages = len(PdfReader(str(out)).pages)
        chronology = AGENCIES * CHRONOLOGY_ROWS
        merged_pages = sum(len(PdfReader(str(p)).pages) for p in inputs)
        qpdf_cmd = [qpdf, "--empty", "--pages", *map(str, inputs), "--", str(root / "merged.pdf")]
        qpdf_median, qpdf_times = timed(qpdf_cmd, args.runs)
        say(f"lifkit pack: median {lifkit_median:.2f} s over {args.runs} runs "
              f"({', '.join(f'{t:.2f}' for t in lifkit_times)}); {pages} pages, {chronology}-row chronology")
        say(f"qpdf merge:  median {qpdf_median:.2f} s over {args.runs} runs "
              f"({', '.join(f'{t:.2f}' for t in qpdf_times)}); {merged_pages} pages from {len(inputs)} files")
        split = parts(ws, reference, args.runs)
        say(f"in process: gathering {split['gather']:.2f} s, layout (reportlab) {split['layout']:.2f} s, "
            f"assembly (qpdf, by pikepdf) {split['assembly']:.2f} s")
        ratio = lifkit_median / qpdf_median
        say(f"ratio lifkit/qpdf: {ratio:.1f}x   (targets: under 3 s -> {'met' if lifkit_median < 3 else 'NOT met'}; "
              f"within 3x of qpdf -> {'met' if ratio <= 3 else 'NOT met'})")
        if args.json:
            extra = f", {ATTACHED} attached PDFs of {ATTACHED_PAGES} pages" if ATTACHED else ""
            what = f"the same {len(inputs)} PDFs" if ATTACHED else f"the {len(inputs)} returned forms"
            print(json.dumps([{
                "task": f"`lifkit pack` of {AGENCIES} returns{extra}, {chronology}-row chronology ({pages} pages)",
                "lifkit": round(lifkit_median, 3),
                "reference_task": f"`qpdf --empty --pages` of {what}",
                "reference": round(qpdf_median, 3), "parts": split}]))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
