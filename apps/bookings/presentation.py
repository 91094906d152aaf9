"""Money and time in plain words (DESIGN.md: "Nothing is charged until after your lesson")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from apps.bookings.models import Booking
from apps.bookings.schedule import money_clock
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.core.dates import moment_label
from apps.payments.pricing import format_usd


def when(moment: datetime, zone: str) -> str:
    """'Tue 3 Dec, 4:00 pm' in the given zone."""
    return moment_label(moment.astimezone(ZoneInfo(zone)))


def payment_sentence(booking: Booking | None, *, now: datetime, starts_at: datetime | None = None) -> str:
    if booking is None:
        assert starts_at is not None
        if starts_at - now < money_clock().authorize_before:
            return "Your card is authorized now and charged after your lesson."
        return "Nothing is charged now: your card is authorized the day before and charged after your lesson."
    zone, total = booking.student_timezone, format_usd(booking.total_cents)
    if booking.status == BookingStatus.CANCELLED and booking.payment_status in {
        PaymentStatus.SETTLED,
        PaymentStatus.SCHEDULED,
    }:
        return "Cancelled. Nothing was charged."
    return {
        PaymentStatus.SCHEDULED: f"Nothing is charged yet. Your card is authorized on {when(booking.starts_at - money_clock().authorize_before, zone)}.",
        PaymentStatus.AUTHORIZED: f"Your card is authorized for {total} and charged after your lesson.",
        PaymentStatus.PAYMENT_METHOD_REQUIRED: "Your card was declined. Add another card to keep this lesson.",
        PaymentStatus.CAPTURED: f"Charged {total}.",
        PaymentStatus.LOCKED: f"Charged {total}. This lesson was rescheduled late, so it can't be refunded.",
        PaymentStatus.REFUNDED: "Refunded.",
        PaymentStatus.MANUAL_REVIEW: "Our team is reviewing this payment.",
        PaymentStatus.SETTLED: "Settled.",
    }[PaymentStatus(booking.payment_status)]
