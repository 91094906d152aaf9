"""Helpers for the money tests: a booking on Thursday 3 Dec 10:00 New York (15:00 UTC), its
price snapshot ($90 lesson, $10.80 fee, $100.80 total, 15% commission → $76.50 net), and
readers for what the local gateway and the ledgers recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.services import BookingRequest, booking_authorize, booking_create
from apps.bookings.tests.conftest import NOW, THURSDAY, Scene, local
from apps.payments.models import CreditEntry, Earning, LocalIntent, LocalOperation, PaymentMethod
from apps.payments.pricing import MoneyOutcome

START = local(THURSDAY, 10)
END = START + timedelta(hours=1)
PRICE, FEE, TOTAL, NET = 9000, 1080, 10080, 7650
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)


def book(
    scene: Scene,
    student: User,
    *,
    start: datetime = START,
    now: datetime = NOW,
    card: PaymentMethod | None = None,
    duration: int = 60,
    request_key: str | None = None,
) -> Booking:
    request = BookingRequest(
        instructor=scene.profile.slug, service="piano", format="studio", duration_minutes=duration, starts_at=start,
        payment_method_id=(card or scene.card).pk,
    )  # fmt: skip
    return booking_create(actor=student, request=request, now=now, request_key=request_key)


def authorize(booking: Booking, *, now: datetime) -> Booking:
    booking_authorize(booking_id=booking.pk, actor=None, now=now)
    booking.refresh_from_db()
    return booking


def money(outcome: MoneyOutcome) -> dict[str, int]:
    """The five numbers every policy row is judged on."""
    return {
        "charge": outcome.student_charge_cents,
        "credit": outcome.credit_cents,
        "refund": outcome.refund_cents,
        "instructor": outcome.instructor_cents,
        "platform": outcome.platform_cents,
    }


def operations() -> list[tuple[str, int, bool]]:
    """Every capture/release/refund the gateway performed, in order."""
    return list(LocalOperation.objects.order_by("id").values_list("kind", "amount_cents", "succeeded"))


def intents() -> list[tuple[int, str]]:
    return list(LocalIntent.objects.order_by("id").values_list("amount_cents", "status"))


def credit_rows(user: User) -> list[tuple[str, int]]:
    return list(CreditEntry.objects.filter(user=user).order_by("id").values_list("kind", "amount_cents"))


def earnings() -> list[tuple[str, int]]:
    return list(Earning.objects.order_by("id").values_list("kind", "amount_cents"))


def statuses(booking: Booking) -> tuple[str, str]:
    booking.refresh_from_db()
    return booking.status, booking.payment_status


def settled(booking: Booking, reason: str) -> dict[str, int]:
    """The five numbers of the booking's settlement for `reason`, as recorded."""
    row = booking.settlements.get(reason=reason)
    return {
        "charge": row.student_charge_cents,
        "credit": row.credit_cents,
        "refund": row.refund_cents,
        "instructor": row.instructor_cents,
        "platform": row.platform_cents,
    }


ZERO = {"charge": 0, "credit": 0, "refund": 0, "instructor": 0, "platform": 0}
