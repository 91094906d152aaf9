"""A review's status with its legal transitions, the automatic flags and what a moderation
event records."""

from __future__ import annotations

from django.db import models


class ReviewStatus(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HIDDEN = "hidden", "Hidden by staff"


REVIEW_TRANSITIONS: dict[ReviewStatus, frozenset[ReviewStatus]] = {
    ReviewStatus.VISIBLE: frozenset({ReviewStatus.HIDDEN}),
    ReviewStatus.HIDDEN: frozenset({ReviewStatus.VISIBLE}),
}


def review_can_transition(current: str, target: str) -> bool:
    return ReviewStatus(target) in REVIEW_TRANSITIONS[ReviewStatus(current)]


class Flag(models.TextChoices):
    """What the automatic checks notice in a review or a reply (moderation.py). A flag puts
    the review in the staff queue; it does not hide it."""

    SHORT = "short", "Very short"
    REPEATED = "repeated", "Repeated characters"
    LINK = "link", "Link"
    CONTACT = "contact", "Phone number or email"
    PROFANITY = "profanity", "Profanity"


class ModerationAction(models.TextChoices):
    FLAGGED = "flagged", "Flagged automatically"
    HIDDEN = "hidden", "Hidden"
    RESTORED = "restored", "Restored"
    CLEARED = "cleared", "Checked and kept"
