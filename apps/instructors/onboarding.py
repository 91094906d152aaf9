"""Onboarding steps, each derived from the data model (nothing is stored about progress, so
the flow resumes wherever the instructor left it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.defaultfilters import pluralize

from apps.instructors.models import BIO_MIN, InstructorProfile
from apps.instructors.states import ProfileStatus


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    detail: str


@dataclass(frozen=True)
class OnboardingStatus:
    steps: list[Step]
    is_live: bool

    @property
    def missing(self) -> list[str]:
        return [step.detail for step in self.steps if not step.done and step.key != "go-live"]

    @property
    def can_go_live(self) -> bool:
        return not self.missing

    @property
    def next_step(self) -> Step:
        return next((step for step in self.steps if not step.done), self.steps[-1])

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)


def _skills_step(profile: InstructorProfile) -> Step:
    offerings = [o for o in profile.offerings.all() if o.is_active]
    if not offerings:
        return Step("skills", "Skills & prices", False, "add at least one subject with a price")
    if any(o.rate_studio_cents for o in offerings) and profile.studio_neighborhood_id is None:
        return Step("skills", "Skills & prices", False, "set your studio's neighborhood for studio lessons")
    if any(o.rate_online_cents and not o.meeting_link for o in offerings):
        return Step("skills", "Skills & prices", False, "add your video-call link to each subject taught online")
    if any(o.rate_travel_cents for o in offerings) and not profile.service_areas.exists():
        return Step("skills", "Skills & prices", False, "choose the areas you travel to")
    return Step("skills", "Skills & prices", True, f"{len(offerings)} subject{pluralize(len(offerings))} offered")


def onboarding_status(profile: InstructorProfile) -> OnboardingStatus:
    about_done = len(profile.bio.strip()) >= BIO_MIN and bool(profile.display_name.strip())
    identity, background = profile.identity_verified_at, profile.background_check_passed_at
    steps = [
        Step("welcome", "About you", about_done, "write a short bio" if not about_done else "profile written"),
        _skills_step(profile),
        Step(
            "verification",
            "Verification",
            bool(identity and background),
            "identity and background check confirmed"
            if identity and background
            else (
                "get your background check approved" if identity else "verify your identity and pass a background check"
            ),
        ),
        Step(
            "payouts",
            "Payouts",
            profile.payouts_connected_at is not None,
            "payout account connected" if profile.payouts_connected_at else "connect a payout account",
        ),
        Step("go-live", "Go live", profile.status == ProfileStatus.LIVE, "your profile is public"),
    ]
    return OnboardingStatus(steps=steps, is_live=profile.status == ProfileStatus.LIVE)
