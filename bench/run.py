"""lifkit's benchmarks: ``make bench``. Builds its own inputs, times with hyperfine, writes bench/results.md.

Each figure is a median over several runs, measured beside a reference in the same run, so the ratios
hold from one machine to another (targets from issue 15, unless said otherwise):

- ``lifkit --help`` from a wheel installed in a fresh virtual environment (bytecode compiled by pip, as a
  user's install is) against ``python -c "import click"`` in the same environment: at most 1.3 times;
- ``lifkit validate`` of 60 and of 600 returns against a loop of ``qpdf --json`` over the same files: at
  most 1.0 times; and its peak memory at 600 files against 60 (flat: the results are streamed);
- ``lifkit request`` for 15 members against 1 member: each further form at most 0.1 s;
- ``lifkit collect`` of 60 emailed returns (no reference);
- ``lifkit pack`` of 60 and of 15 returns against ``qpdf --empty --pages`` over the returned forms (at
  most 1.0 times), and of a large case with attachments (issue 7: within 3 times; bench/pack_bench.py);
- recording a decision and reading a register against openpyxl (bench/register_bench.py);
- ``lifkit dashboard`` of 100 cases with their journals: under 1 s; and at 303 cases (ten years of a busy
  board, most closed) ``status``, ``overdue`` and ``register sync`` within the figures before the dashboard
  (issue 24: 0.94 s, 1.1 s, 2.4 s), the workspaces made by bench/many_cases.py.

    .venv/bin/python bench/run.py [--quick]     # --quick: fewer runs, no wheel install

Not a test: speed targets are never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from email.message import EmailMessage
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent
LIFKIT = str(BIN / "lifkit")
RESULTS = HERE / "results.md"
TODAY = "2026-11-25"
ENV = f"LIFKIT_TODAY={TODAY}"


class Row:
    """One line of the results: lifkit's figure beside the reference's, and the target it is held to."""

    def __init__(self, task: str, ours: float | None, reference_task: str = "", theirs: float | None = None,
                 target: str = "", limit: float | None = None, unit: str = "s", value: float | None = None):
        self.task, self.ours, self.reference_task, self.theirs = task, ours, reference_task, theirs
        self.target, self.limit, self.unit = target, limit, unit
        # what the target is checked against: the ratio, unless a value of its own is given
        self.value = value if value is not None else (ours / theirs if ours is not None and theirs else None)

    def cells(self) -> list[str]:
        def fmt(x):
            if x is None:
                return ""
            return f"{x:.3f} s" if self.unit == "s" else f"{x:.0f} {self.unit}"

        ratio = f"{self.ours / self.theirs:.2f}x" if self.ours is not None and self.theirs else ""
        met = "" if self.limit is None or self.value is None else ("met" if self.value <= self.limit else "NOT met")
        return [self.task, fmt(self.ours), self.reference_task, fmt(self.theirs), ratio, self.target, met]


CPU: dict[str, float] = {}  # command -> mean user + system seconds in the last hyperfine run


def hyperfine(commands: list[str], runs: int = 10, prepare: str | None = None) -> list[float]:
    """Median seconds of each command (hyperfine, same run, warm caches); the CPU seconds go to CPU."""
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    args = ["hyperfine", "--style", "none", "--warmup", "1", "--runs", str(runs), "--export-json", str(out)]
    if prepare:
        args += ["--prepare", prepare]
    subprocess.run(args + commands, check=True, stdout=subprocess.DEVNULL)
    data = json.loads(out.read_text())
    out.unlink()
    for result in data["results"]:
        CPU[result["command"]] = result["user"] + result["system"]
    return [result["median"] for result in data["results"]]


def peak_kb(command: list[str]) -> int:
    """The peak resident memory of ``command`` (a child process), in kB."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "LIFKIT_TODAY": TODAY})
    _, _, usage = os.wait4(process.pid, 0)
    return int(usage.ru_maxrss)  # kB on Linux


def make_case(root: Path, count: int = 60) -> dict:
    """A workspace with one case opened (kept before and after its requests), ``count`` filled CIGINF1
    returns and the same as emails."""
    sys.path.insert(0, str(REPO / "tests"))
    from lifkit.mechanics.pdf import fill_form
    from returns import CIGINF1_VALUES, CIGSCR1_VALUES  # the tests' fictional values

    env = {**os.environ, "LIFKIT_TODAY": TODAY}
    workspace = root / "ws"
    subprocess.run([LIFKIT, "init", str(workspace)], check=True, stdout=subprocess.DEVNULL, env=env)
    from conftest import fill_placeholders

    fill_placeholders(workspace)
    run = lambda *args: subprocess.run([LIFKIT, "--workspace", str(workspace), *map(str, args)], check=True,  # noqa: E731
                                       capture_output=True, text=True, env=env).stdout
    run("form", "cigscr1", "-o", root / "blank.pdf")
    fill_form(root / "blank.pdf", root / "referral.pdf", CIGSCR1_VALUES)
    reference = json.loads(run("referral", "open", root / "referral.pdf", "--notified", "02/11/2026", "--json"))["reference"]
    before_requests = root / "before-requests"
    shutil.copytree(workspace, before_requests)
    run("request", reference, "--meeting", "01/12/2026")
    outbox = workspace / "cases" / reference / "outbox"
    forms = sorted(outbox.glob("CIGINF1-*.pdf"))
    returns, emails = root / "returns", root / "mail"
    returns.mkdir()
    emails.mkdir()
    from lifkit.case.workspace import open_workspace

    members = {m.code: m for m in open_workspace(workspace).settings.members}
    for index in range(count):
        form = forms[index % len(forms)]
        target = fill_form(form, returns / f"{index:03d}-{form.name}", CIGINF1_VALUES)
        code = form.stem.rsplit("-", 1)[-1]
        message = EmailMessage()
        message["From"] = members[code].email
        message["Subject"] = f"RE: CIEC request for information {reference}"
        message.set_content("Our return is attached.")
        message.add_attachment(target.read_bytes(), maintype="application", subtype="pdf", filename=form.name)
        (emails / f"{index:03d}.eml").write_bytes(message.as_bytes())
    many = root / "returns-600"
    many.mkdir()
    for copy in range(10):
        for path in sorted(returns.glob("*.pdf")):
            shutil.copyfile(path, many / f"{copy}-{path.name}")
    return {"workspace": workspace, "reference": reference, "returns": returns, "many": many, "emails": emails,
            "before_requests": before_requests, "member": forms[0].stem.rsplit("-", 1)[-1]}


def bench_help(runs: int) -> Row:
    """``lifkit --help`` as a user runs it: from a built wheel, installed by pip (which compiles the
    bytecode), in a fresh virtual environment; the reference is that environment's Python importing click."""
    with tempfile.TemporaryDirectory(prefix="lifkit-wheel-") as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp / "dist"), str(REPO)],
                       check=True, capture_output=True)
        wheel = next((tmp / "dist").glob("lifkit-*.whl"))
        venv.create(tmp / "env", with_pip=True)
        python = tmp / "env" / "bin" / "python"
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)
        ours, theirs = hyperfine([f"{tmp / 'env' / 'bin' / 'lifkit'} --help", f"{python} -c 'import click'"], runs=runs)
    return Row("`lifkit --help` (wheel install, compiled bytecode)", ours, "`python -c 'import click'`", theirs,
               "at most 1.3x", 1.3)


def bench_help_editable(runs: int) -> Row:
    ours, theirs = hyperfine([f"{LIFKIT} --help", f"{sys.executable} -c 'import click'"], runs=runs)
    return Row("`lifkit --help` (this editable install)", ours, "`python -c 'import click'`", theirs)


def bench_dashboard(root: Path, runs: int) -> list[Row]:
    """`lifkit dashboard` of 100 cases; `status`, `overdue` and `register sync` of 303 (issue 24)."""
    sys.path.insert(0, str(HERE))
    from many_cases import make_workspace

    rows = []
    hundred = make_workspace(root / "100", 100)
    lifkit = f"{ENV} {LIFKIT} --workspace {hundred}"
    command = f"{lifkit} dashboard > /dev/null"
    built, = hyperfine([command], runs=runs, prepare=f"rm -rf {hundred / 'dashboard'}")
    rows.append(Row("`lifkit dashboard` of 100 cases with their journals (every page written)", built, "", None,
                    "under 1 s (issue 24)", 1.0, value=built))
    rows.append(Row("the same in CPU time (user + system, as on an idle machine)", CPU[command], "", None,
                    "under 1 s (issue 24)", 1.0, value=CPU[command]))
    again, = hyperfine([f"{lifkit} dashboard > /dev/null"], runs=runs)
    rows.append(Row("the same again, pages unchanged (as after a step on another case)", again))
    many = make_workspace(root / "303", 303)
    lifkit = f"{ENV} {LIFKIT} --workspace {many}"
    subprocess.run([*lifkit.split()[1:], "register", "sync"], capture_output=True, env={**os.environ, "LIFKIT_TODAY": TODAY})
    for task, command, limit in (("`lifkit status` of 303 cases (one line per open case)", "status", 0.94),
                                 ("`lifkit overdue` of 303 cases", "overdue", 1.1),
                                 ("`lifkit register sync` of 303 cases", "register sync", 2.4)):
        line = f"{lifkit} {command} > /dev/null || true"
        took, = hyperfine([line], runs=runs)
        rows.append(Row(task, took, "", None, f"at most {limit} s (issue 24)", limit, value=took))
        rows.append(Row("the same in CPU time (user + system)", CPU[line], "", None, f"at most {limit} s", limit,
                        value=CPU[line]))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, no wheel install: a first look")
    args = parser.parse_args()
    if not shutil.which("hyperfine") or not shutil.which("qpdf"):
        print("hyperfine and qpdf are needed (make bench installs them with apt-get).", file=sys.stderr)
        return 1
    # lifkit's bytecode, compiled as pip compiles a user's install: an editable install run with
    # PYTHONDONTWRITEBYTECODE (as on CI machines) would otherwise compile every changed module each run.
    import compileall

    compileall.compile_dir(str(REPO / "lifkit"), quiet=1)
    few = 2 if args.quick else 5
    rows: list[Row] = []
    memory: list[Row] = []
    notes: list[str] = []
    if not args.quick:
        rows.append(bench_help(20))
    rows.append(bench_help_editable(10 if args.quick else 20))

    with tempfile.TemporaryDirectory(prefix="lifkit-bench-") as tmp:
        root = Path(tmp)
        case = make_case(root)
        ws, reference = case["workspace"], case["reference"]
        lifkit = f"{ENV} {LIFKIT} --workspace {ws}"
        for folder, count, runs in ((case["returns"], 60, few), (case["many"], 600, 2 if args.quick else 3)):
            ours, theirs = hyperfine([f"{lifkit} validate {folder}/*.pdf > /dev/null || true",
                                      f"for f in {folder}/*.pdf; do qpdf --json \"$f\" > /dev/null; done"], runs=runs)
            rows.append(Row(f"`lifkit validate` of {count} returns", ours, f"`qpdf --json` of each of the {count} files",
                            theirs, "at most 1.0x", 1.0))
        small = peak_kb([LIFKIT, "--workspace", str(ws), "validate", *map(str, sorted(case["returns"].glob("*.pdf")))])
        large = peak_kb([LIFKIT, "--workspace", str(ws), "validate", *map(str, sorted(case["many"].glob("*.pdf")))])
        memory.append(Row("peak memory of `lifkit validate` of 600 returns", large, "of 60 returns", small,
                          "flat: at most 4 kB more a file", 4.0, unit="kB", value=(large - small) / 540))

        pristine = case["before_requests"]
        prepare = f"rm -rf {ws} && cp -r {pristine} {ws}"
        single = f"{lifkit} request {reference} --meeting 01/12/2026 --agency {case['member']} > /dev/null"
        every = f"{lifkit} request {reference} --meeting 01/12/2026 > /dev/null"
        one, = hyperfine([single], runs=few, prepare=prepare)
        fifteen, = hyperfine([every], runs=few, prepare=prepare)
        each = (fifteen - one) / 14
        each_cpu = (CPU[every] - CPU[single]) / 14
        rows.append(Row("`lifkit request` for 15 members", fifteen, "for 1 member", one))
        rows.append(Row("`lifkit request`: each further member's form ((15 - 1 members) / 14)", each, "", None,
                        "at most 0.1 s", 0.1, value=each))
        rows.append(Row("the same in CPU time (user + system, as on an idle machine)", each_cpu, "", None,
                        "at most 0.1 s", 0.1, value=each_cpu))

        after = root / "after-requests"
        shutil.rmtree(ws)
        shutil.copytree(pristine, ws)
        subprocess.run([*lifkit.split()[1:], "request", reference, "--meeting", "01/12/2026"], check=True,
                       capture_output=True, env={**os.environ, "LIFKIT_TODAY": TODAY})
        shutil.copytree(ws, after)
        mails = " ".join(str(p) for p in sorted(case["emails"].glob("*.eml")))
        collect, = hyperfine([f"{lifkit} collect {reference} {mails} > /dev/null || true"], runs=few,
                             prepare=f"rm -rf {ws} && cp -r {after} {ws}")
        rows.append(Row("`lifkit collect` of 60 emailed returns", collect))
        rows.extend(bench_dashboard(root, few))

    python = sys.executable
    runs = ["--runs", "2" if args.quick else "5"]
    for script, options, target, limit in (
            ("pack_bench.py", ["--agencies", "60", "--attached", "0"], "at most 1.0x", 1.0),
            ("pack_bench.py", ["--agencies", "15", "--attached", "0"], "at most 1.0x", 1.0),
            ("pack_bench.py", [], "at most 3x (issue 7)", 3.0),
            ("register_bench.py", [], "", None)):
        result = subprocess.run([python, str(HERE / script), "--json", *options, *(runs if script == "pack_bench.py" else [])],
                                capture_output=True, text=True)
        if result.returncode == 0 and result.stdout.strip().startswith("["):
            for item in json.loads(result.stdout):
                rows.append(Row(item["task"], item["lifkit"], item.get("reference_task", ""), item.get("reference"),
                                target, limit))
                if "parts" in item:
                    split = item["parts"]
                    rest = item["lifkit"] - sum(split.values())
                    notes.append(f"{item['task']}: reading the case {split['gather']:.2f} s, layout by reportlab "
                                 f"{split['layout']:.2f} s, assembly by qpdf (pikepdf) {split['assembly']:.2f} s "
                                 f"(measured in one process); the other {rest:.2f} s of the command is starting: "
                                 "Python, imports, settings, process and fonts.")
        else:
            print(f"{script} {' '.join(options)} gave no figures:\n{result.stderr}", file=sys.stderr)

    header = ["task", "lifkit (median)", "reference", "reference (median)", "ratio", "target", ""]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    table = "\n".join(lines)
    mem_header = ["memory", "lifkit", "reference", "", "ratio", "target", ""]
    mem_lines = ["| " + " | ".join(mem_header) + " |", "|" + " --- |" * len(mem_header)]
    mem_lines += ["| " + " | ".join(row.cells()) + " |" for row in memory]
    per_file = memory[0].value
    text = (f"# Benchmark results\n\nMade by `make bench` ({sys.platform}, {os.cpu_count()} cores, "
            f"Python {sys.version.split()[0]}){' with --quick' if args.quick else ''}.\n\n{table}\n\n"
            + "\n".join(mem_lines) + f"\n\n`validate` keeps {per_file:.1f} kB more a file at 600 files than at 60.\n"
            + ("\nWhere a pack's time goes:\n\n" + "\n".join(f"- {note}" for note in notes) + "\n" if notes else ""))
    if not args.quick:
        RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
