"""Card entry: Stripe's Payment Element when the Stripe keys are set (its script allowed by
the page's security policy only then), the local gateway's test-card form otherwise. The
browser's part with Stripe (the Payment Element confirming the SetupIntent) is played by
calling localstripe as Stripe.js would."""

from __future__ import annotations

import pytest

from apps.payments.models import PaymentMethod

pytestmark = pytest.mark.django_db
CARDS = "/account/settings/cards/"


def secret_on(page: str) -> str:
    return page.split('data-client-secret="')[1].split('"')[0]


def test_with_stripe_the_cards_page_saves_the_card_the_payment_element_set_up(client, student, localstripe) -> None:
    client.force_login(student)
    page = client.get(CARDS + "?next=/lessons/")
    html = page.content.decode()
    assert 'id="payment-element"' in html
    assert "https://js.stripe.com/v3/" in html
    assert 'name="card"' not in html  # no test-card form
    policy = page["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com" in policy
    assert "connect-src 'self' https://api.stripe.com" in policy
    token = localstripe.card_form(secret_on(html), "5555555555554444")
    saved = client.post(CARDS, {"setup_intent": token, "next": "/lessons/"})
    assert (saved.status_code, saved["Location"]) == (302, "/lessons/")
    card = PaymentMethod.objects.get(user=student)
    assert (card.provider, card.provider_id[:3], card.last4, card.is_default) == ("stripe", "pm_", "4444", True)


def test_a_setup_intent_of_another_customer_is_refused(client, student, other_student, localstripe) -> None:
    client.force_login(other_student)
    theirs = localstripe.card_form(secret_on(client.get(CARDS).content.decode()), "4242424242424242")
    client.force_login(student)
    client.get(CARDS)
    refused = client.post(CARDS, {"setup_intent": theirs, "next": "https://evil.example/"})
    assert refused.status_code == 422
    assert "This card was set up for another account." in refused.content.decode()
    assert PaymentMethod.objects.filter(user=student).count() == 0


def test_saving_does_not_redirect_off_site(client, student, localstripe) -> None:
    client.force_login(student)
    token = localstripe.card_form(secret_on(client.get(CARDS).content.decode()), "4242424242424242")
    saved = client.post(CARDS, {"setup_intent": token, "next": "https://evil.example/"})
    assert saved["Location"] == CARDS


def test_without_stripe_keys_the_test_card_form_and_the_sites_policy(client, student) -> None:
    client.force_login(student)
    page = client.get(CARDS)
    html = page.content.decode()
    assert 'name="card"' in html
    assert "payment-element" not in html
    assert "js.stripe.com" not in html
    assert "stripe" not in page["Content-Security-Policy"]


def test_api_clients_get_a_setup_secret_and_save_the_confirmed_card(client, student, localstripe) -> None:
    client.force_login(student)
    secret = client.post("/api/v1/me/payment-methods/setup").json()["client_secret"]
    token = localstripe.card_form(secret, "4242424242424242")
    saved = client.post("/api/v1/me/payment-methods", {"card_number": token}, content_type="application/json")
    assert (saved.status_code, saved.json()["last4"], saved.json()["is_default"]) == (201, "4242", True)
