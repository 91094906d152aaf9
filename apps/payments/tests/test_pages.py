"""The cards page: list, add a test card, make one the default, remove; students only, and
nobody can touch someone else's card."""

from __future__ import annotations

import pytest

from apps.payments.models import PaymentMethod
from apps.payments.services import payment_method_add

pytestmark = pytest.mark.django_db
CARDS = "/account/settings/cards/"


def test_the_page_lists_cards_and_the_test_card_table(client, student) -> None:
    payment_method_add(actor=student, card_token="4242424242424242")
    client.force_login(student)
    response = client.get(CARDS)
    assert response.status_code == 200
    assert [(c.last4, c.is_default) for c in response.context["cards"]] == [("4242", True)]
    html = response.content.decode()
    assert "Visa •••• 4242" in html
    assert (
        '<td class="tabular">4000 0000 0000 0002</td><td>Visa</td><td>Declined when the lesson is authorized</td>'
        in html
    )
    assert '<a href="/account/settings/cards/" aria-current="page">Cards</a>' in html


def test_adding_a_test_card(client, student) -> None:
    client.force_login(student)
    response = client.post(CARDS, {"card": "4242 4242 4242 4242", "render_key": "k1"})
    assert response.status_code == 302
    assert response["Location"] == CARDS
    card = PaymentMethod.objects.get(user=student)
    assert (card.brand, card.last4, card.is_default) == ("visa", "4242", True)
    follow = client.get(CARDS)
    assert [m.message for m in follow.context["messages"]] == ["Visa •••• 4242 is saved."]
    # The same form sent twice saves one card.
    client.post(CARDS, {"card": "4242 4242 4242 4242", "render_key": "k1"})
    assert PaymentMethod.objects.filter(user=student).count() == 1


def test_a_real_or_unknown_number_is_refused(client, student) -> None:
    client.force_login(student)
    response = client.post(CARDS, {"card": "4111 1111 1111 1112", "render_key": "k1"})
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "card": ["Use one of the test cards listed on this page (no real cards here)."]
    }
    empty = client.post(CARDS, {"card": "", "render_key": "k2"})
    assert empty.status_code == 422
    assert empty.context["form"].errors == {"card": ["Enter a test card number."]}
    assert not PaymentMethod.objects.exists()


def test_make_default_and_remove(client, student) -> None:
    first = payment_method_add(actor=student, card_token="4242424242424242")
    second = payment_method_add(actor=student, card_token="5555555555554444")
    client.force_login(student)
    response = client.post(f"{CARDS}{second.pk}/default/")
    assert response.status_code == 302
    assert list(PaymentMethod.objects.filter(user=student, is_default=True)) == [second]

    response = client.post(f"{CARDS}{second.pk}/delete/")
    assert response.status_code == 302
    assert list(PaymentMethod.objects.filter(user=student)) == [first]
    first.refresh_from_db()
    assert first.is_default  # the remaining card takes over as the default
    assert [m.message for m in client.get(CARDS).context["messages"]] == [
        "Mastercard •••• 4444 is now your default card.",
        "Card removed.",
    ]


def test_someone_elses_card_is_not_found(client, student, other_student) -> None:
    theirs = payment_method_add(actor=other_student, card_token="4242424242424242")
    payment_method_add(actor=other_student, card_token="5555555555554444")
    client.force_login(student)
    assert client.post(f"{CARDS}{theirs.pk}/delete/").status_code == 404
    assert client.post(f"{CARDS}{theirs.pk}/default/").status_code == 404
    assert PaymentMethod.objects.filter(user=other_student).count() == 2
    theirs.refresh_from_db()
    assert theirs.is_default


def test_only_students_have_cards(client, instructor) -> None:
    client.force_login(instructor)
    assert client.get(CARDS).status_code == 404
    assert client.post(CARDS, {"card": "4242424242424242", "render_key": "k"}).status_code == 404
    assert not PaymentMethod.objects.exists()


def test_visitors_log_in_first(client) -> None:
    response = client.get(CARDS)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/account/settings/cards/"


def test_changing_cards_needs_a_post(client, student) -> None:
    card = payment_method_add(actor=student, card_token="4242424242424242")
    client.force_login(student)
    assert client.get(f"{CARDS}{card.pk}/delete/").status_code == 405
    assert PaymentMethod.objects.filter(pk=card.pk).exists()
