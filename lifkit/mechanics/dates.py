"""Dates at lifkit's edges: reading what people type, and what "today" is.

Inside lifkit a date is a ``datetime.date``; text forms exist only where people read or type them.
Agencies type dates many ways (``3/12/2026``, ``03-12-26``, ``3 Dec 2026``, ``2026-12-03``); all are
read day first, as in the UK. ``LIFKIT_TODAY`` (yyyy-mm-dd) fixes "today" for tests and for running
the deadline checks as of another day.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import os
import re

from lifkit.errors import InputError

TODAY_ENV = "LIFKIT_TODAY"

_MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")), start=1) for name in names}
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_WORDS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s*[\s\-/.]?\s*([A-Za-z]+)\.?,?\s*[\s\-/.]?\s*(\d{2}|\d{4})$")


_PRETEND: contextvars.ContextVar[dt.date | None] = contextvars.ContextVar("lifkit_today", default=None)


@contextlib.contextmanager
def pretend_today(day: dt.date):
    """Run the code inside as if today were ``day`` (``lifkit demo`` plays out the weeks of a case)."""
    token = _PRETEND.set(day)
    try:
        yield day
    finally:
        _PRETEND.reset(token)


def today() -> dt.date:
    if _PRETEND.get() is not None:
        return _PRETEND.get()
    value = os.environ.get(TODAY_ENV)
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{TODAY_ENV} is {value!r}, not a date.", "Set it as yyyy-mm-dd, or unset it.") from None


def _year(text: str, reference: dt.date) -> int:
    year = int(text)
    if len(text) == 2:  # 26 is 2026, 98 is 1998: a two-digit year is never in the future
        year += 2000 if year <= reference.year % 100 else 1900
    return year


def parse_date(text: str, reference: dt.date | None = None) -> dt.date | None:
    """The date ``text`` means, or None when it is not a date. Empty text is not a date either."""
    text = " ".join(str(text).split()).strip()
    if not text:
        return None
    reference = reference or today()
    try:
        if match := _ISO.match(text):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _NUMERIC.match(text):
            return dt.date(_year(match[3], reference), int(match[2]), int(match[1]))
        if match := _WORDS.match(text):
            month = _MONTHS.get(match[2].lower())
            if month:
                return dt.date(_year(match[3], reference), month, int(match[1]))
    except ValueError:  # 31/02/2026 and the like
        return None
    return None


def format_date(value) -> str:
    """A date as printed: dd/mm/yyyy (text passes through unchanged, None is empty)."""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)
