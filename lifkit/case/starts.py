"""What a deadline, a notice's due date or a review's stage starts from: the ``start`` grammar of a
process file (an event, ``notice:<id>``, a deadline's id, ``date:``, ``yearly:``, ``stage:``,
``planned:``), read into :class:`Start`; :class:`lifkit.case.state._Clock` works out its date for a case."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Iterable

STARTS = ("notified", "issued", "meeting", "decision")


START_HELP = ("one of notified, issued, meeting, decision; notice:<id>; the id of a deadline defined above it; "
              "date:YYYY-MM-DD; yearly:DD/MM (or yearly:DD/MM after <start>); stage:<id>; planned:<id>")


START_KINDS = ("event", "notice", "deadline", "date", "yearly", "stage", "planned")


@dataclass(frozen=True)
class Start:
    """What a deadline (or a notice's due date) starts from, parsed from its ``start`` (see
    :func:`parse_start`); :class:`lifkit.case.state._Clock` works out its date for a case."""

    kind: str  # one of START_KINDS
    name: str = ""  # the event, the notice's or deadline's id, the stage or the planned date's name
    date: dt.date | None = None  # date:
    day: int = 0  # yearly: the day and month
    month: int = 0
    after: "Start | None" = None  # yearly: the base (None: the decision)

    def __str__(self) -> str:
        if self.kind == "event" or self.kind == "deadline":
            return self.name
        if self.kind == "date":
            return f"date:{self.date.isoformat()}"
        if self.kind == "yearly":
            return f"yearly:{self.day:02d}/{self.month:02d}" + (f" after {self.after}" if self.after else "")
        return f"{self.kind}:{self.name}"

    def next_yearly(self, base: dt.date) -> dt.date:
        """The first day ``day``/``month`` on or after ``base`` (29 February: 28 February in other years)."""
        def on(year: int) -> dt.date:
            try:
                return dt.date(year, self.month, self.day)
            except ValueError:  # 29/02 in a year that has none
                return dt.date(year, self.month, self.day - 1)

        found = on(base.year)
        return found if found >= base else on(base.year + 1)


_NAME_RE = re.compile(r"^[a-z0-9_-]+$")


@functools.lru_cache(maxsize=256)
def parse_start(text: str) -> Start:
    """A deadline's ``start``: raises ValueError with what is wrong. Whether a named notice or deadline
    exists is for the caller to check (:func:`start_problem`)."""
    text = " ".join(str(text).split())
    if not text:
        raise ValueError("is empty")
    if text in STARTS:
        return Start("event", text)
    if text.startswith("yearly:"):
        rest = text[7:].strip()
        day_month, _, base = rest.partition(" after ")
        match = re.fullmatch(r"(\d{1,2})/(\d{1,2})", day_month.strip())
        if not match:
            raise ValueError(f"{text!r}: a yearly start is written yearly:DD/MM, e.g. yearly:31/03")
        day, month = int(match.group(1)), int(match.group(2))
        try:
            dt.date(2000, month, day)  # a leap year: 29/02 is a day
        except ValueError:
            raise ValueError(f"{text!r}: {day_month.strip()} is not a day of the year") from None
        after = None
        if base.strip():
            after = parse_start(base.strip())
            if after.kind == "yearly":
                raise ValueError(f"{text!r}: a yearly start cannot be after another yearly one")
        return Start("yearly", day=day, month=month, after=after)
    kind, colon, name = text.partition(":")
    if colon:
        name = name.strip()
        if kind == "date":
            try:
                return Start("date", date=dt.date.fromisoformat(name))
            except ValueError:
                raise ValueError(f"{text!r}: a date is written date:YYYY-MM-DD, e.g. date:2027-03-31") from None
        if kind in ("notice", "stage", "planned"):
            if not _NAME_RE.match(name):
                raise ValueError(f"{text!r}: {kind}: is followed by an id (letters, digits, _ and -)")
            return Start(kind, name.replace("-", "_") if kind == "notice" else name)
        raise ValueError(f"{text!r} is not a start lifkit knows: use {START_HELP}")
    if re.fullmatch(r"[a-z_]+", text):
        return Start("deadline", text)
    raise ValueError(f"{text!r} is not a start lifkit knows: use {START_HELP}")


def start_problem(text: str, deadlines: Iterable[str], notices: Iterable[str]) -> str | None:
    """What is wrong with ``text`` as a start where ``deadlines`` may be named, or None."""
    try:
        start = parse_start(text)
    except ValueError as exc:
        return str(exc)
    while start is not None:
        if start.kind == "notice" and start.name not in notices:
            return f"{str(start)!r} names no notice of this process"
        if start.kind == "deadline" and start.name not in deadlines:
            return (f"{start.name!r} is not a start lifkit knows: use {START_HELP}")
        start = start.after
    return None

