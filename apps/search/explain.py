"""Search in plain words: the explanation sentence, and the short labels of chips and
suggestions. DESIGN.md's style: "Tue 3 Dec", "4:00 pm", "$80/h"."""

from __future__ import annotations

import datetime as dt

from apps.availability.cells import format_hhmm
from apps.search.criteria import Known
from apps.search.query import MINUTES_PER_DAY, SearchCriteria
from apps.search.relax import DayWindow, RelaxPlan

DAY_PARTS: dict[str, tuple[int, int]] = {
    "morning": (6 * 60, 12 * 60),
    "afternoon": (12 * 60, 17 * 60),
    "evening": (17 * 60, 21 * 60),
}
AFTER_SCHOOL = (15 * 60, 18 * 60)
FORMAT_WORDS = {"online": "online", "in_person": "in person", "studio": "at their studio", "travel": "at your place"}
SKILL_WORDS = {"beginner": "beginners", "intermediate": "intermediate students", "advanced": "advanced students"}
AGE_WORDS = {"toddler": "toddlers", "kids": "kids", "teens": "teens", "adults": "adults"}
RELAX_WORDS = {
    "time": "the time of day",
    "date": "the date",
    "skill_level": "the skill level",
    "age_group": "the age group",
    "location": "the place",
    "price": "the price",
}


def money(cents: int) -> str:
    dollars, rest = divmod(cents, 100)
    return f"${dollars:,}" if rest == 0 else f"${dollars:,}.{rest:02d}"


def clock(minute: int) -> str:
    """570 -> "9:30 am"; 720 -> "12:00 pm"; 1440 -> "midnight"."""
    if minute >= MINUTES_PER_DAY:
        return "midnight"
    hour, rest = divmod(minute, 60)
    return f"{hour % 12 or 12}:{rest:02d} {'am' if hour < 12 else 'pm'}"


def day_label(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def date_phrase(first: dt.date, last: dt.date, today: dt.date) -> str:
    if first == last:
        return {0: "today", 1: "tomorrow"}.get((first - today).days, f"on {day_label(first)}")
    return f"from {day_label(first)} to {day_label(last)}"


def time_phrase(start: int, end: int) -> str | None:
    """A named part of the day ("afternoon"), else a range; None for the whole day."""
    if (start, end) == (0, MINUTES_PER_DAY):
        return None
    for name, span in DAY_PARTS.items():
        if (start, end) == span:
            return name
    if (start, end) == AFTER_SCHOOL:
        return "after school"
    if end == MINUTES_PER_DAY:
        return f"after {clock(start)}"
    if start == 0:
        return f"before {clock(end)}"
    return f"{clock(start)}–{clock(end)}"


def when_phrase(window: DayWindow, today: dt.date, *, dated: bool) -> str:
    """ "tomorrow afternoon", "this evening", "on Thu 26 Nov, 6:00 pm–7:00 pm", "in the next 2 weeks"."""
    part = time_phrase(window.start_minute, window.end_minute)
    if not dated:
        days = (window.last - window.first).days + 1
        span = f"in the next {days // 7} weeks" if days % 7 == 0 and days > 7 else f"in the next {days} days"
        return span if part is None else f"{span}, {part if part.startswith(('after', 'before')) else part + 's'}"
    day = date_phrase(window.first, window.last, today)
    if part is None:
        return day
    if day == "today" and part in DAY_PARTS:
        return "tonight" if part == "evening" else f"this {part}"
    if part in DAY_PARTS and day == "tomorrow":
        return f"tomorrow {part}"
    return f"{day}, {part}" if ":" in part or part.startswith(("after ", "before ")) else f"{day} in the {part}"


def price_phrase(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{money(low)}–{money(high)}/h"
    return f"from {money(low)}/h" if low is not None else f"up to {money(high or 0)}/h"


def place_phrase(criteria: SearchCriteria) -> str:
    location = criteria.location
    if location is None:
        return ""
    return f"near {location.name}" if location.kind == "neighborhood" else f"in {location.name}"


def describe(criteria: SearchCriteria, window: DayWindow, known: Known, *, today: dt.date, count: int) -> str:
    """ "12 instructors teaching Piano for kids near Park Slope, up to $80/h, free tomorrow afternoon"."""
    who = f"{count} instructor{'s' if count != 1 else ''}"
    subject = known.subject_name(service=criteria.service, category=criteria.category)
    words = [who, f"teaching {subject}" if subject else ""]
    if criteria.age_group:
        words.append(f"for {AGE_WORDS.get(criteria.age_group, criteria.age_group)}")
    if criteria.skill_level:
        words.append(f"for {SKILL_WORDS[criteria.skill_level]}")
    if criteria.format:
        words.append(FORMAT_WORDS[criteria.format])
    words.append(place_phrase(criteria))
    text = " ".join(word for word in words if word)
    if criteria.has_price:
        text += f", {price_phrase(criteria.min_price_cents, criteria.max_price_cents)}"
    return f"{text}, free {when_phrase(window, today, dated=criteria.has_date)}"


def explanation(
    relaxed_criteria: SearchCriteria,
    plan: RelaxPlan,
    relaxed: list[str],
    known: Known,
    *,
    today: dt.date,
    total: int,
) -> str:
    shown = describe(relaxed_criteria, plan.window_at(len(relaxed)), known, today=today, count=total)
    if not relaxed:
        return f"{shown}." if total else f"No {shown.removeprefix('0 ')}."
    dropped = join_words([RELAX_WORDS[name] for name in relaxed])
    return f"Nobody matches everything you asked, so we relaxed {dropped}: {shown}."


def join_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def hhmm(minute: int) -> str:
    return format_hhmm(minute)
