"""StripeGateway against localstripe (a local Stripe API emulator, started by the
`localstripe` fixture on 127.0.0.1): real SDK calls over HTTP, no mocks.

Connect (accounts, links, transfers, reversals, instant payouts) and Identity sessions are
not implemented by localstripe: the emulator's launcher (tests/localstripe_server.py) serves
them from recorded, normalized Stripe responses (tests/stripe_fixtures/), so those tests
check our side of the seam — the requests we send and how we read Stripe's answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from apps.payments.gateway import Authorization, CardError, MoneyMovement, PayoutAccountState, ProviderUnavailable
from apps.payments.stripe_gateway import StripeGateway
from tests.stripe_emulator import LocalStripe

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


@pytest.fixture
def gateway(localstripe: LocalStripe) -> StripeGateway:
    return StripeGateway.configured()


def card(gateway: StripeGateway, number: str) -> str:
    """A PaymentMethod as Stripe.js would create it in the browser."""
    method = gateway.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    return str(method.id)


def saved(gateway: StripeGateway, localstripe: LocalStripe, number: str = "4242424242424242") -> tuple[str, str]:
    """A customer with a card saved through the card form (a SetupIntent)."""
    customer = gateway.customer_create(email="student@example.com", idempotency_key="customer:1")
    secret = gateway.card_setup_start(customer_id=customer, idempotency_key="card-setup:1:a")
    token = localstripe.card_form(secret, number)
    method = gateway.card_save(customer_id=customer, token=token, idempotency_key="card:1:a")
    return customer, method.provider_id


def posts(localstripe: LocalStripe) -> list[tuple[str, str, int]]:
    """(path, idempotency key, status) of every mutating request Stripe received, with the
    emulator's own object ids replaced by their prefixes."""
    return [
        (re.sub(r"/(pi|seti|cus|pm)_\w+", r"/\1_", row["path"]), row["idempotency_key"], row["status"])
        for row in localstripe.requests()
        if row["path"] != "/v1/payment_methods"  # the browser's card creation, not ours
    ]


def test_card_authorized_then_partly_captured_then_partly_refunded(gateway, localstripe) -> None:
    customer, method = saved(gateway, localstripe)
    held = gateway.authorize(
        customer_id=customer, card_id=method, amount_cents=10080, idempotency_key="authorize:b1:1:0", now=NOW
    )
    assert (held.status, held.amount_cents, held.decline_code, held.expires_at) == ("authorized", 10080, "", NOW + WEEK)
    intent = gateway.v1.payment_intents.retrieve(held.intent_id)
    assert (intent.status, intent.capture_method, intent.amount, intent.customer) == (
        "requires_capture",
        "manual",
        10080,
        customer,
    )

    captured = gateway.capture(
        intent_id=held.intent_id, amount_cents=5040, idempotency_key="settlement:1:0:capture-hold", now=NOW
    )
    refunded = gateway.refund(
        intent_id=held.intent_id, amount_cents=1000, idempotency_key="settlement:2:0:refund", now=NOW
    )
    assert (captured, refunded) == (MoneyMovement(True, 5040), MoneyMovement(True, 1000))
    assert gateway.v1.payment_intents.retrieve(held.intent_id).status == "succeeded"
    charge = gateway.v1.charges.list(params={"customer": customer}).data[0]
    # A partial capture gives the rest of the hold back (Stripe records it as a refund).
    assert (charge.amount, charge.amount_refunded) == (10080, 10080 - 5040 + 1000)
    # Every mutating call carried our own key, derived from our operation ids.
    assert posts(localstripe) == [
        ("/v1/customers", "customer:1", 200),
        ("/v1/setup_intents", "card-setup:1:a", 200),
        ("/v1/setup_intents/seti_/confirm", "", 200),  # the browser's confirmation (Stripe.js)
        ("/v1/payment_intents", "authorize:b1:1:0", 200),
        ("/v1/payment_intents/pi_/capture", "settlement:1:0:capture-hold", 200),
        ("/v1/refunds", "settlement:2:0:refund", 200),
    ]


def test_a_retried_call_with_the_same_key_moves_no_money_twice(gateway, localstripe) -> None:
    customer, method = saved(gateway, localstripe)
    first = gateway.authorize(
        customer_id=customer, card_id=method, amount_cents=10080, idempotency_key="authorize:b1:1:0", now=NOW
    )
    again = gateway.authorize(
        customer_id=customer, card_id=method, amount_cents=10080, idempotency_key="authorize:b1:1:0", now=NOW
    )
    assert again.intent_id == first.intent_id
    assert len(gateway.v1.payment_intents.list().data) == 1
    captures = [
        gateway.capture(
            intent_id=first.intent_id, amount_cents=10080, idempotency_key="settlement:1:0:capture-hold", now=NOW
        )
        for _ in range(2)
    ]
    assert captures == [MoneyMovement(True, 10080)] * 2
    charge = gateway.v1.charges.list(params={"customer": customer}).data[0]
    assert (charge.amount, charge.amount_refunded, charge.captured) == (10080, 0, True)


def test_a_card_the_bank_declines_places_no_hold(gateway, localstripe) -> None:
    customer, method = saved(gateway, localstripe, "4000000000000341")  # saves fine, every charge declined
    result = gateway.authorize(
        customer_id=customer, card_id=method, amount_cents=10080, idempotency_key="authorize:b1:1:0", now=NOW
    )
    assert result == Authorization(status="declined", intent_id="", amount_cents=10080, decline_code="card_declined")
    assert [i.status for i in gateway.v1.payment_intents.list().data] == ["requires_payment_method"]


def test_a_card_refused_when_saved_raises_card_error(gateway, localstripe) -> None:
    customer = gateway.customer_create(email="student@example.com", idempotency_key="customer:1")
    with pytest.raises(CardError) as refused:
        gateway.card_save(customer_id=customer, token=card(gateway, "4000000000000002"), idempotency_key="card:1:b")
    assert refused.value.code == "card_declined"
    with pytest.raises(CardError) as foreign:
        gateway.card_save(customer_id=customer, token="4242424242424242", idempotency_key="card:1:c")
    assert foreign.value.code == "invalid_token"


def test_released_hold_is_cancelled_and_cannot_be_captured(gateway, localstripe) -> None:
    customer, method = saved(gateway, localstripe)
    held = gateway.authorize(
        customer_id=customer, card_id=method, amount_cents=10080, idempotency_key="authorize:b1:1:0", now=NOW
    )
    assert gateway.release(intent_id=held.intent_id, idempotency_key="settlement:1:release", now=NOW) == MoneyMovement(
        True, 0
    )
    assert gateway.v1.payment_intents.retrieve(held.intent_id).status == "canceled"
    # Stripe's answer for a hold that is gone (cancelled, or expired after 7 days): the
    # settlement re-authorizes before it captures again.
    late = gateway.capture(
        intent_id=held.intent_id, amount_cents=10080, idempotency_key="settlement:2:0:capture-hold", now=NOW
    )
    assert late == MoneyMovement(False, 10080, "authorization_expired")
    again = gateway.release(intent_id=held.intent_id, idempotency_key="settlement:3:release", now=NOW)
    assert again == MoneyMovement(False, 0, "invalid_request_error")


def test_live_holds_are_listed_for_the_orphan_hold_sweep(gateway, localstripe) -> None:
    customer, method = saved(gateway, localstripe)
    kept, released = (
        gateway.authorize(
            customer_id=customer, card_id=method, amount_cents=cents, idempotency_key=f"hold:{cents}", now=NOW
        )
        for cents in (10080, 5040)
    )
    gateway.release(intent_id=released.intent_id, idempotency_key="release:5040", now=NOW)
    ours = {kept.intent_id, released.intent_id}
    # Stripe stamps `created` with the real time; the sweep asks for holds older than an hour.
    made = datetime.now(UTC)
    listed = gateway.holds_list(created_before=made + timedelta(minutes=1), now=NOW)
    assert [(hold.intent_id, hold.amount_cents) for hold in listed if hold.intent_id in ours] == [
        (kept.intent_id, 10080)
    ]
    assert [
        hold for hold in gateway.holds_list(created_before=made - timedelta(hours=1), now=NOW) if hold.intent_id in ours
    ] == []
    # A hold past its expiry is no longer held.
    assert [
        hold
        for hold in gateway.holds_list(created_before=made + timedelta(minutes=1), now=made + 2 * WEEK)
        if hold.intent_id in ours
    ] == []


def test_a_card_needing_the_bank_confirmation_authorizes_once_confirmed(gateway, localstripe) -> None:
    customer, method = saved(gateway, localstripe, "4000002500003155")
    pending = gateway.authorize(
        customer_id=customer, card_id=method, amount_cents=10080, idempotency_key="authorize:b1:1:0", now=NOW
    )
    assert (pending.status, pending.decline_code) == ("requires_action", "authentication_required")
    secret = gateway.authentication_start(intent_id=pending.intent_id, idempotency_key="authenticate:1")
    assert secret.startswith(pending.intent_id + "_secret_")
    assert gateway.authorization_get(intent_id=pending.intent_id, now=NOW).status == "requires_action"
    # What Stripe.js's handleNextAction does in the browser once the holder approves.
    localstripe.call(
        f"/v1/payment_intents/{pending.intent_id}/_authenticate", client_secret=secret, success="true", key="pk_test_x"
    )
    done = gateway.authorization_get(intent_id=pending.intent_id, now=NOW)
    assert (done.status, done.intent_id, done.expires_at) == ("authorized", pending.intent_id, NOW + WEEK)


def test_missing_or_wrong_keys_are_an_outage_not_a_decline(localstripe) -> None:
    with override_settings(STRIPE_SECRET_KEY=""), pytest.raises(ProviderUnavailable):
        StripeGateway.configured()
    with override_settings(STRIPE_API_BASE="http://127.0.0.1:9"), pytest.raises(ProviderUnavailable):
        StripeGateway.configured().customer_create(email="a@example.com", idempotency_key="customer:2")


# --- Connect and Identity: recorded Stripe responses (localstripe has neither) ----------------


def test_payout_account_onboarding_transfer_reversal_and_instant_payout(gateway, localstripe) -> None:
    account = gateway.payout_account_create(email="ines@example.com", idempotency_key="payout-account:7")
    assert account.startswith("acct_")
    assert gateway.payout_account_get(account_id=account) == PayoutAccountState(
        charges_enabled=False, payouts_enabled=False, details_submitted=False,
        currently_due=["business_profile.url", "external_account", "individual.dob.day", "individual.first_name",
                       "individual.last_name", "individual.ssn_last_4", "tos_acceptance.date", "tos_acceptance.ip"],
    )  # fmt: skip
    link = gateway.payout_account_link(
        account_id=account, refresh_url="https://x.test/r", return_url="https://x.test/ok"
    )
    assert link.startswith(f"https://connect.stripe.test/setup/e/{account}/")
    refused, no_id = gateway.transfer(destination=account, amount_cents=7650, idempotency_key="payout:1:0", now=NOW)
    assert (refused.succeeded, refused.failure_code, no_id) == (False, "insufficient_capabilities_for_transfer", "")

    localstripe.call(f"/_test/accounts/{account}", state="complete")  # the instructor finished Stripe's form
    assert gateway.payout_account_get(account_id=account) == PayoutAccountState(True, True, True, [])
    moved, transfer = gateway.transfer(destination=account, amount_cents=7650, idempotency_key="payout:1:1", now=NOW)
    assert (moved, transfer[:3]) == (MoneyMovement(True, 7650), "tr_")
    assert gateway.transfer_reverse(
        transfer_id=transfer, amount_cents=2000, idempotency_key="reverse:1"
    ) == MoneyMovement(True, 2000)
    assert gateway.transfer_reverse(
        transfer_id=transfer, amount_cents=6000, idempotency_key="reverse:2"
    ) == MoneyMovement(False, 6000, "amount_too_large")
    instant, payout = gateway.payout_instant(account_id=account, amount_cents=5650, idempotency_key="payout:1:instant")
    assert (instant, payout[:3]) == (MoneyMovement(True, 5650), "po_")
    assert gateway.payout_dashboard_link(account_id=account).startswith(
        f"https://connect.stripe.test/express/{account}/"
    )
    sent = [
        (r["path"].split("/")[-1 if r["path"].endswith("links") else 2], r["idempotency_key"] if ":" in r["idempotency_key"] else "SDK's own",
         r["params"].get("amount"), r["account"])
        for r in localstripe.requests()
    ]  # fmt: skip
    assert sent == [
        ("accounts", "payout-account:7", None, ""),
        ("account_links", "SDK's own", None, ""),  # a link moves nothing, and must be fresh each time
        ("transfers", "payout:1:0", "7650", ""),
        ("transfers", "payout:1:1", "7650", ""),
        ("transfers", "reverse:1", "2000", ""),
        ("transfers", "reverse:2", "6000", ""),
        ("payouts", "payout:1:instant", "5650", account),  # on the instructor's account
        ("login_links", "SDK's own", None, ""),
    ]
    no_account, _ = gateway.transfer(destination="", amount_cents=100, idempotency_key="payout:2:0", now=NOW)
    assert no_account == MoneyMovement(False, 100, "no_payout_account")


def test_identity_session_started_then_verified(gateway, localstripe) -> None:
    started = gateway.identity_start(
        reference="instructor:7", return_url="https://x.test/back", idempotency_key="identity:7:1"
    )
    assert (started.status, started.url) == ("requires_input", f"https://verify.stripe.test/start/{started.session_id}")
    localstripe.call(f"/_test/identity/{started.session_id}", status="requires_input")
    retry = gateway.identity_get(session_id=started.session_id)
    assert (retry.status, retry.error) == ("requires_input", "The document was not recognized.")
    localstripe.call(f"/_test/identity/{started.session_id}", status="verified")
    assert gateway.identity_get(session_id=started.session_id).status == "verified"
    created = localstripe.requests()[0]
    assert (created["idempotency_key"], created["params"]["metadata"], created["params"]["type"]) == (
        "identity:7:1", {"reference": "instructor:7"}, "document",
    )  # fmt: skip


def test_api_clients_may_send_a_payment_method_which_is_set_up_for_off_session_use(gateway, localstripe) -> None:
    customer = gateway.customer_create(email="student@example.com", idempotency_key="customer:1")
    method = gateway.card_save(
        customer_id=customer, token=card(gateway, "5555555555554444"), idempotency_key="card:1:d"
    )
    assert (method.provider_id[:3], method.last4, method.exp_month, method.exp_year) == ("pm_", "4444", 12, 2034)
    assert posts(localstripe)[1:] == [
        ("/v1/setup_intents", "card:1:d:setup", 200),
        ("/v1/setup_intents/seti_/confirm", "card:1:d:confirm", 200),
    ]
