"""Search's batch openings: the fast path on a day's cells must give exactly the starts of the
reference rules (availability.slots.open_slots), on generated calendars with bookings,
notice, overnight protection, buffers and asked windows; DST days, windows running into
midnight and other zones go through the reference itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.availability.cells import mask_from_ranges, windows_from_masks
from apps.availability.slots import BusyInterval, SlotQuery, SlotRules, open_slots
from apps.search.openings import _simple_day, calendar_build, window_starts
from apps.search.relax import DayWindow

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 6, 8)  # a week without DST changes
FULL_DAY = (1 << 48) - 1


def _reference(calendar, window: DayWindow, *, duration: int, is_travel: bool, now: datetime) -> list[datetime]:
    """One call of the reference rules over the whole window, kept to its time of day."""
    starts = open_slots(
        windows=windows_from_masks(calendar.masks),
        bookings=calendar.bookings,
        instructor_tz=calendar.timezone,
        query=SlotQuery(duration_minutes=duration, is_travel=is_travel, date_from=window.first, date_to=window.last),
        now=now,
        rules=calendar.rules,
    )
    minutes = [(s, s.astimezone(NY).hour * 60 + s.astimezone(NY).minute) for s in starts]
    return [s for s, minute in minutes if window.start_minute <= minute < window.end_minute]


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
)
def test_fast_path_equals_the_reference_rules(
    masks, booked, now_offset, now_seconds, first, span, start_quarter, length_quarters,
    duration, is_travel, overnight, buffer, travel_buffer,
) -> None:  # fmt: skip
    days = {MONDAY + timedelta(days=n): mask for n, mask in enumerate(masks) if mask}
    bookings = []
    for offset, minute, length, travel in booked:
        start = datetime.combine(MONDAY + timedelta(days=offset), time(0), tzinfo=NY) + timedelta(minutes=minute)
        bookings.append(
            BusyInterval(start.astimezone(UTC), (start + timedelta(minutes=length)).astimezone(UTC), travel)
        )
    overnight_off = (
        {}
        if overnight
        else {"overnight_cutoff_hour": 24, "overnight_morning_hour": 0, "overnight_travel_morning_hour": 0}
    )
    rules = SlotRules(buffer_minutes=buffer, travel_buffer_minutes=travel_buffer, **overnight_off)
    calendar = calendar_build("America/New_York", rules, days, bookings)
    now = datetime.combine(MONDAY, time(0), tzinfo=NY) + timedelta(minutes=now_offset, seconds=now_seconds)
    start_minute = start_quarter * 15
    window = DayWindow(
        MONDAY + timedelta(days=first),
        MONDAY + timedelta(days=first + span),
        start_minute,
        min(start_minute + length_quarters * 15, 1440),
    )
    fast = window_starts(calendar, window, duration=duration, is_travel=is_travel, now=now, limit=10_000)
    per_day = window_starts(calendar, window, duration=duration, is_travel=is_travel, now=now, limit=10_000, reference=True)  # fmt: skip
    assert fast == per_day
    assert fast == _reference(calendar, window, duration=duration, is_travel=is_travel, now=now)


def test_the_limit_keeps_the_earliest() -> None:
    calendar = calendar_build("America/New_York", SlotRules(), {MONDAY: mask_from_ranges([(9 * 60, 12 * 60)])}, [])
    now = datetime(2026, 6, 7, 12, 0, tzinfo=NY)
    starts = window_starts(calendar, DayWindow(MONDAY, MONDAY), duration=60, is_travel=False, now=now, limit=2)
    assert [s.astimezone(NY).strftime("%H:%M") for s in starts] == ["09:00", "09:15"]


def test_dst_days_and_midnight_runs_are_not_simple() -> None:
    evening = mask_from_ranges([(20 * 60, 22 * 60)])
    assert _simple_day(MONDAY, evening)
    assert not _simple_day(date(2026, 11, 1), evening)  # fall back
    assert not _simple_day(date(2026, 3, 8), evening)  # spring forward
    assert not _simple_day(MONDAY, mask_from_ranges([(22 * 60, 24 * 60)]))


def test_a_lesson_may_run_past_midnight() -> None:
    masks = {MONDAY: mask_from_ranges([(23 * 60, 24 * 60)]), MONDAY + timedelta(days=1): mask_from_ranges([(0, 60)])}
    calendar = calendar_build("America/New_York", SlotRules(), masks, [])
    now = datetime(2026, 6, 7, 12, 0, tzinfo=NY)
    starts = window_starts(calendar, DayWindow(MONDAY, MONDAY), duration=90, is_travel=False, now=now, limit=10)
    assert [s.astimezone(NY).strftime("%H:%M") for s in starts] == ["23:00", "23:15", "23:30"]


def test_the_fall_back_day_offers_both_one_oclocks() -> None:
    sunday = date(2026, 11, 1)
    calendar = calendar_build("America/New_York", SlotRules(), {sunday: mask_from_ranges([(0, 3 * 60)])}, [])
    now = datetime(2026, 10, 30, 12, 0, tzinfo=NY)
    starts = window_starts(
        calendar, DayWindow(sunday, sunday, 60, 120), duration=60, is_travel=False, now=now, limit=10
    )
    assert [s.isoformat() for s in starts] == [
        "2026-11-01T05:00:00+00:00", "2026-11-01T05:15:00+00:00", "2026-11-01T05:30:00+00:00",
        "2026-11-01T05:45:00+00:00", "2026-11-01T06:00:00+00:00", "2026-11-01T06:15:00+00:00",
        "2026-11-01T06:30:00+00:00", "2026-11-01T06:45:00+00:00",
    ]  # fmt: skip


def test_an_instructor_in_another_zone_is_searched_in_new_york_time() -> None:
    masks = {MONDAY: mask_from_ranges([(18 * 60, 20 * 60)])}  # 18:00–20:00 in London = 1–3 pm in New York
    calendar = calendar_build("Europe/London", SlotRules(), masks, [])
    now = datetime(2026, 6, 7, 12, 0, tzinfo=NY)
    starts = window_starts(
        calendar, DayWindow(MONDAY, MONDAY, 12 * 60, 17 * 60), duration=60, is_travel=False, now=now, limit=3
    )
    assert [s.astimezone(NY).strftime("%H:%M") for s in starts] == ["13:00", "13:15", "13:30"]
