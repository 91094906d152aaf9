"""The seam between the product and a payment provider. Every call that moves money carries
its own idempotency key, so a retried call never moves money twice.

Two implementations: `LocalGateway` (built in, offline test cards) and `StripeGateway`
(the official SDK). `settings.PAYMENT_GATEWAY` picks one; nothing else changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from django.conf import settings

from apps.core.errors import ApplicationError

AuthorizationStatus = Literal["authorized", "declined", "requires_action"]
VerificationStatus = Literal["requires_input", "processing", "verified", "canceled"]


@dataclass(frozen=True)
class Card:
    provider_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str


@dataclass(frozen=True)
class Authorization:
    status: AuthorizationStatus
    intent_id: str
    amount_cents: int
    decline_code: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True)
class MoneyMovement:
    succeeded: bool
    amount_cents: int
    failure_code: str = ""


@dataclass(frozen=True)
class PayoutAccountState:
    """What the provider says about an instructor's payout account."""

    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    currently_due: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Verification:
    session_id: str
    status: VerificationStatus
    url: str = ""  # where the instructor goes to verify (a new session only)
    error: str = ""


class CardError(Exception):
    """The provider refused a card before any money moved (invalid number, expired…)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ProviderUnavailable(ApplicationError):
    """The provider could not be reached or failed (network, outage, missing keys). Nothing
    is known to have happened: callers retry later with the same idempotency key."""

    status = 503
    code = "payment_provider_unavailable"


class PaymentGateway(Protocol):
    name: str
    # Stripe Identity sessions; without them staff review identity documents by hand.
    identity_supported: bool

    # --- cards (students) ---------------------------------------------------------------

    def customer_create(self, *, email: str, idempotency_key: str) -> str: ...

    def card_setup_start(self, *, customer_id: str, idempotency_key: str) -> str:
        """A client secret for the provider's card form (empty when the gateway has none)."""
        ...

    def card_save(self, *, customer_id: str, token: str, idempotency_key: str) -> Card:
        """`token`: what the card form produced (a test number locally; a confirmed
        SetupIntent or a PaymentMethod id with Stripe)."""
        ...

    # --- a lesson's payment -------------------------------------------------------------

    def authorize(
        self, *, customer_id: str, card_id: str, amount_cents: int, idempotency_key: str, now: datetime
    ) -> Authorization: ...

    def authorization_get(self, *, intent_id: str, now: datetime) -> Authorization:
        """Where an authorization stands now (after the student's bank confirmation, or a
        webhook)."""
        ...

    def authentication_start(self, *, intent_id: str, idempotency_key: str) -> str:
        """Ready an authorization for the student's bank confirmation; the client secret
        the page hands to the provider's script (empty when the gateway has none)."""
        ...

    def capture(self, *, intent_id: str, amount_cents: int, idempotency_key: str, now: datetime) -> MoneyMovement: ...

    def release(self, *, intent_id: str, idempotency_key: str, now: datetime) -> MoneyMovement: ...

    def holds_list(self, *, created_before: datetime, now: datetime) -> list[Authorization]:
        """The live holds (authorized, neither captured nor released, not expired at `now`)
        made at or before `created_before`: what the provider holds on customers' cards."""
        ...

    def refund(self, *, intent_id: str, amount_cents: int, idempotency_key: str, now: datetime) -> MoneyMovement: ...

    # --- instructors --------------------------------------------------------------------

    def transfer(
        self, *, destination: str, amount_cents: int, idempotency_key: str, now: datetime
    ) -> tuple[MoneyMovement, str]:
        """Pay an instructor's payout account; returns the movement and the transfer id."""
        ...

    def transfer_reverse(self, *, transfer_id: str, amount_cents: int, idempotency_key: str) -> MoneyMovement: ...

    def payout_instant(self, *, account_id: str, amount_cents: int, idempotency_key: str) -> tuple[MoneyMovement, str]:
        """Send the payout account's balance to the instructor's debit card now."""
        ...

    def payout_account_create(self, *, email: str, idempotency_key: str) -> str: ...

    def payout_account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        """Where the instructor enters their details with the provider."""
        ...

    def payout_account_get(self, *, account_id: str) -> PayoutAccountState: ...

    def payout_dashboard_link(self, *, account_id: str) -> str: ...

    def identity_start(self, *, reference: str, return_url: str, idempotency_key: str) -> Verification: ...

    def identity_get(self, *, session_id: str) -> Verification: ...


def get_gateway() -> PaymentGateway:
    """The configured gateway (settings.PAYMENT_GATEWAY)."""
    if settings.PAYMENT_GATEWAY == "stripe":
        from apps.payments.stripe_gateway import StripeGateway

        return StripeGateway.configured()
    from apps.payments.local_gateway import LocalGateway

    return LocalGateway()
