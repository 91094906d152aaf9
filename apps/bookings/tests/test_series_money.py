"""Money per week of a weekly series on a simulated clock (time-machine): every sweep runs
each hour, in the periodic task's order, from the booking until after the last capture. Each
week is authorized at its own start − 24 h and charged at its own end + 24 h, like any
booking; a skipped week moves no money; an until-ended series books its next week as it
comes within the horizon, in the same runs. Ends with the money invariants."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine

from apps.bookings.models import Booking
from apps.bookings.policies import booking_cancel
from apps.bookings.sweeps import money_sweeps_run
from apps.bookings.tests.conftest import NOW, THURSDAY, local
from apps.bookings.tests.invariants import assert_money_invariants
from apps.bookings.tests.money import NET, TOTAL, earnings, intents
from apps.bookings.tests.series_helpers import open_ten_weeks, weekly

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)
WEEK = timedelta(weeks=1)


def run_clock(traveller: Any, series, start: datetime, stop: datetime, *, each_hour=None):
    """Tick every hour; for each week's lesson, when each (status, payment status) was first seen."""
    seen: dict[int, dict[tuple[str, str], datetime]] = {}
    now = start
    while now <= stop:
        traveller.move_to(now)
        if each_hour is not None:
            each_hour(now)
        money_sweeps_run(now=now)
        for booking in Booking.objects.filter(series=series):
            seen.setdefault(booking.series_week or 0, {}).setdefault((booking.status, booking.payment_status), now)
        now += HOUR
    assert_money_invariants(now=stop)
    return seen


def test_each_week_is_authorized_and_charged_at_its_own_moments(scene, student) -> None:
    open_ten_weeks(scene)
    with time_machine.travel(NOW, tick=False) as traveller:
        series = weekly(scene, student, local(THURSDAY, 10), None).series
        skipped = Booking.objects.get(series=series, series_week=2)

        def skip_week_3(now: datetime) -> None:
            if now == NOW + 2 * HOUR:  # the student skips Thu 17 Dec, two weeks ahead: free
                booking_cancel(actor=student, booking_id=skipped.pk, now=now)

        stop = local(date(2026, 12, 26), 12)  # Sat 26 Dec: after the fourth week's capture
        seen = run_clock(traveller, series, NOW, stop, each_hour=skip_week_3)
    starts = {n: local(THURSDAY + n * WEEK, 10) for n in range(8)}
    for n in (0, 1, 3):
        assert seen[n] == {
            ("confirmed", "scheduled"): NOW,
            ("confirmed", "authorized"): starts[n] - 24 * HOUR,
            ("completed", "captured"): starts[n] + HOUR + 24 * HOUR,
        }
    assert seen[2] == {("confirmed", "scheduled"): NOW, ("cancelled", "settled"): NOW + 2 * HOUR}
    # Each later week is booked at the first hourly run once its start is within 30 days
    # (Thu 10:00 EST = 15:00 UTC, so Tuesdays at 16:00 UTC), and waits for its own T−24 h.
    for n in (4, 5, 6, 7):
        assert seen[n] == {("confirmed", "scheduled"): starts[n] - timedelta(days=30) + HOUR}
    assert sorted(seen) == [0, 1, 2, 3, 4, 5, 6, 7]
    # Three lessons charged, each its own hold; the skipped week was never held.
    assert intents() == [(TOTAL, "captured")] * 3
    assert earnings() == [("lesson", NET)] * 3
