"""Referrals (PRODUCT.md §8): codes, attribution at sign-up, rewards and their life.

Life of a reward: the referred person's first qualifying lesson is charged (the completion
settlement, apps/bookings/settlement.py) → `pending` for 7 days → `unlocked`: a credit grant
that expires 6 calendar months later (students) or an earning paid with the next payout
(instructors) → `expired` when the credit's time is up. A refund of the triggering lesson
voids it (withdrawing what is left of an unlocked credit). Too many attributions in a day or
a week freeze the referrer: their pending rewards (and new ones) wait for staff, who release
or void each one with a reason.

Concurrency: rewards are created under the referrer's code row lock (which also keeps the
20-reward cap exact), and the unique (referral, side) constraint is the backstop that makes
two first lessons charged at once give one reward. Lock order: booking (the settlement's),
then the referrer's code row, then reward rows.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from apps.accounts.models import Role, User
from apps.bookings.models import Booking
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.instructors.models import InstructorProfile
from apps.notifications.services import notify, notify_staff
from apps.payments.credits import credit_grant, credit_withdraw
from apps.payments.models import Earning, PaymentMethod
from apps.payments.pricing import format_usd
from apps.payments.states import EarningKind
from apps.referrals.models import Referral, ReferralCode, ReferralDevice, Reward, RewardEvent
from apps.referrals.rules import RULES, add_months
from apps.referrals.states import (
    ReferralKind,
    ReferralStatus,
    RewardSide,
    RewardStatus,
    reward_can_transition,
)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I: codes are read aloud and typed
CODE_LENGTH = 8
SWEEP_BATCH = 200
PAGE_URL = "/referrals/"


def code_normalize(raw: str) -> str:
    """The code as stored, or "" when the text cannot be one (never sent to the database)."""
    code = raw.strip().upper()
    return code if 0 < len(code) <= 16 and code.isascii() and code.isalnum() else ""


def referral_code_get(*, user: User, now: datetime) -> ReferralCode:
    """The user's code, made on first use (a random draw that retries a taken one)."""
    existing = ReferralCode.objects.filter(user=user).first()
    if existing is not None:
        return existing
    for _ in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                return ReferralCode.objects.create(user=user, code=code, created_at=now)
        except IntegrityError:
            found = ReferralCode.objects.filter(user=user).first()  # a concurrent request made it
            if found is not None:
                return found
    raise Conflict("Could not make a referral code. Try again.")


def email_normalize(email: str) -> str:
    """One mailbox, one address: case, a `+tag` and (for Gmail) dots do not make a new person."""
    local, _, domain = email.strip().lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in {"gmail.com", "googlemail.com"}:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def referral_device_seen(*, user: User, device_id: str, now: datetime) -> None:
    if device_id:
        ReferralDevice.objects.get_or_create(user=user, device_id=device_id[:64], defaults={"seen_at": now})


def _kind_for(referrer: User, referred: User) -> ReferralKind | None:
    """Students invite students and instructors invite instructors; other pairs earn nothing."""
    if referrer.role == Role.STUDENT and referred.role == Role.STUDENT:
        return ReferralKind.STUDENT
    if referrer.role == Role.INSTRUCTOR and referred.role == Role.INSTRUCTOR:
        return ReferralKind.INSTRUCTOR
    return None


def _self_referral(referrer: User, referred: User, device_id: str) -> str:
    """Why this sign-up is the referrer themselves ("" when it is not)."""
    if email_normalize(referrer.email) == email_normalize(referred.email):
        return "Same email as the referrer."
    if device_id and ReferralDevice.objects.filter(user=referrer, device_id=device_id).exists():
        return "Signed up on the referrer's device."
    return ""


def referral_attribute(*, user: User, code: str, device_id: str, now: datetime) -> Referral | None:
    """Credit a new account's sign-up to the code's owner (None: unknown code, own code, a pair
    that earns nothing, or already attributed). A self-referral is recorded as not eligible.
    Counts the referrer's attributions under their code row lock, so two sign-ups at once are
    counted in order, and freezes the referrer past the day or week limit."""
    with transaction.atomic():
        normalized = code_normalize(code)
        owner = ReferralCode.objects.select_for_update().select_related("user").filter(code=normalized).first()
        if (
            not normalized
            or owner is None
            or owner.user_id == user.pk
            or Referral.objects.filter(referred=user).exists()
        ):
            return None
        kind = _kind_for(owner.user, user)
        if kind is None:
            return None
        referral_device_seen(user=user, device_id=device_id, now=now)
        why_not = _self_referral(owner.user, user, device_id)
        referral = Referral.objects.create(
            referrer=owner.user, referred=user, kind=kind, attributed_at=now, device_id=device_id[:64],
            status=ReferralStatus.REJECTED if why_not else ReferralStatus.SIGNED_UP, note=why_not,
        )  # fmt: skip
        _velocity_check(owner, now)
    return referral


def _velocity_check(owner: ReferralCode, now: datetime) -> None:
    recent = Referral.objects.filter(referrer_id=owner.user_id)
    day = recent.filter(attributed_at__gt=now - timedelta(days=1)).count()
    week = recent.filter(attributed_at__gt=now - timedelta(days=7)).count()
    if day <= RULES.day_limit and week <= RULES.week_limit:
        return
    reason = f"{day} sign-ups in 24 hours, {week} in 7 days"
    if owner.frozen_at is None:
        owner.frozen_at, owner.frozen_reason = now, reason
        owner.save(update_fields=["frozen_at", "frozen_reason"])
        notify_staff(
            kind="staff_alert", now=now, url="/admin/referrals/reward/?status__exact=frozen",
            subject=f"Referrals frozen for review: {owner.user.email}",
            body=f"{reason}. Their pending rewards wait for your review: release or void each one.",
        )  # fmt: skip
    pending = Reward.objects.select_for_update().filter(user_id=owner.user_id, status=RewardStatus.PENDING)
    for reward in pending.order_by("id"):
        _move(reward, RewardStatus.FROZEN, actor=None, now=now, reason=reason)


def _move(reward: Reward, to: RewardStatus, *, actor: User | None, now: datetime, reason: str) -> None:
    """The one place a reward changes status (call with its row locked), with its event."""
    if not reward_can_transition(reward.status, to):
        raise Conflict(f"A {reward.get_status_display().lower()} reward cannot become {to.label.lower()}.")
    RewardEvent.objects.create(
        reward=reward, at=now, actor=actor, from_status=reward.status, to_status=to, reason=reason[:300]
    )
    reward.status = to
    reward.reason = reason[:300]
    fields = ["status", "reason"]
    if to == RewardStatus.VOIDED:
        reward.voided_at = now
        fields.append("voided_at")
    reward.save(update_fields=fields)


# --- earning: the referred person's first lesson is charged ---------------------------------


def referral_lesson_charged(*, booking: Booking, now: datetime) -> list[Reward]:
    """Called in the transaction that records a lesson's completion charge (the booking row
    locked). Rewards the student's and the instructor's referrals if this lesson is their
    first qualifying one; returns the rewards it created."""
    rewards: list[Reward] = []
    student_referral = Referral.objects.filter(
        referred_id=booking.student_id, kind=ReferralKind.STUDENT, status=ReferralStatus.SIGNED_UP
    ).first()
    if student_referral is not None and booking.lesson_price_cents >= RULES.min_lesson_cents:
        rewards += _reward(student_referral, booking, now)
    instructor_user_id = InstructorProfile.objects.values_list("user_id", flat=True).get(pk=booking.instructor_id)
    instructor_referral = Referral.objects.filter(
        referred_id=instructor_user_id, kind=ReferralKind.INSTRUCTOR, status=ReferralStatus.SIGNED_UP
    ).first()
    if instructor_referral is not None:
        rewards += _reward(instructor_referral, booking, now)
    return rewards


def _same_card(referral: Referral, booking: Booking) -> bool:
    if booking.payment_method_id is None:
        return False
    card = PaymentMethod.objects.filter(pk=booking.payment_method_id).values_list("fingerprint", flat=True).first()
    return bool(card) and PaymentMethod.objects.filter(user_id=referral.referrer_id, fingerprint=card).exists()


def _instructor_amount() -> int:
    founding = InstructorProfile.objects.filter(is_founding=True).count()
    return RULES.founding_reward_cents if founding < RULES.founding_threshold else RULES.instructor_reward_cents


def _plan(referral: Referral, owner: ReferralCode) -> tuple[list[tuple[RewardSide, int, int]], str]:
    """(side, user id, amount) of each reward to create, and a note for the referral."""
    if referral.kind == ReferralKind.INSTRUCTOR:
        return [(RewardSide.REFERRER, referral.referrer_id, _instructor_amount())], ""
    amount = RULES.student_reward_cents
    plan = [(RewardSide.REFERRED, referral.referred_id, amount)]
    earned = Reward.objects.filter(user_id=referral.referrer_id, side=RewardSide.REFERRER).exclude(
        status=RewardStatus.VOIDED
    )
    if earned.count() >= RULES.cap_per_referrer:
        return plan, f"The referrer already earned {RULES.cap_per_referrer} rewards (the cap)."
    return [(RewardSide.REFERRER, referral.referrer_id, amount), *plan], ""


def _reward(referral: Referral, booking: Booking, now: datetime) -> list[Reward]:
    owner = ReferralCode.objects.select_for_update().get(user_id=referral.referrer_id)
    referral = Referral.objects.select_related("referrer", "referred").get(pk=referral.pk)
    if referral.status != ReferralStatus.SIGNED_UP:
        return []  # a concurrent first lesson rewarded it while we waited for the lock
    why_not = _self_referral(referral.referrer, referral.referred, "") or (
        "Paid with the referrer's card." if _same_card(referral, booking) else ""
    )
    if why_not:
        referral.status, referral.note = ReferralStatus.REJECTED, why_not
        referral.save(update_fields=["status", "note"])
        return []
    plan, note = _plan(referral, owner)
    created: list[Reward] = []
    try:
        with transaction.atomic():
            for side, user_id, amount in plan:
                frozen = side == RewardSide.REFERRER and owner.frozen_at is not None
                created.append(
                    Reward.objects.create(
                        referral=referral, user_id=user_id, side=side, amount_cents=amount, booking=booking,
                        earned_at=now, unlock_at=now + RULES.hold,
                        status=RewardStatus.FROZEN if frozen else RewardStatus.PENDING,
                        reason=owner.frozen_reason if frozen else "",
                    )
                )  # fmt: skip
            for reward in created:
                RewardEvent.objects.create(
                    reward=reward, at=now, to_status=reward.status, reason="first lesson charged"
                )
            Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.REWARDED, booking=booking, note=note)
    except IntegrityError:
        return []  # the same referral was rewarded by another transaction: one reward per side
    for reward in created:
        _told_earned(reward, referral, now)
    return created


def _told_earned(reward: Reward, referral: Referral, now: datetime) -> None:
    other = referral.referred if reward.side == RewardSide.REFERRER else referral.referrer
    what = "credit" if referral.kind == ReferralKind.STUDENT else "payout"
    notify(
        user=reward.user, kind="referral_earned", now=now, url=PAGE_URL,
        subject=f"You earned a {format_usd(reward.amount_cents)} referral {what}",
        body=f"{other.first_name or 'Your friend'} took a first lesson. Your {format_usd(reward.amount_cents)} {what} "
        f"unlocks on {reward.unlock_at:%a %-d %b} if the lesson isn't refunded.",
    )  # fmt: skip


# --- unlocking and expiry: the sweep -------------------------------------------------------


def _unlock(reward: Reward, now: datetime) -> None:
    if reward.referral.kind == ReferralKind.STUDENT:
        reward.expires_at = add_months(now, RULES.credit_months)
        reward.credit = credit_grant(
            user=reward.user, amount_cents=reward.amount_cents, now=now, booking=None, expires_at=reward.expires_at,
            reason="Referral reward",
        )  # fmt: skip
    else:
        profile = InstructorProfile.objects.get(user_id=reward.user_id)
        reward.earning = Earning.objects.create(
            instructor=profile, kind=EarningKind.REFERRAL, amount_cents=reward.amount_cents, earned_at=now
        )
    reward.unlocked_at = now
    reward.save(update_fields=["expires_at", "credit", "earning", "unlocked_at"])
    _move(reward, RewardStatus.UNLOCKED, actor=None, now=now, reason="7-day hold over")
    if reward.credit is not None:
        body = f"It's in your credit balance until {reward.expires_at:%a %-d %b %Y} and pays towards your next lesson."
    else:
        body = "It's added to your earnings and paid with your next payout."
    notify(
        user=reward.user, kind="referral_unlocked", now=now, url=PAGE_URL,
        subject=f"Your {format_usd(reward.amount_cents)} referral reward is unlocked", body=body,
    )  # fmt: skip


def _each_locked(ids: list[int], step: str, now: datetime) -> int:
    """Each due reward in its own transaction, locked (skipping one another worker holds) and
    re-checked, so it moves exactly once however many workers sweep."""
    done = 0
    for pk in ids:
        with transaction.atomic():
            reward = Reward.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if reward is None:
                continue
            reward = Reward.objects.select_related("referral", "user").get(pk=pk)
            if step == "unlock" and reward.status == RewardStatus.PENDING and reward.unlock_at <= now:
                _unlock(reward, now)
            elif step == "expire" and reward.status == RewardStatus.UNLOCKED and reward.expires_at is not None:
                if reward.expires_at > now:
                    continue
                _move(reward, RewardStatus.EXPIRED, actor=None, now=now, reason="credit expired")
            else:
                continue
            done += 1
    return done


def sweep_referral_rewards(*, now: datetime) -> int:
    """Unlock rewards whose 7-day hold is over (exactly 7 days after earning counts) and mark
    the ones whose credit expired (the credit sweep writes the ledger's expiry row)."""
    due = Reward.objects.filter(status=RewardStatus.PENDING, unlock_at__lte=now).order_by("unlock_at", "id")
    done = _each_locked(list(due.values_list("pk", flat=True)[:SWEEP_BATCH]), "unlock", now)
    gone = Reward.objects.filter(status=RewardStatus.UNLOCKED, expires_at__lte=now).order_by("expires_at", "id")
    return done + _each_locked(list(gone.values_list("pk", flat=True)[:SWEEP_BATCH]), "expire", now)


# --- voiding and staff review --------------------------------------------------------------


def _void(reward: Reward, *, actor: User | None, now: datetime, reason: str) -> None:
    if reward.status == RewardStatus.UNLOCKED:
        if reward.earning_id is not None:
            return  # an instructor's payout earning is not clawed back once unlocked
        if reward.credit is not None:
            credit_withdraw(grant=reward.credit, reason=f"Referral reward voided: {reason}", now=now)
    _move(reward, RewardStatus.VOIDED, actor=actor, now=now, reason=reason)
    notify(
        user=reward.user, kind="referral_voided", now=now, url=PAGE_URL,
        subject=f"Your {format_usd(reward.amount_cents)} referral reward was cancelled",
        body=f"{reason} Questions? Reply to this email.",
    )  # fmt: skip


def referral_booking_refunded(*, booking: Booking, now: datetime) -> int:
    """The lesson that earned rewards was refunded: void them. Returns how many."""
    voided = 0
    with transaction.atomic():
        live = Q(status__in=[RewardStatus.PENDING, RewardStatus.FROZEN, RewardStatus.UNLOCKED])
        for reward in Reward.objects.select_for_update().filter(live, booking=booking).order_by("id"):
            before = reward.status
            _void(reward, actor=None, now=now, reason="The lesson that earned it was refunded.")
            voided += reward.status != before
    return voided


def _staff_reward(actor: User, reward_id: int, reason: str) -> Reward:
    if not actor.is_staff:
        raise PermissionDenied("Only staff review referral rewards.")
    if not reason.strip():
        raise ValidationFailed("Say why.", fields={"reason": ["A reason is required."]})
    reward = Reward.objects.select_for_update().select_related("referral").filter(pk=reward_id).first()
    if reward is None:
        raise NotFound("Reward not found.")
    return reward


def reward_release(*, actor: User, reward_id: int, reason: str, now: datetime) -> Reward:
    """Staff found a frozen reward fine: it is pending again (and unlocks once its 7 days are
    over). The referrer's freeze is lifted, so their next rewards are not frozen."""
    with transaction.atomic():
        reward = _staff_reward(actor, reward_id, reason)
        if reward.status != RewardStatus.FROZEN:
            raise Conflict("Only a frozen reward can be released.")
        _move(reward, RewardStatus.PENDING, actor=actor, now=now, reason=f"Released: {reason.strip()}")
        ReferralCode.objects.filter(user_id=reward.referral.referrer_id).update(frozen_at=None, frozen_reason="")
    return reward


def reward_void(*, actor: User, reward_id: int, reason: str, now: datetime) -> Reward:
    """Staff cancel a reward (frozen after review, or any live one), with the reason recorded."""
    with transaction.atomic():
        reward = _staff_reward(actor, reward_id, reason)
        if reward.status not in {RewardStatus.PENDING, RewardStatus.FROZEN, RewardStatus.UNLOCKED}:
            raise Conflict(f"A {reward.get_status_display().lower()} reward cannot be voided.")
        if reward.earning_id is not None:
            raise Conflict("This payout reward is already in the instructor's earnings.")
        _void(reward, actor=actor, now=now, reason=reason.strip())
    return reward
