"""Reading a returned PDF form: the raw values of its boxes and the form's identity.

Kept apart from :mod:`lifkit.documents.pdfform` (which draws forms with reportlab) so that reading a
return (``lifkit validate``, ``lifkit collect``) never loads the drawing code. The PDF library itself
is driven by :mod:`lifkit.mechanics.pdf`.

The form's identity (see :mod:`lifkit.documents.identity`) is stored twice: in the document information
dictionary, and in a hidden read-only field ``lifkit_identity`` that survives viewers which rewrite
the document information when they save.
"""

from __future__ import annotations

from pathlib import Path

from lifkit.documents.identity import FormIdentity
from lifkit.mechanics.pdf import PasswordProtected, read_fields

__all__ = ["IDENTITY_FIELD", "IDENTITY_SEPARATOR", "PasswordProtected", "identity_from_field", "identity_value",
           "read_fields", "read_pdf"]

IDENTITY_FIELD = "lifkit_identity"
IDENTITY_SEPARATOR = "|"


def identity_value(identity: FormIdentity) -> str:
    """The hidden identity field's value."""
    return IDENTITY_SEPARATOR.join((identity.form_id, identity.version, identity.case_ref, identity.agency,
                                    identity.token))


def identity_from_field(value: str) -> FormIdentity | None:
    """The identity held in the hidden field's value; None when it is not one."""
    parts = str(value).split(IDENTITY_SEPARATOR)
    if len(parts) != 5 or not parts[0]:
        return None
    return FormIdentity(*parts)


def read_pdf(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """A returned PDF's boxes (name -> raw value as text, "" when empty) and its document information.

    A tick-box's value is the state name the viewer wrote (``/Yes``, ``/On``, ``/1`` or ``/Off``), not a
    guess. Raises :class:`PasswordProtected`, or the PDF library's own errors for a damaged file.
    """
    from lifkit.mechanics.pdf import read_form

    return read_form(Path(path))
