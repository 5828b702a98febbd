"""``lifkit dashboard``: the static pages the team opens from a shared drive."""

from __future__ import annotations

import click

from .common import json_option, pass_workspace, plural, print_json


@click.command("dashboard")
@click.option("--names", is_flag=True, help="Also write a copy that names each case's subject (name and date of "
              "birth), under cases/dashboard-with-names/, where the case folders' protection applies; once made, "
              "it is kept up to date with the other.")
@json_option
@pass_workspace
def dashboard(ws, names: bool, as_json: bool) -> None:
    """Write the dashboard: dashboard/index.html (every open case, its next deadline and days left, what is
    late, the returns, the review's stage; the cases closed this year; the year's figures with charts) and a
    page per case (its clocks as a timeline, returns, notices, decision and sign-offs, action plan, links to
    its documents).

    The pages need no network and no script: open index.html by double-click, or copy the dashboard
    folder to the team's shared drive beside the cases folder. They show case references, never names,
    dates of birth or addresses (unless --names), and carry the workspace's marking ([board] marking in
    lifkit.toml). After every step that changes a case the dashboard is made again, unless lifkit.toml
    says [dashboard] rebuild = false.

    \b
    Examples:
      lifkit dashboard
      lifkit dashboard --names
    """
    from lifkit.steps.dashboard import build_dashboard

    result = build_dashboard(ws, names=names)
    if as_json:
        print_json(result)
        return
    click.echo(f"Dashboard: {result.folder / 'index.html'} ({plural(result.cases, 'case page')})")
    if result.named:
        click.echo(f"With names: {result.named / 'index.html'} (keep it where the case folders are kept)")
