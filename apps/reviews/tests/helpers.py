"""Reviews written through the real services, one completed lesson each."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

from apps.accounts.models import User
from apps.accounts.tests.factories import StudentFactory
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.bookings.tests.factories import make_booking
from apps.core.errors import ApplicationError
from apps.instructors.models import InstructorProfile
from apps.reviews.models import Review
from apps.reviews.services import review_create


def reviewed(
    profile: InstructorProfile, stars: Iterable[int], *, now: datetime, student: User | None = None, text: str = ""
) -> list[Review]:
    """One completed lesson per review, two hours apart going back from `now`, each reviewed
    at `now` by `student` (a new one by default)."""
    author = student or StudentFactory.create()
    offering = profile.offerings.get()
    reviews = []
    for index, count in enumerate(stars):
        ends_at = now - timedelta(hours=2 * index + 1)
        booking = make_booking(
            student=author, offering=offering, starts_at=ends_at - timedelta(hours=1),
            status=BookingStatus.COMPLETED, payment_status=PaymentStatus.CAPTURED,
        )  # fmt: skip
        reviews.append(review_create(actor=author, booking_id=booking.pk, stars=count, text=text, now=now))
    return reviews


@contextmanager
def refused(kind: type[ApplicationError], message: str) -> Iterator[None]:
    """The block raises this domain error with exactly this message."""
    with pytest.raises(kind) as caught:
        yield
    assert caught.value.message == message
