"""ICS → busy stretches (apps/availability/feeds/parse.py): recurring series, all-day and
floating events, time zones and DST, what is not busy, and malformed input."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.availability.feeds.parse import FeedParseError, busy_stretches

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
START, END = datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)


def ics(*events: str, header: str = "") -> bytes:
    body = "\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//InstaInstru tests//EN", header, *events, "END:VCALENDAR"]
    )
    return "\r\n".join(line for line in body.split("\n") if line).encode()


def event(uid: str, *lines: str) -> str:
    return "\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261001T000000Z", *lines, "END:VEVENT"])


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def busy(body: bytes, zone: ZoneInfo = NY, limit: int = 1000) -> list[tuple[datetime, datetime]]:
    return busy_stretches(body, zone=zone, start=START, end=END, limit=limit)


def test_a_weekly_series_keeps_its_local_time_across_the_dst_change() -> None:
    # Tuesdays 16:00–17:00 New York from 27 Oct; clocks fall back on Sun 1 Nov 2026.
    body = ics(event("w", "DTSTART;TZID=America/New_York:20261027T160000", "DTEND;TZID=America/New_York:20261027T170000",
                     "RRULE:FREQ=WEEKLY;COUNT=3"))  # fmt: skip
    assert busy(body) == [
        (utc(2026, 10, 27, 20), utc(2026, 10, 27, 21)),  # EDT, UTC-4
        (utc(2026, 11, 3, 21), utc(2026, 11, 3, 22)),  # EST, UTC-5
        (utc(2026, 11, 10, 21), utc(2026, 11, 10, 22)),
    ]


def test_exdate_and_a_moved_occurrence_are_honoured() -> None:
    body = ics(
        event("s", "DTSTART;TZID=America/New_York:20261102T090000", "DTEND;TZID=America/New_York:20261102T100000",
              "RRULE:FREQ=DAILY;COUNT=4", "EXDATE;TZID=America/New_York:20261103T090000"),
        event("s", "RECURRENCE-ID;TZID=America/New_York:20261104T090000",
              "DTSTART;TZID=America/New_York:20261104T130000", "DTEND;TZID=America/New_York:20261104T140000"),
    )  # fmt: skip
    assert busy(body) == [
        (utc(2026, 11, 2, 14), utc(2026, 11, 2, 15)),
        (utc(2026, 11, 4, 18), utc(2026, 11, 4, 19)),  # moved to 13:00
        (utc(2026, 11, 5, 14), utc(2026, 11, 5, 15)),
    ]


def test_all_day_events_block_the_instructors_whole_local_days() -> None:
    body = ics(
        event("a", "DTSTART;VALUE=DATE:20261105", "DTEND;VALUE=DATE:20261107"),  # Thu and Fri
        event("b", "DTSTART;VALUE=DATE:20261110"),  # no end: one day
    )
    assert busy(body) == [
        (utc(2026, 11, 5, 5), utc(2026, 11, 7, 5)),
        (utc(2026, 11, 10, 5), utc(2026, 11, 11, 5)),
    ]
    # The same file read for an instructor in Los Angeles blocks Los Angeles days.
    assert busy(body, LA)[0] == (utc(2026, 11, 5, 8), utc(2026, 11, 7, 8))


def test_floating_times_are_the_instructors_wall_time_and_utc_times_stay_utc() -> None:
    body = ics(
        event("f", "DTSTART:20261106T090000", "DTEND:20261106T093000"),
        event("u", "DTSTART:20261106T200000Z", "DURATION:PT45M"),
    )
    assert busy(body) == [
        (utc(2026, 11, 6, 14), utc(2026, 11, 6, 14, 30)),
        (utc(2026, 11, 6, 20), utc(2026, 11, 6, 20, 45)),
    ]


def test_a_calendars_own_x_wr_timezone_wins_over_the_instructors_zone_for_floating_times() -> None:
    # Google marks a calendar's zone with X-WR-TIMEZONE: 09:00 there is 09:00 Los Angeles time
    # even for an instructor who lives in New York.
    body = ics(
        event("g", "DTSTART:20261106T090000", "DTEND:20261106T100000"), header="X-WR-TIMEZONE:America/Los_Angeles"
    )
    assert busy(body) == [(utc(2026, 11, 6, 17), utc(2026, 11, 6, 18))]


def test_free_cancelled_and_zero_length_events_block_nothing_and_overlaps_merge() -> None:
    body = ics(
        event("t", "DTSTART:20261106T100000Z", "DTEND:20261106T110000Z", "TRANSP:TRANSPARENT"),
        event("c", "DTSTART:20261106T120000Z", "DTEND:20261106T130000Z", "STATUS:CANCELLED"),
        event("z", "DTSTART:20261106T140000Z"),
        event("m1", "DTSTART:20261107T100000Z", "DTEND:20261107T110000Z"),
        event("m2", "DTSTART:20261107T103000Z", "DTEND:20261107T120000Z"),
        event("m3", "DTSTART:20261107T120000Z", "DTEND:20261107T123000Z"),  # touches: merged
    )
    assert busy(body) == [(utc(2026, 11, 7, 10), utc(2026, 11, 7, 12, 30))]


def test_stretches_are_clipped_to_the_window() -> None:
    body = ics(
        event("long", "DTSTART:20261001T000000Z", "DTEND:20261021T060000Z"),
        event("late", "DTSTART:20261231T000000Z", "DTEND:20261231T010000Z"),
    )
    assert busy(body) == [(START, utc(2026, 10, 21, 6))]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Sign in</html>", "doesn't return a calendar"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "could not be read"),
        (b"", "doesn't return a calendar"),
    ],
)
def test_what_is_not_a_readable_calendar_is_refused_with_a_reason(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        busy(body)


def test_a_series_with_more_events_than_the_limit_is_refused() -> None:
    body = ics(event("many", "DTSTART:20261021T000000Z", "DTEND:20261021T000500Z", "RRULE:FREQ=MINUTELY;INTERVAL=10"))
    with pytest.raises(FeedParseError, match="more than 50 events"):
        busy(body, limit=50)
