"""The instructor's home page ("Teach"): until live, the onboarding checklist with a Start
button; once live, today's lessons, this week's earnings, what waits on them, how complete
the profile is and what to do next. One selector call per page, in a fixed number of queries
however many lessons, reviews or messages there are (tests/…/test_dashboard.py counts them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse

from apps.accounts.models import User
from apps.availability.models import AvailabilityDay
from apps.bookings.models import Booking
from apps.bookings.pages import lesson_who, time_range
from apps.bookings.selectors import booking_list
from apps.bookings.states import BookingStatus
from apps.instructors.models import InstructorProfile
from apps.instructors.onboarding import OnboardingStatus, onboarding_status
from apps.media.models import ProfilePicture
from apps.media.selectors import document_latest_get
from apps.messaging.selectors import unread_conversation_count
from apps.payments.payouts import EarningsSummary, earnings_summary_get
from apps.reviews.models import Review
from apps.reviews.states import ReviewStatus

# Lessons on today's list: what is on (or was on) the calendar, not what was called off.
TODAY_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


@dataclass(frozen=True)
class TodayLesson:
    booking: Booking
    when: str
    who: str
    service: str


@dataclass(frozen=True)
class PendingAction:
    text: str
    url: str


@dataclass(frozen=True)
class CompletenessItem:
    title: str
    done: bool
    url: str
    hint: str


@dataclass(frozen=True)
class InstructorDashboard:
    profile: InstructorProfile
    onboarding: OnboardingStatus
    today: list[TodayLesson]
    earnings: EarningsSummary | None  # None until the first go-live: nothing is earned before
    actions: list[PendingAction]
    completeness: list[CompletenessItem]

    @property
    def completeness_percent(self) -> int:
        return 100 * sum(item.done for item in self.completeness) // len(self.completeness)

    @property
    def next_steps(self) -> list[CompletenessItem]:
        return [item for item in self.completeness if not item.done]


def _today(user: User, profile: InstructorProfile, now: datetime) -> list[TodayLesson]:
    zone = ZoneInfo(profile.timezone)
    midnight = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    lessons = booking_list(user=user, upcoming=None, now=now).filter(
        instructor=profile,
        status__in=TODAY_STATUSES,
        starts_at__gte=midnight,
        starts_at__lt=midnight + timedelta(days=1),
    )
    return [
        TodayLesson(
            booking=lesson,
            when=time_range(lesson.starts_at, lesson.ends_at, profile.timezone),
            who=lesson_who(lesson, user),
            service=lesson.service_name,
        )
        for lesson in lessons.order_by("starts_at")
    ]


def _actions(user: User, profile: InstructorProfile, now: datetime) -> list[PendingAction]:
    to_complete = Booking.objects.filter(instructor=profile, status=BookingStatus.CONFIRMED, ends_at__lte=now).count()
    to_reply = Review.objects.filter(instructor=profile, status=ReviewStatus.VISIBLE, replied_at__isnull=True).count()
    unread = unread_conversation_count(user=user)
    actions = []
    if to_complete:
        noun = "lesson" if to_complete == 1 else "lessons"
        actions.append(PendingAction(f"Mark {to_complete} finished {noun} as complete", reverse("bookings:schedule")))
    if to_reply:
        noun = "review" if to_reply == 1 else "reviews"
        actions.append(PendingAction(f"Reply to {to_reply} {noun}", reverse("reviews:mine")))
    if unread:
        noun = "conversation" if unread == 1 else "conversations"
        actions.append(PendingAction(f"Read {unread} unread {noun}", reverse("messaging:inbox")))
    return actions


def _completeness(user: User, profile: InstructorProfile, now: datetime) -> list[CompletenessItem]:
    today = now.astimezone(ZoneInfo(profile.timezone)).date()
    has_picture = ProfilePicture.objects.filter(user=user).exists()
    has_times = AvailabilityDay.objects.filter(instructor=profile, date__gte=today).exists()
    about = reverse("instructors_onboarding:about")
    return [
        CompletenessItem("Profile picture", has_picture, reverse("media:picture"), "students book faces they can see"),
        CompletenessItem("Headline", bool(profile.headline.strip()), about, "one line under your name in search"),
        CompletenessItem("Years of experience", profile.years_experience > 0, about, "shown on your card and profile"),
        CompletenessItem(
            "Open times", has_times, reverse("availability:editor"), "students can only book times you open"
        ),
    ]


def instructor_dashboard_get(*, user: User, profile: InstructorProfile, now: datetime) -> InstructorDashboard:
    """Everything the Teach page shows. `profile` comes from instructor_own_get (offerings and
    areas prefetched, which the onboarding status reads)."""
    onboarding = onboarding_status(profile, document=document_latest_get(instructor_id=user.pk))
    # Lessons and money stay on the page once the instructor has ever been live: a lapsed
    # check or a suspension hides the profile, not the lessons already booked.
    taught = onboarding.is_live or profile.went_live_at is not None
    return InstructorDashboard(
        profile=profile,
        onboarding=onboarding,
        today=_today(user, profile, now) if taught else [],
        earnings=earnings_summary_get(actor=user, now=now) if taught else None,
        actions=_actions(user, profile, now) if taught else [],
        completeness=_completeness(user, profile, now),
    )
