"""Writes for reviews: a student reviews a completed lesson (and may edit it for a while),
the instructor replies once, staff hide, restore or clear a flagged review.

Every write that changes which stars count recounts the instructor's aggregate row in the
same transaction (`rating_refresh`) and makes cached search pages stale after the commit, so
profiles, cards and ranking never disagree with the reviews."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.audit.states import AuditAction
from apps.bookings.models import Booking
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.core.models import platform_config
from apps.reviews import notices
from apps.reviews.models import MAX_STARS, STAR_FIELDS, TEXT_MAX, InstructorRating, Review, ReviewModerationEvent
from apps.reviews.moderation import text_flags
from apps.reviews.policy import ReviewClock, edit_refusal, reply_refusal, write_refusal
from apps.reviews.states import ModerationAction, ReviewStatus, review_can_transition
from apps.search.generation import search_generation_bump

REASON_MAX = 300


def _booking_for(actor: User, booking_id: int) -> Booking:
    """The booking if `actor` takes or teaches it; anyone else gets NotFound (ids don't leak)."""
    booking = (
        Booking.objects.filter(Q(student=actor) | Q(instructor__user=actor), pk=booking_id)
        .select_related("instructor__user", "student", "learner")
        .first()
    )
    if booking is None:
        raise NotFound("Booking not found.")
    return booking


def _stars(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_STARS:
        raise ValidationFailed("Choose from 1 to 5 stars.", fields={"stars": ["Choose from 1 to 5 stars."]})
    return value


def _text(value: str, *, field: str, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise ValidationFailed("Write a few words.", fields={field: ["Write a few words."]})
    if len(text) > TEXT_MAX:
        message = f"Keep it to {TEXT_MAX} characters (this is {len(text)})."
        raise ValidationFailed(message, fields={field: [message]})
    return text


def _state(review: Review) -> dict[str, Any]:
    """What a moderation event records of the review before and after."""
    return {
        "status": review.status, "stars": review.stars, "text": review.text, "flags": list(review.flags),
        "reply_text": review.reply_text, "reply_flags": list(review.reply_flags),
    }  # fmt: skip


def _event(
    review: Review, *, action: str, actor: User | None, now: datetime, before: dict[str, Any], reason: str = ""
) -> ReviewModerationEvent:
    return ReviewModerationEvent.objects.create(
        review=review, at=now, actor=actor, action=action, reason=reason, before=before, after=_state(review)
    )


def _flag_if_needed(review: Review, before: dict[str, Any], now: datetime) -> None:
    """Automatic flags that are new since `before` send the review to the staff queue again,
    recorded as a moderation event without an actor."""
    new = (set(review.flags) - set(before.get("flags", []))) | (
        set(review.reply_flags) - set(before.get("reply_flags", []))
    )
    if new:
        review.flagged_at = now
        review.save(update_fields=["flagged_at"])
        _event(
            review, action=ModerationAction.FLAGGED, actor=None, now=now, before=before, reason=", ".join(sorted(new))
        )


# --- the aggregate row ----------------------------------------------------------------------


def _histograms(instructor_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """Visible reviews per instructor and star count, in one grouped query."""
    ids = list(instructor_ids)
    found: dict[int, dict[int, int]] = {pk: dict.fromkeys(range(1, MAX_STARS + 1), 0) for pk in ids}
    rows = (
        Review.objects.filter(instructor_id__in=ids, status=ReviewStatus.VISIBLE)
        .order_by()
        .values_list("instructor_id", "stars")
        .annotate(n=Count("id"))
    )
    for instructor_id, stars, n in rows:
        found[instructor_id][stars] = n
    return found


def _fill(row: InstructorRating, histogram: dict[int, int], now: datetime) -> InstructorRating:
    for stars, field in enumerate(STAR_FIELDS, start=1):
        setattr(row, field, histogram[stars])
    row.review_count = sum(histogram.values())
    row.stars_total = sum(stars * n for stars, n in histogram.items())
    row.updated_at = now
    return row


def rating_refresh(*, instructor_id: int, now: datetime) -> InstructorRating:
    """Recount one instructor's visible reviews into their aggregate row. Call inside the
    transaction that changed a review. Locking the row first serializes concurrent writers
    for one instructor, and the count that follows (a new statement) sees every review
    committed before the lock was granted, so the last writer always counts everything."""
    InstructorRating.objects.bulk_create(
        [InstructorRating(instructor_id=instructor_id, updated_at=now)], ignore_conflicts=True
    )
    row = InstructorRating.objects.select_for_update().get(instructor_id=instructor_id)
    _fill(row, _histograms([instructor_id])[instructor_id], now).save()
    return row


def rating_rebuild(*, instructor_ids: Iterable[int], now: datetime) -> int:
    """Recount many instructors at once (bulk-loaded reviews: the demo's history): one grouped
    query and one upsert. Returns how many rows were written."""
    histograms = _histograms(instructor_ids)
    rows = [_fill(InstructorRating(instructor_id=pk), histogram, now) for pk, histogram in histograms.items()]
    InstructorRating.objects.bulk_create(
        rows, batch_size=2000, update_conflicts=True, unique_fields=["instructor"],
        update_fields=["review_count", "stars_total", *STAR_FIELDS, "updated_at"],
    )  # fmt: skip
    if rows:
        transaction.on_commit(search_generation_bump)
    return len(rows)


def _stars_changed(instructor_id: int, now: datetime) -> None:
    rating_refresh(instructor_id=instructor_id, now=now)
    # Ranking and the cards read the aggregate row: cached result pages are stale now.
    transaction.on_commit(search_generation_bump)


# --- students and instructors -----------------------------------------------------------------


def review_create(*, actor: User, booking_id: int, stars: int, text: str, now: datetime) -> Review:
    """The booking's student reviews a completed lesson, within the window after its end."""
    clock = ReviewClock.of(platform_config())
    with transaction.atomic():
        booking = _booking_for(actor, booking_id)
        refusal = write_refusal(booking, actor, Review.objects.filter(booking=booking).first(), now, clock)
        if refusal is not None:
            raise refusal
        review = Review(
            booking=booking, instructor_id=booking.instructor_id, author=actor, service_name=booking.service_name,
            learner_name=booking.learner.first_name if booking.learner else "", stars=_stars(stars),
            text=_text(text, field="text", required=False), posted_at=now,
        )  # fmt: skip
        review.flags = text_flags(review.text)
        try:
            with transaction.atomic():  # a savepoint: the unique index decides a double submit
                review.save()
        except IntegrityError as exc:
            raise Conflict("You already reviewed this lesson.") from exc
        _flag_if_needed(review, {}, now)
        _stars_changed(booking.instructor_id, now)
        notices.review_posted(review, booking, now=now)
    return review


def _review_locked(booking: Booking) -> Review:
    review = Review.objects.select_for_update().filter(booking=booking).first()
    if review is None:
        raise NotFound("This lesson has no review yet.")
    return review


def review_edit(*, actor: User, booking_id: int, stars: int, text: str, now: datetime) -> Review:
    """The author changes their stars or words, within the edit window after posting."""
    clock = ReviewClock.of(platform_config())
    with transaction.atomic():
        booking = _booking_for(actor, booking_id)
        review = _review_locked(booking)
        refusal = edit_refusal(review, actor, now, clock)
        if refusal is not None:
            raise refusal
        before = _state(review)
        review.stars, review.text = _stars(stars), _text(text, field="text", required=False)
        review.flags, review.edited_at = text_flags(review.text), now
        review.save(update_fields=["stars", "text", "flags", "edited_at"])
        _flag_if_needed(review, before, now)
        if review.stars != before["stars"] and review.is_visible:
            rating_refresh(instructor_id=review.instructor_id, now=now)
        # One bump either way: the ranking reads the stars, and the cached profile page shows
        # the words too (apps/core/public_cache.py).
        transaction.on_commit(search_generation_bump)
    return review


def review_reply(*, actor: User, booking_id: int, text: str, now: datetime) -> Review:
    """The lesson's instructor answers the review once; the student is told."""
    with transaction.atomic():
        booking = _booking_for(actor, booking_id)
        review = Review.objects.select_for_update().filter(booking=booking).first()
        refusal = reply_refusal(booking, review, actor)
        if refusal is not None:
            raise refusal
        assert review is not None  # reply_refusal refuses a missing review
        before = _state(review)
        review.reply_text, review.replied_at = _text(text, field="text", required=True), now
        review.reply_flags = text_flags(review.reply_text, reply=True)
        review.save(update_fields=["reply_text", "replied_at", "reply_flags"])
        _flag_if_needed(review, before, now)
        notices.review_replied(review, booking, now=now)
        transaction.on_commit(search_generation_bump)  # the profile page shows the reply
    return review


# --- staff --------------------------------------------------------------------------------


# Staff decisions also go to the site-wide audit trail; the review's own event log keeps
# the automatic flags too (and the review page's timeline reads it).
_AUDITED = {
    ModerationAction.HIDDEN: AuditAction.REVIEW_HIDE,
    ModerationAction.RESTORED: AuditAction.REVIEW_RESTORE,
    ModerationAction.CLEARED: AuditAction.REVIEW_KEEP,
}


def _moderate(
    *, actor: User, review_id: int, action: ModerationAction, to: ReviewStatus | None, reason: str, now: datetime
) -> Review:
    if not actor.is_staff:
        raise PermissionDenied("Only staff moderate reviews.")
    reason = reason.strip()
    if to is not None and not reason:
        raise ValidationFailed("Give a reason.", fields={"reason": ["Say why; it is kept with the review."]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed("Shorten the reason.", fields={"reason": [f"Keep it to {REASON_MAX} characters."]})
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(pk=review_id).first()
        if review is None:
            raise NotFound("Review not found.")
        if to is not None and not review_can_transition(review.status, to):
            raise Conflict(f"This review is already {review.get_status_display().lower()}.")
        if to is None and not review.needs_moderation:
            raise Conflict("This review isn't waiting for a check.")
        before = _state(review)
        if to is not None:
            review.status = to
        review.moderated_at, review.moderation_reason = now, reason
        review.save(update_fields=["status", "moderated_at", "moderation_reason"])
        event = _event(review, action=action, actor=actor, now=now, before=before, reason=reason)
        audit_record(
            actor=actor, action=_AUDITED[action], target=review, now=now, reason=reason, before=before,
            after=event.after,
        )  # fmt: skip
        if review.status != before["status"]:
            _stars_changed(review.instructor_id, now)  # a hidden review leaves the average
    return review


def review_hide(*, actor: User, review_id: int, reason: str, now: datetime) -> Review:
    return _moderate(
        actor=actor, review_id=review_id, action=ModerationAction.HIDDEN, to=ReviewStatus.HIDDEN, reason=reason, now=now
    )


def review_restore(*, actor: User, review_id: int, reason: str, now: datetime) -> Review:
    return _moderate(
        actor=actor, review_id=review_id, action=ModerationAction.RESTORED, to=ReviewStatus.VISIBLE, reason=reason,
        now=now,
    )  # fmt: skip


def review_flags_clear(*, actor: User, review_id: int, reason: str, now: datetime) -> Review:
    """Staff looked at a flagged review and keep it as it is: it leaves the queue."""
    return _moderate(actor=actor, review_id=review_id, action=ModerationAction.CLEARED, to=None, reason=reason, now=now)
