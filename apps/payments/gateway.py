"""The seam between the product and a payment provider. Every call that moves money carries
its own idempotency key, so a retried call never moves money twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

AuthorizationStatus = Literal["authorized", "declined", "requires_action"]


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


class CardError(Exception):
    """The provider refused a card before any money moved (invalid number, expired…)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class PaymentGateway(Protocol):
    name: str

    def customer_create(self, *, email: str, idempotency_key: str) -> str: ...

    def card_save(self, *, customer_id: str, token: str, idempotency_key: str) -> Card: ...

    def authorize(
        self, *, customer_id: str, card_id: str, amount_cents: int, idempotency_key: str, now: datetime
    ) -> Authorization: ...

    def capture(self, *, intent_id: str, amount_cents: int, idempotency_key: str, now: datetime) -> MoneyMovement: ...

    def release(self, *, intent_id: str, idempotency_key: str, now: datetime) -> MoneyMovement: ...

    def holds_list(self, *, created_before: datetime, now: datetime) -> list[Authorization]:
        """The live holds (authorized, neither captured nor released, not expired at `now`)
        made at or before `created_before`: what the provider holds on customers' cards."""
        ...

    def refund(self, *, intent_id: str, amount_cents: int, idempotency_key: str, now: datetime) -> MoneyMovement: ...

    def transfer(
        self, *, destination: str, amount_cents: int, idempotency_key: str, now: datetime
    ) -> tuple[MoneyMovement, str]:
        """Pay an instructor's payout account; returns the movement and the transfer id."""
        ...


def get_gateway() -> PaymentGateway:
    """The configured gateway (settings.PAYMENT_GATEWAY; only the local one exists so far)."""
    from apps.payments.local_gateway import LocalGateway

    return LocalGateway()
