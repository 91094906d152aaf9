"""A card whose bank wants the holder to confirm the payment (3-D Secure) leads the student to
a confirmation step instead of failing — with the LocalGateway's test bank and with Stripe
(localstripe; the browser's Stripe.js step is played by calling the emulator as Stripe.js
would)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.bookings.models import Booking
from apps.bookings.tests.bank import Bank, LocalBank, StripeBank
from apps.bookings.tests.conftest import NOW, local
from apps.bookings.tests.money import TOTAL, book
from apps.notifications.models import Notification
from apps.payments.models import PaymentAction

pytestmark = pytest.mark.django_db
SOON = local(NOW.date(), 14)  # 7 h ahead: the card is authorized at checkout


@pytest.fixture(params=["local", "stripe"])
def bank(request: pytest.FixtureRequest) -> Bank:
    return StripeBank(request.getfixturevalue("localstripe")) if request.param == "stripe" else LocalBank()


def page(booking: Booking) -> str:
    return f"/lessons/{booking.public_id}/confirm-payment/"


def bank_answers(bank: Bank, client: Client, booking: Booking, *, approve: bool):
    """The student opens the step, answers the bank's challenge and comes back."""
    opened = client.get(page(booking))
    assert opened.status_code == 200
    if isinstance(bank, StripeBank):
        form = opened.content.decode()
        secret = form.split('data-client-secret="')[1].split('"')[0]
        intent = secret.split("_secret_")[0]
        bank.emulator.call(
            f"/v1/payment_intents/{intent}/_authenticate",
            client_secret=secret,
            success=str(approve).lower(),
            key="pk_test_x",
        )  # what Stripe.js handleNextAction does with the holder's answer
        return client.post(page(booking))
    return client.post(page(booking), {"answer": "approve" if approve else "refuse"})


def test_booking_waits_for_the_bank_then_is_confirmed(client, scene, student, bank) -> None:
    card = bank.card(student, "requires_action")
    booking = book(scene, student, start=SOON, card=card)
    assert (booking.status, booking.payment_status) == ("pending", "payment_method_required")
    action = PaymentAction.objects.get(booking=booking)
    assert Notification.objects.filter(user=student, kind="payment_action_required").count() == 1
    assert Notification.objects.filter(user=student, kind="authorization_failed").count() == 0
    client.force_login(student)
    detail = client.get(f"/lessons/{booking.public_id}/").content.decode()
    assert page(booking) in detail

    response = bank_answers(bank, client, booking, approve=True)
    assert response.status_code == 302
    booking.refresh_from_db()
    action.refresh_from_db()
    assert (booking.status, booking.payment_status, booking.payment_intent_id) == (
        "confirmed",
        "authorized",
        action.intent_id,
    )
    assert action.outcome == "authorized"
    assert bank.intents() == [(TOTAL, "authorized")]
    assert Notification.objects.filter(kind="booking_confirmed").count() == 2  # student and instructor
    assert client.get(page(booking)).status_code == 302  # nothing left to confirm


def test_refused_by_the_holder_the_lesson_still_needs_a_card(client, scene, student, bank) -> None:
    booking = book(scene, student, start=SOON, card=bank.card(student, "requires_action"))
    client.force_login(student)
    bank_answers(bank, client, booking, approve=False)
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status, booking.payment_intent_id) == (
        "pending",
        "payment_method_required",
        "",
    )
    refused = {"local": "authentication_failed", "stripe": "payment_intent_authentication_failure"}[bank.name]
    assert PaymentAction.objects.get(booking=booking).outcome == refused
    assert bank.intents() == [(TOTAL, "declined")]


def test_someone_elses_confirmation_step_is_not_found(client, scene, student, other_student, bank) -> None:
    booking = book(scene, student, start=SOON, card=bank.card(student, "requires_action"))
    client.force_login(other_student)
    assert client.get(page(booking)).status_code == 404
    assert client.post(page(booking), {"answer": "approve"}).status_code == 404
    booking.refresh_from_db()
    assert booking.payment_status == "payment_method_required"


def test_stripe_js_is_allowed_on_the_step_only_with_stripe(client, scene, student, bank) -> None:
    booking = book(scene, student, start=SOON, card=bank.card(student, "requires_action"))
    client.force_login(student)
    policy = client.get(page(booking))["Content-Security-Policy"]
    lessons = client.get("/lessons/")["Content-Security-Policy"]
    if isinstance(bank, StripeBank):
        assert "script-src 'self' https://js.stripe.com" in policy
        assert "frame-src 'self' https://js.stripe.com https://hooks.stripe.com" in policy
    else:
        assert "stripe" not in policy
    assert "stripe" not in lessons
