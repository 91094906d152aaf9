"""Pure helpers for the storage format: 30-minute cells on local dates, packed in day masks.

No ORM and no clock: models, services, selectors and the demo all use these, and the tests
check them directly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apps.availability.slots import Window

CELL_MINUTES = 30
CELLS_PER_DAY = 24 * 60 // CELL_MINUTES
DAYS_PER_WEEK = 7
_TIME_RE = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

# A run of open time on one day, in minutes after local midnight: [start, end).
MinuteRange = tuple[int, int]


def week_start_of(day: date) -> date:
    """The Monday of the (local) week holding `day`."""
    return day - timedelta(days=day.weekday())


# With fewer days than this left in the week, the editor opens on the next one.
USEFUL_DAYS_LEFT = 3


def first_useful_day(today: date) -> date:
    """The day whose week the editor opens on: this week, unless it is nearly over (on a
    Saturday or Sunday the week to plan is the next one)."""
    days_left = DAYS_PER_WEEK - today.weekday()
    return today if days_left >= USEFUL_DAYS_LEFT else today + timedelta(days=days_left)


def week_dates(week_start: date) -> list[date]:
    return [week_start + timedelta(days=offset) for offset in range(DAYS_PER_WEEK)]


def parse_hhmm(text: str) -> int:
    """'09:30' → 570; '24:00' (end of day) → 1440. Raises ValueError on anything else."""
    match = _TIME_RE.match(text)
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not 0 <= minutes <= 24 * 60:
        raise ValueError(f"not a time of day: {text!r}")
    return minutes


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def mask_from_ranges(ranges: Iterable[MinuteRange]) -> int:
    """Cells covered by grid-aligned minute ranges (callers validate the alignment)."""
    mask = 0
    for start, end in ranges:
        for cell in range(start // CELL_MINUTES, end // CELL_MINUTES):
            mask |= 1 << cell
    return mask


def ranges_from_mask(mask: int) -> list[MinuteRange]:
    """Maximal runs of set cells, in order: adjacent cells always come back as one range."""
    ranges: list[MinuteRange] = []
    cell = 0
    while cell < CELLS_PER_DAY:
        if mask >> cell & 1:
            first = cell
            while cell < CELLS_PER_DAY and mask >> cell & 1:
                cell += 1
            ranges.append((first * CELL_MINUTES, cell * CELL_MINUTES))
        else:
            cell += 1
    return ranges


def windows_from_masks(masks: Mapping[date, int]) -> list[Window]:
    """The slot function's input: one Window per run; a run to midnight ends at None."""
    windows: list[Window] = []
    for day in sorted(masks):
        for start, end in ranges_from_mask(masks[day]):
            end_time = None if end == 24 * 60 else time(end // 60, end % 60)
            windows.append(Window(day, time(start // 60, start % 60), end_time))
    return windows


def week_etag(week_start: date, masks: Sequence[int]) -> str:
    """A strong validator for the week's content (without quotes). The week's date is part
    of it, so an empty week's tag cannot be replayed against another empty week."""
    content = week_start.isoformat() + "|" + ",".join(f"{mask:012x}" for mask in masks)
    return hashlib.sha256(content.encode()).hexdigest()[:32]


def busy_cells(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> dict[date, int]:
    """The local cells an instant interval touches, per local date.

    Walks from one local cell edge to the next. DST changes happen on local cell edges (on
    the hour), so one step never spans a change: in the repeated fall-back hour both passes
    land on the same cells, and the skipped spring-forward hour touches none."""
    touched: dict[date, int] = {}
    cursor, end = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    while cursor < end:
        local = cursor.astimezone(zone)
        minute = local.hour * 60 + local.minute
        touched[local.date()] = touched.get(local.date(), 0) | 1 << (minute // CELL_MINUTES)
        to_edge = timedelta(minutes=CELL_MINUTES - minute % CELL_MINUTES)
        cursor += to_edge - timedelta(seconds=local.second, microseconds=local.microsecond)
    return touched


def local_day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants from local midnight of `first` to local midnight after `last`."""
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end
