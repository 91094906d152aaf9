"""Benchmark `open_slots` over a busy 30-day calendar (target: p95 under 10 ms).

Run from the repository root: ``.venv/bin/python bench/bench_slots.py [--runs N]``. No Django
needed. A baseline measured in the same process (30 local dates converted to UTC, the smallest
job of the same kind) puts the numbers in context on whatever machine runs this.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runnable as a plain script

from apps.availability.slots import BusyInterval, SlotQuery, Window, open_slots

ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
NOW = datetime(2026, 10, 20, 13, 7, tzinfo=UTC)  # a window that spans the fall-back change
DAYS = 30
TARGET_P95_MS = 10.0


def busy_calendar(seed: int = 7) -> tuple[list[Window], list[BusyInterval]]:
    """Three windows a day (one pair adjacent, so they merge) and four bookings inside them."""
    rng = random.Random(seed)
    first = NOW.astimezone(ZONE).date()
    windows: list[Window] = []
    bookings: list[BusyInterval] = []
    for offset in range(DAYS + 1):
        day = first + timedelta(days=offset)
        windows += [Window(day, time(8), time(12)), Window(day, time(12), time(15)), Window(day, time(16), time(21))]
        for start_hour in (8, 11, 13, 17):
            start = datetime.combine(day, time(start_hour, rng.choice((0, 15, 30))), tzinfo=ZONE)
            length = timedelta(minutes=rng.choice((30, 45, 60, 90)))
            bookings.append(BusyInterval(start.astimezone(UTC), (start + length).astimezone(UTC), rng.random() < 0.25))
    return windows, bookings


def baseline() -> list[datetime]:
    """30 local dates → their UTC midnights: trivial work of the same kind as slot output."""
    first = NOW.astimezone(ZONE).date()
    return [datetime.combine(first + timedelta(days=n), time(0), tzinfo=ZONE).astimezone(UTC) for n in range(DAYS)]


def timings_ms(work: Callable[[], object], runs: int) -> list[float]:
    for _ in range(20):  # warm caches (zoneinfo, allocator) before measuring
        work()
    samples: list[float] = []
    for _ in range(runs):
        started = clock.perf_counter_ns()
        work()
        samples.append((clock.perf_counter_ns() - started) / 1e6)
    return samples


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    runs = parser.parse_args().runs
    windows, bookings = busy_calendar()
    query = SlotQuery(duration_minutes=60, date_from=date(2026, 10, 20), date_to=date(2026, 11, 18))

    def slots() -> list[datetime]:
        return open_slots(windows=windows, bookings=bookings, instructor_tz=ZONE_NAME, query=query, now=NOW)

    found = len(slots())
    slot_p50, slot_p95 = percentiles(timings_ms(slots, runs))
    base_p50, base_p95 = percentiles(timings_ms(baseline, runs))
    print(f"calendar: {DAYS} days, {len(windows)} windows, {len(bookings)} bookings -> {found} open slots")
    print(f"open_slots  p50 {slot_p50:7.3f} ms   p95 {slot_p95:7.3f} ms   ({runs} runs)")
    print(f"baseline    p50 {base_p50:7.3f} ms   p95 {base_p95:7.3f} ms   (30 local dates -> UTC)")
    print(f"ratio       p50 {slot_p50 / base_p50:7.1f}x     p95 {slot_p95 / base_p95:7.1f}x")
    verdict = "OK" if slot_p95 < TARGET_P95_MS else "OVER BUDGET"
    print(f"target      p95 < {TARGET_P95_MS:.0f} ms: {verdict}")
    return 0 if slot_p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
