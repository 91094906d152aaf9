"""Open slots: each rule in isolation with exact start lists, then combined, then DST weeks.

Unless a test says otherwise the instructor is in America/New_York, the lesson is 60 minutes
online, and the request is made the day before at noon so that notice, overnight protection
and the horizon stay out of the way of the rule under test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.availability.slots import BusyInterval, SlotQuery, SlotRules, Window, format_slot, open_slots

NY = "America/New_York"
ZONE = ZoneInfo(NY)
DAY = date(2026, 6, 9)  # a Tuesday in EDT (UTC-4), far from any DST change
NOW = datetime(2026, 6, 8, 12, 0, tzinfo=ZONE)
NO_OVERNIGHT = SlotRules(overnight_cutoff_hour=24, overnight_morning_hour=0, overnight_travel_morning_hour=0)


def at(day: date, hh_mm: str, *, fold: int = 0, zone: ZoneInfo = ZONE) -> datetime:
    hours, minutes = map(int, hh_mm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone).replace(fold=fold)


def t(hh_mm: str) -> time:
    hours, minutes = map(int, hh_mm.split(":"))
    return time(hours, minutes)


def window(day: date, start: str, end: str | None) -> Window:
    return Window(day, t(start), None if end is None else t(end))


def booking(day: date, start: str, end: str, *, travel: bool = False) -> BusyInterval:
    return BusyInterval(at(day, start).astimezone(UTC), at(day, end).astimezone(UTC), travel)


def slots(
    windows: Sequence[Window],
    bookings: Sequence[BusyInterval] = (),
    *,
    duration: int = 60,
    travel: bool = False,
    now: datetime = NOW,
    rules: SlotRules = SlotRules(),  # noqa: B008 - frozen
    date_from: date | None = None,
    date_to: date | None = None,
    tz: str = NY,
) -> list[datetime]:
    query = SlotQuery(duration_minutes=duration, is_travel=travel, date_from=date_from, date_to=date_to)
    return open_slots(windows=windows, bookings=bookings, instructor_tz=tz, query=query, now=now, rules=rules)


def hm(found: Sequence[datetime]) -> list[str]:
    """Local wall times; only for tests whose slots all fall on one date."""
    return [slot.astimezone(ZONE).strftime("%H:%M") for slot in found]


def stamps(found: Sequence[datetime], zone: ZoneInfo = ZONE) -> list[str]:
    """Local date, wall time and zone abbreviation: unambiguous even in the repeated hour."""
    return [slot.astimezone(zone).strftime("%m-%d %H:%M %Z") for slot in found]


def quarter_hours(first: str, last: str) -> list[str]:
    """Every quarter hour from `first` to `last` inclusive, as HH:MM."""
    start, end = at(DAY, first), at(DAY, last)
    count = int((end - start) / timedelta(minutes=15)) + 1
    return [(start + timedelta(minutes=15 * n)).strftime("%H:%M") for n in range(count)]


# --- output shape -----------------------------------------------------------------------------


def test_starts_are_aware_utc_instants_on_the_quarter_hour_grid() -> None:
    found = slots([window(DAY, "09:00", "11:00")])
    assert found == [
        datetime(2026, 6, 9, 13, 0, tzinfo=UTC),
        datetime(2026, 6, 9, 13, 15, tzinfo=UTC),
        datetime(2026, 6, 9, 13, 30, tzinfo=UTC),
        datetime(2026, 6, 9, 13, 45, tzinfo=UTC),
        datetime(2026, 6, 9, 14, 0, tzinfo=UTC),
    ]
    assert all(slot.tzinfo is UTC for slot in found)


def test_no_windows_no_slots() -> None:
    assert slots([]) == []


# --- availability windows ---------------------------------------------------------------------


def test_the_lesson_must_fit_entirely_inside_the_window() -> None:
    assert hm(slots([window(DAY, "09:00", "10:00")])) == ["09:00"]
    assert hm(slots([window(DAY, "09:00", "10:00")], duration=45)) == ["09:00", "09:15"]
    assert slots([window(DAY, "09:00", "09:45")]) == []


def test_adjacent_windows_merge_so_a_lesson_may_span_them() -> None:
    found = slots([window(DAY, "09:00", "12:00"), window(DAY, "12:00", "14:00")], duration=120)
    assert hm(found) == quarter_hours("09:00", "12:00")
    assert "11:00" in hm(found)


def test_a_gap_between_windows_is_not_bridged() -> None:
    found = slots([window(DAY, "09:00", "12:00"), window(DAY, "12:15", "14:00")], duration=120)
    assert hm(found) == quarter_hours("09:00", "10:00")


def test_overlapping_duplicate_and_unsorted_windows_give_each_start_once() -> None:
    windows = [window(DAY, "10:00", "12:00"), window(DAY, "09:00", "11:00"), window(DAY, "09:00", "11:00")]
    assert hm(slots(windows)) == quarter_hours("09:00", "11:00")


def test_starts_follow_the_wall_clock_grid_even_when_a_window_is_off_grid() -> None:
    assert hm(slots([window(DAY, "09:10", "11:05")], duration=30)) == quarter_hours("09:15", "10:30")


def test_a_window_without_end_runs_to_midnight_and_may_join_the_next_day() -> None:
    assert hm(slots([window(DAY, "22:00", None)])) == ["22:00", "22:15", "22:30", "22:45", "23:00"]
    assert slots([Window(DAY, t("22:00"), time(0))]) == slots([window(DAY, "22:00", None)])
    across = slots([window(DAY, "22:00", None), window(DAY + timedelta(days=1), "00:00", "01:00")], duration=120)
    assert stamps(across) == [
        "06-09 22:00 EDT",
        "06-09 22:15 EDT",
        "06-09 22:30 EDT",
        "06-09 22:45 EDT",
        "06-09 23:00 EDT",
    ]


def test_windows_on_other_days_are_independent() -> None:
    found = slots([window(DAY, "09:00", "10:00"), window(DAY + timedelta(days=2), "15:00", "16:00")])
    assert stamps(found) == ["06-09 09:00 EDT", "06-11 15:00 EDT"]


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(10), time(9)), (time(10), time(10)), (time(9, 0, 30), time(10)), (time(9), time(10, tzinfo=UTC))],
)
def test_invalid_windows_are_rejected(start: time, end: time) -> None:
    with pytest.raises(ValueError, match="window"):
        Window(DAY, start, end)


# --- buffers ----------------------------------------------------------------------------------


def test_an_online_lesson_keeps_15_minutes_clear_on_both_sides_of_an_online_booking() -> None:
    found = slots([window(DAY, "08:00", "13:00")], [booking(DAY, "10:00", "11:00")])
    # padded booking 09:45–11:15: 08:45 ends exactly at 09:45, 11:15 starts exactly at 11:15
    assert hm(found) == ["08:00", "08:15", "08:30", "08:45", "11:15", "11:30", "11:45", "12:00"]


def test_an_existing_travel_booking_gets_60_minutes_either_side() -> None:
    found = slots([window(DAY, "07:00", "14:00")], [booking(DAY, "10:00", "11:00", travel=True)])
    assert hm(found) == ["07:00", "07:15", "07:30", "07:45", "08:00", "12:00", "12:15", "12:30", "12:45", "13:00"]


def test_a_new_travel_lesson_gets_60_minutes_either_side_of_an_online_booking() -> None:
    found = slots([window(DAY, "07:00", "14:00")], [booking(DAY, "10:00", "11:00")], travel=True)
    assert hm(found) == ["07:00", "07:15", "07:30", "07:45", "08:00", "12:00", "12:15", "12:30", "12:45", "13:00"]


def test_travel_lessons_on_both_sides_still_pad_60_minutes_not_120() -> None:
    found = slots([window(DAY, "07:00", "14:00")], [booking(DAY, "10:00", "11:00", travel=True)], travel=True)
    assert hm(found) == ["07:00", "07:15", "07:30", "07:45", "08:00", "12:00", "12:15", "12:30", "12:45", "13:00"]


def test_custom_and_zero_buffers() -> None:
    windows, busy = [window(DAY, "08:00", "13:00")], [booking(DAY, "10:00", "11:00")]
    assert hm(slots(windows, busy, rules=SlotRules(buffer_minutes=0))) == [
        *quarter_hours("08:00", "09:00"),
        *quarter_hours("11:00", "12:00"),
    ]
    assert hm(slots(windows, busy, rules=SlotRules(buffer_minutes=30))) == [
        "08:00",
        "08:15",
        "08:30",
        "11:30",
        "11:45",
        "12:00",
    ]


def test_booking_seconds_count_exactly() -> None:
    windows = [window(DAY, "10:00", "13:00")]
    start = at(DAY, "10:00").astimezone(UTC)
    ends_early = BusyInterval(start, start + timedelta(minutes=59, seconds=30))  # padded to 11:14:30
    ends_late = BusyInterval(start, start + timedelta(minutes=60, seconds=30))  # padded to 11:15:30
    assert hm(slots(windows, [ends_early]))[0] == "11:15"
    assert hm(slots(windows, [ends_late]))[0] == "11:30"


def test_overlapping_bookings_and_bookings_outside_windows() -> None:
    busy = [booking(DAY, "09:00", "10:00"), booking(DAY, "09:30", "10:30"), booking(DAY, "18:00", "19:00")]
    assert hm(slots([window(DAY, "08:00", "12:00")], busy)) == ["10:45", "11:00"]


def test_a_booking_spanning_adjacent_windows_blocks_both_sides() -> None:
    windows = [window(DAY, "08:00", "12:00"), window(DAY, "12:00", "16:00")]
    assert hm(slots(windows, [booking(DAY, "11:00", "13:00")])) == [
        *quarter_hours("08:00", "09:45"),
        *quarter_hours("13:15", "15:00"),
    ]


def test_invalid_bookings_are_rejected() -> None:
    start = at(DAY, "10:00")
    with pytest.raises(ValueError, match="aware"):
        BusyInterval(start.replace(tzinfo=None), start + timedelta(hours=1))
    with pytest.raises(ValueError, match="end after"):
        BusyInterval(start, start)


# --- advance notice ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "first"),
    [("09:59", "11:00"), ("10:00", "11:00"), ("10:01", "11:15")],  # earliest 10:59 / 11:00 / 11:01
)
def test_online_notice_is_60_minutes_at_the_edge_and_either_side(now: str, first: str) -> None:
    assert hm(slots([window(DAY, "10:30", "14:00")], now=at(DAY, now))) == quarter_hours(first, "13:00")


def test_notice_edges_exactly() -> None:
    windows = [window(DAY, "10:30", "14:00")]
    assert hm(slots(windows, now=at(DAY, "09:44"))) == quarter_hours("10:45", "13:00")
    assert hm(slots(windows, now=at(DAY, "09:45"))) == quarter_hours("10:45", "13:00")
    assert hm(slots(windows, now=at(DAY, "09:46"))) == quarter_hours("11:00", "13:00")


def test_a_microsecond_past_the_notice_edge_loses_the_start() -> None:
    windows = [window(DAY, "10:30", "14:00")]
    assert hm(slots(windows, now=at(DAY, "10:00") + timedelta(microseconds=1)))[0] == "11:15"


def test_travel_notice_is_180_minutes_at_the_edge_and_either_side() -> None:
    windows = [window(DAY, "11:00", "18:00")]
    assert hm(slots(windows, travel=True, now=at(DAY, "10:59"))) == quarter_hours("14:00", "17:00")
    assert hm(slots(windows, travel=True, now=at(DAY, "11:00"))) == quarter_hours("14:00", "17:00")
    assert hm(slots(windows, travel=True, now=at(DAY, "11:01"))) == quarter_hours("14:15", "17:00")
    # the same request for an online lesson only needs an hour
    assert hm(slots(windows, now=at(DAY, "11:00")))[0] == "12:00"


def test_custom_notice() -> None:
    windows = [window(DAY, "10:00", "14:00")]
    assert hm(slots(windows, now=at(DAY, "10:00"), rules=SlotRules(notice_minutes=0)))[0] == "10:00"
    assert hm(slots(windows, now=at(DAY, "10:00"), rules=SlotRules(notice_minutes=120)))[0] == "12:00"


# --- overnight protection ---------------------------------------------------------------------

EVE = DAY - timedelta(days=1)


def test_a_request_at_1959_may_take_the_early_morning() -> None:
    found = slots([window(DAY, "07:00", "12:00")], now=at(EVE, "19:59"))
    assert hm(found) == quarter_hours("07:00", "11:00")


def test_a_request_at_2000_cannot_take_the_next_morning_before_0900() -> None:
    found = slots([window(DAY, "07:00", "12:00")], now=at(EVE, "20:00"))
    assert hm(found) == quarter_hours("09:00", "11:00")


def test_a_late_travel_request_cannot_take_the_next_morning_before_1100() -> None:
    assert hm(slots([window(DAY, "07:00", "13:00")], travel=True, now=at(EVE, "20:00"))) == quarter_hours(
        "11:00", "12:00"
    )
    assert hm(slots([window(DAY, "07:00", "13:00")], travel=True, now=at(EVE, "19:59"))) == quarter_hours(
        "07:00", "12:00"
    )


def test_the_protected_morning_is_not_the_same_evening_nor_the_day_after() -> None:
    windows = [
        window(EVE, "21:00", "23:00"),
        window(DAY, "08:00", "10:00"),
        window(DAY + timedelta(days=1), "07:00", "08:00"),
    ]
    # 21:00 the same evening is exactly 60 minutes of notice away; only 08:00–08:59 tomorrow is protected
    assert stamps(slots(windows, now=at(EVE, "20:00"))) == [
        "06-08 21:00 EDT",
        "06-08 21:15 EDT",
        "06-08 21:30 EDT",
        "06-08 21:45 EDT",
        "06-08 22:00 EDT",
        "06-09 09:00 EDT",
        "06-10 07:00 EDT",
    ]


def test_a_request_after_midnight_protects_that_same_morning() -> None:
    windows = [window(DAY, "00:00", "12:00")]
    assert hm(slots(windows, now=at(DAY, "01:30"))) == quarter_hours("09:00", "11:00")
    assert hm(slots(windows, travel=True, now=at(DAY, "01:30"))) == ["11:00"]
    assert hm(slots(windows, now=at(DAY, "00:00"))) == quarter_hours("09:00", "11:00")


def test_the_morning_protection_ends_at_the_cutoff_for_the_lesson_kind() -> None:
    # notice off so that only overnight protection decides
    rules = SlotRules(notice_minutes=0, travel_notice_minutes=0)
    windows = [window(DAY, "08:00", "13:00")]
    assert hm(slots(windows, now=at(DAY, "08:30"), rules=rules))[0] == "09:00"
    assert hm(slots(windows, now=at(DAY, "09:00"), rules=rules))[0] == "09:00"
    assert hm(slots(windows, travel=True, now=at(DAY, "10:59"), rules=rules))[0] == "11:00"
    assert hm(slots(windows, travel=True, now=at(DAY, "11:00"), rules=rules))[0] == "11:00"
    assert hm(slots(windows, now=at(DAY, "10:00"), rules=rules))[0] == "10:00"


def test_overnight_protection_can_be_switched_off() -> None:
    found = slots([window(DAY, "07:00", "12:00")], now=at(EVE, "23:00"), rules=NO_OVERNIGHT)
    assert hm(found) == quarter_hours("07:00", "11:00")


# --- horizon and date range -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "last", "count"),
    [("11:44", "07-08 12:00 EDT", 58), ("11:45", "07-08 12:00 EDT", 58), ("11:46", "07-09 11:45 EDT", 59)],
)
def test_starts_must_be_strictly_before_now_plus_30_days(now: str, last: str, count: int) -> None:
    daily = [window(DAY + timedelta(days=n), "11:45", "12:15") for n in range(33)]
    found = stamps(slots(daily, duration=15, now=at(DAY, now)))
    # today's 11:45 and 12:00 fail notice; each later day offers both until the horizon
    assert found[:2] == ["06-10 11:45 EDT", "06-10 12:00 EDT"]
    assert found[-1] == last
    assert len(found) == count


def test_the_horizon_may_be_raised_to_90_days_but_no_further() -> None:
    daily = [window(DAY + timedelta(days=n), "09:00", "10:00") for n in range(95)]
    found = stamps(slots(daily, now=at(DAY, "09:30"), rules=SlotRules(horizon_days=90)))
    assert found[0] == "06-10 09:00 EDT"
    assert found[-1] == "09-07 09:00 EDT"  # 06-09 09:30 + 90 days = 09-07 09:30
    assert len(found) == 90
    with pytest.raises(ValueError, match="horizon_days 91 exceeds the maximum of 90"):
        slots(daily, rules=SlotRules(horizon_days=91))
    assert SlotRules(horizon_days=120, max_horizon_days=120).horizon_days == 120


def test_date_range_filters_on_the_local_start_date_inclusively() -> None:
    daily = [window(DAY + timedelta(days=n), "09:00", "10:00") for n in range(5)]
    found = slots(daily, date_from=DAY + timedelta(days=1), date_to=DAY + timedelta(days=2))
    assert stamps(found) == ["06-10 09:00 EDT", "06-11 09:00 EDT"]
    assert stamps(slots(daily, date_from=DAY + timedelta(days=4), date_to=DAY + timedelta(days=4))) == [
        "06-13 09:00 EDT"
    ]


def test_date_to_beyond_the_horizon_is_clamped_and_a_range_past_it_is_empty() -> None:
    daily = [window(DAY + timedelta(days=n), "09:00", "10:00") for n in range(40)]
    now = at(DAY, "12:00")
    default = slots(daily, now=now)
    assert slots(daily, now=now, date_to=DAY + timedelta(days=200)) == default
    assert stamps(default)[-1] == "07-09 09:00 EDT"
    assert slots(daily, now=now, date_from=DAY + timedelta(days=31), date_to=DAY + timedelta(days=35)) == []
    assert slots(daily, now=now, date_from=DAY - timedelta(days=5)) == default


def test_a_lesson_starting_on_the_last_date_may_end_on_the_next() -> None:
    windows = [window(DAY, "23:00", None), window(DAY + timedelta(days=1), "00:00", "02:00")]
    assert stamps(slots(windows, duration=120, date_to=DAY)) == [
        "06-09 23:00 EDT",
        "06-09 23:15 EDT",
        "06-09 23:30 EDT",
        "06-09 23:45 EDT",
    ]
    assert stamps(slots(windows, duration=120, date_from=DAY + timedelta(days=1))) == ["06-10 00:00 EDT"]


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: SlotRules(buffer_minutes=-1),
        lambda: SlotRules(overnight_cutoff_hour=25),
        lambda: SlotRules(grid_minutes=0),
        lambda: SlotRules(grid_minutes=7),
        lambda: SlotQuery(duration_minutes=0),
        lambda: SlotQuery(duration_minutes=60, date_from=DAY, date_to=DAY - timedelta(days=1)),
    ],
)
def test_invalid_rules_and_queries_are_rejected(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        make()


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        slots([window(DAY, "09:00", "10:00")], now=datetime(2026, 6, 8, 12, 0))  # noqa: DTZ001


# --- all rules together -----------------------------------------------------------------------


def test_all_rules_combined_for_an_online_lesson() -> None:
    windows = [window(DAY, "08:00", "12:00"), window(DAY, "12:00", "14:00"), window(DAY, "16:00", "20:00")]
    busy = [booking(DAY, "10:00", "11:00"), booking(DAY, "16:30", "17:30", travel=True)]
    # notice alone would allow 08:30 and 08:45; the request at 07:30 protects this morning until 09:00
    assert hm(slots(windows, busy, now=at(DAY, "07:30"), rules=NO_OVERNIGHT)) == [
        "08:30",
        "08:45",
        *quarter_hours("11:15", "13:00"),
        "18:30",
        "18:45",
        "19:00",
    ]
    assert hm(slots(windows, busy, now=at(DAY, "07:30"))) == [
        *quarter_hours("11:15", "13:00"),
        "18:30",
        "18:45",
        "19:00",
    ]


def test_all_rules_combined_for_a_travel_lesson() -> None:
    windows = [window(DAY, "08:00", "12:00"), window(DAY, "12:00", "14:00"), window(DAY, "16:00", "20:00")]
    busy = [booking(DAY, "10:00", "11:00"), booking(DAY, "16:30", "17:30", travel=True)]
    # 60-minute padding on both bookings; 08:00 fits the window but not the 180-minute notice
    found = slots(windows, busy, travel=True, now=at(DAY, "07:30"))
    assert hm(found) == [*quarter_hours("12:00", "13:00"), "18:30", "18:45", "19:00"]
    assert hm(slots(windows, busy, travel=True, now=at(EVE, "12:00"))) == [
        "08:00",
        *quarter_hours("12:00", "13:00"),
        "18:30",
        "18:45",
        "19:00",
    ]


# --- DST in America/New_York ------------------------------------------------------------------

SPRING = date(2026, 3, 8)  # 02:00 EST → 03:00 EDT
FALL = date(2026, 11, 1)  # 02:00 EDT → 01:00 EST; 01:00–01:59 happens twice


def test_spring_forward_window_0100_0400_is_two_real_hours_without_nonexistent_starts() -> None:
    now = at(SPRING - timedelta(days=2), "12:00")
    found = slots([window(SPRING, "01:00", "04:00")], now=now)
    assert found == [datetime(2026, 3, 8, 6, m, tzinfo=UTC) for m in (0, 15, 30, 45)] + [
        datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    ]
    assert stamps(found) == [
        "03-08 01:00 EST",
        "03-08 01:15 EST",
        "03-08 01:30 EST",
        "03-08 01:45 EST",
        "03-08 03:00 EDT",
    ]
    assert stamps(slots([window(SPRING, "01:00", "04:00")], duration=120, now=now)) == ["03-08 01:00 EST"]
    assert slots([window(SPRING, "01:00", "04:00")], duration=135, now=now) == []


def test_spring_forward_wall_times_in_the_gap_are_empty() -> None:
    now = at(SPRING - timedelta(days=2), "12:00")
    assert slots([window(SPRING, "02:00", "03:00")], duration=15, now=now) == []
    assert stamps(slots([window(SPRING, "02:30", "04:00")], now=now)) == ["03-08 03:00 EDT"]


def test_spring_forward_week_keeps_wall_clock_windows() -> None:
    days = [SPRING + timedelta(days=n) for n in range(-3, 4)]
    found = slots(
        [window(day, "09:00", "17:00") for day in days], duration=480, now=at(days[0], "00:00"), rules=NO_OVERNIGHT
    )
    assert found == [datetime(2026, 3, d, 14, tzinfo=UTC) for d in (5, 6, 7)] + [
        datetime(2026, 3, d, 13, tzinfo=UTC) for d in (8, 9, 10, 11)
    ]
    assert hm(found) == ["09:00"] * 7


def test_a_whole_day_is_23_hours_at_spring_forward_and_25_at_fall_back() -> None:
    def full_day(day: date) -> int:
        return len(slots([window(day, "00:00", None)], now=at(day - timedelta(days=2), "12:00")))

    # 60-minute lessons on a 15-minute grid: (hours - 1) * 4 + 1 starts
    assert full_day(DAY) == 93
    assert full_day(SPRING) == 89
    assert full_day(FALL) == 97


def test_notice_is_real_elapsed_time_across_spring_forward() -> None:
    now = at(SPRING, "01:30")  # 06:30Z; an hour later the clock reads 03:30
    found = slots([window(SPRING, "00:00", "06:00")], duration=30, now=now, rules=NO_OVERNIGHT)
    assert stamps(found) == [f"03-08 {hh_mm} EDT" for hh_mm in quarter_hours("03:30", "05:30")]


def test_overnight_protection_on_the_night_of_spring_forward() -> None:
    found = slots([window(SPRING, "07:00", "12:00")], now=at(SPRING - timedelta(days=1), "20:00"))
    assert stamps(found) == [f"03-08 {hh_mm} EDT" for hh_mm in quarter_hours("09:00", "11:00")]


def test_the_30_day_horizon_is_real_time_across_spring_forward() -> None:
    now = at(date(2026, 2, 20), "12:00")  # 17:00Z; 30 days later is 17:00Z = 13:00 EDT
    found = slots([window(date(2026, 3, 22), "12:30", "13:30")], duration=15, now=now)
    assert stamps(found) == ["03-22 12:30 EDT", "03-22 12:45 EDT"]


def test_the_horizon_date_is_found_in_real_time_for_a_request_in_local_time() -> None:
    # 23:30 EST + 24 real hours = 00:30 EDT two calendar days later (wall-clock arithmetic says 23:30 the next day)
    now = at(SPRING - timedelta(days=1), "23:30")
    rules = SlotRules(horizon_days=1, overnight_morning_hour=0)
    found = slots([window(SPRING + timedelta(days=1), "00:00", "01:00")], duration=15, now=now, rules=rules)
    assert stamps(found) == ["03-09 00:00 EDT", "03-09 00:15 EDT"]


def test_fall_back_window_0000_0300_is_four_real_hours_with_both_0100s_once() -> None:
    now = at(FALL - timedelta(days=2), "12:00")
    found = slots([window(FALL, "00:00", "03:00")], now=now)
    assert found == [datetime(2026, 11, 1, 4, tzinfo=UTC) + timedelta(minutes=15 * n) for n in range(13)]
    assert stamps(found) == [
        "11-01 00:00 EDT",
        "11-01 00:15 EDT",
        "11-01 00:30 EDT",
        "11-01 00:45 EDT",
        "11-01 01:00 EDT",
        "11-01 01:15 EDT",
        "11-01 01:30 EDT",
        "11-01 01:45 EDT",
        "11-01 01:00 EST",
        "11-01 01:15 EST",
        "11-01 01:30 EST",
        "11-01 01:45 EST",
        "11-01 02:00 EST",
    ]
    # a three-hour lesson fits five ways into four real hours
    assert stamps(slots([window(FALL, "00:00", "03:00")], duration=180, now=now)) == [
        "11-01 00:00 EDT",
        "11-01 00:15 EDT",
        "11-01 00:30 EDT",
        "11-01 00:45 EDT",
        "11-01 01:00 EDT",
    ]


def test_fall_back_booking_in_the_repeated_hour_pads_in_real_time() -> None:
    # add the duration in UTC: aware-datetime arithmetic in the local zone is wall-clock and drops fold
    second_0100 = at(FALL, "01:00", fold=1).astimezone(UTC)
    busy = [BusyInterval(second_0100, second_0100 + timedelta(minutes=30))]
    assert busy[0].starts_at == datetime(2026, 11, 1, 6, tzinfo=UTC)
    found = slots([window(FALL, "00:00", "03:00")], busy, duration=30, now=at(FALL - timedelta(days=2), "12:00"))
    # padded 05:45Z–06:45Z, i.e. 01:45 EDT to 01:45 EST
    assert stamps(found) == [
        "11-01 00:00 EDT",
        "11-01 00:15 EDT",
        "11-01 00:30 EDT",
        "11-01 00:45 EDT",
        "11-01 01:00 EDT",
        "11-01 01:15 EDT",
        "11-01 01:45 EST",
        "11-01 02:00 EST",
        "11-01 02:15 EST",
        "11-01 02:30 EST",
    ]


def test_fall_back_week_keeps_wall_clock_windows() -> None:
    days = [FALL + timedelta(days=n) for n in range(-3, 4)]
    found = slots(
        [window(day, "09:00", "17:00") for day in days], duration=480, now=at(days[0], "00:00"), rules=NO_OVERNIGHT
    )
    assert found == [datetime(2026, 10, d, 13, tzinfo=UTC) for d in (29, 30, 31)] + [
        datetime(2026, 11, d, 14, tzinfo=UTC) for d in (1, 2, 3, 4)
    ]
    assert hm(found) == ["09:00"] * 7


def test_overnight_protection_on_the_night_of_fall_back() -> None:
    found = slots([window(FALL, "00:00", "12:00")], now=at(FALL - timedelta(days=1), "20:00"))
    assert stamps(found) == [f"11-01 {hh_mm} EST" for hh_mm in quarter_hours("09:00", "11:00")]


# --- other zones ------------------------------------------------------------------------------


def test_the_grid_is_local_in_a_quarter_hour_offset_zone() -> None:
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+05:45: local :00 is UTC :15
    found = slots(
        [window(DAY, "09:00", "10:00")], duration=30, now=at(EVE, "12:00", zone=kathmandu), tz="Asia/Kathmandu"
    )
    assert found == [datetime(2026, 6, 9, 3, m, tzinfo=UTC) for m in (15, 30, 45)]


def test_a_half_hour_dst_change_in_lord_howe() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # 2026-10-04 02:00 +10:30 → 02:30 +11:00
    change = date(2026, 10, 4)
    found = slots(
        [window(change, "01:00", "04:00")],
        now=at(change - timedelta(days=2), "12:00", zone=lord_howe),
        tz="Australia/Lord_Howe",
    )
    assert [slot.astimezone(lord_howe).isoformat() for slot in found] == [
        "2026-10-04T01:00:00+10:30",
        "2026-10-04T01:15:00+10:30",
        "2026-10-04T01:30:00+10:30",
        "2026-10-04T01:45:00+10:30",
        "2026-10-04T02:30:00+11:00",
        "2026-10-04T02:45:00+11:00",
        "2026-10-04T03:00:00+11:00",
    ]


# --- format_slot ------------------------------------------------------------------------------


def test_format_slot_in_the_instructor_zone() -> None:
    assert format_slot(datetime(2024, 12, 3, 21, 0, tzinfo=UTC), NY) == {
        "starts_at": "2024-12-03T21:00:00+00:00",
        "local": "2024-12-03T16:00:00-05:00",
        "label": "Tue 3 Dec, 4:00 pm",
    }


def test_format_slot_for_a_viewer_in_london() -> None:
    found = slots([window(DAY, "13:00", "14:00")])
    assert format_slot(found[0], "Europe/London") == {
        "starts_at": "2026-06-09T17:00:00+00:00",
        "local": "2026-06-09T18:00:00+01:00",
        "label": "Tue 9 Jun, 6:00 pm",
    }
    # New York has sprung forward, London not yet: the gap is four hours for three weeks
    assert format_slot(at(date(2026, 3, 10), "09:00"), "Europe/London") == {
        "starts_at": "2026-03-10T13:00:00+00:00",
        "local": "2026-03-10T13:00:00+00:00",
        "label": "Tue 10 Mar, 1:00 pm",
    }
    # a late New York evening is the next morning in London
    assert format_slot(at(DAY, "21:30"), "Europe/London")["label"] == "Wed 10 Jun, 2:30 am"


def test_format_slot_labels_midnight_and_noon_in_twelve_hour_time() -> None:
    assert format_slot(at(DAY, "00:30"), NY)["label"] == "Tue 9 Jun, 12:30 am"
    assert format_slot(at(DAY, "12:00"), NY)["label"] == "Tue 9 Jun, 12:00 pm"
    assert format_slot(at(DAY, "11:45"), NY)["label"] == "Tue 9 Jun, 11:45 am"


def test_format_slot_names_the_zone_only_in_a_repeated_hour() -> None:
    edt, est = at(FALL, "01:00"), at(FALL, "01:00", fold=1)
    assert format_slot(edt, NY) == {
        "starts_at": "2026-11-01T05:00:00+00:00",
        "local": "2026-11-01T01:00:00-04:00",
        "label": "Sun 1 Nov, 1:00 am EDT",
    }
    assert format_slot(est, NY) == {
        "starts_at": "2026-11-01T06:00:00+00:00",
        "local": "2026-11-01T01:00:00-05:00",
        "label": "Sun 1 Nov, 1:00 am EST",
    }
    assert format_slot(edt, "Europe/London")["label"] == "Sun 1 Nov, 5:00 am"
    assert format_slot(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Europe/London")["label"] == "Sun 25 Oct, 1:30 am BST"
    assert format_slot(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Europe/London")["label"] == "Sun 25 Oct, 1:30 am GMT"


def test_format_slot_round_trips_open_slots_output() -> None:
    for slot in slots([window(DAY, "09:00", "11:00")]):
        shown = format_slot(slot, "Europe/London")
        assert datetime.fromisoformat(shown["starts_at"]) == slot
        assert datetime.fromisoformat(shown["local"]) == slot


def test_format_slot_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        format_slot(datetime(2026, 6, 9, 13, 0), NY)  # noqa: DTZ001
