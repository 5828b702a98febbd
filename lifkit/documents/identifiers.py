"""The one whole-word matcher for a case's identifiers: names, dates of birth and death, addresses.

Everything that must keep a person's details out of a text uses it: the anonymised notices and the
Panel's copy (which replace them), the Learning and Improvement Index (which refuses them), the typed
free text of a rationale or an action (which warns), a review's final report (which is flagged).

What it matches, and what it never does:

- a whole name (any case, any spacing), and each part of a name on its own when it is written as a
  name is (with a capital) and is not an ordinary word ("Rose" alone is a name; "the figures rose" is
  not, nor is "Example" in "for example", nor "fictional" in "(fictional)");
- a whole date, however it is written (05/11/2026, 5/11/2026, 5.11.26, 2026-11-05, 5 November 2026,
  5th Nov 2026, November 5, 2026): dates are found in the text and compared as dates, so "5/11/2026"
  is never found inside "25/11/2026" or "5/11/20261";
- a whole address, each of its lines that holds a number (a house), and its postcode; a line that is
  only a town or a county is not an identifier on its own.

The matcher knows nothing of cases: :func:`lifkit.case.identifiers.case_identifiers` builds one from a
case folder. A message about what was found never repeats the identifier (:attr:`Found.kind` says
what it is).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable

# Words people write beside (or instead of) a name, and ordinary words that are also names' parts: such a
# part is not taken for a name on its own (the whole name still is).
ORDINARY_WORDS = frozenset("""
    a an and the of in on at to for from by with as or not no yes unknown known unnamed name names
    dr mr mrs ms miss mx sir dame prof rev lead named designated safeguarding practitioner nurse doctor
    manager head officer team worker social service services health senior principal deputy chief acting
    detective sergeant inspector constable midwife visitor teacher school police care council board
    partnership agency trust nhs family child children baby infant boy girl son daughter mother father
    mum dad parent parents brother sister sibling siblings grandmother grandfather grandparent aunt uncle
    cousin partner carer adult adults person people friend neighbour stepfather stepmother guardian
    example examples fictional practice test sample demo new old little big young junior senior
    street road lane avenue close drive way court house flat
""".split())

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|" \
         r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
# Every way a date is commonly written; each alternative is a whole token (no digit or separator either side).
_DATE_RE = re.compile(
    r"(?<![\w/.\-])(?:"
    rf"(?P<n_d>\d{{1,2}})(?P<sep>[/.\-])(?P<n_m>\d{{1,2}})(?P=sep)(?P<n_y>\d{{4}}|\d{{2}})"
    r"|(?P<i_y>\d{4})-(?P<i_m>\d{1,2})-(?P<i_d>\d{1,2})"
    rf"|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})"
    rf"|{_MONTH.replace('month', 'month2')}\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year2>\d{{4}})"
    r")(?![\w/]|[.\-]\d)",
    re.IGNORECASE)
# The end of a name's part: no letter, hyphen or apostrophe-and-letter follows, but a possessive may
# ("Casey's", "Casey’s" and "Jones'" are Casey and Jones; "Casey-Ann" and "O'Neill" are other words).
_WORD_END = r"(?=$|[^\w'’\-]|['’]s(?!\w)|['’](?!\w))"
POSTCODE_RE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """One identifier found in a text: what kind it is, and where (characters, from 0)."""

    kind: str  # "name", "date" or "address"
    start: int
    end: int


def _month(text: str) -> int:
    return next(i for i, m in enumerate(MONTHS, start=1) if m.startswith(text.lower().rstrip(".")[:3]))


def dates_in(text: str) -> Iterable[tuple[dt.date, int, int]]:
    """Every whole date written in ``text``, as (date, start, end); text that looks like a date but is
    not one (31/02/2026) is passed over. Two-digit years are taken as 20yy when that is not in the
    future by more than a year, else 19yy."""
    from lifkit.mechanics.dates import today

    for match in _DATE_RE.finditer(text or ""):
        g = match.groupdict()
        try:
            if g["n_d"]:
                year = int(g["n_y"])
                if len(g["n_y"]) == 2:
                    year += 2000 if year <= (today().year % 100) + 1 else 1900
                day = dt.date(year, int(g["n_m"]), int(g["n_d"]))
            elif g["i_y"]:
                day = dt.date(int(g["i_y"]), int(g["i_m"]), int(g["i_d"]))
            elif g["day"]:
                day = dt.date(int(g["year"]), _month(g["month"]), int(g["day"]))
            else:
                day = dt.date(int(g["year2"]), _month(g["month2"]), int(g["day2"]))
        except (ValueError, StopIteration):
            continue
        yield day, match.start(), match.end()


def _norm(text: str) -> str:
    """A phrase's key: any case, commas and runs of white space as one space."""
    return " ".join(re.sub(r"[\s,]+", " ", text).split()).casefold()


def _phrase(key: str) -> str:
    """A regex for a phrase's key as a whole phrase: any case, any run of spaces, commas or line breaks
    between its words, and no word character either side."""
    return r"(?<!\w)" + r"[\s,]+".join(re.escape(w) for w in key.split()) + r"(?!\w)"


class Identifiers:
    """The identifiers of one or more people, and the matcher over them.

    ``names``: people's names as written (whole); ``dates``: dates of birth or death; ``addresses``:
    addresses as written (lines split on line breaks or commas); ``vocabulary``: extra words that are never
    an identifier on their own (the board's and the agencies' names and codes)."""

    def __init__(self, names: Iterable[str] = (), dates: Iterable[dt.date | None] = (),
                 addresses: Iterable[str] = (), vocabulary: Iterable[str] = ()):
        ordinary = ORDINARY_WORDS | {w.casefold() for w in vocabulary}
        self.dates = frozenset(d for d in dates if isinstance(d, dt.date))
        phrases: dict[str, str] = {}  # casefolded phrase -> kind
        parts: set[str] = set()
        for name in names:
            name = " ".join(str(name or "").split())
            if not name:
                continue
            # the name without bracketed remarks, e.g. "Casey Example (fictional)" -> also "Casey Example"
            bare = " ".join(re.sub(r"\([^)]*\)", " ", name).split())
            for whole in {name, bare}:
                if re.search(r"\w", whole) and _norm(whole) not in ordinary:
                    phrases.setdefault(_norm(whole), "name")
            for part in re.findall(r"[^\W\d_][\w'’\-]*", bare):
                if len(part) >= 2 and part[0].isupper() and part.casefold() not in ordinary:
                    parts.add(part)
        for address in addresses:
            address = str(address or "").strip()
            if not address:
                continue
            lines = [" ".join(line.split()).strip(",") for line in re.split(r"[\n,;]", address)]
            phrases.setdefault(_norm(address), "address")
            for line in lines:
                if re.search(r"\d", line) and len(line) >= 4:
                    phrases.setdefault(_norm(line), "address")
            for outward, inward in POSTCODE_RE.findall(address):
                phrases.setdefault(_norm(f"{outward} {inward}"), "address")
        self.kinds = phrases
        ordered = sorted(phrases, key=len, reverse=True)
        self._phrases = re.compile("|".join(f"(?:{_phrase(p)})" for p in ordered), re.IGNORECASE) if ordered else None
        # a name's part counts when written as a name: with its capital (or all in capitals)
        self._parts = re.compile(r"(?<![\w'’\-])(?:" + "|".join(
            re.escape(p) for p in sorted(parts, key=len, reverse=True)) + ")" + _WORD_END, re.IGNORECASE) \
            if parts else None
        self._part_set = {p.casefold() for p in parts}

    def __bool__(self) -> bool:
        return bool(self.kinds or self.dates or self._part_set)

    def find(self, text: str) -> list[Found]:
        """Every identifier in ``text``, in order, none overlapping another (the longest wins)."""
        text = text or ""
        found: list[Found] = []
        if self._phrases is not None:
            for match in self._phrases.finditer(text):
                found.append(Found(self.kinds.get(_norm(match.group(0)), "name"), match.start(), match.end()))
        if self._parts is not None:
            for match in self._parts.finditer(text):
                word = match.group(0)
                if word[0].isupper():
                    found.append(Found("name", match.start(), match.end()))
        for day, start, end in dates_in(text):
            if day in self.dates:
                found.append(Found("date", start, end))
        found.sort(key=lambda f: (f.start, -(f.end - f.start)))
        kept: list[Found] = []
        for item in found:
            if kept and item.start < kept[-1].end:
                continue
            kept.append(item)
        return kept

    def scrub(self, text: str, replacement: str = "[removed]") -> str:
        """``text`` with every identifier replaced by ``replacement``."""
        out, last = [], 0
        for item in self.find(text):
            out += [text[last:item.start], replacement]
            last = item.end
        return "".join(out) + (text or "")[last:]

    def describe(self, found: Iterable[Found]) -> str:
        """The kinds found, in words ("a name and a date of birth or death"), never the values."""
        words = {"name": "a name", "date": "a date of birth or death", "address": "an address"}
        kinds = list(dict.fromkeys(words[f.kind] for f in found))
        return " and ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 1 else kinds)
