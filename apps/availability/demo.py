"""Demo availability: each demo instructor gets a recurring weekly pattern (evenings, office
hours, weekends, after school, mornings; jittered, with some days dropped) laid over the
next 30 days. Bulk writes keep 10,000 instructors to about two seconds
(bench/bench_availability.py measures it)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Max
from django.utils import timezone

from apps.availability.cells import CELL_MINUTES, CELLS_PER_DAY, week_start_of
from apps.availability.models import AvailabilityDay, AvailabilityWeek
from apps.availability.open_quarters import open_quarters_refresh
from apps.core.bulk import rows_insert
from apps.instructors.models import InstructorProfile

if TYPE_CHECKING:
    from apps.core.demo import DemoContext

DEMO_DAYS = 30
BATCH = 5000
# Weekday (0 = Monday) -> blocks of (start hour, end hour), before per-instructor jitter.
Pattern = dict[int, list[tuple[int, int]]]
STYLES: dict[str, Pattern] = {
    "after work": {d: [(16, 20)] for d in range(5)} | {5: [(10, 14)]},
    "office hours": {d: [(9, 12), (13, 17)] for d in range(5)},
    "weekends": {5: [(9, 17)], 6: [(10, 16)], 2: [(17, 20)]},
    "after school": {d: [(15, 19)] for d in range(5)} | {6: [(11, 15)]},
    "mornings": {d: [(7, 11)] for d in range(6)},
}


def _jittered_mask(rng: random.Random, blocks: list[tuple[int, int]]) -> int:
    """Blocks moved by up to an hour either way (in half hours), kept inside the day."""
    per_hour = 60 // CELL_MINUTES
    mask = 0
    for start, end in blocks:
        shift = rng.choice([-2, -1, 0, 0, 1, 2])
        stretch = rng.choice([-1, 0, 0, 1, 2])
        first = max(0, start * per_hour + shift)
        last = min(CELLS_PER_DAY, end * per_hour + shift + stretch)
        for cell in range(first, last):
            mask |= 1 << cell
    return mask


def weekly_pattern(rng: random.Random, style_name: str | None = None) -> list[int]:
    """Seven day masks, Monday first: one style (the given one, or drawn), jittered, and
    some days dropped."""
    style = STYLES[style_name or rng.choice(sorted(STYLES))]
    masks = [0] * 7
    for weekday, blocks in style.items():
        if rng.random() < 0.85:  # not everyone teaches every day of their style
            masks[weekday] = _jittered_mask(rng, blocks)
    return masks


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _profiles(user_ids: list[int]) -> Iterator[tuple[int, int, str]]:
    for offset in range(0, len(user_ids), BATCH):
        chunk = user_ids[offset : offset + BATCH]
        profiles = InstructorProfile.objects.filter(user_id__in=chunk).order_by("user_id")
        yield from profiles.values_list("user_id", "pk", "timezone")


Row = tuple[int, date, int]


def _rows_for(
    rng: random.Random, profile_id: int, today: date, now: datetime, style: str | None
) -> tuple[list[Row], list[tuple[object, ...]]]:
    """(instructor, date, cells) day rows, and one version row per touched week as a save
    would leave it (version 1)."""
    pattern = weekly_pattern(rng, style)
    dates = [today + timedelta(days=n) for n in range(DEMO_DAYS)]
    days = [(profile_id, d, pattern[d.weekday()]) for d in dates if pattern[d.weekday()]]
    weeks: list[tuple[object, ...]] = [
        (profile_id, start, 1, now) for start in sorted({week_start_of(d) for d in dates})
    ]
    return days, weeks


def seed_availability(ctx: DemoContext) -> None:
    """Every instructor in ctx.instructors (users whose profiles exist) gets availability for
    today and the next 29 days in their zone, in the weekly style the instructor step chose
    for them (drawn when it chose none). Deterministic for a seed."""
    now = timezone.now()
    day_rows: list[Row] = []
    week_rows: list[tuple[object, ...]] = []
    for user_id, profile_id, zone in _profiles(sorted(user.pk for user in ctx.instructors)):
        style = ctx.weekly_styles.get(user_id)
        days, weeks = _rows_for(ctx.rng, profile_id, now.astimezone(_zone(zone)).date(), now, style)
        day_rows.extend(days)
        week_rows.extend(weeks)
    rows_insert(AvailabilityDay, ["instructor", "date", "cells"], day_rows)
    rows_insert(AvailabilityWeek, ["instructor", "week_start", "version", "updated_at"], week_rows)
    open_quarters_refresh(instructor_ids=sorted({row[0] for row in day_rows}), now=now)


def demo_availability_extend(*, user_ids: list[int], now: datetime) -> int:
    """Keep a demo started weeks ago bookable: every instructor's weekly pattern (their last
    seeded week) is repeated up to `DEMO_DAYS` from today. Returns the days added."""
    latest = AvailabilityDay.objects.filter(instructor__user_id__in=user_ids).aggregate(Max("date"))["date__max"]
    if latest is None or latest >= timezone.localdate(now) + timedelta(days=DEMO_DAYS - 1):
        return 0  # still fresh: the usual case, one query
    day_rows: list[Row] = []
    week_rows: list[tuple[object, ...]] = []
    for _, profile_id, zone in _profiles(sorted(user_ids)):
        today = now.astimezone(_zone(zone)).date()
        horizon = today + timedelta(days=DEMO_DAYS - 1)
        days = AvailabilityDay.objects.filter(instructor_id=profile_id).order_by("-date")
        last_week = {row.date: row.cells for row in days[:7]}
        if not last_week or max(last_week) >= horizon:
            continue
        last = max(last_week)
        pattern = {day.weekday(): cells for day, cells in last_week.items() if day > last - timedelta(days=7)}
        added = [last + timedelta(days=n) for n in range(1, (horizon - last).days + 1)]
        day_rows.extend((profile_id, day, pattern[day.weekday()]) for day in added if pattern.get(day.weekday()))
        known_weeks = set(
            AvailabilityWeek.objects.filter(instructor_id=profile_id).values_list("week_start", flat=True)
        )
        week_rows.extend(
            (profile_id, start, 1, now) for start in sorted({week_start_of(day) for day in added} - known_weeks)
        )
    rows_insert(AvailabilityDay, ["instructor", "date", "cells"], day_rows)
    rows_insert(AvailabilityWeek, ["instructor", "week_start", "version", "updated_at"], week_rows)
    open_quarters_refresh(instructor_ids=sorted({row[0] for row in day_rows}), now=now)
    return len(day_rows)
