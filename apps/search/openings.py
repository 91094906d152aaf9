"""Open lesson start times for many instructors at once, for search.

The inputs of every candidate are read in two queries whatever their number (day masks
without blackout dates, and active bookings with the busy time imported from the instructors'
own calendars: `calendar_list`), then each instructor's
openings in a window are found in Python. The reference rules are `availability.slots.open_slots`; running them for
hundreds of instructors per search costs ~0.3–0.7 ms each, so the common day is computed
directly on its cells instead: a New York instructor, a day without a DST change, and no
window running into midnight. That fast path applies exactly the same rules (bookings padded
by the buffers, advance notice, overnight protection, horizon, the 15-minute grid) in epoch
minutes; every other day, and every instructor in another zone, goes through `open_slots`.
tests/test_openings.py checks on generated calendars that both give the same starts.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Exists, OuterRef

from apps.availability.cells import CELLS_PER_DAY, local_day_bounds, ranges_from_mask, windows_from_masks
from apps.availability.feeds.selectors import busy_rows
from apps.availability.models import AvailabilityDay, BlackoutDate, ExternalBusy
from apps.availability.slots import BusyInterval, SlotQuery, SlotRules, open_slots
from apps.bookings.models import Booking
from apps.bookings.states import ACTIVE_STATUSES
from apps.search.criteria import SEARCH_ZONE, SEARCH_ZONE_NAME
from apps.search.relax import DayWindow
from apps.search.sql import id_in

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_CELL = 1 << (CELLS_PER_DAY - 1)
MINUTES_PER_DAY = 24 * 60
Interval = tuple[int, int]  # [start, end) in minutes since the Unix epoch


@dataclass(frozen=True, slots=True)
class Calendar:
    """One instructor's inputs around the searched dates. Blackout days are already removed
    from `masks`; `busy` and `busy_travel` are the bookings padded for a non-travel and a
    travel lesson, merged, in epoch minutes."""

    timezone: str
    rules: SlotRules
    masks: Mapping[date, int]
    bookings: tuple[BusyInterval, ...]
    busy: tuple[Interval, ...]
    busy_travel: tuple[Interval, ...]


def calendar_build(
    timezone: str, rules: SlotRules, masks: Mapping[date, int], bookings: Sequence[BusyInterval]
) -> Calendar:
    return Calendar(
        timezone=timezone,
        rules=rules,
        masks=masks,
        bookings=tuple(bookings),
        busy=_padded(bookings, is_travel=False, rules=rules),
        busy_travel=_padded(bookings, is_travel=True, rules=rules),
    )


def calendar_span(window: DayWindow, today: date) -> tuple[date, date]:
    """The local dates whose rows can matter: a day before (another zone's evening is New
    York's morning) and two after (another zone, plus a lesson running past midnight)."""
    return max(window.first, today) - timedelta(days=1), window.last + timedelta(days=2)


def calendar_list(instructors: Mapping[int, tuple[str, SlotRules]], first: date, last: date) -> dict[int, Calendar]:
    """Calendars of many instructors (id -> (zone, rules)) over local dates first..last, in
    two queries: day rows without blackout days (the (instructor, date) unique indexes), and
    active bookings plus imported busy time (their (instructor, starts_at) indexes, one UNION)."""
    ids = list(instructors)
    masks: dict[int, dict[date, int]] = defaultdict(dict)
    # A day off keeps its windows (the instructor may lift it) but offers nothing.
    day_off = BlackoutDate.objects.filter(instructor_id=OuterRef("instructor_id"), date=OuterRef("date"))
    days = AvailabilityDay.objects.filter(id_in("instructor_id", ids), date__gte=first, date__lte=last)
    for instructor_id, day, cells in days.filter(~Exists(day_off)).values_list("instructor_id", "date", "cells"):
        masks[instructor_id][day] = cells
    start, end = local_day_bounds(first, last, SEARCH_ZONE)
    bookings: dict[int, list[BusyInterval]] = defaultdict(list)
    active = Booking.objects.filter(
        id_in("instructor_id", ids), status__in=ACTIVE_STATUSES, starts_at__lt=end, ends_at__gt=start
    )
    imported = ExternalBusy.objects.filter(id_in("instructor_id", ids), starts_at__lt=end, ends_at__gt=start)
    for instructor_id, starts_at, ends_at, is_travel in busy_rows(active, imported):
        bookings[instructor_id].append(BusyInterval(starts_at, ends_at, is_travel))
    return {
        pk: calendar_build(zone, rules, masks.get(pk, {}), bookings.get(pk, []))
        for pk, (zone, rules) in instructors.items()
    }


def window_starts(
    calendar: Calendar,
    window: DayWindow,
    *,
    duration: int,
    is_travel: bool,
    now: datetime,
    limit: int,
    reference: bool = False,
) -> list[datetime]:
    """The first `limit` open starts (UTC, ascending) whose New York local date and time of
    day fall in `window`. `reference=True` forces the reference rules (for tests)."""
    if calendar.timezone != SEARCH_ZONE_NAME:
        return _reference_range(calendar, window, duration, is_travel, now)[:limit]
    now_minute = _ceil_minute(now)
    found: list[datetime] = []
    for day in window.dates:
        mask = calendar.masks.get(day, 0)
        if not mask:
            continue  # a start needs the cell it starts in, on its own date
        if reference or not _simple_day(day, mask):
            one_day = DayWindow(day, day, window.start_minute, window.end_minute)
            found += _reference_range(calendar, one_day, duration, is_travel, now)
        else:
            minutes = _day_starts(calendar, day, mask, window, duration, is_travel, now_minute, limit - len(found))
            found += [_EPOCH + timedelta(minutes=minute) for minute in minutes]
        if len(found) >= limit:
            break
    return found[:limit]


# --- the fast path ------------------------------------------------------------------------


def _day_starts(
    calendar: Calendar,
    day: date,
    mask: int,
    window: DayWindow,
    duration: int,
    is_travel: bool,
    now_minute: int,
    limit: int,
) -> list[int]:
    """Open starts on one simple day, in epoch minutes: the day's runs of cells minus padded
    bookings, then notice, horizon, the asked time of day and overnight protection."""
    rules = calendar.rules
    midnight = _midnight_minute(day)
    notice = rules.travel_notice_minutes if is_travel else rules.notice_minutes
    low = max(now_minute + notice, midnight + window.start_minute)
    high = min(midnight + window.end_minute, now_minute + rules.horizon_days * MINUTES_PER_DAY)
    if low >= high:
        return []
    blocked = _overnight_block(day, midnight, is_travel, rules, now_minute)
    runs = [(midnight + start, midnight + end) for start, end in _ranges(mask)]
    free = _subtract(runs, calendar.busy_travel if is_travel else calendar.busy)
    starts: list[int] = []
    grid = rules.grid_minutes
    for free_start, free_end in free:
        first, stop = max(free_start, low), min(free_end - duration + 1, high)
        minute = first + (midnight - first) % grid  # local quarter hours (midnight is on the grid)
        while minute < stop:
            if not blocked[0] <= minute < blocked[1]:
                starts.append(minute)
                if len(starts) >= limit:
                    return starts
            minute += grid
    return starts


def _overnight_block(day: date, midnight: int, is_travel: bool, rules: SlotRules, now_minute: int) -> Interval:
    """Starts protected by the overnight rule on `day` (slots.py rule 4), or an empty interval."""
    protected, morning = _protected_morning(now_minute, rules, is_travel)
    return (midnight, midnight + morning * 60) if protected == day else (0, 0)


@functools.lru_cache(maxsize=64)
def _protected_morning(now_minute: int, rules: SlotRules, is_travel: bool) -> tuple[date | None, int]:
    """The morning the overnight rule protects and its last hour, once per search (the same
    `now` and few distinct rules across every candidate)."""
    now_local = (_EPOCH + timedelta(minutes=now_minute)).astimezone(SEARCH_ZONE)
    morning = rules.overnight_travel_morning_hour if is_travel else rules.overnight_morning_hour
    if now_local.hour >= rules.overnight_cutoff_hour:
        return now_local.date() + timedelta(days=1), morning
    if now_local.hour < morning:
        return now_local.date(), morning
    return None, morning


@functools.lru_cache(maxsize=4096)
def _ranges(mask: int) -> tuple[tuple[int, int], ...]:
    # Few distinct masks repeat across thousands of instructors (demo patterns, common hours).
    return tuple(ranges_from_mask(mask))


@functools.lru_cache(maxsize=512)
def _midnight_minute(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=SEARCH_ZONE).timestamp()) // 60


def _simple_day(day: date, mask: int) -> bool:
    """No open cell at 23:30 (a lesson could run on into the next day's windows) and no DST
    change during the day (one UTC offset, so wall minutes map linearly to instants)."""
    return (
        not mask & _LAST_CELL and _midnight_minute(day + timedelta(days=1)) - _midnight_minute(day) == MINUTES_PER_DAY
    )


# --- the reference rules --------------------------------------------------------------------


def _reference_range(
    calendar: Calendar, window: DayWindow, duration: int, is_travel: bool, now: datetime
) -> list[datetime]:
    """`open_slots` over instructor-local dates around the window, kept to the window's New
    York dates and time of day."""
    first, last = window.first - timedelta(days=1), window.last + timedelta(days=1)
    # Windows of the day before `first` can still be merged with it; a lesson may spill a day.
    lo, hi = first - timedelta(days=1), last + timedelta(days=1)
    masks = {day: cells for day, cells in calendar.masks.items() if lo <= day <= hi}
    starts = open_slots(
        windows=windows_from_masks(masks),
        bookings=calendar.bookings,
        instructor_tz=calendar.timezone,
        query=SlotQuery(duration_minutes=duration, is_travel=is_travel, date_from=first, date_to=last),
        now=now,
        rules=calendar.rules,
    )
    return [start for start in starts if _in_window(start, window)]


def _in_window(start: datetime, window: DayWindow) -> bool:
    local = start.astimezone(SEARCH_ZONE)
    minute = local.hour * 60 + local.minute
    return window.first <= local.date() <= window.last and window.start_minute <= minute < window.end_minute


# --- interval helpers -----------------------------------------------------------------------


def _ceil_minute(value: datetime) -> int:
    microseconds = (value - _EPOCH) // timedelta(microseconds=1)
    return -(-microseconds // 60_000_000)


def _floor_minute(value: datetime) -> int:
    return int((value - _EPOCH) // timedelta(minutes=1))


def _padded(bookings: Sequence[BusyInterval], *, is_travel: bool, rules: SlotRules) -> tuple[Interval, ...]:
    if not bookings:
        return ()  # most calendars: nothing to pad
    padded = []
    for booking in bookings:
        pad = rules.travel_buffer_minutes if (is_travel or booking.is_travel) else rules.buffer_minutes
        padded.append((_floor_minute(booking.starts_at) - pad, _ceil_minute(booking.ends_at) + pad))
    merged: list[Interval] = []
    for start, end in sorted(padded):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _subtract(base: list[Interval], cut: Sequence[Interval]) -> list[Interval]:
    """`base` minus `cut`, both sorted and disjoint."""
    if not cut:
        return base
    result: list[Interval] = []
    for start, end in base:
        cursor = start
        for cut_start, cut_end in cut:
            if cut_end <= cursor or cut_start >= end:
                continue
            if cut_start > cursor:
                result.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
        if cursor < end:
            result.append((cursor, end))
    return result
