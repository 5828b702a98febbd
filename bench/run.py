"""lifkit's benchmarks: ``make bench``. Builds its own inputs, times with hyperfine, writes bench/results.md.

Each figure is a median over several runs, measured beside a reference tool in the same run, so the
ratios hold from one machine to another:

- ``lifkit --help`` against ``python -c "import click"`` (start-up cost);
- ``lifkit validate`` of 60 returns, and ``lifkit collect`` of 60 emailed returns;
- ``lifkit pack`` of a large case against ``qpdf --empty --pages`` on the same PDFs (bench/pack_bench.py);
- recording a decision on 1,000- and 10,000-row registers against an openpyxl load and save
  (bench/register_bench.py).

Not a test: speed targets are never asserted in the test suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent
LIFKIT = str(BIN / "lifkit")
RESULTS = HERE / "results.md"


def hyperfine(commands: list[str], runs: int = 10, prepare: str | None = None) -> list[float]:
    """Median seconds of each command (hyperfine, same run, warm caches)."""
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    args = ["hyperfine", "--style", "none", "--warmup", "1", "--runs", str(runs), "--export-json", str(out)]
    if prepare:
        args += ["--prepare", prepare]
    subprocess.run(args + commands, check=True, stdout=subprocess.DEVNULL)
    data = json.loads(out.read_text())
    out.unlink()
    return [result["median"] for result in data["results"]]


def make_case(root: Path, count: int = 60) -> tuple[Path, str, list[Path], list[Path]]:
    """A workspace with one case, ``count`` filled CIGINF1 returns and the same as emails."""
    sys.path.insert(0, str(REPO / "tests"))
    from lifkit.mechanics.pdf import fill_form as fill_pdf
    from returns import CIGINF1_VALUES, CIGSCR1_VALUES  # the tests' fictional values

    env = {**os.environ, "LIFKIT_TODAY": "2026-11-25"}
    workspace = root / "ws"
    subprocess.run([LIFKIT, "init", str(workspace)], check=True,
                   stdout=subprocess.DEVNULL, env=env)
    from conftest import fill_placeholders

    fill_placeholders(workspace)
    run = lambda *args: subprocess.run([LIFKIT, "--workspace", str(workspace), *map(str, args)], check=True,  # noqa: E731
                                       capture_output=True, text=True, env=env).stdout
    run("form", "cigscr1", "-o", root / "blank.pdf")
    fill_pdf(root / "blank.pdf", root / "referral.pdf", CIGSCR1_VALUES)
    reference = json.loads(run("referral", "open", root / "referral.pdf", "--notified", "02/11/2026", "--json"))["reference"]
    run("request", reference, "--meeting", "04/12/2026")
    outbox = workspace / "cases" / reference / "outbox"
    forms = sorted(outbox.glob("CIGINF1-*.pdf"))
    returns, emails = [], []
    (root / "returns").mkdir()
    (root / "mail").mkdir()
    from lifkit.case.workspace import open_workspace

    members = {m.code: m for m in open_workspace(workspace).settings.members}
    for index in range(count):
        form = forms[index % len(forms)]
        target = fill_pdf(form, root / "returns" / f"{index:02d}-{form.name}", CIGINF1_VALUES)
        returns.append(target)
        code = form.stem.rsplit("-", 1)[-1]
        message = EmailMessage()
        message["From"] = members[code].email
        message["Subject"] = f"RE: CIEC request for information {reference}"
        message.set_content("Our return is attached.")
        message.add_attachment(target.read_bytes(), maintype="application", subtype="pdf", filename=form.name)
        email = root / "mail" / f"{index:02d}.eml"
        email.write_bytes(message.as_bytes())
        emails.append(email)
    return workspace, reference, returns, emails


def main() -> int:
    if not shutil.which("hyperfine"):
        print("hyperfine is not installed (make bench installs it with apt-get).", file=sys.stderr)
        return 1
    rows = []
    python = sys.executable
    help_time, click_time = hyperfine([f"{LIFKIT} --help", f"{python} -c 'import click'"], runs=20)
    rows.append(("`lifkit --help`", help_time, "`python -c 'import click'`", click_time))

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        workspace, reference, returns, emails = make_case(root)
        env = "LIFKIT_TODAY=2026-11-25"
        files = " ".join(str(p) for p in returns)
        (validate_time,) = hyperfine([f"{env} {LIFKIT} --workspace {workspace} validate {files} > /dev/null || true"],
                                     runs=5)
        rows.append(("`lifkit validate` of 60 returns", validate_time, "", None))
        pristine = root / "pristine"
        shutil.copytree(workspace, pristine)
        prepare = f"rm -rf {workspace} && cp -r {pristine} {workspace}"
        mails = " ".join(str(p) for p in emails)
        (collect_time,) = hyperfine([f"{env} {LIFKIT} --workspace {workspace} collect {reference} {mails} > /dev/null "
                                     "|| true"], runs=5, prepare=prepare)
        rows.append(("`lifkit collect` of 60 emailed returns", collect_time, "", None))

    for script in ("pack_bench.py", "register_bench.py"):
        if (HERE / script).exists():
            result = subprocess.run([python, str(HERE / script), "--json"], capture_output=True, text=True)
            if result.returncode == 0 and result.stdout.strip().startswith("["):
                for item in json.loads(result.stdout):
                    rows.append((item["task"], item["lifkit"], item.get("reference_task", ""), item.get("reference")))
            else:
                print(f"{script} gave no figures:\n{result.stderr}", file=sys.stderr)

    lines = ["| task | lifkit (median) | reference | reference (median) | ratio |", "| --- | --- | --- | --- | --- |"]
    for task, ours, reference_task, theirs in rows:
        ratio = f"{ours / theirs:.2f}x" if theirs else ""
        lines.append(f"| {task} | {ours:.3f} s | {reference_task} | {'' if theirs is None else f'{theirs:.3f} s'} | {ratio} |")
    table = "\n".join(lines)
    RESULTS.write_text(f"# Benchmark results\n\nMade by `make bench` ({sys.platform}, "
                       f"{os.cpu_count()} cores).\n\n{table}\n", encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
