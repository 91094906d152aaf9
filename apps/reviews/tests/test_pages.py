"""Review pages: the lesson's review panel (write, edit, reply; others get 404), the profile's
rating, histogram and newest reviews with replies (in a fixed number of queries), the
reviews pages, My reviews, and the rating on search and browse cards."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import LearnerFactory, StudentFactory
from apps.bookings.states import BookingStatus
from apps.core.models import platform_config
from apps.instructors.models import InstructorProfile
from apps.reviews.models import Review
from apps.reviews.services import review_create, review_hide, review_reply
from apps.reviews.tests.conftest import NOW, lesson
from apps.reviews.tests.helpers import reviewed
from apps.search.generation import search_generation_bump

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def _panel_url(booking) -> str:
    return f"/lessons/{booking.public_id}/review/"


# --- the lesson's review panel -------------------------------------------------------------


def test_the_student_writes_a_review_from_the_lesson_page(client: Client, student, teacher) -> None:
    booking = lesson(student, teacher)
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        detail = client.get(f"/lessons/{booking.public_id}/").content.decode()
        panel = client.get(_panel_url(booking), headers={"HX-Request": "true"})
        posted = client.post(_panel_url(booking), {"stars": "5", "text": "Clear and kind."}, follow=True)
    assert f'hx-get="/lessons/{booking.public_id}/review/"' in detail
    html = panel.content.decode()
    assert panel.templates[0].name == "reviews/_lesson.html"
    assert "How was your lesson with Ines Instructor?" in html
    assert '<input type="radio" name="stars" value="5" id="review-stars_4" required>' in html
    assert "You can review this lesson until" in html
    assert posted.redirect_chain == [(f"/lessons/{booking.public_id}/#review", 302)]
    assert [str(m) for m in posted.context["messages"]] == ["Thanks! Your review is on the instructor's profile."]
    assert Review.objects.values_list("stars", "text", "posted_at").get() == (5, "Clear and kind.", NOW)


def test_a_parent_is_told_they_review_for_their_child(client: Client, student, teacher) -> None:
    booking = lesson(student, teacher, learner=LearnerFactory.create(parent=student, first_name="Maya"))
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        html = client.get(_panel_url(booking)).content.decode()
    assert "How was Maya's lesson with Ines Instructor?" in html
    assert "As Maya's parent, you review it for them." in html


def test_refusals_are_said_on_the_page_and_change_nothing(client: Client, student, teacher) -> None:
    old, upcoming = (
        lesson(student, teacher, ended=timedelta(days=31)),
        lesson(student, teacher, ended=-timedelta(days=2), status=BookingStatus.CONFIRMED),
    )
    booking = lesson(student, teacher)
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        closed = client.get(_panel_url(old)).content.decode()
        early = client.get(_panel_url(upcoming)).content.decode()
        late = client.post(_panel_url(old), {"stars": "5"})
        blank = client.post(_panel_url(booking), {"text": "No stars"})
    assert "Reviews are open for 30 days after the lesson; this one has closed." in closed
    assert "You can review a lesson once it is complete." in early
    assert 'name="stars"' not in closed + early
    assert late.status_code == 409
    assert "Reviews are open for 30 days after the lesson; this one has closed." in late.content.decode()
    assert blank.status_code == 422
    assert "Choose from 1 to 5 stars." in blank.content.decode()
    assert not Review.objects.exists()


def test_the_author_edits_within_48_hours_then_not(client: Client, student, teacher) -> None:
    booking = lesson(student, teacher)
    review_create(actor=student, booking_id=booking.pk, stars=3, text="Good.", now=NOW)
    client.force_login(student)
    with time_machine.travel(NOW + HOUR, tick=False):
        html = client.get(_panel_url(booking)).content.decode()
        client.post(_panel_url(booking), {"stars": "4", "text": "Good, really."})
    assert "Edit your review" in html
    assert Review.objects.values_list("stars", "text").get() == (4, "Good, really.")
    with time_machine.travel(NOW + 49 * HOUR, tick=False):
        html = client.get(_panel_url(booking)).content.decode()
        late = client.post(_panel_url(booking), {"stars": "1", "text": "Changed"})
    assert "Edit your review" not in html
    assert late.status_code == 409
    assert "A review can be edited for 48 hours after posting; this one can&#x27;t be now." in late.content.decode()
    assert Review.objects.values_list("stars", "text").get() == (4, "Good, really.")


def test_the_instructor_replies_from_the_lesson_page(client: Client, student, teacher) -> None:
    booking = lesson(student, teacher)
    review_create(actor=student, booking_id=booking.pk, stars=5, text="Loved it.", now=NOW)
    client.force_login(teacher.user)
    with time_machine.travel(NOW + HOUR, tick=False):
        html = client.get(_panel_url(booking)).content.decode()
        replied = client.post(f"{_panel_url(booking)}reply/", {"text": "Thank you!"}, follow=True)
        again = client.post(f"{_panel_url(booking)}reply/", {"text": "Twice"})
    assert "Publish reply" in html
    assert [str(m) for m in replied.context["messages"]] == ["Your reply is published under the review."]
    assert again.status_code == 409
    assert Review.objects.values_list("reply_text", flat=True).get() == "Thank you!"
    client.force_login(student)
    with time_machine.travel(NOW + 2 * HOUR, tick=False):
        html = client.get(_panel_url(booking)).content.decode()
    assert "Reply from Ines Instructor" in html
    assert "Thank you!" in html


def test_others_get_404_and_the_section_shows_for_completed_lessons_only(
    client: Client, student, other_student, teacher
) -> None:
    booking = lesson(student, teacher)
    upcoming = lesson(student, teacher, ended=-timedelta(days=2), status=BookingStatus.CONFIRMED)
    client.force_login(other_student)
    with time_machine.travel(NOW, tick=False):
        assert client.get(_panel_url(booking)).status_code == 404
        assert client.post(_panel_url(booking), {"stars": "1"}).status_code == 404
        assert client.post(f"{_panel_url(booking)}reply/", {"text": "Hi"}).status_code == 404
    assert not Review.objects.exists()
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        assert 'id="review-title"' not in client.get(f"/lessons/{upcoming.public_id}/").content.decode()


# --- the profile ---------------------------------------------------------------------------


def test_the_profile_shows_the_rating_histogram_and_newest_reviews_with_replies(
    client: Client, student, teacher, staff, django_capture_on_commit_callbacks
) -> None:
    reviewed(teacher, [5, 4], now=NOW - HOUR, text="Solid lessons every week.")
    booking = lesson(student, teacher, learner=LearnerFactory.create(parent=student, first_name="Maya"))
    review_create(actor=student, booking_id=booking.pk, stars=5, text="Maya can't stop playing.", now=NOW)
    review_reply(actor=teacher.user, booking_id=booking.pk, text="She's a natural!", now=NOW + HOUR)
    html = client.get("/instructors/ines/").content.decode()
    assert 'aria-hidden="true">★ 4.7 (3)</span>' in html  # the header's rating
    assert '<span class="rating-average">4.7</span>' in html
    assert '<span class="histogram-label">5 stars</span>' in html
    assert 'max="3" value="2"' in html  # five stars: two of three
    assert "Maya can&#x27;t stop playing." in html
    assert "for their child" in html
    assert ">Maya<" not in html  # a child's name stays private
    assert "For Maya" not in html
    assert "Reply from Ines Instructor" in html
    assert "She&#x27;s a natural!" in html

    hidden = Review.objects.get(booking=booking)
    with django_capture_on_commit_callbacks(execute=True):  # the hide's commit makes the cached page stale
        review_hide(actor=staff, review_id=hidden.pk, reason="Test", now=NOW + 2 * HOUR)
    html = client.get("/instructors/ines/").content.decode()
    assert "Maya can&#x27;t stop playing." not in html
    assert html.count('<span class="rating rating-new">New</span>') == 2  # two visible reviews: "New"


def _queries(client: Client, url: str) -> int:
    """Uncached: the reviews were written in this test's open transaction, so the generation
    bump their services schedule after commit has not run; do it as the commit would."""
    search_generation_bump()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_profile_with_reviews_costs_a_fixed_number_of_queries(client: Client, teacher) -> None:
    platform_config()  # cached for every process
    students = [StudentFactory.create() for _ in range(4)]

    def grow(count: int) -> None:
        for student in students:
            for review in reviewed(teacher, [5, 4, 3][:count], now=NOW, student=student, text="Kind and clear."):
                review_reply(actor=teacher.user, booking_id=review.booking_id, text="Thanks!", now=NOW)

    grow(1)
    few = _queries(client, "/instructors/ines/")
    grow(3)
    many = _queries(client, "/instructors/ines/")
    # profile with its rating row, offerings, their age groups, service areas, a page of reviews
    assert (few, many) == (5, 5)
    assert Review.objects.filter(instructor=teacher).count() == 16


def test_reviews_page_by_page_and_the_profiles_pager(client: Client, teacher) -> None:
    reviews = reviewed(teacher, [5, 4, 5, 5, 4, 3, 5], now=NOW, text="Good lesson, thank you.")
    profile_html = client.get("/instructors/ines/").content.decode()
    assert 'hx-get="/instructors/ines/reviews/?page=2"' in profile_html
    full = client.get("/instructors/ines/reviews/", {"page": 2})
    assert full.templates[0].name == "reviews/instructor.html"
    assert "Reviews of Ines Instructor" in full.content.decode()
    partial = client.get(
        "/instructors/ines/reviews/", {"page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="review-page"
    )
    html = partial.content.decode()
    assert partial.templates[0].name == "reviews/_page.html"
    assert html.strip().startswith('<div id="review-page"')
    assert [f'id="review-{r.pk}"' in html for r in reviews] == [True, True, False, False, False, False, False]
    assert "Page 2 of 2" in html
    assert client.get("/instructors/ines/reviews/", {"page": "9"}).context["page"].number == 2
    assert client.get("/instructors/nobody/reviews/").status_code == 404


# --- My reviews ----------------------------------------------------------------------------


def test_my_reviews_for_a_student_and_an_instructor(client: Client, student, teacher, staff) -> None:
    waiting = lesson(student, teacher, ended=timedelta(days=2))
    done = lesson(student, teacher)
    review = review_create(actor=student, booking_id=done.pk, stars=2, text="Too rushed for me.", now=NOW)
    review_hide(actor=staff, review_id=review.pk, reason="Mentions another student", now=NOW)
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        html = client.get("/reviews/").content.decode()
    assert f'href="/lessons/{waiting.public_id}/review/"' in html
    assert "Too rushed for me." in html
    assert "Hidden by our team: Mentions another student." in html
    client.force_login(teacher.user)
    with time_machine.travel(NOW, tick=False):
        html = client.get("/reviews/").content.decode()
    assert "Reviews of your lessons" in html
    assert "Too rushed for me." in html
    assert "Ines Instructor is new here" in html
    client.logout()
    assert client.get("/reviews/").status_code == 302


# --- cards -----------------------------------------------------------------------------------


def test_browse_cards_show_the_rating_and_count(client: Client, teacher) -> None:
    other = InstructorProfile.objects.exclude(pk=teacher.pk)
    assert not other.exists()
    reviewed(teacher, [5, 5, 4], now=NOW)
    html = client.get("/learn/music/piano/").content.decode()
    assert '<span aria-hidden="true">★ 4.7 (3)</span>' in html
    assert "Rated 4.7 out of 5 from 3 reviews" in html
