"""The built-in offline gateway, modelled on Stripe's test cards, so the product runs with no
keys and no network. It keeps its state in the database, like a provider would on its side.

| card number         | behaviour                                                     |
|---------------------|---------------------------------------------------------------|
| 4242 4242 4242 4242 | Visa, every charge succeeds                                   |
| 5555 5555 5555 4444 | Mastercard, every charge succeeds                             |
| 4000 0000 0000 0002 | authorization declined (card_declined)                        |
| 4000 0000 0000 9995 | authorization declined (insufficient_funds)                   |
| 4000 0025 0000 3155 | needs the bank's confirmation (3-D Secure) before it authorizes |
| 4000 0000 0000 0341 | authorizes, then fails at capture (card_declined)             |
| 4000 0000 0000 0069 | refused when saved (expired_card)                             |

Authorizations expire 7 days after they are made, as card holds do. A card that needs the
bank's confirmation leaves the authorization in `requires_action` until the student confirms
it on the lesson's confirmation page (`authentication_complete`, what Stripe.js does with
Stripe). Payout accounts are created here too; their onboarding is one confirmation page.
Identity checks are not offered locally: staff review the instructor's documents.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.payments.gateway import (
    Authorization,
    Card,
    CardError,
    MoneyMovement,
    PayoutAccountState,
    ProviderUnavailable,
    Verification,
)
from apps.payments.models import LocalCard, LocalIntent, LocalOperation, LocalPayoutAccount, LocalTransfer

AUTHORIZATION_LIFETIME = timedelta(days=7)
_NAMESPACE = uuid.UUID("6f1c3f52-6a55-4a0e-9f7e-5b7b1c1e2a10")


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    behavior: str  # succeeds | declined | insufficient_funds | requires_action | capture_fails | expired


TEST_CARDS = {
    card.number: card
    for card in (
        TestCard("4242424242424242", "visa", "succeeds"),
        TestCard("5555555555554444", "mastercard", "succeeds"),
        TestCard("4000000000000002", "visa", "declined"),
        TestCard("4000000000009995", "visa", "insufficient_funds"),
        TestCard("4000002500003155", "visa", "requires_action"),
        TestCard("4000000000000341", "visa", "capture_fails"),
        TestCard("4000000000000069", "visa", "expired"),
    )
}


def _stable_id(prefix: str, idempotency_key: str) -> str:
    """The same idempotency key always names the same object: a retried call is a no-op."""
    return f"{prefix}_{uuid.uuid5(_NAMESPACE, idempotency_key).hex[:24]}"


class LocalGateway:
    name = "local"
    identity_supported = False

    def customer_create(self, *, email: str, idempotency_key: str) -> str:
        return _stable_id("lcus", idempotency_key)

    def card_setup_start(self, *, customer_id: str, idempotency_key: str) -> str:
        return ""  # the local card form posts the test number itself

    def card_save(self, *, customer_id: str, token: str, idempotency_key: str) -> Card:
        number = "".join(ch for ch in token if ch.isdigit())
        test_card = TEST_CARDS.get(number)
        if test_card is None:
            raise CardError(
                "Use one of the test cards listed on this page (no real cards here).", code="invalid_number"
            )
        if test_card.behavior == "expired":
            raise CardError("This card has expired. Use another card.", code="expired_card")
        card, _ = LocalCard.objects.get_or_create(
            card_id=_stable_id("lpm", idempotency_key),
            defaults={"customer_id": customer_id, "last4": number[-4:], "behavior": test_card.behavior},
        )
        if (card.last4, card.behavior) != (number[-4:], test_card.behavior):
            # Like Stripe: a key replays only the request it was first used for.
            raise CardError("This request key was already used for another card.", code="idempotency_key_reused")
        return Card(
            provider_id=card.card_id,
            brand=test_card.brand,
            last4=card.last4,
            exp_month=12,
            exp_year=2034,
            fingerprint=hashlib.sha256(number.encode()).hexdigest()[:32],
        )

    def authorize(
        self, *, customer_id: str, card_id: str, amount_cents: int, idempotency_key: str, now: datetime
    ) -> Authorization:
        existing = LocalIntent.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            card = LocalCard.objects.get(card_id=card_id)
            status, code = {
                "declined": ("declined", "card_declined"),
                "insufficient_funds": ("declined", "insufficient_funds"),
                "requires_action": ("requires_action", "authentication_required"),
            }.get(card.behavior, ("authorized", ""))
            try:
                with transaction.atomic():
                    existing = LocalIntent.objects.create(
                        intent_id=_stable_id("lpi", idempotency_key), idempotency_key=idempotency_key,
                        customer_id=customer_id, card=card, amount_cents=amount_cents, status=status,
                        decline_code=code, created_at=now, expires_at=now + AUTHORIZATION_LIFETIME,
                    )  # fmt: skip
            except IntegrityError:  # a concurrent retry with the same key won the insert
                existing = LocalIntent.objects.get(idempotency_key=idempotency_key)
        return _authorization(existing)

    def authorization_get(self, *, intent_id: str, now: datetime) -> Authorization:
        return _authorization(LocalIntent.objects.get(intent_id=intent_id))

    def authentication_start(self, *, intent_id: str, idempotency_key: str) -> str:
        return ""

    def authentication_complete(self, *, intent_id: str, approve: bool) -> Authorization:
        """The test bank's confirmation step (what the card holder does in Stripe.js's
        challenge): approved, the hold is placed; refused, the authorization is declined."""
        with transaction.atomic():
            intent = LocalIntent.objects.select_for_update().get(intent_id=intent_id)
            if intent.status == "requires_action":
                intent.status = "authorized" if approve else "declined"
                intent.decline_code = "" if approve else "authentication_failed"
                intent.save(update_fields=["status", "decline_code"])
        return _authorization(intent)

    def _operation(
        self, *, intent_id: str, kind: str, amount_cents: int, idempotency_key: str, now: datetime
    ) -> MoneyMovement:
        with transaction.atomic():
            done = LocalOperation.objects.filter(idempotency_key=idempotency_key).first()
            if done is not None:
                return MoneyMovement(
                    succeeded=done.succeeded, amount_cents=done.amount_cents, failure_code=done.failure_code
                )
            intent = LocalIntent.objects.select_for_update().select_related("card").get(intent_id=intent_id)
            failure = _failure(intent, kind, amount_cents, now)
            if not failure:
                _apply(intent, kind, amount_cents)
            LocalOperation.objects.create(
                idempotency_key=idempotency_key, intent=intent, kind=kind, amount_cents=amount_cents,
                succeeded=not failure, failure_code=failure, created_at=now,
            )  # fmt: skip
            return MoneyMovement(succeeded=not failure, amount_cents=amount_cents, failure_code=failure)

    def capture(self, *, intent_id: str, amount_cents: int, idempotency_key: str, now: datetime) -> MoneyMovement:
        return self._operation(
            intent_id=intent_id, kind="capture", amount_cents=amount_cents, idempotency_key=idempotency_key, now=now
        )

    def release(self, *, intent_id: str, idempotency_key: str, now: datetime) -> MoneyMovement:
        return self._operation(
            intent_id=intent_id, kind="release", amount_cents=0, idempotency_key=idempotency_key, now=now
        )

    def holds_list(self, *, created_before: datetime, now: datetime) -> list[Authorization]:
        live = LocalIntent.objects.filter(status="authorized", created_at__lte=created_before, expires_at__gt=now)
        return [
            Authorization(
                status="authorized",
                intent_id=intent.intent_id,
                amount_cents=intent.amount_cents,
                expires_at=intent.expires_at,
            )
            for intent in live.order_by("created_at", "id")
        ]

    def refund(self, *, intent_id: str, amount_cents: int, idempotency_key: str, now: datetime) -> MoneyMovement:
        return self._operation(
            intent_id=intent_id, kind="refund", amount_cents=amount_cents, idempotency_key=idempotency_key, now=now
        )

    def transfer(
        self, *, destination: str, amount_cents: int, idempotency_key: str, now: datetime
    ) -> tuple[MoneyMovement, str]:
        """Payouts always succeed locally; one transfer per idempotency key."""
        if amount_cents <= 0:
            return MoneyMovement(succeeded=False, amount_cents=amount_cents, failure_code="amount_too_small"), ""
        try:
            with transaction.atomic():
                done, _ = LocalTransfer.objects.get_or_create(
                    idempotency_key=idempotency_key,
                    defaults={
                        "transfer_id": _stable_id("ltr", idempotency_key), "destination": destination,
                        "amount_cents": amount_cents, "created_at": now,
                    },
                )  # fmt: skip
        except IntegrityError:  # a concurrent retry with the same key won the insert
            done = LocalTransfer.objects.get(idempotency_key=idempotency_key)
        return MoneyMovement(succeeded=True, amount_cents=done.amount_cents), done.transfer_id

    def transfer_reverse(self, *, transfer_id: str, amount_cents: int, idempotency_key: str) -> MoneyMovement:
        with transaction.atomic():
            done = LocalTransfer.objects.select_for_update().get(transfer_id=transfer_id)
            if amount_cents <= 0 or amount_cents > done.amount_cents - done.amount_reversed_cents:
                return MoneyMovement(succeeded=False, amount_cents=amount_cents, failure_code="amount_too_large")
            done.amount_reversed_cents += amount_cents
            done.save(update_fields=["amount_reversed_cents"])
        return MoneyMovement(succeeded=True, amount_cents=amount_cents)

    def payout_instant(self, *, account_id: str, amount_cents: int, idempotency_key: str) -> tuple[MoneyMovement, str]:
        return MoneyMovement(succeeded=True, amount_cents=amount_cents), _stable_id("lpo", idempotency_key)

    def payout_account_create(self, *, email: str, idempotency_key: str) -> str:
        account, _ = LocalPayoutAccount.objects.get_or_create(
            account_id=_stable_id("lacct", idempotency_key), defaults={"email": email}
        )
        return account.account_id

    def payout_account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        return reverse("instructors_onboarding:payouts_local", args=[account_id])

    def payout_account_get(self, *, account_id: str) -> PayoutAccountState:
        account = LocalPayoutAccount.objects.get(account_id=account_id)
        done = account.details_submitted
        return PayoutAccountState(
            charges_enabled=done, payouts_enabled=done, details_submitted=done,
            currently_due=[] if done else ["external_account"],
        )  # fmt: skip

    def payout_account_complete(self, *, account_id: str) -> None:
        """The local onboarding page: the instructor confirms the test bank account."""
        LocalPayoutAccount.objects.filter(account_id=account_id).update(details_submitted=True)

    def payout_dashboard_link(self, *, account_id: str) -> str:
        return reverse("ledgers:earnings")

    def identity_start(self, *, reference: str, return_url: str, idempotency_key: str) -> Verification:
        raise ProviderUnavailable("Identity is checked by our team here: upload your documents instead.")

    def identity_get(self, *, session_id: str) -> Verification:
        raise ProviderUnavailable("Identity is checked by our team here.")


def _authorization(intent: LocalIntent) -> Authorization:
    return Authorization(
        status=intent.status if intent.status in {"declined", "requires_action"} else "authorized",  # type: ignore[arg-type]
        intent_id=intent.intent_id,
        amount_cents=intent.amount_cents,
        decline_code=intent.decline_code,
        expires_at=intent.expires_at,
    )


def _failure(intent: LocalIntent, kind: str, amount_cents: int, now: datetime) -> str:
    """Why an operation cannot happen, or "" when it can."""
    if kind == "capture":
        if intent.status != "authorized":
            return "not_authorized"
        if now >= intent.expires_at:
            return "authorization_expired"
        if amount_cents <= 0 or amount_cents > intent.amount_cents:
            return "amount_too_large"
        return "card_declined" if intent.card.behavior == "capture_fails" else ""
    if kind == "release":
        return "" if intent.status == "authorized" else "not_authorized"
    if intent.status != "captured":
        return "not_captured"
    remaining = intent.amount_captured_cents - intent.amount_refunded_cents
    return "" if 0 < amount_cents <= remaining else "amount_too_large"


def _apply(intent: LocalIntent, kind: str, amount_cents: int) -> None:
    if kind == "capture":
        intent.status, intent.amount_captured_cents = "captured", amount_cents
    elif kind == "release":
        intent.status = "canceled"
    else:
        intent.amount_refunded_cents += amount_cents
    intent.save()
