"""Form definitions: ``forms/<id>.yaml`` loaded into plain dataclasses.

One definition drives everything about a form: the PDF and Word renderings, extraction, validation
messages and the pack. A field's ``name`` is the same everywhere. A ``rows`` field (a table) is one
field in the definition, the schema and the returns JSON (a list of row dicts); in the PDF and Word
files each cell is its own box named ``<field>_<row>_<column>``, rows counted from 1.

The forms are the YAML files installed in ``forms/`` and those in a workspace's ``forms/``: a new file there
is a new form, whose id is its file name (``forms/sir.yaml`` is the form SIR). Its ``checks`` say what a schema cannot: rules between boxes,
which lifkit/documents/validate.py applies to any form::

    checks:
      - order: [child_dob, child_dod]            # the second date is not before the first
        message: "the date of death {second} is before the date of birth {first}"
      - required: [agency_review_date]           # must be answered when ...
        when: {referral_route: Agency}           # ... every box named here holds one of these values
        message: must be filled in for a case referred by an agency
      - required: criteria_reason
        when_answered: criteria_met              # ... or when this box is answered at all
        message: must say why
      - one_of: [lead_email, lead_telephone]     # at least one of these is answered
        message: neither an email nor a telephone number is given for the named lead
        expected: an email or a telephone number (or both)

``expected`` (optional) says what was expected; a ``required`` check without one says "an answer, since
'<the box's label>' is <its value>".

Its ``roles`` say which boxes hold what lifkit reads by meaning rather than by box name (ROLE_TYPES): the
review's subject (``subject_name``, ``subject_dob``, ``subject_dod``, ``subject_address``), the table of
significant people (``people``), on a request whether the agency knew the subject (``subject_known``,
``others_known``), on a referral the referrer's email (``referrer_email``) and the incident's date
(``incident``)::

    roles: {subject_name: adult_name, subject_dob: adult_dob, people: significant_people}

A workspace's own forms (``<workspace>/forms/<id>.yaml``, their rules in ``<workspace>/schemas/``) are found
before the installed ones. Loaded with the process's terms, a form's words may use them: "{board}",
"{subject_a}'s name".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterator

from lifkit.errors import InputError

FIELD_TYPES = ("text", "longtext", "date", "email", "phone", "yesno", "choice", "tick", "rows")
COLUMN_TYPES = ("text", "date", "yesno")
YES_NO = ("Yes", "No")
DATE_HINT = "dd/mm/yyyy"
CHECK_KINDS = ("order", "required", "one_of")
# The roles lifkit reads from a form (``roles:``), with the kinds of box each may be; a form may name others.
ROLE_TYPES = {"subject_name": ("text",), "subject_dob": ("date",), "subject_dod": ("date",),
              "subject_address": ("text", "longtext"), "people": ("rows",), "subject_known": ("yesno", "choice"),
              "others_known": ("yesno", "choice"), "referrer_email": ("email",), "incident": ("date",)}


def form_ids(root=None) -> tuple[str, ...]:
    """The ids of the forms (lower case, as their files are named), in name order: the installed ones and,
    given a workspace's ``root``, those in its ``forms/`` folder."""
    from lifkit.mechanics.resources import workspace_names

    return tuple(sorted(set(_installed_form_ids()) | set(workspace_names(root, "forms", ".yaml"))))


@functools.lru_cache(maxsize=None)
def _installed_form_ids() -> tuple[str, ...]:
    from importlib import resources

    return tuple(sorted(entry.name[: -len(".yaml")] for entry in resources.files("lifkit.forms").iterdir()
                        if entry.name.endswith(".yaml") and entry.is_file()))


def __getattr__(name: str):
    if name == "FORM_IDS":  # computed on first use: importing this module reads no folder
        return form_ids()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str = "text"
    width: float = 1.0


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str
    section: str  # the section's number as printed ("" for an unnumbered section)
    options: tuple[str, ...] = ()
    rows: int = 0
    columns: tuple[Column, ...] = ()
    prefilled: bool = False
    height: float | None = None  # a long text box's height in points, where the default will not do

    @property
    def choices(self) -> tuple[str, ...]:
        """The values a yes/no or choice field offers."""
        return YES_NO if self.type == "yesno" else self.options

    def cell_name(self, row: int, column: str) -> str:
        """The name of one cell of a ``rows`` field in the PDF and Word files (``row`` from 1)."""
        return f"{self.name}_{row}_{column}"

    def widget_names(self) -> list[str]:
        """Every box this field is drawn as: its own name, or one per cell for a table."""
        if self.type != "rows":
            return [self.name]
        return [self.cell_name(r, c.name) for r in range(1, self.rows + 1) for c in self.columns]


@dataclass(frozen=True)
class Section:
    number: str
    label: str
    fields: tuple[Field, ...]

    @property
    def heading(self) -> str:
        """The section as printed on the form, e.g. ``3. Name of Child, Young Person / DOB / DOD``."""
        return f"{self.number}. {self.label}" if self.number else self.label


@dataclass(frozen=True)
class Check:
    """One rule between boxes (see the module's docstring)."""

    kind: str  # "order", "required" or "one_of"
    fields: tuple[str, ...]  # order: (earlier, later); required: the boxes required; one_of: the boxes
    message: str
    expected: str = ""
    when: tuple[tuple[str, tuple], ...] = ()  # required: (box, the values that make it so), all must hold
    when_answered: str = ""  # required: the box whose answer makes it so


@dataclass(frozen=True)
class FormDef:
    id: str  # as printed, e.g. CIGSCR1
    version: str
    title: str
    note: str
    sections: tuple[Section, ...]
    checks: tuple[Check, ...] = ()
    roles: tuple[tuple[str, str], ...] = ()  # (role, box): which boxes hold the subject's details (ROLES)

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    def role(self, name: str) -> str | None:
        """The box that holds ``name`` (``subject_name``, ``subject_dob``, ``people``...), or None."""
        return dict(self.roles).get(name)

    def value(self, values: dict, role: str, default=None):
        """The value the form's ``values`` hold for ``role`` (``default`` when the form has no such box)."""
        box = self.role(role)
        return values.get(box, default) if box else default

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def section_of(self, name: str) -> Section:
        for section in self.sections:
            if any(f.name == name for f in section.fields):
                return section
        raise KeyError(name)

    def describe(self, name: str) -> str:
        """A field as the user sees it on the printed form, for messages: section number, label, field."""
        section = self.section_of(name)
        label = self.field(name).label
        where = f"section {section.number} ({section.label})" if section.number else section.label
        return where if label == section.label else f"{where}, '{label}'"

    def in_terms(self, terms: dict[str, str]) -> "FormDef":
        """The form with the process's words put into its texts: a ``{board}`` (or any other term of the
        process) in its title, note, section labels, field labels or column headings. A name that is not
        a term stays as written."""
        from dataclasses import replace

        class Terms(dict):
            def __missing__(self, key: str) -> str:
                return "{" + key + "}"

        words = Terms(terms)

        def put(text: str) -> str:
            if "{" not in text:
                return text
            try:
                return text.format_map(words)
            except (ValueError, IndexError, AttributeError):  # braces that are not a term: leave the text as written
                return text

        def field(f: Field) -> Field:
            return replace(f, label=put(f.label), columns=tuple(replace(c, label=put(c.label)) for c in f.columns))

        return replace(self, title=put(self.title), note=put(self.note),
                       sections=tuple(replace(s, label=put(s.label), fields=tuple(field(f) for f in s.fields))
                                      for s in self.sections))

    def widgets(self) -> Iterator[tuple[str, Field, Column | None]]:
        """Every box on the form: (widget name, its field, its table column or None)."""
        for f in self.fields:
            if f.type == "rows":
                for row in range(1, f.rows + 1):
                    for column in f.columns:
                        yield f.cell_name(row, column.name), f, column
            else:
                yield f.name, f, None


class FormDefinitionError(InputError):
    """A form definition in forms/ that lifkit cannot use (only an edited installation has one)."""


def _build(data: dict, source: str) -> FormDef:
    def need(mapping: dict, key: str, where: str):
        if key not in mapping:
            raise FormDefinitionError(f"{source}: {where} has no '{key}'.")
        return mapping[key]

    sections = []
    seen: set[str] = set()
    for s_index, s in enumerate(need(data, "sections", "the form")):
        number = str(s.get("number", "") or "")
        fields = []
        for f in need(s, "fields", f"section {number or s_index + 1}"):
            name = need(f, "name", f"a field in section {number}")
            kind = need(f, "type", f"field {name}")
            if kind not in FIELD_TYPES:
                raise FormDefinitionError(f"{source}: field {name} has type {kind!r}; use one of {', '.join(FIELD_TYPES)}.")
            if name in seen:
                raise FormDefinitionError(f"{source}: the field name {name} is used twice.")
            seen.add(name)
            columns = tuple(Column(c["name"], c["label"], c.get("type", "text"), float(c.get("width", 1)))
                            for c in f.get("columns", ()))
            if kind == "rows" and (not columns or int(f.get("rows", 0)) < 1):
                raise FormDefinitionError(f"{source}: table {name} needs columns and a row count.")
            if kind == "choice" and not f.get("options"):
                raise FormDefinitionError(f"{source}: choice {name} needs options.")
            fields.append(Field(
                name=name, label=str(need(f, "label", f"field {name}")).strip(), type=kind, section=number,
                options=tuple(str(o) for o in f.get("options", ())), rows=int(f.get("rows", 0)),
                columns=columns, prefilled=bool(f.get("prefilled", False)),
                height=float(f["height"]) if f.get("height") else None,
            ))
        sections.append(Section(number=number, label=str(need(s, "label", f"section {number}")).strip(),
                                fields=tuple(fields)))
    by_name = {f.name: f for section in sections for f in section.fields}
    checks = tuple(_check(entry, number, by_name, source)
                   for number, entry in enumerate(data.get("checks") or (), start=1))
    roles = data.get("roles") or {}
    if not isinstance(roles, dict):
        raise FormDefinitionError(f"{source}: roles is not a list of role: box (e.g. subject_name: child_name).")
    for role, box in roles.items():
        if not isinstance(role, str) or not role.replace("_", "").isalnum():
            raise FormDefinitionError(f"{source}: roles: {role!r} is not a role name (letters, digits and _).")
        if box not in by_name:
            raise FormDefinitionError(f"{source}: roles.{role} names {box!r}, which is not a box of this form.")
        wanted = ROLE_TYPES.get(role)
        if wanted and by_name[box].type not in wanted:
            raise FormDefinitionError(f"{source}: roles.{role} names {box!r}, a {by_name[box].type} box; "
                                      f"it must be a {' or '.join(wanted)} box.")
    return FormDef(id=str(need(data, "id", "the form")), version=str(need(data, "version", "the form")),
                   title=str(need(data, "title", "the form")).strip(), note=str(data.get("note", "")).strip(),
                   sections=tuple(sections), checks=checks, roles=tuple((str(k), str(v)) for k, v in roles.items()))


def _check(entry, index: int, fields: dict[str, Field], source: str) -> Check:
    """One entry of a definition's ``checks``, every name and value in it checked against the form."""
    where = f"{source}: check #{index}"
    if not isinstance(entry, dict):
        raise FormDefinitionError(f"{where} is not a rule; give one of {', '.join(CHECK_KINDS)} and a message.")
    kinds = [kind for kind in CHECK_KINDS if kind in entry]
    if len(kinds) != 1:
        raise FormDefinitionError(f"{where} needs exactly one of {', '.join(CHECK_KINDS)}.")
    kind = kinds[0]
    names = entry[kind]
    names = (names,) if isinstance(names, str) else tuple(names or ())
    if not entry.get("message"):
        raise FormDefinitionError(f"{where} has no message.")
    unknown = set(entry) - {kind, "message", "expected", "when", "when_answered"}
    if unknown:
        raise FormDefinitionError(f"{where} has {', '.join(sorted(unknown))}, which a check does not use.")

    def known(name, what: str) -> Field:
        if name not in fields:
            raise FormDefinitionError(f"{where} names {name!r} ({what}), which is not a box of this form.")
        return fields[name]

    for name in names:
        known(name, kind)
    if kind == "order" and (len(names) != 2 or any(fields[n].type != "date" for n in names)):
        raise FormDefinitionError(f"{where}: order compares two dates, the earlier first.")
    if kind == "order":
        try:
            str(entry["message"]).format(first="", second="")
        except (KeyError, IndexError, ValueError):
            raise FormDefinitionError(f"{where}: its message can use {{first}} and {{second}} (the two dates), "
                                      "and no other {...}.") from None
    if kind == "one_of" and len(names) < 2:
        raise FormDefinitionError(f"{where}: one_of needs two boxes or more.")
    if not names:
        raise FormDefinitionError(f"{where} names no box.")
    when = []
    for name, wanted in (entry.get("when") or {}).items():
        condition = known(name, "when")
        wanted = tuple(wanted) if isinstance(wanted, list) else (wanted,)
        allowed = (True,) if condition.type == "tick" else condition.choices
        bad = [value for value in wanted if value not in allowed]
        if bad or not allowed:
            raise FormDefinitionError(f"{where}: {name} is never {bad[0] if bad else wanted[0]!r}; it is one of "
                                      f"{', '.join(map(repr, allowed)) or 'free text'} (quote Yes and No).")
        when.append((name, wanted))
    when_answered = entry.get("when_answered") or ""
    if when_answered:
        known(when_answered, "when_answered")
    if kind != "required" and (when or when_answered):
        raise FormDefinitionError(f"{where}: only a required check has a condition.")
    return Check(kind=kind, fields=names, message=str(entry["message"]).strip(),
                 expected=str(entry.get("expected") or "").strip(), when=tuple(when), when_answered=when_answered)


def load_form(form_id: str, root=None, terms: dict | None = None) -> FormDef:
    """The definition of ``form_id`` (e.g. ``cigscr1``, any case): the workspace's ``forms/<form_id>.yaml``
    when ``root`` is given and it has one, else the installed one. With ``terms`` (the process's, e.g.
    ``ws.process.terms``), its words may use them: a form shared by processes says "{board}" or "the
    {subject}'s name" and reads "the LSCB", "the adult's name"."""
    from lifkit.mechanics.resources import find

    key = form_id.strip().lower()
    if key not in form_ids(root):
        raise InputError(f"lifkit has no form {form_id!r}.",
                         f"The forms are: {', '.join(f.upper() for f in form_ids(root))}.")
    form = _load_found(key, find("forms", f"{key}.yaml", root))
    return _worded(form, tuple(sorted(terms.items()))) if terms else form


class _Terms(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@functools.lru_cache(maxsize=64)
def _worded(form: FormDef, terms: tuple) -> FormDef:
    """``form`` with the process's terms put into its words (a text with no {term} is left as it is)."""
    import dataclasses

    values = _Terms(terms)

    def say(text: str) -> str:
        if "{" not in text:
            return text
        try:
            return text.format_map(values)
        except (ValueError, IndexError, AttributeError):  # braces that are not a term: the text as written
            return text

    sections = tuple(dataclasses.replace(
        section, label=say(section.label),
        fields=tuple(dataclasses.replace(f, label=say(f.label), columns=tuple(
            dataclasses.replace(c, label=say(c.label)) for c in f.columns)) for f in section.fields))
        for section in form.sections)
    return dataclasses.replace(form, title=say(form.title), note=say(form.note), sections=sections)


@functools.lru_cache(maxsize=64)
def _load_found(key: str, found) -> FormDef:
    """One form definition, read once for each version of its file."""
    from lifkit.mechanics.resources import found_yaml

    source = found.where
    data = found_yaml(found)
    if not isinstance(data, dict):
        raise FormDefinitionError(f"{source} does not hold a form (a set of keys such as id, title, sections).")
    form = _build(data, source)
    if form.id.lower() != key:  # the schema and the returned forms' identity are found by the id
        raise FormDefinitionError(f"{source} says it is the form {form.id}; its id must match its file "
                                  f"name ({key.upper()}).")
    return form
