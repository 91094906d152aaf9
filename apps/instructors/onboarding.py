"""Onboarding steps, each derived from the data model (nothing is stored about progress, so
the flow resumes wherever the instructor left it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from django.template.defaultfilters import pluralize

from apps.core.dates import day_label
from apps.instructors.models import BIO_MIN, InstructorProfile
from apps.instructors.states import ProfileStatus
from apps.media.models import BackgroundCheckDocument
from apps.media.states import DocumentStatus
from apps.payments.models import IdentityVerification, PayoutAccount

# "in_review": something was sent and waits on our team; "rejected": it came back with a
# reason, and the instructor has to act.
StepState = Literal["done", "todo", "in_review", "rejected"]


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    detail: str
    state: StepState = "todo"

    @property
    def state_label(self) -> str:
        return {"done": "Done", "todo": "To do", "in_review": "In review", "rejected": "Needs a new document"}[
            self.state
        ]


@dataclass(frozen=True)
class CheckState:
    """One verification check as the instructor sees it: a pill, and a sentence saying what
    it means and what to do."""

    state: StepState
    label: str
    sentence: str
    reason: str = ""


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

    @property
    def started(self) -> bool:
        return self.done_count > 0


def _step(key: str, title: str, done: bool, detail: str) -> Step:
    return Step(key, title, done, detail, "done" if done else "todo")


def _skills_step(profile: InstructorProfile) -> Step:
    offerings = [o for o in profile.offerings.all() if o.is_active]
    if not offerings:
        return _step("skills", "Skills & prices", False, "add at least one subject with a price")
    if any(o.rate_studio_cents for o in offerings) and profile.studio_neighborhood_id is None:
        return _step("skills", "Skills & prices", False, "set your studio's neighborhood for studio lessons")
    if any(o.rate_online_cents and not o.meeting_link for o in offerings):
        return _step("skills", "Skills & prices", False, "add your video-call link to each subject taught online")
    if any(o.rate_travel_cents for o in offerings) and not profile.service_areas.exists():
        return _step("skills", "Skills & prices", False, "choose the areas you travel to")
    return _step("skills", "Skills & prices", True, f"{len(offerings)} subject{pluralize(len(offerings))} offered")


def background_check_state(profile: InstructorProfile, document: BackgroundCheckDocument | None) -> CheckState:
    """The background check from the instructor's latest document (None: never sent)."""
    zone = ZoneInfo(profile.timezone)
    if profile.background_check_passed_at is not None:
        if document is not None and document.status == DocumentStatus.APPROVED and document.valid_until:
            until = day_label(document.valid_until.astimezone(zone))
            return CheckState("done", "Approved", f"Valid until {until}. We remind you 30 days before it runs out.")
        return CheckState("done", "Passed", "Your background check is confirmed.")
    if document is None:
        return CheckState("todo", "Not sent yet", "Upload the report from your background-check provider.")
    sent = day_label(document.submitted_at.astimezone(zone))
    if document.status == DocumentStatus.PENDING:
        return CheckState(
            "in_review", "In review", f"Received {sent}. Our team reviews it and emails you the result; nothing to do."
        )
    if document.status == DocumentStatus.REJECTED:
        return CheckState(
            "rejected", "Not accepted", "Upload a new document that fixes this.", reason=document.rejection_reason
        )
    return CheckState("todo", "Expired", "Your last check ran out. Upload a new report to stay listed.")


def identity_check_state(
    profile: InstructorProfile, background: CheckState, *, online: bool, last_try: IdentityVerification | None
) -> CheckState:
    """Identity: with the provider's check when it runs here (`online`), else confirmed by
    our team from the background-check document."""
    if profile.identity_verified_at is not None:
        day = day_label(profile.identity_verified_at.astimezone(ZoneInfo(profile.timezone)))
        return CheckState("done", "Verified", f"Confirmed {day}.")
    if online:
        if last_try is not None and last_try.status == "processing":
            return CheckState("in_review", "In review", "Our partner Stripe is checking your photos.")
        if last_try is not None and last_try.error:
            return CheckState("rejected", "Not verified", "Try again with a clear photo.", reason=last_try.error)
        return CheckState("todo", "Not verified yet", "A photo of your ID and a selfie, about two minutes.")
    if background.state == "in_review":
        return CheckState("in_review", "In review", "Our team confirms it from your background-check document.")
    return CheckState("todo", "Not verified yet", "Our team confirms it from your background-check document.")


def payouts_check_state(profile: InstructorProfile, account: PayoutAccount | None) -> CheckState:
    if profile.payouts_connected_at is not None:
        day = day_label(profile.payouts_connected_at.astimezone(ZoneInfo(profile.timezone)))
        return CheckState("done", "Connected", f"Since {day}.")
    if account is not None and account.details_submitted:
        missing = ", ".join(account.currently_due)
        return CheckState(
            "in_review",
            "In review",
            "Our payment partner is checking your details" + (f" and still needs: {missing}." if missing else "."),
        )
    return CheckState("todo", "Not connected yet", "Connect the bank account your earnings go to.")


def _verification_step(profile: InstructorProfile, document: BackgroundCheckDocument | None) -> Step:
    identity, background = profile.identity_verified_at, profile.background_check_passed_at
    if identity and background:
        return _step("verification", "Verification", True, "identity and background check confirmed")
    check = background_check_state(profile, document) if not background else None
    if check is not None and check.state == "in_review":
        return Step("verification", "Verification", False, "your background check is in review", "in_review")
    if check is not None and check.state == "rejected":
        return Step(
            "verification", "Verification", False,
            f"your background check was not accepted ({check.reason}): upload a new one", "rejected",
        )  # fmt: skip
    if identity:
        return _step("verification", "Verification", False, "get your background check approved")
    if background:
        return _step("verification", "Verification", False, "verify your identity")
    return _step("verification", "Verification", False, "verify your identity and pass a background check")


def onboarding_status(
    profile: InstructorProfile, *, document: BackgroundCheckDocument | None = None
) -> OnboardingStatus:
    """`document`: the latest background-check document, when the caller shows the steps to
    the instructor (the pages load it; go-live rules only need the profile)."""
    about_done = len(profile.bio.strip()) >= BIO_MIN and bool(profile.display_name.strip())
    payouts = profile.payouts_connected_at is not None
    steps = [
        _step("welcome", "About you", about_done, "profile written" if about_done else "write a short bio"),
        _skills_step(profile),
        _verification_step(profile, document),
        _step("payouts", "Payouts", payouts, "payout account connected" if payouts else "connect a payout account"),
        _step("go-live", "Go live", profile.status == ProfileStatus.LIVE, "your profile is public"),
    ]
    return OnboardingStatus(steps=steps, is_live=profile.status == ProfileStatus.LIVE)
