"""The workspace: a folder holding ``lifkit.toml``, the register workbook and ``cases/``.

Commands find their workspace as git finds a repository: ``--workspace DIR``, else the
``LIFKIT_WORKSPACE`` environment variable, else the current folder and its parents.

``lifkit.toml`` is checked against ``schemas/workspace.yaml`` plus the rules a schema cannot say
(unique agency codes, a usable case reference pattern). Every problem is reported at once, each
naming the key as it is written in the file and, where it can be found, the line.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from lifkit.case.folder import SAFE_REFERENCE_RE
from lifkit.errors import InputError, SettingsError, WorkspaceNotFound
from lifkit.mechanics.files import atomic_write_text

if TYPE_CHECKING:  # pragma: no cover
    from lifkit.documents.mail import SmtpSettings

log = logging.getLogger(__name__)

SETTINGS_FILE = "lifkit.toml"
ENV_VAR = "LIFKIT_WORKSPACE"
CASES_DIR = "cases"
DEFAULT_REGISTER = "register.xlsx"
DEFAULT_REFERENCE_PATTERN = "CIEC-{year}-{seq:03d}"
FORMATS = ("pdf", "docx", "both")

EMAIL_RE = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
AGENCY_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")
# Addresses and names that `lifkit init` writes as placeholders: flagged until replaced.
PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net")
PLACEHOLDER_NAME = "(to be named)"
PLACEHOLDER_POSTAL = "(postal address to be added)"
DEFAULT_BOARD_NAME = "Local Safeguarding Children Board"
PLACEHOLDER_BOARD_NAMES = (DEFAULT_BOARD_NAME, "Local Safeguarding Children Partnership")  # as `lifkit init` writes
# The people a process may name by role (each a [table] with name and email in lifkit.toml).
ROLE_KEYS = ("ciec_chair", "business_manager", "independent_chair", "review_chair", "chair")


# --- plain data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Administrator(Person):
    address: str
    telephone: str = ""


@dataclass(frozen=True)
class Member:
    """One CIEC member: the senior manager who answers for a partner agency."""

    code: str
    agency: str
    name: str
    email: str
    format: str = "pdf"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Settings:
    board_name: str
    administrator: Administrator
    members: tuple[Member, ...]
    reference_pattern: str
    register_path: str
    smtp: "SmtpSettings | None" = None
    notifications: dict = field(default_factory=dict)  # "ofsted" and "panel": where decision notices go
    people: dict = field(default_factory=dict)  # role (ciec_chair, business_manager, ...) -> Person
    process: str = ""  # the shipped process named in lifkit.toml ("" : lscb-2016)
    soffice: str | bool = ""  # [tools] soffice: LibreOffice for the Panel's PDF ("": on the PATH; false: never)
    # [learning.sections]: the board's own names for its Learning and Improvement Index's sections, by id
    learning_sections: dict = field(default_factory=dict)

    def person(self, role: str) -> Person:
        found = self.people.get(role)
        if found is None:
            raise InputError(f"lifkit.toml names nobody as [{role}].",
                             f"Add a [{role}] table with name and email (lifkit config check shows what is missing).")
        return found

    @property
    def business_manager(self) -> Person:
        return self.person("business_manager")
    closure_days: tuple[dt.date, ...] = ()  # [board] closure_days: the office's closed days, in date order
    marking: str = "OFFICIAL-SENSITIVE"  # [board] marking: on every page of the packs and the dashboard
    dashboard_rebuild: bool = True  # [dashboard] rebuild: the dashboard made again after every step

    def working_calendar(self):
        """The board's working days: weekdays less England and Wales bank holidays and its closure days."""
        from lifkit.mechanics.workdays import WorkingCalendar

        return WorkingCalendar(self.closure_days)

    def member(self, code: str) -> Member:
        for member in self.members:
            if member.code == code.upper():
                return member
        known = ", ".join(m.code for m in self.members)
        raise InputError(f"No {member_word(self.process)} has the agency code {code!r}.", f"The codes are: {known}.")


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in ``lifkit.toml``, or in another file of the workspace
    (``file``: the workspace's ``process.yaml``)."""

    severity: str  # "error" or "warning"
    where: str  # the key as written in the file, e.g. "[[members]] #4 (POL) email"
    message: str
    line: int | None = None
    file: str = ""  # the workspace's file holding it, when not lifkit.toml (e.g. "process.yaml")

    def __str__(self) -> str:
        place = f"line {self.line}: " if self.line else ""
        where = f"{self.where}: " if self.where else ""
        return f"{self.file + ': ' if self.file else ''}{place}{where}{self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Workspace:
    root: Path
    settings: Settings

    @property
    def settings_file(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def register_path(self) -> Path:
        return self.root / self.settings.register_path

    @property
    def cases_dir(self) -> Path:
        return self.root / CASES_DIR

    @functools.cached_property
    def process(self):
        """The process this workspace runs (loaded once): its own process.yaml, else the one named in
        lifkit.toml, else lscb-2016."""
        from lifkit.case.process import workspace_process

        return workspace_process(self.root, self.settings.process)


@dataclass
class CheckResult:
    """What ``lifkit config check`` found."""

    settings_file: Path
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def by_file(self) -> dict[Path, tuple[int, int]]:
        """(errors, warnings) for each file checked: lifkit.toml first, then the files problems name."""
        counts: dict[Path, list[int]] = {self.settings_file: [0, 0]}
        for problem in self.problems:
            path = self.settings_file.parent / problem.file if problem.file else self.settings_file
            count = counts.setdefault(path, [0, 0])
            count[0 if problem.severity == "error" else 1] += 1
        return {path: (errors, warnings) for path, (errors, warnings) in counts.items()}

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


# --- finding the workspace -------------------------------------------------------------------


def find_root(explicit: str | os.PathLike | None = None, cwd: Path | None = None) -> Path:
    """The workspace folder: ``explicit``, else ``$LIFKIT_WORKSPACE``, else cwd and its parents."""
    if explicit is None and os.environ.get(ENV_VAR):
        explicit = os.environ[ENV_VAR]
        source = f"the {ENV_VAR} environment variable"
    else:
        source = "--workspace"
    if explicit is not None:
        root = Path(explicit).expanduser()
        if not (root / SETTINGS_FILE).is_file():
            raise WorkspaceNotFound(
                f"{root} (from {source}) is not a lifkit workspace: it has no {SETTINGS_FILE}.",
                "Give the folder that holds lifkit.toml, or create one with: lifkit init DIR",
            )
        return root.resolve()
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    raise WorkspaceNotFound(
        f"No lifkit workspace here: neither {start} nor any folder above it holds {SETTINGS_FILE}.",
        f"Run the command inside a workspace, pass --workspace DIR, set {ENV_VAR}, "
        "or create a workspace with: lifkit init DIR",
    )


def open_workspace(explicit: str | os.PathLike | None = None, cwd: Path | None = None) -> Workspace:
    """Find the workspace and load its settings; :class:`SettingsError` if they have errors."""
    root = find_root(explicit, cwd)
    result, settings = _check_file(root / SETTINGS_FILE)
    process = None
    if settings is not None:
        problems, process = _process_problems(root, settings, cases=False)
        result.problems.extend(problems)
    if result.errors:
        raise _settings_error(result)
    workspace = Workspace(root=root, settings=settings)
    workspace.__dict__["process"] = process  # the process just checked (a cached property): not read again
    return workspace


def check_workspace(explicit: str | os.PathLike | None = None, cwd: Path | None = None) -> CheckResult:
    """Every error and warning in the workspace's settings, without raising for them."""
    root = find_root(explicit, cwd)
    result, settings = _check_file(root / SETTINGS_FILE)
    if settings is not None:
        problems, process = _process_problems(root, settings)
        result.problems.extend(problems)
        from lifkit.case.crosscheck import cross_file_problems

        result.problems.extend(Problem(p.severity, p.where, p.message, p.line)
                               for p in cross_file_problems(root, settings, process))
        register = root / settings.register_path
        if not register.is_file():
            result.problems.append(
                Problem("warning", "[register] path", f"the register workbook {register} does not exist yet.",
                        _KeyLines(_read_text(root / SETTINGS_FILE)).line(("register", "path")))
            )
    return result


def _process_problems(root: Path, settings: Settings, cases: bool = True) -> tuple[list[Problem], Any]:
    """The workspace's process: readable, naming people lifkit.toml has, and the one its open cases run;
    with the process (None when it cannot be loaded)."""
    from lifkit.case.process import WORKSPACE_PROCESS_FILE, ProcessError, workspace_process
    from lifkit.case.state import open_cases_under_other_process

    try:
        process = workspace_process(root, settings.process)
    except ProcessError as exc:
        if (root / WORKSPACE_PROCESS_FILE).is_file():  # the workspace's own process: its file's mistakes
            return [Problem("error", "", p, file=WORKSPACE_PROCESS_FILE) for p in exc.problems], None
        return [Problem("error", "process", p) for p in exc.problems], None
    lines = _KeyLines(_read_text(root / SETTINGS_FILE))
    problems = [Problem("error", role, f"is missing; it must be given. The process {process.id} needs the "
                        f"{title}: a [{role}] table with name and email.", None)
                for role, title in process.roles.items() if role not in settings.people]
    if cases:
        problems += [Problem("error", "process", message, lines.line(("process",)))
                     for message in open_cases_under_other_process(root, process.id)]
    known = [ident for ident, _ in process.learning.sections] if process.learning is not None else []
    for ident in settings.learning_sections:
        if ident not in known:
            problems.append(Problem("error", f"[learning.sections] {ident}",
                                    f"is not a section of the process's {process.learning.index_title}; its "
                                    f"sections are: {', '.join(known)}." if known else
                                    f"the process {process.id} keeps no Learning and Improvement Index.",
                                    lines.line(("learning", "sections", ident))))
    return problems, process


def _settings_error(result: CheckResult) -> SettingsError:
    """The errors, said of the file that holds them: lifkit.toml, the workspace's process.yaml, or both."""
    counts = [(path, errors) for path, (errors, _) in result.by_file().items() if errors]

    def problems(count: int) -> str:
        return f"{count} problem{'s' if count != 1 else ''}"

    hint = "Correct the file (or run `lifkit config check` to see warnings too), then try again."
    if len(counts) == 1:
        path, count = counts[0]
        listed = [replace(p, file="") for p in result.errors]  # the heading names the file
        if path != result.settings_file:
            hint = ("Correct the process file (or remove the workspace's process.yaml to use the shipped one), "
                    "then check it with: lifkit config check")
        return SettingsError(f"{path} has {problems(count)}:", listed, hint)
    said = " and ".join(f"{path.name} has {problems(count)}" for path, count in counts)
    return SettingsError(f"In {result.settings_file.parent}, {said}:", result.errors,
                         "Correct the files (or run `lifkit config check` to see warnings too), then try again.")


# --- reading and checking lifkit.toml -------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"{path} is not UTF-8 text (byte {exc.start} cannot be read).",
            hint="Save it as UTF-8 (in Notepad: File > Save As > Encoding: UTF-8).",
        ) from None
    except OSError as exc:
        raise SettingsError(f"{path} cannot be read: {exc.strerror}.") from None


def _parse(text: str, path: Path):
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        problem = Problem("error", SETTINGS_FILE, f"this is not valid TOML: {_toml_reason(exc)}", exc.line)
        raise SettingsError(f"{path} cannot be read:", [problem],
                            "Correct the line named (a missing quote or bracket is the usual cause).") from None


def _toml_data(text: str, path: Path) -> dict:
    """The settings as plain data: read by the standard library's TOML reader (a quarter of tomlkit's
    time to load and read; tomlkit keeps the file's layout, which only the commands that write it need);
    a text it refuses is read by tomlkit, whose message names the line (:func:`_parse`)."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return _parse(text, path).unwrap()


def _toml_reason(exc) -> str:
    # tomlkit's messages end with " at line L col C"; the line is reported separately.
    if "Control characters" in str(exc):  # what tomlkit says of a string left open at the line's end
        return "a text value is not closed: a closing double quote (\") is missing."
    return re.sub(r"\s+at line \d+ col \d+$", "", str(exc)).rstrip(".") + "."


def _check_file(path: Path) -> tuple[CheckResult, Settings | None]:
    """lifkit.toml read and checked: once for each text of it a command meets (a step that changes a
    case opens the workspace again to make its dashboard, and the schema check is most of the cost of
    opening it). The file is read each time; a text already checked is not checked again."""
    result, settings = _checked_text(path, _read_text(path))
    return CheckResult(result.settings_file, list(result.problems)), settings  # the caller may add problems


@functools.lru_cache(maxsize=8)
def _checked_text(path: Path, text: str) -> tuple[CheckResult, Settings | None]:
    data = _toml_data(text, path)
    problems = check_settings_data(data, _KeyLines(text))
    result = CheckResult(settings_file=path, problems=problems)
    settings = None if result.errors else _to_settings(data)
    return result, settings


def check_settings_data(data: dict, lines: "_KeyLines | None" = None) -> list[Problem]:
    """Every problem in parsed settings: schema errors, cross-checks, then placeholder warnings."""
    from cerberus import errors as cerberus_errors

    from lifkit.mechanics.resources import schema

    lines = lines or _KeyLines("")
    rules = schema("workspace")
    extra = role_tables(data, rules)
    if extra:  # a role a process names (any name): a person's table, checked as the known roles' are
        rules = {**rules, **{key: rules["chair"] for key in extra}}
    validator = _validator_class()(rules)
    validator.allow_unknown = False
    problems: list[Problem] = []
    if not validator.validate(data):
        for error in _leaf_errors(validator._errors):
            problems.append(_problem_from_cerberus(error, data, lines, cerberus_errors))
    problems.extend(_duplicate_codes(data, lines))
    problems.extend(_warnings(data, lines))
    problems.sort(key=lambda p: (p.severity != "error", p.line or 0))
    return problems


def role_tables(data: dict, rules: dict | None = None) -> list[str]:
    """The tables of lifkit.toml that name a person for a role lifkit does not list (ROLE_KEYS) but a process
    may name (``[sab_chair]``): any other table holding only a name and an email."""
    from lifkit.mechanics.resources import schema

    rules = rules if rules is not None else schema("workspace")
    return [key for key, value in data.items()
            if key not in rules and isinstance(key, str) and re.fullmatch(r"[a-z][a-z0-9_]*", key)
            and isinstance(value, dict) and value and set(value) <= {"name", "email"}]


def _validator_class():
    from cerberus import Validator

    class SettingsValidator(Validator):
        def _check_with_email(self, field_name, value):
            if isinstance(value, str) and value and not EMAIL_RE.match(value.strip()):
                self._error(field_name, f"{value!r} is not a valid email address (expected name@domain).")

        def _check_with_agency_code(self, field_name, value):
            if isinstance(value, str) and value and not AGENCY_CODE_RE.match(value):
                self._error(field_name, f"{value!r} is not a usable agency code: use 1 to 16 capital letters, "
                                        "digits or _, starting with a letter (e.g. POL, CSC, ACUTE).")

        def _check_with_reference_pattern(self, field_name, value):
            if isinstance(value, str) and value:
                reason = reference_pattern_problem(value)
                if reason:
                    self._error(field_name, reason)

        def _check_with_closure_day(self, field_name, value):
            if closure_day(value) is None:
                if isinstance(value, dt.datetime):
                    reason = f"{value.isoformat()} is a date and time; give the date alone, e.g. {value.date()}."
                elif isinstance(value, str):
                    reason = f"{value!r} is not a date; write it as yyyy-mm-dd without quotes, e.g. 2026-12-29."
                else:
                    reason = f"{value!r} is {_toml_kind(value)}, not a date; write it as yyyy-mm-dd, e.g. 2026-12-29."
                self._error(field_name, reason)

        def _check_with_process_name(self, field_name, value):
            from lifkit.case.process import shipped_processes

            if isinstance(value, str) and value not in shipped_processes():
                self._error(field_name, f"{value!r} is not a process lifkit has; use one of: "
                                        f"{', '.join(shipped_processes())} (lifkit processes lists them).")

        def _check_with_relative_file(self, field_name, value):
            if isinstance(value, str) and value:
                if Path(value).is_absolute() or ".." in Path(value).parts:
                    self._error(field_name, f"{value!r} must be a path inside the workspace, such as register.xlsx.")
                elif not value.lower().endswith((".xlsx", ".xlsm")):
                    self._error(field_name, f"{value!r} is not an Excel workbook name: it must end in .xlsx.")

    return SettingsValidator


def member_word(process_name: str) -> str:
    """What the workspace's process calls a member ("CIEC member", "agency safeguarding lead")."""
    from lifkit.case.process import DEFAULT_PROCESS, load_shipped, shipped_processes

    name = process_name or DEFAULT_PROCESS
    return load_shipped(name).term("member") if name in shipped_processes() else "member"


def closure_day(value: Any) -> dt.date | None:
    """A closure day as lifkit.toml gives it: a TOML date (2026-12-29) or a date in quotes as people type
    them ("29/12/2026"); None when it is neither (a date and time is not a day)."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        from lifkit.mechanics.dates import parse_date

        return parse_date(value)
    return None


def reference_pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot make case references, or None when it can."""
    if "{seq" not in pattern:
        return f"{pattern!r} has no {{seq}} number, so every case would get the same reference."
    try:
        sample = pattern.format(year=2026, seq=4)
    except (KeyError, IndexError) as exc:
        return f"{pattern!r} uses {{{exc.args[0]}}}; only {{year}} and {{seq}} (e.g. {{seq:03d}}) can be used."
    except ValueError as exc:
        return f"{pattern!r} cannot be used: {exc}."
    if not SAFE_REFERENCE_RE.match(sample):
        return (f"{pattern!r} makes references like {sample!r}; a reference names folders and files, so use "
                "only letters, digits, '-', '_' and '.'.")
    return None


def _leaf_errors(errors) -> Iterable:
    for error in errors:
        if error.is_group_error:
            yield from _leaf_errors(error.child_errors)
        else:
            yield error


def _describe(path: tuple, data: dict) -> str:
    """A key path as the administrator sees it in lifkit.toml, e.g. ``[[members]] #4 (POL) email``."""
    if not path:
        return SETTINGS_FILE
    if path[0] == "members" and len(path) >= 2 and isinstance(path[1], int):
        members = data.get("members") or []
        code = ""
        if path[1] < len(members) and isinstance(members[path[1]], dict):
            raw = members[path[1]].get("code")
            code = f" ({raw})" if isinstance(raw, str) and raw else ""
        rest = " ".join(str(p) for p in path[2:])
        return f"[[members]] #{path[1] + 1}{code}" + (f" {rest}" if rest else "")
    if len(path) == 1:
        return f"[{path[0]}]" if isinstance(data.get(path[0]), dict) else path[0]
    keys = [p for p in path[1:] if not isinstance(p, int)]
    items = "".join(f" #{p + 1}" for p in path[1:] if isinstance(p, int))  # an entry of a list, counted from 1
    return f"[{path[0]}] " + ".".join(str(p) for p in keys) + items


def _problem_from_cerberus(error, data: dict, lines: "_KeyLines", ce) -> Problem:
    path = tuple(error.document_path)
    where = _describe(path, data)
    line = lines.line(path)
    key = path
    while line is None and key and isinstance(key[-1], int) and key[0] != "members":
        key = key[:-1]  # an entry of a list such as closure_days: the line of its key
        line = lines.line(key)
    code = error.code
    if code == ce.UNKNOWN_FIELD.code:
        message = "is not a setting lifkit knows; check the spelling, or remove it."
        if len(path) == 1:
            where = f"[{path[0]}]" if isinstance(data.get(path[0]), dict) else path[0]
    elif code == ce.REQUIRED_FIELD.code:
        message = "is missing; it must be given."
        line = lines.line(path[:-1]) if line is None else line
    elif code == ce.EMPTY_NOT_ALLOWED.code:
        message = "is empty; it must be given."
    elif code == ce.BAD_TYPE.code:
        expected = {"string": "text in quotes", "dict": "a [table] of settings",
                    "list": "a list of [[members]]" if path[0] == "members" else "a list in [ ], e.g. [2026-12-29]",
                    "integer": "a whole number", "boolean": "true or false"}
        message = f"should be {expected.get(error.constraint, error.constraint)}, not {_toml_kind(error.value)}."
    elif code == ce.UNALLOWED_VALUE.code:
        message = f"{error.value!r} is not one of: {', '.join(error.constraint)}."
    elif code == ce.MIN_LENGTH.code:
        message = "needs at least one [[members]] entry."
    elif code in (ce.MIN_VALUE.code, ce.MAX_VALUE.code):
        message = f"{error.value!r} is out of range ({error.rule} {error.constraint})."
    elif code == ce.REGEX_MISMATCH.code:
        message = f"{error.value!r} is not a usable name here (letters, digits and _)."
    elif code == ce.CUSTOM.code:
        message = str(error.info[0])
    else:  # a rule added to the schema later: say what cerberus says, in plain words
        message = f"breaks the rule {error.rule!r} ({error.constraint!r})."
    return Problem("error", where, message, line)


def _toml_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return "a date"
    return type(value).__name__


def _duplicate_codes(data: dict, lines: "_KeyLines") -> list[Problem]:
    members = data.get("members")
    if not isinstance(members, list):
        return []
    first_seen: dict[str, int] = {}
    problems = []
    for index, member in enumerate(members):
        code = member.get("code") if isinstance(member, dict) else None
        if not isinstance(code, str) or not code:
            continue
        key = code.upper()
        if key in first_seen:
            problems.append(Problem(
                "error", _describe(("members", index, "code"), data),
                f"the agency code {code!r} is already used by member #{first_seen[key] + 1}; "
                "each agency needs its own code.",
                lines.line(("members", index, "code")),
            ))
        else:
            first_seen[key] = index
    return problems


def _is_placeholder_email(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower().rpartition("@")[2] in PLACEHOLDER_DOMAINS


def _warnings(data: dict, lines: "_KeyLines") -> list[Problem]:
    problems = []
    board = data.get("board") if isinstance(data.get("board"), dict) else {}
    if board.get("name") in PLACEHOLDER_BOARD_NAMES:
        problems.append(Problem("warning", "[board] name", "is the general name from `lifkit init`; put in your "
                                "board's own name, as it should appear on forms.", lines.line(("board", "name"))))
    admin = data.get("administrator") if isinstance(data.get("administrator"), dict) else {}
    if isinstance(admin.get("address"), str) and admin["address"].strip().endswith(PLACEHOLDER_POSTAL):
        problems.append(Problem("warning", "[administrator] address", "is the placeholder from `lifkit init`; put in "
                                "the postal address forms are returned to.", lines.line(("administrator", "address"))))
    people = [(key,) for key in ("administrator", *ROLE_KEYS, *role_tables(data))]
    members = data.get("members") if isinstance(data.get("members"), list) else []
    people += [("members", i) for i in range(len(members))]
    seen_emails: dict[str, tuple] = {}
    for base in people:
        entry = data.get(base[0]) if len(base) == 1 else members[base[1]]
        if not isinstance(entry, dict):
            continue
        email, name = entry.get("email"), entry.get("name")
        if _is_placeholder_email(email):
            problems.append(Problem("warning", _describe(base + ("email",), data),
                                    f"{email!r} is a placeholder from `lifkit init`; put in the real address.",
                                    lines.line(base + ("email",))))
        if isinstance(name, str) and name.strip() == PLACEHOLDER_NAME:
            problems.append(Problem("warning", _describe(base + ("name",), data),
                                    "is still the placeholder from `lifkit init`; put in the person's name.",
                                    lines.line(base + ("name",))))
        if base[0] == "members" and isinstance(email, str) and email and not _is_placeholder_email(email):
            key = email.strip().lower()
            if key in seen_emails:
                problems.append(Problem("warning", _describe(base + ("email",), data),
                                        f"{email!r} is also the address of {_describe(seen_emails[key], data)}; "
                                        "returns from it cannot tell the two agencies apart by sender.",
                                        lines.line(base + ("email",))))
            else:
                seen_emails[key] = base
    return problems


def _to_settings(data: dict) -> Settings:
    def person(key: str) -> Person:
        return Person(name=data[key]["name"].strip(), email=data[key]["email"].strip())

    admin = data["administrator"]
    return Settings(
        board_name=data["board"]["name"].strip(),
        administrator=Administrator(
            name=admin["name"].strip(), email=admin["email"].strip(),
            address=admin["address"].strip(), telephone=admin.get("telephone", "").strip(),
        ),
        people={key: person(key) for key in (*ROLE_KEYS, *role_tables(data)) if isinstance(data.get(key), dict)},
        members=tuple(
            Member(code=m["code"], agency=m["agency"].strip(), name=m["name"].strip(),
                   email=m["email"].strip(), format=m.get("format", "pdf"))
            for m in data["members"]
        ),
        reference_pattern=data["cases"]["reference_pattern"],
        register_path=data["register"]["path"],
        smtp=_smtp(data.get("smtp")),
        notifications={k: v.strip() for k, v in (data.get("notifications") or {}).items()},
        closure_days=tuple(sorted({closure_day(v) for v in data["board"].get("closure_days") or ()})),
        process=str(data.get("process") or ""),
        soffice=(data.get("tools") or {}).get("soffice", ""),
        marking=str(data["board"].get("marking") or "OFFICIAL-SENSITIVE").strip(),
        dashboard_rebuild=bool((data.get("dashboard") or {}).get("rebuild", True)),
        learning_sections={k: str(v).strip() for k, v in ((data.get("learning") or {}).get("sections") or {}).items()},
    )


def _smtp(data: dict | None):
    if not data:
        return None
    from lifkit.documents.mail import SmtpSettings

    return SmtpSettings(host=data["host"], port=int(data.get("port", 587)), username=data.get("username", ""),
                        starttls=bool(data.get("starttls", True)),
                        password_env=data.get("password_env", "LIFKIT_SMTP_PASSWORD"))


class _KeyLines:
    """Finds the line of a key in TOML text, so that messages can say "line 23".

    Understands what lifkit.toml uses: ``[table]``, ``[[array.of.tables]]``, ``key = value`` and
    multi-line strings. A key it cannot find gets no line number; the message still names the key.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")

    def __init__(self, text: str):
        self.keys: dict[tuple, int] = {}
        table: tuple = ()
        counts: dict[str, int] = {}
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = self._HEADER.match(line)
            if header:
                name = header.group(2)
                if header.group(1) == "[[":
                    counts[name] = counts.get(name, -1) + 1
                    table = (name, counts[name])
                else:
                    table = tuple(name.split("."))
                self.keys.setdefault(table, number)
                continue
            key = self._KEY.match(line)
            if key:
                self.keys.setdefault(table + (key.group(1).strip('"'),), number)
                for quote in ('"""', "'''"):
                    if line.count(quote) % 2 == 1:
                        in_string = quote

    def line(self, path: tuple) -> int | None:
        return self.keys.get(tuple(path))


# --- editing lifkit.toml, keeping the administrator's comments and layout --------------------


def _edit_settings(root: Path, change) -> None:
    """Apply ``change(document)`` to lifkit.toml, check the result, and only then write it."""
    path = root / SETTINGS_FILE
    document = _parse(_read_text(path), path)
    change(document)
    text = document.as_string()
    errors = [p for p in check_settings_data(document.unwrap(), _KeyLines(text)) if p.severity == "error"]
    if errors:
        raise _settings_error(CheckResult(settings_file=path, problems=errors))
    atomic_write_text(path, text)


def add_member(root: Path, member: Member) -> Member:
    """Add a CIEC member to lifkit.toml. Refuses a code that is already used."""
    import tomlkit

    member = Member(code=member.code.strip().upper(), agency=member.agency.strip(), name=member.name.strip(),
                    email=member.email.strip(), format=member.format)

    def change(document):
        members = document.get("members")
        for existing in members or []:
            if str(existing.get("code", "")).upper() == member.code:
                word = member_word(str(document.get("process") or ""))
                raise InputError(f"The agency code {member.code} is already {'an' if word[:1] in 'aeiou' else 'a'} "
                                 f"{word} "
                                 f"({existing.get('agency')}).",
                                 "Choose another code, or remove the member first: lifkit members remove "
                                 f"{member.code}")
        entry = tomlkit.table()
        for key, value in member.to_dict().items():
            entry[key] = value
        if members is None:
            members = tomlkit.aot()
            document["members"] = members
        members.append(entry)

    _edit_settings(root, change)
    log.info("added member %s", member.code)
    return member


def remove_member(root: Path, code: str) -> Member:
    """Remove the CIEC member with agency code ``code`` from lifkit.toml and return it."""
    code = code.strip().upper()
    removed: list[Member] = []

    def change(document):
        members = document.get("members") or []
        for index, existing in enumerate(members):
            if str(existing.get("code", "")).upper() == code:
                removed.append(Member(code=code, agency=existing.get("agency", ""), name=existing.get("name", ""),
                                      email=existing.get("email", ""), format=existing.get("format", "pdf")))
                del members[index]
                return
        known = ", ".join(str(m.get("code")) for m in members)
        raise InputError(f"No {member_word(str(document.get('process') or ''))} has the agency code {code}.",
                         f"The codes are: {known}.")

    _edit_settings(root, change)
    log.info("removed member %s", code)
    return removed[0]


# --- creating a workspace ---------------------------------------------------------------------


# The partner agencies a board usually has: the starting membership that `lifkit init` writes.
STARTING_MEMBERS: tuple[tuple[str, str], ...] = (
    ("POL", "Police (Public Protection Unit)"),
    ("CSC", "Children's Social Care"),
    ("ACUTE", "Acute Hospitals NHS Trust"),
    ("COMM", "Community Health NHS Trust"),
    ("MH", "Mental Health NHS Trust"),
    ("CCG", "Clinical Commissioning Group"),
    ("EDU", "Education"),
    ("PROB", "Probation Service"),
    ("YOS", "Youth Offending Service"),
    ("HOU", "Housing"),
    ("NSPCC", "NSPCC"),
    ("CAFCASS", "Cafcass"),
    ("AMB", "Ambulance Service NHS Trust"),
    ("ASC", "Adult Social Care"),
    ("PH", "Public Health (0-19 services)"),
)


def settings_document(board_name: str, administrator: Administrator, people: dict[str, Person],
                      members: Iterable[Member], reference_pattern: str | None = None,
                      register_path: str = DEFAULT_REGISTER, process=None) -> str:
    """The text of a new lifkit.toml for ``process`` (by default lscb-2016), with a comment on every section."""
    import tomlkit

    from lifkit.case.process import DEFAULT_PROCESS, load_shipped

    process = process or load_shipped(DEFAULT_PROCESS)
    doc = tomlkit.document()
    doc.add(tomlkit.comment("lifkit workspace settings. Check them with: lifkit config check"))
    doc.add(tomlkit.comment("Text goes in double quotes; a line starting with # is a comment."))
    doc.add(tomlkit.nl())
    if process.id != DEFAULT_PROCESS:
        doc.add(tomlkit.comment("The process this workspace runs (lifkit processes lists them)."))
        doc["process"] = process.id
        doc.add(tomlkit.nl())

    board = tomlkit.table()
    board.add(tomlkit.comment("The board's name, printed in the header of every form and pack."))
    board["name"] = board_name
    doc["board"] = board

    admin = tomlkit.table()
    admin.add(tomlkit.comment(f"The {process.term('administrator')}: forms are returned to this address."))
    admin["name"] = administrator.name
    admin["email"] = administrator.email
    admin["telephone"] = administrator.telephone
    admin["address"] = tomlkit.string(administrator.address, multiline="\n" in administrator.address)
    doc["administrator"] = admin

    for key, title in process.roles.items():
        table = tomlkit.table()
        table.add(tomlkit.comment(f"The {title}."))
        table["name"] = people[key].name
        table["email"] = people[key].email
        doc[key] = table

    cases = tomlkit.table()
    cases.add(tomlkit.comment("Case references: {year} is the year the case is opened, {seq} counts cases in it."))
    cases["reference_pattern"] = reference_pattern or process.references
    doc["cases"] = cases

    register = tomlkit.table()
    register.add(tomlkit.comment(f"The {process.term('register')} workbook, relative to this folder."))
    register["path"] = register_path
    doc["register"] = register

    doc.add(tomlkit.nl())
    doc.add(tomlkit.comment(f"Members: one {process.term('member')} per partner agency. `format` is the form they"))
    doc.add(tomlkit.comment("prefer to receive: pdf, docx or both. Edit here, or use `lifkit members add/remove`."))
    roster = tomlkit.aot()
    for member in members:
        entry = tomlkit.table()
        for key, value in member.to_dict().items():
            entry[key] = value
        roster.append(entry)
    doc["members"] = roster
    return doc.as_string()


def placeholder_email(code: str) -> str:
    return f"{code.lower()}.safeguarding@example.org"


def tomlkit_unwrap(text: str) -> dict:
    import tomlkit

    return tomlkit.parse(text).unwrap()
