"""Referral and reward statuses with their legal transitions, declared once."""

from __future__ import annotations

from django.db import models


class ReferralKind(models.TextChoices):
    STUDENT = "student", "Student"  # "Give $20, get $20": credit for both sides
    INSTRUCTOR = "instructor", "Instructor"  # a payout for the referring instructor


class ReferralStatus(models.TextChoices):
    SIGNED_UP = "signed_up", "Signed up"  # attributed; waiting for a first lesson
    REWARDED = "rewarded", "Rewarded"  # the first lesson qualified: rewards exist
    REJECTED = "rejected", "Not eligible"  # self-referral (same email, card or device)


class RewardSide(models.TextChoices):
    REFERRER = "referrer", "For inviting"
    REFERRED = "referred", "For joining"


class RewardStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # earned; held 7 days in case the lesson is refunded
    FROZEN = "frozen", "Frozen for review"  # the referrer's invitations look abusive
    UNLOCKED = "unlocked", "Unlocked"  # credit granted (or payout earning recorded)
    EXPIRED = "expired", "Expired"  # the credit's 6 months passed
    VOIDED = "voided", "Voided"  # the lesson was refunded, or staff voided it


REWARD_TRANSITIONS: dict[RewardStatus, frozenset[RewardStatus]] = {
    RewardStatus.PENDING: frozenset({RewardStatus.UNLOCKED, RewardStatus.FROZEN, RewardStatus.VOIDED}),
    RewardStatus.FROZEN: frozenset({RewardStatus.PENDING, RewardStatus.VOIDED}),
    # A refund after the unlock withdraws what is left of the credit.
    RewardStatus.UNLOCKED: frozenset({RewardStatus.EXPIRED, RewardStatus.VOIDED}),
    RewardStatus.EXPIRED: frozenset(),
    RewardStatus.VOIDED: frozenset(),
}

# Rewards that count towards the referrer's cap and show as earned.
LIVE_REWARD_STATUSES = (RewardStatus.PENDING, RewardStatus.FROZEN, RewardStatus.UNLOCKED, RewardStatus.EXPIRED)


def reward_can_transition(current: str, target: str) -> bool:
    return RewardStatus(target) in REWARD_TRANSITIONS[RewardStatus(current)]
