"""The week as the API and the editor see it: a snapshot of seven day masks with its
version, and the plain-data form used in responses and in the 409 bodies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from apps.availability.cells import format_hhmm, ranges_from_mask, week_dates

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_label(day: date) -> str:
    """'Tue 9 Jun' (DESIGN.md: dates like "Tue 3 Dec")."""
    return f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"


def time_label(minutes: int) -> str:
    """'4:00 pm'; noon is '12:00 pm', midnight (either end of the day) '12:00 am'."""
    hour, minute = divmod(minutes % (24 * 60), 60)
    return f"{hour % 12 or 12}:{minute:02d} {'am' if hour < 12 else 'pm'}"


def time_range_label(start: int, end: int) -> str:
    """'4:00–5:00 pm', or '11:30 pm–12:30 am' when the halves of the day differ."""
    first, last = time_label(start), time_label(end)
    if first[-2:] == last[-2:]:
        first = first[:-3]
    return f"{first}–{last}"


@dataclass(frozen=True)
class WeekSnapshot:
    week_start: date
    timezone: str
    masks: tuple[int, ...]  # one per day, Monday first
    etag: str  # unquoted; headers quote it
    version: int
    last_modified: datetime

    @property
    def dates(self) -> list[date]:
        return week_dates(self.week_start)

    @property
    def quoted_etag(self) -> str:
        return f'"{self.etag}"'


def week_payload(week: WeekSnapshot) -> dict[str, Any]:
    """The week's JSON body: the GET response, and the current state inside a stale-write 409."""
    return {
        "week_start": week.week_start.isoformat(),
        "week_end": (week.week_start + timedelta(days=6)).isoformat(),
        "timezone": week.timezone,
        "etag": week.quoted_etag,
        "version": week.version,
        # The same form the API's schemas give datetimes, so a 409 body matches a GET body.
        "last_modified": week.last_modified.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "days": [
            {
                "date": day.isoformat(),
                "label": day_label(day),
                "windows": [{"start": format_hhmm(s), "end": format_hhmm(e)} for s, e in ranges_from_mask(mask)],
            }
            for day, mask in zip(week.dates, week.masks, strict=True)
        ],
    }


@dataclass(frozen=True)
class BookedSlot:
    """An active booking as the instructor's editor shows it: who (initials only) and which
    local cells it covers."""

    public_id: str
    starts_at: datetime
    ends_at: datetime
    label: str
    student_initials: str
    service_name: str
    format: str
    status: str
    cells: dict[date, int]


def booked_payload(slot: BookedSlot) -> dict[str, Any]:
    return {
        "id": slot.public_id,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
        "label": slot.label,
        "student_initials": slot.student_initials,
        "service_name": slot.service_name,
        "format": slot.format,
        "status": slot.status,
        "cells": [
            {"date": day.isoformat(), "start": format_hhmm(start), "end": format_hhmm(end)}
            for day in sorted(slot.cells)
            for start, end in ranges_from_mask(slot.cells[day])
        ],
    }
