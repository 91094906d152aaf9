"""The storage format's pure helpers (masks, ranges, ETags, booked cells across DST) and the
demo seeding step."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.hashers import make_password

from apps.accounts.models import User
from apps.availability.cells import (
    busy_cells,
    format_hhmm,
    mask_from_ranges,
    parse_hhmm,
    ranges_from_mask,
    week_etag,
    week_start_of,
    windows_from_masks,
)
from apps.availability.demo import DEMO_DAYS, seed_availability, weekly_pattern
from apps.availability.models import AvailabilityDay, AvailabilityWeek
from apps.availability.selectors import availability_week_get
from apps.availability.slots import Window
from apps.availability.tests.helpers import NOW
from apps.availability.weeks import time_range_label
from apps.core.demo import DemoContext, seed_users
from apps.instructors.demo import seed_instructor_profiles
from apps.instructors.models import InstructorProfile

NY = ZoneInfo("America/New_York")


def test_masks_and_ranges_round_trip() -> None:
    mask = mask_from_ranges([(9 * 60, 12 * 60), (12 * 60, 13 * 60), (22 * 60, 24 * 60)])
    assert ranges_from_mask(mask) == [(540, 780), (1320, 1440)]
    assert ranges_from_mask(0) == []
    assert (parse_hhmm("00:00"), parse_hhmm("09:30"), parse_hhmm("24:00")) == (0, 570, 1440)
    for bad in ("9:30", "24:30", "25:00", "09:60", "", "09:30:00"):
        with pytest.raises(ValueError, match="not a time of day"):
            parse_hhmm(bad)
    assert (format_hhmm(0), format_hhmm(570), format_hhmm(1440)) == ("00:00", "09:30", "24:00")


def test_windows_for_the_slot_function() -> None:
    day = date(2026, 6, 9)
    masks = {day: mask_from_ranges([(540, 600), (1380, 1440)])}
    assert windows_from_masks(masks) == [Window(day, time(9), time(10)), Window(day, time(23), None)]


def test_week_etag_depends_on_content_and_week() -> None:
    monday = date(2026, 6, 8)
    assert week_start_of(date(2026, 6, 14)) == monday
    empty = week_etag(monday, [0] * 7)
    assert len(empty) == 32
    assert empty == week_etag(monday, [0] * 7)
    assert empty != week_etag(date(2026, 6, 15), [0] * 7)
    assert empty != week_etag(monday, [1, 0, 0, 0, 0, 0, 0])


def test_busy_cells_on_ordinary_and_dst_days() -> None:
    def cells(start: datetime, end: datetime) -> dict[str, list[tuple[str, str]]]:
        found = busy_cells(start, end, NY)
        return {
            d.isoformat(): [(format_hhmm(s), format_hhmm(e)) for s, e in ranges_from_mask(m)] for d, m in found.items()
        }

    ordinary = datetime(2026, 6, 9, 10, 15, tzinfo=NY)
    assert cells(ordinary, datetime(2026, 6, 9, 11, 15, tzinfo=NY)) == {"2026-06-09": [("10:00", "11:30")]}
    # Across midnight.
    assert cells(datetime(2026, 6, 9, 23, 30, tzinfo=NY), datetime(2026, 6, 10, 0, 30, tzinfo=NY)) == {
        "2026-06-09": [("23:30", "24:00")],
        "2026-06-10": [("00:00", "00:30")],
    }
    # Spring forward (8 Mar 2026): 01:30 EST to 03:30 EDT is one real hour; 02:xx never exists.
    spring = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST
    assert cells(spring, datetime(2026, 3, 8, 7, 30, tzinfo=UTC)) == {
        "2026-03-08": [("01:30", "02:00"), ("03:00", "03:30")]
    }
    # Fall back (1 Nov 2026): 01:00–02:00 happens twice; both passes land on the same cells.
    fall = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # 01:00 EDT
    assert cells(fall, datetime(2026, 11, 1, 7, 0, tzinfo=UTC)) == {"2026-11-01": [("01:00", "02:00")]}


def test_time_range_labels() -> None:
    assert time_range_label(600, 660) == "10:00–11:00 am"
    assert time_range_label(690, 780) == "11:30 am–1:00 pm"
    assert time_range_label(1410, 30) == "11:30 pm–12:30 am"


def test_weekly_patterns_are_realistic_and_deterministic() -> None:
    patterns = [weekly_pattern(random.Random(seed)) for seed in range(200)]
    assert patterns == [weekly_pattern(random.Random(seed)) for seed in range(200)]
    hours = [sum(bin(mask).count("1") for mask in week) / 2 for week in patterns]
    assert min(hours) > 0
    assert max(hours) <= 45  # nobody teaches more than a busy full-time week
    assert len({tuple(week) for week in patterns}) > 150  # instructors differ


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog", "gazetteer")
def test_seed_availability_gives_every_demo_instructor_30_days() -> None:
    ctx = DemoContext(rng=random.Random(3), instructor_count=12, password_hash=make_password(None))
    seed_users(ctx)
    seed_instructor_profiles(ctx)
    with time_machine.travel(NOW, tick=False):
        seed_availability(ctx)
    profiles = list(InstructorProfile.objects.filter(user__in=ctx.instructors))
    assert len(profiles) == 12
    today = NOW.date()
    for profile in profiles:
        dates = list(AvailabilityDay.objects.filter(instructor=profile).values_list("date", flat=True))
        assert dates, profile
        assert today <= min(dates)
        assert max(dates) < date.fromordinal(today.toordinal() + DEMO_DAYS)
        weeks = AvailabilityWeek.objects.filter(instructor=profile)
        assert {w.week_start for w in weeks} == {
            week_start_of(date.fromordinal(today.toordinal() + n)) for n in range(DEMO_DAYS)
        }
        assert {w.version for w in weeks} == {1}
        # The editor reads the seeded week like any saved one.
        assert availability_week_get(profile=profile, day=today).version == 1
    # Recurring: a weekday has the same hours in each week of the 30 days.
    sample = profiles[0]
    by_weekday: dict[int, set[int]] = {}
    for day, cells in AvailabilityDay.objects.filter(instructor=sample).values_list("date", "cells"):
        by_weekday.setdefault(day.weekday(), set()).add(cells)
    assert all(len(masks) == 1 for masks in by_weekday.values())


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog", "gazetteer")
def test_seeding_writes_the_same_rows_with_copy_and_with_plain_inserts(monkeypatch) -> None:
    """PostgreSQL takes the COPY path; other databases (SQLite, the demo default) multi-row
    INSERTs. Both paths run here, on the same data."""
    from django.db import connection

    def seed() -> list[tuple[int, date, int]]:
        ctx = DemoContext(rng=random.Random(5), instructor_count=3, password_hash=make_password(None))
        seed_users(ctx)
        seed_instructor_profiles(ctx)
        with time_machine.travel(NOW, tick=False):
            seed_availability(ctx)
        rows = AvailabilityDay.objects.order_by("instructor__user__email", "date")
        found = [(index, day, cells) for index, (day, cells) in enumerate(rows.values_list("date", "cells"))]
        InstructorProfile.objects.all().delete()
        User.objects.all().delete()
        return found

    copied = seed()
    monkeypatch.setattr(connection, "vendor", "other")
    inserted = seed()
    assert copied == inserted
    assert len(copied) > 30
