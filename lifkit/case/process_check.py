"""A process file's mistakes, each with its line and key: against ``schemas/process.yaml`` first, then
what a schema cannot say (a start that names nothing, a placeholder a text may not use, a form the
workspace does not have...). :func:`problems` lists them; :mod:`lifkit.case.process` raises them as one
:class:`~lifkit.case.process.ProcessError`."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Iterable

from lifkit.case.starts import start_problem

# The register values lifkit can fill (see lifkit.register.sync); "prefix:" keys take a name after the colon.
# child_name, child_dob and child_dod (lifkit 0.1.0's names) are read as subject_name, subject_dob, subject_dod.
COLUMN_ALIASES = {"child_name": "subject_name", "child_dob": "subject_dob", "child_dod": "subject_dod"}


COLUMN_KEYS = ("case_ref", "notified", "referral_received", "subject_name", "subject_dob", "subject_dod", "meeting",
               "requests_issued", "returns", "recommendation", "response", "decision", "decision_date", "reviewers",
               "signoffs", "status", "notes", "review_stage", "deferred")


COLUMN_PREFIXES = ("referral:", "flag:", "due:", "met:", "sent:", "reply:", "reply_agreed:", "planned:", "stage:")


# The placeholders each kind of text may use, besides the process's terms.
NOTICE_FIELDS = ("reference", "board_name", "decision", "decided_on", "rationale", "reviewers", "reviewers_line",
                 "reason", "details", "learning_line", "national_line")


REVIEW_FIELDS = ("reference", "board_name", "stage", "owner", "due", "new_date", "note", "reviewer", "reason",
                 "until", "planned")


EMAIL_FIELDS = ("reference", "board_name", "due", "new_date", "agency", "name", "meeting_phrase", "meeting",
                "admin_name", "admin_email", "admin_telephone_line")



def form_ids_for(root: Path | None) -> tuple[str, ...]:
    """The ids of the forms a process may name: lifkit's and the workspace's own."""
    from lifkit.documents.formdef import form_ids

    return form_ids(root)


def problems(data: dict, lines: dict[tuple, int], schema: bool = True, forms: tuple[str, ...] = ()) -> list[str]:
    """The process's mistakes: against the schema first, then (when it has none) in their meaning.
    ``forms``: the form ids it may name (default: lifkit's own)."""
    return (_schema_problems(data, lines) if schema else []) or _meaning_problems(data, lines, forms or form_ids_for(None))


def node_lines(node) -> dict[tuple, int]:
    """The line of every key and list item in the YAML document, by its path."""
    import yaml

    lines: dict[tuple, int] = {}

    def walk(n, path: tuple) -> None:
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                child = path + (key.value,)
                lines[child] = key.start_mark.line + 1
                walk(value, child)
        elif isinstance(n, yaml.SequenceNode):
            for index, item in enumerate(n.value):
                lines[path + (index,)] = item.start_mark.line + 1
                walk(item, path + (index,))

    if node is not None:
        walk(node, ())
    return lines


def line_at(lines: dict[tuple, int], path: tuple) -> str:
    while path and tuple(path) not in lines:
        path = path[:-1]
    line = lines.get(tuple(path))
    return f"line {line}: " if line else ""


def key_path(path: Iterable) -> str:
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (("." if text else "") + str(part))
    return text or "(the file)"


def _schema_problems(data: dict, lines: dict[tuple, int]) -> list[str]:
    from cerberus import Validator, errors as ce

    from lifkit.mechanics.resources import schema

    validator = Validator(schema("process"))
    if validator.validate(data):
        return []
    problems = []

    def leaves(error):
        if error.is_group_error:
            for child in error.child_errors:
                yield from leaves(child)
        else:
            yield error

    for error in sorted((e for top in validator._errors for e in leaves(top)),
                        key=lambda e: lines.get(tuple(e.document_path), 0)):
        path = tuple(error.document_path)
        if error.code == ce.UNKNOWN_FIELD.code:
            message = "is not a key lifkit knows; check the spelling, or remove it"
        elif error.code == ce.REQUIRED_FIELD.code:
            message = "is missing; it must be given"
        elif error.code == ce.EMPTY_NOT_ALLOWED.code:
            message = "is empty; it must be given"
        elif error.code == ce.MIN_LENGTH.code:
            message = "is an empty list; it needs at least one entry"
        elif error.code == ce.BAD_TYPE.code:
            message = f"should be {error.constraint}, not {type(error.value).__name__}"
        elif error.code == ce.UNALLOWED_VALUE.code:
            message = f"{error.value!r} is not one of: {', '.join(map(str, error.constraint))}"
        elif error.code == ce.REGEX_MISMATCH.code:
            message = (f"{error.value!r} is not a length such as '7 days', '1 month' or '5 working days'"
                       if path and path[-1] == "length" else f"{error.value!r} is not written as expected")
        else:
            message = f"breaks the rule {error.rule!r} ({error.constraint!r})"
        problems.append(f"{line_at(lines, path)}{key_path(path)}: {message}")
    return problems


def _placeholders(text: str) -> set[str]:
    try:
        return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"{"}


def _meaning_problems(data: dict, lines: dict[tuple, int], forms: tuple[str, ...]) -> list[str]:
    problems: list[str] = []

    def say(path: tuple, message: str) -> None:
        problems.append(f"{line_at(lines, path)}{key_path(path)}: {message}")

    terms = set(data["terms"]) | {"subject", "subjects", "subject_a"}
    for kind, ident in data["forms"].items():
        if ident.lower() not in forms:
            say(("forms", kind), f"{ident!r} is not a form lifkit has (the forms are: {', '.join(forms)}; a "
                                 "workspace's own are in its forms/ folder: lifkit form copy ID makes one)")
    if data["meeting_chair"] not in data["roles"]:
        say(("meeting_chair",), f"{data['meeting_chair']!r} is not one of the roles ({', '.join(data['roles'])})")

    deadline_ids: list[str] = []
    for index, item in enumerate(data["deadlines"]):
        if item["id"] in deadline_ids:
            say(("deadlines", index, "id"), f"the deadline {item['id']!r} is defined twice")
        deadline_ids.append(item["id"])
    notice_ids = [n["id"] for n in data["notices"]]
    for index, item in enumerate(data["deadlines"]):
        problem = start_problem(item["start"], deadline_ids[:index], notice_ids)
        if not problem and item["start"].strip().startswith(("stage:", "planned:")):
            problem = _review_start_problem(data, item["start"].strip())
        if problem:
            say(("deadlines", index, "start"), problem)
    seen_notices: set[str] = set()
    for index, notice in enumerate(data["notices"]):
        path = ("notices", index)
        if notice["id"] in seen_notices:
            say(path + ("id",), f"the notice {notice['id']!r} is defined twice")
        seen_notices.add(notice["id"])
        due = notice.get("due") or {}
        if due.get("deadline") and due["deadline"] not in deadline_ids:
            say(path + ("due", "deadline"), f"{due['deadline']!r} is not one of the deadlines ({', '.join(deadline_ids)})")
        problem = start_problem(due["start"], deadline_ids, notice_ids) if due.get("start") else None
        if problem:
            say(path + ("due", "start"), problem)
        if due.get("start") and not due.get("length"):
            say(path + ("due",), "has a start but no length")
        if notice.get("draft", True):
            for key in ("address", "subject", "body"):
                if not notice.get(key):
                    say(path + (key,), "is missing; a notice lifkit drafts needs it (or say draft: false)")
        for key in ("subject", "body", "body_review"):
            bad = _placeholders(notice.get(key) or "") - terms - set(NOTICE_FIELDS)
            if bad:
                say(path + (key,), f"uses {', '.join('{' + b + '}' for b in sorted(bad))}, which a notice cannot fill")
    for key, text in data["emails"].items():
        bad = _placeholders(text) - terms - set(EMAIL_FIELDS)
        if bad:
            say(("emails", key), f"uses {', '.join('{' + b + '}' for b in sorted(bad))}, which an email cannot fill")

    decision = data["decision"]
    if decision["deadline"] not in deadline_ids:
        say(("decision", "deadline"), f"{decision['deadline']!r} is not one of the deadlines ({', '.join(deadline_ids)})")
    if decision["mode"] == "chair":
        if not decision.get("responses"):
            say(("decision", "responses"), "is missing; a chair's decision needs the responses (e.g. affirmed, challenged)")
        if decision.get("role") not in data["roles"]:
            say(("decision", "role"), f"{decision.get('role')!r} is not one of the roles ({', '.join(data['roles'])})")
    if decision["mode"] == "partners":
        partners = decision.get("partners") or []
        if not partners:
            say(("decision", "partners"), "is missing or empty; partners who sign off are needed")
        codes = [p["code"] for p in partners]
        for index, code in enumerate(codes):
            if code in codes[:index]:
                say(("decision", "partners", index, "code"), f"the partner {code!r} is named twice")

    names: list[str] = []
    for index, option in enumerate(data["options"]):
        keys = {" ".join(text.lower().replace("-", " ").replace("_", " ").split()): text
                for text in [option["name"], *(option.get("aliases") or [])]}
        for key, text in keys.items():
            if key in names:
                say(("options", index), f"{text!r} names two options")
            names.append(key)

    keys: set[str] = set()
    headers: set[str] = set()
    flags = {f["id"] for f in decision.get("flags") or []} | {c["field"] for c in data.get("criteria") or []}
    for index, column in enumerate(data["register"]["columns"]):
        path = ("register", "columns", index)
        key, header = COLUMN_ALIASES.get(column[0], column[0]), column[1]
        prefix = next((p for p in COLUMN_PREFIXES if key.startswith(p)), None)
        name = key[len(prefix):] if prefix else ""
        if prefix is None and key not in COLUMN_KEYS:
            say(path, f"{key!r} is not a value lifkit can fill (use one of {', '.join(COLUMN_KEYS)}, or "
                      f"{', '.join(p + '<name>' for p in COLUMN_PREFIXES)})")
        elif prefix in ("due:", "met:") and name not in deadline_ids and name not in notice_ids:
            say(path, f"{key!r}: {name!r} is not a deadline or notice of this process")
        elif prefix in ("sent:", "reply:", "reply_agreed:") and name not in notice_ids:
            say(path, f"{key!r}: {name!r} is not a notice of this process")
        elif prefix in ("planned:", "stage:") and _review_start_problem(data, key):
            say(path, _review_start_problem(data, key))
        elif key in ("review_stage", "deferred") and not data.get("review"):
            say(path, f"{key!r}: the process has no review: part")
        elif prefix == "flag:" and name not in flags:
            say(path, f"{key!r}: {name!r} is not a criterion or decision flag of this process")
        if key in keys:
            say(path, f"the column {key!r} is listed twice")
        if header.strip().lower() in headers:
            say(path, f"the heading {header!r} is used twice")
        keys.add(key)
        headers.add(header.strip().lower())
    if "case_ref" not in keys:
        say(("register", "columns"), "has no case_ref column: the register finds a case's row by it")

    learning = data.get("learning")
    type_names: set[str] = set()
    if learning:
        section_ids = [s["id"] for s in learning["sections"]]
        for index, section in enumerate(learning["sections"]):
            if section["id"] in section_ids[:index]:
                say(("learning", "sections", index, "id"), f"the section {section['id']!r} is defined twice")
        for index, kind in enumerate(learning["types"]):
            if kind["section"] not in section_ids:
                say(("learning", "types", index, "section"),
                    f"{kind['section']!r} is not one of the sections ({', '.join(section_ids)})")
            for text in [kind["name"], *(kind.get("aliases") or [])]:
                key = " ".join(text.lower().split())
                if key in type_names:
                    say(("learning", "types", index), f"{text!r} names two types")
                type_names.add(key)
    for index, option in enumerate(data["options"]):
        wanted = option.get("learning_type")
        if wanted and not learning:
            say(("options", index, "learning_type"), "names a type, but the process has no learning part")
        elif wanted and " ".join(wanted.lower().split()) not in type_names:
            say(("options", index, "learning_type"), f"{wanted!r} is not one of the learning types")
        if option.get("action_plan") and not learning:
            say(("options", index, "action_plan"), "an action plan needs the process's learning part")
    if data.get("review"):
        _review_problems(data, deadline_ids, notice_ids, say, forms)
    return problems


def _review_start_problem(data: dict, start: str) -> str:
    """What is wrong with a ``stage:<id>`` or ``planned:<id>`` start, or ""."""
    review = data.get("review") or {}
    kind, _, name = start.partition(":")
    known = [s["id"] for s in review.get("stages") or []] if kind == "stage" else \
        [p["id"] for p in review.get("planned") or []]
    if name not in known:
        what = "stage" if kind == "stage" else "planned date"
        return (f"{start!r} names no {what} of the review"
                + (f" (the {what}s are: {', '.join(known)})" if known else " (the process has no review: part)"))
    return ""


def _review_problems(data: dict, deadline_ids: list[str], notice_ids: list[str], say, forms=()) -> None:
    """The review's stages: ids named once; owners that are roles; starts, deadlines, notices, planned dates
    and stages they name that exist; what marks each done given what it needs; texts that can be filled."""
    review = data["review"]
    terms = set(data["terms"])
    roles = set(data["roles"]) | set(review.get("roles") or {})
    planned_ids = [p["id"] for p in review.get("planned") or []]
    if review.get("reviewer") and review["reviewer"] not in roles:
        say(("review", "reviewer"), f"{review['reviewer']!r} is not one of the roles ({', '.join(sorted(roles))})")
    stage_ids = [s["id"] for s in review["stages"]]
    for index, planned in enumerate(review.get("planned") or []):
        path = ("review", "planned", index)
        if planned["id"] in planned_ids[:index]:
            say(path + ("id",), f"the planned date {planned['id']!r} is defined twice")
        problem = start_problem(planned["start"], deadline_ids, notice_ids)
        if problem or planned["start"].strip().startswith(("stage:", "planned:")):
            say(path + ("start",), problem or f"{planned['start']!r}: a planned date's default cannot start from a "
                                              "stage or another planned date")
    publications = 0
    for index, stage in enumerate(review["stages"]):
        path = ("review", "stages", index)
        if stage["id"] in stage_ids[:index]:
            say(path + ("id",), f"the stage {stage['id']!r} is defined twice")
        owner = stage["owner"]
        if not owner.startswith("contact:") and owner not in roles:
            say(path + ("owner",), f"{owner!r} is not one of the roles ({', '.join(sorted(roles))}) "
                                   "nor contact:<name>")
        done = stage.get("done", "date")
        if done == "outcome" and not stage.get("outcomes"):
            say(path + ("outcomes",), "is missing; a stage marked done by an outcome lists them")
        if stage.get("outcomes") and done != "outcome":
            say(path + ("outcomes",), "only a stage with done: outcome has outcomes")
        if done == "reviewer" and not review.get("reviewer"):
            say(path + ("done",), "a stage done by appointing the reviewer needs review.reviewer (the role)")
        if stage.get("form") and forms and stage["form"].lower() not in forms:
            say(path + ("form",), f"{stage['form']!r} is not a form lifkit has (the forms are: {', '.join(forms)})")
        if stage.get("form") and stage.get("recurring"):
            say(path + ("form",), "a recurring stage cannot send a form")
        if done == "returns" and not any(
                s.get("form") for s in review["stages"] if s["id"] in ([after] if isinstance(after := stage.get("after")
                                                                                              or [], str) else after)):
            say(path + ("done",), "a stage done by the agencies' returns comes after the stage that sends them the "
                                  "form (after: a stage with form:)")
        if stage.get("every") and not stage.get("recurring"):
            say(path + ("every",), "only a recurring stage falls due again")
        if stage.get("until") and not stage.get("recurring"):
            say(path + ("until",), "only a recurring stage runs until another stage")
        if stage.get("until") and stage["until"] not in stage_ids:
            say(path + ("until",), f"{stage['until']!r} is not one of the stages")
        after = stage.get("after") or []
        for name in [after] if isinstance(after, str) else after:
            if name not in stage_ids[:index]:
                say(path + ("after",), f"{name!r} is not one of the stages defined above this one")
        if stage.get("deadline") and (stage.get("start") or stage.get("length")):
            say(path + ("deadline",), "a stage's clock is a deadline, or a start and a length, not both")
        elif stage.get("deadline") and stage["deadline"] not in deadline_ids:
            say(path + ("deadline",), f"{stage['deadline']!r} is not one of the deadlines ({', '.join(deadline_ids)})")
        if bool(stage.get("start")) != bool(stage.get("length")):
            say(path + ("start" if not stage.get("start") else "length",), "is missing; a clock needs a start and "
                                                                            "a length")
        start = (stage.get("start") or "").strip()
        if start:
            problem = start_problem(start, deadline_ids, notice_ids)
            if not problem and start.startswith(("stage:", "planned:")):
                problem = _review_start_problem(data, start)
                if not problem and start == f"stage:{stage['id']}":
                    problem = "a stage's clock cannot start from the stage itself"
            if problem:
                say(path + ("start",), problem)
        if stage.get("notice") and stage["notice"] not in notice_ids:
            say(path + ("notice",), f"{stage['notice']!r} is not one of the notices ({', '.join(notice_ids)})")
        if stage.get("notice") and stage.get("recurring"):
            say(path + ("notice",), "a recurring stage cannot be recorded as a notice")
        if stage.get("ahead_of") and stage["ahead_of"]["planned"] not in planned_ids:
            say(path + ("ahead_of", "planned"), f"{stage['ahead_of']['planned']!r} is not one of the planned dates")
        publications += bool(stage.get("publication"))
        if stage.get("publication") and stage.get("recurring"):
            say(path + ("publication",), "the publication happens once")
        request = stage.get("request")
        if request:
            if request["to"] not in roles and not request["to"].startswith("contact:"):
                say(path + ("request", "to"), f"{request['to']!r} is not one of the roles ({', '.join(sorted(roles))})")
            for key in ("subject", "body"):
                bad = _placeholders(request[key]) - terms - set(REVIEW_FIELDS)
                if bad:
                    say(path + ("request", key), f"uses {', '.join('{' + b + '}' for b in sorted(bad))}, which a "
                                                 "request cannot fill")
    if publications > 1:
        say(("review", "stages"), "more than one stage is marked publication: true")
    for part in ("reminder", "not_published"):
        for key in ("subject", "body"):
            bad = _placeholders((review.get(part) or {}).get(key) or "") - terms - set(REVIEW_FIELDS)
            if bad:
                say(("review", part, key), f"uses {', '.join('{' + b + '}' for b in sorted(bad))}, which lifkit "
                                           "cannot fill there")

