"""What the referrals pages show: a user's code and link, their invitations and rewards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch

from apps.accounts.models import Role, User
from apps.referrals.models import Referral, ReferralCode, Reward
from apps.referrals.rules import RULES
from apps.referrals.services import code_normalize, referral_code_get
from apps.referrals.states import RewardSide, RewardStatus


def referral_link(code: ReferralCode) -> str:
    return f"{settings.SITE_URL}/r/{code.code}"


@dataclass(frozen=True)
class ReferralPage:
    code: ReferralCode
    link: str
    invites: list[Referral]  # people who signed up with the link, newest first
    rewards: list[Reward]  # the user's own rewards, both sides, newest first
    earned_cents: int  # everything not voided
    pending_cents: int  # pending or frozen: not spendable yet
    rewards_left: int  # before the per-referrer cap (students)
    is_instructor: bool


def referral_page_get(*, user: User, now: datetime) -> ReferralPage:
    code = referral_code_get(user=user, now=now)
    mine = Reward.objects.filter(user=user)
    invites = list(
        Referral.objects.filter(referrer=user)
        .select_related("referred")
        .prefetch_related(Prefetch("rewards", queryset=Reward.objects.filter(side=RewardSide.REFERRER)))
        .order_by("-attributed_at", "-id")[:100]
    )
    rewards = list(mine.select_related("referral__referrer", "referral__referred").order_by("-earned_at", "-id"))
    live = [r for r in rewards if r.status != RewardStatus.VOIDED]
    given = sum(1 for r in live if r.side == RewardSide.REFERRER)
    return ReferralPage(
        code=code, link=referral_link(code), invites=invites, rewards=rewards,
        earned_cents=sum(r.amount_cents for r in live),
        pending_cents=sum(r.amount_cents for r in live if r.status in {RewardStatus.PENDING, RewardStatus.FROZEN}),
        rewards_left=max(0, RULES.cap_per_referrer - given), is_instructor=user.role == Role.INSTRUCTOR,
    )  # fmt: skip


@dataclass(frozen=True)
class Offer:
    code: str
    referrer_name: str
    for_instructors: bool


def referral_offer_get(*, code: str) -> Offer | None:
    """The invitation behind a code (None: no such code)."""
    normalized = code_normalize(code)
    if not normalized:
        return None
    found = ReferralCode.objects.select_related("user").filter(code=normalized).first()
    if found is None or not found.user.is_active:
        return None
    return Offer(
        code=found.code, referrer_name=found.user.first_name or "A friend",
        for_instructors=found.user.role == Role.INSTRUCTOR,
    )  # fmt: skip
