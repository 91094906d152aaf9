"""Dates: explicit ("Dec 5", "12/5", "December 5th") and relative to `today` ("tomorrow",
"friday", "this weekend", "next week"). All ranges are inclusive local dates."""

from __future__ import annotations

import datetime as dt
import re

from apps.search.lexicon import MONTHS, WEEKDAYS
from apps.search.scan import Draft, Scan

MONTH_NUMBERS: dict[str, int] = {
    **{name: number for number, name in enumerate(MONTHS, start=1)},
    **{name[:3]: number for number, name in enumerate(MONTHS, start=1)},
    "sept": 9,
}
WEEKDAY_NUMBERS: dict[str, int] = {
    **{form: number for number, name in enumerate(WEEKDAYS) for form in (name, name + "s", name[:3])},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
    # Misspellings too far from the word for typo correction to reach.
    "wensday": 2,
    "wendsday": 2,
    "wedsday": 2,
    "thrusday": 3,
    "thirsday": 3,
    "tuseday": 1,
    "saterday": 5,
}

_MONTH = "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s*(?P<year>\d{4}))?"
_EXPLICIT = (
    re.compile(rf"\b(?P<month>{_MONTH})\.?\s+(?:the\s+)?(?P<day>\d{{1,2}}){_ORDINAL}\b{_YEAR}"),
    re.compile(rf"\b(?:the\s+)?(?P<day>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<month>{_MONTH})\b\.?{_YEAR}"),
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    # US order month/day; not after "$" or a digit, so "$80/5" or "24/7" are not dates.
    re.compile(r"(?<![\d$/.,])(?P<month>\d{1,2})/(?P<day>\d{1,2})(?:/(?P<year>\d{4}|\d{2}))?(?![\d/])"),
)
_DAY_OF_MONTH = re.compile(r"\b(?:on\s+)?the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b(?!\s*grade)")

_DAY_AFTER_TOMORROW = re.compile(r"\b(?:the\s+)?day\s+after\s+tomorrow\b")
# "this afternoon" is today; the day part itself is left for the time grammar.
_TODAY = re.compile(r"\btoday\b|\bthis(?=\s+(?:morning|afternoon|evening)\b)")
_TONIGHT = re.compile(r"\b(?:tonight|tonite)\b")
_TOMORROW = re.compile(r"\b(?:tomorrow|tmrw|tmr|tmw)\b")
_NEXT_WEEKEND = re.compile(r"\bnext\s+weekend\b")
_WEEKEND = re.compile(r"\b(?:(?:this|the|on\s+the|over\s+the|coming)\s+)?(?:coming\s+)?weekends?\b")
_NEXT_WEEK = re.compile(r"\bnext\s+week\b")
_THIS_WEEK = re.compile(r"\b(?:(?:later|sometime|some\s+time)\s+)?(?:this|rest\s+of\s+(?:the|this))\s+week\b")
_NEXT_MONTH = re.compile(r"\bnext\s+month\b")
_THIS_MONTH = re.compile(r"\b(?:later\s+)?this\s+month\b")
_WEEKDAY = re.compile(
    r"\b(?:(?P<mod>this|next|coming|on|every|any)\s+)?(?:(?:this|the)\s+coming\s+)?"
    rf"(?P<day>{'|'.join(sorted(WEEKDAY_NUMBERS, key=len, reverse=True))})\b\.?"
)
# "sat", "sun" and "wed" are also "SAT prep", the sun and "we'd": as abbreviations they need
# a lead-in or a time of day after them ("on sat", "sun morning").
_AMBIGUOUS_DAYS = frozenset({"sat", "sun", "wed"})
_DAY_CONTEXT_AFTER = re.compile(r"\s*(?:morning|afternoon|evening|night|at\s+\d|\d{1,2}\s*(?:am|pm))")


def next_on_or_after(today: dt.date, month: int, day: int, year: int | None = None) -> dt.date | None:
    """The next date with this month and day on or after today (Feb 29 waits for a leap year)."""
    if year is not None:
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    for candidate_year in range(today.year, today.year + 9):
        try:
            candidate = dt.date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    return 2000 + int(raw) if len(raw) == 2 else int(raw)


def _month(raw: str) -> int:
    return MONTH_NUMBERS[raw] if raw in MONTH_NUMBERS else int(raw)


def extract_explicit_dates(scan: Scan, draft: Draft, today: dt.date) -> None:
    for pattern in _EXPLICIT:
        for match in scan.matches(pattern):
            found = next_on_or_after(today, _month(match["month"]), int(match["day"]), _year(match["year"]))
            if found is not None:
                draft.add_dates(found, found)
                scan.take_match(match)
    for match in scan.matches(_DAY_OF_MONTH):
        found = _next_day_of_month(today, int(match["day"]))
        if found is not None:
            draft.add_dates(found, found)
            scan.take_match(match)


def _next_day_of_month(today: dt.date, day: int) -> dt.date | None:
    """ "the 5th": this month's if still ahead, else the next month that has that day."""
    year, month = today.year, today.month
    for _ in range(13):
        candidate = next_on_or_after(today, month, day, year)
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def weekend(today: dt.date) -> tuple[dt.date, dt.date]:
    """The coming Saturday–Sunday; on a Saturday today–Sunday; on a Sunday today alone."""
    weekday = today.weekday()
    if weekday == 6:
        return today, today
    saturday = today + dt.timedelta(days=5 - weekday)
    return saturday, saturday + dt.timedelta(days=1)


def next_week(today: dt.date) -> tuple[dt.date, dt.date]:
    monday = today + dt.timedelta(days=7 - today.weekday())
    return monday, monday + dt.timedelta(days=6)


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return first, following - dt.timedelta(days=1)


def extract_relative_dates(scan: Scan, draft: Draft, today: dt.date) -> None:
    one_day = dt.timedelta(days=1)
    end_of_week = today + dt.timedelta(days=6 - today.weekday())
    next_monday, next_sunday = next_week(today)
    _, end_of_month = _month_span(today.year, today.month)
    following = end_of_month + one_day
    fixed: list[tuple[re.Pattern[str], tuple[dt.date, dt.date]]] = [
        (_DAY_AFTER_TOMORROW, (today + 2 * one_day, today + 2 * one_day)),
        (_TODAY, (today, today)),
        (_TOMORROW, (today + one_day, today + one_day)),
        (_NEXT_WEEKEND, (next_monday + 5 * one_day, next_sunday)),
        (_WEEKEND, weekend(today)),
        (_NEXT_WEEK, (next_monday, next_sunday)),
        (_THIS_WEEK, (today, end_of_week)),
        (_NEXT_MONTH, _month_span(following.year, following.month)),
        (_THIS_MONTH, (today, end_of_month)),
    ]
    for match in scan.matches(_TONIGHT):
        draft.add_dates(today, today)
        draft.tonight = True
        scan.take_match(match)
    for pattern, (start, end) in fixed:
        for match in scan.matches(pattern):
            draft.add_dates(start, end)
            scan.take_match(match)
    _extract_weekdays(scan, draft, today)


def _extract_weekdays(scan: Scan, draft: Draft, today: dt.date) -> None:
    for match in scan.matches(_WEEKDAY):
        day = match["day"]
        modifier = match["mod"]
        if day in _AMBIGUOUS_DAYS and modifier is None and not _DAY_CONTEXT_AFTER.match(scan.text, match.end()):
            continue
        offset = (WEEKDAY_NUMBERS[day] - today.weekday()) % 7
        if modifier == "next" and offset == 0:
            offset = 7  # "next monday" said on a Monday is not today
        found = today + dt.timedelta(days=offset)
        draft.add_dates(found, found)
        scan.take_match(match)
