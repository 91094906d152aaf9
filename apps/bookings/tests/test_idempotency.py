"""One request, one result: Idempotency-Key replays are the very bytes of the first answer;
changing a booking's card replays too; every lesson action form carries a key made when it
was rendered, so a double click shows the first result; and a key whose request died after
booking gives that booking back (never a second one)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.test import Client

from apps.accounts.models import User
from apps.bookings.api import BookingIn
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.bookings.tests.conftest import NOW, THURSDAY, Scene, local
from apps.bookings.tests.factories import make_booking
from apps.bookings.tests.money import START, TOTAL, authorize, book, intents, operations, statuses
from apps.core.idempotency import request_fingerprint
from apps.core.models import IdempotencyKey
from apps.payments.models import PaymentMethod
from apps.payments.services import payment_method_add

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db
SOON = NOW + timedelta(hours=3)  # Tue 1 Dec, 10:00 in New York: < 24 h away, authorized at once
LATE = START - timedelta(hours=20)  # 12–24 h before Thursday's lesson


def body(scene: Scene, **overrides: object) -> dict[str, object]:
    return {
        "instructor": scene.profile.slug, "service": "piano", "format": "studio", "duration_minutes": 60,
        "starts_at": local(THURSDAY, 10).isoformat(), "payment_method_id": scene.card.pk, **overrides,
    }  # fmt: skip


def post(client: Client, url: str, data: dict[str, object], key: str | None) -> Response:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, data, content_type="application/json", headers=headers)


# --- the API --------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_replayed_booking_is_the_very_bytes_of_the_first_answer(client: Client, scene: Scene, student: User) -> None:
    client.force_login(student)
    first = post(client, "/api/v1/bookings", body(scene), "abc")
    again = post(client, "/api/v1/bookings", body(scene), "abc")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.content == first.content
    # In the order the schema declares (jsonb would have stored them sorted by length).
    assert list(json.loads(first.content))[:4] == ["id", "instructor", "instructor_name", "student_name"]
    assert IdempotencyKey.objects.get(key="abc").response_body.encode() == first.content
    assert Booking.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_replayed_refusal_is_the_very_bytes_of_the_first_one(client: Client, scene: Scene, student: User) -> None:
    client.force_login(student)
    closed = body(scene, starts_at=local(THURSDAY, 20).isoformat())
    first = post(client, "/api/v1/bookings", closed, "k")
    again = post(client, "/api/v1/bookings", closed, "k")
    assert (first.status_code, again.status_code) == (409, 409)
    assert again.content == first.content
    assert list(first.json()["error"]) == ["code", "message", "fields", "alternatives"]
    assert not Booking.objects.exists()


def _declined_soon(scene: Scene, student: User) -> Booking:
    declined = payment_method_add(actor=student, card_token="4000000000000002")
    booking = book(scene, student, start=SOON, card=declined)
    assert statuses(booking) == (BookingStatus.PENDING, PaymentStatus.PAYMENT_METHOD_REQUIRED)
    return booking


@time_machine.travel(NOW, tick=False)
def test_changing_the_card_replays_the_first_result_instead_of_409(client: Client, scene: Scene, student: User) -> None:
    booking = _declined_soon(scene, student)
    client.force_login(student)
    url = f"/api/v1/bookings/{booking.public_id}/payment-method"
    first = post(client, url, {"payment_method_id": scene.card.pk}, "card-1")
    again = post(client, url, {"payment_method_id": scene.card.pk}, "card-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (200, 200, "true")
    assert again.content == first.content
    assert (first.json()["status"], first.json()["payment_status"]) == ("confirmed", "authorized")
    assert intents() == [(TOTAL, "declined"), (TOTAL, "authorized")]  # one new hold, not two
    without_key = post(client, url, {"payment_method_id": scene.card.pk}, None)
    assert without_key.status_code == 409
    assert without_key.json()["error"]["message"] == "The card for this lesson can no longer be changed."


@time_machine.travel(NOW, tick=False)
def test_a_retry_after_a_request_died_having_booked_returns_that_booking(
    client: Client, scene: Scene, student: User
) -> None:
    """The first request booked, then the database went away before its answer was stored:
    its claim is unfinished (and leased), its booking carries the key."""
    made = book(scene, student, request_key="died-after-booking")
    IdempotencyKey.objects.create(
        user=student, key="died-after-booking", scope="booking_create", request_hash=request_fingerprint(BookingIn.model_validate(body(scene)).model_dump(mode="json")),
        created_at=NOW, claim_token="dead", locked_until=NOW + timedelta(minutes=2),
    )  # fmt: skip
    client.force_login(student)
    retried = post(client, "/api/v1/bookings", body(scene), "died-after-booking")
    assert retried.status_code == 201
    assert retried.json()["id"] == str(made.public_id)
    assert Booking.objects.count() == 1
    replay = post(client, "/api/v1/bookings", body(scene), "died-after-booking")
    assert (replay.content, replay["Idempotent-Replayed"]) == (retried.content, "true")


@time_machine.travel(NOW, tick=False)
def test_a_retry_finishes_the_authorization_a_dead_request_never_made(
    client: Client, scene: Scene, student: User
) -> None:
    """Booked < 24 h ahead (pending), then the request died before authorizing the card."""
    made = make_booking(
        student=student, offering=scene.offering, starts_at=SOON, status=BookingStatus.PENDING, fmt="studio",
        payment_method=scene.card, request_key="died-before-paying",
    )  # fmt: skip
    client.force_login(student)
    retried = post(client, "/api/v1/bookings", body(scene, starts_at=SOON.isoformat()), "died-before-paying")
    assert retried.status_code == 201
    assert (retried.json()["id"], retried.json()["status"]) == (str(made.public_id), "confirmed")
    assert statuses(made) == (BookingStatus.CONFIRMED, PaymentStatus.AUTHORIZED)
    assert intents() == [(made.total_cents, "authorized")]
    assert Booking.objects.count() == 1


# --- the pages ------------------------------------------------------------------------------


def _form_key(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    key = str(page.context["idempotency_key"])
    assert f'name="idempotency_key" value="{key}"' in page.content.decode()
    return key


def _messages(client: Client, response: Response) -> list[str]:
    return [m.message for m in client.get(response["Location"]).context["messages"]]


def test_a_double_clicked_cancel_shows_the_first_result(client: Client, scene: Scene, student: User) -> None:
    booking = authorize(book(scene, student), now=NOW)
    client.force_login(student)
    url = f"/lessons/{booking.public_id}/cancel/"
    with time_machine.travel(LATE, tick=False):
        key = _form_key(client, url)
        first = client.post(url, {"text": "Sick", "idempotency_key": key})
        second = client.post(url, {"text": "Sick", "idempotency_key": key})
        said = _messages(client, second)
    assert (first.status_code, second.status_code) == (302, 302)
    assert second["Location"] == f"/lessons/{booking.public_id}/"
    assert said == [said[0]] * 2, said  # both submits say the same
    assert statuses(booking) == (BookingStatus.CANCELLED, PaymentStatus.CAPTURED)
    assert operations() == [("capture", TOTAL, True)]
    assert booking.events.filter(to_status=BookingStatus.CANCELLED).count() == 1


def test_a_double_clicked_reschedule_shows_the_move_not_a_409(client: Client, scene: Scene, student: User) -> None:
    booking = authorize(book(scene, student), now=NOW)
    client.force_login(student)
    url = f"/lessons/{booking.public_id}/reschedule/"
    new_start = (START + timedelta(days=1)).isoformat()
    with time_machine.travel(NOW, tick=False):
        key = _form_key(client, url)
        first = client.post(url, {"starts_at": new_start, "idempotency_key": key})
        second = client.post(url, {"starts_at": new_start, "idempotency_key": key})
        said = _messages(client, second)
    assert (first.status_code, second.status_code) == (302, 302)
    assert said == ["Lesson moved to Fri 4 Dec, 10:00 am.", "Lesson moved to Fri 4 Dec, 10:00 am."]
    booking.refresh_from_db()
    assert booking.starts_at == START + timedelta(days=1)
    assert booking.events.filter(kind="rescheduled").count() == 1


def test_a_form_sent_again_with_another_choice_is_refused_and_changes_nothing(
    client: Client, scene: Scene, student: User
) -> None:
    booking = authorize(book(scene, student), now=NOW)
    client.force_login(student)
    url = f"/lessons/{booking.public_id}/reschedule/"
    with time_machine.travel(NOW, tick=False):
        key = _form_key(client, url)
        client.post(url, {"starts_at": (START + timedelta(days=1)).isoformat(), "idempotency_key": key})
        other = client.post(url, {"starts_at": (START + timedelta(days=2)).isoformat(), "idempotency_key": key})
    assert other.status_code == 409
    assert other.context["error"].message == "This form was already sent. Check the lesson before you try again."
    booking.refresh_from_db()
    assert booking.starts_at == START + timedelta(days=1)


def test_a_double_clicked_refusal_is_said_again(client: Client, scene: Scene, student: User) -> None:
    booking = authorize(book(scene, student), now=NOW)
    client.force_login(student)
    url = f"/lessons/{booking.public_id}/reschedule/"
    closed = local(THURSDAY, 20).isoformat()
    with time_machine.travel(NOW, tick=False):
        key = _form_key(client, url)
        first = client.post(url, {"starts_at": closed, "idempotency_key": key})
        second = client.post(url, {"starts_at": closed, "idempotency_key": key})
    assert (first.status_code, second.status_code) == (409, 409)
    assert (
        first.context["error"].message
        == second.context["error"].message
        == ("That time isn't open. Pick another time.")
    )
    assert str(second.context["idempotency_key"]) != key  # the re-rendered form may try again
    assert statuses(booking) == (BookingStatus.CONFIRMED, PaymentStatus.AUTHORIZED)


@time_machine.travel(NOW, tick=False)
def test_a_double_clicked_card_change_authorizes_once_and_says_so_twice(
    client: Client, scene: Scene, student: User
) -> None:
    booking = _declined_soon(scene, student)
    client.force_login(student)
    key = str(client.get(f"/lessons/{booking.public_id}/").context["render_key"])
    url = f"/lessons/{booking.public_id}/card/"
    first = client.post(url, {"payment_method": scene.card.pk, "idempotency_key": key})
    second = client.post(url, {"payment_method": scene.card.pk, "idempotency_key": key})
    assert (first.status_code, second.status_code) == (302, 302)
    assert _messages(client, second) == ["Thanks! Your card is authorized for $100.80."] * 2
    assert statuses(booking) == (BookingStatus.CONFIRMED, PaymentStatus.AUTHORIZED)
    assert intents() == [(TOTAL, "declined"), (TOTAL, "authorized")]
    assert PaymentMethod.objects.get(pk=scene.card.pk) == Booking.objects.get().payment_method
