"""Lesson start instants in booking requests: an ISO 8601 date and time with its UTC offset.
A time without one names no instant (the preview crashed comparing it with now: TypeError)."""

from __future__ import annotations

import pytest
import time_machine

from apps.bookings.models import Booking
from apps.bookings.tests.conftest import NOW, THURSDAY, local
from apps.bookings.tests.factories import make_booking

pytestmark = pytest.mark.django_db

OFFSET = "Value error, Add the UTC offset (e.g. -04:00 or Z): a time without one names no instant."
ISO = "Value error, Use an ISO 8601 date and time with its UTC offset, e.g. 2026-06-02T16:00:00-04:00."


def body(scene, starts_at: object) -> dict[str, object]:
    return {
        "instructor": scene.profile.slug, "service": "piano", "format": "studio", "duration_minutes": 60,
        "starts_at": starts_at, "payment_method_id": scene.card.pk,
    }  # fmt: skip


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("2026-12-03T10:00:00", OFFSET),
        ("2026-12-03T10:00", ISO),
        ("2026-12-03", ISO),
        (1796306400, ISO),
        ("9999-12-31T23:00:00Z", "Value error, Use a date between 2000-01-01 and 2099-12-31."),
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/bookings/preview", "/api/v1/bookings"])
def test_a_start_needs_an_iso_instant_with_its_offset(client, scene, student, url, starts_at, message) -> None:
    client.force_login(student)
    response = client.post(url, body(scene, starts_at), content_type="application/json")
    assert (response.status_code, response.json()["error"]["fields"]) == (422, {"starts_at": [message]})
    assert not Booking.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_an_offset_in_any_form_names_the_same_instant(client, scene, student) -> None:
    client.force_login(student)
    ten_am = local(THURSDAY, 10)  # 15:00 UTC
    for written in ("2026-12-03T15:00:00Z", "2026-12-03t15:00:00z", "2026-12-03T10:00:00-05:00"):
        preview = client.post("/api/v1/bookings/preview", body(scene, written), content_type="application/json")
        assert (preview.status_code, preview.json()["price"]["total_cents"]) == (200, 10080), written
    created = client.post("/api/v1/bookings", body(scene, "2026-12-03T10:00:00-05:00"), content_type="application/json")
    assert created.status_code == 201
    assert Booking.objects.get().starts_at == ten_am


@time_machine.travel(NOW, tick=False)
def test_reschedule_needs_the_offset_too(client, scene, student) -> None:
    booking = make_booking(student=student, offering=scene.offering, starts_at=local(THURSDAY, 10))
    client.force_login(student)
    response = client.post(
        f"/api/v1/bookings/{booking.public_id}/reschedule",
        {"starts_at": "2026-12-03T12:00:00"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["fields"]) == (422, {"starts_at": [OFFSET]})
    booking.refresh_from_db()
    assert booking.starts_at == local(THURSDAY, 10)
