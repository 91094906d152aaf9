"""An ICS file to the busy stretches it blocks, in UTC: a pure function (no I/O, no clock).

What counts as busy, chosen to match what calendar apps show as "busy":
* every VEVENT occurrence in the window, recurring series expanded (RRULE, RDATE, EXDATE and
  moved occurrences, via recurring-ical-events);
* not events marked free (TRANSP:TRANSPARENT) or cancelled (STATUS:CANCELLED);
* all-day events block the instructor's whole local days (DTEND is exclusive, as RFC 5545
  says; a missing end means one day);
* times without a zone ("floating") are the calendar's X-WR-TIMEZONE (how Google marks a
  calendar's zone) when it has one, else the instructor's local wall time;
* an event without an end or duration occupies no time and blocks nothing.
Overlapping and touching stretches are merged and clipped to the window.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar, Component

Stretch = tuple[datetime, datetime]


class FeedParseError(Exception):
    """The file is not a calendar we can read, or holds more than we import."""


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=zone)).astimezone(UTC)
    return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)


def _event_stretch(event: Component, zone: ZoneInfo) -> Stretch | None:
    get = event.get
    if str(get("TRANSP", "")).upper() == "TRANSPARENT" or str(get("STATUS", "")).upper() == "CANCELLED":
        return None
    start_prop = get("DTSTART")
    if start_prop is None:
        return None
    start_value = start_prop.dt
    end_prop, duration = get("DTEND"), get("DURATION")
    if end_prop is not None:
        end_value = end_prop.dt
    elif duration is not None:
        end_value = start_value + duration.dt
    elif not isinstance(start_value, datetime):
        end_value = start_value + timedelta(days=1)
    else:
        return None
    start, end = _instant(start_value, zone), _instant(end_value, zone)
    return (start, end) if end > start else None


def _merged(stretches: list[Stretch]) -> list[Stretch]:
    merged: list[Stretch] = []
    for start, end in sorted(stretches):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def busy_stretches(body: bytes, *, zone: ZoneInfo, start: datetime, end: datetime, limit: int) -> list[Stretch]:
    """Busy time in [start, end) (aware datetimes), merged; FeedParseError past `limit` events."""
    text = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        raise FeedParseError("That address doesn't return a calendar (an .ics file).")
    try:
        calendar = Calendar.from_ical(text)
        occurrences = recurring_ical_events.of(calendar, components=["VEVENT"]).between(start, end)
        stretches: list[Stretch] = []
        for count, event in enumerate(occurrences, start=1):
            if count > limit:
                raise FeedParseError(
                    f"The calendar has more than {limit} events in the next weeks, which we don't import."
                )
            stretch = _event_stretch(event, zone)
            if stretch is not None:
                stretches.append(stretch)
    except FeedParseError:
        raise
    except Exception as exc:  # the parser raises many types on malformed input
        raise FeedParseError("The calendar file could not be read.") from exc
    clipped = [(max(s, start), min(e, end)) for s, e in stretches if e > start and s < end]
    return _merged(clipped)
