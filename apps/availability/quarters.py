"""Open time as bits of 15-minute quarters: what search reads instead of day rows.

An instructor's availability over `SPAN_DAYS` local dates (blackout days removed) becomes one
integer: bit k stands for the quarter [origin + 15k, origin + 15k + 15) of real time, where
`origin` is local midnight of the first date, and is set when the whole quarter lies in open
time. Search then finds bookable starts with a few integer operations per instructor instead
of running the slot rules (`QuarterSpan.starts`), and the answer is exactly `open_slots`:

* Windows are 30-minute cells and every offset change we accept is a multiple of 15 minutes
  at a quarter boundary (`quarter_span` refuses anything else), so open time is a union of
  whole quarters and every quarter start is a local grid start (rule 6).
* A lesson of d = 15·n minutes starting on a quarter covers exactly n whole quarters, so it
  fits (rules 1 and 2) if and only if each of them is open and touches no padded booking:
  a quarter only partly inside a padded booking is rightly lost, whatever the buffer.
* Notice, horizon and overnight protection (rules 3–5) only cut ranges of start instants.

Bookings and the instructor's rules are applied at search time, from the live rows: only the
availability (which changes through the availability services alone) is stored. Grids other
than 15 minutes and durations that are not whole quarters are not handled here; callers use
`open_slots` for them. tests/test_quarters_properties.py checks the equality on random
calendars, rules and clocks, across DST changes and odd zones.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from apps.availability.cells import windows_from_masks
from apps.availability.slots import BusyInterval, SlotRules, open_time, protected_mornings

QUARTER = 15
SPAN_DAYS = 40  # the horizon (30 days), yesterday, a spilled lesson, and a week of slack
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class QuarterSpan:
    origin: int  # epoch minute of the first quarter: local midnight of the first date
    until: int  # epoch minute where the span ends: local midnight after the last date
    bits: int

    @property
    def origin_at(self) -> datetime:
        return _EPOCH + timedelta(minutes=self.origin)

    @property
    def until_at(self) -> datetime:
        return _EPOCH + timedelta(minutes=self.until)

    @property
    def size(self) -> int:
        return (self.until - self.origin) // QUARTER

    def serves(self, *, now: datetime, rules: SlotRules, duration: int) -> bool:
        """Whether every start the rules can allow at `now` is in the span, lesson included."""
        now_minute = _ceil_minute(now)
        return (
            rules.grid_minutes == QUARTER
            and duration % QUARTER == 0
            and self.origin <= now_minute
            and now_minute + rules.horizon_days * _MINUTES_PER_DAY + duration <= self.until
        )

    def starts(
        self,
        *,
        bookings: Iterable[BusyInterval],
        duration: int,
        is_travel: bool,
        now: datetime,
        rules: SlotRules,
        timezone: str,
    ) -> int:
        """Bookable starts as bits of this span (bit k: a start at origin + 15k). Only when
        `serves(...)` holds."""
        free = self.bits & ~self.busy(bookings, is_travel=is_travel, rules=rules)
        return _runs(free, duration // QUARTER) & self.allowed(now=now, is_travel=is_travel, rules=rules, tz=timezone)

    def busy(self, bookings: Iterable[BusyInterval], *, is_travel: bool, rules: SlotRules) -> int:
        """Quarters touched by a padded booking (rule 2)."""
        mask = 0
        for booking in bookings:
            pad = rules.travel_buffer_minutes if (is_travel or booking.is_travel) else rules.buffer_minutes
            start = _floor_minute(booking.starts_at) - pad
            end = _ceil_minute(booking.ends_at) + pad
            mask |= self._range((start - self.origin) // QUARTER, -(-(end - self.origin) // QUARTER))
        return mask

    def allowed(self, *, now: datetime, is_travel: bool, rules: SlotRules, tz: str) -> int:
        """Starts notice, horizon and overnight protection allow (rules 3–5)."""
        return _allowed(self.origin, self.until, now, is_travel, rules, tz)

    def instants(self, start: int, end: int) -> int:
        """Quarters starting at an instant in [start, end) (epoch minutes)."""
        return self._range(-(-(start - self.origin) // QUARTER), -(-(end - self.origin) // QUARTER))

    def _range(self, low: int, high: int) -> int:
        low, high = max(low, 0), min(high, self.size)
        return ((1 << (high - low)) - 1) << low if high > low else 0

    def first_starts(self, mask: int, limit: int) -> list[datetime]:
        """The first `limit` starts of `mask`, as UTC instants."""
        found: list[datetime] = []
        while mask and len(found) < limit:
            lowest = mask & -mask
            found.append(_EPOCH + timedelta(minutes=self.origin + QUARTER * (lowest.bit_length() - 1)))
            mask ^= lowest
        return found

    def to_bytes(self) -> bytes:
        return self.bits.to_bytes(-(-self.size // 8), "little")

    @classmethod
    def of(cls, origin: datetime, until: datetime, data: bytes | memoryview) -> QuarterSpan:
        return cls(origin=_floor_minute(origin), until=_floor_minute(until), bits=int.from_bytes(data, "little"))


def quarter_span(masks: Mapping[date, int], *, timezone: str, first: date, days: int = SPAN_DAYS) -> QuarterSpan | None:
    """The open quarters of the day masks on local dates first..first+days-1, or None when
    the zone's offsets there do not keep quarters on its local grid (no zone in use today)."""
    last = first + timedelta(days=days - 1)
    kept = {day: mask for day, mask in masks.items() if first <= day <= last}
    found = open_time(windows=windows_from_masks(kept), instructor_tz=timezone, first=first, last=last)
    origin, until = found.span
    base = next(iter(found.offsets))
    aligned = all((offset - base) % QUARTER == 0 for offset in found.offsets) and all(
        (change - origin) % QUARTER == 0 for change in (*found.changes, until)
    )
    if not aligned:
        return None
    span = QuarterSpan(origin=origin, until=until, bits=0)
    bits = 0
    for start, end in found.intervals:
        bits |= span._range((start - origin) // QUARTER, (end - origin) // QUARTER)
    return QuarterSpan(origin=origin, until=until, bits=bits)


@functools.lru_cache(maxsize=256)
def _allowed(origin: int, until: int, now: datetime, is_travel: bool, rules: SlotRules, tz: str) -> int:
    # The same for every instructor of a zone and policy indexed the same day: once per search.
    span = QuarterSpan(origin=origin, until=until, bits=0)
    now_minute = _ceil_minute(now)
    notice = rules.travel_notice_minutes if is_travel else rules.notice_minutes
    mask = span.instants(now_minute + notice, now_minute + rules.horizon_days * _MINUTES_PER_DAY)
    for start, end in protected_mornings(now=now, instructor_tz=tz, is_travel=is_travel, rules=rules):
        mask &= ~span.instants(start, end)
    return mask


def _runs(free: int, length: int) -> int:
    """Bit k set when bits k..k+length-1 of `free` all are (doubling: log2(length) steps)."""
    result, covered = free, 1
    while covered < length:
        step = min(covered, length - covered)
        result &= result >> step
        covered += step
    return result


def _floor_minute(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(minutes=1)


def _ceil_minute(value: datetime) -> int:
    microseconds = (value - _EPOCH) // timedelta(microseconds=1)
    return -(-microseconds // 60_000_000)
