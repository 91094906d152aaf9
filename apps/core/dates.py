"""The dates the product works with, for every input (API parameters, page forms).

Far wider than any lesson, availability week or report needs, and far enough from year 1 and
9999 that adding weeks or converting time zones never leaves Python's date range (near them
such inputs crashed with OverflowError)."""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator

EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)
OUT_OF_RANGE = f"Use a date between {EARLIEST_DATE} and {LATEST_DATE}."
DATE_RANGE_VALIDATORS = [
    MinValueValidator(EARLIEST_DATE, message=OUT_OF_RANGE),
    MaxValueValidator(LATEST_DATE, message=OUT_OF_RANGE),
]


def moment_label(local: dt.datetime) -> str:
    """'Tue 3 Dec, 4:00 pm': how every page and message writes a moment (already in the
    reader's zone). Django's "a" format would say "p.m."."""
    hour = local.hour % 12 or 12
    return f"{local:%a} {local.day} {local:%b}, {hour}:{local:%M} {'am' if local.hour < 12 else 'pm'}"


def time_label(wall: dt.time) -> str:
    """'4:00 pm': a wall-clock time the way moment_label writes one."""
    return moment_label(dt.datetime.combine(EARLIEST_DATE, wall)).split(", ", 1)[1]


def day_label(local: dt.datetime | dt.date) -> str:
    """'Tue 3 Dec': a day as pages and messages write it (already in the reader's zone)."""
    return f"{local:%a} {local.day} {local:%b}"
