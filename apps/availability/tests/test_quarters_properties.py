"""Property tests: search's open-quarter index gives exactly the starts of `open_slots`.

Random day masks (30-minute cells, as stored) around DST changes in New York, London and
Lord Howe (a half-hour shift) and in +05:45 Kathmandu, random bookings with seconds in them
(travel or not), random rules and a random `now`: the starts decoded from `QuarterSpan.starts`
must equal `open_slots` over the whole horizon, for every duration of whole quarters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.availability.cells import CELLS_PER_DAY, windows_from_masks
from apps.availability.quarters import QuarterSpan, quarter_span
from apps.availability.slots import BusyInterval, SlotQuery, SlotRules, open_slots

from .test_slots_properties import PLACES

DAYS = 5  # local dates with availability per scenario
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

rules_strategy = st.builds(
    SlotRules,
    buffer_minutes=st.sampled_from([0, 5, 15, 15, 30, 45]),
    travel_buffer_minutes=st.sampled_from([0, 15, 50, 60, 60, 90]),
    notice_minutes=st.sampled_from([0, 1, 60, 60, 119]),
    travel_notice_minutes=st.sampled_from([0, 60, 180, 180]),
    overnight_cutoff_hour=st.sampled_from([0, 18, 20, 20, 20, 23, 24]),
    overnight_morning_hour=st.sampled_from([0, 3, 9, 9, 12]),
    overnight_travel_morning_hour=st.sampled_from([0, 2, 11, 11, 24]),
    horizon_days=st.sampled_from([1, 2, 3, 3]),
)


def _mask(draw: st.DrawFn) -> int:
    if draw(st.integers(0, 7)) == 0:
        return (1 << CELLS_PER_DAY) - 1  # whole days: lessons run across midnight
    mask = 0
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, CELLS_PER_DAY - 1))
        end = draw(st.integers(start + 1, min(CELLS_PER_DAY, start + 16)))
        mask |= ((1 << (end - start)) - 1) << start
    return mask


@st.composite
def calendars(draw: st.DrawFn) -> tuple[str, dict[date, int], list[BusyInterval], datetime, SlotRules]:
    tz, first = draw(st.sampled_from(PLACES))
    zone = ZoneInfo(tz)
    masks = {first + timedelta(days=n): _mask(draw) for n in range(DAYS) if draw(st.integers(0, 4))}
    origin = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    now = origin + timedelta(microseconds=draw(st.integers(-43_200_000_000, 2 * 86_400_000_000)))
    if draw(st.booleans()):
        now = now.replace(second=0, microsecond=0)
    bookings = []
    for _ in range(draw(st.integers(0, 6))):
        starts_at = origin + timedelta(seconds=draw(st.integers(0, DAYS * 86_400)))
        if draw(st.booleans()):
            starts_at = starts_at.replace(second=0) - timedelta(minutes=starts_at.minute % 15)
        length = timedelta(minutes=draw(st.sampled_from([30, 45, 60, 90]) | st.integers(1, 240)))
        bookings.append(BusyInterval(starts_at, starts_at + length, draw(st.booleans())))
    return tz, masks, bookings, now, draw(rules_strategy)


def _span(tz: str, masks: dict[date, int], now: datetime, rules: SlotRules) -> QuarterSpan:
    first = now.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)
    span = quarter_span(masks, timezone=tz, first=first, days=rules.horizon_days + 3)
    assert span is not None  # every zone here keeps quarters on its grid
    return span


@PROPERTY_SETTINGS
@given(calendar=calendars(), duration=st.sampled_from([15, 30, 45, 60, 90, 120, 180, 240]), is_travel=st.booleans())
def test_quarter_starts_equal_open_slots(
    calendar: tuple[str, dict[date, int], list[BusyInterval], datetime, SlotRules], duration: int, is_travel: bool
) -> None:
    tz, masks, bookings, now, rules = calendar
    span = _span(tz, masks, now, rules)
    assert span.serves(now=now, rules=rules, duration=duration)
    mask = span.starts(bookings=bookings, duration=duration, is_travel=is_travel, now=now, rules=rules, timezone=tz)
    expected = open_slots(
        windows=windows_from_masks(masks),
        bookings=bookings,
        instructor_tz=tz,
        query=SlotQuery(duration_minutes=duration, is_travel=is_travel),
        now=now,
        rules=rules,
    )
    assert span.first_starts(mask, limit=100_000) == expected


@PROPERTY_SETTINGS
@given(calendar=calendars())
def test_stored_bytes_give_back_the_span(
    calendar: tuple[str, dict[date, int], list[BusyInterval], datetime, SlotRules],
) -> None:
    tz, masks, _, now, rules = calendar
    span = _span(tz, masks, now, rules)
    assert QuarterSpan.of(span.origin_at, span.until_at, span.to_bytes()) == span


def test_a_span_serves_only_what_it_covers_whole() -> None:
    now = datetime(2026, 6, 10, 14, 0, 30, tzinfo=UTC)
    span = _span("America/New_York", {}, now, SlotRules())  # 33 days from yesterday
    rules = SlotRules()
    assert span.serves(now=now, rules=rules, duration=60)
    assert not span.serves(now=now, rules=rules, duration=50)  # not whole quarters
    assert not span.serves(now=now, rules=SlotRules(grid_minutes=30), duration=60)
    assert not span.serves(now=now + timedelta(days=2, hours=12), rules=rules, duration=60)  # horizon past the end
    assert not span.serves(now=span.origin_at - timedelta(minutes=1), rules=rules, duration=60)


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (30, ["09:00", "09:15", "09:30", "09:45", "10:00"]),
        (60, ["09:00", "09:15", "09:30"]),
        (45, ["09:00", "09:15", "09:30", "09:45"]),
    ],
)
def test_a_padded_booking_takes_every_quarter_it_touches(duration: int, expected: list[str]) -> None:
    tz, day = "America/New_York", date(2026, 6, 10)
    zone = ZoneInfo(tz)
    masks = {day: sum(1 << cell for cell in range(18, 24))}  # 09:00-12:00
    # Padded by 15 minutes: 10:35-12:05, so the quarter 10:30-10:45 is lost; a lesson may end at 10:30.
    booking_start = datetime.combine(day, time(10, 50), tzinfo=zone)
    bookings = [BusyInterval(booking_start, booking_start + timedelta(minutes=60))]
    now = datetime.combine(day - timedelta(days=1), time(12), tzinfo=zone)
    span = _span(tz, masks, now, SlotRules())
    mask = span.starts(bookings=bookings, duration=duration, is_travel=False, now=now, rules=SlotRules(), timezone=tz)
    assert [start.astimezone(zone).strftime("%H:%M") for start in span.first_starts(mask, 10)] == expected
