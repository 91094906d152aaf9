"""Time-zone choices for forms: the US zones first, by the names people use, then the rest."""

from __future__ import annotations

import zoneinfo
from functools import cache

US_ZONES = (
    ("America/New_York", "Eastern time (New York)"),
    ("America/Chicago", "Central time (Chicago)"),
    ("America/Denver", "Mountain time (Denver)"),
    ("America/Phoenix", "Arizona (Phoenix)"),
    ("America/Los_Angeles", "Pacific time (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
)

Choices = list[tuple[str, str | list[tuple[str, str]]]]


@cache
def timezone_choices() -> Choices:
    first = {name for name, _ in US_ZONES}
    rest = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones() - first)]
    return [("United States", list(US_ZONES)), ("Everywhere else", rest)]
