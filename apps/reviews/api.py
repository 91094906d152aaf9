"""Review endpoints: an instructor's public reviews with their rating, the review of a
booking (with what the viewer may do now), writing, editing and replying, and my reviews."""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from apps.accounts.models import User
from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.errors import NotFound
from apps.core.models import platform_config
from apps.instructors.selectors import instructor_public_get_by_id
from apps.reviews.models import TEXT_MAX, Review
from apps.reviews.policy import ReviewClock
from apps.reviews.rating import RatingSummary
from apps.reviews.selectors import (
    instructor_reviews_page,
    lesson_review_get,
    my_review_list,
    participant_booking_id,
)
from apps.reviews.services import review_create, review_edit, review_reply

router = Router(tags=["reviews"])
WRITE_ERRORS = error_responses(401, 403, 404, 409, 429)


class ReviewIn(Schema):
    stars: int = Field(ge=1, le=5)
    text: str = Field("", max_length=TEXT_MAX, description="Optional.")


class ReplyIn(Schema):
    text: str = Field(min_length=1, max_length=TEXT_MAX)


class ReplyOut(Schema):
    text: str
    replied_at: dt.datetime


class PublicReviewOut(Schema):
    id: int
    stars: int
    text: str
    author: str = Field(description="First name and initial.")
    for_child: bool = Field(description="A parent reviewed their child's lesson.")
    service_name: str
    posted_at: dt.datetime
    edited_at: dt.datetime | None
    reply: ReplyOut | None


class ReviewOut(PublicReviewOut):
    """A review as its author or its instructor sees it."""

    booking_id: uuid.UUID
    instructor: str = Field(description="The instructor's slug.")
    instructor_name: str
    learner: str | None = Field(description="The child the lesson was for.")
    status: str = Field(description="visible | hidden (hidden reviews are not on the profile).")
    editable_until: dt.datetime = Field(description="The author may edit until then.")


class HistogramBarOut(Schema):
    stars: int
    count: int


class RatingSummaryOut(Schema):
    average: float | None = Field(description="Plain average of the visible reviews (null without any).")
    count: int
    visible: bool = Field(description='False below the platform\'s minimum review count: show "New".')
    histogram: list[HistogramBarOut] = Field(description="5 stars first; empty without reviews.")


class InstructorReviewsOut(Schema):
    rating: RatingSummaryOut
    items: list[PublicReviewOut]
    page: int
    pages: int


class BookingReviewOut(Schema):
    review: ReviewOut | None
    can_write: bool
    write_until: dt.datetime
    can_edit: bool
    can_reply: bool
    note: str | None = Field(description="Why the student can't write a review now, when they can't.")


def _public(review: Review) -> dict[str, Any]:
    reply = ReplyOut(text=review.reply_text, replied_at=review.replied_at) if review.replied_at else None
    return PublicReviewOut(
        id=review.pk, stars=review.stars, text=review.text, author=review.author.display_name,
        for_child=bool(review.learner_name), service_name=review.service_name, posted_at=review.posted_at,
        edited_at=review.edited_at, reply=reply,
    ).model_dump(mode="json")  # fmt: skip


def _full(review: Review, clock: ReviewClock) -> dict[str, Any]:
    booking, instructor = review.booking, review.instructor
    return {
        **_public(review), "booking_id": str(booking.public_id), "instructor": instructor.slug,
        "instructor_name": instructor.display_name, "learner": review.learner_name or None, "status": review.status,
        "editable_until": clock.edit_until(review).isoformat(),
    }  # fmt: skip


def _summary(summary: RatingSummary) -> RatingSummaryOut:
    return RatingSummaryOut(
        average=None if summary.average is None else round(summary.average, 2), count=summary.count,
        visible=summary.visible, histogram=[HistogramBarOut(stars=b.stars, count=b.count) for b in summary.histogram],
    )  # fmt: skip


@router.get(
    "/instructors/{instructor_id}/reviews",
    response={200: InstructorReviewsOut, **error_responses(404, 429)},
    auth=None,
    summary="An instructor's reviews",
)
def instructor_reviews(request: HttpRequest, instructor_id: int, page: int = 1) -> dict[str, Any]:
    """The rating summary and one page of visible reviews, newest first, with replies."""
    profile = instructor_public_get_by_id(instructor_id)
    if profile is None:
        raise NotFound("Instructor not found.")
    found = instructor_reviews_page(profile=profile, page=page)
    return {
        "rating": _summary(found.summary).model_dump(mode="json"), "items": [_public(r) for r in found.reviews],
        "page": found.number, "pages": found.pages,
    }  # fmt: skip


@router.get("/reviews/mine", response={200: list[ReviewOut], **error_responses(401)}, summary="My reviews")
@paginate(PageNumberPagination, page_size=20, max_page_size=100)
def mine(request: HttpRequest) -> list[dict[str, Any]]:
    """Written (students) or received (instructors), newest first; hidden ones say so."""
    clock = ReviewClock.of(platform_config())
    return [_full(review, clock) for review in my_review_list(user=api_user(request))]


def _booking_pk(user: User, booking_id: uuid.UUID) -> int:
    pk = participant_booking_id(user=user, public_id=booking_id)
    if pk is None:
        raise NotFound("Booking not found.")
    return pk


def _written(review: Review) -> dict[str, Any]:
    review = Review.objects.select_related("author", "instructor", "booking").get(pk=review.pk)
    return _full(review, ReviewClock.of(platform_config()))


@router.get(
    "/bookings/{booking_id}/review",
    response={200: BookingReviewOut, **error_responses(401, 404)},
    summary="The review of a booking",
)
def booking_review(request: HttpRequest, booking_id: uuid.UUID) -> dict[str, Any]:
    user = api_user(request)
    panel = lesson_review_get(user=user, public_id=booking_id, now=timezone.now())
    if panel is None:
        raise NotFound("Booking not found.")
    review = _full(panel.review, ReviewClock.of(platform_config())) if panel.review else None
    return {
        "review": review, "can_write": panel.can_write, "write_until": panel.write_until.isoformat(),
        "can_edit": panel.can_edit, "can_reply": panel.can_reply,
        "note": panel.refusal.message if panel.refusal else None,
    }  # fmt: skip


@router.post(
    "/bookings/{booking_id}/review", response={201: ReviewOut, **WRITE_ERRORS}, summary="Review a completed lesson"
)
def create(request: HttpRequest, booking_id: uuid.UUID, payload: ReviewIn) -> Status[dict[str, Any]]:
    """The booking's student (the parent, for a child's lesson), once, within 30 days of the end."""
    user = api_user(request)
    review = review_create(
        actor=user, booking_id=_booking_pk(user, booking_id), stars=payload.stars, text=payload.text, now=timezone.now()
    )
    return Status(201, _written(review))


@router.patch("/bookings/{booking_id}/review", response={200: ReviewOut, **WRITE_ERRORS}, summary="Edit my review")
def edit(request: HttpRequest, booking_id: uuid.UUID, payload: ReviewIn) -> dict[str, Any]:
    """Within 48 hours of posting."""
    user = api_user(request)
    review = review_edit(
        actor=user, booking_id=_booking_pk(user, booking_id), stars=payload.stars, text=payload.text, now=timezone.now()
    )
    return _written(review)


@router.post(
    "/bookings/{booking_id}/review/reply", response={200: ReviewOut, **WRITE_ERRORS}, summary="Reply to a review"
)
def reply(request: HttpRequest, booking_id: uuid.UUID, payload: ReplyIn) -> dict[str, Any]:
    """The lesson's instructor, once; the student is told."""
    user = api_user(request)
    review = review_reply(actor=user, booking_id=_booking_pk(user, booking_id), text=payload.text, now=timezone.now())
    return _written(review)
