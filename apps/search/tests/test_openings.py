"""Search's batch openings: a calendar answered from the open-quarter index must give exactly
the starts of the reference rules (availability.slots.open_slots) over New York windows, on
generated calendars with bookings, notice, overnight protection, buffers and asked windows, in
New York (on DST days too) and in other zones; a calendar without an index row goes through
the reference itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.availability.cells import mask_from_ranges, windows_from_masks
from apps.availability.quarters import quarter_span
from apps.availability.slots import BusyInterval, SlotQuery, SlotRules, open_slots
from apps.search.openings import Calendar, window_starts
from apps.search.relax import DayWindow

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 6, 8)  # a week without DST changes
FULL_DAY = (1 << 48) - 1
# First days of five-day calendars: a plain week, the weeks of both New York changes.
FIRSTS = [MONDAY, date(2026, 3, 6), date(2026, 10, 30)]
ZONES = ["America/New_York", "America/New_York", "Europe/London", "Asia/Kathmandu", "America/Los_Angeles"]


def calendar_of(tz: str, rules: SlotRules, masks: dict[date, int], bookings: list[BusyInterval], *, now: datetime, indexed: bool) -> Calendar:  # fmt: skip
    """As calendar_list builds it: from the index row (built from yesterday, as the
    availability services build it), or from the day rows."""
    if not indexed:
        return Calendar(timezone=tz, rules=rules, bookings=tuple(bookings), masks=masks)
    span = quarter_span(masks, timezone=tz, first=now.astimezone(ZoneInfo(tz)).date() - timedelta(days=1))
    assert span is not None
    return Calendar(timezone=tz, rules=rules, bookings=tuple(bookings), span=span)


def _reference(calendar, window: DayWindow, *, duration: int, is_travel: bool, now: datetime) -> list[datetime]:
    """One call of the reference rules over the instructor's dates around the window, kept to
    the window's New York dates and time of day."""
    starts = open_slots(
        windows=windows_from_masks(calendar.masks),
        bookings=calendar.bookings,
        instructor_tz=calendar.timezone,
        query=SlotQuery(
            duration_minutes=duration,
            is_travel=is_travel,
            date_from=window.first - timedelta(days=1),
            date_to=window.last + timedelta(days=1),
        ),
        now=now,
        rules=calendar.rules,
    )
    local = [(s, s.astimezone(NY)) for s in starts]
    return [
        s
        for s, at in local
        if window.first <= at.date() <= window.last
        and window.start_minute <= at.hour * 60 + at.minute < window.end_minute
    ]


bookings_strategy = st.lists(
    st.tuples(
        st.integers(0, 4),  # day offset
        st.integers(0, 95).map(lambda q: q * 15),  # start minute on the quarter hour
        st.sampled_from([30, 45, 60, 90, 120]),
        st.booleans(),  # travel lesson
    ),
    max_size=4,
)


@settings(max_examples=400, deadline=None)
@given(
    masks=st.lists(st.integers(0, FULL_DAY), min_size=5, max_size=5),
    booked=bookings_strategy,
    now_offset=st.integers(-1440, 3 * 1440),
    now_seconds=st.integers(0, 59),
    first=st.integers(0, 2),
    span=st.integers(0, 2),
    start_quarter=st.integers(0, 94),
    length_quarters=st.integers(1, 96),
    duration=st.sampled_from([30, 45, 60, 90, 120, 240]),
    is_travel=st.booleans(),
    overnight=st.booleans(),
    buffer=st.sampled_from([0, 10, 15, 30]),
    travel_buffer=st.sampled_from([0, 45, 60, 90]),
    week=st.sampled_from(FIRSTS),
    tz=st.sampled_from(ZONES),
)
def test_the_index_gives_the_reference_starts(
    masks, booked, now_offset, now_seconds, first, span, start_quarter, length_quarters,
    duration, is_travel, overnight, buffer, travel_buffer, week, tz,
) -> None:  # fmt: skip
    zone = ZoneInfo(tz)
    days = {week + timedelta(days=n): mask for n, mask in enumerate(masks) if mask}
    bookings = []
    for offset, minute, length, travel in booked:
        midnight = datetime.combine(week + timedelta(days=offset), time(0), tzinfo=zone).astimezone(UTC)
        start = midnight + timedelta(minutes=minute)  # elapsed time (in UTC): DST days too
        bookings.append(BusyInterval(start, start + timedelta(minutes=length), travel))
    overnight_off = (
        {}
        if overnight
        else {"overnight_cutoff_hour": 24, "overnight_morning_hour": 0, "overnight_travel_morning_hour": 0}
    )
    rules = SlotRules(buffer_minutes=buffer, travel_buffer_minutes=travel_buffer, **overnight_off)
    now = datetime.combine(week, time(0), tzinfo=NY) + timedelta(minutes=now_offset, seconds=now_seconds)
    start_minute = start_quarter * 15
    window = DayWindow(
        week + timedelta(days=first),
        week + timedelta(days=first + span),
        start_minute,
        min(start_minute + length_quarters * 15, 1440),
    )
    indexed = calendar_of(tz, rules, days, bookings, now=now, indexed=True)
    unindexed = calendar_of(tz, rules, days, bookings, now=now, indexed=False)
    found = window_starts(indexed, window, duration=duration, is_travel=is_travel, now=now, limit=10_000)
    assert found == window_starts(unindexed, window, duration=duration, is_travel=is_travel, now=now, limit=10_000)
    assert found == _reference(unindexed, window, duration=duration, is_travel=is_travel, now=now)
    limited = window_starts(indexed, window, duration=duration, is_travel=is_travel, now=now, limit=3)
    assert limited == found[:3]


@pytest.mark.parametrize("indexed", [True, False])
def test_the_limit_keeps_the_earliest(indexed: bool) -> None:
    now = datetime(2026, 6, 7, 12, 0, tzinfo=NY)
    masks = {MONDAY: mask_from_ranges([(9 * 60, 12 * 60)])}
    calendar = calendar_of("America/New_York", SlotRules(), masks, [], now=now, indexed=indexed)
    starts = window_starts(calendar, DayWindow(MONDAY, MONDAY), duration=60, is_travel=False, now=now, limit=2)
    assert [s.astimezone(NY).strftime("%H:%M") for s in starts] == ["09:00", "09:15"]


@pytest.mark.parametrize("indexed", [True, False])
def test_a_lesson_may_run_past_midnight(indexed: bool) -> None:
    masks = {MONDAY: mask_from_ranges([(23 * 60, 24 * 60)]), MONDAY + timedelta(days=1): mask_from_ranges([(0, 60)])}
    now = datetime(2026, 6, 7, 12, 0, tzinfo=NY)
    calendar = calendar_of("America/New_York", SlotRules(), masks, [], now=now, indexed=indexed)
    starts = window_starts(calendar, DayWindow(MONDAY, MONDAY), duration=90, is_travel=False, now=now, limit=10)
    assert [s.astimezone(NY).strftime("%H:%M") for s in starts] == ["23:00", "23:15", "23:30"]


@pytest.mark.parametrize("indexed", [True, False])
def test_the_fall_back_day_offers_both_one_oclocks(indexed: bool) -> None:
    sunday = date(2026, 11, 1)
    now = datetime(2026, 10, 30, 12, 0, tzinfo=NY)
    masks = {sunday: mask_from_ranges([(0, 3 * 60)])}
    calendar = calendar_of("America/New_York", SlotRules(), masks, [], now=now, indexed=indexed)
    starts = window_starts(
        calendar, DayWindow(sunday, sunday, 60, 120), duration=60, is_travel=False, now=now, limit=10
    )
    assert [s.isoformat() for s in starts] == [
        "2026-11-01T05:00:00+00:00", "2026-11-01T05:15:00+00:00", "2026-11-01T05:30:00+00:00",
        "2026-11-01T05:45:00+00:00", "2026-11-01T06:00:00+00:00", "2026-11-01T06:15:00+00:00",
        "2026-11-01T06:30:00+00:00", "2026-11-01T06:45:00+00:00",
    ]  # fmt: skip


@pytest.mark.parametrize("indexed", [True, False])
def test_an_instructor_in_another_zone_is_searched_in_new_york_time(indexed: bool) -> None:
    masks = {MONDAY: mask_from_ranges([(18 * 60, 20 * 60)])}  # 18:00–20:00 in London = 1–3 pm in New York
    now = datetime(2026, 6, 7, 12, 0, tzinfo=NY)
    calendar = calendar_of("Europe/London", SlotRules(), masks, [], now=now, indexed=indexed)
    starts = window_starts(
        calendar, DayWindow(MONDAY, MONDAY, 12 * 60, 17 * 60), duration=60, is_travel=False, now=now, limit=3
    )
    assert [s.astimezone(NY).strftime("%H:%M") for s in starts] == ["13:00", "13:15", "13:30"]
