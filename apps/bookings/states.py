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
    # A no-show may be reported until end + 24 h even after the instructor marked the lesson
    # complete (the card is only charged at end + 24 h).
    BookingStatus.COMPLETED: frozenset({BookingStatus.NO_SHOW}),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.PAYMENT_FAILED: frozenset(),
    BookingStatus.NO_SHOW: frozenset({BookingStatus.COMPLETED}),
}

PAYMENT_TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.SCHEDULED: frozenset(
        {PaymentStatus.AUTHORIZED, PaymentStatus.PAYMENT_METHOD_REQUIRED, PaymentStatus.SETTLED, PaymentStatus.LOCKED}
    ),
    PaymentStatus.PAYMENT_METHOD_REQUIRED: frozenset(
        {
            PaymentStatus.AUTHORIZED,
            PaymentStatus.SETTLED,
            # A retried charge re-authorizes and captures in one settlement step.
            PaymentStatus.CAPTURED,
            PaymentStatus.LOCKED,
            # A charge still failing after 72 h goes to manual review.
            PaymentStatus.MANUAL_REVIEW,
        }
    ),
    PaymentStatus.AUTHORIZED: frozenset(
        {
            PaymentStatus.CAPTURED,
            PaymentStatus.LOCKED,
            PaymentStatus.SETTLED,
            PaymentStatus.MANUAL_REVIEW,
            PaymentStatus.PAYMENT_METHOD_REQUIRED,
        }
    ),
    PaymentStatus.LOCKED: frozenset(
        # Manual review: a no-show reported on a late-rescheduled (already charged) lesson.
        {PaymentStatus.CAPTURED, PaymentStatus.SETTLED, PaymentStatus.REFUNDED, PaymentStatus.MANUAL_REVIEW}
    ),
    PaymentStatus.CAPTURED: frozenset({PaymentStatus.SETTLED, PaymentStatus.REFUNDED, PaymentStatus.MANUAL_REVIEW}),
    PaymentStatus.MANUAL_REVIEW: frozenset(
        # Payment method required: the charge that resolves a review failed (retried like any capture).
        {PaymentStatus.CAPTURED, PaymentStatus.REFUNDED, PaymentStatus.SETTLED, PaymentStatus.PAYMENT_METHOD_REQUIRED}
    ),
    PaymentStatus.REFUNDED: frozenset(),
    PaymentStatus.SETTLED: frozenset(),
}


def booking_can_transition(current: str, target: str) -> bool:
    return BookingStatus(target) in BOOKING_TRANSITIONS[BookingStatus(current)]


def payment_can_transition(current: str, target: str) -> bool:
    return PaymentStatus(target) in PAYMENT_TRANSITIONS[PaymentStatus(current)]


class NoShowStatus(models.TextChoices):
    OPEN = "open", "Open"  # reported; the other side may dispute within the dispute window
    DISPUTED = "disputed", "Disputed"  # waiting for staff
    UPHELD = "upheld", "Upheld"  # the absence stands (automatically when undisputed)
    REJECTED = "rejected", "Rejected"  # staff found the lesson took place


NO_SHOW_TRANSITIONS: dict[NoShowStatus, frozenset[NoShowStatus]] = {
    NoShowStatus.OPEN: frozenset({NoShowStatus.DISPUTED, NoShowStatus.UPHELD}),
    NoShowStatus.DISPUTED: frozenset({NoShowStatus.UPHELD, NoShowStatus.REJECTED}),
    NoShowStatus.UPHELD: frozenset(),
    NoShowStatus.REJECTED: frozenset(),
}


class SettlementStatus(models.TextChoices):
    """A decided money outcome on its way through the payment provider."""

    PENDING = "pending", "Pending"  # decided, provider step not done yet
    RETRYING = "retrying", "Retrying"  # the provider refused; retried on a schedule
    DONE = "done", "Done"
    REVIEW = "review", "Manual review"  # still failing after the escalation delay


SETTLEMENT_TRANSITIONS: dict[SettlementStatus, frozenset[SettlementStatus]] = {
    SettlementStatus.PENDING: frozenset({SettlementStatus.DONE, SettlementStatus.RETRYING, SettlementStatus.REVIEW}),
    SettlementStatus.RETRYING: frozenset({SettlementStatus.DONE, SettlementStatus.RETRYING, SettlementStatus.REVIEW}),
    SettlementStatus.DONE: frozenset(),
    SettlementStatus.REVIEW: frozenset(),
}

# While one of these is open the booking's money is in flight: policies wait for it.
OPEN_SETTLEMENT_STATUSES = (SettlementStatus.PENDING, SettlementStatus.RETRYING, SettlementStatus.REVIEW)


class SettlementReason(models.TextChoices):
    COMPLETION = "completion", "Lesson completed"
    STUDENT_CANCELLATION = "student_cancellation", "Cancelled by the student"
    INSTRUCTOR_CANCELLATION = "instructor_cancellation", "Cancelled by the instructor"
    UNPAID_CANCELLATION = "unpaid_cancellation", "Cancelled: no valid card"
    PAYMENT_EXPIRED = "payment_expired", "Not paid in time"
    LATE_RESCHEDULE = "late_reschedule", "Rescheduled late (payment locked)"
    NO_SHOW_STUDENT = "no_show_student", "Student no-show"
    NO_SHOW_INSTRUCTOR = "no_show_instructor", "Instructor no-show"
    STAFF_REFUND = "staff_refund", "Refunded by staff"


def no_show_can_transition(current: str, target: str) -> bool:
    return NoShowStatus(target) in NO_SHOW_TRANSITIONS[NoShowStatus(current)]


def settlement_can_transition(current: str, target: str) -> bool:
    return SettlementStatus(target) in SETTLEMENT_TRANSITIONS[SettlementStatus(current)]


class SeriesStatus(models.TextChoices):
    """A weekly series of lessons (apps/bookings/series/). Its lessons are ordinary bookings
    with their own states; the series' status only says whether it books more weeks."""

    ACTIVE = "active", "Active"  # books its weeks as they come within the booking horizon
    ENDED = "ended", "Ended"  # ended by a participant; its future lessons were cancelled


SERIES_TRANSITIONS: dict[SeriesStatus, frozenset[SeriesStatus]] = {
    SeriesStatus.ACTIVE: frozenset({SeriesStatus.ENDED}),
    SeriesStatus.ENDED: frozenset(),
}


def series_can_transition(current: str, target: str) -> bool:
    return SeriesStatus(target) in SERIES_TRANSITIONS[SeriesStatus(current)]
