"""Referral codes, who referred whom, and the rewards (PRODUCT.md §8).

A reward moves pending → unlocked → expired (or frozen / voided) only inside its service in
apps/referrals/services.py, under its row lock, with a `RewardEvent` row. Money itself lives
in the existing ledgers: an unlocked student reward is a credit grant (apps/payments/credits.py),
an unlocked instructor reward an earning paid with the next payout (apps/payments/payouts.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.referrals.states import ReferralKind, ReferralStatus, RewardSide, RewardStatus


class ReferralCode(models.Model):
    """A user's code for `/r/<code>`. `frozen_at` is set when their invitations arrive too fast
    (more than the day or week limit): their rewards wait for staff until a release."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_code")
    code = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField()
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.code


class ReferralDevice(models.Model):
    """A browser (its device cookie) a user was seen on, for the same-device self-referral rule."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referral_devices")
    device_id = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "device_id"], name="referral_device_once")]
        indexes = [models.Index(fields=["device_id"], name="referral_device_idx")]

    def __str__(self) -> str:
        return f"device of user {self.user_id}"


class Referral(models.Model):
    """One new account that signed up through someone's link (each account at most once)."""

    referrer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made")
    referred = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referred_by")
    kind = models.CharField(max_length=10, choices=ReferralKind.choices)
    status = models.CharField(max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SIGNED_UP)
    attributed_at = models.DateTimeField()
    device_id = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=200, blank=True, help_text="Why it is not eligible, or why no reward.")
    booking = models.ForeignKey(
        "bookings.Booking", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The first lesson that earned the rewards.",
    )  # fmt: skip

    class Meta:
        ordering = ["-attributed_at", "-id"]
        # The velocity rule counts a referrer's attributions over the last day and week.
        indexes = [models.Index(fields=["referrer", "attributed_at"], name="referral_velocity_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"),
            models.CheckConstraint(condition=~Q(referrer=models.F("referred")), name="referral_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_id} ({self.status})"


class Reward(models.Model):
    """One side's reward for one referral. The unique (referral, side) is what makes two first
    lessons completing at once give one reward."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="rewards")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referral_rewards")
    side = models.CharField(max_length=10, choices=RewardSide.choices)
    status = models.CharField(max_length=10, choices=RewardStatus.choices, default=RewardStatus.PENDING)
    amount_cents = models.PositiveIntegerField()
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="referral_rewards")
    earned_at = models.DateTimeField()
    unlock_at = models.DateTimeField()
    unlocked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Credit rewards: when the credit expires.")
    voided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True, help_text="Why it was frozen, released or voided.")
    credit = models.OneToOneField(
        "payments.CreditEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="referral_reward"
    )
    earning = models.OneToOneField(
        "payments.Earning", null=True, blank=True, on_delete=models.PROTECT, related_name="referral_reward"
    )

    class Meta:
        ordering = ["-earned_at", "-id"]
        indexes = [
            # The sweep looks up pending rewards whose hold is over, and unlocked ones past expiry.
            models.Index(fields=["status", "unlock_at"], name="reward_unlock_idx"),
            models.Index(fields=["status", "expires_at"], name="reward_expiry_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["referral", "side"], name="reward_once_per_side"),
            models.CheckConstraint(condition=Q(status__in=RewardStatus.values), name="reward_status_valid"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="reward_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} {self.amount_cents} ({self.status})"


class RewardEvent(models.Model):
    """Append-only history of a reward: every status change, who made it and why."""

    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'}→{self.to_status}"
