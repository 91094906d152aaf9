"""The one way a booking's status or payment status changes: checked against the declared
transitions and written together with its event row (call inside the caller's transaction,
on a row locked with select_for_update)."""

from __future__ import annotations

from datetime import datetime

from apps.accounts.models import User
from apps.bookings.models import Booking, BookingEvent
from apps.bookings.states import booking_can_transition, payment_can_transition
from apps.core.errors import Conflict


def booking_event_add(
    *,
    booking: Booking,
    kind: str,
    actor: User | None,
    now: datetime,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    amount_cents: int | None = None,
) -> BookingEvent:
    return BookingEvent.objects.create(
        booking=booking, kind=kind, actor=actor, at=now, from_status=from_status, to_status=to_status,
        reason=reason, amount_cents=amount_cents,
    )  # fmt: skip


def booking_status_change(
    *,
    booking: Booking,
    to: str,
    actor: User | None,
    now: datetime,
    reason: str = "",
    extra_fields: tuple[str, ...] = (),
) -> None:
    if not booking_can_transition(booking.status, to):
        raise Conflict(f"A {booking.get_status_display().lower()} booking cannot become {to}.")
    before, booking.status = booking.status, to
    booking.save(update_fields=["status", "updated_at", *extra_fields])
    booking_event_add(
        booking=booking, kind="status", actor=actor, now=now, from_status=before, to_status=to, reason=reason
    )


def payment_status_change(
    *,
    booking: Booking,
    to: str,
    actor: User | None,
    now: datetime,
    reason: str = "",
    amount_cents: int | None = None,
    extra_fields: tuple[str, ...] = (),
) -> None:
    if not payment_can_transition(booking.payment_status, to):
        raise Conflict(f"Payment cannot go from {booking.payment_status} to {to}.")
    before, booking.payment_status = booking.payment_status, to
    booking.save(update_fields=["payment_status", "updated_at", *extra_fields])
    booking_event_add(
        booking=booking, kind="payment", actor=actor, now=now, from_status=before, to_status=to, reason=reason,
        amount_cents=amount_cents,
    )  # fmt: skip
