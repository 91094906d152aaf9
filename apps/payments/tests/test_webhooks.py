"""POST /api/v1/payments/webhooks/stripe with payloads signed by the test secret, the way
Stripe signs them (HMAC-SHA256 over "timestamp.payload"). The app runs StripeGateway against
localstripe; handlers read the objects' current state from it (Connect and Identity objects
come from the emulator's recorded Stripe responses, see tests/localstripe_server.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.bookings.tests.bank import Bank, StripeBank
from apps.bookings.tests.conftest import NOW, local
from apps.bookings.tests.money import book
from apps.notifications.models import Notification
from apps.payments.credits import credit_balance, credit_grant
from apps.payments.models import CreditFreeze, PaymentAction, WebhookEvent
from apps.payments.payout_accounts import payout_account_start
from apps.payments.webhooks import webhooks_retry
from tests.stripe_emulator import WEBHOOK_SECRET, LocalStripe

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/webhooks/stripe"


@pytest.fixture
def bank(localstripe: LocalStripe) -> Bank:
    return StripeBank(localstripe)


def event(event_id: str, kind: str, obj: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "data": {"object": obj},
        "created": int(time.time()),
        **extra,
    }


def signed(body: dict[str, Any], *, secret: str = WEBHOOK_SECRET, age: int = 0) -> tuple[bytes, str]:
    payload = json.dumps(body).encode()
    stamp = int(time.time()) - age
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={stamp},v1={signature}"


def deliver(client, body: dict[str, Any], **signing: Any):
    payload, signature = signed(body, **signing)
    return client.post(URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


@pytest.fixture
def account(scene, localstripe) -> str:
    url = payout_account_start(actor=scene.profile.user, refresh_url="https://x.test/r", return_url="https://x.test/ok")
    return url.split("/setup/e/")[1].split("/")[0]


def test_forged_stale_or_unsigned_deliveries_are_refused_and_change_nothing(
    client, scene, account, localstripe
) -> None:
    scene.profile.payouts_connected_at = None
    scene.profile.save()
    localstripe.call(f"/_test/accounts/{account}", state="complete")
    body = event("evt_forged", "account.updated", {"id": account, "object": "account"})
    forged = deliver(client, body, secret="whsec_someone_else")
    stale = deliver(client, body, age=301)
    unsigned = client.post(URL, data=json.dumps(body), content_type="application/json")
    assert [r.status_code for r in (forged, stale, unsigned)] == [400, 400, 400]
    assert forged.json() == {
        "error": {"code": "webhook_rejected", "message": "Invalid or expired signature.", "fields": {}}
    }
    assert WebhookEvent.objects.count() == 0
    scene.profile.refresh_from_db()
    assert scene.profile.payouts_connected_at is None
    # Many bad deliveries are all refused as such (the endpoint is not rate limited).
    assert {deliver(client, body, secret="whsec_x").status_code for _ in range(35)} == {400}


def test_account_updated_connects_payouts_once_when_delivered_twice(
    client, scene, account, localstripe, django_capture_on_commit_callbacks
) -> None:
    scene.profile.payouts_connected_at = None
    scene.profile.save()
    localstripe.call(f"/_test/accounts/{account}", state="complete")
    body = event("evt_acct_1", "account.updated", {"id": account, "object": "account"})
    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(client, body)
    with django_capture_on_commit_callbacks(execute=True) as queued_again:
        second = deliver(client, body)
    assert (first.status_code, second.status_code, first.json()) == (200, 200, {"received": True})
    assert queued_again == []  # the duplicate queues no processing
    stored = WebhookEvent.objects.get()
    assert (stored.event_id, stored.type, stored.processed_at is not None) == ("evt_acct_1", "account.updated", True)
    scene.profile.refresh_from_db()
    assert scene.profile.payouts_connected_at is not None
    assert (scene.profile.payout_account.payouts_enabled, scene.profile.payout_account.currently_due) == (True, [])


def test_account_events_out_of_order_end_in_the_accounts_current_state(
    client, scene, account, localstripe, django_capture_on_commit_callbacks
) -> None:
    localstripe.call(f"/_test/accounts/{account}", state="pending")  # Stripe is checking a document
    newer = event("evt_acct_new", "account.updated", {"id": account, "payouts_enabled": False})
    older = event("evt_acct_old", "account.updated", {"id": account, "payouts_enabled": True})
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, newer)
        deliver(client, older)  # arrives late, says the opposite
    scene.profile.refresh_from_db()
    account_row = scene.profile.payout_account
    assert (scene.profile.payouts_connected_at, account_row.payouts_enabled, account_row.charges_enabled) == (
        None,
        False,
        True,
    )


def test_identity_events_in_any_order_end_verified_and_tell_the_instructor_once(
    client, scene, localstripe, django_capture_on_commit_callbacks
) -> None:
    from apps.payments.identity import identity_start

    scene.profile.identity_verified_at = None
    scene.profile.save()
    url = identity_start(actor=scene.profile.user, return_url="https://x.test/back", now=NOW)
    session = url.rsplit("/", 1)[1]
    localstripe.call(f"/_test/identity/{session}", status="verified")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            client, event("evt_id_2", "identity.verification_session.verified", {"id": session, "status": "verified"})
        )
        deliver(
            client,
            event("evt_id_1", "identity.verification_session.processing", {"id": session, "status": "processing"}),
        )
        deliver(
            client, event("evt_id_2", "identity.verification_session.verified", {"id": session, "status": "verified"})
        )
    scene.profile.refresh_from_db()
    assert scene.profile.identity_verified_at is not None
    assert scene.profile.identity_verifications.get().status == "verified"
    assert Notification.objects.filter(kind="identity_verified").count() == 1
    assert WebhookEvent.objects.filter(processed_at__isnull=False).count() == 2


def test_dispute_reviews_the_payment_freezes_credits_and_alerts_staff_once(
    client, scene, student, staff, localstripe, django_capture_on_commit_callbacks
) -> None:
    from apps.bookings.tests.money import authorize

    booking = authorize(book(scene, student, now=NOW), now=NOW + timedelta(days=1))
    credit_grant(user=student, amount_cents=2500, reason="Welcome", now=timezone.now())
    assert booking.payment_status == "authorized"
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "payment_intent": booking.payment_intent_id,
        "amount": booking.total_cents,
        "reason": "fraudulent",
    }
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, event("evt_dp_1", "charge.dispute.created", {**dispute, "status": "needs_response"}))
        deliver(client, event("evt_dp_2", "charge.dispute.updated", {**dispute, "status": "under_review"}))
    booking.refresh_from_db()
    assert booking.payment_status == "manual_review"
    assert credit_balance(user=student, now=timezone.now()) == 0
    alerts = Notification.objects.filter(user=staff, kind="staff_alert")
    assert [a.subject for a in alerts] == ["Card dispute: $100.80 on Piano"]
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, event("evt_dp_3", "charge.dispute.closed", {**dispute, "status": "won"}))
    assert CreditFreeze.objects.get().released_at is not None
    assert credit_balance(user=student, now=timezone.now()) == 2500
    assert Notification.objects.filter(user=staff, kind="staff_alert").count() == 2  # opened, then closed


def test_payment_intent_event_completes_a_bank_confirmation_the_page_never_reported(
    client, scene, student, bank, localstripe, django_capture_on_commit_callbacks
) -> None:
    from apps.payments.actions import payment_action_start

    card = bank.card(student, "requires_action")
    booking = book(scene, student, start=local(NOW.date(), 14), now=NOW, card=card)  # < 24 h: paid at checkout
    assert (booking.status, booking.payment_status) == ("pending", "payment_method_required")
    action = PaymentAction.objects.get(booking=booking)
    secret = payment_action_start(actor=student, booking_id=booking.pk).client_secret  # what the page hands Stripe.js
    # The student passed the bank's challenge, but the page never posted back.
    localstripe.call(
        f"/v1/payment_intents/{action.intent_id}/_authenticate", client_secret=secret, success="true", key="pk_test_x"
    )
    body = event(
        "evt_pi_1", "payment_intent.amount_capturable_updated", {"id": action.intent_id, "object": "payment_intent"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, body)
        deliver(client, body)
    booking.refresh_from_db()
    action.refresh_from_db()
    assert (booking.status, booking.payment_status, booking.payment_intent_id) == (
        "confirmed",
        "authorized",
        action.intent_id,
    )
    assert action.outcome == "authorized"
    assert booking.events.filter(to_status="authorized").count() == 1


def test_payout_failed_tells_the_instructor_and_staff(
    client, scene, staff, account, django_capture_on_commit_callbacks
) -> None:
    body = event(
        "evt_po_1",
        "payout.failed",
        {"id": "po_9", "object": "payout", "failure_code": "account_closed"},
        account=account,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, body).status_code == 200
    assert list(Notification.objects.filter(user=scene.profile.user).values_list("kind", flat=True)) == [
        "payout_failed"
    ]
    assert Notification.objects.get(user=staff).subject == f"Bank payout failed for {scene.profile.display_name}"


def test_an_event_whose_processing_failed_is_processed_by_the_retry_job(
    client, scene, account, localstripe, settings, django_capture_on_commit_callbacks
) -> None:
    localstripe.call(f"/_test/accounts/{account}", state="complete")
    scene.profile.payouts_connected_at = None
    scene.profile.save()
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe unreachable while the task runs
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, event("evt_acct_9", "account.updated", {"id": account})).status_code == 200
    stored = WebhookEvent.objects.get()
    assert (stored.processed_at, stored.attempts) == (None, 1)
    settings.STRIPE_API_BASE = localstripe.url
    assert webhooks_retry(now=timezone.now()) == 0  # not before the retry delay
    assert webhooks_retry(now=timezone.now() + timedelta(minutes=3)) == 1
    scene.profile.refresh_from_db()
    assert scene.profile.payouts_connected_at is not None
