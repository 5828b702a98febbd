"""``lifkit learning``: the Learning and Improvement Index (the framework's Appendix One)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .common import PathType, DATE, json_option, pass_workspace, print_json

if TYPE_CHECKING:
    from pathlib import Path


@click.group("learning")
def learning() -> None:
    """The Learning and Improvement Index: every review and audit with its findings, the improvement
    activity and the evidence of improvement, written as a Word document for the annual report.

    \b
    Examples:
      lifkit learning add --case RR-2026-001 --name "Known as Mary" --reported 15/06/2027
      lifkit learning add --type "Multi Agency Audit" --name "Neglect audit" --reported 10/09/2027 \\
        --overview "10 cases audited across the partnership" --finding "Chronologies were not read"
      lifkit learning index --year 2027
    """


@learning.command("add")
@click.option("--case", "case", metavar="REF", help="The review lifkit ran: the entry starts from the case (its "
              "type from the decision; its action plan's actions and evidence are added when the index is "
              "written). Given again, it completes that entry.")
@click.option("--type", "type_", metavar="TYPE", help="The type of review or audit, from the process's list "
              "(`lifkit learning index` names them when one is wrong).")
@click.option("--name", metavar="TEXT", help="The review's name: a pseudonym such as \"Known as Mary\", "
              "never the subject's real name.")
@click.option("--reported", type=DATE, help="When the findings went to the board.")
@click.option("--overview", metavar="TEXT", help="The case overview or the methodology.")
@click.option("--finding", "findings", multiple=True, metavar="TEXT", help="A finding or learning point "
              "(repeatable, in order; given, they replace the entry's findings).")
@click.option("--improvement", "improvements", multiple=True, metavar="TEXT", help="An improvement activity "
              "(repeatable; given, they replace the entry's own).")
@click.option("--evidence", metavar="TEXT", help="The evidence of improvement.")
@json_option
@pass_workspace
def add(ws, case: str | None, type_: str | None, name: str | None, reported, overview: str | None,
        findings: tuple[str, ...], improvements: tuple[str, ...], evidence: str | None, as_json: bool) -> None:
    """Record an entry of the Learning and Improvement Index, or complete the entry of a case.

    An entry holding a name, date of birth or address found in a case folder is refused (exit status 2),
    saying where; so is a type the process does not list.

    \b
    Examples:
      lifkit learning add --case RR-2026-001 --name "Known as Mary" --reported 15/06/2027 \\
        --overview "Unexpected death of a baby" --finding "Bruising in non-mobile babies was not referred"
      lifkit learning add --type "Section 11 Audit" --name "Section 11 audit 2027" --reported 01/03/2027
    """
    from lifkit.steps.learning import add_entry

    result = add_entry(ws, type_, name, reported, overview, list(findings), list(improvements), evidence, case)
    if as_json:
        print_json(result)
        return
    entry = result.entry
    click.echo(f"{'Recorded' if result.created else 'Completed'} entry {entry.id}: {entry.type}, {entry.name}"
               + (f" (case {entry.case})" if entry.case else ""))
    click.echo(f"  in {result.file}")


@learning.command("index")
@click.option("--year", type=int, help="Only the entries whose findings went to the board in this (reporting) year.")
@click.option("-o", "--output", type=PathType(), metavar="PATH",
              help="The Word file to write, or a folder (default: learning-index[-YEAR].docx in the workspace).")
@json_option
@pass_workspace
def index(ws, year: int | None, output: Path | None, as_json: bool) -> None:
    """Write the Learning and Improvement Index as a Word document, in the order and layout of the
    framework's Appendix One: learning from audit, from reviews, from CDOP, from performance
    management, other sources and national.

    Entries of reviews lifkit ran include their action plan's actions (improvement activity) and the
    agencies' evidence. The index is checked for every name, date of birth and address in the case
    folders and is not written if it holds one (exit status 2, saying where it was found).

    \b
    Examples:
      lifkit learning index
      lifkit learning index --year 2027 -o annual-report/
    """
    from lifkit.steps.learning import write_index

    result = write_index(ws, year, output)
    if as_json:
        print_json(result)
        return
    click.echo(f"Wrote {result.file}")
    if result.message:
        click.echo(f"  note: {result.message}")
    if result.from_cases:
        click.echo(f"  from the case folders (no entry in learning.yaml yet): {', '.join(result.from_cases)}")
    for title, count in result.sections.items():
        click.echo(f"  {title}: {count}")
    click.echo(f"{result.entries} {'entry' if result.entries == 1 else 'entries'} in the index.")
