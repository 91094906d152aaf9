from __future__ import annotations

import pytest

from apps.core.errors import NotFound, PermissionDenied, ValidationFailed
from apps.payments.models import PaymentMethod
from apps.payments.services import payment_method_add, payment_method_delete, payment_method_set_default

pytestmark = pytest.mark.django_db


def test_first_card_is_default_and_default_moves_on_delete(student) -> None:
    visa = payment_method_add(actor=student, card_token="4242424242424242")
    master = payment_method_add(actor=student, card_token="5555 5555 5555 4444")
    assert (visa.is_default, master.is_default) == (True, False)
    assert (master.brand, master.last4) == ("mastercard", "4444")
    payment_method_set_default(actor=student, payment_method_id=master.pk)
    assert list(PaymentMethod.objects.filter(is_default=True).values_list("pk", flat=True)) == [master.pk]
    payment_method_delete(actor=student, payment_method_id=master.pk)
    visa.refresh_from_db()
    assert visa.is_default


def test_same_request_key_saves_one_card(student) -> None:
    first = payment_method_add(actor=student, card_token="4242424242424242", request_key="abc")
    second = payment_method_add(actor=student, card_token="4242424242424242", request_key="abc")
    assert first.pk == second.pk
    assert PaymentMethod.objects.count() == 1


def test_a_request_key_reused_for_another_card_is_refused(student) -> None:
    first = payment_method_add(actor=student, card_token="4242424242424242", request_key="abc")
    with pytest.raises(ValidationFailed) as caught:
        payment_method_add(actor=student, card_token="5555555555554444", request_key="abc")
    assert caught.value.fields == {"card": ["This request key was already used for another card."]}
    assert list(PaymentMethod.objects.values_list("pk", flat=True)) == [first.pk]


def test_refused_cards_and_other_peoples_cards(student, other_student, instructor) -> None:
    with pytest.raises(ValidationFailed) as caught:
        payment_method_add(actor=student, card_token="1234")
    assert caught.value.fields == {"card": ["Use one of the test cards listed on this page (no real cards here)."]}
    with pytest.raises(PermissionDenied):
        payment_method_add(actor=instructor, card_token="4242424242424242")
    theirs = payment_method_add(actor=other_student, card_token="4242424242424242")
    with pytest.raises(NotFound):
        payment_method_delete(actor=student, payment_method_id=theirs.pk)
    with pytest.raises(NotFound):
        payment_method_set_default(actor=student, payment_method_id=theirs.pk)
    assert PaymentMethod.objects.filter(user=other_student).count() == 1
