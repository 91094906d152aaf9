"""Keeping search's open-time index (`OpenQuarters`) equal to the day rows and day offs.

Every writer of `AvailabilityDay` or `BlackoutDate` calls `open_quarters_refresh` in its own
transaction after its write. The refresh takes the instructors' row locks first (the lock an
availability save already holds), then reads, so of two concurrent writers the later one
rebuilds from the other's committed rows too: the index never misses a committed change.
Search keeps the rows in each process's memory (search/listing.py): every refresh reports its
instructors there.
Bookings and the instructor's rules are not in the index (search applies them from the live
rows), so booking and settings changes need nothing here; a zone change makes the row
unusable until rebuilt (search compares the zone).

`sweep_open_quarters` moves rows forward as days pass (a row is built from yesterday for
`SPAN_DAYS` days and stops serving when it no longer covers the horizon) and builds the rows
of instructors who have none yet; search reads the day rows meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q

from apps.availability.models import AvailabilityDay, BlackoutDate, OpenQuarters
from apps.availability.quarters import SPAN_DAYS, QuarterSpan, quarter_span
from apps.instructors.models import InstructorProfile
from apps.search.listing import listing_changed

BATCH = 500
# A row serves while it covers the 30-day horizon plus a day; the sweep renews it a few days
# before that, so one missed day of sweeps costs nothing.
RENEW_WHEN_LEFT = timedelta(days=35)


def open_quarters_refresh(*, instructor_ids: Sequence[int], now: datetime) -> int:
    """Rebuild these instructors' index rows from their day rows (inside the caller's
    transaction when there is one). Returns the rows written."""
    written = 0
    ids = sorted(set(instructor_ids))
    for offset in range(0, len(ids), BATCH):
        with transaction.atomic():
            written += _refresh_batch(ids[offset : offset + BATCH], now)
    return written


def sweep_open_quarters(*, now: datetime) -> int:
    """Renew rows about to stop covering the horizon or built in a zone the instructor has
    left, and build the missing ones (an instructor without hours gets an empty row, so search
    never needs the day rows for them). Returns the rows written."""
    renew = OpenQuarters.objects.filter(
        Q(until__lt=now + RENEW_WHEN_LEFT) | ~Q(timezone=F("instructor__timezone"))
    ).values_list("instructor_id", flat=True)
    indexed = OpenQuarters.objects.filter(instructor_id=OuterRef("pk"))
    missing = InstructorProfile.objects.filter(~Exists(indexed)).values_list("pk", flat=True)
    return open_quarters_refresh(instructor_ids=[*renew, *missing], now=now)


def _refresh_batch(ids: list[int], now: datetime) -> int:
    # The availability writers' lock, taken in id order so two batch refreshes never deadlock.
    zones = dict(
        InstructorProfile.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", "timezone")
    )
    if not zones:
        return 0
    firsts = {pk: now.astimezone(_zone(zone)).date() - timedelta(days=1) for pk, zone in zones.items()}
    low, high = min(firsts.values()), max(firsts.values()) + timedelta(days=SPAN_DAYS)
    day_off = BlackoutDate.objects.filter(instructor_id=OuterRef("instructor_id"), date=OuterRef("date"))
    masks: dict[int, dict[date, int]] = defaultdict(dict)
    rows = AvailabilityDay.objects.filter(instructor_id__in=list(zones), date__gte=low, date__lte=high)
    for instructor_id, day, cells in rows.filter(~Exists(day_off)).values_list("instructor_id", "date", "cells"):
        masks[instructor_id][day] = cells
    built = []
    for pk, zone in zones.items():
        span = quarter_span(masks.get(pk, {}), timezone=zone, first=firsts[pk])
        if span is not None:
            built.append(_row(pk, zone, firsts[pk], span))
    OpenQuarters.objects.filter(instructor_id__in=list(zones)).delete()
    OpenQuarters.objects.bulk_create(built)
    listing_changed(zones)  # search keeps these rows in memory (search/listing.py)
    return len(built)


def _row(pk: int, zone: str, first: date, span: QuarterSpan) -> OpenQuarters:
    return OpenQuarters(
        instructor_id=pk,
        timezone=zone,
        first_date=first,
        origin=span.origin_at,
        until=span.until_at,
        bits=span.to_bytes(),
    )


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
