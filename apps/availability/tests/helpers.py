"""Helpers for availability tests: New York wall time, and direct writes for setup."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apps.availability.cells import format_hhmm, mask_from_ranges, parse_hhmm, ranges_from_mask
from apps.availability.models import AvailabilityDay
from apps.instructors.models import InstructorProfile

NY = ZoneInfo("America/New_York")
# Monday 1 June 2026, noon in New York (EDT, UTC-4): every test week below is in the future.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=NY)
WEEK = date(2026, 6, 8)  # the Monday of the week most tests edit


def ny(day: date, hh_mm: str) -> datetime:
    hours, minutes = map(int, hh_mm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=NY)


def utc_iso(day: date, hh_mm: str) -> str:
    return ny(day, hh_mm).astimezone(UTC).isoformat()


def store(profile: InstructorProfile, day: date, *ranges: tuple[str, str]) -> None:
    """Write a day's windows directly (setup only; the services are what the tests exercise)."""
    mask = mask_from_ranges((parse_hhmm(start), parse_hhmm(end)) for start, end in ranges)
    AvailabilityDay.objects.update_or_create(instructor=profile, date=day, defaults={"cells": mask})


def stored(profile: InstructorProfile) -> dict[str, list[tuple[str, str]]]:
    """Every stored day of the instructor as readable ranges: {"2026-06-09": [("09:00", "12:00")]}."""
    rows = AvailabilityDay.objects.filter(instructor=profile).order_by("date").values_list("date", "cells")
    return {
        day.isoformat(): [(format_hhmm(start), format_hhmm(end)) for start, end in ranges_from_mask(cells)]
        for day, cells in rows
    }


def days(week_start: date = WEEK) -> list[date]:
    return [week_start + timedelta(days=n) for n in range(7)]
