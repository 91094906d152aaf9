from __future__ import annotations

import pytest
import time_machine

from apps.bookings.models import Booking
from apps.bookings.tests.conftest import NOW, THURSDAY, local
from apps.core.models import IdempotencyKey

pytestmark = pytest.mark.django_db


def body(scene, **overrides) -> dict[str, object]:
    return {
        "instructor": scene.profile.slug, "service": "piano", "format": "studio", "duration_minutes": 60,
        "starts_at": local(THURSDAY, 10).isoformat(), "payment_method_id": scene.card.pk, **overrides,
    }  # fmt: skip


@time_machine.travel(NOW, tick=False)
def test_preview_shows_the_breakdown_and_creates_nothing(client, scene, student) -> None:
    client.force_login(student)
    response = client.post("/api/v1/bookings/preview", body(scene), content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {
        "price": {
            "hourly_rate_cents": 9000, "duration_minutes": 60, "lesson_price_cents": 9000, "booking_fee_cents": 1080,
            "credits_applied_cents": 0, "total_cents": 10080,
        },
        "location": f"{scene.profile.display_name}'s studio, Park Slope",
        "payment_note": "Nothing is charged now: your card is authorized the day before and charged after your lesson.",
    }  # fmt: skip
    assert not Booking.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_create_is_idempotent_per_key(client, scene, student) -> None:
    client.force_login(student)
    first = client.post("/api/v1/bookings", body(scene), content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201
    again = client.post("/api/v1/bookings", body(scene), content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1
    assert first.json()["payment_note"] == "Nothing is charged yet. Your card is authorized on Wed 2 Dec, 10:00 am."
    different = client.post(
        "/api/v1/bookings",
        body(scene, duration_minutes=30),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc",
    )
    assert different.status_code == 409
    assert Booking.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_refused_request_is_replayed_as_refused(client, scene, student) -> None:
    client.force_login(student)
    closed = body(scene, starts_at=local(THURSDAY, 20).isoformat())
    first = client.post("/api/v1/bookings", closed, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 409
    assert first.json()["error"]["code"] == "slot_unavailable"
    assert isinstance(first.json()["error"]["alternatives"], list)
    again = client.post("/api/v1/bookings", closed, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert (again.status_code, again.json()) == (409, first.json())
    assert IdempotencyKey.objects.get(key="k").response_status == 409
    assert not Booking.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_only_participants_see_a_booking(client, scene, student, other_student, instructor) -> None:
    client.force_login(student)
    created = client.post("/api/v1/bookings", body(scene), content_type="application/json").json()
    detail = client.get(f"/api/v1/bookings/{created['id']}").json()
    assert [e["kind"] for e in detail["events"]] == ["created"]
    assert detail["instructor_net_cents"] is None  # the student never sees the instructor's net
    assert [b["id"] for b in client.get("/api/v1/bookings").json()["items"]] == [created["id"]]
    assert client.get("/api/v1/bookings", {"when": "past"}).json()["items"] == []

    client.force_login(other_student)
    assert client.get(f"/api/v1/bookings/{created['id']}").status_code == 404
    assert client.get("/api/v1/bookings").json()["items"] == []
    client.force_login(instructor)  # an instructor who is not this booking's
    assert client.get(f"/api/v1/bookings/{created['id']}").status_code == 404

    client.force_login(scene.profile.user)
    mine = client.get(f"/api/v1/bookings/{created['id']}").json()
    assert mine["instructor_net_cents"] == 7650


@time_machine.travel(NOW, tick=False)
def test_money_operations_are_limited_to_five_a_minute(client, scene, student, settings) -> None:
    client.force_login(student)
    statuses = [
        client.post("/api/v1/bookings/preview", body(scene), content_type="application/json").status_code,
        *[
            client.post("/api/v1/bookings", body(scene, starts_at=local(THURSDAY, 9 + n).isoformat(), duration_minutes=30),
                        content_type="application/json").status_code
            for n in range(6)
        ],
    ]  # fmt: skip
    assert statuses == [200, 201, 201, 201, 201, 201, 429]
    assert Booking.objects.count() == 5


@time_machine.travel(NOW, tick=False)
def test_the_api_refuses_a_learner_the_offering_does_not_teach(client, scene, student) -> None:
    """Age fit (issue 15): the scene's piano is for adults; a kids learner gets a 422 naming
    the learner field, a teens learner once the offering teaches teens is booked."""
    from apps.accounts.tests.factories import LearnerFactory

    kid = LearnerFactory.create(parent=student, first_name="Mia", age_group_id="kids")
    teen = LearnerFactory.create(parent=student, first_name="Leo", age_group_id="teens")
    client.force_login(student)
    refused = client.post("/api/v1/bookings", body(scene, learner_id=kid.pk), content_type="application/json")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["fields"]["learner"] == [
        f"{scene.profile.display_name} teaches piano to adults, not kids. Choose another learner or another lesson."
    ]
    assert not Booking.objects.exists()
    scene.offering.age_groups.add("teens")
    booked = client.post("/api/v1/bookings", body(scene, learner_id=teen.pk), content_type="application/json")
    assert booked.status_code == 201
    assert Booking.objects.get().learner == teen
