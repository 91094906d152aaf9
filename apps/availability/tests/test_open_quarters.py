"""Search's open-time index follows every write of availability: a week save, a pattern
applied over dates, a day off taken and lifted; the sweep renews rows before they stop
covering the horizon, rebuilds rows built in a zone the instructor left, and builds missing
ones. After each write the stored row equals a rebuild from the day rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from apps.availability.models import OpenQuarters
from apps.availability.open_quarters import RENEW_WHEN_LEFT, open_quarters_refresh, sweep_open_quarters
from apps.availability.quarters import QuarterSpan, quarter_span
from apps.availability.selectors import availability_week_get
from apps.availability.services import (
    DayInput,
    WindowInput,
    availability_pattern_apply,
    availability_week_replace,
    blackout_create,
    blackout_delete,
)
from apps.availability.tests.helpers import NOW, NY, WEEK, ny, store
from apps.instructors.models import InstructorProfile

pytestmark = pytest.mark.django_db


def _stored(profile: InstructorProfile) -> QuarterSpan:
    row = OpenQuarters.objects.get(instructor=profile)
    return QuarterSpan.of(row.origin, row.until, row.bits)


def _open_hours(profile: InstructorProfile, day: date) -> list[str]:
    """The quarters of `day` the stored row has open, as New York wall times."""
    span = _stored(profile)
    midnight, next_midnight = ny(day, "00:00"), ny(day + timedelta(days=1), "00:00")
    quarters = span.instants(int(midnight.timestamp()) // 60, int(next_midnight.timestamp()) // 60)
    return [f"{start.astimezone(NY):%H:%M}" for start in span.first_starts(span.bits & quarters, 200)]


def _save(profile: InstructorProfile, day: date, start: str, end: str) -> None:
    etag = availability_week_get(profile=profile, day=day).quoted_etag
    windows = [WindowInput(start, end)] if start else []
    availability_week_replace(
        actor=profile.user, day=day, days=[DayInput(date=day, windows=windows)], if_match=etag, now=NOW
    )


def test_a_week_save_rebuilds_the_row_in_its_transaction(profile) -> None:
    _save(profile, WEEK, "09:00", "10:00")
    assert _open_hours(profile, WEEK) == ["09:00", "09:15", "09:30", "09:45"]
    row = OpenQuarters.objects.get(instructor=profile)
    assert (row.timezone, row.first_date) == ("America/New_York", NOW.date() - timedelta(days=1))
    _save(profile, WEEK, "", "")  # the day emptied
    assert _open_hours(profile, WEEK) == []


def test_a_pattern_applied_over_dates_reaches_the_row(profile) -> None:
    _save(profile, WEEK, "18:00", "18:30")
    availability_pattern_apply(
        actor=profile.user,
        source_day=WEEK,
        date_from=WEEK + timedelta(days=7),
        date_to=WEEK + timedelta(days=13),
        now=NOW,
    )
    assert _open_hours(profile, WEEK + timedelta(days=7)) == ["18:00", "18:15"]


def test_a_day_off_empties_its_day_and_lifting_it_restores_it(profile) -> None:
    _save(profile, WEEK, "09:00", "09:30")
    blackout = blackout_create(actor=profile.user, day=WEEK, now=NOW)
    assert _open_hours(profile, WEEK) == []
    blackout_delete(actor=profile.user, blackout_id=blackout.pk, now=NOW)
    assert _open_hours(profile, WEEK) == ["09:00", "09:15"]


def test_the_sweep_renews_old_rows_and_rows_of_a_left_zone_and_builds_missing_ones(profile, frozen) -> None:
    store(profile, WEEK, ("09:00", "10:00"))  # behind the services' back: no row yet
    assert not OpenQuarters.objects.filter(instructor=profile).exists()
    assert sweep_open_quarters(now=NOW) == 1
    fresh = OpenQuarters.objects.get(instructor=profile)
    assert sweep_open_quarters(now=NOW) == 0  # nothing due: a quiet hour
    later = NOW + timedelta(days=40) - RENEW_WHEN_LEFT + timedelta(hours=1)
    assert sweep_open_quarters(now=later) == 1
    renewed = OpenQuarters.objects.get(instructor=profile)
    assert renewed.first_date == later.date() - timedelta(days=1)
    assert renewed.until > fresh.until
    InstructorProfile.objects.filter(pk=profile.pk).update(timezone="Europe/London")
    assert sweep_open_quarters(now=later) == 1
    assert OpenQuarters.objects.get(instructor=profile).timezone == "Europe/London"


def test_a_refresh_equals_a_rebuild_from_the_day_rows(profile) -> None:
    store(profile, WEEK, ("09:00", "12:00"))
    store(profile, WEEK + timedelta(days=1), ("23:00", "24:00"))
    open_quarters_refresh(instructor_ids=[profile.pk], now=NOW)
    masks = {WEEK: 0b111111 << 18, WEEK + timedelta(days=1): 0b11 << 46}
    assert _stored(profile) == quarter_span(masks, timezone="America/New_York", first=NOW.date() - timedelta(days=1))
