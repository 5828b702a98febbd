"""Checking a returned form: raw values -> normalised values + a list of problems (data, not exceptions).

Every problem names the box as the agency sees it on the printed form (section number and label, the
row of a table), says what is wrong and what was expected, in words the administrator can forward.
The raw values are kept beside the normalised ones, so nothing typed is lost.

Checks, in order: the form's identity (which form, version, case, agency, and its signed token), then
each box's value (dates, yes/no, choices), then the rules in ``schemas/<form>.yaml``, then the
cross-field rules of the domain that a schema cannot say.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from lifkit.mechanics.dates import format_date, parse_date, today
from lifkit.documents.extract import Extracted, UnreadableForm, extract
from lifkit.documents.formdef import Check, FormDef, form_ids, load_form
from lifkit.documents.identity import token_matches, workspace_secret

_FALSE_TICKS = {"", "off", "/off", "false", "0", "no", "/no", "n"}


@dataclass(frozen=True)
class FormProblem:
    where: str  # the box as printed: "section 3 (Name of Child, ...), 'DOB'"
    message: str  # what is wrong
    expected: str = ""  # what was expected
    field: str = ""  # lifkit's name for the field, for --json and the returns file only

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        if not text.endswith((".", "?", "!")):
            text += "."
        return f"{text} Expected: {self.expected}." if self.expected else text

    def to_dict(self) -> dict:
        return {"where": self.where, "message": self.message, "expected": self.expected, "field": self.field}


@dataclass
class Validation:
    path: Path
    format: str
    form_id: str
    version: str
    case_ref: str
    agency: str
    problems: list[FormProblem] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # normalised: dates as datetime.date
    raw: dict[str, str] = field(default_factory=dict)  # as found in the file
    stray_text: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {
            "file": str(self.path), "format": self.format, "form": self.form_id, "version": self.version,
            "case": self.case_ref, "agency": self.agency, "valid": self.valid,
            "problems": [p.to_dict() for p in self.problems],
            "values": _jsonable(self.values), "raw": self.raw, "stray_text": self.stray_text,
        }


@dataclass
class FileOutcome:
    """One file given to ``lifkit validate``: its validation, or why it could not be read at all."""

    path: Path
    validation: Validation | None = None
    unreadable: UnreadableForm | None = None

    def to_dict(self) -> dict:
        if self.validation is not None:
            return self.validation.to_dict()
        return {"file": str(self.path), "valid": False, "readable": False, "kind": self.unreadable.kind,
                "error": self.unreadable.message, "hint": self.unreadable.hint}


def _jsonable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


# --- the whole run ----------------------------------------------------------------------------


def validate_files(ws, paths: list[Path], case_ref: str | None = None, form_id: str | None = None,
                   progress: Callable[[Path], None] | None = None) -> list[FileOutcome]:
    """Validate each file; a file that cannot be read is reported, and the others still checked."""
    return list(iter_validate_files(ws, paths, case_ref, form_id, progress))


def form_files(paths: list[Path]) -> list[Path]:
    """The files to check: each file given, and a folder as the files in it (in name order; hidden files
    and sub-folders left out), as ``lifkit collect`` takes folders. An empty folder stays, to be reported."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            files.extend(inside or [path])
        else:
            files.append(path)
    return files


def iter_validate_files(ws, paths: list[Path], case_ref: str | None = None, form_id: str | None = None,
                        progress: Callable[[Path], None] | None = None) -> Iterator[FileOutcome]:
    """:func:`validate_files` one file at a time, so that a caller can report each and let it go. A folder
    is the files in it; one file that cannot be read never stops the others."""
    from lifkit.errors import LifkitError

    for path in form_files(paths):
        if progress:
            progress(Path(path))
        if path.is_dir():
            yield FileOutcome(path, unreadable=UnreadableForm(path, "is an empty folder: there is no form in it.",
                                                              "Give the folder the forms were saved in.",
                                                              kind="empty"))
            continue
        try:
            yield FileOutcome(Path(path), validation=validate_file(ws, path, case_ref, form_id))
        except UnreadableForm as exc:
            yield FileOutcome(Path(path), unreadable=exc)
        except LifkitError as exc:  # anything else this file causes is said for it, and the batch goes on
            yield FileOutcome(Path(path), unreadable=UnreadableForm(path, exc.message.removeprefix(f"{path.name}: "),
                                                                    exc.hint, kind="unreadable"))


def validate_file(ws, path: Path, case_ref: str | None = None, form_id: str | None = None) -> Validation:
    """Read and check one returned form. Raises :class:`UnreadableForm` when nothing can be read."""
    return validate_extracted(ws, extract(Path(path)), case_ref, form_id)


def validate_extracted(ws, extracted: Extracted, case_ref: str | None = None,
                       form_id: str | None = None) -> Validation:
    identity = extracted.identity
    if identity.form_id.lower() not in form_ids(ws.root):
        raise UnreadableForm(extracted.path, f"says it is a {identity.form_id!r} form, which lifkit does not have.",
                             "Ask the agency to use the form lifkit sent them.", kind="not-a-form")
    form = load_form(identity.form_id, ws.root, ws.process.terms)
    result = Validation(path=extracted.path, format=extracted.format, form_id=identity.form_id,
                        version=identity.version, case_ref=identity.case_ref, agency=identity.agency,
                        raw=dict(extracted.raw), stray_text=dict(extracted.stray_text))
    result.problems.extend(_identity_problems(ws, form, identity, case_ref, form_id))
    if identity.version != form.version:
        # The boxes of another version are not this definition's: report that, keep the raw values.
        return result
    values, problems = normalise(form, extracted.raw)
    result.values = values
    result.problems.extend(problems)
    result.problems.extend(_schema_problems(form, values, {p.where for p in problems}, ws.root))
    result.problems.extend(cross_field_problems(form, values, today()))
    _converted_not_blank(form, extracted, result.problems)
    for name, text in extracted.stray_text.items():
        result.problems.append(FormProblem(_where(form, name), f"text was typed beside the box instead of in it: "
                                           f"{_quote(text)}", "the answer inside the box", field=name))
    result.problems.sort(key=_form_order(form))
    return result


CONVERTED = ("could not be read: the form was converted by another program (for example to OpenDocument "
             ".odt and back), which lost this box")
CONVERTED_EXPECTED = ("the form lifkit sent, filled in and saved as a Word Document (.docx) by the program it "
                      "was filled in with, without converting it")


def _converted_not_blank(form: FormDef, extracted: Extracted, problems: list[FormProblem]) -> None:
    """A box reported empty whose value was lost in a conversion is said to be that, not left blank; and
    every box whose place in the file is still marked but whose answer could not be found with certainty
    is said to be that too, even one that may be left empty (it is never read as empty, nor as another
    box's answer)."""
    unfound = set(extracted.lost)
    if extracted.converted:
        unfound |= {name for name, _, _ in form.widgets() if name not in extracted.raw}
    where = {_where(form, name) for name in unfound}
    said = set()
    for index, problem in enumerate(problems):
        if problem.message.startswith("must be filled in") and problem.where in where:
            problems[index] = FormProblem(problem.where, CONVERTED, CONVERTED_EXPECTED, field=problem.field)
            said.add(problem.where)
    widgets = {name for name, _, _ in form.widgets()}
    for name in extracted.lost:
        if name in widgets and _where(form, name) not in said:
            said.add(_where(form, name))
            problems.append(FormProblem(_where(form, name), CONVERTED, CONVERTED_EXPECTED, field=name))


def _form_order(form: FormDef):
    """Problems in the order a person reads the form: the whole form first, then box by box."""
    position = {f.name: index for index, f in enumerate(form.fields)}

    def key(problem: FormProblem):
        row = problem.where.partition(", row ")[2].split(",")[0]
        return position.get(problem.field, -1), int(row) if row.isdigit() else 0

    return key


def _identity_problems(ws, form: FormDef, identity, case_ref, form_id) -> list[FormProblem]:
    whole = "The form as a whole"
    problems = []
    if form_id and identity.form_id.lower() != form_id.lower():
        expected = load_form(form_id, ws.root, ws.process.terms)
        problems.append(FormProblem(whole, f"this is {_a(form.id)} ({form.title}), but {_a(expected.id)} "
                                    f"({expected.title}) was expected", f"the {expected.id} that was sent"))
    if identity.version != form.version:
        problems.append(FormProblem(whole, f"this is version {identity.version or '?'} of {form.id}; the current "
                                    f"version is {form.version}", f"the current {form.id}: send the agency a new one"))
    if case_ref and identity.case_ref != case_ref:
        got = f"case {identity.case_ref}" if identity.case_ref else "no case"
        problems.append(FormProblem(whole, f"this form is for {got}, not case {case_ref}",
                                    f"the form sent for case {case_ref}"))
    if not token_matches(workspace_secret(ws.root), identity):
        problems.append(FormProblem(whole, "its hidden identity does not match its signature: the form's case, agency "
                                    "or form details were edited outside lifkit, or it was made by another "
                                    "workspace", "the form exactly as lifkit sent it"))
    if identity.agency and identity.agency not in {m.code for m in ws.settings.members}:
        problems.append(FormProblem(whole, f"this form is for agency {identity.agency}, which is not a member "
                                    "agency of this workspace", "a form sent to one of the members"))
    return problems


def _a(form_id: str) -> str:
    """A form id with its article: "a CIGSCR1", "an IAS"."""
    return f"{'an' if form_id[:1].upper() in 'AEIOU' else 'a'} {form_id}"


# --- normalising what was typed ---------------------------------------------------------------


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _where(form: FormDef, name: str, row: int | None = None, column=None) -> str:
    try:
        # a table is printed under its section heading with no label of its own
        where = form.describe(name)
        if form.field(name).type == "rows":
            section = form.section_of(name)
            where = f"section {section.number} ({section.label})" if section.number else section.label
    except KeyError:  # a cell name: field_row_column
        for candidate in form.fields:
            if candidate.type == "rows" and name.startswith(candidate.name + "_"):
                row_text, _, column_name = name[len(candidate.name) + 1:].partition("_")
                column = next((c for c in candidate.columns if c.name == column_name), None)
                return _where(form, candidate.name, int(row_text) if row_text.isdigit() else None, column)
        return f"the box {name}"
    if row is not None:
        where += f", row {row}"
    if column is not None:
        where += f", '{column.label}'"
    return where


def _text(raw: str | None) -> str:
    text = "" if raw is None else str(raw).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _normalise_one(form: FormDef, kind: str, raw: str | None, choices: tuple[str, ...], where: str,
                   name: str, problems: list) -> Any:
    if kind == "tick":
        return _text(raw).lower() not in _FALSE_TICKS
    if kind == "longtext":  # as typed: a tab or indent at the start and blank lines inside are kept
        lines = ("" if raw is None else str(raw)).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        while lines and not lines[0].strip():
            lines.pop(0)
        return "\n".join(lines).rstrip()
    text = _text(raw)
    if kind == "date":
        if not text:
            return None
        parsed = parse_date(text)
        if parsed is None:
            problems.append(FormProblem(where, f"{_quote(text)} is not a date", "a date such as 03/12/2026",
                                        field=name))
        return parsed
    if kind in ("yesno", "choice"):
        if not text:
            return ""
        aliases = {"y": "Yes", "n": "No"} if kind == "yesno" else {}
        for choice in choices:
            if text.lower() == choice.lower():
                return choice
        if text.lower() in aliases:
            return aliases[text.lower()]
        problems.append(FormProblem(where, f"{_quote(text)} is not one of the choices",
                                    " or ".join(choices), field=name))
        return text
    return text


def normalise(form: FormDef, raw: dict[str, str]) -> tuple[dict[str, Any], list[FormProblem]]:
    """Raw box values -> typed values: dates, True/False ticks, canonical choices, trimmed text, and for a
    table the list of its rows that hold anything (each row remembers its number on the form)."""
    values: dict[str, Any] = {}
    problems: list[FormProblem] = []
    for f in form.fields:
        if f.type == "rows":
            rows = []
            for number in range(1, f.rows + 1):
                cells = {c.name: raw.get(f.cell_name(number, c.name)) for c in f.columns}
                if not any(_text(v) for v in cells.values()):
                    continue  # an empty row is dropped
                row = {"row": number}
                for column in f.columns:
                    row[column.name] = _normalise_one(form, column.type, cells[column.name],
                                                      ("Yes", "No") if column.type == "yesno" else (),
                                                      _where(form, f.name, number, column), f.name, problems)
                rows.append(row)
            values[f.name] = rows
        else:
            values[f.name] = _normalise_one(form, f.type, raw.get(f.name), f.choices, _where(form, f.name),
                                            f.name, problems)
    return values, problems


# --- the schema -------------------------------------------------------------------------------


def _schema_problems(form: FormDef, values: dict[str, Any], already: set[str], root=None) -> list[FormProblem]:
    from cerberus import Validator
    from cerberus import errors as ce

    from lifkit.mechanics.resources import schema

    document = {}
    for f in form.fields:
        value = values.get(f.name)
        if f.type == "rows":
            value = [{k: v for k, v in row.items() if k != "row"} for row in value or []]
        if value in (None, "") and not _is_required(schema(form.id.lower(), root), f.name):
            continue  # an empty optional box is simply unanswered
        document[f.name] = value
    validator = Validator(schema(form.id.lower(), root), allow_unknown=False)
    if validator.validate(document):
        return []
    problems = []
    for error in _leaves(validator._errors):
        path = tuple(error.document_path)
        name = path[0]
        f = form.field(name)
        if len(path) >= 3 and f.type == "rows":
            row = values[name][path[1]]["row"]
            column = next(c for c in f.columns if c.name == path[2])
            where = _where(form, name, row, column)
            kind = column.type
        else:
            where, kind = _where(form, name), f.type
        if where not in already:  # a box whose value could not be read is reported once, by normalise()
            problems.append(_problem_for(error, where, kind, name, ce))
    return problems


def _is_required(rules: dict, name: str) -> bool:
    return bool(rules.get(name, {}).get("required"))


def _leaves(errors):
    for error in errors:
        if error.is_group_error:
            yield from _leaves(error.child_errors)
        else:
            yield error


def _problem_for(error, where: str, kind: str, name: str, ce) -> FormProblem:
    value = error.value
    missing = (ce.REQUIRED_FIELD.code, ce.EMPTY_NOT_ALLOWED.code, ce.NOT_NULLABLE.code)
    if error.code in missing or value in (None, ""):
        expected = {"date": "a date such as 03/12/2026", "yesno": "Yes or No", "choice": "one of the choices",
                    "tick": "a tick"}.get(kind, "an answer")
        return FormProblem(where, "must be filled in", expected, field=name)
    if error.code == ce.REGEX_MISMATCH.code:
        if "@" in str(error.constraint):
            return FormProblem(where, f"{_quote(value)} is not an email address", "an address such as "
                               "name@agency.gov.uk", field=name)
        return FormProblem(where, f"{_quote(value)} is not a telephone number", "digits, spaces and + ( ) -",
                           field=name)
    if error.code == ce.UNALLOWED_VALUE.code:
        return FormProblem(where, f"{_quote(value)} is not one of the choices", " or ".join(error.constraint),
                           field=name)
    return FormProblem(where, f"{_quote(value)} is not accepted here", f"a value that meets the rule "
                       f"{error.rule}: {error.constraint}", field=name)


# --- cross-field rules ------------------------------------------------------------------------


def cross_field_problems(form: FormDef, values: dict[str, Any], on: dt.date) -> list[FormProblem]:
    """The domain's rules that relate boxes to each other, or to today: no date the sender gives is in
    the future, and the form definition's ``checks`` (see lifkit/documents/formdef.py)."""
    problems = _future_dates(form, values, on)
    for check in form.checks:
        problems.extend(_CHECKS[check.kind](form, values, check))
    return problems


def _future_dates(form: FormDef, values: dict[str, Any], on: dt.date) -> list[FormProblem]:
    problems = []
    for f in form.fields:
        if f.prefilled:
            continue  # the meeting and return-by dates are meant to be ahead
        if f.type == "date" and isinstance(values.get(f.name), dt.date) and values[f.name] > on:
            problems.append(FormProblem(_where(form, f.name), f"{format_date(values[f.name])} is in the future",
                                        f"a date on or before today ({format_date(on)})", field=f.name))
        if f.type == "rows":
            for row in values.get(f.name) or []:
                for column in f.columns:
                    value = row.get(column.name)
                    if column.type == "date" and isinstance(value, dt.date) and value > on:
                        problems.append(FormProblem(_where(form, f.name, row["row"], column),
                                                    f"{format_date(value)} is in the future",
                                                    f"a date on or before today ({format_date(on)})", field=f.name))
    return problems


def _answered(value: Any) -> bool:
    return value not in (None, "", False, [])


def _order(form: FormDef, values: dict[str, Any], check: Check) -> list[FormProblem]:
    """The second date is not before the first (when both are given)."""
    earlier, later = check.fields
    first, second = values.get(earlier), values.get(later)
    if isinstance(first, dt.date) and isinstance(second, dt.date) and second < first:
        message = check.message.format(first=format_date(first), second=format_date(second))
        return [FormProblem(_where(form, later), message, check.expected or f"a date on or after {format_date(first)}",
                            field=later)]
    return []


def _required(form: FormDef, values: dict[str, Any], check: Check) -> list[FormProblem]:
    """Boxes that must be answered when other boxes hold given values (or are answered at all)."""
    because = None  # the box whose answer makes these required
    for name, wanted in check.when:
        if values.get(name) not in wanted:
            return []
        because = name
    if check.when_answered:
        if not _answered(values.get(check.when_answered)):
            return []
        because = check.when_answered
    expected = check.expected
    if not expected and because:
        value = values[because]
        shown = "ticked" if value is True else value
        expected = f"an answer, since '{form.field(because).label}' is {shown}"
    return [FormProblem(_where(form, name), check.message, expected or "an answer", field=name)
            for name in check.fields if not _answered(values.get(name))]


def _one_of(form: FormDef, values: dict[str, Any], check: Check) -> list[FormProblem]:
    """At least one of the boxes is answered; the problem is shown at the first."""
    if any(_answered(values.get(name)) for name in check.fields):
        return []
    first = check.fields[0]
    return [FormProblem(_where(form, first), check.message, check.expected, field=first)]


_CHECKS = {"order": _order, "required": _required, "one_of": _one_of}
