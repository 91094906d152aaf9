"""Booking status and payment status with their legal transitions, declared once."""

from __future__ import annotations

from django.db import models


class BookingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    NO_SHOW = "no_show", "No-show"


class PaymentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    AUTHORIZED = "authorized", "Authorized"
    PAYMENT_METHOD_REQUIRED = "payment_method_required", "Payment method required"
    CAPTURED = "captured", "Captured"
    LOCKED = "locked", "Locked"
    REFUNDED = "refunded", "Refunded"
    MANUAL_REVIEW = "manual_review", "Manual review"
    SETTLED = "settled", "Settled"


# Bookings in these states hold their time: the exclusion constraints apply to them only.
ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)

BOOKING_TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.PENDING: frozenset({BookingStatus.CONFIRMED, BookingStatus.PAYMENT_FAILED, BookingStatus.CANCELLED}),
    BookingStatus.CONFIRMED: frozenset({BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW}),
    BookingStatus.COMPLETED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.PAYMENT_FAILED: frozenset(),
    BookingStatus.NO_SHOW: frozenset({BookingStatus.COMPLETED}),
}

PAYMENT_TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.SCHEDULED: frozenset(
        {PaymentStatus.AUTHORIZED, PaymentStatus.PAYMENT_METHOD_REQUIRED, PaymentStatus.SETTLED, PaymentStatus.LOCKED}
    ),
    PaymentStatus.PAYMENT_METHOD_REQUIRED: frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.SETTLED}),
    PaymentStatus.AUTHORIZED: frozenset(
        {
            PaymentStatus.CAPTURED,
            PaymentStatus.LOCKED,
            PaymentStatus.SETTLED,
            PaymentStatus.MANUAL_REVIEW,
            PaymentStatus.PAYMENT_METHOD_REQUIRED,
        }
    ),
    PaymentStatus.LOCKED: frozenset({PaymentStatus.CAPTURED, PaymentStatus.SETTLED, PaymentStatus.REFUNDED}),
    PaymentStatus.CAPTURED: frozenset({PaymentStatus.SETTLED, PaymentStatus.REFUNDED, PaymentStatus.MANUAL_REVIEW}),
    PaymentStatus.MANUAL_REVIEW: frozenset({PaymentStatus.CAPTURED, PaymentStatus.REFUNDED, PaymentStatus.SETTLED}),
    PaymentStatus.REFUNDED: frozenset(),
    PaymentStatus.SETTLED: frozenset(),
}


def booking_can_transition(current: str, target: str) -> bool:
    return BookingStatus(target) in BOOKING_TRANSITIONS[BookingStatus(current)]


def payment_can_transition(current: str, target: str) -> bool:
    return PaymentStatus(target) in PAYMENT_TRANSITIONS[PaymentStatus(current)]
