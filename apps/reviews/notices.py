"""What people are told about reviews (PRODUCT.md §11: review requests and replies). Every
message goes through `notify` inside the caller's transaction; the email leaves after the
commit."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from apps.bookings.models import Booking
from apps.bookings.presentation import when
from apps.core.models import platform_config
from apps.notifications.services import notify
from apps.reviews.models import Review
from apps.reviews.policy import ReviewClock


def review_url(booking: Booking) -> str:
    return reverse("reviews:lesson", kwargs={"public_id": booking.public_id})


def _day(moment: datetime, zone: str) -> str:
    return when(moment, zone).split(", ", 1)[0]  # "Tue 3 Dec"


def _lesson(booking: Booking) -> str:
    return f"{booking.learner.first_name}'s {booking.service_name} lesson" if booking.learner else "your lesson"


def review_requested(booking: Booking, *, now: datetime) -> None:
    """Sent when a lesson completes (marked by the instructor or automatically): the student,
    or the parent for a child's lesson, is asked how it went."""
    zone, teacher, lesson = booking.student_timezone, booking.instructor.display_name, _lesson(booking)
    until = _day(ReviewClock.of(platform_config()).write_until(booking), zone)
    notify(
        user=booking.student, kind="review_request", url=review_url(booking), now=now,
        subject=f"How was {lesson} with {teacher}?",
        body=f"Rate {lesson} on {_day(booking.starts_at, zone)}: a few stars and a sentence help other families "
        f"choose, and help {teacher} too. You can write your review until {until}.",
    )  # fmt: skip


def review_posted(review: Review, booking: Booking, *, now: datetime) -> None:
    """The instructor hears about a new review, so they can thank or answer."""
    notify(
        user=booking.instructor.user, kind="review_posted", url=review_url(booking), now=now,
        subject=f"New review: {review.stars} star{'s' if review.stars != 1 else ''} for {booking.service_name}",
        body=f"{booking.student.display_name} reviewed the lesson on {_day(booking.starts_at, booking.instructor_timezone)}. "
        "You can reply once; your reply is shown under the review on your profile.",
    )  # fmt: skip


def review_replied(review: Review, booking: Booking, *, now: datetime) -> None:
    notify(
        user=booking.student, kind="review_reply", url=review_url(booking), now=now,
        subject=f"{booking.instructor.display_name} replied to your review",
        body=f"{booking.instructor.display_name} answered your review of {_lesson(booking)} "
        f"on {_day(booking.starts_at, booking.student_timezone)}: “{review.reply_text}”",
    )  # fmt: skip
