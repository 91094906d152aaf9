"""The weekly rule of a series, as pure functions: week k starts at the series' wall-clock
time in the instructor's zone, so Tuesday 4 pm stays 4 pm local across DST changes (the UTC
instant moves by an hour, the lesson does not)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apps.bookings.models import BookingSeries

MIN_WEEKS = 2
MAX_WEEKS = 16  # a term


def week_date(series: BookingSeries, week: int) -> date:
    """The instructor-local date of week `week` under the series' current rule."""
    return series.anchor_date + timedelta(weeks=week - series.anchor_week)


def week_start(series: BookingSeries, week: int) -> datetime:
    """Week `week`'s start as a UTC instant. In the repeated fall-back hour the first of the
    two instants is taken (fold 0); a wall time skipped by spring-forward maps past the gap
    and is simply not an open start that week."""
    local = datetime.combine(week_date(series, week), series.local_time, tzinfo=ZoneInfo(series.timezone))
    return local.astimezone(UTC)


def has_week(series: BookingSeries, week: int) -> bool:
    return series.weeks is None or week < series.weeks


def next_start(series: BookingSeries) -> datetime | None:
    """When the next week to consider starts (None when there is none)."""
    return week_start(series, series.next_week) if has_week(series, series.next_week) else None


def first_week_on_or_after(series: BookingSeries, day: date) -> int:
    """The first week whose date under the current rule is `day` or later."""
    days = (day - series.anchor_date).days
    return max(0, series.anchor_week + -(-days // 7))


def rule_anchor(from_date: date, weekday: int) -> date:
    """The first `weekday` (0 = Monday) on or after `from_date`."""
    return from_date + timedelta(days=(weekday - from_date.weekday()) % 7)


def local_wall(moment: datetime, zone: str) -> tuple[date, time]:
    local = moment.astimezone(ZoneInfo(zone))
    return local.date(), local.time().replace(tzinfo=None)
