"""The trust loop in a real browser: the instructor marks a lesson complete, the student (on
a phone) follows the review request, writes a review and sees it on the profile, the
instructor replies, and the student is told. The clock is real: the lesson ended an hour ago."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD, StudentFactory
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.bookings.tests.factories import make_booking
from apps.catalog.models import Service
from apps.instructors.models import InstructorProfile
from apps.instructors.tests.factories import OfferingFactory, live_instructor
from apps.reviews.models import Review
from apps.search.models import Neighborhood
from tests.browser import assert_accessible, main_nav

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]


@pytest.fixture
def teacher() -> InstructorProfile:
    profile = live_instructor(
        display_name="Ana Alvarez", slug="ana-alvarez", studio_neighborhood=Neighborhood.objects.get(slug="park-slope")
    )
    OfferingFactory.create(profile=profile, service=Service.objects.get(slug="piano"), rate_studio_cents=9000)
    return profile


@pytest.fixture
def rita() -> User:
    return StudentFactory.create(email="rita@example.com", first_name="Rita", last_name="Reyes")


@pytest.fixture
def taught(teacher: InstructorProfile, rita: User) -> Booking:
    """A lesson that ended an hour ago, not yet marked complete."""
    starts_at = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)
    return make_booking(
        student=rita, offering=teacher.offerings.get(), starts_at=starts_at, fmt="studio",
        payment_status=PaymentStatus.AUTHORIZED,
    )  # fmt: skip


def _log_in(page: Page, base: str, email: str, home_link: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(main_nav(page).get_by_role("link", name=home_link)).to_be_visible()


def test_complete_review_see_it_on_the_profile_and_reply(
    page: Page, phone_page: Page, live_server, teacher, rita, taught
):
    base, lesson_url = live_server.url, f"{live_server.url}/lessons/{taught.public_id}/"

    # The instructor marks the lesson taught.
    _log_in(page, base, teacher.user.email, "Schedule")
    page.goto(lesson_url)
    page.locator("#booking-actions").get_by_role("link", name="Mark complete").click()
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_text("Lesson marked complete. Thanks for teaching!")).to_be_visible()
    review_section = page.locator("#review")
    expect(review_section).to_contain_text("No review yet. Rita R. can review this lesson until")
    assert_accessible(page)

    # The student, on a phone, follows the request from their notifications.
    student = phone_page
    _log_in(student, base, rita.email, "My lessons")
    student.get_by_role("link", name=re.compile(r"^Notifications")).click()
    student.get_by_role("link", name="How was your lesson with Ana Alvarez?").click()
    expect(student).to_have_url(f"{lesson_url}review/")
    expect(student.get_by_role("heading", level=1)).to_have_text("Review")
    assert_accessible(student)
    student.get_by_text("5 stars · Excellent").click()
    student.get_by_label("What was it like? (optional)").fill(
        "Ana made scales fun. My daughter can't wait for next week."
    )
    student.get_by_role("button", name="Post review").click()
    expect(student).to_have_url(f"{lesson_url}#review")
    expect(student.get_by_text("Thanks! Your review is on the instructor's profile.")).to_be_visible()
    panel = student.locator("#review-panel")
    expect(panel.get_by_role("img", name="5 out of 5 stars")).to_be_visible()
    expect(panel).to_contain_text("Ana made scales fun.")
    expect(panel.get_by_text("Edit your review")).to_be_visible()
    assert_accessible(student)

    student.goto(f"{base}/instructors/ana-alvarez/")
    reviews = student.locator("#reviews")
    expect(reviews).to_contain_text("Rita R.")
    expect(reviews).to_contain_text("Ana made scales fun. My daughter can't wait for next week.")
    expect(reviews.get_by_text("New", exact=True)).to_be_visible()  # one review: no average yet
    assert_accessible(student)

    # The instructor answers from the lesson page.
    page.goto(lesson_url)
    page.get_by_label("Your reply").fill("Thank you, Rita! See you both next week.")
    page.get_by_role("button", name="Publish reply").click()
    expect(page.get_by_text("Your reply is published under the review.")).to_be_visible()
    assert_accessible(page)
    review = Review.objects.get()
    assert (review.booking, review.stars, review.reply_text) == (taught, 5, "Thank you, Rita! See you both next week.")
    assert Booking.objects.get(pk=taught.pk).status == BookingStatus.COMPLETED

    # The student sees the reply on the profile and is told about it.
    student.goto(f"{base}/instructors/ana-alvarez/")
    expect(student.locator("#reviews")).to_contain_text("Reply from Ana Alvarez")
    expect(student.locator("#reviews")).to_contain_text("Thank you, Rita! See you both next week.")
    student.goto(f"{base}/notifications/")
    expect(student.get_by_role("link", name="Ana Alvarez replied to your review")).to_be_visible()
    assert_accessible(student)
