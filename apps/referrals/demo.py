"""Demo referrals: a referral in every state, played through the referral services on a
simulated clock (attribution, the first lesson's charge, the unlock/expiry sweeps, a refund).

What it leaves:
- student1 invited six people: Ava's reward has expired (credit unused for 6 months), Ben's is
  unlocked credit, Cara's was voided (her lesson was refunded), Dev's is pending (unlocks in
  4 days), Eli signed up and has not had a lesson yet, and a second account of student1's
  own was refused as a self-referral;
- student2's link brought six sign-ups within hours: their rewards are frozen, waiting in the
  staff queue (Operations → Referral rewards, status frozen);
- instructor1 invited another demo instructor, whose first lesson earned instructor1 a payout
  reward.

The friends' first lessons are completed, charged lessons with the last demo instructor,
written as rows (the booking flow has its own demo); each friend pays with the Mastercard
test card, so no card is shared with their inviter. Deterministic: fixed names, times from
the demo's "now".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.core.models import platform_config
from apps.instructors.models import Offering
from apps.payments.credits import sweep_credit_expiry
from apps.payments.pricing import price_breakdown
from apps.payments.services import payment_method_add
from apps.referrals.services import (
    referral_attribute,
    referral_booking_refunded,
    referral_code_get,
    referral_lesson_charged,
    sweep_referral_rewards,
)

if TYPE_CHECKING:
    from apps.core.demo import DemoContext

MASTERCARD = "5555555555554444"  # the local gateway's other card that always succeeds
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Friend:
    first_name: str
    joined_days_ago: float
    lesson_days_ago: float | None  # None: no lesson yet
    refunded_days_ago: float | None = None


STUDENT1_FRIENDS = (
    Friend("Ava", 250, 240),  # expired
    Friend("Ben", 30, 20),  # unlocked
    Friend("Cara", 25, 12, refunded_days_ago=10),  # voided
    Friend("Dev", 6, 3),  # pending
    Friend("Eli", 2, None),  # signed up, waiting for a first lesson
)
# Six sign-ups within hours freeze student2's rewards; Fay's lesson earns a frozen one.
STUDENT2_FRIENDS = tuple(Friend(name, 5 - i / 24, 2 if i == 0 else None) for i, name in enumerate(
    ("Fay", "Gus", "Hal", "Ida", "Jon", "Kit")
))  # fmt: skip


@dataclass
class _Story:
    ctx: DemoContext
    now: datetime
    teacher: Offering
    actions: list[tuple[datetime, int, Callable[[datetime], object]]]

    def at(self, when: datetime, action: Callable[[datetime], object]) -> None:
        self.actions.append((when, len(self.actions), action))


def _friend(ctx: DemoContext, name: str, index: int) -> User:
    from apps.core.demo import DEMO_DOMAIN

    user = User.objects.create(
        email=f"friend{index}@{DEMO_DOMAIN}", first_name=name, last_name="Friend", role=Role.STUDENT,
        password=ctx.password_hash,
    )  # fmt: skip
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    payment_method_add(actor=user, card_token=MASTERCARD, request_key="demo")
    return user


def _lesson(offering: Offering, student: User, charged: datetime, *, refunded: bool) -> Booking:
    """A one-hour studio lesson that ended a day before `charged` and was charged then."""
    config = platform_config()
    price = price_breakdown(
        hourly_rate_cents=offering.rate_studio_cents or 0, duration_minutes=60,
        booking_fee_bps=config.booking_fee_bps, commission_rate_bps=config.commission_base_bps,
    )  # fmt: skip
    profile = offering.profile
    ends_at = (charged - DAY).replace(minute=0, second=0, microsecond=0)
    return Booking.objects.create(
        student=student, instructor=profile, offering=offering, service_name=offering.service.name, format="studio",
        duration_minutes=60, starts_at=ends_at - timedelta(hours=1), ends_at=ends_at, blocked_until=ends_at,
        student_timezone=student.timezone, instructor_timezone=profile.timezone,
        location_text=f"{profile.display_name}'s studio", status=BookingStatus.COMPLETED,
        payment_status=PaymentStatus.REFUNDED if refunded else PaymentStatus.CAPTURED,
        hourly_rate_cents=price.hourly_rate_cents, lesson_price_cents=price.lesson_price_cents,
        booking_fee_cents=price.booking_fee_cents, total_cents=price.total_cents, commission_bps=price.commission_bps,
        instructor_net_cents=price.instructor_net_cents, booked_at=ends_at - 3 * DAY, captured_at=charged,
        payment_method=student.payment_methods.first(),
    )  # fmt: skip


def _attributing(user: User, code: str) -> Callable[[datetime], object]:
    return lambda at: referral_attribute(user=user, code=code, device_id="", now=at)


def _charging(booking: Booking) -> Callable[[datetime], object]:
    return lambda at: referral_lesson_charged(booking=booking, now=at)


def _refunding(booking: Booking) -> Callable[[datetime], object]:
    return lambda at: referral_booking_refunded(booking=booking, now=at)


def _invite(story: _Story, referrer: User, friends: tuple[Friend, ...], first_index: int) -> None:
    code = referral_code_get(user=referrer, now=story.now - 300 * DAY).code
    for offset, friend in enumerate(friends):
        user = _friend(story.ctx, friend.first_name, first_index + offset)
        joined = story.now - friend.joined_days_ago * DAY
        story.at(joined, _attributing(user, code))
        if friend.lesson_days_ago is None:
            continue
        charged = story.now - friend.lesson_days_ago * DAY
        refunded = friend.refunded_days_ago is not None
        booking = _lesson(story.teacher, user, charged, refunded=refunded)
        story.at(charged, _charging(booking))
        if friend.refunded_days_ago is not None:
            when = story.now - friend.refunded_days_ago * DAY
            story.at(when, _refunding(booking))


def _instructor_invite(story: _Story, inviter: User) -> None:
    """instructor1 invited the demo instructor whose first lesson came earliest."""
    first = (
        Booking.objects.filter(status=BookingStatus.COMPLETED, instructor__user__in=story.ctx.instructors[1:])
        .exclude(instructor=story.teacher.profile)
        .order_by("ends_at", "id")
        .select_related("instructor__user")
        .first()
    )
    if first is None:
        return
    code = referral_code_get(user=inviter, now=story.now - 300 * DAY).code
    joined = first.starts_at - 14 * DAY
    story.at(joined, _attributing(first.instructor.user, code))
    story.at(first.ends_at + DAY, _charging(first))


def seed_referrals(ctx: DemoContext) -> None:
    if len(ctx.students) < 2 or len(ctx.instructors) < 3:
        return  # a demo too small to tell the story
    now = timezone.now().replace(second=0, microsecond=0)
    teacher = (
        Offering.objects.filter(profile__user=ctx.instructors[-1], rate_studio_cents__isnull=False).first()
        or Offering.objects.filter(rate_studio_cents__isnull=False).exclude(profile__user=ctx.instructors[0]).first()
    )
    if teacher is None:
        return
    story = _Story(ctx=ctx, now=now, teacher=teacher, actions=[])
    _invite(story, ctx.students[0], STUDENT1_FRIENDS, 1)
    own = ctx.students[0].email.replace("@", "+again@")
    twin = User.objects.create(
        email=own, first_name=ctx.students[0].first_name, role=Role.STUDENT, password=ctx.password_hash
    )
    EmailAddress.objects.create(user=twin, email=twin.email, primary=True, verified=True)
    code = referral_code_get(user=ctx.students[0], now=now).code
    story.at(now - DAY, _attributing(twin, code))
    _invite(story, ctx.students[1], STUDENT2_FRIENDS, 1 + len(STUDENT1_FRIENDS))
    _instructor_invite(story, ctx.instructors[0])
    # Play in time order, with the reward sweeps (and the credit expiry they follow) at each step.
    for when, _, action in sorted(story.actions, key=lambda row: (row[0], row[1])):
        sweep_credit_expiry(now=when)
        sweep_referral_rewards(now=when)
        action(when)
    sweep_credit_expiry(now=now)
    sweep_referral_rewards(now=now)
