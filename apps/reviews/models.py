from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.reviews.states import ModerationAction, ReviewStatus

TEXT_MAX = 500  # a review's text and an instructor's reply (PRODUCT.md §7)
MAX_STARS = 5
STAR_FIELDS = ("stars_1", "stars_2", "stars_3", "stars_4", "stars_5")


class Review(models.Model):
    """A student's review of one completed lesson (a parent's, for a lesson their child
    took), with the instructor's one reply. Only visible reviews count in the rating."""

    # One review per booking, enforced by the database (the one-to-one's unique index).
    booking = models.OneToOneField("bookings.Booking", on_delete=models.PROTECT, related_name="review")
    instructor = models.ForeignKey("instructors.InstructorProfile", on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_written")
    # Snapshots, so the review reads the same after the booking or the learner changes.
    service_name = models.CharField(max_length=80)
    learner_name = models.CharField(max_length=60, blank=True, help_text="The child the parent reviewed for.")
    stars = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=TEXT_MAX, blank=True)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.VISIBLE)
    posted_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    flags = models.JSONField(default=list, blank=True, help_text="Automatic flags on the review's text.")
    reply_text = models.CharField(max_length=TEXT_MAX, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    reply_flags = models.JSONField(default=list, blank=True, help_text="Automatic flags on the reply.")
    # The staff queue: flagged since the last staff decision (an edit or a reply can flag again).
    flagged_at = models.DateTimeField(null=True, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_reason = models.CharField(max_length=300, blank=True, help_text="Staff's reason for the last decision.")

    class Meta:
        ordering = ["-posted_at", "-id"]
        indexes = [
            # The public list: an instructor's visible reviews, newest first.
            models.Index(fields=["instructor", "status", "-posted_at"], name="review_public_list_idx"),
            models.Index(fields=["author", "-posted_at"], name="review_author_idx"),
            models.Index(fields=["flagged_at"], name="review_flagged_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=MAX_STARS), name="review_stars_1_to_5"),
            models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="review_status_valid"),
            models.CheckConstraint(
                condition=Q(replied_at__isnull=True, reply_text="") | (Q(replied_at__isnull=False) & ~Q(reply_text="")),
                name="review_reply_has_text_and_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ for {self.service_name} ({self.status})"

    @property
    def is_visible(self) -> bool:
        return self.status == ReviewStatus.VISIBLE

    @property
    def needs_moderation(self) -> bool:
        return self.flagged_at is not None and (self.moderated_at is None or self.moderated_at < self.flagged_at)


class InstructorRating(models.Model):
    """An instructor's visible reviews, aggregated on every write that changes them
    (services.rating_refresh) so that profiles, cards and search read one row instead of
    aggregating reviews. No row means no reviews."""

    instructor = models.OneToOneField(
        "instructors.InstructorProfile", on_delete=models.CASCADE, primary_key=True, related_name="rating"
    )
    review_count = models.PositiveIntegerField(default=0)
    stars_total = models.PositiveIntegerField(default=0)
    stars_1 = models.PositiveIntegerField(default=0)
    stars_2 = models.PositiveIntegerField(default=0)
    stars_3 = models.PositiveIntegerField(default=0)
    stars_4 = models.PositiveIntegerField(default=0)
    stars_5 = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            # The histogram, the count and the total always agree.
            models.CheckConstraint(
                condition=Q(review_count=F("stars_1") + F("stars_2") + F("stars_3") + F("stars_4") + F("stars_5")),
                name="rating_count_is_histogram_sum",
            ),
            models.CheckConstraint(
                condition=Q(
                    stars_total=F("stars_1") + 2 * F("stars_2") + 3 * F("stars_3") + 4 * F("stars_4") + 5 * F("stars_5")
                ),
                name="rating_total_is_histogram_weighted_sum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review_count} reviews, {self.stars_total} stars"

    @property
    def histogram(self) -> dict[int, int]:
        return {stars: getattr(self, field) for stars, field in enumerate(STAR_FIELDS, start=1)}


class ReviewModerationEvent(models.Model):
    """Append-only record of every moderation action on a review: automatic flags (no actor)
    and staff decisions, with the reason and the review's state before and after."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="moderation_events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=ModerationAction.choices)
    reason = models.CharField(max_length=300, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=ModerationAction.values), name="review_event_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.action} review {self.review_id}"
