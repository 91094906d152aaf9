"""Staff refunds of a charged lesson, in full or in part (PRODUCT.md §12). A refund is a
settlement like every other money outcome: decided under the booking's row lock with an
audit entry, then run through the provider after the commit (apps/bookings/settlement.py),
so a crash or a provider refusal is retried by the settlement sweep and never refunds twice.
The instructor gives back their earning in the refund's proportion (all of it for a full
refund): a negative earning, and when the earning was already transferred, a reversal of
that much of the transfer (apps/bookings/settlement.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Sum

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.audit.states import AuditAction
from apps.bookings import notices
from apps.bookings.models import Booking, Settlement
from apps.bookings.policies import booking_state, money_idle_check, settle_now, staff_booking, staff_reason
from apps.bookings.states import PaymentStatus, SettlementReason, SettlementStatus
from apps.core.errors import Conflict, ValidationFailed
from apps.core.limits import money_operation
from apps.payments.models import Earning
from apps.payments.pricing import clawback_cents, format_usd


@dataclass(frozen=True)
class RefundPreview:
    booking: Booking
    refundable_cents: int  # charged to the card and not refunded yet
    earned_cents: int  # the instructor's earning from the lesson, all of it taken back by a full refund


def _card_totals(booking: Booking) -> tuple[int, int]:
    """What the card was charged for this lesson, and how much of it is still refundable."""
    done = Settlement.objects.filter(booking=booking, status=SettlementStatus.DONE).aggregate(
        captured=Sum("capture_cents"), refunded=Sum("refund_cents")
    )
    captured = done["captured"] or 0
    return captured, captured - (done["refunded"] or 0)


def _earned(booking: Booking) -> int:
    return int(Earning.objects.filter(booking=booking).aggregate(total=Sum("amount_cents"))["total"] or 0)


def _check(booking: Booking) -> tuple[int, int]:
    """(captured, refundable) once the lesson may be refunded."""
    if booking.payment_status != PaymentStatus.CAPTURED:
        raise Conflict("Only a charged lesson can be refunded; cancel or resolve it instead.")
    if Settlement.objects.filter(booking=booking, reason=SettlementReason.STAFF_REFUND).exists():
        raise Conflict("This lesson was already refunded by staff (one refund per lesson).")
    money_idle_check(booking)
    captured, refundable = _card_totals(booking)
    if refundable <= 0:
        raise Conflict("Nothing charged to the card is left to refund.")
    return captured, refundable


def booking_refund_preview(*, actor: User, booking_id: int) -> RefundPreview:
    booking = staff_booking(actor, booking_id, lock=False)
    return RefundPreview(booking=booking, refundable_cents=_check(booking)[1], earned_cents=_earned(booking))


@money_operation
def booking_refund(*, actor: User, booking_id: int, amount_cents: int | None, reason: str, now: datetime) -> Settlement:
    """Refund `amount_cents` of what the card paid (None: all of it)."""
    reason = staff_reason(reason)
    with transaction.atomic():
        booking = staff_booking(actor, booking_id, lock=True)
        captured, refundable = _check(booking)
        amount = refundable if amount_cents is None else amount_cents
        if not 0 < amount <= refundable:
            message = f"Refund between $0.01 and {format_usd(refundable)}, what is still refundable."
            raise ValidationFailed(message, fields={"amount": [message]})
        before = booking_state(booking)
        clawback = clawback_cents(earned_cents=_earned(booking), refund_cents=amount, captured_cents=captured)
        settlement = Settlement.objects.create(
            booking=booking, reason=SettlementReason.STAFF_REFUND, refund_cents=amount, created_at=now,
            payment_to=PaymentStatus.REFUNDED if amount == refundable else PaymentStatus.CAPTURED,
            instructor_clawback_cents=clawback,
        )  # fmt: skip
        audit_record(
            actor=actor, action=AuditAction.BOOKING_REFUND, target=booking, now=now, reason=reason, before=before,
            after={"refund_cents": amount, "refundable_cents": refundable, "instructor_clawback_cents": clawback,
                   "settlement": settlement.pk},
        )  # fmt: skip
        notices.refunded(booking, amount_cents=amount, now=now)
    settle_now(settlement.pk, now)
    settlement.refresh_from_db()
    return settlement
