"""Who may write, edit or answer a review, and until when (PRODUCT.md §7). One function per
question returns the refusal (a domain error) or None: the services raise it, the pages show
it, so a page never offers what the service would refuse.

Anyone who is not a participant of the booking never gets here: they get NotFound first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus
from apps.core.errors import ApplicationError, Conflict, PermissionDenied
from apps.core.models import PlatformConfig
from apps.reviews.models import Review


@dataclass(frozen=True)
class ReviewClock:
    """The review windows from platform config, read once per operation."""

    write_window: timedelta  # after the lesson's end
    edit_window: timedelta  # after posting

    @staticmethod
    def of(config: PlatformConfig) -> ReviewClock:
        return ReviewClock(
            write_window=timedelta(days=config.review_window_days),
            edit_window=timedelta(hours=config.review_edit_hours),
        )

    def write_until(self, booking: Booking) -> datetime:
        return booking.ends_at + self.write_window

    def edit_until(self, review: Review) -> datetime:
        return review.posted_at + self.edit_window

    @property
    def edit_hours(self) -> int:
        return int(self.edit_window.total_seconds() // 3600)


def write_refusal(
    booking: Booking, actor: User, existing: Review | None, now: datetime, clock: ReviewClock
) -> ApplicationError | None:
    """Only the booking's student (the parent, for a child's lesson), once, for a completed
    lesson, until the window after its end closes (the last instant included)."""
    if booking.student_id != actor.pk:
        return PermissionDenied("Only the student who took the lesson can review it.")
    if existing is not None:
        return Conflict(f"You already reviewed this lesson; a review can be edited for {clock.edit_hours} hours.")
    if booking.status != BookingStatus.COMPLETED:
        return Conflict("You can review a lesson once it is complete.")
    if now > clock.write_until(booking):
        return Conflict(f"Reviews are open for {clock.write_window.days} days after the lesson; this one has closed.")
    return None


def edit_refusal(review: Review, actor: User, now: datetime, clock: ReviewClock) -> ApplicationError | None:
    if review.author_id != actor.pk:
        return PermissionDenied("Only the review's author can edit it.")
    if now > clock.edit_until(review):
        return Conflict(f"A review can be edited for {clock.edit_hours} hours after posting; this one can't be now.")
    return None


def reply_refusal(booking: Booking, review: Review | None, actor: User) -> ApplicationError | None:
    """The lesson's instructor answers a visible review, once."""
    if booking.instructor.user_id != actor.pk:
        return PermissionDenied("Only the instructor who taught the lesson can reply.")
    if review is None:
        return Conflict("There is no review of this lesson to reply to yet.")
    if not review.is_visible:
        return Conflict("This review is hidden by our team, so it can't be answered.")
    if review.replied_at is not None:
        return Conflict("You already replied to this review.")
    return None
