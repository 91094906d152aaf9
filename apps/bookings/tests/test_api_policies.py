"""The policy endpoints: each preview equals the action's outcome; actions are idempotent
per key; only the booking's participants see it (404 otherwise)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from apps.bookings.tests.conftest import NOW
from apps.bookings.tests.money import END, NET, PRICE, START, TOTAL, authorize, book, operations, statuses

pytestmark = pytest.mark.django_db
LATE = START - timedelta(hours=20)


def url(booking, action: str) -> str:
    return f"/api/v1/bookings/{booking.public_id}/{action}"


def test_cancellation_preview_then_cancel_once_per_key(client, scene, student) -> None:
    booking = authorize(book(scene, student), now=NOW)
    client.force_login(student)
    with time_machine.travel(LATE, tick=False):
        preview = client.get(url(booking, "cancellation")).json()
        assert preview == {
            "by": "student", "window": "late",
            "money": {
                "student_charge_cents": TOTAL, "credit_cents": PRICE, "credits_returned_cents": 0, "refund_cents": 0,
                "release_hold": False, "instructor_cents": None,
            },
            "message": "Your card is charged $100.80; you get $90 in credit (valid 365 days); the $10.80 booking fee is kept.",
        }  # fmt: skip
        first = client.post(
            url(booking, "cancellation"), {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="c1"
        )
        again = client.post(
            url(booking, "cancellation"), {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="c1"
        )
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (200, 200, "true")
    assert again.json() == first.json()
    assert first.json()["money"] == preview["money"]
    assert (first.json()["booking"]["status"], first.json()["booking"]["payment_status"]) == ("cancelled", "captured")
    assert operations() == [("capture", TOTAL, True)]


def test_the_instructor_sees_their_own_share(client, scene, student) -> None:
    booking = authorize(book(scene, student), now=NOW)
    client.force_login(scene.profile.user)
    with time_machine.travel(START - timedelta(hours=2), tick=False):
        money = client.get(url(booking, "cancellation")).json()["money"]
    assert (money["student_charge_cents"], money["instructor_cents"]) == (0, 0)  # an instructor's cancellation refunds


def test_strangers_get_404_and_nothing_changes(client, scene, student, other_student) -> None:
    booking = authorize(book(scene, student), now=NOW)
    client.force_login(other_student)
    with time_machine.travel(LATE, tick=False):
        assert client.get(url(booking, "cancellation")).status_code == 404
        assert client.post(url(booking, "cancellation"), {}, content_type="application/json").status_code == 404
        assert client.get(url(booking, "no-show")).status_code == 404
    assert statuses(booking) == ("confirmed", "authorized")


def test_reschedule_preview_and_a_late_move_locks_the_money(client, scene, student) -> None:
    booking = authorize(book(scene, student), now=NOW)
    client.force_login(student)
    target = (START + timedelta(days=1)).isoformat()
    with time_machine.travel(LATE, tick=False):
        preview = client.get(url(booking, "reschedule")).json()
        assert (preview["allowed"], preview["locks_money"], preview["charge_now_cents"]) == (True, True, TOTAL)
        moved = client.post(url(booking, "reschedule"), {"starts_at": target}, content_type="application/json")
    assert moved.status_code == 200
    assert (moved.json()["starts_at"], moved.json()["payment_status"]) == (target.replace("+00:00", "Z"), "locked")
    with time_machine.travel(START + timedelta(days=1) - timedelta(hours=20), tick=False):
        refused = client.get(url(booking, "reschedule")).json()  # a second late move: refused
    assert (refused["allowed"], refused["window"]) == (False, "late")


def test_no_show_report_and_dispute_through_the_api(client, scene, student) -> None:
    booking = authorize(book(scene, student), now=NOW)
    client.force_login(scene.profile.user)
    with time_machine.travel(END + timedelta(hours=1), tick=False):
        preview = client.get(url(booking, "no-show")).json()
        assert preview["absent"] == "student"
        assert preview["money"]["instructor_cents"] == NET
        reported = client.post(url(booking, "no-show"), {"note": "No answer"}, content_type="application/json")
    assert reported.status_code == 201
    assert (reported.json()["status"], reported.json()["booking"]["payment_status"]) == ("open", "manual_review")
    client.force_login(student)
    with time_machine.travel(END + timedelta(hours=3), tick=False):
        assert client.get(url(booking, "no-show/dispute")).json()["if_upheld"]["student_charge_cents"] == TOTAL
        disputed = client.post(
            url(booking, "no-show/dispute"), {"reason": "I was there"}, content_type="application/json"
        )
    assert (disputed.status_code, disputed.json()["status"]) == (200, "disputed")
    assert operations() == []


def test_the_instructor_marks_a_lesson_complete(client, scene, student) -> None:
    booking = authorize(book(scene, student), now=NOW)
    client.force_login(scene.profile.user)
    with time_machine.travel(END - timedelta(minutes=1), tick=False):
        assert client.post(url(booking, "complete")).status_code == 409
    with time_machine.travel(END, tick=False):
        done = client.post(url(booking, "complete"))
    assert (done.status_code, done.json()["status"]) == (200, "completed")
    client.force_login(student)
    assert client.post(url(booking, "complete")).status_code == 403
