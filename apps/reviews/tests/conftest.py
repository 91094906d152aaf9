"""A live piano teacher (the `instructor` persona) and completed lessons of the `student`
persona, ended a given number of days before NOW."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.models import Learner, User
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.bookings.tests.factories import make_booking
from apps.catalog.models import Service
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.tests.factories import OfferingFactory, live_instructor
from apps.search.models import Neighborhood

NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # Tue 1 Dec, noon in New York


@pytest.fixture
def teacher(catalog: None, gazetteer: None, instructor: User) -> InstructorProfile:
    profile = live_instructor(
        user=instructor, slug="ines", display_name="Ines Instructor",
        studio_neighborhood=Neighborhood.objects.get(slug="park-slope"),
    )  # fmt: skip
    OfferingFactory.create(profile=profile, service=Service.objects.get(slug="piano"), rate_studio_cents=9000)
    return profile


def lesson(
    student: User,
    profile: InstructorProfile,
    *,
    ended: timedelta = timedelta(days=1),
    status: str = BookingStatus.COMPLETED,
    learner: Learner | None = None,
) -> Booking:
    """A one-hour lesson that ended `ended` before NOW (completed and charged by default)."""
    ends_at = NOW - ended
    offering: Offering = profile.offerings.get()
    paid = PaymentStatus.CAPTURED if status == BookingStatus.COMPLETED else PaymentStatus.SCHEDULED
    return make_booking(
        student=student, offering=offering, starts_at=ends_at - timedelta(hours=1), status=status, learner=learner,
        payment_status=paid,
    )  # fmt: skip
