"""The payment provider's side of the money tests, for either gateway: cards that behave a
given way, the card holder's bank changing its mind, and what the provider recorded (holds,
captures, releases, refunds, transfers). Tests written against a `Bank` run unchanged with
the LocalGateway and with StripeGateway against localstripe.

Card behaviours: `succeeds`; `declined` (saved fine, every authorization declined);
`capture_fails` (authorizes, every capture declined); `requires_action` (the bank wants the
holder to confirm each payment: 3-D Secure)."""

from __future__ import annotations

import re
import uuid
from typing import Protocol

from apps.accounts.models import User
from apps.instructors.models import InstructorProfile
from apps.payments.models import LocalCard, LocalIntent, LocalOperation, LocalTransfer, PaymentMethod
from apps.payments.services import payment_method_add, payment_method_setup_start
from tests.stripe_emulator import LocalStripe


class Bank(Protocol):
    name: str

    def card(self, student: User, behaviour: str = "succeeds") -> PaymentMethod: ...

    def approve(self, card: PaymentMethod) -> None:
        """From now on the bank approves this card's charges."""
        ...

    def connect(self, profile: InstructorProfile) -> None:
        """The instructor has a payout account that can receive transfers."""
        ...

    def intents(self) -> list[tuple[int, str]]:
        """(amount, status) of every authorization, oldest first; status is one of
        authorized, captured, declined, canceled, requires_action."""
        ...

    def operations(self) -> list[tuple[str, int, bool]]:
        """(capture|release|refund, amount, succeeded) for every call, in order."""
        ...

    def transfers(self) -> list[int]: ...

    def reversals(self) -> list[int]:
        """The amount taken back from each transfer that was reversed, in transfer order."""
        ...


LOCAL_NUMBERS = {
    "succeeds": "4242424242424242",
    "declined": "4000000000009995",
    "capture_fails": "4000000000000341",
    "requires_action": "4000002500003155",
}


class LocalBank:
    name = "local"

    def card(self, student: User, behaviour: str = "succeeds") -> PaymentMethod:
        return payment_method_add(actor=student, card_token=LOCAL_NUMBERS[behaviour])

    def approve(self, card: PaymentMethod) -> None:
        LocalCard.objects.filter(card_id=card.provider_id).update(behavior="succeeds")

    def connect(self, profile: InstructorProfile) -> None:
        """Staff connected it by hand (the factories' live instructors): local transfers need
        no provider account."""

    def intents(self) -> list[tuple[int, str]]:
        return list(LocalIntent.objects.order_by("id").values_list("amount_cents", "status"))

    def operations(self) -> list[tuple[str, int, bool]]:
        return list(LocalOperation.objects.order_by("id").values_list("kind", "amount_cents", "succeeded"))

    def transfers(self) -> list[int]:
        return list(LocalTransfer.objects.order_by("id").values_list("amount_cents", flat=True))

    def reversals(self) -> list[int]:
        reversed_ = LocalTransfer.objects.filter(amount_reversed_cents__gt=0).order_by("id")
        return list(reversed_.values_list("amount_reversed_cents", flat=True))


# Stripe's test cards as localstripe knows them; the bank hooks give the rest.
STRIPE_NUMBERS = {
    "succeeds": "4242424242424242",
    "declined": "4000000000000341",  # attaches, every charge declined
    "capture_fails": "4242424242424242",
    "requires_action": "4000002500003155",
}
STRIPE_STATUSES = {
    "requires_capture": "authorized",
    "succeeded": "captured",
    "requires_payment_method": "declined",
    "canceled": "canceled",
    "requires_action": "requires_action",
}


class StripeBank:
    name = "stripe"

    def __init__(self, emulator: LocalStripe) -> None:
        self.emulator = emulator

    def card(self, student: User, behaviour: str = "succeeds") -> PaymentMethod:
        """Saved the way the cards page does it: a SetupIntent confirmed by the Payment
        Element in the browser, then posted to us."""
        key = uuid.uuid4().hex
        secret = payment_method_setup_start(actor=student, request_key=key)
        token = self.emulator.card_form(secret, STRIPE_NUMBERS[behaviour])
        method = payment_method_add(actor=student, card_token=token, request_key=key)
        if behaviour == "capture_fails":
            self.emulator.call(f"/_test/payment_methods/{method.provider_id}", capture="decline")
        return method

    def approve(self, card: PaymentMethod) -> None:
        self.emulator.call(f"/_test/payment_methods/{card.provider_id}", charge="approve")

    def connect(self, profile: InstructorProfile) -> None:
        from apps.payments.payout_accounts import payout_account_refresh, payout_account_start

        url = payout_account_start(actor=profile.user, refresh_url="https://x.test/r", return_url="https://x.test/ok")
        found = re.search(r"(acct_\w+)", url)
        assert found is not None
        self.emulator.call(f"/_test/accounts/{found[1]}", state="complete")  # Stripe's form, filled in
        payout_account_refresh(actor=profile.user, now=profile.created_at)

    def intents(self) -> list[tuple[int, str]]:
        from apps.payments.stripe_gateway import StripeGateway

        found = StripeGateway.configured().v1.payment_intents.list(params={"limit": 100}).data
        return [(int(intent.amount), STRIPE_STATUSES[intent.status]) for intent in found]

    def operations(self) -> list[tuple[str, int, bool]]:
        done: list[tuple[str, int, bool]] = []
        for row in self.emulator.requests():
            ok, params = row["status"] < 300, row["params"]
            if row["path"].endswith("/capture"):
                done.append(("capture", int(params["amount_to_capture"]), ok))
            elif row["path"].startswith("/v1/payment_intents/") and row["path"].endswith("/cancel"):
                done.append(("release", 0, ok))
            elif row["path"] == "/v1/refunds":
                done.append(("refund", int(params["amount"]), ok))
        return done

    def transfers(self) -> list[int]:
        return [
            int(row["params"]["amount"])
            for row in self.emulator.requests()
            if row["path"] == "/v1/transfers" and row["status"] < 300
        ]

    def reversals(self) -> list[int]:
        return [
            int(row["params"]["amount"])
            for row in self.emulator.requests()
            if row["path"].startswith("/v1/transfers/") and row["path"].endswith("/reversals") and row["status"] < 300
        ]
