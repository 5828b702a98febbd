"""The ``lifkit`` command: global options, error handling, and the list of commands.

Each command lives in ``lifkit/commands/`` and only parses options, calls one domain function and
prints. Errors a user can act on are :class:`lifkit.errors.LifkitError`; this module turns them into
``Error: ...`` on stderr and their exit status. A traceback appears only with ``--debug``.
"""

from __future__ import annotations

import os
import sys

import click

from . import __version__
from .commands import actions as action_commands
from .commands import cases as case_commands
from .commands import dashboard as dashboard_commands
from .commands import decisions as decision_commands
from .commands import forms as form_commands
from .commands import learning as learning_commands
from .commands import pack as pack_commands
from .commands import process as process_commands
from .commands import register as register_commands
from .commands import validate as validate_commands
from .commands import workspace as workspace_commands
from .commands.common import AppContext
from .errors import ExitStatus, LifkitError


class LifkitGroup(click.Group):
    """A click group that reports lifkit's errors plainly, with their documented exit status, and lists
    its commands in the order of the process rather than the alphabet's."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context):
        debug = bool(ctx.params.get("debug"))
        _forget_changed_cases()
        try:
            result = super().invoke(ctx)
            _after_step()
            return result
        except click.exceptions.Exit as exc:
            if exc.exit_code in (0, 1):  # done (perhaps needing attention): the step stands
                _after_step()
            raise
        except (click.exceptions.ClickException, click.exceptions.Abort):
            raise
        except LifkitError as exc:
            if debug:
                raise
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(int(exc.exit_status))
        except BrokenPipeError:  # the reader (e.g. `| head`) has gone: stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(int(ExitStatus.ATTENTION))
        except KeyboardInterrupt:
            click.echo("Interrupted: nothing more was done.", err=True)
            ctx.exit(130)
        except OSError as exc:
            if debug:
                raise
            place = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"Error: {place}{exc.strerror or exc}.", err=True)
            click.echo("Check the file or folder exists, is not open in another program, and that you may "
                       "write to it.", err=True)
            ctx.exit(int(ExitStatus.BAD_INPUT))
        except Exception as exc:  # a fault in lifkit: say where, never the data it was holding
            if debug:
                raise
            frame = exc.__traceback__
            while frame and frame.tb_next:
                frame = frame.tb_next
            where = f" in {os.path.basename(frame.tb_frame.f_code.co_filename)}:{frame.tb_lineno}" if frame else ""
            click.echo(f"Error: lifkit stopped on an internal fault ({type(exc).__name__}{where}). "
                       "Run the command again with --debug to see the details, and report them.", err=True)
            ctx.exit(int(ExitStatus.INTERNAL))


def _forget_changed_cases() -> None:
    if "lifkit.case.folder" in sys.modules:  # (never imported: no case can have changed)
        sys.modules["lifkit.case.folder"].take_changed_cases()


def _after_step() -> None:
    """The one place a command's recorded step is followed up: the dashboard of every workspace whose cases
    the step changed is made again. A failure there is a warning on stderr, never the step's failure."""
    if "lifkit.case.folder" not in sys.modules:
        return
    if not sys.modules["lifkit.case.folder"].cases_changed():
        return
    try:
        from lifkit.steps.dashboard import rebuild_after_step

        warnings = rebuild_after_step()
    except Exception as exc:  # noqa: BLE001 - never the step's failure
        warnings = [f"the dashboard was not made again ({type(exc).__name__}); the step itself was recorded. "
                    "Run `lifkit dashboard` to make it."]
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)


@click.group("lifkit", cls=LifkitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="lifkit")
@click.option("--workspace", "workspace_arg", metavar="DIR", type=click.Path(file_okay=False),
              help="The workspace folder (default: LIFKIT_WORKSPACE, else this folder or the nearest above "
                   "it holding lifkit.toml).")
@click.option("-v", "--verbose", count=True, help="Say more on stderr (-vv for debugging detail).")
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.pass_context
def cli(ctx: click.Context, workspace_arg: str | None, verbose: int, debug: bool) -> None:
    """lifkit: a safeguarding board's or partnership's case review process, offline: from the referral of
    a death or serious harm to the decision whether to review it, its notices and the register.

    \b
    Start with:
      lifkit demo practice        a practice workspace with the whole cycle played out
      lifkit processes            the processes lifkit runs (lscb-2016, rapid-review-2023)
      lifkit init my-board        create a workspace (--process NAME; settings, register, cases/)
      lifkit config check         check lifkit.toml
      lifkit members              list the member agencies
      lifkit form referral        a blank referral form to send to a referrer
      lifkit validate FILE...     check returned forms

    Exit statuses: 0 done; 1 done, but something needs attention; 2 bad input, settings or
    arguments; 3 locked or open elsewhere; 4 an external tool or mail server failed;
    5 an internal fault in lifkit.
    """
    ctx.obj = AppContext(workspace_arg=workspace_arg, verbose=verbose, debug=debug)
    import logging  # here, not at the top: `lifkit --help` never needs it

    level = logging.DEBUG if verbose >= 2 or debug else logging.INFO if verbose == 1 else logging.WARNING
    logging.basicConfig(stream=sys.stderr, level=level, format="lifkit: %(message)s", force=True)
    # the PDF libraries report every quirk of a damaged PDF; lifkit says what matters in its own words
    for library in ("pikepdf", "pypdf"):
        logging.getLogger(library).setLevel(logging.DEBUG if verbose >= 2 else logging.CRITICAL)


for command in (
    workspace_commands.init,
    workspace_commands.demo,
    workspace_commands.config,
    workspace_commands.members,
    process_commands.processes,
    process_commands.process,
    form_commands.form,
    case_commands.referral,
    case_commands.request,
    case_commands.collect,
    validate_commands.validate,
    case_commands.status,
    case_commands.chase,
    pack_commands.pack,
    decision_commands.decide,
    decision_commands.contact,
    decision_commands.notified,
    decision_commands.reply,
    decision_commands.overdue,
    action_commands.actions,
    learning_commands.learning,
    register_commands.register,
    decision_commands.report,
    dashboard_commands.dashboard,
):
    cli.add_command(command)


def main() -> None:
    # Names typed in any script must never stop a report: a console or file that cannot show a
    # character gets a replacement mark instead of an error.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    cli(prog_name="lifkit", terminal_width=_help_width())


def _help_width() -> int:
    """The width click gives help text (the terminal's, at most 78 and at least 50 columns), worked out
    as click does but without importing shutil, which brings bz2 and lzma: a tenth of `lifkit --help`."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 80
    return max(min(columns, 80) - 2, 50)


if __name__ == "__main__":  # pragma: no cover
    main()
