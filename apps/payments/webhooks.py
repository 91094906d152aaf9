"""Stripe webhooks: verify, store once, process once in a task.

`webhook_receive` checks the signature (HMAC with STRIPE_WEBHOOK_SECRET, at most 5 minutes
old) before anything else: a forged or stale delivery is refused with no side effect. The
event id is inserted under a unique constraint, so a redelivery finds its row and changes
nothing; the row is processed after commit by a task (and again by the retry job while it
is unprocessed). Handlers read the object's current state from Stripe or apply changes
keyed by unique rows, so duplicates and out-of-order deliveries end in the same state."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from apps.core.errors import ApplicationError
from apps.payments.actions import payment_action_sync
from apps.payments.disputes import dispute_closed, dispute_opened
from apps.payments.identity import identity_sync
from apps.payments.models import PaymentCustomer, WebhookEvent
from apps.payments.payout_accounts import payout_account_sync
from apps.payments.payouts import payout_provider_failed

logger = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
RETRY_AFTER = timedelta(minutes=2)  # an event whose task was lost is picked up again then
MAX_ATTEMPTS = 10
RETRY_BATCH = 100


class WebhookRejected(ApplicationError):
    status = 400
    code = "webhook_rejected"


def webhook_receive(*, payload: bytes, signature: str, now: datetime) -> WebhookEvent:
    """Verify and store one delivery; its processing is queued after commit (once: a
    duplicate delivery returns the stored row)."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookRejected("Webhooks are not configured.")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=TOLERANCE_SECONDS)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise WebhookRejected("Invalid or expired signature.") from exc
    data = event.to_dict()
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                provider="stripe", event_id=data["id"], type=data["type"], payload=data, received_at=now
            )
    except IntegrityError:
        return WebhookEvent.objects.get(provider="stripe", event_id=data["id"])
    transaction.on_commit(partial(_enqueue, stored.pk))
    return stored


def _enqueue(event_pk: int) -> None:
    from apps.payments.tasks import webhook_process

    webhook_process.delay(event_pk)


def webhook_process(*, event_pk: int, now: datetime) -> bool:
    """Handle one stored event unless it is done; True when this call handled it. A failure
    is counted and left for the retry job."""
    event = WebhookEvent.objects.filter(pk=event_pk, processed_at__isnull=True).first()
    if event is None:
        return False
    handler = HANDLERS.get(event.type) or next(
        (h for prefix, h in PREFIX_HANDLERS.items() if event.type.startswith(prefix)), None
    )
    try:
        if handler is not None:
            handler(event.payload, now)
    except Exception as exc:
        WebhookEvent.objects.filter(pk=event_pk).update(attempts=F("attempts") + 1, last_error=str(exc)[:300])
        logger.exception("webhook %s (%s) failed", event.event_id, event.type)
        return False
    # Compare-and-set: a concurrent run of the same event records it once.
    return bool(WebhookEvent.objects.filter(pk=event_pk, processed_at__isnull=True).update(processed_at=now))


def webhooks_retry(*, now: datetime) -> int:
    """Process events whose task was lost or failed (a sweep: state lives in the table)."""
    due = WebhookEvent.objects.filter(
        processed_at__isnull=True, received_at__lte=now - RETRY_AFTER, attempts__lt=MAX_ATTEMPTS
    ).order_by("received_at", "id")
    return sum(webhook_process(event_pk=pk, now=now) for pk in list(due.values_list("pk", flat=True)[:RETRY_BATCH]))


# --- handlers: each takes the event and `now` ------------------------------------------------


def _object(event: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = event["data"]["object"]
    return found


def _payment_intent(event: dict[str, Any], now: datetime) -> None:
    from apps.bookings.models import Booking

    intent_id = _object(event)["id"]
    if event["type"] == "payment_intent.canceled":
        # A hold cancelled outside our calls (Stripe, the bank, the dashboard) is as good as
        # expired: the settlement re-authorizes before it captures.
        Booking.objects.filter(payment_intent_id=intent_id, captured_at__isnull=True).update(
            authorization_expires_at=now
        )
    payment_action_sync(intent_id=intent_id, now=now)


def _setup_intent(event: dict[str, Any], now: datetime) -> None:
    """A card confirmed in the browser whose page never came back to us is saved anyway."""
    from apps.payments.services import payment_method_add

    setup = _object(event)
    customer = (
        PaymentCustomer.objects.select_related("user")
        .filter(provider="stripe", provider_id=setup.get("customer"))
        .first()
    )
    if customer is not None:
        payment_method_add(actor=customer.user, card_token=setup["id"], request_key=setup["id"])


def _charge_refunded(event: dict[str, Any], now: datetime) -> None:
    from apps.bookings.models import Booking
    from apps.bookings.transitions import booking_event_add

    charge = _object(event)
    booking = Booking.objects.filter(payment_intent_id=charge.get("payment_intent") or "-").first()
    if booking is not None:
        booking_event_add(
            booking=booking, kind="provider", actor=None, now=now, amount_cents=int(charge.get("amount_refunded", 0)),
            reason=f"Stripe: {charge.get('amount_refunded', 0)} cents refunded on the charge in total",
        )  # fmt: skip
        if int(charge.get("amount_refunded", 0)) > 0:
            # A refund made in the Stripe dashboard: referral rewards the lesson earned are void.
            from apps.referrals.services import referral_booking_refunded

            referral_booking_refunded(booking=booking, now=now)


def _dispute(event: dict[str, Any], now: datetime) -> None:
    dispute = _object(event)
    if event["type"] == "charge.dispute.closed":
        dispute_closed(dispute_id=dispute["id"], status=str(dispute.get("status")), now=now)
    else:
        dispute_opened(
            dispute_id=dispute["id"], intent_id=str(dispute.get("payment_intent") or ""),
            amount_cents=int(dispute.get("amount", 0)), reason=str(dispute.get("reason") or ""), now=now,
        )  # fmt: skip


def _account_updated(event: dict[str, Any], now: datetime) -> None:
    payout_account_sync(account_id=_object(event)["id"], now=now)


def _payout_failed(event: dict[str, Any], now: datetime) -> None:
    payout = _object(event)
    payout_provider_failed(
        account_id=str(event.get("account") or ""), provider_payout_id=str(payout["id"]),
        code=str(payout.get("failure_code") or "payout_failed"), now=now,
    )  # fmt: skip


def _identity(event: dict[str, Any], now: datetime) -> None:
    identity_sync(session_id=_object(event)["id"], now=now)


HANDLERS: dict[str, Callable[[dict[str, Any], datetime], None]] = {
    "setup_intent.succeeded": _setup_intent,
    "charge.refunded": _charge_refunded,
    "account.updated": _account_updated,
    "payout.failed": _payout_failed,
}
PREFIX_HANDLERS: dict[str, Callable[[dict[str, Any], datetime], None]] = {
    "payment_intent.": _payment_intent,
    "charge.dispute.": _dispute,
    "identity.verification_session.": _identity,
}
