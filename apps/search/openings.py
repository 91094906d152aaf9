"""Open lesson start times for many instructors at once, for search.

Every candidate's inputs are read in two queries whatever their number: the instructors'
open-time index rows (`availability.OpenQuarters`: the availability of 40 days as bits of
15-minute quarters, kept by the availability services) and their active bookings together with
the busy time imported from their own calendars (one UNION). A search
then finds an instructor's starts with a few integer operations (`QuarterSpan.starts`, exactly
the rules of `availability.slots.open_slots`: see availability/quarters.py), ANDed with the
asked window's quarters, computed once per search. An instructor whose row cannot answer (none
yet, built in another zone, not covering the horizon, or a lesson length that is not whole
quarters) has its day rows read in one more query and goes through `open_slots` itself.
tests/test_openings.py checks on generated calendars that both give the same starts.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import overload

from django.db.models import Exists, OuterRef

from apps.availability.cells import local_day_bounds, windows_from_masks
from apps.availability.feeds.selectors import busy_rows
from apps.availability.models import AvailabilityDay, BlackoutDate, ExternalBusy
from apps.availability.quarters import QuarterSpan
from apps.availability.slots import BusyInterval, SlotQuery, SlotRules, local_instants, open_slots
from apps.bookings.models import Booking
from apps.bookings.states import ACTIVE_STATUSES
from apps.search.criteria import SEARCH_ZONE, SEARCH_ZONE_NAME
from apps.search.listing import OpenSpan, open_spans
from apps.search.relax import DayWindow
from apps.search.sql import id_in


@dataclass(frozen=True, slots=True)
class CalendarAsk:
    """What a search needs of one instructor's calendar: the lesson lengths it will try."""

    timezone: str
    rules: SlotRules
    durations: frozenset[int]


@dataclass(frozen=True, slots=True)
class Calendar:
    """One instructor's inputs around the searched dates: the index row when it answers every
    asked length (`span`), else the day rows without day offs (`masks`); active bookings."""

    timezone: str
    rules: SlotRules
    bookings: tuple[BusyInterval, ...]
    span: QuarterSpan | None = None
    masks: Mapping[date, int] = field(default_factory=dict)
    # Open starts per (length, travel, now), found once and ANDed with each window tried.
    starts: dict[tuple[int, bool, datetime], int] = field(default_factory=dict, compare=False)


def calendar_span(window: DayWindow, today: date) -> tuple[date, date]:
    """The local dates whose day rows can matter: a day before (another zone's evening is New
    York's morning) and two after (another zone, plus a lesson running past midnight)."""
    return max(window.first, today) - timedelta(days=1), window.last + timedelta(days=2)


def calendar_list(
    asks: Mapping[int, CalendarAsk],
    first: date,
    last: date,
    *,
    now: datetime,
    indexed: Mapping[int, OpenSpan] | None = None,
) -> dict[int, Calendar]:
    """Calendars of many instructors over local dates first..last: index rows (from `indexed`,
    search's listing index in memory, else one query by primary key), active bookings (one
    query on the (instructor, starts_at) index), and day rows only for instructors whose index
    row cannot answer (usually none)."""
    ids = list(asks)
    spans: dict[int, QuarterSpan] = {}
    source = open_spans(ids) if indexed is None else indexed
    for pk, ask in asks.items():
        found = source.get(pk)
        if found is None:
            continue
        span = found.span
        if found.timezone == ask.timezone and all(
            span.serves(now=now, rules=ask.rules, duration=d) for d in ask.durations
        ):
            spans[pk] = span
    unindexed = [pk for pk in ids if pk not in spans]
    masks = _day_masks(unindexed, first, last) if unindexed else {}
    start, end = local_day_bounds(first, last, SEARCH_ZONE)
    bookings: dict[int, list[BusyInterval]] = defaultdict(list)
    active = Booking.objects.filter(
        id_in("instructor_id", ids), status__in=ACTIVE_STATUSES, starts_at__lt=end, ends_at__gt=start
    )
    imported = ExternalBusy.objects.filter(id_in("instructor_id", ids), starts_at__lt=end, ends_at__gt=start)
    for instructor_id, starts_at, ends_at, is_travel in busy_rows(active, imported):
        bookings[instructor_id].append(BusyInterval(starts_at, ends_at, is_travel))
    return {
        pk: Calendar(
            timezone=ask.timezone,
            rules=ask.rules,
            bookings=tuple(bookings.get(pk, ())),
            span=spans.get(pk),
            masks=masks.get(pk, {}),
        )
        for pk, ask in asks.items()
    }


def _day_masks(ids: list[int], first: date, last: date) -> dict[int, dict[date, int]]:
    """Day rows without day offs (a day off keeps its windows, the instructor may lift it)."""
    masks: dict[int, dict[date, int]] = defaultdict(dict)
    day_off = BlackoutDate.objects.filter(instructor_id=OuterRef("instructor_id"), date=OuterRef("date"))
    days = AvailabilityDay.objects.filter(id_in("instructor_id", ids), date__gte=first, date__lte=last)
    for instructor_id, day, cells in days.filter(~Exists(day_off)).values_list("instructor_id", "date", "cells"):
        masks[instructor_id][day] = cells
    return masks


def window_starts(
    calendar: Calendar,
    window: DayWindow,
    *,
    duration: int,
    is_travel: bool,
    now: datetime,
    limit: int,
) -> Sequence[datetime]:
    """The first `limit` open starts (UTC, ascending) whose New York local date and time of
    day fall in `window`."""
    span = calendar.span
    if span is None:
        return _reference_range(calendar, window, duration, is_travel, now)[:limit]
    key = (duration, is_travel, now)
    starts = calendar.starts.get(key)
    if starts is None:
        starts = calendar.starts[key] = span.starts(
            bookings=calendar.bookings,
            duration=duration,
            is_travel=is_travel,
            now=now,
            rules=calendar.rules,
            timezone=calendar.timezone,
        )
    return LazyStarts(span, starts & _window_quarters(span.origin, span.until, window), limit)


class LazyStarts(Sequence[datetime]):
    """The first `limit` starts of a mask, made instants only when read: a search asks every
    candidate whether it has a start, and reads the instants of one page of results."""

    __slots__ = ("_instants", "_limit", "_mask", "_span")

    def __init__(self, span: QuarterSpan, mask: int, limit: int) -> None:
        self._span, self._mask, self._limit = span, mask, limit
        self._instants: list[datetime] | None = None

    def _read(self) -> list[datetime]:
        if self._instants is None:
            self._instants = self._span.first_starts(self._mask, self._limit)
        return self._instants

    def __bool__(self) -> bool:
        return self._mask != 0 and self._limit > 0

    def __len__(self) -> int:
        return len(self._read())

    @overload
    def __getitem__(self, index: int) -> datetime: ...
    @overload
    def __getitem__(self, index: slice) -> list[datetime]: ...
    def __getitem__(self, index: int | slice) -> datetime | list[datetime]:
        return self._read()[index]

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented


@functools.lru_cache(maxsize=256)
def _window_quarters(origin: int, until: int, window: DayWindow) -> int:
    """The quarters of a span starting in `window` (New York dates and time of day): the same
    for every instructor indexed the same day, so built once per search and window."""
    span = QuarterSpan(origin=origin, until=until, bits=0)
    mask = 0
    for day in window.dates:
        for start, end in local_instants(
            tz=SEARCH_ZONE_NAME, day=day, start_minute=window.start_minute, end_minute=window.end_minute
        ):
            mask |= span.instants(start, end)
    return mask


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
