"""Instructor profile status and its legal transitions, declared once."""

from __future__ import annotations

from django.db import models


class ProfileStatus(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    LIVE = "live", "Live"
    SUSPENDED = "suspended", "Suspended"


PROFILE_TRANSITIONS: dict[ProfileStatus, frozenset[ProfileStatus]] = {
    ProfileStatus.ONBOARDING: frozenset({ProfileStatus.LIVE, ProfileStatus.SUSPENDED}),
    ProfileStatus.LIVE: frozenset({ProfileStatus.SUSPENDED}),
    ProfileStatus.SUSPENDED: frozenset({ProfileStatus.LIVE}),
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
