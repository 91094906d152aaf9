"""Ledger kinds and the payout status with its legal transitions, declared once."""

from __future__ import annotations

from django.db import models


class CreditKind(models.TextChoices):
    GRANT = "grant", "Credit added"  # +amount, opens a bucket with its own expiry
    USE = "use", "Used for a booking"  # −amount from a bucket
    RELEASE = "release", "Returned from a cancelled booking"  # +amount back into the same bucket
    EXPIRE = "expire", "Expired"  # −what was left in a bucket at its expiry
    WITHDRAW = "withdraw", "Withdrawn"  # −what was left in a bucket whose reason fell away (a voided referral reward)
    REVOKE = "revoke", "Removed by staff"  # −amount from a bucket, with the reason


class EarningKind(models.TextChoices):
    LESSON = "lesson", "Lesson"
    LATE_CANCELLATION = "late_cancellation", "Late cancellation (50%)"
    NO_SHOW = "no_show", "Student no-show"
    REFERRAL = "referral", "Referral reward"  # no lesson of this instructor's: booking and settlement are empty
    CLAWBACK = "clawback", "Refunded by staff"  # negative: the part of a lesson's earning a refund took back


class PayoutKind(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    INSTANT = "instant", "Instant"


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"  # every retry failed: staff sort it out with the instructor


PAYOUT_TRANSITIONS: dict[PayoutStatus, frozenset[PayoutStatus]] = {
    PayoutStatus.PENDING: frozenset({PayoutStatus.PAID, PayoutStatus.FAILED}),
    PayoutStatus.PAID: frozenset(),
    PayoutStatus.FAILED: frozenset(),
}


def payout_can_transition(current: str, target: str) -> bool:
    return PayoutStatus(target) in PAYOUT_TRANSITIONS[PayoutStatus(current)]
