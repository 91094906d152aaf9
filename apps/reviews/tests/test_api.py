"""The review API: create, edit, reply, an instructor's public list with the rating summary,
my reviews and the review of a booking; every error in the JSON shape, others' bookings 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from apps.reviews.models import Review
from apps.reviews.services import review_hide
from apps.reviews.tests.conftest import NOW, lesson
from apps.reviews.tests.helpers import reviewed

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _url(booking) -> str:
    return f"/api/v1/bookings/{booking.public_id}/review"


def test_the_student_creates_edits_and_reads_a_review(client, student, teacher) -> None:
    booking = lesson(student, teacher)
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        before = client.get(_url(booking)).json()
        created = client.post(_url(booking), {"stars": 4, "text": "Patient teacher."}, content_type=JSON)
    assert before == {
        "review": None, "can_write": True, "write_until": "2026-12-30T17:00:00Z", "can_edit": False,
        "can_reply": False, "note": None,
    }  # fmt: skip
    assert created.status_code == 201
    review = Review.objects.get()
    assert created.json() == {
        "id": review.pk, "stars": 4, "text": "Patient teacher.", "author": "Sam S.", "for_child": False,
        "service_name": "Piano", "posted_at": "2026-12-01T17:00:00Z", "edited_at": None, "reply": None,
        "booking_id": str(booking.public_id), "instructor": "ines", "instructor_name": "Ines Instructor",
        "learner": None, "status": "visible", "editable_until": "2026-12-03T17:00:00Z",
    }  # fmt: skip
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        edited = client.patch(_url(booking), {"stars": 5, "text": "Patient, and fun."}, content_type=JSON)
        after = client.get(_url(booking)).json()
    assert edited.status_code == 200
    assert (edited.json()["stars"], edited.json()["text"], edited.json()["edited_at"]) == (
        5, "Patient, and fun.", "2026-12-01T22:00:00Z"
    )  # fmt: skip
    assert (after["review"]["stars"], after["can_write"], after["can_edit"]) == (5, False, True)
    assert after["note"] is None


def test_refusals_are_errors_in_the_json_shape_and_change_nothing(client, student, other_student, teacher) -> None:
    booking, old = lesson(student, teacher), lesson(student, teacher, ended=timedelta(days=31))
    client.force_login(other_student)
    with time_machine.travel(NOW, tick=False):
        assert client.post(_url(booking), {"stars": 5}, content_type=JSON).json() == {
            "error": {"code": "not_found", "message": "Booking not found.", "fields": {}}
        }
        assert client.get(_url(booking)).status_code == 404
    client.force_login(teacher.user)
    with time_machine.travel(NOW, tick=False):
        denied = client.post(_url(booking), {"stars": 5}, content_type=JSON)
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "permission_denied")
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        late = client.post(_url(old), {"stars": 5}, content_type=JSON)
        invalid = client.post(_url(booking), {"stars": 6, "text": "x" * 501}, content_type=JSON)
        closed = client.get(_url(old)).json()
    assert (late.status_code, late.json()["error"]["message"]) == (
        409, "Reviews are open for 30 days after the lesson; this one has closed."
    )  # fmt: skip
    assert invalid.status_code == 422
    assert sorted(invalid.json()["error"]["fields"]) == ["stars", "text"]
    assert (closed["can_write"], closed["note"]) == (False, late.json()["error"]["message"])
    assert not Review.objects.exists()
    with time_machine.travel(NOW, tick=False):
        client.post(_url(booking), {"stars": 3}, content_type=JSON)
        again = client.post(_url(booking), {"stars": 1}, content_type=JSON)
    with time_machine.travel(NOW + timedelta(hours=49), tick=False):
        stale = client.patch(_url(booking), {"stars": 1}, content_type=JSON)
    assert (again.status_code, stale.status_code) == (409, 409)
    assert list(Review.objects.values_list("stars", flat=True)) == [3]
    assert client.post(_url(booking), {"stars": 3}, content_type=JSON).status_code == 409
    client.logout()
    assert client.post(_url(booking), {"stars": 3}, content_type=JSON).status_code == 401


def test_the_instructor_replies_once(client, student, teacher) -> None:
    booking = lesson(student, teacher)
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        client.post(_url(booking), {"stars": 5, "text": "Wonderful first lesson."}, content_type=JSON)
        mine = client.post(f"{_url(booking)}/reply", {"text": "Thanks me"}, content_type=JSON)
    assert mine.status_code == 403
    client.force_login(teacher.user)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        panel = client.get(_url(booking)).json()
        empty = client.post(f"{_url(booking)}/reply", {"text": ""}, content_type=JSON)
        replied = client.post(f"{_url(booking)}/reply", {"text": "Thank you, Sam!"}, content_type=JSON)
        twice = client.post(f"{_url(booking)}/reply", {"text": "Again"}, content_type=JSON)
    assert (panel["can_reply"], panel["can_write"], panel["can_edit"]) == (True, False, False)
    assert empty.status_code == 422
    assert replied.status_code == 200
    assert replied.json()["reply"] == {"text": "Thank you, Sam!", "replied_at": "2026-12-01T19:00:00Z"}
    assert (twice.status_code, twice.json()["error"]["message"]) == (409, "You already replied to this review.")


def test_an_instructors_public_reviews_page_by_page(client, student, teacher, staff) -> None:
    reviews = reviewed(teacher, [5, 4, 5, 3, 5, 4, 2], now=NOW, text="Good lesson, thanks.")
    review_hide(actor=staff, review_id=reviews[-1].pk, reason="Spam", now=NOW)
    first = client.get(f"/api/v1/instructors/{teacher.pk}/reviews").json()
    assert first["rating"] == {
        "average": 4.33, "count": 6, "visible": True,
        "histogram": [{"stars": 5, "count": 3}, {"stars": 4, "count": 2}, {"stars": 3, "count": 1},
                      {"stars": 2, "count": 0}, {"stars": 1, "count": 0}],
    }  # fmt: skip
    assert (first["page"], first["pages"], len(first["items"])) == (1, 2, 5)
    # Newest first: the lessons were reviewed at one instant, so the latest id comes first.
    assert [item["id"] for item in first["items"]] == [r.pk for r in reversed(reviews[:-1])][:5]
    assert set(first["items"][0]) == {
        "id", "stars", "text", "author", "for_child", "service_name", "posted_at", "edited_at", "reply"
    }  # fmt: skip
    second = client.get(f"/api/v1/instructors/{teacher.pk}/reviews", {"page": 2}).json()
    assert [item["id"] for item in second["items"]] == [reviews[0].pk]
    assert client.get("/api/v1/instructors/999999/reviews").json()["error"]["code"] == "not_found"


def test_a_new_instructor_has_no_rating_yet(client, teacher) -> None:
    reviewed(teacher, [5, 5], now=NOW)
    body = client.get(f"/api/v1/instructors/{teacher.pk}/reviews").json()
    assert (body["rating"]["count"], body["rating"]["visible"], body["rating"]["average"]) == (2, False, 5.0)


def test_my_reviews_written_and_received(client, student, other_student, teacher) -> None:
    reviewed(teacher, [4], now=NOW, student=other_student)
    mine = reviewed(teacher, [5, 3], now=NOW, student=student)
    client.force_login(student)
    written = client.get("/api/v1/reviews/mine").json()
    assert (written["count"], [item["id"] for item in written["items"]]) == (2, [mine[1].pk, mine[0].pk])
    client.force_login(teacher.user)
    received = client.get("/api/v1/reviews/mine").json()
    assert received["count"] == 3
    assert client.get("/api/v1/reviews/mine").status_code == 200
    client.logout()
    assert client.get("/api/v1/reviews/mine").status_code == 401


def test_the_openapi_document_declares_every_review_error(client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    # Every operation also answers 400 (refused before it runs) and 429 (rate limits).
    expected = {
        ("/api/v1/bookings/{booking_id}/review", "post"): {"201", "400", "401", "403", "404", "409", "422", "429"},
        ("/api/v1/bookings/{booking_id}/review", "patch"): {"200", "400", "401", "403", "404", "409", "422", "429"},
        ("/api/v1/bookings/{booking_id}/review", "get"): {"200", "400", "401", "404", "422", "429"},
        ("/api/v1/bookings/{booking_id}/review/reply", "post"): {
            "200",
            "400",
            "401",
            "403",
            "404",
            "409",
            "422",
            "429",
        },
        ("/api/v1/instructors/{instructor_id}/reviews", "get"): {"200", "400", "404", "422", "429"},
        ("/api/v1/reviews/mine", "get"): {"200", "400", "401", "422", "429"},
    }
    assert {key: set(paths[key[0]][key[1]]["responses"]) for key in expected} == expected
