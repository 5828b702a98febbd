"""The Learning and Improvement Index (the framework's Appendix One): every review and audit, its type
(from the process's list, the framework's Table 1), its name (a pseudonym, never a child's name), the
date its findings went to the board, the case overview or methodology, the numbered findings and
learning, the improvement activity and the evidence of improvement.

Entries are kept in the workspace's ``learning.yaml`` (``lifkit learning add``). An entry for a review
lifkit ran (``--case REF``) starts from the case: its type from the decision, and, whenever the index is
written, the action plan's actions as improvement activity and the agencies' evidence as evidence of
improvement, after what the administrator typed. ``lifkit learning index`` writes the index as a Word
document in the order and layout of Appendix One, and refuses (exit status 2, saying where) to write any
name, date of birth or address found in a case folder.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifkit.case.actionplan import action_plan
from lifkit.case.folder import case_references, load_case
from lifkit.case.identifiers import case_identifiers
from lifkit.documents.identifiers import Identifiers
from lifkit.errors import InputError
from lifkit.mechanics.dates import format_date, today

LEARNING_FILE = "learning.yaml"
INDEX_TEMPLATE = "learning-index.docx"
TEXT_FIELDS = ("name", "overview", "findings", "improvement", "evidence")
FIELD_LABELS = {"name": "Name", "overview": "Case overview / methodology", "findings": "Summary of findings / learning",
                "improvement": "Improvement activity", "evidence": "Evidence of improvement"}


@dataclass
class Entry:
    id: str  # L1, L2...
    type: str
    name: str
    reported: dt.date | None = None
    overview: str = ""
    findings: list[str] = field(default_factory=list)
    improvement: list[str] = field(default_factory=list)
    evidence: str = ""
    case: str = ""  # the case lifkit ran, when it is one
    added: dt.date | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "type": self.type, "name": self.name,
                "reported": self.reported.isoformat() if self.reported else None, "overview": self.overview,
                "findings": list(self.findings), "improvement": list(self.improvement), "evidence": self.evidence,
                "case": self.case, "added": self.added.isoformat() if self.added else None}


@dataclass
class EntryResult:
    entry: Entry
    created: bool
    file: Path


@dataclass
class IndexResult:
    file: Path
    year: int | None
    entries: int
    sections: dict[str, int]  # section title -> entries in it
    message: str | None = None  # an edited index kept, the new one beside it
    from_cases: list[str] = field(default_factory=list)  # decided cases listed though learning.yaml has no entry


class SensitiveInIndex(InputError):
    """The index would hold a name, date of birth or address from a case folder: nothing is written."""


# --- the entries ---------------------------------------------------------------------------------


def _path(ws) -> Path:
    return ws.root / LEARNING_FILE


def load_entries(ws) -> list[Entry]:
    import yaml

    from lifkit.mechanics.resources import parse_yaml

    path = _path(ws)
    if not path.is_file():
        return []
    try:
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} cannot be read: {exc}", "Correct it, or restore it from the workspace backup.") from None
    entries = []
    for number, item in enumerate(data.get("entries") or [], start=1):
        if not isinstance(item, dict) or not item.get("id") or not item.get("type"):
            raise InputError(f"{path}: entry {number} has no id or type.", "Correct it, or restore it from the "
                             "workspace backup.")

        def day(value):
            if isinstance(value, dt.date):
                return value
            try:
                return dt.date.fromisoformat(str(value)) if value else None
            except ValueError:
                raise InputError(f"{path}: entry {item['id']} has {value!r}, not a date (yyyy-mm-dd).") from None

        entries.append(Entry(id=str(item["id"]), type=str(item["type"]), name=str(item.get("name") or ""),
                             reported=day(item.get("reported")), overview=str(item.get("overview") or ""),
                             findings=[str(f) for f in item.get("findings") or []],
                             improvement=[str(i) for i in item.get("improvement") or []],
                             evidence=str(item.get("evidence") or ""), case=str(item.get("case") or ""),
                             added=day(item.get("added"))))
    return entries


def _save(ws, entries: list[Entry]) -> None:
    import yaml

    from lifkit.mechanics.files import atomic_write_text

    word = ws.process.subject.one
    header = ("# The Learning and Improvement Index's entries, kept by `lifkit learning add` (one per review or\n"
              f"# audit). Names are pseudonyms (\"{word.capitalize()} known as Mary\"), never {ws.process.subject.a}'s name.\n")
    atomic_write_text(_path(ws), header + yaml.safe_dump({"entries": [e.to_dict() for e in entries]},
                                                         allow_unicode=True, sort_keys=False, width=100))


def add_entry(ws, type_: str | None = None, name: str | None = None, reported: dt.date | None = None,
              overview: str | None = None, findings: list[str] | None = None, improvement: list[str] | None = None,
              evidence: str | None = None, case: str | None = None) -> EntryResult:
    """Record an entry, or complete the entry of case ``case`` (what is given replaces what was there)."""
    learning = ws.process.after_decision()
    entries = load_entries(ws)
    existing = None
    reference = ""
    default_type = ""
    if case:
        from lifkit.case.state import case_state

        reference = load_case(ws, case).reference
        existing = next((e for e in entries if e.case == reference), None)
        state = case_state(ws, reference)
        option = next((o for o in ws.process.options if o.name == state.decision), None)
        if option is None:
            raise InputError(f"{reference} has no {ws.process.term('decision')} yet, so it has no review for the index.",
                             "Record the decision first, or add the entry without --case.")
        default_type = option.learning_type
    kind = learning.type(type_).name if type_ else (existing.type if existing else default_type)
    if not kind:
        raise InputError("Give the type of review or audit with --type.",
                         "The types are: " + "; ".join(t.name for t in learning.types) + ".")
    if existing is None and not (name or "").strip():
        word = ws.process.subject.one
        raise InputError(f"Give the review's name with --name: a pseudonym such as \"{word.capitalize()} known as Mary\", "
                         f"never the {word}'s name.")
    entry = existing or Entry(id=_next_id(entries), type=kind, name="", case=reference, added=today())
    entry.type = kind
    if name is not None:
        entry.name = " ".join(name.split())
    if reported is not None:
        entry.reported = reported
    if overview is not None:
        entry.overview = overview.strip()
    if findings:
        entry.findings = [f.strip() for f in findings if f.strip()]
    if improvement:
        entry.improvement = [i.strip() for i in improvement if i.strip()]
    if evidence is not None:
        entry.evidence = evidence.strip()
    found = _sensitive_in([entry], _sensitive(ws, [reference] if reference else case_references(ws)))
    if found:
        raise SensitiveInIndex("The entry was not recorded:\n" + "\n".join(f"  - {f}" for f in found),
                               "The index uses pseudonyms and no personal details: take them out and run the "
                               "command again.")
    if existing is None:
        entries.append(entry)
    _save(ws, entries)
    return EntryResult(entry, existing is None, _path(ws))


def _next_id(entries: list[Entry]) -> str:
    numbers = [int(e.id[1:]) for e in entries if re.fullmatch(r"L\d+", e.id)]
    return f"L{max(numbers, default=0) + 1}"


# --- what a case adds ------------------------------------------------------------------------------


def _from_case(ws, entry: Entry) -> tuple[list[str], list[str]]:
    """The action plan's improvement activity and evidence, for an entry of a case lifkit ran."""
    if not entry.case:
        return [], []
    plan = action_plan(load_case(ws, entry.case))
    improvement, evidence = [], []
    for action in plan.actions:
        improvement.append(f"{action.text} ({action.agency}, due {format_date(action.due)}): {action.status.lower()}")
        if action.evidence or action.impact:
            parts = [action.evidence] + ([f"impact: {action.impact}"] if action.impact else [])
            evidence.append(f"{action.agency}: " + "; ".join(p for p in parts if p))
    return improvement, evidence


# --- the sensitive check ---------------------------------------------------------------------------


def _sensitive(ws, references: list[str]) -> dict[str, Identifiers]:
    """Every case's names, dates of birth and addresses (:func:`case_identifiers`: the words that name the
    board and its member agencies are never identifiers on their own)."""
    return {ref: case_identifiers(ws, load_case(ws, ref)) for ref in references}


def _scrubbed(text: str, sensitive: dict[str, Identifiers]) -> str:
    for ids in sensitive.values():
        text = ids.scrub(text)
    return text


def _texts(entry: Entry, extra_improvement=(), extra_evidence=()) -> list[tuple[str, str]]:
    texts = [(FIELD_LABELS["name"], entry.name), (FIELD_LABELS["overview"], entry.overview)]
    texts += [(f"{FIELD_LABELS['findings']}, finding {n}", f) for n, f in enumerate(entry.findings, start=1)]
    texts += [(f"{FIELD_LABELS['improvement']}, item {n}", i)
              for n, i in enumerate([*entry.improvement, *extra_improvement], start=1)]
    texts += [(FIELD_LABELS["evidence"], "\n".join([entry.evidence, *extra_evidence]))]
    return texts


def _sensitive_in(entries, sensitive: dict[str, Identifiers], extras: dict[str, tuple] | None = None) -> list[str]:
    """Where an identifier appears (a whole word or date), in words; the identifier itself is not repeated,
    so that the message is safe to keep or forward."""
    found = []
    for entry in entries:
        more = (extras or {}).get(entry.id, ((), ()))
        for label, text in _texts(entry, *more):
            for ref, ids in sensitive.items():
                hits = ids.find(text or "")
                if hits:
                    found.append(f"entry {entry.id} ({entry.type}), '{label}', at character {hits[0].start + 1}: "
                                 f"a name, date of birth or address from case {ref}'s folder")
                    break
    return found


# --- the index --------------------------------------------------------------------------------------


def write_index(ws, year: int | None = None, output: Path | None = None) -> IndexResult:
    """The index as a Word document in the order and layout of Appendix One (the entries reported in
    ``year``, or all), after checking that it holds no personal details from any case folder."""
    from lifkit.documents.drafts import write_draft
    from lifkit.documents.wordform import render_document_bytes

    learning = ws.process.after_decision()
    entries = load_entries(ws)
    automatic = _decided_cases(ws, entries)
    entries += automatic
    if year is not None:
        entries = [e for e in entries if e.reported and ws.process.reporting_year(e.reported) == year]
    extras = {e.id: _from_case(ws, e) for e in entries}
    sensitive = _sensitive(ws, case_references(ws))
    # what the cases' action plans add was typed elsewhere (an action recorded with --allow-names, an agency's
    # update): it is scrubbed here, never a reason to refuse the index the entries themselves pass
    extras = {ident: tuple([_scrubbed(text, sensitive) for text in texts] for texts in pair)
              for ident, pair in extras.items()}
    found = _sensitive_in(entries, sensitive, extras)
    if found:
        raise SensitiveInIndex("The index was not written: it would hold personal details:\n"
                               + "\n".join(f"  - {f}" for f in found),
                               "Take them out with `lifkit learning add` (or in learning.yaml), then write the index "
                               "again.")
    types = {t.name: t for t in learning.types}
    sections = []
    for ident, title in learning.sections:
        title = ws.settings.learning_sections.get(ident, title)  # the board's own name, from lifkit.toml
        mine = sorted((e for e in entries if types.get(e.type) and types[e.type].section == ident),
                      key=lambda e: (e.reported or dt.date.max, e.id))
        sections.append({"title": title, "entries": [_entry_context(ws, e, extras[e.id]) for e in mine]})
    unknown = [e for e in entries if e.type not in types]
    if unknown:
        raise InputError("Entries of types the process does not list: "
                         + ", ".join(f"{e.id} ({e.type})" for e in unknown) + ".",
                         "Change their type with lifkit learning add ... --type TYPE (the types: "
                         + "; ".join(types) + ").")
    period = "All entries"
    if year is not None:
        first, last = ws.process.reporting_period(year)
        period = f"Entries reported in {ws.process.reporting_year_name(year)}" + (
            f" ({first.strftime('%B %Y')} to {last.strftime('%B %Y')})" if first.month != 1 else "")
    target = output or ws.root / f"learning-index{'-' + str(year) if year else ''}.docx"
    if Path(target).is_dir():
        target = Path(target) / f"learning-index{'-' + str(year) if year else ''}.docx"
    if Path(target).suffix.lower() != ".docx":
        raise InputError(f"{target} does not end in .docx.", "Name the index's file NAME.docx, or give a folder.")
    context = {"title": learning.index_title, "board_name": ws.settings.board_name, "period": period,
               "made": format_date(today()), "board": ws.process.term("board"), "sections": sections}
    # a draft a person may edit: an edited index is kept and the new one goes beside it
    written = write_draft(Path(target), render_document_bytes(INDEX_TEMPLATE, context, learning.index_title,
                                                                       root=ws.root))
    return IndexResult(written.path, year, len(entries), {s["title"]: len(s["entries"]) for s in sections},
                       written.message, [e.case for e in automatic if e in entries])


def _decided_cases(ws, entries: list[Entry]) -> list[Entry]:
    """An entry for each decided case that has none in learning.yaml, so that every review (a rapid review
    without an LCSPR as much as one with) is in the index: its type from the outcome, named by its
    reference, reported in the month of the decision, its overview the outcome and how the learning is
    taken forward (scrubbed of names, dates of birth and addresses). ``lifkit learning add --case`` gives
    it a pseudonym and findings."""
    from lifkit.case.state import decision_so_far
    from lifkit.case.folder import journal

    listed = {e.case for e in entries if e.case}
    made = []
    for reference in case_references(ws):
        if reference in listed:
            continue
        case = load_case(ws, reference)
        state = decision_so_far(ws.process, journal(case.folder))
        option = next((o for o in ws.process.options if o.name == state.outcome), None)
        if not state.decided or option is None or not option.learning_type:
            continue
        rec = state.recommendation or {}
        ids = case_identifiers(ws, case)
        overview = f"Outcome: {option.label or option.name}, {format_date(state.decision_date)}."
        if rec.get("learning"):
            overview += f" How the learning is taken forward: {ids.scrub(rec['learning'])}"
        made.append(Entry(id=reference, type=option.learning_type, name=f"Case {reference}",
                          reported=state.decision_date, overview=overview, case=reference))
    return made


def _entry_context(ws, entry: Entry, extra: tuple[list[str], list[str]]) -> dict[str, Any]:
    improvement = [*entry.improvement, *extra[0]]
    evidence = "\n".join(x for x in [entry.evidence, *extra[1]] if x)
    return {"type": entry.type, "name": entry.name,
            "date": entry.reported.strftime("%B %Y") if entry.reported else "not yet reported",
            "overview": entry.overview or "Not recorded.",
            "findings": entry.findings or ["Not recorded."],
            "improvement": improvement or ["Not recorded."],
            "evidence": evidence or "Not recorded."}
