"""Make ``docs/images/register.png``, the README's picture of the register in a spreadsheet.

The picture is the demo workspace's register after the README's walk-through up to ``lifkit register
show`` (so it shows the cases that command lists), its Register sheet with some columns hidden, printed by
LibreOffice and rendered by poppler's pdftoppm. Run it after a change to the demo or the register, and
commit the picture (tests/test_readme.py checks the committed one is what this makes)::

    .venv/bin/python docs/make_register_image.py            # makes a demo workspace first (a minute)
    .venv/bin/python docs/make_register_image.py DEMO_DIR   # or starts from a copy of one made by `lifkit demo`
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
OUTPUT = HERE / "images" / "register.png"
SECTION = "## The administrator's cycle"
# the columns the picture shows (the others are hidden, as a person might to fit the screen)
SHOWN = ("Case ref", "Date notified", "Referral route", "Referring agency", "Child name", "CIEC meeting date",
         "CIGINF1 issued", "CIGINF1 returned", "CIEC recommendation", "Chair's response", "Decision",
         "Decision due", "Within one month", "Status")
RESOLUTION = 130  # pixels per inch


def walk_through_until_register() -> list[str]:
    """The README cycle's `$ lifkit` commands before its `lifkit register show`."""
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    section = text[start:text.index("\n## ", start + 1)]
    commands = []
    for block in re.findall(r"```console\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ lifkit register show"):
                return commands
            if line.startswith("$ lifkit "):
                commands.append(line[2:])
    raise SystemExit("The README's cycle has no `lifkit register show`.")


def make_image(demo: Path, out: Path, work: Path) -> Path:
    """Copy the demo workspace ``demo`` into ``work``, walk the README through it, and picture its register."""
    import glob

    from click.testing import CliRunner
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment

    from lifkit.cli import cli
    from lifkit.steps.demo import DEMO_TODAY

    root = work / "demo"
    shutil.copytree(demo, root)
    here, saved = os.getcwd(), {k: os.environ.get(k) for k in ("LIFKIT_TODAY", "LIFKIT_WORKSPACE")}
    os.chdir(root)
    os.environ["LIFKIT_TODAY"] = DEMO_TODAY.isoformat()  # as the README says
    os.environ.pop("LIFKIT_WORKSPACE", None)
    try:
        for command in walk_through_until_register():
            args = []
            for word in shlex.split(command, comments=True)[1:]:
                args.extend(sorted(glob.glob(word)) or [word])
            result = CliRunner().invoke(cli, args, prog_name="lifkit")
            if result.exit_code not in (0, 1):
                raise SystemExit(f"$ {command}\n{result.output}")
    finally:
        os.chdir(here)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    book = load_workbook(root / "register.xlsx")
    for name in book.sheetnames[1:]:
        del book[name]
    sheet = book["Register"]
    for cell in sheet[1]:
        column = sheet.column_dimensions[cell.column_letter]
        if cell.value not in SHOWN:
            column.hidden = True
            continue
        # each shown column as wide as its widest entry, its heading on one line
        texts = [cell.value] + [_shown(row[cell.column - 1].value) for row in sheet.iter_rows(min_row=2)]
        column.width = max(len(str(t or "")) for t in texts) + 2
        cell.alignment = Alignment(horizontal=cell.alignment.horizontal, vertical=cell.alignment.vertical)
    sheet.row_dimensions[1].height = None
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = False
    sheet.oddHeader.center.text = sheet.oddFooter.center.text = ""
    shown = work / "register.xlsx"
    book.save(shown)
    subprocess.run(["soffice", f"-env:UserInstallation={(work / 'lo').as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), str(shown)], check=True, capture_output=True, timeout=300)
    subprocess.run(["pdftoppm", "-r", str(RESOLUTION), "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(work / "register.pdf"), str(work / "page")], check=True, capture_output=True)
    return crop(work / "page.png", out)


def _shown(value) -> str:
    """A cell's value as the sheet shows it (dates as dd/mm/yyyy)."""
    import datetime as dt

    return value.strftime("%d/%m/%Y") if isinstance(value, (dt.date, dt.datetime)) else str(value or "")


def crop(page: Path, out: Path, margin: int = 6) -> Path:
    """The printed rows only: the page cropped to what is drawn on it, with a small white margin."""
    from PIL import Image, ImageChops

    image = Image.open(page).convert("RGB")
    drawn = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if drawn is None:
        raise SystemExit(f"{page} is blank.")
    left, top, right, bottom = drawn
    box = (max(left - margin, 0), max(top - margin, 0), min(right + margin, image.width),
           min(bottom + margin, image.height))
    out.parent.mkdir(parents=True, exist_ok=True)
    image.crop(box).save(out, optimize=True)
    return out


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if argv:
            demo = Path(argv[0])
        else:
            from click.testing import CliRunner

            from lifkit.cli import cli

            demo = work / "made"
            result = CliRunner().invoke(cli, ["demo", str(demo)])
            if result.exit_code != 0:
                raise SystemExit(result.output)
        print(make_image(demo, OUTPUT, work / "work"))


if __name__ == "__main__":
    main(sys.argv[1:])
