"""Concurrency on real PostgreSQL: many clients at once, exactly one booking."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from apps.accounts.models import User
from apps.accounts.tests.factories import StudentFactory
from apps.bookings.models import Booking
from apps.bookings.services import BookingRequest, booking_create
from apps.bookings.tests.conftest import NOW, THURSDAY, Scene, local, open_days
from apps.core.errors import ApplicationError
from apps.core.idempotency import idempotency_run
from apps.instructors.tests.factories import OfferingFactory, live_instructor
from apps.payments.models import LocalIntent, PaymentMethod
from apps.payments.services import payment_method_add

pytestmark = pytest.mark.django_db(transaction=True)
CLIENTS = 32


def run_concurrently(count: int, work: Callable[[int], str]) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def runner(index: int) -> None:
        try:
            barrier.wait()
            outcome = work(index)
        except ApplicationError as exc:  # slot_unavailable, student_busy…
            outcome = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _students(count: int) -> tuple[list[User], list[PaymentMethod]]:
    students = [StudentFactory.create() for _ in range(count)]
    return students, [payment_method_add(actor=s, card_token="4242424242424242") for s in students]


def _request(profile_slug: str, start, card: PaymentMethod, duration: int = 60) -> BookingRequest:
    return BookingRequest(
        instructor=profile_slug, service="piano", format="studio", duration_minutes=duration, starts_at=start,
        payment_method_id=card.pk,
    )  # fmt: skip


def test_32_clients_booking_the_same_and_overlapping_slots_get_one_booking(scene: Scene) -> None:
    students, cards = _students(CLIENTS)
    # Half ask for 10:00, the rest for 09:45 or 10:15: every pair of these hour-long lessons
    # overlaps, so exactly one can win.
    starts = [
        local(THURSDAY, 10) + timedelta(minutes=15 * ((i % 3) - 1)) if i % 2 else local(THURSDAY, 10)
        for i in range(CLIENTS)
    ]

    def book(i: int) -> str:
        booking_create(actor=students[i], request=_request(scene.profile.slug, starts[i], cards[i]), now=NOW)
        return "booked"

    outcomes = run_concurrently(CLIENTS, book)
    assert outcomes.count("booked") == 1
    assert outcomes.count("slot_unavailable") == CLIENTS - 1
    assert Booking.objects.count() == 1
    assert LocalIntent.objects.count() == 0  # > 24 h ahead: nothing authorized yet, nothing extra saved


def test_one_student_booking_two_instructors_at_overlapping_times_gets_one(scene: Scene, student: User) -> None:
    others = []
    for _ in range(CLIENTS - 1):
        profile = live_instructor(studio_neighborhood=scene.address.neighborhood)
        OfferingFactory.create(
            profile=profile, service=scene.offering.service, rate_studio_cents=9000, duration_options=[60]
        )
        open_days(profile, THURSDAY, 1)
        others.append(profile.slug)
    slugs = [scene.profile.slug, *others]

    def book(i: int) -> str:
        start = local(THURSDAY, 10) + timedelta(minutes=15 * (i % 3))
        booking_create(actor=student, request=_request(slugs[i], start, scene.card), now=NOW)
        return "booked"

    outcomes = run_concurrently(CLIENTS, book)
    assert outcomes.count("booked") == 1
    # Every instructor was free: what stopped the others is the student's own lesson, and
    # the answer says so (the exclusion constraint's violation is told apart).
    assert outcomes.count("student_busy") == CLIENTS - 1
    assert Booking.objects.filter(student=student).count() == 1


def _replay(user: User, request: BookingRequest, key: str) -> str:
    def operation() -> tuple[int, dict[str, Any]]:
        booking = booking_create(actor=user, request=request, now=NOW)
        return 201, {"id": str(booking.public_id), "status": booking.status, "payment_status": booking.payment_status}

    try:
        stored = idempotency_run(
            user=user,
            key=key,
            scope="booking_create",
            body={"start": request.starts_at.isoformat()},
            now=NOW,
            operation=operation,
        )
    except ApplicationError as exc:
        return f"error:{exc.code}"
    return f"{stored.status}:{stored.content.decode()}"


def test_the_same_key_five_times_in_a_row_and_at_once_gives_one_booking_and_one_authorization(
    scene: Scene, student: User
) -> None:
    soon = local(THURSDAY - timedelta(days=2), 14)  # < 24 h away: authorized at once
    request = _request(scene.profile.slug, soon, scene.card)
    sequential = [_replay(student, request, "same-key") for _ in range(5)]
    assert len(set(sequential)) == 1
    assert sequential[0].startswith("201:")

    later = _request(scene.profile.slug, soon + timedelta(hours=2), scene.card)
    concurrent = run_concurrently(5, lambda i: _replay(student, later, "other-key"))
    assert len(set(concurrent)) == 1, concurrent
    assert concurrent[0].startswith("201:")
    assert Booking.objects.count() == 2
    assert LocalIntent.objects.count() == 2  # one authorization per booking, none repeated
