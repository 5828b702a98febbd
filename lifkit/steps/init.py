"""``lifkit init``: a new workspace for a board or partnership: lifkit.toml, the register and cases/."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from lifkit.case.process import DEFAULT_PROCESS, WORKSPACE_PROCESS_FILE, load_shipped
from lifkit.case.workspace import (CASES_DIR, DEFAULT_REGISTER, PLACEHOLDER_NAME, PLACEHOLDER_POSTAL, SETTINGS_FILE,
                                   STARTING_MEMBERS, Administrator, Member, Person, check_settings_data,
                                   placeholder_email, settings_document, tomlkit_unwrap)
from lifkit.errors import InputError, SettingsError, WorkspaceExists
from lifkit.mechanics.files import atomic_write_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InitResult:
    root: Path
    settings_file: Path
    register: Path
    cases_dir: Path
    members: int



def init_workspace(directory: Path, board_name: str | None = None, admin_name: str | None = None,
                   admin_email: str | None = None, process_name: str | None = None) -> InitResult:
    """Create a workspace in ``directory``: lifkit.toml, an empty register and ``cases/``.

    Refuses to touch a folder that already holds any of them. Values not given are placeholders that
    ``lifkit config check`` flags until they are replaced.
    """
    from lifkit.documents.identity import workspace_secret
    from lifkit.register.workbook import create_register

    process = load_shipped(process_name or DEFAULT_PROCESS)
    directory = Path(directory).expanduser()
    existing = [name for name in (SETTINGS_FILE, DEFAULT_REGISTER, CASES_DIR) if (directory / name).exists()]
    if existing:
        raise WorkspaceExists(
            f"{directory.resolve()} already holds {', '.join(existing)}: lifkit init will not overwrite a workspace.",
            "Use that workspace as it is, or choose an empty folder.",
        )
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory} exists and is not a folder.", "Choose a folder name for the workspace.")
    administrator = Administrator(
        name=(admin_name or PLACEHOLDER_NAME).strip(),
        email=(admin_email or "administrator@example.org").strip(),
        address=f"{process.term('administrator')}\n{PLACEHOLDER_POSTAL}",
    )
    people = {key: Person(PLACEHOLDER_NAME, f"{key.replace('_', '.')}@example.org") for key in process.roles}
    members = [Member(code, agency, PLACEHOLDER_NAME, placeholder_email(code)) for code, agency in
               process.starting_members or STARTING_MEMBERS]
    text = settings_document(board_name or process.term("board_long"), administrator, people, members,
                             process=process)
    errors = [p for p in check_settings_data(tomlkit_unwrap(text)) if p.severity == "error"]
    if errors:  # only the values given on the command line can cause this
        raise SettingsError("The workspace cannot be created with these values:", errors,
                            "Correct the option named and run lifkit init again.")

    directory.mkdir(parents=True, exist_ok=True)
    settings_file = directory / SETTINGS_FILE
    register = directory / DEFAULT_REGISTER
    cases_dir = directory / CASES_DIR
    create_register(register, columns=process.register_columns)
    cases_dir.mkdir()
    workspace_secret(directory)  # the key of the forms' integrity tokens, from day one
    # lifkit.toml last: a folder without it is not yet a workspace, so a failure above leaves none.
    atomic_write_text(settings_file, text)
    log.info("created workspace at %s", directory)
    return InitResult(root=directory.resolve(), settings_file=settings_file.resolve(), register=register.resolve(),
                      cases_dir=cases_dir.resolve(), members=len(members))


# --- changing a workspace's process ------------------------------------------------------------


@dataclass(frozen=True)
class ProcessChange:
    process: str
    file: Path


def copy_process(ws) -> ProcessChange:
    """Put an editable copy of the workspace's process into the workspace (process.yaml), which lifkit
    then uses instead of the shipped one. Refuses to replace a copy already there."""
    from importlib import resources

    from lifkit.mechanics.files import atomic_write_text

    target = ws.root / WORKSPACE_PROCESS_FILE
    if target.exists():
        raise InputError(f"{target} already exists: the workspace already has its own process.",
                         "Edit that file (lifkit config check checks it), or remove it to go back to the shipped one.")
    process = ws.process
    text = resources.files("lifkit.processes").joinpath(f"{process.id}.yaml").read_text(encoding="utf-8")
    atomic_write_text(target, text)
    return ProcessChange(process.id, target)


@dataclass(frozen=True)
class CopiedFiles:
    what: str  # the form's id, or the template's name, as copied
    files: tuple[Path, ...]


def copy_form(ws, form_id: str, new_id: str | None = None) -> CopiedFiles:
    """Copy a form's definition and its rules (forms/<id>.yaml, schemas/<id>.yaml) into the workspace's
    forms/ and schemas/ folders to edit; lifkit then uses them before its own. ``referral`` and ``request``
    name the process's forms; ``new_id`` makes the copy a new form of that id. Never replaces a file."""
    import re

    from lifkit.documents.formdef import load_form
    from lifkit.mechanics.resources import find

    aliases = {"referral": ws.process.referral_form, "request": ws.process.request_form}
    key = aliases.get(form_id.strip().lower(), form_id.strip().lower())
    form = load_form(key, ws.root)  # an unknown form is refused here, before anything is written
    new = (new_id or key).strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,30}", new):
        raise InputError(f"{new_id!r} is not a form id lifkit can use.",
                         "Use letters, digits, - and _ (starting with a letter), e.g. sar1.")
    targets = (ws.root / "forms" / f"{new}.yaml", ws.root / "schemas" / f"{new}.yaml")
    for target in targets:
        if target.exists():
            raise InputError(f"{target} already exists: nothing was copied.",
                             "Edit that file (lifkit config check checks it), or give --as NEW for another id.")
    definition = find("forms", f"{key}.yaml", ws.root).read_text()
    rules = find("schemas", f"{key}.yaml", ws.root).read_text()
    if new != key:
        definition, count = re.subn(r"(?m)^id:\s*.*$", f"id: {new.upper()}", definition, count=1)
        if not count:
            raise InputError(f"The definition of {form.id} has no id: line to change.")
    for target, text in zip(targets, (definition, rules)):
        target.parent.mkdir(exist_ok=True)
        atomic_write_text(target, text)
    return CopiedFiles(new.upper(), targets)


def copy_template(ws, name: str | None = None, new_name: str | None = None) -> CopiedFiles:
    """Copy a Word template (by default the process's summary template) into the workspace's templates/
    folder to edit; lifkit then uses it before its own. Never replaces a file."""
    import re

    from lifkit.mechanics.files import atomic_write_bytes
    from lifkit.mechanics.resources import find_template

    name = (name or ws.process.summary_template).strip()
    if name.lower() in ("summary",):
        name = ws.process.summary_template
    if not name.lower().endswith(".docx"):
        name += ".docx"
    new = (new_name or name).strip()
    if not new.lower().endswith(".docx"):
        new += ".docx"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+\.docx", new):
        raise InputError(f"{new!r} is not a template name lifkit can use.",
                         "Use letters, digits, '.', - and _, ending .docx, e.g. sarsum.docx.")
    source = find_template(name, ws.root)
    target = ws.root / "templates" / new
    if target.exists():
        raise InputError(f"{target} already exists: nothing was copied.",
                         "Edit that file (lifkit config check checks it), or give --as NEW.docx for another name.")
    target.parent.mkdir(exist_ok=True)
    atomic_write_bytes(target, source.read_bytes())
    return CopiedFiles(new, (target,))


def use_process(ws, name: str) -> ProcessChange:
    """Make the shipped process ``name`` the workspace's (lifkit.toml's ``process``). Refused while a
    case opened under another process is still open, and while the workspace has its own process.yaml."""
    from lifkit.case.state import open_cases_under_other_process
    from lifkit.case.workspace import _edit_settings

    process = load_shipped(name)
    own = ws.root / WORKSPACE_PROCESS_FILE
    if own.is_file():
        raise InputError(f"The workspace runs its own {own.name}, which lifkit uses before any shipped process.",
                         f"Remove or rename {own} first, if the workspace is to run {name}.")
    reasons = open_cases_under_other_process(ws.root, process.id)
    if reasons:
        raise InputError("The process was not changed:\n" + "\n".join(f"  - {r}" for r in reasons))

    def change(doc) -> None:
        import tomlkit

        if process.id == DEFAULT_PROCESS:
            doc.pop("process", None)
        else:
            doc["process"] = process.id
        for role, title in process.roles.items():  # the people the process needs, to be named
            if role not in doc:
                table = tomlkit.table()
                table.add(tomlkit.comment(f"The {title}."))
                table["name"] = PLACEHOLDER_NAME
                table["email"] = f"{role.replace('_', '.')}@example.org"
                doc[role] = table

    _edit_settings(ws.root, change)
    return ProcessChange(process.id, ws.root / SETTINGS_FILE)
