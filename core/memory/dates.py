"""Relative time in what people said, resolved against the session's date.

"I went to a support group yesterday", said on 8 May 2023, is stored as "... yesterday
(7 May 2023) ...": a memory read months later still says when. Only what the date alone
decides is resolved (yesterday, today, last night, N days/weeks ago, last week/weekend/
month/year, next month/year, last <weekday>), in the words people use for such a date
("the week before 8 May 2023"); anything else is left as said.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "a couple of": 2,
        "few": 3, "a few": 3}
_PATTERN = re.compile(
    r"\b(yesterday|today|tonight|this morning|last night|last (?:week|weekend|month|year)|next (?:month|year)"
    r"|last (?:" + "|".join(_WEEKDAYS) + r")"
    r"|(\d+|a|an|one|two|three|four|five|six|seven|a couple of|a few) (day|week|month|year)s? ago)\b(?! \()", re.I)


def _day(d: datetime) -> str:
    return f"{d.day} {d:%B %Y}"


def _month_back(d: datetime, n: int) -> datetime:
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    return d.replace(year=y, month=m + 1, day=1)


def resolve(phrase: str, when: datetime) -> str | None:
    """The date a relative time ``phrase`` said on ``when`` means, in words; None when the date alone does not say."""
    p = phrase.lower()
    if p == "yesterday" or p == "last night":
        return _day(when - timedelta(days=1))
    if p in ("today", "tonight", "this morning"):
        return _day(when)
    if p in ("last week", "last weekend"):
        return f"the {p.split()[1]} before {_day(when)}"
    if p == "last month":
        return f"{_month_back(when, 1):%B %Y}"
    if p == "last year":
        return str(when.year - 1)
    if p == "next month":
        return f"{_month_back(when, -1):%B %Y}"
    if p == "next year":
        return str(when.year + 1)
    if p.startswith("last ") and p[5:] in _WEEKDAYS:
        return f"the {p[5:]} before {_day(when)}"
    m = re.fullmatch(r"(\d+|a|an|one|two|three|four|five|six|seven|a couple of|a few) (day|week|month|year)s? ago", p)
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _NUM[m.group(1)]
        unit = m.group(2)
        if unit == "day":
            return _day(when - timedelta(days=n))
        if unit == "week":
            return f"the week of {_day(when - timedelta(weeks=n))}"
        if unit == "month":
            return f"{_month_back(when, n):%B %Y}"
        return str(when.year - n)
    return None


def parse_day(text: str) -> datetime | None:
    """'8 May 2023' (how memory writes a session's date) -> that day; None when it is not one."""
    try:
        return datetime.strptime(" ".join(str(text).split()), "%d %B %Y")
    except ValueError:
        return None


def with_dates(text: str, when: datetime | None) -> str:
    """``text`` with each relative time it holds followed by its date in brackets (unchanged without ``when``;
    a phrase already followed by a bracket is left alone, so resolving twice changes nothing)."""
    if when is None:
        return text

    def sub(m: re.Match[str]) -> str:
        date = resolve(m.group(1), when)
        return f"{m.group(0)} ({date})" if date else m.group(0)
    return _PATTERN.sub(sub, text)
