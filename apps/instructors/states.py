"""Instructor profile status and its legal transitions, declared once."""

from __future__ import annotations

from django.db import models


class ProfileStatus(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    LIVE = "live", "Live"
    SUSPENDED = "suspended", "Suspended"


PROFILE_TRANSITIONS: dict[ProfileStatus, frozenset[ProfileStatus]] = {
    ProfileStatus.ONBOARDING: frozenset({ProfileStatus.LIVE, ProfileStatus.SUSPENDED}),
    # LIVE → ONBOARDING: a go-live requirement lapsed (the background check expired); the
    # instructor goes live again once it is renewed.
    ProfileStatus.LIVE: frozenset({ProfileStatus.SUSPENDED, ProfileStatus.ONBOARDING}),
    # Staff reinstate to LIVE, or to ONBOARDING when a go-live requirement is missing by then.
    ProfileStatus.SUSPENDED: frozenset({ProfileStatus.LIVE, ProfileStatus.ONBOARDING}),
}


class Format(models.TextChoices):
    ONLINE = "online", "Online"
    STUDIO = "studio", "At the instructor's studio"
    TRAVEL = "travel", "At your place"


class SkillLevel(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


def can_transition(current: str, target: str) -> bool:
    return ProfileStatus(target) in PROFILE_TRANSITIONS[ProfileStatus(current)]
