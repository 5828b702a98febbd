"""What ``lifkit config check`` checks across a workspace's files: its own forms, their rules and its Word
templates, and the process against them and lifkit.toml.

Each file is checked on its own elsewhere (process.yaml by :mod:`lifkit.case.process`, a form's definition
by :mod:`lifkit.documents.formdef`); this module checks that they fit together: every form and template the
process names exists and can be used, every criterion's ``field`` and every ``referral:`` register column is
a box of the referral form, every notice's address resolves, every role is a person in lifkit.toml. Each
mistake is named with its file, line and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lifkit.errors import LifkitError


@dataclass(frozen=True)
class Problem:
    """One mistake across files (lifkit.case.workspace shows it with lifkit.toml's own)."""

    severity: str  # "error" or "warning"
    where: str  # the file, as the workspace holds it (process.yaml, forms/sar1.yaml)
    message: str
    line: int | None = None


def cross_file_problems(root: Path, settings, process) -> list:
    """Every problem across the workspace's files (``process`` as loaded, ``settings`` from lifkit.toml)."""
    problems: list[Problem] = []
    problems += _own_form_problems(root)
    problems += _own_template_problems(root, process)
    if process is not None and settings is not None:
        problems += _process_problems(root, settings, process)
    return problems


# --- the workspace's own files -----------------------------------------------------------------


def _own_form_problems(root: Path) -> list:
    from lifkit.documents.formdef import load_form
    from lifkit.mechanics.resources import find, found_yaml, installed, workspace_names

    problems = []
    for key in workspace_names(root, "forms", ".yaml"):
        where = f"forms/{key}.yaml"
        try:
            form = load_form(key, root)
        except LifkitError as exc:
            problems.append(Problem("error", where, _located(_message(exc), root / "forms", key)))
            continue
        if not (root / "schemas" / f"{key}.yaml").is_file() and not installed("schemas", f"{key}.yaml"):
            problems.append(Problem("error", where, f"has no rules: schemas/{key}.yaml is missing (lifkit form copy "
                                                    "copies a form with its rules)."))
            continue
        try:
            rules = found_yaml(find("schemas", f"{key}.yaml", root))
        except LifkitError as exc:
            problems.append(Problem("error", f"schemas/{key}.yaml", _message(exc)))
            continue
        if not isinstance(rules, dict):
            problems.append(Problem("error", f"schemas/{key}.yaml", "does not hold rules (a box name, then its rule)."))
            continue
        problems += _rule_problems(root, key, form, rules)
    for key in workspace_names(root, "schemas", ".yaml"):
        if key not in workspace_names(root, "forms", ".yaml") and not installed("forms", f"{key}.yaml") \
                and key not in ("process", "workspace"):
            problems.append(Problem("warning", f"schemas/{key}.yaml", f"is the rules of no form (there is no "
                                                                      f"forms/{key}.yaml): lifkit does not use it."))
    return problems


def _rule_problems(root: Path, key: str, form, rules: dict) -> list:
    """The form's boxes and its rules name each other: a box without a rule cannot be checked, and a rule
    for no box is a mistake (a box renamed in one file and not the other)."""
    from cerberus import SchemaError, Validator

    problems = []
    lines = _lines(root / "schemas" / f"{key}.yaml")
    boxes = {f.name for f in form.fields}
    for name in sorted(boxes - set(rules)):
        problems.append(Problem("error", f"schemas/{key}.yaml", f"has no rule for the box {name!r} of "
                                                                f"forms/{key}.yaml; add one (e.g. {name}: "
                                                                "{type: string})."))
    for name in rules:
        if name not in boxes:
            problems.append(Problem("error", f"schemas/{key}.yaml", f"{_at(lines, (name,))}{name}: is a rule for no "
                                                                    f"box of forms/{key}.yaml; rename or remove it."))
    try:
        Validator(rules)
    except SchemaError as exc:
        problems.append(Problem("error", f"schemas/{key}.yaml", f"is not a set of rules lifkit can apply: "
                                                                f"{str(exc).splitlines()[0][:300]}"))
    return problems


def _own_template_problems(root: Path, process) -> list:
    from lifkit.documents.wordform import check_template
    from lifkit.mechanics.resources import workspace_names

    problems = []
    for name in workspace_names(root, "templates", ".docx"):
        try:
            check_template(f"{name}.docx", root)
        except LifkitError as exc:
            problems.append(Problem("error", f"templates/{name}.docx", exc.message))
    return problems


# --- the process against the other files ---------------------------------------------------------


def _process_problems(root: Path, settings, process) -> list:
    from lifkit.case.process_check import key_path as key_of, line_at as at
    from lifkit.documents.formdef import load_form
    from lifkit.documents.wordform import check_template

    where = "process.yaml" if not process.shipped else process.source
    lines = _process_lines(process)
    problems: list[Problem] = []

    def say(path: tuple, message: str, severity: str = "error") -> None:
        problems.append(Problem(severity, where, f"{at(lines, path)}{key_of(path)}: {message}"))

    forms: dict[str, Any] = {}
    for kind, ident in (("referral", process.referral_form), ("request", process.request_form)):
        try:
            forms[kind] = load_form(ident, root)
        except LifkitError as exc:
            say(("forms", kind), f"the form {ident!r} cannot be used: {exc.message}")
    try:
        check_template(process.summary_template, root, "summary template")
    except LifkitError as exc:
        say(("summary", "template"), exc.message)

    referral = forms.get("referral")
    if referral is not None:
        boxes = {f.name: f for f in referral.fields}
        for index, criterion in enumerate(process.criteria):
            box = boxes.get(criterion.field)
            # a criterion the referral form does not ask about (the committee's view only) has no box
            if box is not None and box.type not in ("tick", "yesno"):
                say(("criteria", index, "field"), f"{criterion.field!r} is a {box.type} box of {referral.id}; a "
                                                  "criterion is a tick-box or a Yes/No box")
        for index, column in enumerate(process.register_columns):
            if column.key.startswith("referral:") and column.key[9:] not in boxes:
                say(("register", "columns", index), f"{column.key!r}: {column.key[9:]!r} is not a box of the "
                                                    f"referral form {referral.id}")
        for role in ("subject_name",):
            if not referral.role(role):
                say(("forms", "referral"), f"the form {referral.id} names no box as its {role} (roles: in "
                                           f"forms/{referral.id.lower()}.yaml)")
    request = forms.get("request")
    if request is not None and not request.role("subject_name"):
        say(("forms", "request"), f"the form {request.id} names no box as its subject_name (roles: in "
                                  f"forms/{request.id.lower()}.yaml)", "warning")
    if request is not None:  # the summary's parts gather the request form's boxes (summary.parts)
        boxes = {f.name: f for f in request.fields}
        for index, part in enumerate(process.summary_parts):
            for number, name in enumerate(part.fields):
                if name not in boxes:
                    say(("summary", "parts", index, "fields", number),
                        f"{name!r} is not a box of the request form {request.id}")
            if part.table and (part.table not in boxes or boxes[part.table].type != "rows"):
                say(("summary", "parts", index, "table"), f"{part.table!r} is not a table of the request form "
                                                          f"{request.id}")

    for index, notice in enumerate(process.notices):
        if not notice.draft or not notice.address:
            continue
        address = notice.address
        if address == "referrer":
            if referral is not None and not referral.role("referrer_email"):
                say(("notices", index, "address"), f"'referrer': the referral form {referral.id} names no box as "
                                                   "its referrer_email (roles:), so the notice has no address")
        elif address.startswith("contact:"):
            if not address[8:].strip():
                say(("notices", index, "address"), "'contact:' needs the contact's name, e.g. contact:family")
        elif address not in settings.notifications and (settings.notifications or not process.shipped):
            # (a shipped process's ofsted, panel...: lifkit init leaves [notifications] to the board, and a notice
            # drafted without its address says so; once the board has the table, or runs its own process, a
            # missing address is named here)
            known = ", ".join(sorted(settings.notifications)) or "none yet"
            say(("notices", index, "address"), f"{address!r} is not an address lifkit.toml's [notifications] "
                                               f"gives ({known}), so its drafts would have no To: address; add "
                                               f"{address} = \"...\" there, or use referrer or contact:<name> "
                                               "(lifkit contact sets one for a case)", "warning")
    return problems


def _ticks(form) -> str:
    return ", ".join(f.name for f in form.fields if f.type in ("tick", "yesno")) or "none"


# --- lines ----------------------------------------------------------------------------------------


def _process_lines(process) -> dict:
    from importlib import resources

    from lifkit.case.process_check import node_lines

    try:
        if process.shipped:
            text = resources.files("lifkit.processes").joinpath(f"{process.id}.yaml").read_text(encoding="utf-8")
        else:
            text = Path(process.source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return _compose_lines(text, node_lines)


def _lines(path: Path) -> dict:
    from lifkit.case.process_check import node_lines

    try:
        return _compose_lines(path.read_text(encoding="utf-8"), node_lines)
    except (OSError, UnicodeDecodeError):
        return {}


def _compose_lines(text: str, node_lines) -> dict:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return node_lines(yaml.compose(text, Loader=loader))
    except yaml.YAMLError:
        return {}


def _at(lines: dict, path: tuple) -> str:
    from lifkit.case.process_check import line_at as at

    return at(lines, path)


def _located(message: str, folder: Path, key: str) -> str:
    """A form definition's message, with the line of the box or key it names where it can be found."""
    import re

    lines = _lines(folder / f"{key}.yaml")
    if not lines:
        return message
    named = re.search(r"(?:field|table|choice|box|roles\.)\s*'?([A-Za-z0-9_]+)'?", message)
    if named:
        wanted = named.group(1)
        text = (folder / f"{key}.yaml").read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(text, start=1):
            if re.search(rf"(name:\s*{re.escape(wanted)}\b|^\s*{re.escape(wanted)}:|\b{re.escape(wanted)}\b)", line):
                return f"line {number}: {message}"
    return message


def _message(exc: LifkitError) -> str:
    """The error's words without the file it names first (the problem names the file)."""
    message = exc.message
    head, sep, rest = message.partition(": ")
    return rest if sep and ("/" in head or "\\" in head or head.endswith(".yaml")) else message
