"""What one booking costs the database: a fixed, small number of round trips (issue 20)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.bookings.services import booking_create
from apps.bookings.tests.conftest import NOW, THURSDAY, local
from apps.bookings.tests.test_booking_create import req

pytestmark = pytest.mark.django_db

# Before: the instructor, the offerings, the card, the student's credits (freeze + buckets).
# In the transaction: the instructor's row lock, the day's windows (blackouts folded in),
# one read of the bookings every check needs, the busy time imported from the instructor's
# calendars, the booking, its event, the two notices.
STUDIO_BOOKING_QUERIES = 5 + 8


def test_a_booking_costs_a_fixed_number_of_queries_however_busy_the_day(scene, student) -> None:
    booking_create(actor=student, request=req(scene, local(THURSDAY, 9)), now=NOW)  # warm caches
    booking_create(actor=student, request=req(scene, local(THURSDAY, 14)), now=NOW)
    with CaptureQueriesContext(connection) as captured:
        booking = booking_create(actor=student, request=req(scene, local(THURSDAY, 11)), now=NOW)
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == STUDIO_BOOKING_QUERIES, "\n".join(statements)
    assert booking.location_text == f"{scene.profile.display_name}'s studio, Park Slope"
    assert booking.commission_bps == 1500


def test_a_travel_booking_reads_the_address_too(scene, student) -> None:
    booking_create(actor=student, request=req(scene, local(THURSDAY, 9)), now=NOW)  # warm caches
    with CaptureQueriesContext(connection) as captured:
        booking = booking_create(
            actor=student,
            request=req(scene, local(THURSDAY + timedelta(days=1), 10), fmt="travel", address_id=scene.address.pk),
            now=NOW,
        )
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert booking.location_text == "1 Garfield Pl (Park Slope)"
    # + the address with its neighbourhood, + whether the instructor travels there.
    assert len(statements) == STUDIO_BOOKING_QUERIES + 2, "\n".join(statements)
