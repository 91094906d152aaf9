from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.payments.gateway import CardError
from apps.payments.local_gateway import LocalGateway
from apps.payments.models import LocalIntent, LocalOperation

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def _authorize(number: str, key: str = "auth-1", amount: int = 13440):
    gateway = LocalGateway()
    card = gateway.card_save(customer_id="lcus_1", token=number, idempotency_key=f"card-{number}")
    return gateway, gateway.authorize(
        customer_id="lcus_1", card_id=card.provider_id, amount_cents=amount, idempotency_key=key, now=NOW
    )


def test_successful_card_authorizes_captures_and_refunds_once_per_key() -> None:
    gateway, auth = _authorize("4242 4242 4242 4242")
    assert (auth.status, auth.amount_cents, auth.expires_at) == ("authorized", 13440, NOW + timedelta(days=7))
    first = gateway.capture(intent_id=auth.intent_id, amount_cents=13440, idempotency_key="cap-1", now=NOW)
    again = gateway.capture(intent_id=auth.intent_id, amount_cents=13440, idempotency_key="cap-1", now=NOW)
    assert first.succeeded
    assert again == first
    assert LocalOperation.objects.filter(kind="capture").count() == 1
    refund = gateway.refund(intent_id=auth.intent_id, amount_cents=6000, idempotency_key="ref-1", now=NOW)
    assert refund.succeeded
    too_much = gateway.refund(intent_id=auth.intent_id, amount_cents=7441, idempotency_key="ref-2", now=NOW)
    assert (too_much.succeeded, too_much.failure_code) == (False, "amount_too_large")
    intent = LocalIntent.objects.get(intent_id=auth.intent_id)
    assert (intent.amount_captured_cents, intent.amount_refunded_cents) == (13440, 6000)


def test_retried_authorization_returns_the_first_result() -> None:
    _, auth = _authorize("4242424242424242")
    _, retry = _authorize("4242424242424242")
    assert retry == auth
    assert LocalIntent.objects.count() == 1


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        ("4000000000000002", "declined", "card_declined"),
        ("4000000000009995", "declined", "insufficient_funds"),
        ("4000002500003155", "requires_action", "authentication_required"),
    ],
)
def test_declining_cards(number: str, status: str, code: str) -> None:
    gateway, auth = _authorize(number)
    assert (auth.status, auth.decline_code) == (status, code)
    capture = gateway.capture(intent_id=auth.intent_id, amount_cents=100, idempotency_key="cap", now=NOW)
    assert (capture.succeeded, capture.failure_code) == (False, "not_authorized")


def test_card_that_fails_at_capture_and_expired_authorizations() -> None:
    gateway, auth = _authorize("4000000000000341")
    assert auth.status == "authorized"
    capture = gateway.capture(intent_id=auth.intent_id, amount_cents=13440, idempotency_key="cap", now=NOW)
    assert (capture.succeeded, capture.failure_code) == (False, "card_declined")
    gateway, auth = _authorize("4242424242424242", key="auth-2")
    late = gateway.capture(
        intent_id=auth.intent_id, amount_cents=13440, idempotency_key="late", now=NOW + timedelta(days=7)
    )
    assert (late.succeeded, late.failure_code) == (False, "authorization_expired")
    released = gateway.release(intent_id=auth.intent_id, idempotency_key="rel", now=NOW)
    assert released.succeeded
    assert LocalIntent.objects.get(intent_id=auth.intent_id).status == "canceled"


def test_unknown_and_expired_cards_are_refused_when_saved() -> None:
    gateway = LocalGateway()
    with pytest.raises(CardError) as unknown:
        gateway.card_save(customer_id="c", token="4111 1111 1111 1112", idempotency_key="k1")
    assert unknown.value.code == "invalid_number"
    with pytest.raises(CardError) as expired:
        gateway.card_save(customer_id="c", token="4000000000000069", idempotency_key="k2")
    assert expired.value.code == "expired_card"
