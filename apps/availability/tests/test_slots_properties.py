"""Property tests: random calendars against a slow, obviously-correct reference.

The reference walks real time minute by minute with `zoneinfo` and checks each rule straight
from its wording; `open_slots` uses interval arithmetic instead. Scenarios cluster around DST
changes (New York, London, and Lord Howe's half-hour shift) and a +05:45 zone, with random
rules, seconds in `now` and in bookings, and optional date ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.availability.slots import BusyInterval, SlotQuery, SlotRules, Window, open_slots

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
# (zone, the day before one of its offset changes): New York and London by an hour each way,
# Lord Howe by half an hour.
CHANGES = [
    ("America/New_York", date(2026, 3, 7)),
    ("America/New_York", date(2026, 10, 31)),
    ("Europe/London", date(2026, 3, 28)),
    ("Europe/London", date(2026, 10, 24)),
    ("Australia/Lord_Howe", date(2026, 4, 4)),
    ("Australia/Lord_Howe", date(2026, 10, 3)),
]
PLACES = [*CHANGES, ("America/New_York", date(2026, 6, 9)), ("Asia/Kathmandu", date(2026, 6, 9))]
DAYS = 4  # calendar span per scenario: keeps the minute-by-minute reference quick
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass
class Scenario:
    tz: str
    windows: list[Window]
    bookings: list[BusyInterval]
    query: SlotQuery
    now: datetime
    rules: SlotRules
    # memo for the reference's minute-by-minute availability walk
    available_minutes: dict[datetime, bool] = field(default_factory=dict, repr=False, compare=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def slots(self) -> list[datetime]:
        return open_slots(
            windows=self.windows,
            bookings=self.bookings,
            instructor_tz=self.tz,
            query=self.query,
            now=self.now,
            rules=self.rules,
        )


@st.composite
def windows(draw: st.DrawFn, first: date, *, around_change: bool = False) -> Window:
    if around_change:
        # The day after `first` is the change date in every CHANGES entry: hug the small hours.
        day = first + timedelta(days=1)
        start = draw(st.integers(0, 180)) // 5 * 5
        end = draw(st.integers(start + 5, 360)) // 5 * 5
        return Window(day, time(start // 60, start % 60), time(end // 60, end % 60))
    day = first + timedelta(days=draw(st.integers(0, DAYS - 1)))
    if draw(st.integers(0, 9)) == 0:
        return Window(day, time(0), None)  # whole days, so lessons can run across midnight
    start = draw(st.integers(0, 1435)) // 5 * 5  # off-grid starts too
    end = draw(st.integers(start + 5, 1440)) // 5 * 5
    return Window(day, time(start // 60, start % 60), None if end == 1440 else time(end // 60, end % 60))


@st.composite
def bookings(draw: st.DrawFn, origin: datetime, zone: ZoneInfo, calendar: list[Window]) -> BusyInterval:
    if draw(st.booleans()):
        # Half start inside a window, so that bookings and buffers actually carve up availability.
        w = draw(st.sampled_from(calendar))
        minute = draw(st.integers(w.start.hour * 60 + w.start.minute, w.end_minute - 1))
        local = datetime.combine(w.date, time(minute // 60, minute % 60), tzinfo=zone)
        starts_at = local.astimezone(UTC) + timedelta(seconds=draw(st.sampled_from([0, 0, 0, 1, 30, 59])))
    else:
        starts_at = origin + timedelta(seconds=draw(st.integers(-86_400, DAYS * 86_400)))
    length = timedelta(seconds=draw(st.integers(60, 4 * 3600)))
    return BusyInterval(starts_at, starts_at + length, draw(st.booleans()))


# Defaults dominate so that most scenarios still have slots; the extremes (0, 24) switch rules
# off or make them swallow whole mornings.
rules_strategy = st.builds(
    SlotRules,
    buffer_minutes=st.sampled_from([0, 5, 15, 15, 30]),
    travel_buffer_minutes=st.sampled_from([0, 15, 60, 60, 90]),
    notice_minutes=st.sampled_from([0, 1, 60, 60, 119]),
    travel_notice_minutes=st.sampled_from([0, 60, 180, 180]),
    overnight_cutoff_hour=st.sampled_from([0, 18, 20, 20, 20, 23, 24]),
    overnight_morning_hour=st.sampled_from([0, 3, 9, 9, 12]),
    overnight_travel_morning_hour=st.sampled_from([0, 2, 11, 11, 24]),
    horizon_days=st.sampled_from([1, 2, 3, 3]),
    grid_minutes=st.sampled_from([5, 15, 15, 15, 30, 60]),
)


def without_overnight(rules: SlotRules) -> SlotRules:
    """Overnight protection blanks the small hours where clocks change; lift it to see them."""
    return replace(rules, overnight_cutoff_hour=24, overnight_morning_hour=0, overnight_travel_morning_hour=0)


@st.composite
def scenarios(draw: st.DrawFn, *, around_change: bool = False) -> Scenario:
    tz, first = draw(st.sampled_from(CHANGES if around_change else PLACES))
    zone = ZoneInfo(tz)
    origin = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    calendar = draw(st.lists(windows(first, around_change=around_change), min_size=1, max_size=8))
    if draw(st.booleans()):
        now = origin + timedelta(microseconds=draw(st.integers(-43_200_000_000, 86_400_000_000)))
    else:
        # A few hours before some window opens, so that notice and overnight edges bite.
        opens = draw(st.sampled_from(calendar))
        opening = datetime.combine(opens.date, opens.start, tzinfo=zone).astimezone(UTC)
        now = opening - timedelta(microseconds=draw(st.integers(0, 5 * 3_600_000_000)))
    if draw(st.booleans()):
        now = now.replace(second=0, microsecond=0)
    date_from = draw(st.none() | st.sampled_from([first + timedelta(days=n) for n in range(-1, DAYS)]))
    date_to = draw(st.none() | st.sampled_from([first + timedelta(days=n) for n in range(DAYS + 1)]))
    if date_from is not None and date_to is not None and date_from > date_to:
        date_from, date_to = date_to, date_from
    query = SlotQuery(
        duration_minutes=draw(st.sampled_from([15, 30, 45, 60, 90, 120, 180]) | st.integers(1, 300)),
        is_travel=draw(st.booleans()),
        date_from=date_from,
        date_to=date_to,
    )
    return Scenario(
        tz=tz,
        windows=calendar,
        bookings=draw(st.lists(bookings(origin, zone, calendar), max_size=6)),
        query=query,
        now=now.astimezone(draw(st.sampled_from([UTC, zone]))),  # any aware `now` works
        rules=draw(rules_strategy | rules_strategy.map(without_overnight) if around_change else rules_strategy),
    )


# --- the reference: one rule per function, checked minute by minute --------------------------


def at_minute(minute: int) -> datetime:
    return EPOCH + minute * MINUTE


def available(s: Scenario, instant: datetime) -> bool:
    """Some window holds this instant's local date and wall time."""
    if instant not in s.available_minutes:
        local = instant.astimezone(s.zone)
        minute_of_day = local.hour * 60 + local.minute
        s.available_minutes[instant] = any(
            w.date == local.date() and w.start.hour * 60 + w.start.minute <= minute_of_day < w.end_minute
            for w in s.windows
        )
    return s.available_minutes[instant]


def fits_availability(s: Scenario, start: datetime) -> bool:
    return all(available(s, start + n * MINUTE) for n in range(s.query.duration_minutes))


def clear_of_bookings(s: Scenario, start: datetime) -> bool:
    end = start + s.query.duration_minutes * MINUTE
    for b in s.bookings:
        pad = (s.rules.travel_buffer_minutes if (b.is_travel or s.query.is_travel) else s.rules.buffer_minutes) * MINUTE
        if start < b.ends_at + pad and b.starts_at - pad < end:
            return False
    return True


def meets_notice(s: Scenario, start: datetime) -> bool:
    notice = s.rules.travel_notice_minutes if s.query.is_travel else s.rules.notice_minutes
    return start >= s.now.astimezone(UTC) + notice * MINUTE  # elapsed time, so add in UTC


def within_horizon(s: Scenario, start: datetime) -> bool:
    return start < s.now.astimezone(UTC) + timedelta(days=s.rules.horizon_days)


def within_dates(s: Scenario, start: datetime) -> bool:
    day = start.astimezone(s.zone).date()
    return (s.query.date_from is None or day >= s.query.date_from) and (
        s.query.date_to is None or day <= s.query.date_to
    )


def not_overnight_protected(s: Scenario, start: datetime) -> bool:
    asked = s.now.astimezone(s.zone)
    morning = s.rules.overnight_travel_morning_hour if s.query.is_travel else s.rules.overnight_morning_hour
    if asked.hour >= s.rules.overnight_cutoff_hour:
        protected = asked.date() + timedelta(days=1)
    elif asked.hour < morning:
        protected = asked.date()
    else:
        return True
    local = start.astimezone(s.zone)
    return not (local.date() == protected and local.hour < morning)


def on_grid(s: Scenario, start: datetime) -> bool:
    local = start.astimezone(s.zone)
    return start.second == 0 and start.microsecond == 0 and (local.hour * 60 + local.minute) % s.rules.grid_minutes == 0


RULES = (
    on_grid,
    meets_notice,
    within_horizon,
    within_dates,
    not_overnight_protected,
    clear_of_bookings,
    fits_availability,
)


def reference(s: Scenario) -> list[datetime]:
    """Every whole minute from `now` to the horizon that passes every rule."""
    first = -(-(s.now - EPOCH) // MINUTE)
    last = (s.now.astimezone(UTC) + timedelta(days=s.rules.horizon_days) - EPOCH) // MINUTE
    return [at_minute(m) for m in range(first, last + 1) if all(rule(s, at_minute(m)) for rule in RULES)]


# --- properties -------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(scenarios())
def test_slots_are_sorted_unique_utc_instants_on_the_local_grid(s: Scenario) -> None:
    found = s.slots()
    assert found == sorted(set(found))
    for slot in found:
        assert slot.tzinfo is UTC
        assert on_grid(s, slot), slot


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_slot_leaves_availability_overlaps_a_padded_booking_or_breaks_notice(s: Scenario) -> None:
    for slot in s.slots():
        assert fits_availability(s, slot), slot
        assert clear_of_bookings(s, slot), slot
        assert meets_notice(s, slot), slot
        assert within_horizon(s, slot), slot
        assert within_dates(s, slot), slot
        assert not_overnight_protected(s, slot), slot


@PROPERTY_SETTINGS
@given(scenarios())
def test_every_start_the_reference_accepts_is_returned(s: Scenario) -> None:
    assert s.slots() == reference(s)


@PROPERTY_SETTINGS
@given(scenarios(), st.integers(0, 3))
def test_adding_a_booking_never_adds_a_slot(s: Scenario, index: int) -> None:
    if not s.bookings:
        return
    fewer = Scenario(s.tz, s.windows, s.bookings[:index], s.query, s.now, s.rules)
    assert set(s.slots()) <= set(fewer.slots())


@PROPERTY_SETTINGS
@given(scenarios(around_change=True))
def test_around_dst_changes_the_slots_are_exactly_the_reference(s: Scenario) -> None:
    assert s.slots() == reference(s)
