"""Concurrent cancellations on real PostgreSQL: each cancellation queues a check of the
teacher's waitlist after its commit (tasks run inline here, as in the embedded mode), the
checks run at the same moment in different threads, and every waiting student hears of each
opened start exactly once."""

from __future__ import annotations

from datetime import time

import pytest
import time_machine

from apps.accounts.tests.factories import StudentFactory
from apps.availability.cells import mask_from_ranges
from apps.availability.models import AvailabilityDay
from apps.bookings.policies import booking_cancel
from apps.bookings.services import BookingRequest, booking_create
from apps.bookings.tests.conftest import NOW, THURSDAY, Scene, local
from apps.bookings.tests.test_races import run_concurrently
from apps.notifications.models import Notification
from apps.payments.services import payment_method_add
from apps.waitlist.models import WaitlistNotice
from apps.waitlist.tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
WAITERS = 4


def test_concurrent_cancellations_tell_each_waiting_student_once_per_start(scene: Scene) -> None:
    # Thursday has two one-hour windows, 10–11 and 14–15: one start each for an hour's lesson.
    AvailabilityDay.objects.filter(instructor=scene.profile, date=THURSDAY).update(
        cells=mask_from_ranges([(600, 660), (840, 900)])
    )
    booked = []
    for hour in (10, 14):
        holder = StudentFactory.create()
        card = payment_method_add(actor=holder, card_token="4242424242424242")
        request = BookingRequest(
            instructor=scene.profile.slug, service="piano", format="studio", duration_minutes=60,
            starts_at=local(THURSDAY, hour), payment_method_id=card.pk,
        )  # fmt: skip
        booked.append((holder, booking_create(actor=holder, request=request, now=NOW)))
    waiters = [StudentFactory.create() for _ in range(WAITERS)]
    entries = [wait_for(waiter, scene, time(9), time(17)) for waiter in waiters]

    def cancel(index: int) -> str:
        holder, booking = booked[index]
        booking_cancel(actor=holder, booking_id=booking.pk, now=NOW)
        return "cancelled"

    # The queued checks read the clock: it reads NOW (and keeps ticking, for the locks).
    with time_machine.travel(NOW, tick=True):
        assert run_concurrently(2, cancel) == ["cancelled", "cancelled"]

    expected = sorted((entry.pk, start) for entry in entries for start in (local(THURSDAY, 10), local(THURSDAY, 14)))
    assert sorted(WaitlistNotice.objects.values_list("entry_id", "slot_start")) == expected
    for waiter in waiters:
        told = list(Notification.objects.filter(user=waiter, kind="waitlist_opening").values_list("body", flat=True))
        # One notice naming both starts, or one per start: never a start twice.
        named = [label for body in told for label in ("10:00 am", "2:00 pm") if f"Thu 3 Dec, {label}" in body]
        assert sorted(named) == ["10:00 am", "2:00 pm"], told
