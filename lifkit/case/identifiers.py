"""A case's identifiers, gathered from its folder for the one whole-word matcher
(:mod:`lifkit.documents.identifiers`): the names, dates of birth and death and addresses of the case's
people, the referrer's name, and the names the agencies' returns give (authors, practitioners).

The board's and the member agencies' names and codes are words of the workspace, never identifiers on
their own (an agency called "Rose Hill Surgery" does not make "Rose" a name to remove)."""

from __future__ import annotations

import re

from lifkit.case.folder import Case, load_returns
from lifkit.documents.identifiers import Identifiers

# The boxes of a returned form that hold a person's name (the author, the checker, the practitioners).
RETURN_NAME_BOXES = ("completed_name", "checked_by_name", "signed_off_name")


def case_identifiers(ws, case: Case) -> Identifiers:
    """Every identifier in the case folder, as one matcher."""
    people = [*case.subjects, *case.people]
    referral = (case.referral or {}).get("values", {})
    names = [p.name for p in people] + [str(referral.get("lead_name") or "")] + [c.name for c in case.contacts]
    for member in ws.settings.members:
        for submission in load_returns(case, member.code):
            values = submission.get("values") or {}
            names += [str(values.get(box) or "") for box in RETURN_NAME_BOXES]
            names += [str(row.get("name") or "") for row in values.get("practitioners") or [] if isinstance(row, dict)]
    dates = [day for p in people for day in (p.dob, p.dod)]
    return Identifiers(names=names, dates=dates, addresses=[p.address for p in people],
                       vocabulary=workspace_words(ws))


def workspace_words(ws) -> set[str]:
    """The words that name the board and its member agencies, and the agencies' codes."""
    texts = [ws.settings.board_name, *(m.agency for m in ws.settings.members)]
    words = {w for text in texts for w in re.findall(r"[\w'’\-]+", text or "")}
    return words | {m.code for m in ws.settings.members}


def people_identifiers(ws, case: Case) -> Identifiers:
    """The identifiers of the case's people only (the review's subjects and the significant people: names,
    dates of birth and death, addresses): what a note or rationale typed by the administrator should not hold."""
    people = [*case.subjects, *case.people]
    return Identifiers(names=[p.name for p in people], dates=[day for p in people for day in (p.dob, p.dod)],
                       addresses=[p.address for p in people], vocabulary=workspace_words(ws))


def typed_names_warning(ws, case: Case, texts: list[tuple[str, str]], appears: str) -> str | None:
    """A warning when any typed text ((what it is, the text)) holds a name, date of birth or death or address
    of a person in the case; ``appears`` says where the text will be seen. The identifier is never repeated."""
    ids = people_identifiers(ws, case)
    if not ids:
        return None
    found = [(label, hits) for label, text in texts if text and (hits := ids.find(text))]
    if not found:
        return None
    held = "; ".join(f"{label} holds {ids.describe(hits)}" for label, hits in found)
    return (f"{held} of a person in case {case.reference}. It was recorded, and will appear {appears}. "
            f"Prefer the case reference ({case.reference}) or a pseudonym; give --allow-names to record such "
            "text without this warning.")
