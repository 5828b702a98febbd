"""A workspace of many cases with their journals, for the benchmarks of `lifkit dashboard`, `status`,
`overdue` and `register sync` (issue 24: 303 cases, ten years of a busy board).

The practice workspace of `lifkit demo` is made once, and its two cases are copied under new references
(every event id made new, so that no two cases share one): most copies are of the decided case with its
last notice recorded, so closed, as most of ten years' cases are; every tenth is of the case still
awaiting returns.

    .venv/bin/python bench/many_cases.py DIR [--cases 303] [--process lscb-2016]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIFKIT = str(Path(sys.executable).parent / "lifkit")
TODAY = "2026-11-25"
TEXT_SUFFIXES = {".jsonl", ".json", ".yaml"}
# the notices the demo's decided case still waits for, by process: recorded in each closed copy
LAST_NOTICES = {"lscb-2016": ["panel"], "rapid-review-2023": ["panel_report", "publication"]}


def make_workspace(root: Path, cases: int = 303, process: str = "lscb-2016") -> Path:
    """The demo's workspace in ``root / "ws"`` with ``cases`` cases in all."""
    workspace = root / "ws"
    env = {**os.environ, "LIFKIT_TODAY": TODAY}
    subprocess.run([LIFKIT, "demo", str(workspace), "--process", process], check=True, capture_output=True, env=env)
    folders = sorted(p for p in (workspace / "cases").iterdir() if (p / "case.yaml").is_file())
    decided, awaiting = folders[0], folders[-1]
    prefix = decided.name.rsplit("-", 2)[0]
    for number in range(cases - len(folders)):
        source = awaiting if number % 10 == 9 else decided
        reference = f"{prefix}-{2016 + number // 30}-{number % 30 + 100:03d}"
        _copy_case(source, workspace / "cases" / reference, reference,
                   [] if source is awaiting else LAST_NOTICES.get(process, []))
    return workspace


def _copy_case(source: Path, target: Path, reference: str, notices: list[str]) -> None:
    shutil.copytree(source, target)
    ids = set(re.findall(r'"id": "([0-9a-f]{32})"', (source / "journal.jsonl").read_text(encoding="utf-8")))
    new = {old: uuid.uuid4().hex for old in ids}
    pattern = re.compile("|".join(map(re.escape, [source.name, *new]))) if new else re.compile(re.escape(source.name))
    for path in target.rglob("*"):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8")
            path.write_text(pattern.sub(lambda m: reference if m.group(0) == source.name else new[m.group(0)], text),
                            encoding="utf-8")
    with (target / "journal.jsonl").open("a", encoding="utf-8") as journal:
        for notice in notices:  # the last notice sent: the case is closed
            journal.write(json.dumps({"at": f"{TODAY}T12:00:00+00:00", "by": "bench", "event": "notified",
                                      "id": uuid.uuid4().hex, "notice": notice, "on": TODAY}) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--cases", type=int, default=303)
    parser.add_argument("--process", default="lscb-2016")
    args = parser.parse_args()
    print(make_workspace(args.directory, args.cases, args.process))
    return 0


if __name__ == "__main__":
    sys.exit(main())
