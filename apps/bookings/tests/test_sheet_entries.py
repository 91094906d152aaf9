"""What a student types into the booking sheet: a new address, a new card, a child. Pressing
Book saves them and books in one go; any refusal brings the sheet back with every typed value
and the error under its field; a child is added without leaving the sheet, only into a
lesson that teaches their age group."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from apps.accounts.models import Address, Learner
from apps.bookings.models import Booking
from apps.bookings.tests.conftest import NOW, THURSDAY, local
from apps.payments.models import PaymentMethod

pytestmark = pytest.mark.django_db

STREET = "12 Fifth Ave"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def newcomer(scene, student):
    """The scene's student before they saved anything: no address, no card."""
    scene.address.delete()
    PaymentMethod.objects.filter(user=student).delete()
    return student


def url(scene) -> str:
    return f"/book/{scene.profile.slug}/"


def typed_sheet(**overrides: str) -> dict[str, str]:
    """A travel lesson on Thursday at 10:00 with a typed address and card, as posted by Book."""
    return {
        "service": "piano", "format": "travel", "duration": "60", "day": THURSDAY.isoformat(),
        "start": local(THURSDAY, 10).isoformat(), "learner": "", "idempotency_key": "render-1",
        "new_address-label": "Home", "new_address-street": STREET, "new_address-neighborhood": "park-slope",
        "new_card-card": "4242 4242 4242 4242", **overrides,
    }  # fmt: skip


def nothing_saved(student) -> bool:
    return not (
        Address.objects.filter(user=student).exists()
        or PaymentMethod.objects.filter(user=student).exists()
        or Learner.objects.filter(parent=student).exists()
        or Booking.objects.exists()
    )


def test_a_new_student_types_an_address_and_a_card_and_books(client, scene, newcomer) -> None:
    client.force_login(newcomer)
    page = client.get(url(scene), {"format": "travel"})
    html = page.content.decode()
    # The fields are there to type into, no "save" step first.
    assert 'name="new_address-street"' in html
    assert 'name="new_card-card"' in html
    assert "Save address" not in html
    assert "Save card" not in html

    response = client.post(url(scene), typed_sheet())
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/lessons/{booking.public_id}/"
    address = Address.objects.get(user=newcomer)
    card = PaymentMethod.objects.get(user=newcomer)
    assert (address.label, address.street, address.neighborhood.slug) == ("Home", STREET, "park-slope")
    assert (card.last4, card.is_default) == ("4242", True)
    assert (booking.location_text, booking.payment_method, booking.starts_at) == (
        f"{STREET} (Park Slope)", card, local(THURSDAY, 10)
    )  # fmt: skip


def test_a_refusal_keeps_every_typed_value_and_saves_nothing(client, scene, newcomer) -> None:
    client.force_login(newcomer)
    response = client.post(url(scene), typed_sheet(**{"new_address-neighborhood": "", "start": ""}))
    assert response.status_code == 422
    entries = response.context["entries"]
    assert entries.address.errors == {"neighborhood": ["Choose your neighborhood."]}
    assert response.context["errors"]["start"] == ["Pick a time for your lesson."]
    html = response.content.decode()
    assert f'value="{STREET}"' in html
    assert 'value="4242 4242 4242 4242"' in html
    assert "Check the choices marked below." in html
    assert nothing_saved(newcomer)


def test_a_refused_card_is_said_under_it_and_nothing_else_is_saved(client, scene, newcomer) -> None:
    client.force_login(newcomer)
    response = client.post(url(scene), typed_sheet(**{"new_card-card": "4000 0000 0000 0069"}))
    assert response.status_code == 422
    assert response.context["entries"].card.errors == {"card": ["This card has expired. Use another card."]}
    html = response.content.decode()
    assert 'value="4000 0000 0000 0069"' in html
    assert f'value="{STREET}"' in html
    assert 'value="park-slope" selected' in html
    assert nothing_saved(newcomer)


def test_a_booking_refused_after_the_saves_shows_them_chosen(client, scene, newcomer) -> None:
    """Astoria is outside the instructor's area: the typed address and card are kept (saved
    and chosen, their forms empty) and the reason is under the address."""
    client.force_login(newcomer)
    response = client.post(url(scene), typed_sheet(**{"new_address-neighborhood": "astoria"}))
    assert response.status_code == 422
    address = Address.objects.get(user=newcomer)
    card = PaymentMethod.objects.get(user=newcomer)
    sheet = response.context["sheet"]
    assert (sheet.choices.address, sheet.choices.payment_method) == (address.pk, card.pk)
    assert response.context["errors"]["address"] == [f"{scene.profile.display_name} doesn't travel to Astoria."]
    assert not response.context["entries"].address.is_bound
    assert not response.context["entries"].card.is_bound
    assert not Booking.objects.exists()


def test_a_double_submit_saves_and_books_once(client, scene, newcomer) -> None:
    client.force_login(newcomer)
    first = client.post(url(scene), typed_sheet())
    second = client.post(url(scene), typed_sheet())
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert (Booking.objects.count(), Address.objects.count(), PaymentMethod.objects.count()) == (1, 1, 1)


def test_without_an_address_or_card_the_sheet_says_what_to_add(client, scene, newcomer) -> None:
    client.force_login(newcomer)
    form = typed_sheet(**{"new_address-street": "", "new_address-neighborhood": "", "new_card-card": ""})
    response = client.post(url(scene), form)
    assert response.status_code == 422
    assert response.context["errors"]["address"] == ["Add or choose the address for this lesson."]
    assert nothing_saved(newcomer)


def test_a_typed_card_is_used_instead_of_the_saved_one(client, scene, student) -> None:
    client.force_login(student)
    form = typed_sheet(
        format="studio",
        payment_method=str(scene.card.pk),
        **{"new_address-street": "", "new_card-card": "5555555555554444"},
    )
    assert client.post(url(scene), form).status_code == 302
    assert Booking.objects.get().payment_method == PaymentMethod.objects.get(user=student, last4="4444")
    assert not Address.objects.exclude(pk=scene.address.pk).exists()  # studio: no address taken


# --- a child, added inside the sheet ---------------------------------------------------------


def add_child(**typed: str) -> dict[str, str]:
    return typed_sheet(
        format="studio", action="add_learner", **{"new_card-card": "", "new_address-street": "", **typed}
    )


def test_a_child_is_added_inside_the_sheet_and_chosen(client, scene, student) -> None:
    scene.offering.age_groups.add("kids")
    client.force_login(student)
    page = client.get(url(scene)).content.decode()
    assert '<option value="" selected>Choose an age group</option>' in page
    assert '<option value="kids">Kids, 5–12</option>' in page

    response = client.post(
        url(scene),
        add_child(**{"new_learner-first_name": "Mia", "new_learner-age_group": "kids"}),
        HTTP_HX_REQUEST="true",
    )
    mia = Learner.objects.get(parent=student)
    assert response.status_code == 200
    assert (mia.first_name, mia.age_group_id) == ("Mia", "kids")
    sheet = response.context["sheet"]
    assert sheet.choices.learner == mia.pk
    assert [(o.label, o.hint, o.selected) for o in sheet.learners] == [
        ("Me (Sam)", "", False), ("Mia", "Kids, 5–12", True)
    ]  # fmt: skip
    assert sheet.start_label == "Thu 3 Dec, 10:00 am"  # every other choice stays
    assert response.context["notice"] == "Mia is added to your family and chosen for this lesson."
    assert not response.context["entries"].learner.initial  # empty again, ready for another child

    booked = client.post(
        url(scene), typed_sheet(format="studio", learner=str(mia.pk), payment_method=str(scene.card.pk))
    )
    assert booked.status_code == 302
    assert Booking.objects.get().learner == mia


def test_a_child_needs_a_chosen_age_group(client, scene, student) -> None:
    scene.offering.age_groups.add("kids")
    client.force_login(student)
    response = client.post(url(scene), add_child(**{"new_learner-first_name": "Mia", "new_learner-age_group": ""}))
    assert response.status_code == 422
    assert response.context["entries"].learner.errors == {"age_group": ["Choose the learner's age group."]}
    assert 'value="Mia"' in response.content.decode()
    assert not Learner.objects.exists()


def test_a_child_the_lesson_does_not_teach_is_not_added(client, scene, student) -> None:
    """The scene teaches adults only: the fit rule is said under the age group, the typed card
    is still there, and no learner is saved."""
    client.force_login(student)
    typed = {"new_learner-first_name": "Mia", "new_learner-age_group": "kids", "new_card-card": "5555555555554444"}
    response = client.post(url(scene), add_child(**typed), HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert response.context["entries"].learner.errors == {
        "age_group": [
            f"{scene.profile.display_name} teaches piano to adults, not kids. Choose another learner or another lesson."
        ]
    }
    assert 'value="5555555555554444"' in response.content.decode()
    assert not Learner.objects.exists()


def test_a_child_typed_and_booked_in_one_go(client, scene, student) -> None:
    scene.offering.age_groups.add("teens")
    client.force_login(student)
    form = typed_sheet(
        format="studio", payment_method=str(scene.card.pk),
        **{"new_address-street": "", "new_card-card": "", "new_learner-first_name": "Leo", "new_learner-age_group": "teens"},
    )  # fmt: skip
    assert client.post(url(scene), form).status_code == 302
    assert Booking.objects.get().learner == Learner.objects.get(parent=student, first_name="Leo")


def test_the_stripe_sheet_sends_the_card_to_the_payment_element(client, scene, newcomer, localstripe) -> None:
    """With Stripe the card is typed in Stripe's Payment Element on the cards page (never in
    our form), which brings the student back to the sheet."""
    client.force_login(newcomer)
    html = client.get(url(scene), {"format": "travel"}).content.decode()
    assert 'name="new_card-card"' not in html
    assert 'href="/account/settings/cards/?next=/book/' in html
    assert 'name="new_address-street"' in html
