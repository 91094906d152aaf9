"""What the weekly-lesson page shows: the rule in plain words, each booked week with its
status and the actions the lesson's own policy offers, the weeks that could not be booked
with open times that week, and the forms to change the time or end the series."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from apps.accounts.models import User
from apps.availability.selectors_public import SlotChoice, book_url
from apps.availability.weeks import DAY_NAMES
from apps.bookings.models import BookingSeries
from apps.bookings.pages import LessonRow, lesson_row, zone_city
from apps.bookings.presentation import when
from apps.bookings.series.rule import MAX_WEEKS, MIN_WEEKS, week_date
from apps.bookings.series.selectors import series_get, series_lessons, unbooked_weeks
from apps.bookings.series.services import SeriesResult
from apps.bookings.states import ACTIVE_STATUSES, SeriesStatus
from apps.core.dates import time_label

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
REPEAT_ONGOING = "ongoing"


def repeat_choices() -> list[tuple[str, str]]:
    """The "Repeat weekly" options: a number of weeks (this one included), or until ended."""
    weeks = [(str(n), f"For {n} weeks") for n in range(MIN_WEEKS, MAX_WEEKS + 1)]
    return [*weeks, (REPEAT_ONGOING, "Every week until I end it")]


def sheet_repeat_choices() -> list[tuple[str, str]]:
    """The booking sheet's: once (""), or weekly."""
    return [("", "Just this once"), *repeat_choices()]


def repeat_weeks(value: str) -> int | None:
    """The service's `weeks` for a chosen option (None: until ended)."""
    return None if value == REPEAT_ONGOING else int(value)


def weeks_sentence(result: SeriesResult, viewer: str) -> str:
    """What the student is told after setting up a series: how many weeks, and which are not free."""
    booked = len(result.booked)
    said = f"Weekly lesson set up: {booked} lesson{'s' if booked != 1 else ''} booked."
    if result.unbooked:
        dates = ", ".join(when(datetime.fromisoformat(item["starts_at"]), viewer) for item in result.unbooked)
        said += f" Not free: {dates}. See the open times those weeks below."
    return said


@dataclass(frozen=True)
class WeekRow:
    row: LessonRow
    upcoming: bool  # active and not started: skip (cancel) and move (reschedule) apply


@dataclass(frozen=True)
class Alternative:
    label: str
    url: str  # the booking sheet with this start chosen


@dataclass(frozen=True)
class UnbookedRow:
    when: str
    reason: str
    alternatives: list[Alternative]


@dataclass(frozen=True)
class SeriesPage:
    series: BookingSeries
    title: str
    rule: str  # "Thursdays at 10:00 am (New York time), for 8 weeks"
    is_student: bool
    is_active: bool
    weeks: list[WeekRow]
    unbooked: list[UnbookedRow]
    next_note: str
    weekday_options: list[tuple[int, str, bool]]
    time_value: str  # the current wall time, HH:MM, for the change form


def series_rule_words(series: BookingSeries) -> str:
    day = WEEKDAYS[series.anchor_date.weekday()]
    length = f"for {series.weeks} weeks" if series.weeks is not None else "every week until ended"
    return f"{day}s at {time_label(series.local_time)} ({zone_city(series.timezone)} time), {length}"


def _unbooked_rows(series: BookingSeries, viewer: str) -> list[UnbookedRow]:
    choice = SlotChoice(offering=series.offering, format=series.format, duration=series.duration_minutes)
    return [
        UnbookedRow(
            when=when(item.starts_at, viewer), reason=item.reason,
            alternatives=[Alternative(when(s, viewer), book_url(series.instructor, choice, s)) for s in item.alternatives],
        )
        for item in unbooked_weeks(series)
    ]  # fmt: skip


def _next_note(series: BookingSeries, viewer: str) -> str:
    if series.status != SeriesStatus.ACTIVE:
        return f"Ended on {when(series.ended_at, viewer)}." if series.ended_at else "Ended."
    if series.next_starts_at is None:
        return "Every week of this series has been booked or listed below."
    return (
        f"The week of {when(series.next_starts_at, viewer)} is booked automatically about a month ahead, "
        "like any lesson; you'll hear from us if that time isn't free."
    )


def series_page_get(*, user: User, public_id: uuid.UUID, now: datetime) -> SeriesPage | None:
    series = series_get(user=user, public_id=public_id)
    if series is None:
        return None
    viewer = user.timezone
    weeks = [
        WeekRow(lesson_row(b, user, now), b.status in ACTIVE_STATUSES and b.starts_at > now)
        for b in series_lessons(series)
    ]
    current = week_date(series, series.anchor_week).weekday()
    return SeriesPage(
        series=series, title=f"Weekly {series.offering.service.name.lower()}", rule=series_rule_words(series),
        is_student=series.student_id == user.pk, is_active=series.status == SeriesStatus.ACTIVE, weeks=weeks,
        unbooked=_unbooked_rows(series, viewer), next_note=_next_note(series, viewer),
        weekday_options=[(n, DAY_NAMES[n], n == current) for n in range(7)],
        time_value=f"{series.local_time:%H:%M}",
    )  # fmt: skip
