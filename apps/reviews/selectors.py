"""Reads for reviews: a lesson's review with what its viewer may do now, an instructor's
public reviews page by page, and a person's own reviews. Public reads only show visible
reviews; each page costs a fixed number of queries."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus
from apps.core.errors import ApplicationError
from apps.core.models import platform_config
from apps.instructors.models import InstructorProfile
from apps.reviews.models import Review
from apps.reviews.policy import ReviewClock, edit_refusal, reply_refusal, write_refusal
from apps.reviews.rating import RatingSummary, rating_row, summary_for
from apps.reviews.states import ReviewStatus

PUBLIC_PAGE_SIZE = 5  # the profile shows the newest five; the reviews page pages by five
MINE_PAGE_SIZE = 10


# --- one lesson -------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonReview:
    """A lesson's review panel: the review (if any) and what the viewer may do with it now.
    `refusal` says why the student can't write one (e.g. the lesson isn't complete yet)."""

    booking: Booking
    review: Review | None
    is_instructor: bool
    can_write: bool
    can_edit: bool
    can_reply: bool
    write_until: datetime
    edit_until: datetime | None
    refusal: ApplicationError | None


def participant_booking_id(*, user: User, public_id: uuid.UUID) -> int | None:
    """The booking's id if `user` takes or teaches it (the services check again)."""
    found: int | None = (
        Booking.objects.filter(Q(student=user) | Q(instructor__user=user), public_id=public_id)
        .values_list("pk", flat=True)
        .first()
    )
    return found


def lesson_review_get(*, user: User, public_id: uuid.UUID, now: datetime) -> LessonReview | None:
    """For the booking's student or instructor (one query); None for anyone else."""
    booking = (
        Booking.objects.filter(Q(student=user) | Q(instructor__user=user), public_id=public_id)
        .select_related("instructor__user", "student", "learner", "review")
        .first()
    )
    if booking is None:
        return None
    review: Review | None = getattr(booking, "review", None)
    clock = ReviewClock.of(platform_config())
    is_instructor = booking.instructor.user_id == user.pk
    refusal = None if is_instructor else write_refusal(booking, user, review, now, clock)
    return LessonReview(
        booking=booking, review=review, is_instructor=is_instructor,
        can_write=not is_instructor and refusal is None,
        can_edit=review is not None and edit_refusal(review, user, now, clock) is None,
        can_reply=is_instructor and reply_refusal(booking, review, user) is None,
        write_until=clock.write_until(booking), edit_until=clock.edit_until(review) if review else None,
        refusal=None if review is not None else refusal,
    )  # fmt: skip


# --- an instructor's public reviews -------------------------------------------------------


@dataclass(frozen=True)
class ReviewsPage:
    """One page of an instructor's visible reviews, newest first, with their replies."""

    profile: InstructorProfile
    summary: RatingSummary
    reviews: list[Review]
    number: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def _page_number(value: object, pages: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        number = 1
    return min(max(number, 1), pages)


def instructor_reviews_page(
    *, profile: InstructorProfile, page: object = 1, size: int = PUBLIC_PAGE_SIZE
) -> ReviewsPage:
    """At most one query: the count comes from the aggregate row (read with the profile), so
    pages need no COUNT, and an instructor without visible reviews costs nothing."""
    summary = summary_for(rating_row(profile))
    pages = max(1, math.ceil(summary.count / size))
    number = _page_number(page, pages)
    reviews: list[Review] = []
    if summary.count:
        start = (number - 1) * size
        reviews = list(
            Review.objects.filter(instructor=profile, status=ReviewStatus.VISIBLE)
            .select_related("author")
            .order_by("-posted_at", "-id")[start : start + size]
        )
    return ReviewsPage(profile=profile, summary=summary, reviews=reviews, number=number, pages=pages)


def public_review_list(*, instructor_id: int) -> QuerySet[Review]:
    """An instructor's visible reviews, newest first (the API's list)."""
    return (
        Review.objects.filter(instructor_id=instructor_id, status=ReviewStatus.VISIBLE)
        .select_related("author")
        .order_by("-posted_at", "-id")
    )


# --- my reviews ---------------------------------------------------------------------------


def my_review_list(*, user: User) -> QuerySet[Review]:
    """Reviews the user wrote (a student) or received (an instructor), hidden ones included
    (they say so), newest first."""
    mine = Q(instructor__user=user) if user.is_instructor else Q(author=user)
    return Review.objects.filter(mine).select_related("author", "instructor", "booking").order_by("-posted_at", "-id")


def review_waiting_list(*, user: User, now: datetime) -> QuerySet[Booking]:
    """A student's completed lessons still open for a review and not reviewed yet, the most
    recent first."""
    clock = ReviewClock.of(platform_config())
    return (
        Booking.objects.filter(
            student=user, status=BookingStatus.COMPLETED, ends_at__gte=now - clock.write_window, review__isnull=True
        )
        .select_related("instructor", "learner")
        .order_by("-ends_at")
    )


@dataclass(frozen=True)
class MyReviews:
    page: Page[Review]
    window_days: int
    waiting: list[Booking]  # students only
    profile: InstructorProfile | None = None  # instructors only, with how their rating shows
    summary: RatingSummary | None = None


def my_reviews_get(*, user: User, page: str | None, now: datetime) -> MyReviews:
    reviews = Paginator(my_review_list(user=user), MINE_PAGE_SIZE).get_page(page)
    days = platform_config().review_window_days
    if user.is_instructor:
        profile = InstructorProfile.objects.select_related("rating").filter(user=user).first()
        summary = summary_for(rating_row(profile)) if profile else None
        return MyReviews(page=reviews, window_days=days, waiting=[], profile=profile, summary=summary)
    return MyReviews(page=reviews, window_days=days, waiting=list(review_waiting_list(user=user, now=now)))
