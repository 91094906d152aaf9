"""The Stripe gateway: the official `stripe` SDK behind the PaymentGateway interface.

* Students: a Customer each; cards saved with SetupIntents for off-session use; a lesson is a
  PaymentIntent with `capture_method=manual`, confirmed off-session at T−24 h (or on-session at
  checkout when the lesson is closer), captured (fully or partly) after the lesson, cancelled
  when released, refunded fully or partly.
* Instructors: Connect Express accounts; the platform charges the student and pays the
  instructor's share by separate transfers (weekly batches), reversed when money comes back;
  instant payouts from the connected account's balance; Identity verification sessions.
* Every mutating call carries an idempotency key derived from our own operation id (the
  caller's key), so the SDK's and our retries never repeat a money movement.
* Stripe's errors become our outcomes: a decline is a failed movement with its code, a card
  needing the holder's confirmation is `requires_action`, a capture on an authorization that
  expired is `authorization_expired` (the settlement then re-authorizes before capturing);
  network failures and Stripe outages raise ProviderUnavailable (retried later, same keys).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

import stripe
from django.conf import settings
from stripe.params import PaymentIntentCreateParams, PaymentIntentListParams, SetupIntentCreateParams

from apps.payments.gateway import (
    Authorization,
    AuthorizationStatus,
    Card,
    CardError,
    MoneyMovement,
    PayoutAccountState,
    ProviderUnavailable,
    Verification,
    VerificationStatus,
)

CURRENCY = "usd"
# Card holds last 7 days; Stripe tells us the exact instant (capture_before) when it can.
AUTHORIZATION_LIFETIME = timedelta(days=7)
# Codes Stripe uses when a capture or cancel meets an authorization that is no longer there.
EXPIRED_CODES = frozenset({"charge_expired_for_capture", "payment_intent_unexpected_state"})
HELD = "requires_capture"
NEEDS_ACTION = frozenset({"requires_action", "requires_confirmation"})
T = TypeVar("T")


def _obj(value: Any) -> dict[str, Any]:
    """A Stripe object (or an already expanded dict) as a plain dict."""
    if value is None or isinstance(value, str):
        return {}
    result: dict[str, Any] = value.to_dict() if hasattr(value, "to_dict") else dict(value)
    return result


def _opts(idempotency_key: str) -> stripe.RequestOptions:
    return {"idempotency_key": idempotency_key}


def _unavailable(fn: Callable[[], T]) -> T:
    """Call Stripe; an outage, a network error, a rate limit or bad keys is not the card's
    fault and must not be recorded as a decline."""
    try:
        return fn()
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.AuthenticationError) as exc:
        raise ProviderUnavailable("The payment provider can't be reached right now. Try again in a minute.") from exc
    except stripe.APIError as exc:
        raise ProviderUnavailable("The payment provider had a problem. Try again in a minute.") from exc


def _code(error: stripe.StripeError) -> str:
    body = _obj(getattr(error, "json_body", None) or {}).get("error", {})
    return str(body.get("decline_code") or error.code or body.get("type") or "provider_error")


@lru_cache(maxsize=4)
def _client(secret_key: str, api_base: str) -> stripe.StripeClient:
    base = {"api": api_base} if api_base else None
    # The SDK retries network errors itself, with the same idempotency key.
    return stripe.StripeClient(secret_key, base_addresses=base, max_network_retries=2)  # type: ignore[arg-type]


class StripeGateway:
    name = "stripe"
    identity_supported = True

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client
        self.v1 = client.v1

    @classmethod
    def configured(cls) -> StripeGateway:
        if not settings.STRIPE_SECRET_KEY:
            raise ProviderUnavailable("Payments are not configured (STRIPE_SECRET_KEY is missing).")
        return cls(_client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE))

    # --- cards -----------------------------------------------------------------------------

    def customer_create(self, *, email: str, idempotency_key: str) -> str:
        customer = _unavailable(
            lambda: self.v1.customers.create(params={"email": email}, options=_opts(idempotency_key))
        )
        return str(customer.id)

    def card_setup_start(self, *, customer_id: str, idempotency_key: str) -> str:
        intent = _unavailable(
            lambda: self.v1.setup_intents.create(
                params=_setup_params(customer_id),
                options=_opts(idempotency_key),
            )
        )
        return str(intent.client_secret)

    def card_save(self, *, customer_id: str, token: str, idempotency_key: str) -> Card:
        """`seti_…`: a SetupIntent the card form confirmed in the browser. `pm_…`: a
        PaymentMethod (API clients), set up here for off-session use."""
        if token.startswith("seti_"):
            setup = _obj(_unavailable(lambda: self.v1.setup_intents.retrieve(token)))
            if setup.get("customer") != customer_id:
                raise CardError("This card was set up for another account.", code="setup_intent_mismatch")
        elif token.startswith("pm_"):
            setup = self._setup(customer_id, token, idempotency_key)
        else:
            raise CardError("Enter your card in the card form.", code="invalid_token")
        if setup.get("status") != "succeeded":
            raise CardError("Your bank has not confirmed this card yet. Try again.", code="setup_incomplete")
        method_id = (
            setup["payment_method"] if isinstance(setup["payment_method"], str) else setup["payment_method"]["id"]
        )
        method = _obj(_unavailable(lambda: self.v1.payment_methods.retrieve(method_id)))
        card = method.get("card") or {}
        return Card(
            provider_id=method_id, brand=str(card.get("brand", "card")), last4=str(card.get("last4", "")),
            exp_month=int(card.get("exp_month", 0)), exp_year=int(card.get("exp_year", 0)),
            fingerprint=str(card.get("fingerprint", "")),
        )  # fmt: skip

    def _setup(self, customer_id: str, method_id: str, idempotency_key: str) -> dict[str, Any]:
        try:
            intent = _unavailable(
                lambda: self.v1.setup_intents.create(
                    params=_setup_params(customer_id),
                    options=_opts(f"{idempotency_key}:setup"),
                )
            )
            confirmed = _unavailable(
                lambda: self.v1.setup_intents.confirm(
                    intent.id, params={"payment_method": method_id}, options=_opts(f"{idempotency_key}:confirm")
                )
            )
        except stripe.CardError as exc:
            raise CardError("Your card was declined. Use another card.", code=_code(exc)) from exc
        except stripe.InvalidRequestError as exc:
            raise CardError("This card can't be used. Use another card.", code=_code(exc)) from exc
        return _obj(confirmed)

    # --- a lesson's payment ----------------------------------------------------------------

    def authorize(
        self, *, customer_id: str, card_id: str, amount_cents: int, idempotency_key: str, now: datetime
    ) -> Authorization:
        params: PaymentIntentCreateParams = {
            "amount": amount_cents, "currency": CURRENCY, "customer": customer_id, "payment_method": card_id,
            "capture_method": "manual", "confirm": True, "off_session": True, "expand": ["latest_charge"],
        }  # fmt: skip
        try:
            intent = _unavailable(lambda: self.v1.payment_intents.create(params=params, options=_opts(idempotency_key)))
        except stripe.CardError as exc:
            failed = _obj(getattr(exc, "json_body", None) or {}).get("error", {}).get("payment_intent") or {}
            code = _code(exc)
            status: AuthorizationStatus = "requires_action" if code == "authentication_required" else "declined"
            return Authorization(
                status=status, intent_id=str(failed.get("id", "")), amount_cents=amount_cents, decline_code=code
            )
        return _authorization(_obj(intent), now)

    def authorization_get(self, *, intent_id: str, now: datetime) -> Authorization:
        intent = _unavailable(lambda: self.v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]}))
        return _authorization(_obj(intent), now)

    def authentication_start(self, *, intent_id: str, idempotency_key: str) -> str:
        """An off-session attempt that needed the holder falls back to
        `requires_payment_method`; confirm it again on-session so Stripe.js can run the
        bank's challenge (handleNextAction)."""
        intent = _obj(_unavailable(lambda: self.v1.payment_intents.retrieve(intent_id)))
        if intent.get("status") == "requires_payment_method" and intent.get("payment_method"):
            method = intent["payment_method"]
            method_id = method if isinstance(method, str) else method["id"]
            intent = _obj(
                _unavailable(
                    lambda: self.v1.payment_intents.confirm(
                        intent_id, params={"payment_method": method_id}, options=_opts(idempotency_key)
                    )
                )
            )
        return str(intent.get("client_secret", ""))

    def capture(self, *, intent_id: str, amount_cents: int, idempotency_key: str, now: datetime) -> MoneyMovement:
        return self._movement(
            amount_cents,
            lambda: self.v1.payment_intents.capture(
                intent_id, params={"amount_to_capture": amount_cents}, options=_opts(idempotency_key)
            ),
        )

    def release(self, *, intent_id: str, idempotency_key: str, now: datetime) -> MoneyMovement:
        if not intent_id:
            return MoneyMovement(succeeded=False, amount_cents=0, failure_code="not_authorized")
        return self._movement(0, lambda: self.v1.payment_intents.cancel(intent_id, options=_opts(idempotency_key)))

    def holds_list(self, *, created_before: datetime, now: datetime) -> list[Authorization]:
        params: PaymentIntentListParams = {
            "created": {"lte": int(created_before.timestamp())}, "limit": 100, "expand": ["data.latest_charge"],
        }  # fmt: skip
        page = _unavailable(lambda: self.v1.payment_intents.list(params=params))
        # Without the charge's capture_before, a hold lapses 7 days after it was made.
        holds = [
            _authorization(_obj(intent), datetime.fromtimestamp(intent.created, tz=UTC))
            for intent in page.auto_paging_iter()
            if intent.status == HELD
        ]
        return [hold for hold in holds if hold.expires_at is not None and hold.expires_at > now]

    def refund(self, *, intent_id: str, amount_cents: int, idempotency_key: str, now: datetime) -> MoneyMovement:
        return self._movement(
            amount_cents,
            lambda: self.v1.refunds.create(
                params={"payment_intent": intent_id, "amount": amount_cents}, options=_opts(idempotency_key)
            ),
        )

    def _movement(self, amount_cents: int, call: Callable[[], object]) -> MoneyMovement:
        try:
            _unavailable(call)
        except stripe.CardError as exc:
            return MoneyMovement(succeeded=False, amount_cents=amount_cents, failure_code=_code(exc))
        except stripe.InvalidRequestError as exc:
            code = "authorization_expired" if exc.code in EXPIRED_CODES else _code(exc)
            return MoneyMovement(succeeded=False, amount_cents=amount_cents, failure_code=code)
        return MoneyMovement(succeeded=True, amount_cents=amount_cents)

    # --- instructors -----------------------------------------------------------------------

    def transfer(
        self, *, destination: str, amount_cents: int, idempotency_key: str, now: datetime
    ) -> tuple[MoneyMovement, str]:
        if not destination.startswith("acct_"):
            return MoneyMovement(succeeded=False, amount_cents=amount_cents, failure_code="no_payout_account"), ""
        made: list[str] = []

        def create() -> None:
            transfer = self.v1.transfers.create(
                params={"amount": amount_cents, "currency": CURRENCY, "destination": destination},
                options=_opts(idempotency_key),
            )
            made.append(str(transfer.id))

        movement = self._movement(amount_cents, create)
        return movement, (made[0] if made else "")

    def transfer_reverse(self, *, transfer_id: str, amount_cents: int, idempotency_key: str) -> MoneyMovement:
        return self._movement(
            amount_cents,
            lambda: self.v1.transfers.reversals.create(
                transfer_id, params={"amount": amount_cents}, options=_opts(idempotency_key)
            ),
        )

    def payout_instant(self, *, account_id: str, amount_cents: int, idempotency_key: str) -> tuple[MoneyMovement, str]:
        made: list[str] = []

        def create() -> None:
            payout = self.v1.payouts.create(
                params={"amount": amount_cents, "currency": CURRENCY, "method": "instant"},
                options={"idempotency_key": idempotency_key, "stripe_account": account_id},
            )
            made.append(str(payout.id))

        movement = self._movement(amount_cents, create)
        return movement, (made[0] if made else "")

    def payout_account_create(self, *, email: str, idempotency_key: str) -> str:
        account = _unavailable(
            lambda: self.v1.accounts.create(
                params={
                    "type": "express",
                    "country": "US",
                    "email": email,
                    "business_type": "individual",
                    "capabilities": {"transfers": {"requested": True}},
                    # Payouts to the bank follow our weekly batches: Stripe pays out what arrives.
                    "settings": {"payouts": {"schedule": {"interval": "daily"}}},
                },
                options=_opts(idempotency_key),
            )
        )
        return str(account.id)

    def payout_account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        link = _unavailable(
            lambda: self.v1.account_links.create(
                params={
                    "account": account_id,
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                    "type": "account_onboarding",
                }
            )
        )
        return str(link.url)

    def payout_account_get(self, *, account_id: str) -> PayoutAccountState:
        return payout_account_state(_obj(_unavailable(lambda: self.v1.accounts.retrieve(account_id))))

    def payout_dashboard_link(self, *, account_id: str) -> str:
        return str(_unavailable(lambda: self.v1.accounts.login_links.create(account_id)).url)

    def identity_start(self, *, reference: str, return_url: str, idempotency_key: str) -> Verification:
        session = _unavailable(
            lambda: self.v1.identity.verification_sessions.create(
                params={
                    "type": "document",
                    "return_url": return_url,
                    "metadata": {"reference": reference},
                    "options": {"document": {"require_matching_selfie": True}},
                },
                options=_opts(idempotency_key),
            )
        )
        return verification(_obj(session))

    def identity_get(self, *, session_id: str) -> Verification:
        return verification(_obj(_unavailable(lambda: self.v1.identity.verification_sessions.retrieve(session_id))))


def _setup_params(customer_id: str) -> SetupIntentCreateParams:
    # No payment_method_types: the account's payment method settings decide (cards by default).
    return {"customer": customer_id, "usage": "off_session"}


def _authorization(intent: dict[str, Any], now: datetime) -> Authorization:
    status, amount = intent.get("status"), int(intent.get("amount", 0))
    if status in {HELD, "succeeded"}:
        return Authorization(
            status="authorized", intent_id=intent["id"], amount_cents=amount, expires_at=_expiry(intent, now)
        )
    if status in NEEDS_ACTION:
        return Authorization(
            status="requires_action",
            intent_id=intent["id"],
            amount_cents=amount,
            decline_code="authentication_required",
        )
    error = intent.get("last_payment_error") or {}
    code = str(error.get("decline_code") or error.get("code") or status or "declined")
    if code == "authentication_required":
        return Authorization(status="requires_action", intent_id=intent["id"], amount_cents=amount, decline_code=code)
    return Authorization(status="declined", intent_id=intent["id"], amount_cents=amount, decline_code=code)


def _expiry(intent: dict[str, Any], now: datetime) -> datetime:
    """When the hold lapses: the charge's capture_before when Stripe gives it, else 7 days."""
    charge = intent.get("latest_charge")
    details = (charge.get("payment_method_details") or {}).get("card") or {} if isinstance(charge, dict) else {}
    capture_before = details.get("capture_before")
    if capture_before:
        return datetime.fromtimestamp(int(capture_before), tz=UTC)
    return now + AUTHORIZATION_LIFETIME


def payout_account_state(account: dict[str, Any]) -> PayoutAccountState:
    requirements = account.get("requirements") or {}
    return PayoutAccountState(
        charges_enabled=bool(account.get("charges_enabled")), payouts_enabled=bool(account.get("payouts_enabled")),
        details_submitted=bool(account.get("details_submitted")),
        currently_due=list(requirements.get("currently_due") or []),
    )  # fmt: skip


VERIFICATION_STATUSES: dict[str, VerificationStatus] = {
    "requires_input": "requires_input",
    "processing": "processing",
    "verified": "verified",
    "canceled": "canceled",
}


def verification(session: dict[str, Any]) -> Verification:
    error = session.get("last_error") or {}
    return Verification(
        session_id=str(session["id"]), status=VERIFICATION_STATUSES.get(str(session.get("status")), "requires_input"),
        url=str(session.get("url") or ""), error=str(error.get("reason") or ""),
    )  # fmt: skip
