"""How long recording a decision on the register takes, against an openpyxl load-and-save of the same file.

    .venv/bin/python bench/register_bench.py            # 1,000 and 10,000 rows
    .venv/bin/python bench/register_bench.py --rows 2000 --runs 3
    .venv/bin/python bench/register_bench.py --json     # the figures for bench/run.py (make bench)

Builds the registers itself (with openpyxl, as `lifkit init` does, then fictional rows on both sheets),
then times, on copies of each:

- lifkit ``record()``: update (or add) one case's row and add a Decisions row, in one save (lock,
  backup, surgical rewrite of the two sheets, fsync, atomic replace) -- the operation the issue targets:
  under 0.5 s at 1,000 rows, under 2 s at 10,000, and at least 4 times faster than
- openpyxl ``load_workbook()`` + ``save()`` of the same file, which is what rewriting the workbook with
  openpyxl would cost (and which would silently drop what openpyxl does not model);
- reading every row: lifkit ``open_register().rows()`` against openpyxl's read-only mode.

Prints the medians, the ratios and whether the targets were met. Not a test: the figures depend on the
machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lifkit.register.workbook import DATE_FORMAT, DECISIONS_COLUMNS, REGISTER_COLUMNS, create_register, open_register, record


def build(path: Path, rows: int) -> Path:
    """A register with ``rows`` cases and as many decisions, every column filled as a real one would be."""
    from openpyxl import load_workbook

    create_register(path)
    workbook = load_workbook(path)
    cases, decisions = workbook["Register"], workbook["Decisions"]
    start = dt.date(2015, 1, 1)
    for i in range(rows):
        ref = f"CIEC-{2015 + i // 1000}-{i % 1000:03d}"
        day = start + dt.timedelta(days=i % 3000)
        values = []
        for column in REGISTER_COLUMNS:
            if column.key == "case_ref":
                values.append(ref)
            elif column.kind == "date":
                values.append(day)
            elif column.kind == "yesno":
                values.append("Yes" if i % 3 else "No")
            else:
                values.append(f"Fictional {column.header.lower()} {i}")
        cases.append(values)
        decisions.append([day, ref, "CIEC", "No SCR", f"Fictional rationale for case {i}, " * 3, "Jordan Avery"])
    for sheet, columns in ((cases, REGISTER_COLUMNS), (decisions, DECISIONS_COLUMNS)):
        dates = [n for n, c in enumerate(columns, start=1) if c.kind == "date"]
        for row in sheet.iter_rows(min_row=2):
            for n in dates:
                row[n - 1].number_format = DATE_FORMAT
    workbook.save(path)
    return path


def timed(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=7, help="runs of record() per size (median taken)")
    parser.add_argument("--openpyxl-runs", type=int, default=3, help="runs of openpyxl load+save per size")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (for bench/run.py)")
    args = parser.parse_args()

    from openpyxl import load_workbook

    results = []
    with tempfile.TemporaryDirectory(prefix="lifkit-bench-") as tmp:
        for rows in args.rows:
            print(f"building a {rows:,}-row register...", file=sys.stderr)
            source = build(Path(tmp) / f"register-{rows}.xlsx", rows)
            size = source.stat().st_size

            lifkit_copy = Path(tmp) / f"lifkit-{rows}" / "register.xlsx"
            lifkit_copy.parent.mkdir()
            shutil.copy(source, lifkit_copy)
            counter = iter(range(1_000_000))

            def record_decision() -> None:
                n = next(counter)
                existing = f"CIEC-{2015 + (n * 7 % rows) // 1000}-{(n * 7 % rows) % 1000:03d}"
                ref = existing if n % 2 else f"BENCH-{n:05d}"  # half update a row, half add one
                record(lifkit_copy, ref, {"decision": "SCR", "decision_date": dt.date(2026, 11, 20),
                                          "status": "Decided"},
                       {"date": dt.date(2026, 11, 20), "by": "Independent Chair", "decision": "SCR",
                        "rationale": "Criteria met.", "recorded_by": "Jordan Avery"})

            record_decision()  # first run: imports lxml and filelock
            lifkit_time = timed(record_decision, args.runs)

            openpyxl_copy = Path(tmp) / f"openpyxl-{rows}.xlsx"
            shutil.copy(source, openpyxl_copy)

            def load_and_save() -> None:
                load_workbook(openpyxl_copy).save(openpyxl_copy)

            openpyxl_time = timed(load_and_save, args.openpyxl_runs)

            read_lifkit = timed(lambda: open_register(source).rows(), 3)

            def read_openpyxl() -> None:
                workbook = load_workbook(source, read_only=True)
                for _ in workbook["Register"].iter_rows(values_only=True):
                    pass
                workbook.close()

            read_openpyxl_time = timed(read_openpyxl, 3)
            results.append((rows, size, lifkit_time, openpyxl_time, read_lifkit, read_openpyxl_time))

    targets = {1000: 0.5, 10000: 2.0}
    verdicts = []
    for rows, _, lifkit_time, openpyxl_time, _, _ in results:
        limit = targets.get(rows)
        fast = limit is None or lifkit_time < limit
        ratio_ok = openpyxl_time / lifkit_time >= 4
        verdicts.append(f"{rows:,} rows: " + ("" if limit is None else f"under {limit:g} s "
                                               f"{'met' if fast else 'NOT met'}; ")
                        + f"at least 4x faster than openpyxl {'met' if ratio_ok else 'NOT met'}")
    if args.json:
        figures = []
        for rows, _, lifkit_time, openpyxl_time, read_lifkit, read_openpyxl_time in results:
            figures.append({"task": f"recording a decision on a {rows:,}-row register", "lifkit": lifkit_time,
                            "reference_task": "openpyxl load + save", "reference": openpyxl_time})
        for rows, _, _, _, read_lifkit, read_openpyxl_time in results:
            figures.append({"task": f"reading every row of a {rows:,}-row register", "lifkit": read_lifkit,
                            "reference_task": "openpyxl read-only", "reference": read_openpyxl_time})
        print(json.dumps(figures, indent=2))
        for verdict in verdicts:
            print(verdict, file=sys.stderr)
        return 0
    print()
    print(f"{'rows':>7}  {'file':>7}  {'lifkit record()':>15}  {'openpyxl load+save':>18}  {'ratio':>6}  "
          f"{'lifkit read':>11}  {'openpyxl read':>13}  {'ratio':>6}")
    for rows, size, lifkit_time, openpyxl_time, read_lifkit, read_openpyxl_time in results:
        print(f"{rows:>7,}  {size / 1e6:>5.1f}MB  {lifkit_time:>13.3f} s  {openpyxl_time:>16.3f} s  "
              f"{openpyxl_time / lifkit_time:>5.1f}x  {read_lifkit:>9.3f} s  {read_openpyxl_time:>11.3f} s  "
              f"{read_openpyxl_time / read_lifkit:>5.1f}x")
    print()
    print(f"medians: record() of {args.runs} runs, openpyxl load+save of {args.openpyxl_runs}, reads of 3; "
          f"Python {sys.version.split()[0]}")
    for verdict in verdicts:
        print(f"target, {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
