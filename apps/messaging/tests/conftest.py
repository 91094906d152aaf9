"""A live piano teacher (the `instructor` persona, "ines") the `student` can write to, and a
second live teacher (the `other_instructor`) for threads that must stay apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus
from apps.bookings.tests.factories import make_booking
from apps.catalog.models import Service
from apps.instructors.models import InstructorProfile
from apps.instructors.tests.factories import OfferingFactory, live_instructor

NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # Tue 1 Dec, noon in New York


@pytest.fixture
def teacher(catalog: None, instructor: User) -> InstructorProfile:
    profile = live_instructor(user=instructor, slug="ines", display_name="Ines Instructor")
    OfferingFactory.create(profile=profile, service=Service.objects.get(slug="piano"), rate_studio_cents=9000)
    return profile


@pytest.fixture
def other_teacher(catalog: None, other_instructor: User) -> InstructorProfile:
    profile = live_instructor(user=other_instructor, slug="oscar", display_name="Oscar Other")
    OfferingFactory.create(profile=profile, service=Service.objects.get(slug="piano"), rate_studio_cents=9000)
    return profile


def book(student: User, profile: InstructorProfile, *, status: str = BookingStatus.CONFIRMED) -> Booking:
    return make_booking(
        student=student, offering=profile.offerings.get(), starts_at=NOW + timedelta(days=2), status=status
    )
