"""Card disputes (chargebacks) reported by the provider: the lesson's payment goes to manual
review, the student's credits are frozen and staff are alerted — once per dispute, however
many dispute events arrive and in whatever order."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from apps.bookings.models import Booking
from apps.bookings.states import PaymentStatus, payment_can_transition
from apps.bookings.transitions import booking_event_add, payment_status_change
from apps.notifications.services import notify_staff
from apps.payments.models import CreditFreeze
from apps.payments.pricing import format_usd


def dispute_opened(*, dispute_id: str, intent_id: str, amount_cents: int, reason: str, now: datetime) -> bool:
    """True when this call recorded the dispute (False: unknown payment, or seen before)."""
    booking_id = (
        Booking.objects.filter(payment_intent_id=intent_id).values_list("pk", flat=True).first() if intent_id else None
    )
    if booking_id is None:
        return False
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("student").get(pk=booking_id)
        try:
            with transaction.atomic():
                CreditFreeze.objects.create(
                    user=booking.student, booking=booking, dispute_id=dispute_id, created_at=now,
                    reason=f"Card dispute on {booking.service_name} ({reason or 'no reason given'})",
                )  # fmt: skip
        except IntegrityError:
            return False
        sentence = f"card dispute {dispute_id} opened: {format_usd(amount_cents)} ({reason or 'no reason given'})"
        if payment_can_transition(booking.payment_status, PaymentStatus.MANUAL_REVIEW):
            payment_status_change(booking=booking, to=PaymentStatus.MANUAL_REVIEW, actor=None, now=now, reason=sentence)
        else:
            booking_event_add(booking=booking, kind="payment", actor=None, now=now, reason=sentence)
        notify_staff(
            kind="staff_alert", now=now, url=f"/admin/bookings/booking/{booking.pk}/change/",
            subject=f"Card dispute: {format_usd(amount_cents)} on {booking.service_name}",
            body=f"{booking.student.email} disputed the payment ({reason or 'no reason given'}). The payment is in "
            "manual review and the student's credits are frozen. Answer the dispute in the Stripe dashboard.",
        )  # fmt: skip
    return True


def dispute_closed(*, dispute_id: str, status: str, now: datetime) -> bool:
    """A won dispute lifts the credit freeze; any outcome is told to staff once."""
    with transaction.atomic():
        freeze = CreditFreeze.objects.select_for_update().filter(dispute_id=dispute_id).first()
        if freeze is None or freeze.released_at is not None:
            return False
        if status == "won":
            freeze.released_at = now
            freeze.save(update_fields=["released_at"])
        notify_staff(
            kind="staff_alert", now=now, url=f"/admin/bookings/booking/{freeze.booking_id}/change/",
            subject=f"Card dispute {dispute_id} closed: {status}",
            body="Won: the student's credits are usable again." if status == "won"
            else "Lost: the student's credits stay frozen until you release them in the admin.",
        )  # fmt: skip
    return True
