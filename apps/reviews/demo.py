"""Demo reviews, so ratings show on the first run.

Two parts. The story's completed lessons (apps/bookings/demo.py) are reviewed through the real
services, a day or so after each lesson, with instructor1 replying to some: instructor1 shows a
rating, one review waits in the staff queue (it shares a phone number), and student1's lesson
for their child is left for the visitor to review. Then a history: for nearly every other
instructor, lessons from 5 weeks to 7 months ago (completed, paid and settled, never two at
once for one student) with their reviews and some replies, bulk-inserted, and every rating row
rebuilt with one grouped query. Each instructor gets a quality between 3.8 and 5.0 stars and
reviews that average to it; about one in ten has fewer than three reviews and shows "New".
Deterministic for a seed; the history starts after the trailing 30 days, so no commission
tier or review prompt of the story changes.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone

from apps.accounts.models import User
from apps.bookings.models import Booking, BookingEvent
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.core.bulk import rows_insert
from apps.core.models import PlatformConfig, platform_config
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.states import Format
from apps.payments.pricing import PriceBreakdown, price_breakdown
from apps.reviews.models import Review
from apps.reviews.services import rating_rebuild, review_create, review_reply
from apps.reviews.states import ReviewStatus

if TYPE_CHECKING:
    from apps.core.demo import DemoContext

HISTORY_DAYS = (35, 210)  # how long ago the historical lessons were
NEW_SHARE = 0.1  # instructors with fewer than three reviews ("New")
# The others: at least three, usually a handful, now and then many (an exponential tail).
REVIEWS_MIN, REVIEWS_EXTRA_MEAN, REVIEWS_MAX = 3, 2.0, 20
QUALITY = (3.8, 5.0)  # what an instructor's reviews average to
TEXT_SHARE, REPLY_SHARE = 0.75, 0.35
LESSON_HOURS = (9, 19)  # local start hours
FLAGGED_TEXT = "Great first lesson! If anyone wants to share lessons, text me at 917-555-0134."

TEXTS: dict[int, tuple[str, ...]] = {
    5: (
        "{first} is wonderful: patient, well prepared and fun. We booked again right away.",
        "Best {service} lessons we've had. Clear explanations and real progress every week.",
        "My daughter looks forward to every lesson. {first} knows exactly how to keep her motivated.",
        "Friendly, punctual and very knowledgeable. I finally understand what I'm doing.",
        "Excellent teacher. {first} adapted the lesson to my level and gave me a great practice plan.",
        "Calm, encouraging and clearly loves teaching {service}. Highly recommended.",
    ),
    4: (
        "Very good lesson. {first} knows the subject well; the first minutes felt a little rushed.",
        "Good teacher and a pleasant studio. I'd like a bit more homework between lessons.",
        "Solid {service} lesson with clear feedback. Started a few minutes late but made up the time.",
        "My son enjoyed it and learned a lot. We'll keep going.",
    ),
    3: (
        "A decent lesson, but it felt generic. I hoped for more focus on my goals.",
        "{first} knows {service} well, but the pace was too fast for a beginner like me.",
        "Fine overall. Communication before the lesson could be better.",
    ),
    2: ("The lesson started late and felt unprepared. Not what I expected from the profile.",),
    1: ("Not a good fit for us: very little teaching happened in the hour.",),
}
THANKS = (
    "Thank you so much! It's a pleasure teaching you. See you next week.",
    "Thanks for the kind words. Keep practicing what we covered and you'll fly.",
    "Thank you! Lovely to hear, and well deserved: you put in the work.",
)
SORRY = (
    "Thank you for the honest feedback. Next time we'll set clear goals together at the start.",
    "Sorry the lesson felt rushed. I've changed my schedule so we always start on time.",
)


def seed_reviews(ctx: DemoContext) -> None:
    now = timezone.now()
    story_instructor = InstructorProfile.objects.filter(user__in=ctx.instructors[:1]).first()
    _review_story(ctx, story_instructor, now)
    students = ctx.students[1:]  # student1 keeps exactly the story README tells
    profiles = list(
        InstructorProfile.objects.filter(user__in=ctx.instructors[1:])
        .prefetch_related("offerings__service")
        .order_by("pk")
    )
    if students and profiles:
        _history(ctx.rng, profiles, students, now)


# --- the story, through the services -----------------------------------------------------------


def _text(rng: random.Random, stars: int, profile: InstructorProfile, service: str) -> str:
    return rng.choice(TEXTS[stars]).format(first=profile.display_name.split()[0], service=service.lower())


def _review_story(ctx: DemoContext, teacher1: InstructorProfile | None, now: datetime) -> None:
    """Reviews of the story's completed lessons, a day or so after each (never in the future)."""
    rng, student1 = ctx.rng, ctx.students[0] if ctx.students else None
    done = (
        Booking.objects.filter(status=BookingStatus.COMPLETED)
        .select_related("instructor", "student", "learner")
        .order_by("ends_at", "pk")
    )
    flagged = False
    for booking in done:
        if booking.student == student1 and booking.learner is not None:
            continue  # left for the visitor: "How was Maya's lesson?"
        posted = min(booking.ends_at + timedelta(hours=rng.randint(26, 40)), now - timedelta(minutes=5))
        stars = rng.choice((5, 5, 5, 4))
        text = _text(rng, stars, booking.instructor, booking.service_name)
        if not flagged and booking.instructor == teacher1 and booking.student != student1:
            text, flagged = FLAGGED_TEXT, True  # the staff's moderation queue has one to look at
        review = review_create(actor=booking.student, booking_id=booking.pk, stars=stars, text=text, now=posted)
        if booking.instructor == teacher1 and not review.flags and rng.random() < 0.6:
            answered = min(posted + timedelta(hours=rng.randint(2, 20)), now - timedelta(minutes=1))
            reply = rng.choice(THANKS if review.stars >= 4 else SORRY)
            review_reply(actor=booking.instructor.user, booking_id=booking.pk, text=reply, now=answered)


# --- the history, in bulk ------------------------------------------------------------------
# Rows without model instances (apps/core/bulk.py): instances for a few thousand bookings,
# their events and reviews cost more than the rest of the demo's reviews together.

BOOKING_FIELDS = [
    "public_id", "student", "instructor", "offering", "service_name", "format", "duration_minutes", "starts_at",
    "ends_at", "blocked_until", "student_timezone", "instructor_timezone", "location_text", "status",
    "payment_status", "hourly_rate_cents", "lesson_price_cents", "booking_fee_cents", "credits_applied_cents",
    "total_cents", "commission_bps", "instructor_net_cents", "booked_at", "payment_intent_id", "payment_attempts",
    "created_at", "updated_at",
]  # fmt: skip
EVENT_FIELDS = ["booking", "at", "actor", "kind", "from_status", "to_status", "reason", "amount_cents"]
REVIEW_FIELDS = [
    "booking", "instructor", "author", "service_name", "learner_name", "stars", "text", "status", "posted_at",
    "flags", "reply_text", "replied_at", "reply_flags", "moderation_reason",
]  # fmt: skip


def _review_count(rng: random.Random) -> int:
    return min(REVIEWS_MAX, REVIEWS_MIN + int(rng.expovariate(1 / REVIEWS_EXTRA_MEAN)))


def _stars(rng: random.Random, count: int) -> list[int]:
    """`count` reviews averaging to a quality drawn from QUALITY: all fives, then stars taken
    off at random until the total is reached (mostly fours and threes, now and then a two)."""
    quality = rng.uniform(*QUALITY)
    stars = [5] * count
    deficit = 5 * count - min(5 * count, math.ceil(quality * count))
    while deficit:
        index = rng.randrange(count)
        if stars[index] > 2:
            stars[index] -= 1
            deficit -= 1
    return stars


def _format(offering: Offering) -> str:
    """In person when offered (most lessons are), online otherwise."""
    for fmt in (Format.STUDIO, Format.ONLINE, Format.TRAVEL):
        if offering.rate_for(fmt) is not None:
            return fmt.value
    raise ValueError("an offering always has a rate")


def _where(profile: InstructorProfile, fmt: str) -> str:
    if fmt == Format.ONLINE:
        return "Online"
    if fmt == Format.STUDIO:
        hood = profile.studio_neighborhood
        return f"{profile.display_name}'s studio, {hood.name}" if hood else f"{profile.display_name}'s studio"
    return "At the student's home"


class _Calendar:
    """Picks, for each lesson day, a student who has no other lesson that day."""

    def __init__(self, students: Sequence[User], rng: random.Random) -> None:
        self.students, self.rng = list(students), rng
        self.busy: set[tuple[int, int]] = set()  # (student id, days ago)

    def student_for(self, days_ago: int) -> User | None:
        start = self.rng.randrange(len(self.students))
        for step in range(len(self.students)):
            student = self.students[(start + step) % len(self.students)]
            if (student.pk, days_ago) not in self.busy:
                self.busy.add((student.pk, days_ago))
                return student
        return None


@dataclass(frozen=True)
class _Teaching:
    """What every historical lesson of one instructor shares, computed once per instructor."""

    profile: InstructorProfile
    offering: Offering
    format: str
    zone: ZoneInfo
    minutes: int
    blocked_minutes: int  # the lesson and the buffer after it
    price: PriceBreakdown


def _teaching(profile: InstructorProfile, config: PlatformConfig) -> _Teaching:
    offering = profile.offerings.all()[0]
    fmt = _format(offering)
    minutes = offering.duration_options[0] if offering.duration_options else 60
    price = price_breakdown(
        hourly_rate_cents=offering.rate_for(fmt) or 0, duration_minutes=minutes,
        booking_fee_bps=config.booking_fee_bps, commission_rate_bps=config.commission_base_bps,
    )  # fmt: skip
    buffer = profile.travel_buffer_minutes if fmt == Format.TRAVEL else profile.buffer_minutes
    return _Teaching(profile, offering, fmt, ZoneInfo(profile.timezone), minutes, minutes + buffer, price)


@dataclass(frozen=True)
class _Lesson:
    booking: tuple[object, ...]  # BOOKING_FIELDS
    public_id: uuid.UUID
    student: User
    teaching: _Teaching
    ends_at: datetime
    booked_at: datetime
    stars: int
    text: str


def _lesson(
    rng: random.Random, teaching: _Teaching, student: User, days_ago: int, stars: int, now: datetime
) -> _Lesson:
    t, price = teaching, teaching.price
    day = (now - timedelta(days=days_ago)).astimezone(t.zone).date()
    starts_at = datetime.combine(day, time(rng.randint(*LESSON_HOURS)), t.zone)
    ends_at = starts_at + timedelta(minutes=t.minutes)
    booked_at = starts_at - timedelta(days=rng.randint(2, 14))
    public_id = uuid.UUID(int=rng.getrandbits(128), version=4)  # from the seed: the same demo every time
    booking = (
        public_id, student.pk, t.profile.pk, t.offering.pk, t.offering.service.name, t.format, t.minutes, starts_at,
        ends_at, starts_at + timedelta(minutes=t.blocked_minutes), student.timezone, t.profile.timezone,
        _where(t.profile, t.format), BookingStatus.COMPLETED, PaymentStatus.SETTLED, price.hourly_rate_cents,
        price.lesson_price_cents, price.booking_fee_cents, 0, price.total_cents, price.commission_bps,
        price.instructor_net_cents, booked_at, "", 0, booked_at, ends_at + timedelta(hours=24),
    )  # fmt: skip
    text = _text(rng, stars, t.profile, t.offering.service.name) if rng.random() < TEXT_SHARE else ""
    return _Lesson(booking, public_id, student, t, ends_at, booked_at, stars, text)


def _history(rng: random.Random, profiles: list[InstructorProfile], students: list[User], now: datetime) -> None:
    calendar, config = _Calendar(students, rng), platform_config()
    lessons: list[_Lesson] = []
    went_live: list[InstructorProfile] = []
    first, last = HISTORY_DAYS
    for profile in profiles:
        count = rng.randint(0, 2) if rng.random() < NEW_SHARE else _review_count(rng)
        if not count or not profile.offerings.all():
            continue
        days = sorted(rng.sample(range(first, last), count), reverse=True)  # one lesson a day at most
        teaching = _teaching(profile, config)
        for days_ago, stars in zip(days, _stars(rng, count), strict=True):
            student = calendar.student_for(days_ago)
            if student is not None:
                lessons.append(_lesson(rng, teaching, student, days_ago, stars, now))
        # Nobody teaches here before going live: it went live before its first lesson.
        profile.went_live_at = now - timedelta(days=days[0] + rng.randint(7, 60))
        went_live.append(profile)
    _insert(rng, lessons, now)
    InstructorProfile.objects.bulk_update(went_live, ["went_live_at"], batch_size=2000)
    rating_rebuild(instructor_ids=[p.pk for p in went_live], now=now)


def _insert(rng: random.Random, lessons: list[_Lesson], now: datetime) -> None:
    rows_insert(Booking, BOOKING_FIELDS, [lesson.booking for lesson in lessons])
    # The ids the database gave them: the history is every settled lesson before the story began.
    story_start = now - timedelta(days=HISTORY_DAYS[0] - 1)
    ids = dict(
        Booking.objects.filter(status=BookingStatus.COMPLETED, payment_status=PaymentStatus.SETTLED,
                               starts_at__lt=story_start).values_list("public_id", "pk")
    )  # fmt: skip
    events: list[tuple[object, ...]] = []
    reviews: list[tuple[object, ...]] = []
    for lesson in lessons:
        booking_id, t = ids[lesson.public_id], lesson.teaching
        events.append((booking_id, lesson.booked_at, lesson.student.pk, "created", "", BookingStatus.CONFIRMED,
                       f"Booked {t.offering.service.name}", t.price.total_cents))  # fmt: skip
        events.append((booking_id, lesson.ends_at + timedelta(hours=24), None, "status", BookingStatus.CONFIRMED,
                       BookingStatus.COMPLETED, "completed automatically", None))  # fmt: skip
        posted = lesson.ends_at + timedelta(hours=rng.randint(3, 96))
        reply, replied = "", None
        if rng.random() < REPLY_SHARE:
            reply = rng.choice(THANKS if lesson.stars >= 4 else SORRY)
            replied = posted + timedelta(hours=rng.randint(2, 48))
        # The phrase bank is clean (tests/test_demo.py checks every phrase), so no flags.
        reviews.append((booking_id, t.profile.pk, lesson.student.pk, t.offering.service.name, "", lesson.stars,
                        lesson.text, ReviewStatus.VISIBLE, posted, [], reply, replied, [], ""))  # fmt: skip
    rows_insert(BookingEvent, EVENT_FIELDS, events)
    rows_insert(Review, REVIEW_FIELDS, reviews)
