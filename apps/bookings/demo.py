"""Demo lessons: two weeks of history played through the real services on a simulated
clock, so the demo student and instructor find every state the product has.

The clock starts `HISTORY_DAYS` ago. Bookings, cancellations and a reschedule happen at their
moments, and the money sweeps run every hour in between exactly as the scheduler would: cards
are authorized the day before, lessons auto-complete, charges are captured after the dispute
window, and Monday payouts go out. Nothing here writes a booking, a charge or a credit by
hand, so the demo shows what the product really does.

What it leaves (student1 and instructor1 in the README):
- student1: two completed lessons, one cancelled early (nothing charged), one cancelled late
  (half the price back as credit), one rescheduled and two more upcoming, one for their
  child; a saved test card, credits and the notifications all of this sent;
- instructor1: past lessons paid out, a week of upcoming lessons with several students, and
  a background-check renewal waiting for staff review.
"""

from __future__ import annotations

import heapq
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from PIL import Image

from apps.accounts.models import Learner, User
from apps.availability.cells import mask_from_ranges
from apps.availability.models import AvailabilityDay
from apps.availability.open_quarters import open_quarters_refresh
from apps.availability.selectors_public import (
    SlotChoice,
    offerings_of,
    open_slot_list,
    slot_choice_resolve,
    slot_instructor_get,
)
from apps.bookings.models import Booking
from apps.bookings.policies import booking_cancel, booking_reschedule
from apps.bookings.services import BookingRequest, booking_create
from apps.bookings.states import ACTIVE_STATUSES
from apps.bookings.sweeps import money_sweeps_run
from apps.instructors.models import InstructorProfile
from apps.media.services.documents import document_submit
from apps.payments.services import payment_method_add

if TYPE_CHECKING:
    from apps.core.demo import DemoContext

HISTORY_DAYS = 15
# The scheduler sweeps every minute; sweeping the simulated weeks twice a day gives the same
# end state (each sweep does whatever is due by then) at a fraction of the cost.
TICK = timedelta(hours=12)
HOUR = timedelta(hours=1)
TEST_CARD = "4242424242424242"  # the local gateway's card that always succeeds
PAST_HOURS = (9 * 60, 20 * 60)  # open hours given to the days before the demo's "today"
WEEK_STUDENTS = 5  # other students who fill instructor1's coming week
LOOK_AHEAD_DAYS = 3  # when the planned day is closed, the lesson moves to the next open one
AFTERNOON_HOUR = 15


@dataclass
class _Clock:
    """Actions at given instants, played in order with the money sweeps every `TICK`. Each
    action runs at its own instant; an action may schedule another (a cancellation timed from
    the start of the lesson it just booked)."""

    start: datetime
    queue: list[tuple[datetime, int, Callable[[datetime], None]]] = field(default_factory=list)
    added: int = 0

    def at(self, when: datetime, action: Callable[[datetime], None]) -> None:
        heapq.heappush(self.queue, (when, self.added, action))
        self.added += 1

    def run_until(self, stop: datetime) -> None:
        now = self.start
        while now <= stop:
            while self.queue and self.queue[0][0] <= now:
                when, _, action = heapq.heappop(self.queue)
                action(when)
            money_sweeps_run(now=now)
            now += TICK


def _teacher(service: str, *, exclude: set[int]) -> InstructorProfile:
    """The first demo instructor teaching `service` at a studio or online (no address
    needed), or any other instructor in a demo too small to have one."""
    others = InstructorProfile.objects.exclude(pk__in=exclude).order_by("pk")
    studio_or_online = Q(offerings__rate_studio_cents__isnull=False) | Q(offerings__rate_online_cents__isnull=False)
    found = others.filter(studio_or_online, offerings__service__slug=service).first() or others.first()
    if found is None:
        raise ValueError("The demo needs at least two instructors for its lessons.")
    return found


def _choice(profile: InstructorProfile) -> SlotChoice:
    """The instructor's first offering, at the studio when there is one, else online."""
    offering = offerings_of(profile)[0]
    fmt = "studio" if offering.rate_studio_cents else "online" if offering.rate_online_cents else None
    return slot_choice_resolve(profile, service=offering.service.slug, fmt=fmt, duration=None)


def _bookable(profile: InstructorProfile) -> InstructorProfile:
    """The profile as the booking pages load it (with its bookable offerings)."""
    found = slot_instructor_get(instructor_id=profile.pk)
    assert found is not None, "demo instructors are live"
    return found


def _open_past_days(profiles: list[InstructorProfile], first: date, today: date) -> None:
    """Seeded availability starts today; the history needs the days before it open too."""
    mask = mask_from_ranges([PAST_HOURS])
    days = [first + timedelta(days=n) for n in range((today - first).days)]
    AvailabilityDay.objects.bulk_create(
        [AvailabilityDay(instructor=profile, date=day, cells=mask) for profile in profiles for day in days],
        ignore_conflicts=True,
    )


@dataclass
class _Lessons:
    """Books on the simulated clock and remembers what it booked under a name."""

    clock: _Clock
    booked: dict[str, Booking] = field(default_factory=dict)

    def book(
        self, name: str, *, when: datetime, student: User, profile: InstructorProfile, day: date,
        learner: Learner | None = None,
    ) -> None:  # fmt: skip
        def action(now: datetime) -> None:
            start = _first_start(profile, day, now, student=student)
            if start is None:
                return  # nothing open for days: the instructor's pattern leaves no room
            choice = _choice(profile)
            request = BookingRequest(
                instructor=profile.slug, service=choice.offering.service.slug, format=choice.format,
                duration_minutes=choice.duration, starts_at=start, learner_id=learner.pk if learner else None,
                payment_method_id=student.payment_methods.get(is_default=True).pk,
            )  # fmt: skip
            self.booked[name] = booking_create(actor=student, request=request, now=now)

        self.clock.at(when, action)

    def cancel(self, name: str, *, when: datetime, actor: User) -> None:
        self.clock.at(when, lambda now: self._cancel(name, actor, now))

    def cancel_before_start(self, name: str, *, hours: int, actor: User, when: datetime) -> None:
        """At `when`, once the lesson is booked, schedule its cancellation `hours` before it starts."""

        def action(_: datetime) -> None:
            if name in self.booked:
                self.cancel(name, when=self.booked[name].starts_at - timedelta(hours=hours), actor=actor)

        self.clock.at(when, action)

    def _cancel(self, name: str, actor: User, now: datetime) -> None:
        if name in self.booked:
            booking_cancel(actor=actor, booking_id=self.booked[name].pk, now=now, reason="plans changed")

    def reschedule(self, name: str, *, when: datetime, actor: User, days_later: int) -> None:
        """Move the lesson to the first open start at least `days_later` days after its day."""

        def action(now: datetime) -> None:
            booking = self.booked.get(name)
            if booking is None:
                return
            profile = _bookable(booking.instructor)
            day = booking.starts_at.astimezone(ZoneInfo(profile.timezone)).date() + timedelta(days=days_later)
            start = _first_start(profile, day, now, student=actor, exclude=booking.pk)
            if start is not None:
                booking_reschedule(actor=actor, booking_id=booking.pk, starts_at=start, now=now)

        self.clock.at(when, action)


def _first_start(
    profile: InstructorProfile, day: date, now: datetime, *, student: User, exclude: int | None = None
) -> datetime | None:
    """The first open start on `day` or, when that day is closed, on one of the next few,
    preferring the afternoon (lessons at 9 am every time look staged), and never while the
    student has another lesson (`exclude`: the lesson being moved)."""
    zone = ZoneInfo(profile.timezone)
    choice = _choice(profile)
    last = day + timedelta(days=LOOK_AHEAD_DAYS)
    starts = open_slot_list(
        profile=profile, choice=choice, date_from=day, date_to=last, now=now, exclude_booking_id=exclude
    )
    busy = list(
        Booking.objects.filter(student=student, status__in=ACTIVE_STATUSES)
        .exclude(pk__in=[exclude] if exclude else [])
        .values_list("starts_at", "ends_at")
    )
    length = timedelta(minutes=choice.duration)
    starts = [s for s in starts if not any(s < end and begin < s + length for begin, end in busy)]
    if not starts:
        return None
    first_day = starts[0].astimezone(zone).date()
    that_day = [s for s in starts if s.astimezone(zone).date() == first_day]
    return next((s for s in that_day if s.astimezone(zone).hour >= AFTERNOON_HOUR), that_day[0])


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (245, 245, 240)).save(out, format="PNG")
    return out.getvalue()


def seed_lessons(ctx: DemoContext) -> None:
    if len(ctx.students) < 2 or len(ctx.instructors) < 2:
        return  # a demo too small to tell the story
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=HISTORY_DAYS)
    today = timezone.localdate(now)
    student, others = ctx.students[0], ctx.students[1 : 1 + WEEK_STUDENTS]
    child = Learner.objects.filter(parent=student, age_group_id="kids").first()
    teacher1 = _bookable(InstructorProfile.objects.get(user=ctx.instructors[0]))
    spanish = _bookable(_teacher("spanish", exclude={teacher1.pk}))
    _open_past_days([teacher1, spanish], timezone.localdate(start), today)
    open_quarters_refresh(instructor_ids=[teacher1.pk, spanish.pk], now=now)
    for user in [student, *others]:
        payment_method_add(actor=user, card_token=TEST_CARD, request_key="demo")
    kids = {
        user.pk: Learner.objects.create(parent=user, first_name=name, age_group_id="kids")
        for user, name in zip(others, ["Ada", "Milo", "Iris", "Theo", "June"], strict=False)
    }
    clock = _Clock(start=start)
    lessons = _Lessons(clock)

    def day(offset: int) -> date:
        return timezone.localdate(start) + timedelta(days=offset)

    # student1's history: two lessons taught and paid for, one early and one late cancellation.
    lessons.book("spanish-done", when=start, student=student, profile=spanish, day=day(3))
    lessons.book("piano-done", when=start, student=student, profile=teacher1, day=day(4), learner=child)
    lessons.book("cancelled-early", when=start, student=student, profile=spanish, day=day(9))
    lessons.cancel("cancelled-early", when=start + timedelta(days=5), actor=student)
    # Cancelled after the coming lessons were booked, so its credit is still there to spend.
    lessons.book("cancelled-late", when=start + HOUR, student=student, profile=spanish, day=day(HISTORY_DAYS - 2))
    lessons.cancel_before_start("cancelled-late", hours=6, actor=student, when=start + 2 * HOUR)
    # instructor1's past lessons, paid out on the Mondays the clock passes.
    for index, other in enumerate(others):
        lessons.book(f"past-{index}", when=start + timedelta(hours=1 + index), student=other, profile=teacher1,
                     day=day(2 + 2 * index), learner=kids[other.pk])  # fmt: skip
    # What is coming: a rescheduled lesson, two more for student1, and instructor1's week.
    soon = now - timedelta(days=3)
    lessons.book("moved", when=soon, student=student, profile=spanish, day=today + timedelta(days=3))
    lessons.reschedule("moved", when=soon + timedelta(days=2), actor=student, days_later=2)
    lessons.book("next-piano", when=soon + HOUR, student=student, profile=teacher1,
                 day=today + timedelta(days=2), learner=child)  # fmt: skip
    lessons.book("next-spanish", when=soon + 2 * HOUR, student=student, profile=spanish, day=today + timedelta(days=6))
    for index, other in enumerate(others):
        lessons.book(f"week-{index}", when=soon + timedelta(hours=3 + index), student=other, profile=teacher1,
                     day=today + timedelta(days=1 + index), learner=kids[other.pk])  # fmt: skip
    clock.at(now - timedelta(days=1), lambda at: _renewal(teacher1.user, at))
    clock.run_until(now)


def _renewal(instructor: User, now: datetime) -> None:
    """A background check renewal waiting for staff: the review queue has something in it."""
    document_submit(actor=instructor, data=_png(), filename="background-check-renewal.png", now=now)
