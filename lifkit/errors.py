"""lifkit's exit statuses and the errors that carry them.

Every error a user can cause is a :class:`LifkitError`. Each subclass carries its own exit status, so
nothing ever classifies an error by its message text. The command line prints ``Error: <message>``
on stderr and exits with the status; a traceback appears only with ``--debug``.

The table below is the one documented in the README ("Exit statuses"); a test keeps them in step.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """What lifkit's exit status means. Scheduled tasks and scripts can rely on these."""

    OK = 0
    """Done; everything valid."""
    ATTENTION = 1
    """Done, but something needs attention (invalid returns, overdue items, settings warnings)."""
    BAD_INPUT = 2
    """Could not do it: bad input file, bad settings or bad arguments. Nothing was changed."""
    LOCKED = 3
    """The register or a case is locked or open elsewhere. Nothing was changed."""
    EXTERNAL = 4
    """An external tool or the mail server failed. Nothing was lost."""
    INTERNAL = 5
    """A fault in lifkit itself. Nothing was changed; please report it (run again with --debug)."""


class LifkitError(Exception):
    """A problem the user can act on.

    ``message`` says what is wrong, naming the file, form section and field as the user sees them;
    ``hint`` (optional) says what to do about it.
    """

    exit_status: ExitStatus = ExitStatus.BAD_INPUT

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n{self.hint}"
        return self.message


class InputError(LifkitError):
    """A file or argument that lifkit cannot use."""

    exit_status = ExitStatus.BAD_INPUT


class WorkspaceNotFound(InputError):
    """No lifkit workspace where one was looked for."""


class WorkspaceExists(InputError):
    """``lifkit init`` was asked to create a workspace over an existing one."""


class SettingsError(InputError):
    """``lifkit.toml`` is unreadable or breaks the settings schema.

    ``problems`` is the list of :class:`lifkit.case.workspace.Problem` found, one message each.
    """

    def __init__(self, message: str, problems=(), hint: str | None = None):
        super().__init__(message, hint)
        self.problems = list(problems)

    def __str__(self) -> str:
        lines = [self.message]
        lines.extend(f"  {problem}" for problem in self.problems)
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class LockedError(LifkitError):
    """The register or a case is locked by another process or open in another program."""

    exit_status = ExitStatus.LOCKED


class ExternalError(LifkitError):
    """An external tool or server failed."""

    exit_status = ExitStatus.EXTERNAL
