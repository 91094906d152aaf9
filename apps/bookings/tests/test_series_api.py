"""The weekly-series API: create (idempotent, partial conflicts in the answer, 409 when no
week is free), repeat a booked lesson, read, change the time from a date on, end; others get
404 and change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from apps.bookings.models import Booking, BookingSeries
from apps.bookings.tests.conftest import NOW, THURSDAY, local
from apps.bookings.tests.factories import make_booking
from apps.bookings.tests.money import book
from apps.bookings.tests.series_helpers import open_ten_weeks, snapshot, weekly

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("weeks_open")]
WEEK = timedelta(weeks=1)
JSON = "application/json"


@pytest.fixture
def weeks_open(scene):
    open_ten_weeks(scene)


def body(scene, **overrides) -> dict[str, object]:
    return {
        "instructor": scene.profile.slug, "service": "piano", "format": "studio", "duration_minutes": 60,
        "starts_at": local(THURSDAY, 10).isoformat(), "payment_method_id": scene.card.pk, "weeks": 6, **overrides,
    }  # fmt: skip


def thursday(n: int, hour: int = 10, minute: int = 0) -> str:
    return local(THURSDAY + n * WEEK, hour, minute).isoformat().replace("+00:00", "Z")


@time_machine.travel(NOW, tick=False)
def test_create_answers_the_booked_and_the_unbooked_weeks_and_replays_per_key(
    client, scene, student, other_student
) -> None:
    make_booking(student=other_student, offering=scene.offering, starts_at=local(THURSDAY + WEEK, 10), fmt="studio")
    client.force_login(student)
    first = client.post("/api/v1/series", body(scene), content_type=JSON, HTTP_IDEMPOTENCY_KEY="s-1")
    assert first.status_code == 201, first.content
    data = first.json()
    assert (data["weeks"], data["status"], data["timezone"], data["next_starts_at"]) == (
        6, "active", "America/New_York", thursday(4),
    )  # fmt: skip
    assert [(x["starts_at"], x["status"], x["payment_status"]) for x in data["lessons"]] == [
        (thursday(n), "confirmed", "scheduled") for n in (0, 2, 3)
    ]
    assert data["unbooked"] == [
        {
            "week": 1, "starts_at": thursday(1),
            "reason": "That time was just taken or is no longer open. Pick another time.",
            "alternatives": [thursday(1, 11, 15), thursday(1, 11, 30), thursday(1, 11, 45)],
        }
    ]  # fmt: skip
    again = client.post("/api/v1/series", body(scene), content_type=JSON, HTTP_IDEMPOTENCY_KEY="s-1")
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, data, "true")
    assert (BookingSeries.objects.count(), Booking.objects.filter(series__isnull=False).count()) == (1, 3)


@time_machine.travel(NOW, tick=False)
def test_no_free_week_is_409_with_every_week_and_nothing_is_created(client, scene, student) -> None:
    client.force_login(student)
    closed = body(scene, starts_at=local(THURSDAY, 20).isoformat(), weeks=2)  # 8 pm: never open
    before = snapshot()
    response = client.post("/api/v1/series", closed, content_type=JSON)
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], [w["week"] for w in error["unbooked"]]) == ("series_unavailable", [0, 1])
    # The error's instants are written as the booking endpoint's "alternatives" are (with +00:00).
    assert error["alternatives"] == [local(THURSDAY, h, m).isoformat() for h, m in ((15, 30), (15, 45), (16, 0))]
    assert snapshot() == before


@pytest.mark.parametrize(("weeks", "status"), [(1, 422), (17, 422), ("4", 422)])
@time_machine.travel(NOW, tick=False)
def test_invalid_weeks_are_422(client, scene, student, weeks, status) -> None:
    client.force_login(student)
    before = snapshot()
    response = client.post("/api/v1/series", body(scene, weeks=weeks), content_type=JSON)
    assert response.status_code == status
    assert snapshot() == before


@time_machine.travel(NOW, tick=False)
def test_repeat_a_booked_lesson(client, scene, student) -> None:
    booking = book(scene, student, start=local(THURSDAY, 10))
    client.force_login(student)
    response = client.post(f"/api/v1/bookings/{booking.public_id}/series", {"weeks": 3}, content_type=JSON)
    assert response.status_code == 201, response.content
    assert response.json()["lessons"][0]["id"] == str(booking.public_id)
    assert [x["starts_at"] for x in response.json()["lessons"]] == [thursday(n) for n in range(3)]


@time_machine.travel(NOW, tick=False)
def test_only_participants_see_a_series_and_others_change_nothing(client, scene, student, other_student) -> None:
    series = weekly(scene, student, local(THURSDAY, 10), 4).series
    booking = Booking.objects.get(series=series, series_week=0)
    client.force_login(other_student)
    before = snapshot()
    assert client.get(f"/api/v1/series/{series.public_id}").status_code == 404
    assert client.post(f"/api/v1/series/{series.public_id}/end", content_type=JSON).status_code == 404
    change = {"from_date": "2026-12-14", "weekday": 2, "local_time": "15:00"}
    assert client.post(f"/api/v1/series/{series.public_id}/change", change, content_type=JSON).status_code == 404
    assert (
        client.post(f"/api/v1/bookings/{booking.public_id}/series", {"weeks": 3}, content_type=JSON).status_code == 404
    )
    assert client.get("/api/v1/series").json() == []
    # The instructor sees it and may end it, but not change its time.
    client.force_login(scene.profile.user)
    assert client.get(f"/api/v1/series/{series.public_id}").status_code == 200
    refused = client.post(f"/api/v1/series/{series.public_id}/change", change, content_type=JSON)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "permission_denied")
    assert snapshot() == before


@time_machine.travel(NOW, tick=False)
def test_change_and_end(client, scene, student) -> None:
    series = weekly(scene, student, local(THURSDAY, 10), 4).series
    client.force_login(student)
    change = {"from_date": "2026-12-14", "weekday": 2, "local_time": "15:00"}
    changed = client.post(f"/api/v1/series/{series.public_id}/change", change, content_type=JSON)
    assert changed.status_code == 200, changed.content
    wednesday = [local(date(2026, 12, 16) + n * WEEK, 15).isoformat().replace("+00:00", "Z") for n in range(2)]
    assert [x["starts_at"] for x in changed.json()["moved"]] == wednesday
    assert changed.json()["conflicts"] == []
    bad = client.post(f"/api/v1/series/{series.public_id}/change", {**change, "local_time": "15:10"}, content_type=JSON)
    assert bad.status_code == 422
    ended = client.post(f"/api/v1/series/{series.public_id}/end", content_type=JSON, HTTP_IDEMPOTENCY_KEY="e-1")
    assert ended.status_code == 200
    assert (ended.json()["series"]["status"], len(ended.json()["cancelled"]), ended.json()["kept"]) == ("ended", 4, [])
    again = client.post(f"/api/v1/series/{series.public_id}/end", content_type=JSON, HTTP_IDEMPOTENCY_KEY="e-1")
    assert (again.status_code, again.json()) == (200, ended.json())
    twice = client.post(f"/api/v1/series/{series.public_id}/end", content_type=JSON)
    assert (twice.status_code, twice.json()["error"]["message"]) == (409, "This weekly lesson has already ended.")


@time_machine.travel(NOW, tick=False)
def test_a_series_spends_one_money_operation_whatever_its_weeks(client, scene, student) -> None:
    """Booking four weeks, then ending them (four cancellations), is two of the five a minute."""
    client.force_login(student)
    created = client.post("/api/v1/series", body(scene, weeks=4), content_type=JSON)
    assert created.status_code == 201
    series = created.json()["id"]
    assert client.post(f"/api/v1/series/{series}/end", content_type=JSON).status_code == 200
    one_offs = [
        client.post("/api/v1/bookings", {k: v for k, v in body(scene, starts_at=local(THURSDAY, 9 + 2 * n).isoformat()).items() if k != "weeks"},
                    content_type=JSON).status_code
        for n in range(4)
    ]  # fmt: skip
    assert one_offs == [201, 201, 201, 429]
    assert Booking.objects.filter(series__isnull=True).count() == 3
