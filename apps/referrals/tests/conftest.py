"""The money scene of the booking tests (a live piano teacher, the `student` persona with a
Visa) plus `referrer`, a student paying with a Mastercard, whose link `student` signed up with."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from apps.accounts.models import User
from apps.accounts.tests.factories import StudentFactory
from apps.bookings.models import Booking
from apps.bookings.policies import booking_complete
from apps.bookings.sweeps import sweep_captures
from apps.bookings.tests.conftest import NOW, Scene, bank, scene  # noqa: F401 - fixtures used here
from apps.bookings.tests.money import START, authorize, book
from apps.payments.models import PaymentMethod
from apps.payments.services import payment_method_add
from apps.referrals.models import Referral
from apps.referrals.services import referral_attribute, referral_code_get

DAY = timedelta(days=1)
MASTERCARD = "5555555555554444"
ATTRIBUTED = NOW - 2 * DAY


@pytest.fixture
def referrer(db: None) -> User:
    user = StudentFactory.create(email="rita.referrer@example.com", first_name="Rita")
    payment_method_add(actor=user, card_token=MASTERCARD)
    referral_code_get(user=user, now=ATTRIBUTED)
    return user


@pytest.fixture
def referral(scene: Scene, referrer: User, student: User) -> Referral:  # noqa: F811 - the fixture
    found = referral_attribute(
        user=student, code=referrer.referral_code.code, device_id="studentdevice", now=ATTRIBUTED
    )
    assert found is not None
    return found


def charged_at(start: datetime = START, minutes: int = 60) -> datetime:
    """When a lesson starting at `start` is charged: its end + 24 h (the dispute window)."""
    return start + timedelta(minutes=minutes) + DAY


def take_lesson(
    place: Scene, student: User, *, start: datetime = START, minutes: int = 60, card: PaymentMethod | None = None
) -> Booking:
    """Book, authorize at T−24 h and complete a lesson; the charge is left to the capture sweep."""
    booking = authorize(book(place, student, start=start, duration=minutes, card=card), now=start - DAY)
    booking_complete(actor=None, booking_id=booking.pk, now=charged_at(start, minutes))
    return booking


def charge(place: Scene, student: User, *, start: datetime = START, minutes: int = 60, **kw: object) -> Booking:
    """A lesson taken and charged (the capture sweep at end + 24 h)."""
    booking = take_lesson(place, student, start=start, minutes=minutes, **kw)  # type: ignore[arg-type]
    assert sweep_captures(now=charged_at(start, minutes)) == 1
    booking.refresh_from_db()
    return booking
