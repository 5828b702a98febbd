"""``lifkit pack``: the meeting pack of a case, or of every case at a meeting."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..errors import ExitStatus
from .common import PathType, DATE, json_option, pass_workspace, plural, print_json, show_date

if TYPE_CHECKING:
    from pathlib import Path


@click.command("pack")
@click.argument("reference", metavar="[REF]", required=False)
@click.option("--meeting", type=DATE, help="The meeting the pack is for (default: the case's meeting date). "
              "Without REF: a pack for every case at that meeting.")
@click.option("--password-file", type=PathType(dir_okay=False, allow_dash=True), metavar="FILE",
              help="Encrypt the pack (AES-256) with the password on the first line of FILE ('-' reads it from "
                   "standard input).")
@click.option("--password-env", metavar="VAR", help="Encrypt the pack (AES-256) with the password held in the "
              "environment variable VAR.")
@click.option("--allow-incomplete", is_flag=True, help="Build the pack even though returns are outstanding or "
              "invalid; they are listed on its cover and in the returns table.")
@click.option("--date", "built", type=DATE, help="The build date printed in the pack (default: SOURCE_DATE_EPOCH "
              "if set, else today). The same case folder and date give a byte-identical unencrypted pack. A "
              "different pack already at the file's name is kept: the new one is numbered (-2, -3...).")
@click.option("-o", "--output", type=PathType(), metavar="PATH",
              help="The file to write, or a folder (default: the case's pack/ folder, "
                   "<process pack name>-REF-<meeting date>.pdf).")
@json_option
@pass_workspace
@click.pass_context
def pack(ctx, ws, reference: str | None, meeting, password_file: Path | None, password_env: str | None,
         allow_incomplete: bool, built, output: Path | None, as_json: bool) -> None:
    """Build the meeting pack: one PDF with the cover, contents, the agenda, the referral, returns at
    a glance, the multi-agency chronology and every agency's return with its attached documents.

    Every page is marked OFFICIAL-SENSITIVE with the case reference and "page x of y"; the PDF has a
    bookmark for every section and agency. Outstanding or invalid returns stop the build (exit status
    2) unless --allow-incomplete is given; the build is recorded in the case's journal with the pack's
    SHA-256. Run again with nothing changed (every page, attachment and bookmark the same; the build
    date aside), the latest pack for the meeting is reported unchanged with its path, and no new one
    is made (a pack with a password, or with -o, is always made). A password is never shown, logged
    or written anywhere.

    \b
    Examples:
      lifkit pack RR-2026-004
      lifkit pack RR-2026-004 --password-file ~/pack-password.txt -o pack.pdf
      lifkit pack --meeting 04/12/2026 --allow-incomplete
    """
    from lifkit.steps.pack import build_meeting_packs, build_pack, read_password

    if reference is None and meeting is None:
        raise click.UsageError("Give a case reference (REF), or --meeting DATE for every case at a meeting.")
    password = read_password(password_file, password_env)
    if reference is not None:
        results = [build_pack(ws, reference, meeting=meeting, built=built, password=password,
                              allow_incomplete=allow_incomplete, output=output)]
    else:
        results = build_meeting_packs(ws, meeting, built=built, password=password,
                                      allow_incomplete=allow_incomplete, output=output)
    if as_json:
        print_json(results if reference is None else results[0])
    else:
        for result in results:
            if result.unchanged:
                click.echo(f"Unchanged: {result.file}")
                click.echo(f"  {result.reference}: nothing the pack shows has changed since it was built "
                           f"({show_date(result.built)}); no new pack was made.")
                continue
            click.echo(f"Built {result.file}")
            detail = [plural(result.pages, "page"), f"{result.valid} of {plural(result.returns, 'return')} valid"]
            if result.merged:
                detail.append(f"{plural(result.merged, 'attached PDF')} merged")
            if result.listed:
                detail.append(f"{plural(result.listed, 'other document')} listed")
            detail.append("encrypted (AES-256)" if result.encrypted else "not encrypted")
            click.echo("  " + ", ".join(detail))
            if result.outstanding:
                click.echo(f"  outstanding: {', '.join(result.outstanding)}")
            if result.invalid:
                click.echo(f"  invalid: {', '.join(result.invalid)}")
            click.echo(f"  SHA-256 {result.sha256}")
            if result.kept:
                click.echo(f"  {result.kept.name}, built earlier, is kept as it was (a pack already sent or read "
                           "stays on record): this pack has the next number.")
    if any(not r.complete for r in results):
        ctx.exit(int(ExitStatus.ATTENTION))
