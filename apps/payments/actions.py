"""Strong customer authentication: an authorization the student's bank wants confirmed
(3-D Secure). Instead of failing, the booking links the student to a confirmation step —
Stripe.js `handleNextAction` with Stripe, the test bank's approve/refuse step with the
LocalGateway — and the booking is authorized once the provider holds the money (on the
page's return, or by the provider's webhook, whichever comes first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.states import PaymentStatus
from apps.core.errors import Conflict, NotFound
from apps.notifications.services import notify
from apps.payments.gateway import get_gateway
from apps.payments.local_gateway import LocalGateway
from apps.payments.models import PaymentAction
from apps.payments.pricing import format_usd


def confirm_url(booking: Booking) -> str:
    return f"/lessons/{booking.public_id}/confirm-payment/"


def payment_action_open(*, booking: Booking, intent_id: str, now: datetime) -> PaymentAction:
    """Record the authorization waiting for the student (inside the booking's transaction)
    and ask them to confirm it; once per authorization attempt."""
    action, created = PaymentAction.objects.get_or_create(
        intent_id=intent_id, defaults={"booking": booking, "created_at": now}
    )
    if created:
        notify(
            user=booking.student, kind="payment_action_required", now=now, url=confirm_url(booking), essential=True,
            subject=f"Confirm your payment for {booking.service_name}",
            body=f"Your bank asks you to confirm the {format_usd(booking.total_cents)} hold for this lesson. "
            "Open the link to confirm it with your bank; the lesson is kept once it's confirmed.",
        )  # fmt: skip
    return action


def payment_action_current(*, booking: Booking) -> PaymentAction | None:
    """The latest authorization still waiting for the student, while the booking needs one."""
    if booking.payment_status != PaymentStatus.PAYMENT_METHOD_REQUIRED or not booking.is_active:
        return None
    return PaymentAction.objects.filter(booking=booking, resolved_at__isnull=True).first()


def _student_booking(actor: User, booking_id: int) -> tuple[Booking, PaymentAction]:
    booking = Booking.objects.filter(pk=booking_id, student=actor).first()
    if booking is None:
        raise NotFound("Booking not found.")
    action = payment_action_current(booking=booking)
    if action is None:
        raise Conflict("This lesson's payment has nothing to confirm.")
    return booking, action


@dataclass(frozen=True)
class Challenge:
    action: PaymentAction
    client_secret: str  # for Stripe.js; "" with the local test bank


def payment_action_start(*, actor: User, booking_id: int) -> Challenge:
    """What the confirmation page needs to run the bank's challenge."""
    _, action = _student_booking(actor, booking_id)
    secret = get_gateway().authentication_start(intent_id=action.intent_id, idempotency_key=f"authenticate:{action.pk}")
    return Challenge(action=action, client_secret=secret)


def payment_action_complete(*, actor: User, booking_id: int, now: datetime, approve: bool = True) -> Booking:
    """The student is back from the bank's challenge. With the local test bank, `approve`
    is their answer; with Stripe the answer is already with Stripe."""
    _, action = _student_booking(actor, booking_id)
    gateway = get_gateway()
    if isinstance(gateway, LocalGateway):
        gateway.authentication_complete(intent_id=action.intent_id, approve=approve)
    return _refresh(action, actor, now)


def payment_action_sync(*, intent_id: str, now: datetime) -> Booking | None:
    """A provider event about an authorization: settle the waiting action if it is one."""
    action = PaymentAction.objects.filter(intent_id=intent_id, resolved_at__isnull=True).first()
    return _refresh(action, None, now) if action is not None else None


def _refresh(action: PaymentAction, actor: User | None, now: datetime) -> Booking:
    from apps.bookings.services import booking_authorization_refresh

    booking = booking_authorization_refresh(
        booking_id=action.booking_id, intent_id=action.intent_id, actor=actor, now=now
    )
    result = get_gateway().authorization_get(intent_id=action.intent_id, now=now)
    if result.status == "requires_action":
        return booking
    with transaction.atomic():
        if result.status == "authorized" and booking.payment_intent_id == action.intent_id:
            # Authorized: every older attempt waiting on the same lesson is moot.
            PaymentAction.objects.filter(booking_id=action.booking_id, resolved_at__isnull=True).update(
                resolved_at=now, outcome="superseded"
            )
            outcome = "authorized"
        elif result.status == "authorized":
            outcome = "released"  # the lesson no longer needed it
        else:
            outcome = result.decline_code or result.status
        PaymentAction.objects.filter(pk=action.pk).update(resolved_at=now, outcome=outcome)
    return booking
