"""Saving teachers: the button's form (with and without HTMX, visitors sent to log in and
back), "My teachers" with next open times and "Book again" in a fixed number of queries,
and the JSON API. Everyone who may not save changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import User
from apps.bookings.states import BookingStatus
from apps.bookings.tests.factories import make_booking
from apps.favorites.models import Favorite
from apps.favorites.selectors import saved_teacher_list
from apps.favorites.tests.conftest import make_teacher
from apps.instructors.models import InstructorProfile
from apps.instructors.states import ProfileStatus

pytestmark = pytest.mark.django_db
SAVE_URL = "/instructors/ines/save/"


def _pairs() -> list[tuple[int, int]]:
    return list(Favorite.objects.order_by("pk").values_list("student_id", "instructor_id"))


def test_saving_and_removing_from_a_search_page_without_javascript(client, student: User, teacher) -> None:
    client.force_login(student)
    back = "/search/?q=piano"
    response = client.post(SAVE_URL, {"action": "save", "next": back})
    assert (response.status_code, response["Location"]) == (302, back)
    assert _pairs() == [(student.pk, teacher.pk)]
    # A double tap says "save" twice: still one row.
    client.post(SAVE_URL, {"action": "save", "next": back})
    assert _pairs() == [(student.pk, teacher.pk)]
    response = client.post(SAVE_URL, {"action": "remove", "next": "https://evil.example/phish"})
    assert (response.status_code, response["Location"]) == (302, "/instructors/ines/")  # off-site next ignored
    assert _pairs() == []
    assert client.post(SAVE_URL, {"action": "remove"}).status_code == 302  # removing again is a no-op
    assert _pairs() == []


def test_htmx_swaps_only_the_button(client, student: User, teacher) -> None:
    client.force_login(student)
    response = client.post(SAVE_URL, {"action": "save", "next": "/instructors/ines/"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="action" value="remove"' in html
    assert 'Saved<span class="visually-hidden"> Ines Instructor: remove from My teachers</span>' in html
    assert 'name="next" value="/instructors/ines/"' in html
    assert "csrfmiddlewaretoken" in html
    assert _pairs() == [(student.pk, teacher.pk)]


def test_the_profile_shows_the_button_in_the_state_saved(client, student: User, teacher) -> None:
    client.force_login(student)
    assert 'value="save"' in client.get("/instructors/ines/").content.decode()
    Favorite.objects.create(student=student, instructor=teacher, created_at=timezone.now())
    html = client.get("/instructors/ines/").content.decode()
    assert 'value="remove"' in html
    assert "♥" in html


def test_a_cached_category_page_shows_each_viewer_their_own_hearts(
    client, student: User, other_student: User, teacher
) -> None:
    """The category page is rendered once per minute for everyone (apps/core/public_cache.py);
    the hearts on its cards are filled per request: saved or not, this viewer's CSRF token and
    the page to come back to."""
    Favorite.objects.create(student=student, instructor=teacher, created_at=timezone.now())
    visitor_html = client.get("/learn/music/").content.decode()  # renders and caches the page
    assert 'href="/accounts/login/?next=/learn/music/"' in visitor_html
    assert "csrfmiddlewaretoken" not in visitor_html
    assert "save-button:" not in visitor_html

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(student)
    html = browser.get("/learn/music/").content.decode()  # the page the visitor's view cached
    assert html.count('name="action" value="remove"') == 1
    assert "♥" in html
    assert 'name="next" value="/learn/music/"' in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    form = {"csrfmiddlewaretoken": token[1], "action": "remove", "next": "/learn/music/"}
    assert browser.post(SAVE_URL, form).status_code == 302  # the filled-in token is this viewer's
    assert _pairs() == []

    partial = browser.get("/learn/music/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results").content.decode()
    assert 'name="action" value="save"' in partial
    assert "<html" not in partial

    client.force_login(other_student)
    html = client.get("/learn/music/").content.decode()
    assert 'name="action" value="save"' in html
    assert 'value="remove"' not in html


def test_visitors_are_sent_to_log_in_and_come_back(client, teacher) -> None:
    html = client.get("/instructors/ines/").content.decode()
    assert 'href="/accounts/login/?next=/instructors/ines/"' in html
    response = client.post(SAVE_URL, {"action": "save"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert _pairs() == []


def test_after_logging_in_the_buttons_address_leads_to_the_profile(client, student: User, teacher) -> None:
    client.force_login(student)
    response = client.get(SAVE_URL)
    assert (response.status_code, response["Location"]) == (302, "/instructors/ines/")
    assert _pairs() == []


@pytest.mark.parametrize("body", [{"action": "toggle"}, {}])
def test_an_unknown_action_changes_nothing(client, student: User, teacher, body: dict[str, str]) -> None:
    client.force_login(student)
    assert client.post(SAVE_URL, body).status_code == 422
    assert _pairs() == []


def test_instructors_and_unlisted_teachers_are_refused(client, student: User, instructor: User, teacher) -> None:
    client.force_login(instructor)
    assert client.post(SAVE_URL, {"action": "save"}).status_code == 404
    assert client.get("/my-teachers/").status_code == 404
    assert "save-form" not in client.get("/instructors/ines/").content.decode()
    client.force_login(student)
    InstructorProfile.objects.filter(pk=teacher.pk).update(status=ProfileStatus.SUSPENDED)
    assert client.post(SAVE_URL, {"action": "save"}).status_code == 404
    assert _pairs() == []


def test_my_teachers_lists_next_open_times_and_book_again(client, student: User, teacher) -> None:
    never_booked = make_teacher("oscar", "Oscar Other")
    now = timezone.now()
    # The last lesson with Ines was a 90-minute online one: the times and "Book again" follow it.
    make_booking(
        student=student, offering=teacher.offerings.get(), starts_at=now - timedelta(days=9), fmt="studio",
        status=BookingStatus.COMPLETED,
    )  # fmt: skip
    make_booking(
        student=student, offering=teacher.offerings.get(), starts_at=now - timedelta(days=2), fmt="online",
        duration_minutes=90, status=BookingStatus.COMPLETED,
    )  # fmt: skip
    Favorite.objects.create(student=student, instructor=teacher, created_at=now - timedelta(hours=1))
    Favorite.objects.create(student=student, instructor=never_booked, created_at=now)
    oscar, ines = saved_teacher_list(user=student, now=now)
    assert (oscar.profile.slug, ines.profile.slug) == ("oscar", "ines")  # newest saved first
    assert ines.book_again_url == "/book/ines/?service=piano&format=online&duration=90"
    assert oscar.book_again_url == ""
    assert ines.choice is not None
    assert (ines.choice.format, ines.choice.duration) == ("online", 90)
    # Open 13:00–17:00 from tomorrow: the first three starts tomorrow, on the quarter hour.
    labels = [t["label"].split(", ")[1] for t in ines.next_times]
    assert labels == ["1:00 pm", "1:15 pm", "1:30 pm"]
    assert ines.next_times[0]["book_url"].startswith("/book/ines/?service=piano&format=online&duration=90&start=")
    assert len(oscar.next_times) == 3
    assert "duration=60" in oscar.next_times[0]["book_url"]

    client.force_login(student)
    html = client.get("/my-teachers/").content.decode()
    assert html.index("Oscar Other") < html.index("Ines Instructor")
    assert 'href="/book/ines/?service=piano&amp;format=online&amp;duration=90"' in html
    assert html.count(">Book again<") == 1


def test_a_teacher_without_open_times_offers_the_waitlist(client, student: User, catalog) -> None:
    busy = make_teacher("busy", "Busy Bee", open_from_day=20)  # nothing in the next two weeks
    Favorite.objects.create(student=student, instructor=busy, created_at=timezone.now())
    client.force_login(student)
    html = client.get("/my-teachers/").content.decode()
    assert "No open times in the next two weeks." in html
    assert 'href="/instructors/busy/waitlist/"' in html


def _past_lesson(student: User, profile: InstructorProfile, *, days_ago: int) -> None:
    make_booking(
        student=student, offering=profile.offerings.get(), starts_at=timezone.now() - timedelta(days=days_ago),
        status=BookingStatus.COMPLETED,
    )  # fmt: skip


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/my-teachers/").status_code == 200
    return len(queries)


def test_my_teachers_costs_the_same_queries_for_one_or_many_teachers(client, student: User, teacher) -> None:
    Favorite.objects.create(student=student, instructor=teacher, created_at=timezone.now())
    _past_lesson(student, teacher, days_ago=3)
    client.force_login(student)
    one = _page_queries(client)
    for n in range(6):
        other = make_teacher(f"teacher-{n}", f"Teacher {n}")
        Favorite.objects.create(student=student, instructor=other, created_at=timezone.now())
        _past_lesson(student, other, days_ago=4 + n)
    assert _page_queries(client) == one
    # Saved teachers, their offerings, their day masks and their bookings; the rest is the
    # session, the user and the header's counts.
    assert one <= 10, one


# --- the API ---------------------------------------------------------------------------------


def _api(client, method: str, path: str) -> Any:
    return getattr(client, method)(path, content_type="application/json")


def test_api_save_list_and_remove_are_idempotent(client, student: User, teacher) -> None:
    client.force_login(student)
    first = _api(client, "put", f"/api/v1/me/favorites/{teacher.pk}")
    again = _api(client, "put", f"/api/v1/me/favorites/{teacher.pk}")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["instructor_id"] == teacher.pk
    listed = client.get("/api/v1/me/favorites").json()
    assert [(t["slug"], t["name"], t["service"], t["book_again_url"]) for t in listed] == [
        ("ines", "Ines Instructor", "piano", None)
    ]
    assert len(listed[0]["next_times"]) == 3
    assert _api(client, "delete", f"/api/v1/me/favorites/{teacher.pk}").status_code == 204
    assert _api(client, "delete", f"/api/v1/me/favorites/{teacher.pk}").status_code == 204
    assert client.get("/api/v1/me/favorites").json() == []


def test_api_refusals_change_nothing(client, student: User, other_student: User, instructor: User, teacher) -> None:
    Favorite.objects.create(student=other_student, instructor=teacher, created_at=timezone.now())
    before = _pairs()
    assert _api(client, "put", f"/api/v1/me/favorites/{teacher.pk}").status_code == 401
    assert client.get("/api/v1/me/favorites").status_code == 401
    client.force_login(instructor)
    refused = _api(client, "put", f"/api/v1/me/favorites/{teacher.pk}")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "permission_denied")
    assert _api(client, "delete", f"/api/v1/me/favorites/{teacher.pk}").status_code == 403
    assert client.get("/api/v1/me/favorites").status_code == 403
    client.force_login(student)
    missing = _api(client, "put", "/api/v1/me/favorites/999999")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    # Removing "my" Ines does not touch the other student's row.
    assert _api(client, "delete", f"/api/v1/me/favorites/{teacher.pk}").status_code == 204
    assert client.get("/api/v1/me/favorites").json() == []
    assert _pairs() == before
