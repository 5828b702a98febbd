"""Form definitions: ``forms/<id>.yaml`` loaded into plain dataclasses.

One definition drives everything about a form: the PDF and Word renderings, extraction, validation
messages and the pack. A field's ``name`` is the same everywhere. A ``rows`` field (a table) is one
field in the definition, the schema and the returns JSON (a list of row dicts); in the PDF and Word
files each cell is its own box named ``<field>_<row>_<column>``, rows counted from 1.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterator

from lifkit.errors import InputError

FORM_IDS = ("cigscr1", "ciginf1")
FIELD_TYPES = ("text", "longtext", "date", "email", "phone", "yesno", "choice", "tick", "rows")
COLUMN_TYPES = ("text", "date", "yesno")
YES_NO = ("Yes", "No")
DATE_HINT = "dd/mm/yyyy"


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
class FormDef:
    id: str  # as printed, e.g. CIGSCR1
    version: str
    title: str
    note: str
    sections: tuple[Section, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for s in self.sections for f in s.fields)

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
    return FormDef(id=str(need(data, "id", "the form")), version=str(need(data, "version", "the form")),
                   title=str(need(data, "title", "the form")).strip(), note=str(data.get("note", "")).strip(),
                   sections=tuple(sections))


@functools.lru_cache(maxsize=None)
def load_form(form_id: str) -> FormDef:
    """The definition of ``form_id`` (``cigscr1`` or ``ciginf1``, any case)."""
    from lifkit.mechanics.resources import load_yaml

    key = form_id.strip().lower()
    if key not in FORM_IDS:
        raise InputError(f"lifkit has no form {form_id!r}.", f"The forms are: {', '.join(f.upper() for f in FORM_IDS)}.")
    return _build(load_yaml("forms", f"{key}.yaml"), f"forms/{key}.yaml")
