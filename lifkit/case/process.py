"""The process a workspace runs, as data: ``processes/<id>.yaml`` (shipped) or the workspace's own
``process.yaml`` (made by ``lifkit process copy``).

A process holds everything a board decides: the words the user sees, the referral and request forms,
the deadlines (what starts each and its length in calendar days, calendar months or working days), the
options at each decision and who decides how (one chair who affirms or challenges, or partners who
each sign off), the notices, the pack's agenda, the summary document and the register columns lifkit
owns. Nothing else in lifkit names a deadline, an option or a word like "CIEC".

A process file is checked against ``schemas/process.yaml`` and then for what a schema cannot say;
every mistake is reported with its line and key (:class:`ProcessError`, exit status 2).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifkit.case.process_check import COLUMN_ALIASES, form_ids_for, node_lines, problems
from lifkit.case.starts import parse_start
from lifkit.errors import InputError

DEFAULT_PROCESS = "lscb-2016"
WORKSPACE_PROCESS_FILE = "process.yaml"
LENGTH_RE = re.compile(r"^(-?\d+) (day|days|working day|working days|month|months)$")


PACK_FIELDS = ("due_phrase",)


class ProcessError(InputError):
    """A process file with mistakes: each is listed with its line and key."""

    def __init__(self, path: str, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path} has {len(problems)} mistake{'s' if len(problems) != 1 else ''}:\n{lines}",
                         "Correct the process file (or remove the workspace's process.yaml to use the shipped one), "
                         "then check it with: lifkit config check")


# --- plain data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Length:
    count: int
    unit: str  # "days", "working days" or "months"

    @classmethod
    def parse(cls, text: str) -> "Length":
        match = LENGTH_RE.match(text.strip())
        if not match:
            raise ValueError(text)
        unit = match.group(2)
        return cls(int(match.group(1)), unit if unit.endswith("s") else unit + "s")

    def after(self, start: dt.date, calendar) -> dt.date:
        """The date this length after ``start`` (before it, when negative)."""
        from lifkit.mechanics import workdays

        if self.unit == "days":
            return start + dt.timedelta(days=self.count)
        if self.unit == "months":
            return workdays.add_months(start, self.count)
        return calendar.add_working_days(start, self.count)

    def __str__(self) -> str:
        unit = self.unit[:-1] if abs(self.count) == 1 else self.unit
        return f"{self.count} {unit}"


@dataclass(frozen=True)
class Deadline:
    id: str
    label: str
    start: str  # as written; parse_start() reads it (an event, notice:<id>, a deadline's id, date:, yearly:, ...)
    length: Length
    overdue_label: str = ""
    not_after: str | None = None  # "meeting": due by the meeting if that is sooner
    not_before: str | None = None  # "issued": never before the request went out
    when: str | None = None  # "review": only when the decision is a review
    met_column: str = ""

    @property
    def describe(self) -> str:
        return self.overdue_label or self.label


@dataclass(frozen=True)
class Option:
    name: str
    review: bool = False
    label: str = ""  # how the pack's agenda names it (default: the name)
    description: str = ""
    aliases: tuple[str, ...] = ()
    needs: str | None = None  # "learning": how the learning will be taken forward must be given
    needs_label: str = ""
    action_plan: bool = False  # the review it commissions gets an action plan
    learning_type: str = ""  # its type in the Learning and Improvement Index


@dataclass(frozen=True)
class Partner:
    code: str
    name: str


@dataclass(frozen=True)
class Flag:
    id: str
    label: str
    option: str = ""


@dataclass(frozen=True)
class Recommendation:
    by: str
    title: str
    further_information: bool = False
    criteria: bool = False


@dataclass(frozen=True)
class Decision:
    mode: str  # "chair" or "partners"
    by: str
    title: str
    deadline: str
    role: str = ""
    responses: tuple[str, ...] = ()
    partners: tuple[Partner, ...] = ()
    flags: tuple[Flag, ...] = ()

    def partner(self, code: str) -> Partner:
        for partner in self.partners:
            if partner.code == code.strip().upper():
                return partner
        raise InputError(f"{code!r} is not one of the {self.by}.",
                         "Use one of: " + ", ".join(f"{p.code} ({p.name})" for p in self.partners) + ".")


@dataclass(frozen=True)
class Criterion:
    field: str
    key: str
    label: str
    tag: str = ""
    question: str = ""


@dataclass(frozen=True)
class Notice:
    id: str
    label: str
    address: str = ""  # a key of [notifications] in lifkit.toml, or "referrer"
    when: str = "decided"  # "decided", "opened" (due from the case's start), "review" or "closed" (see Close)
    draft: bool = True
    due_start: str | None = None
    due_length: Length | None = None
    due_deadline: str | None = None
    due_unless: str | None = None  # "review": no due date when the decision is a review
    overdue_label: str = ""
    unrecorded_label: str = ""
    anonymised: bool | str = False  # True, False or "unless_review"
    reply: str = ""  # what the reply is called, when one is expected
    subject: str = ""
    body: str = ""
    body_review: str = ""
    attach: str = ""  # "summary": the draft carries the Panel's copy of the summary (the version signed)

    def is_anonymised(self, review: bool) -> bool:
        return self.anonymised is True or (self.anonymised == "unless_review" and not review)


@dataclass(frozen=True)
class Close:
    """Closing a case without the process's decision, for a reason (a notification found not to meet the
    criteria): ``lifkit decide REF --not-met "reason"``. Its notices are those ``when: closed``."""

    outcome: str  # what the register and status call the outcome, e.g. "Criteria not met"
    label: str = ""  # a sentence saying what it means
    by: str = ""  # who decides it


@dataclass(frozen=True)
class SummaryPart:
    """One part of the summary document: its heading, and the request form's boxes it gathers from each
    agency's return (``fields``), or the table of rows it merges (``table``)."""

    id: str
    title: str
    fields: tuple[str, ...] = ()
    table: str = ""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str
    width: float


@dataclass(frozen=True)
class AgendaPart:
    id: str
    title: str
    text: str = ""
    practitioners: bool = False
    criteria: bool = False
    options: str = ""  # the words before the list of options, when the part lists them
    closing: str = ""


@dataclass(frozen=True)
class LearningType:
    """One type of review or audit (the framework's Table 1) and the part of the index it goes in."""

    name: str
    section: str
    aliases: tuple[str, ...] = ()
    initiation: str = ""
    methodology: str = ""


@dataclass(frozen=True)
class Learning:
    """After the decision: the action plan, the review meeting and the Learning and Improvement Index."""

    action_plan: str
    review_meeting: str
    index_title: str
    sections: tuple[tuple[str, str], ...]  # (id, title), in the index's order
    types: tuple[LearningType, ...]
    update_every: Length | None = None
    pack_title: str = ""  # the title of the review meeting's pack; "" : "<Action plan>: progress review"

    @property
    def action_plan_title(self) -> str:
        """The action plan's name at the start of a title or an email's subject: "Action plan"."""
        return f"{self.action_plan[:1].upper()}{self.action_plan[1:]}"

    @property
    def actions_pack_title(self) -> str:
        """The title of the pack for the meeting that reviews the action plans, as the process names it."""
        return self.pack_title or f"{self.action_plan_title}: progress review"

    def type(self, text: str) -> LearningType:
        """One of the types, from what the administrator typed (any case, or one of its short names)."""
        key = " ".join(str(text).lower().replace("_", " ").split())
        for kind in self.types:
            if key == kind.name.lower() or key in (a.lower() for a in kind.aliases):
                return kind
        raise InputError(f"{text!r} is not one of the types of review or audit.",
                         "Use one of: " + "; ".join(k.name for k in self.types) + ".")

    def section_title(self, ident: str) -> str:
        return dict(self.sections)[ident]


@dataclass(frozen=True)
class Planned:
    """A date planned for a case (e.g. publication): until one is recorded, ``length`` after ``start``."""

    id: str
    label: str
    start: str
    length: Length


@dataclass(frozen=True)
class Stage:
    """One stage of the review a decision commissions: what marks it done, who owns it, and its clock."""

    id: str
    label: str
    owner: str  # a role of the process, or contact:<name>
    done: str = "date"  # "date", "document", "outcome" (one of ``outcomes``, with the reason) or "reviewer"
    outcomes: tuple[str, ...] = ()
    recurring: bool = False
    every: Length | None = None  # a recurring stage falls due again this long after each occurrence
    until: str | None = None  # a recurring stage is no longer due once this stage is done
    after: tuple[str, ...] = ()  # the stages done before it
    start: str | None = None  # its clock: a start (as a deadline's) and a length, or a deadline
    length: Length | None = None
    deadline: str | None = None
    notice: str | None = None  # recorded as this notice of the process
    ahead_of: tuple[str, Length] | None = None  # (planned id, length): done at least this long before it
    publication: bool = False
    scan: str | None = None  # "refuse" or "warn": its document must not name the case's people
    request: dict | None = None  # {to, subject, body}: a written request drafted with each occurrence
    form: str | None = None  # the form sent to the agencies when it is done (their returns: done "returns")

    @property
    def key(self) -> str:
        return self.id.replace("_", "-")


@dataclass(frozen=True)
class Review:
    """The commissioned review's stages, the dates planned for it and the texts lifkit drafts for it."""

    stages: tuple[Stage, ...]
    planned: tuple[Planned, ...] = ()
    reviewer: str = ""  # the role the case's reviewer fills
    roles: dict = field(default_factory=dict)  # the review's owners besides the process's roles
    reminder: dict | None = None  # {subject, body}
    pack: dict | None = None  # {title}: the review panel's meeting pack
    not_published: dict | None = None  # {address, subject, body}

    def stage(self, text: str) -> Stage:
        """One of the stages, from what the administrator typed (its id, with hyphens or underscores)."""
        key = " ".join(str(text).strip().lower().replace("-", " ").replace("_", " ").split())
        for stage in self.stages:
            if key in (stage.id.replace("_", " "), stage.label.lower()):
                return stage
        raise InputError(f"{text!r} is not a stage of the review.",
                         "Use one of: " + ", ".join(s.key for s in self.stages) + ".")

    def planned_date(self, ident: str) -> Planned | None:
        return next((p for p in self.planned if p.id == ident), None)

    @property
    def publication(self) -> Stage | None:
        return next((s for s in self.stages if s.publication), None)


@dataclass(frozen=True)
class Subject:
    """Whom the process's reviews are about: the words for one and for several, and how many a case has."""

    one: str = "child"
    many: str = "children"
    max: int = 1

    @property
    def a(self) -> str:
        """The word with its article: "a child", "an adult"."""
        return ("an " if self.one[:1].lower() in "aeiou" else "a ") + self.one

    def word(self, count: int = 1, capital: bool = False) -> str:
        """The word for ``count`` subjects ("child", "children"), with a capital first letter if asked."""
        text = self.one if count == 1 else self.many
        return text[:1].upper() + text[1:] if capital else text


@dataclass(frozen=True)
class Process:
    id: str
    version: str
    name: str
    description: str
    terms: dict[str, str]
    roles: dict[str, str]
    meeting_chair: str
    references: str
    referral_form: str
    request_form: str
    deadlines: tuple[Deadline, ...]
    recommendation: Recommendation
    decision: Decision
    options: tuple[Option, ...]
    criteria: tuple[Criterion, ...]
    notices: tuple[Notice, ...]
    emails: dict[str, str]
    summary_id: str
    summary_title: str
    summary_template: str
    pack: dict[str, Any]
    agenda: tuple[AgendaPart, ...]
    register_columns: tuple[Column, ...]
    learning: Learning | None = None
    close: Close | None = None
    summary_parts: tuple[SummaryPart, ...] = ()  # the summary's parts, in order (none: the template's own)
    summary_marking: str = ""  # the protective marking in the summary's header, e.g. OFFICIAL-SENSITIVE
    scoping_period: Length | None = None  # how far before the incident the agencies' summaries look back
    review: Review | None = None  # the stages of the review a decision commissions
    starting_members: tuple[tuple[str, str], ...] = ()  # (code, agency) for `lifkit init`; () : the usual 15
    source: str = ""  # where it was read from, for messages
    shipped: bool = True
    reporting_year_starts: int = 1  # the reporting year's first month (4: a SAB's April to March)
    distinctive_words: tuple[str, ...] = ()  # words of this process only (a test keeps them out of others')
    subject: Subject = Subject()  # a process that names none (a copy made by lifkit 0.1.0): one child

    # --- words --------------------------------------------------------------------------------

    def term(self, name: str) -> str:
        return self.terms[name]

    def text(self, template: str, **values: Any) -> str:
        """``template`` with the terms and ``values`` put in ({committee}, {reference}, ...)."""
        return template.format_map(_Fields({**self.terms, **values}))

    # --- look-ups ------------------------------------------------------------------------------

    def deadline(self, ident: str) -> Deadline | None:
        return next((d for d in self.deadlines if d.id == ident), None)

    def notice(self, ident: str) -> Notice:
        key = ident.strip().lower().replace("-", "_")
        for notice in self.notices:
            if notice.id == key:
                return notice
        raise InputError(f"{ident!r} is not a notice of this process.",
                         "Use one of: " + ", ".join(n.id.replace("_", "-") for n in self.notices) + ".")

    def option(self, text: str) -> Option:
        """One of the options, from what the administrator typed: its exact name or a listed short name,
        case and spacing aside (hyphens included: "No SAR - other learning"), else the same with hyphens and
        underscores read as spaces ("no-review"). The process check makes sure no two options read alike."""
        def exact(value: str) -> str:
            return " ".join(str(value).casefold().split())

        def loose(value: str) -> str:
            return " ".join(str(value).casefold().replace("_", " ").replace("-", " ").split())

        for norm in (exact, loose):
            key = norm(text)
            for option in self.options:
                if key == norm(option.name) or key in (norm(a) for a in option.aliases):
                    return option
        raise InputError(f"{text!r} is not one of the options.",
                         "Use one of: " + "; ".join(o.name for o in self.options) + ".")

    @property
    def option_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.options)

    # --- the reporting year --------------------------------------------------------------------

    def reporting_year(self, day: dt.date) -> int:
        """The reporting year ``day`` falls in, named by the calendar year it starts in."""
        return day.year if day.month >= self.reporting_year_starts else day.year - 1

    def reporting_period(self, year: int) -> tuple[dt.date, dt.date]:
        """The first and last days of reporting year ``year`` (1 April 2026 to 31 March 2027 for a SAB's 2026)."""
        return (dt.date(year, self.reporting_year_starts, 1),
                dt.date(year + 1, self.reporting_year_starts, 1) - dt.timedelta(days=1))

    def reporting_year_name(self, year: int) -> str:
        """How the year is written: "2026", or "2026/27" when it does not start in January."""
        return str(year) if self.reporting_year_starts == 1 else f"{year}/{(year + 1) % 100:02d}"

    def deadline_words(self, deadline: Deadline) -> str:
        """When ``deadline`` falls, in the process's words: "10 working days after the notification to
        the National Panel (sent, or else due), or by the rapid review meeting if that is sooner"."""
        length = deadline.length
        amount = str(Length(abs(length.count), length.unit))
        words = f"{amount} {'before' if length.count < 0 else 'after'} {self.start_words(deadline.start)}" \
            if length.count else f"on {self.start_words(deadline.start)}"
        if deadline.not_after == "meeting":
            words += f", or by the {self.terms['meeting']} if that is sooner"
        if deadline.not_before == "issued":
            words += f", and never before the {self.terms['request']} is sent"
        if deadline.when == "review":
            words += f" (only when a {self.terms['review']} is commissioned)"
        return words

    def start_words(self, start: str) -> str:
        """What a deadline's ``start`` is, as a person reads it."""
        from lifkit.mechanics.dates import format_date

        try:
            parsed = parse_start(start)
        except ValueError:
            return start
        if parsed.kind == "event":
            if parsed.name == "notified":
                return self.terms["notified"]
            if parsed.name == "issued":
                return f"the {self.terms['request']} is sent"
            return f"the {self.terms.get(parsed.name, parsed.name)}"
        if parsed.kind == "notice":
            notice = next((n for n in self.notices if n.id == parsed.name), None)
            if notice is None:
                return start
            deadline = self.deadline(notice.due_deadline) if notice.due_deadline else None
            if deadline is not None:
                return f"the {_lower_first(deadline.label)} (when it is made, or else when it is due)"
            return f"the {_lower_first(notice.label)} is told"
        if parsed.kind == "deadline":
            deadline = self.deadline(parsed.name)
            return _lower_first(deadline.label) if deadline is not None else start
        if parsed.kind == "date":
            return format_date(parsed.date)
        if parsed.kind == "yearly":
            day = f"{parsed.day:02d}/{parsed.month:02d}"
            return f"the next {day} after {self.start_words(str(parsed.after))}" if parsed.after else \
                f"the next {day} after the {self.terms['decision']}"
        stages = self.review.stages if self.review else ()
        planned = self.review.planned if self.review else ()
        if parsed.kind == "stage":
            stage = next((s for s in stages if s.id == parsed.name), None)
            return f"the stage '{stage.label}' is done" if stage else f"the {parsed.name.replace('_', ' ')} stage"
        plan = next((p for p in planned if p.id == parsed.name), None)
        if plan is not None:  # "LCSPR publication planned": the date planned for the LCSPR publication
            return f"the date planned for the {_lower_first(plan.label.removesuffix(' planned'))}"
        return f"the planned date of the {parsed.name.replace('_', ' ')}"

    def after_decision(self) -> Learning:
        """The process's learning part (action plans, the index), or a plain refusal when it has none."""
        if self.learning is None:
            raise InputError(f"The process {self.id} ({self.source or 'the workspace'}) has no 'learning' part, "
                             "so lifkit keeps no action plans or Learning and Improvement Index for it.",
                             "Add a learning part like the one in lifkit's processes/lscb-2016.yaml, then check "
                             "it with: lifkit config check")
        return self.learning


def _lower_first(label: str) -> str:
    """``label`` to go inside a sentence: "Notification to ..." reads "notification to ...", but an
    initialism ("LCSPR publication") or a name ("National Panel") keeps its capitals."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# --- finding and loading ---------------------------------------------------------------------


def shipped_processes() -> list[str]:
    """The ids of the processes installed with lifkit, sorted."""
    from importlib import resources

    folder = resources.files("lifkit.processes")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_shipped(name: str, root: Path | None = None) -> Process:
    if name not in shipped_processes():
        raise InputError(f"lifkit has no process {name!r}.",
                         "The processes are: " + ", ".join(shipped_processes()) + " (lifkit processes lists them).")
    from importlib import resources

    text = resources.files("lifkit.processes").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return _load_text(text, f"processes/{name}.yaml", shipped=True, forms=form_ids_for(root))


def load_process_file(path: Path, root: Path | None = None) -> Process:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProcessError(str(path), ["the file is not text (UTF-8)"]) from None
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror}.") from None
    return _load_text(text, str(path), shipped=False, forms=form_ids_for(root if root is not None else Path(path).parent))


def workspace_process(root: Path, name: str | None) -> Process:
    """The process of the workspace at ``root``: its own process.yaml if it has one, else the shipped
    process ``name`` (lifkit.toml's ``process``, by default lscb-2016)."""
    own = Path(root) / WORKSPACE_PROCESS_FILE
    if own.is_file():
        return load_process_file(own, root)
    return load_shipped(name or DEFAULT_PROCESS, root)


@functools.lru_cache(maxsize=8)
def _load_text(text: str, where: str, shipped: bool, forms: tuple[str, ...] = ()) -> Process:
    """The process in ``text``, checked. A process installed with lifkit (``shipped``) is not checked
    against the schema again here: the test suite checks every shipped process against it, and cerberus
    costs every command about 50 ms. The checks of meaning, which are cheap, run for every process."""
    import yaml

    from lifkit.mechanics.resources import parse_yaml

    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}: " if mark else ""
        raise ProcessError(where, [f"{place}not readable as YAML ({getattr(exc, 'problem', None) or exc})"]) from None
    if not isinstance(data, dict):
        raise ProcessError(where, ["the file does not hold a process (a set of keys such as id, terms, deadlines)"])
    if problems(data, {}, schema=not shipped, forms=forms):  # the lines are read only when there is a mistake to place
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        raise ProcessError(where, problems(data, node_lines(yaml.compose(text, Loader=loader)), schema=not shipped,
                                            forms=forms))
    return _build(data, where, shipped)


# --- line numbers --------------------------------------------------------------------------


# --- checking --------------------------------------------------------------------------------


# --- building --------------------------------------------------------------------------------


def _build(data: dict, where: str, shipped: bool) -> Process:
    decision = data["decision"]
    notices = []
    for n in data["notices"]:
        due = n.get("due") or {}
        notices.append(Notice(
            id=n["id"], label=n["label"], address=n.get("address", ""), when=n.get("when", "decided"),
            draft=n.get("draft", True), due_start=due.get("start"),
            due_length=Length.parse(due["length"]) if due.get("length") else None, due_deadline=due.get("deadline"),
            due_unless=due.get("unless"), overdue_label=n.get("overdue_label", ""),
            unrecorded_label=n.get("unrecorded_label", ""), anonymised=n.get("anonymised", False), reply=n.get("reply", ""),
            subject=n.get("subject", ""), body=n.get("body", ""), body_review=n.get("body_review", ""),
            attach=n.get("attach", "")))
    subject = Subject(**{k: v for k, v in (data.get("subject") or {}).items() if k in ("one", "many", "max")})
    terms = {"subject": subject.one, "subjects": subject.many, "subject_a": subject.a, **data["terms"]}
    return Process(
        id=data["id"], version=str(data["version"]), name=data["name"], description=data.get("description", ""),
        terms=terms, subject=subject, roles=dict(data["roles"]), meeting_chair=data["meeting_chair"],
        references=data["references"], referral_form=data["forms"]["referral"].lower(),
        request_form=data["forms"]["request"].lower(),
        deadlines=tuple(Deadline(id=d["id"], label=d["label"], start=d["start"], length=Length.parse(d["length"]),
                                 overdue_label=d.get("overdue_label", ""), not_after=d.get("not_after"),
                                 not_before=d.get("not_before"), when=d.get("when"), met_column=d.get("met_column", ""))
                        for d in data["deadlines"]),
        recommendation=Recommendation(**data["recommendation"]),
        decision=Decision(mode=decision["mode"], by=decision["by"], title=decision["title"],
                          deadline=decision["deadline"], role=decision.get("role", ""),
                          responses=tuple(decision.get("responses") or ()),
                          partners=tuple(Partner(**p) for p in decision.get("partners") or ()),
                          flags=tuple(Flag(**f) for f in decision.get("flags") or ())),
        options=tuple(Option(name=o["name"], review=o.get("review", False), aliases=tuple(o.get("aliases") or ()),
                             needs=o.get("needs"), needs_label=o.get("needs_label", ""), label=o.get("label", ""),
                             description=o.get("description", ""), action_plan=o.get("action_plan", False),
                             learning_type=o.get("learning_type", ""))
                      for o in data["options"]),
        criteria=tuple(Criterion(**c) for c in data.get("criteria") or ()),
        notices=tuple(notices), emails=dict(data["emails"]),
        summary_id=data["summary"]["id"], summary_title=data["summary"]["title"],
        summary_template=data["summary"]["template"], pack=data["pack"],
        agenda=tuple(AgendaPart(**p) for p in data["pack"]["agenda"]["parts"]),
        register_columns=tuple(Column(COLUMN_ALIASES.get(c[0], c[0]), c[1], c[2], float(c[3]))
                               for c in data["register"]["columns"]),
        learning=_learning(data.get("learning")), review=_review(data.get("review")),
        close=Close(**data["close"]) if data.get("close") else None,
        summary_parts=tuple(SummaryPart(id=part["id"], title=part["title"], fields=tuple(part.get("fields") or ()),
                                        table=part.get("table", "")) for part in data["summary"].get("parts") or ()),
        summary_marking=data["summary"].get("marking", ""),
        scoping_period=Length.parse(data["scoping_period"]) if data.get("scoping_period") else None,
        starting_members=tuple((code, agency) for code, agency in data.get("members") or ()),
        source=where, shipped=shipped, reporting_year_starts=int(data.get("reporting_year_starts") or 1),
        distinctive_words=tuple(data.get("distinctive_words") or ()))


def _learning(data: dict | None) -> Learning | None:
    if not data:
        return None
    return Learning(
        action_plan=data["action_plan"], review_meeting=data["review_meeting"], index_title=data["index_title"],
        sections=tuple((s["id"], s["title"]) for s in data["sections"]),
        types=tuple(LearningType(name=t["name"], section=t["section"], aliases=tuple(t.get("aliases") or ()),
                                 initiation=t.get("initiation", ""), methodology=t.get("methodology", ""))
                    for t in data["types"]),
        update_every=Length.parse(data["update_every"]) if data.get("update_every") else None,
        pack_title=str(data.get("pack_title") or ""))


def _review(data: dict | None) -> Review | None:
    if not data:
        return None

    def stage(s: dict) -> Stage:
        after = s.get("after") or ()
        ahead = s.get("ahead_of")
        return Stage(id=s["id"], label=s["label"], owner=s["owner"], done=s.get("done", "date"),
                     outcomes=tuple(s.get("outcomes") or ()), recurring=bool(s.get("recurring")),
                     every=Length.parse(s["every"]) if s.get("every") else None, until=s.get("until"),
                     after=(after,) if isinstance(after, str) else tuple(after), start=s.get("start"),
                     length=Length.parse(s["length"]) if s.get("length") else None, deadline=s.get("deadline"),
                     notice=s.get("notice"),
                     ahead_of=(ahead["planned"], Length.parse(ahead["by"])) if ahead else None,
                     publication=bool(s.get("publication")), scan=s.get("scan"),
                     request=dict(s["request"]) if s.get("request") else None,
                     form=s["form"].lower() if s.get("form") else None)

    return Review(stages=tuple(stage(s) for s in data["stages"]),
                  planned=tuple(Planned(p["id"], p["label"], p["start"], Length.parse(p["length"]))
                                for p in data.get("planned") or ()),
                  reviewer=data.get("reviewer", ""), roles=dict(data.get("roles") or {}),
                  pack=dict(data["pack"]) if data.get("pack") else None,
                  reminder=dict(data["reminder"]) if data.get("reminder") else None,
                  not_published=dict(data["not_published"]) if data.get("not_published") else None)
