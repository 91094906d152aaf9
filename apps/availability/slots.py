"""Open lesson start times: a pure function of windows, bookings, the offering and `now`.

No ORM, no I/O, no clock reads: callers pass everything in, which keeps the rules testable in
isolation and fast enough to run on every page view.

How a slot is decided (all arithmetic is on integer UTC epoch minutes and sorted interval lists;
nothing tests each 15-minute candidate against each booking):

1. **Availability.** A `Window` is a wall-clock range on a local date in the instructor's
   zone. It stands for the set of real instants whose local wall time lies in
   ``[start, end)`` on that date. Adjacent and overlapping windows merge, so 09:00–12:00 plus
   12:00–14:00 allows a two-hour lesson at 11:00. A lesson must fit entirely inside the union.
2. **Bookings** are removed, each padded on both sides by the instructor's buffer: the travel
   buffer (60 min) when either the existing booking or the requested lesson is a travel lesson,
   else the ordinary buffer (15 min). Intervals are half-open, so a lesson may end exactly
   where a padded booking begins.
3. **Advance notice.** A start must be at or after ``now + notice`` (180 min for travel,
   60 min otherwise).
4. **Overnight protection** concerns when the request is made. If ``now`` is at or after
   20:00 local time, starts before 09:00 (11:00 for a travel lesson) on the next local
   morning are not offered. Choice: a late-night request made after midnight protects that
   same morning, so if ``now`` is before the morning cutoff that applies to the requested
   lesson (09:00, or 11:00 for travel), starts before that cutoff today are not offered. Only
   the protected morning is blocked: same-evening starts remain subject to notice alone.
5. **Horizon.** A start must be before ``now + horizon_days`` (30 days by default;
   ``horizon_days`` above ``max_horizon_days`` (90) raises `ValueError`). ``date_from`` /
   ``date_to`` are inclusive local dates that filter on the start's local date; ``date_to``
   is clamped to the horizon. A lesson starting on ``date_to`` may run into the next day if
   the windows allow.
6. **Grid.** Starts lie on the local wall-clock grid (:00/:15/:30/:45 by default). The grid is
   aligned per UTC offset, so zones such as Asia/Kathmandu (+05:45) get local quarter hours,
   not UTC ones.

DST choices (America/New_York examples):

* Durations, buffers, notice and horizon are real elapsed time, never wall-clock differences.
* Spring forward (2026-03-08, 02:00 → 03:00): wall times 02:00–02:59 do not exist, so no
  instant maps to them. A 01:00–04:00 window is two real hours; no start is emitted in the
  gap, and a grid start of 03:00 EDT follows 01:45 EST directly.
* Fall back (2026-11-01, 01:00–02:00 happens twice): every instant whose wall time falls in
  a window belongs to it, so a 00:00–03:00 window is four real hours and both 01:00 EDT and
  01:00 EST are emitted, once each. `format_slot` adds the zone abbreviation to the label
  when the wall time is ambiguous so the two can be told apart.

Assumptions: UTC offsets are whole minutes (true for every zone since 1972), and a zone
changes its offset at most once in any six-hour span (true for all tzdb data), which lets us
find transitions by probing every six hours and bisecting.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "BusyInterval",
    "SlotQuery",
    "SlotRules",
    "Window",
    "format_slot",
    "local_instants",
    "open_slots",
    "open_time",
    "protected_mornings",
]

# [start, end) in minutes since the Unix epoch. "Wall" intervals use the same unit for naive
# local date-times, as if the local wall clock were UTC; offsets convert between the two.
Interval = tuple[int, int]
# (start, end, utc_offset_minutes): a stretch of real time over which the zone's offset holds.
OffsetSegment = tuple[int, int, int]

MINUTES_PER_DAY = 1440
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ONE_MICROSECOND = timedelta(microseconds=1)
_MICROSECONDS_PER_MINUTE = 60_000_000
_PROBE_MINUTES = 6 * 60
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class SlotRules:
    """The instructor's booking policy. Minutes and hours are local and whole."""

    buffer_minutes: int = 15
    travel_buffer_minutes: int = 60
    notice_minutes: int = 60
    travel_notice_minutes: int = 180
    overnight_cutoff_hour: int = 20  # requests at/after this local hour protect the next morning
    overnight_morning_hour: int = 9
    overnight_travel_morning_hour: int = 11
    horizon_days: int = 30
    max_horizon_days: int = 90
    grid_minutes: int = 15

    def __post_init__(self) -> None:
        for field in fields(self):
            if getattr(self, field.name) < 0:
                raise ValueError(f"{field.name} must not be negative")
        hours = (self.overnight_cutoff_hour, self.overnight_morning_hour, self.overnight_travel_morning_hour)
        if any(hour > 24 for hour in hours):
            raise ValueError("overnight hours must be between 0 and 24")
        if self.horizon_days > self.max_horizon_days:
            raise ValueError(f"horizon_days {self.horizon_days} exceeds the maximum of {self.max_horizon_days}")
        # A grid that divides the day keeps every local midnight on the grid.
        if self.grid_minutes == 0 or MINUTES_PER_DAY % self.grid_minutes:
            raise ValueError("grid_minutes must divide 1440")


@dataclass(frozen=True, slots=True)
class Window:
    """Local wall-clock availability on one local date; ``end=None`` (or 00:00) means midnight."""

    date: date
    start: time
    end: time | None = None

    def __post_init__(self) -> None:
        for bound in (self.start, self.end):
            if bound is not None and (bound.second or bound.microsecond or bound.tzinfo is not None):
                raise ValueError("window times must be naive whole minutes")
        if self.end_minute <= self.start.hour * 60 + self.start.minute:
            raise ValueError("a window must end after it starts (split windows that cross midnight)")

    @property
    def end_minute(self) -> int:
        """Minutes after local midnight; 1440 for a window that runs to the end of the day."""
        if self.end is None or self.end == time(0):
            return MINUTES_PER_DAY
        return self.end.hour * 60 + self.end.minute


@dataclass(frozen=True, slots=True)
class BusyInterval:
    """An existing active booking of the instructor (unpadded)."""

    starts_at: datetime
    ends_at: datetime
    is_travel: bool = False

    def __post_init__(self) -> None:
        _require_aware(self.starts_at, "starts_at")
        _require_aware(self.ends_at, "ends_at")
        if self.ends_at <= self.starts_at:
            raise ValueError("a booking must end after it starts")


@dataclass(frozen=True, slots=True)
class SlotQuery:
    """What the student asks for; dates are inclusive local dates in the instructor's zone."""

    duration_minutes: int
    is_travel: bool = False
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        if self.duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive")
        if self.date_from is not None and self.date_to is not None and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")


def open_slots(
    *,
    windows: Iterable[Window],
    bookings: Iterable[BusyInterval],
    instructor_tz: str,
    query: SlotQuery,
    now: datetime,
    rules: SlotRules = SlotRules(),  # frozen, so one shared default is safe
) -> list[datetime]:
    """Bookable start instants (aware UTC datetimes, sorted, unique) for one instructor."""
    _require_aware(now, "now")
    zone = ZoneInfo(instructor_tz)
    now_minute = _ceil_minute(now)  # starts are whole minutes, so rounding `now` up is exact
    # Add in UTC: arithmetic on a datetime in a DST zone is wall-clock, not elapsed time.
    horizon_end = now.astimezone(UTC) + timedelta(days=rules.horizon_days)
    first_day, last_day = _date_span(query, now.astimezone(zone).date(), horizon_end.astimezone(zone).date())
    if first_day > last_day:
        return []
    # A lesson starting on last_day may run on into the following days.
    spill_days = -(-query.duration_minutes // MINUTES_PER_DAY)
    segments = _offset_segments(
        zone,
        _wall_minute(first_day - timedelta(days=2), 0) - MINUTES_PER_DAY,
        _wall_minute(last_day + timedelta(days=spill_days + 2), 0) + MINUTES_PER_DAY,
    )
    available = _availability(
        windows, first_day - timedelta(days=1), last_day + timedelta(days=spill_days + 1), segments
    )
    free = _subtract(available, _padded_bookings(bookings, query.is_travel, rules))
    notice = rules.travel_notice_minutes if query.is_travel else rules.notice_minutes
    allowed = _intersect(
        _fitting_starts(free, query.duration_minutes),
        [(now_minute + notice, now_minute + rules.horizon_days * MINUTES_PER_DAY)],
    )
    day_span = (_wall_minute(first_day, 0), _wall_minute(last_day + timedelta(days=1), 0))
    allowed = _intersect(allowed, _preimage(day_span, segments))
    allowed = _subtract(allowed, _overnight_block(now.astimezone(zone), query.is_travel, rules, segments))
    return [_EPOCH + timedelta(minutes=minute) for minute in _grid_starts(allowed, segments, rules.grid_minutes)]


@dataclass(frozen=True, slots=True)
class OpenTime:
    """Windows on local dates `first`..`last` as real time, for an index of them: `span` is
    [local midnight before `first`, local midnight after `last`) in epoch minutes, `intervals`
    the open time in it (merged), `offsets` every UTC offset the zone has in it."""

    span: Interval
    intervals: list[Interval]
    offsets: frozenset[int]
    changes: tuple[int, ...]  # epoch minutes where the offset changes inside `span`


def open_time(*, windows: Iterable[Window], instructor_tz: str, first: date, last: date) -> OpenTime:
    """The real time covered by the windows on local dates first..last (rule 1 only)."""
    wall = (_wall_minute(first, 0), _wall_minute(last + timedelta(days=1), 0))
    segments = _cached_segments(instructor_tz, wall[0] - 2 * MINUTES_PER_DAY, wall[1] + 2 * MINUTES_PER_DAY)
    pieces = _preimage(wall, segments)
    span = (pieces[0][0], pieces[-1][1])
    inside = [segment for segment in segments if segment[0] < span[1] and segment[1] > span[0]]
    return OpenTime(
        span=span,
        intervals=_availability(windows, first, last, segments),
        offsets=frozenset(offset for _, _, offset in inside),
        changes=tuple(start for start, _, _ in inside[1:]),
    )


def local_instants(*, tz: str, day: date, start_minute: int, end_minute: int) -> list[Interval]:
    """Real instants (epoch minutes) whose wall time in `tz` lies in [start_minute,
    end_minute) on local `day`; two pieces around a fall-back hour, fewer minutes across a gap."""
    wall = (_wall_minute(day, start_minute), _wall_minute(day, end_minute))
    day_start = _wall_minute(day, 0)
    return _preimage(wall, _cached_segments(tz, day_start - 2 * MINUTES_PER_DAY, day_start + 3 * MINUTES_PER_DAY))


def protected_mornings(*, now: datetime, instructor_tz: str, is_travel: bool, rules: SlotRules) -> list[Interval]:
    """The starts overnight protection (rule 4) refuses at `now`, in epoch minutes."""
    _require_aware(now, "now")
    zone = ZoneInfo(instructor_tz)
    now_local = now.astimezone(zone)
    today = _wall_minute(now_local.date(), 0)
    segments = _cached_segments(instructor_tz, today - 2 * MINUTES_PER_DAY, today + 3 * MINUTES_PER_DAY)
    return _overnight_block(now_local, is_travel, rules, segments)


@functools.lru_cache(maxsize=1024)
def _cached_segments(tz: str, lo: int, hi: int) -> list[OffsetSegment]:
    """For the index helpers above, called for thousands of instructors in a few zones and
    days (callers never mutate the list)."""
    return _offset_segments(ZoneInfo(tz), lo, hi)


def format_slot(start: datetime, viewer_tz: str) -> dict[str, str]:
    """A slot for display: the UTC instant, the viewer's local time, and a short label."""
    _require_aware(start, "start")
    local = start.astimezone(ZoneInfo(viewer_tz))
    hour12 = local.hour % 12 or 12
    label = (
        f"{_DAY_NAMES[local.weekday()]} {local.day} {_MONTH_NAMES[local.month - 1]}, "
        f"{hour12}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"
    )
    # The repeated fall-back hour would otherwise produce two identical labels.
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        label = f"{label} {local.tzname()}"
    return {"starts_at": start.astimezone(UTC).isoformat(), "local": local.isoformat(), "label": label}


# --- inputs → minutes ---------------------------------------------------------------------


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _microseconds(value: datetime) -> int:
    return (value - _EPOCH) // _ONE_MICROSECOND


def _floor_minute(value: datetime) -> int:
    return _microseconds(value) // _MICROSECONDS_PER_MINUTE


def _ceil_minute(value: datetime) -> int:
    return -(-_microseconds(value) // _MICROSECONDS_PER_MINUTE)


def _wall_minute(day: date, minute_of_day: int) -> int:
    """A local wall-clock moment in wall-epoch minutes."""
    return (day.toordinal() - _EPOCH_ORDINAL) * MINUTES_PER_DAY + minute_of_day


def _date_span(query: SlotQuery, today: date, horizon_day: date) -> tuple[date, date]:
    # Starts before today fail notice anyway; clamping keeps the work proportional to the horizon.
    first = today if query.date_from is None else max(query.date_from, today)
    last = horizon_day if query.date_to is None else min(query.date_to, horizon_day)
    return first, last


# --- time zone: real time ↔ wall time -------------------------------------------------------


def _offset_minutes(zone: ZoneInfo, minute: int) -> int:
    offset = (_EPOCH + timedelta(minutes=minute)).astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always has an offset
    return offset // timedelta(minutes=1)


def _offset_segments(zone: ZoneInfo, lo: int, hi: int) -> list[OffsetSegment]:
    """Split real time [lo, hi) into stretches of constant UTC offset."""
    segments: list[OffsetSegment] = []
    start, offset = lo, _offset_minutes(zone, lo)
    probe = lo
    while probe < hi:
        following = min(probe + _PROBE_MINUTES, hi)
        if _offset_minutes(zone, following) != offset:
            change = _first_change(zone, probe, following, offset)
            segments.append((start, change, offset))
            start, offset = change, _offset_minutes(zone, change)
        probe = following
    if start < hi:
        segments.append((start, hi, offset))
    return segments


def _first_change(zone: ZoneInfo, same: int, changed: int, offset: int) -> int:
    """Bisect for the first minute in (same, changed] whose offset differs from `offset`."""
    while changed - same > 1:
        middle = (same + changed) // 2
        if _offset_minutes(zone, middle) == offset:
            same = middle
        else:
            changed = middle
    return changed


def _preimage(wall: Interval, segments: list[OffsetSegment]) -> list[Interval]:
    """Real instants whose local wall time lies in `wall`; several pieces around a fall-back."""
    pieces: list[Interval] = []
    for seg_start, seg_end, offset in segments:
        start, end = max(seg_start, wall[0] - offset), min(seg_end, wall[1] - offset)
        if start < end:
            pieces.append((start, end))
    return pieces


# --- the rules as intervals -----------------------------------------------------------------


def _availability(windows: Iterable[Window], first: date, last: date, segments: list[OffsetSegment]) -> list[Interval]:
    pieces: list[Interval] = []
    for window in windows:
        if first <= window.date <= last:  # other windows cannot touch a start in range
            start = window.start.hour * 60 + window.start.minute
            wall = (_wall_minute(window.date, start), _wall_minute(window.date, window.end_minute))
            pieces.extend(_preimage(wall, segments))
    return _merge(pieces)


def _padded_bookings(bookings: Iterable[BusyInterval], is_travel: bool, rules: SlotRules) -> list[Interval]:
    padded: list[Interval] = []
    for booking in bookings:
        pad = rules.travel_buffer_minutes if (is_travel or booking.is_travel) else rules.buffer_minutes
        # Floor/ceil to whole minutes is exact because lesson starts and durations are whole minutes.
        padded.append((_floor_minute(booking.starts_at) - pad, _ceil_minute(booking.ends_at) + pad))
    return _merge(padded)


def _fitting_starts(free: list[Interval], duration: int) -> list[Interval]:
    """Starts s with [s, s + duration) inside one free interval."""
    return [(start, end - duration + 1) for start, end in free if end - start >= duration]


def _overnight_block(
    now_local: datetime, is_travel: bool, rules: SlotRules, segments: list[OffsetSegment]
) -> list[Interval]:
    morning_hour = rules.overnight_travel_morning_hour if is_travel else rules.overnight_morning_hour
    if now_local.hour >= rules.overnight_cutoff_hour:
        protected = now_local.date() + timedelta(days=1)
    elif now_local.hour < morning_hour:  # after midnight, before the cutoff: this morning
        protected = now_local.date()
    else:
        return []
    return _preimage((_wall_minute(protected, 0), _wall_minute(protected, morning_hour * 60)), segments)


def _grid_starts(allowed: list[Interval], segments: list[OffsetSegment], grid: int) -> list[int]:
    """Minutes in `allowed` whose local wall time is on the grid; the phase follows the offset."""
    starts: list[int] = []
    index = 0
    for start, end in allowed:
        while index < len(segments) and segments[index][1] <= start:
            index += 1
        for seg_start, seg_end, offset in segments[index:]:
            if seg_start >= end:
                break
            lo, hi = max(start, seg_start), min(end, seg_end)
            starts.extend(range(lo + (-(lo + offset)) % grid, hi, grid))
    return starts


# --- sorted interval arithmetic -------------------------------------------------------------


def _merge(intervals: list[Interval]) -> list[Interval]:
    """Sort and coalesce; touching intervals merge, which is what joins adjacent windows."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtract(base: list[Interval], cut: list[Interval]) -> list[Interval]:
    """`base` minus `cut`; both sorted and disjoint. One linear pass."""
    result: list[Interval] = []
    index = 0
    for start, end in base:
        while index < len(cut) and cut[index][1] <= start:
            index += 1
        cursor, probe = start, index
        while probe < len(cut) and cut[probe][0] < end:
            if cut[probe][0] > cursor:
                result.append((cursor, cut[probe][0]))
            cursor = max(cursor, cut[probe][1])
            probe += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def _intersect(left: list[Interval], right: list[Interval]) -> list[Interval]:
    """Intersection of two sorted, disjoint lists. One linear pass."""
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start, end = max(left[i][0], right[j][0]), min(left[i][1], right[j][1])
        if start < end:
            result.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return result
