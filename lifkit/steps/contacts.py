"""``lifkit contact``: the people a case's notices may go to besides the agencies and the referrer (the
family, or their representative or advocate), with the date they agreed to be written to.

A process's notice names one by ``address: contact:<name>``; the contact's address is kept in the case's
case.yaml (``contacts:``), never in the journal, which records only that the contact was set and when
consent was given.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from lifkit.case.folder import Contact, case_folder, case_lock, load_case, record_event, update_case_file
from lifkit.errors import InputError
from lifkit.mechanics.dates import format_date, today

CONTACT_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")


@dataclass(frozen=True)
class ContactResult:
    reference: str
    contact: Contact
    changed: bool  # False: the case already had this contact, as given
    used_by: tuple[str, ...]  # the process's notices addressed to it


def set_contact(ws, reference: str, key: str, email: str, name: str = "", consent: dt.date | None = None) -> ContactResult:
    """Set (or change) the contact ``key`` of case ``reference``: the address its notices go to."""
    from lifkit.case.workspace import EMAIL_RE

    key = key.strip().lower()
    if key.startswith("contact:"):
        key = key[len("contact:"):]
    if not CONTACT_KEY_RE.match(key):
        raise InputError(f"{key!r} is not a contact's name lifkit can use.",
                         "Use a short name of letters, digits, - and _, as the process's notices name it "
                         "(address: contact:family): e.g. family.")
    email = email.strip()
    if not EMAIL_RE.match(email):
        raise InputError(f"{email!r} is not an email address.", "Give the address the notices should go to.")
    if consent is not None and consent > today():
        raise InputError(f"The consent date {format_date(consent)} is in the future.",
                         "Give the date they agreed to be written to.")
    used_by = tuple(n.id.replace("_", "-") for n in ws.process.notices if n.address == f"contact:{key}")
    with case_lock(ws, case_folder(ws, reference).name):
        case = load_case(ws, reference)
        wanted = Contact(key, email, name.strip(), consent)
        current = case.contact(key)
        if current == wanted:
            return ContactResult(case.reference, wanted, False, used_by)
        contacts = {c.key: _entry(c) for c in case.contacts if c.key != key}
        contacts[key] = _entry(wanted)
        update_case_file(case.folder, contacts=contacts)
        record_event(case.folder, "contact set", contact=key, consent=consent, changed=current is not None)
    return ContactResult(case.reference, wanted, True, used_by)


def _entry(contact: Contact) -> dict:
    entry = {"email": contact.email}
    if contact.name:
        entry["name"] = contact.name
    if contact.consent:
        entry["consent"] = contact.consent
    return entry
