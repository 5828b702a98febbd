"""The register as a whole: every sheet lifkit keeps in it (Register, Decisions and, where the process
keeps action plans, Actions) checked or brought up to date from the case folders, as
``lifkit register check`` and ``lifkit register sync`` do."""

from __future__ import annotations

from lifkit.register.sync import SyncResult


def check_whole_register(ws) -> list:
    """Every problem on the register's sheets (:class:`lifkit.register.workbook.Problem`): headings,
    a case or an action on two rows, rows with no case folder, dates that are not dates; the Actions
    sheet only where the process keeps action plans (missing only matters once a case has one)."""
    from lifkit.register.actions import check_actions
    from lifkit.register.workbook import check_register

    problems = check_register(ws.register_path, ws.cases_dir, columns=ws.process.register_columns)
    if ws.process.learning is not None:
        from lifkit.case.actionplan import action_plan
        from lifkit.case.folder import case_references, load_case

        plans = any(action_plan(load_case(ws, ref)).actions for ref in case_references(ws))
        problems += check_actions(ws.register_path, ws.cases_dir, plans)
    return problems


def sync_whole_register(ws, reference: str | None = None) -> SyncResult:
    """Rewrite lifkit's columns of every case's row (or case ``reference``'s), add the Decisions rows not
    yet written, and rewrite the Actions sheet's rows where the process keeps action plans. Stops before
    the first case when the workbook is open in Excel or cannot be edited (:class:`LockedError`)."""
    from lifkit.register.sync import sync_all
    from lifkit.register.workbook import check_writable

    check_writable(ws.register_path, columns=ws.process.register_columns)
    result = sync_all(ws, reference)
    if ws.process.learning is not None:
        from lifkit.register.actions import sync_actions

        warning = sync_actions(ws, reference)
        if warning:
            result.failed["Actions"] = warning
    return result


def bring_headings(ws):
    """Head the register's columns as the workspace's process names them: each of its columns the Register
    sheet lacks is added after the last, and every other column (yours, or another process's) is kept.
    Returns (the headings added, the update)."""
    from lifkit.register.workbook import add_headings

    return add_headings(ws.register_path, ws.process.register_columns)
