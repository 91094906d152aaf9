from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel
from apps.payments.states import CreditKind, EarningKind, PayoutKind, PayoutStatus


class PaymentMethod(TimeStampedModel):
    """A card saved with the payment provider for off-session use; we keep only what we show."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payment_methods")
    provider = models.CharField(max_length=20)
    provider_id = models.CharField(max_length=100)
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    fingerprint = models.CharField(max_length=64, help_text="Same card → same fingerprint (referral abuse checks).")
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_id"], name="payment_method_unique_provider_id"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_default=True), name="payment_method_one_default_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


class PaymentCustomer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payment_customer")
    provider = models.CharField(max_length=20)
    provider_id = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_id"], name="payment_customer_unique_provider_id")
        ]

    def __str__(self) -> str:
        return self.provider_id


class LocalCard(models.Model):
    """A test card saved with the local gateway and how it behaves when charged."""

    card_id = models.CharField(max_length=60, unique=True)
    customer_id = models.CharField(max_length=60)
    last4 = models.CharField(max_length=4)
    behavior = models.CharField(max_length=30)

    def __str__(self) -> str:
        return self.card_id


class LocalIntent(models.Model):
    """The built-in local gateway's record of an authorization (what Stripe would keep)."""

    intent_id = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    customer_id = models.CharField(max_length=60)
    card = models.ForeignKey(LocalCard, on_delete=models.PROTECT, related_name="intents")
    amount_cents = models.PositiveIntegerField()
    amount_captured_cents = models.PositiveIntegerField(default=0)
    amount_refunded_cents = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=30)
    decline_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.intent_id} {self.status}"


class LocalOperation(models.Model):
    """Every capture/cancel/refund the local gateway performed, keyed by idempotency key so a
    retried call returns the first result and never moves money twice."""

    idempotency_key = models.CharField(max_length=255, unique=True)
    intent = models.ForeignKey(LocalIntent, on_delete=models.CASCADE, related_name="operations")
    kind = models.CharField(max_length=20)
    amount_cents = models.PositiveIntegerField()
    succeeded = models.BooleanField()
    failure_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents}"


class LocalTransfer(models.Model):
    """The local gateway's record of a payout to an instructor, once per idempotency key."""

    idempotency_key = models.CharField(max_length=255, unique=True)
    transfer_id = models.CharField(max_length=40, unique=True)
    destination = models.CharField(max_length=60)
    amount_cents = models.PositiveIntegerField()
    amount_reversed_cents = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.amount_cents}"


class CreditEntry(models.Model):
    """Platform credits as an append-only ledger (never an overwritten balance). A grant
    opens a bucket with its own expiry; uses, releases and expiries point at the bucket they
    draw from, so a released amount keeps the bucket's original expiry. Balance = what is
    left in unexpired buckets."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_entries")
    kind = models.CharField(max_length=10, choices=CreditKind.choices)
    amount_cents = models.IntegerField(help_text="Signed: grants and releases add, uses and expiries subtract.")
    grant = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="entries", help_text="The bucket."
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Grants only.")
    booking = models.ForeignKey(
        "bookings.Booking", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_entries"
    )
    settlement = models.ForeignKey(
        "bookings.Settlement", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_entries"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "credit entries"
        indexes = [models.Index(fields=["user", "kind", "expires_at"], name="credit_bucket_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=CreditKind.values), name="credit_kind_valid"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=CreditKind.GRANT, amount_cents__gt=0, grant__isnull=True, expires_at__isnull=False)
                    | models.Q(kind=CreditKind.RELEASE, amount_cents__gt=0, grant__isnull=False)
                    | models.Q(
                        kind__in=[CreditKind.USE, CreditKind.EXPIRE, CreditKind.WITHDRAW, CreditKind.REVOKE],
                        amount_cents__lt=0,
                        grant__isnull=False,
                    )
                ),
                name="credit_sign_matches_kind",
            ),
            # Exactly once, whatever the retries: one grant per settlement, one use and one
            # release per (booking, bucket).
            models.UniqueConstraint(
                fields=["settlement"], condition=models.Q(kind=CreditKind.GRANT), name="credit_one_grant_per_settlement"
            ),
            models.UniqueConstraint(
                fields=["booking", "grant"], condition=models.Q(kind=CreditKind.USE), name="credit_one_use_per_bucket"
            ),
            models.UniqueConstraint(
                fields=["booking", "grant"],
                condition=models.Q(kind=CreditKind.RELEASE),
                name="credit_one_release_per_bucket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents}"


class Payout(models.Model):
    """Money sent to an instructor's payout account: a weekly batch or an instant request,
    covering the earnings attached to it."""

    instructor = models.ForeignKey("instructors.InstructorProfile", on_delete=models.PROTECT, related_name="payouts")
    kind = models.CharField(max_length=10, choices=PayoutKind.choices)
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PENDING)
    amount_cents = models.PositiveIntegerField()
    period_start = models.DateTimeField(null=True, blank=True, help_text="Weekly: earnings before this instant.")
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    transfer_id = models.CharField(max_length=60, blank=True)
    # An instant payout's payout at the provider (the bank transfer that follows the transfer).
    provider_payout_id = models.CharField(max_length=60, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_code = models.CharField(max_length=40, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="A failed transfer is retried then.")
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=PayoutStatus.values), name="payout_status_valid"),
            models.UniqueConstraint(
                fields=["instructor", "period_start"],
                condition=models.Q(kind=PayoutKind.WEEKLY),
                name="payout_one_weekly_batch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} payout {self.amount_cents} ({self.status})"


class Earning(models.Model):
    """An instructor's earning from one settled booking (net of commission), append-only.
    Paid out by the payout it is attached to. A claw-back after a staff refund is a negative
    row: netted into the next payout, or attached to the paid payout whose transfer was
    reversed by that amount."""

    instructor = models.ForeignKey("instructors.InstructorProfile", on_delete=models.PROTECT, related_name="earnings")
    # Both empty for a referral reward (apps/referrals), which is earned from no lesson of theirs.
    booking = models.ForeignKey(
        "bookings.Booking", null=True, blank=True, on_delete=models.PROTECT, related_name="earnings"
    )
    settlement = models.OneToOneField(
        "bookings.Settlement", null=True, blank=True, on_delete=models.PROTECT, related_name="earning"
    )
    kind = models.CharField(max_length=20, choices=EarningKind.choices)
    amount_cents = models.IntegerField()
    earned_at = models.DateTimeField()
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="earnings")

    class Meta:
        ordering = ["-earned_at", "-id"]
        indexes = [models.Index(fields=["instructor", "payout", "earned_at"], name="earning_unpaid_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents}"


class StudentLock(models.Model):
    """A student account locked for an unpaid lesson (a charge still failing after 72 h): no
    new bookings until staff release it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_locks")
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["booking"], condition=models.Q(released_at__isnull=True), name="student_lock_once_per_booking"
            )
        ]

    def __str__(self) -> str:
        return f"lock {self.user_id} ({self.reason})"


class LocalPayoutAccount(models.Model):
    """An instructor's payout account with the local gateway (what Stripe Connect keeps)."""

    account_id = models.CharField(max_length=60, unique=True)
    email = models.EmailField()
    details_submitted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.account_id


class PayoutAccount(TimeStampedModel):
    """An instructor's payout account with the provider (a Stripe Connect Express account)
    and what the provider last said about it. Synced on the onboarding return page and by
    the account webhook; the onboarding "Payouts" step follows `payouts_enabled`."""

    instructor = models.OneToOneField(
        "instructors.InstructorProfile", on_delete=models.PROTECT, related_name="payout_account"
    )
    provider = models.CharField(max_length=20)
    account_id = models.CharField(max_length=100)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    currently_due = models.JSONField(default=list, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "account_id"], name="payout_account_unique_provider_id")
        ]

    def __str__(self) -> str:
        return self.account_id


class PaymentAction(models.Model):
    """An authorization waiting for the student's bank confirmation (3-D Secure): the booking
    page links to the confirmation step until it is resolved."""

    booking = models.ForeignKey("bookings.Booking", on_delete=models.CASCADE, related_name="payment_actions")
    intent_id = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.intent_id} ({self.outcome or 'open'})"


class IdentityVerification(models.Model):
    """An identity check with the provider (a Stripe Identity verification session)."""

    instructor = models.ForeignKey(
        "instructors.InstructorProfile", on_delete=models.CASCADE, related_name="identity_verifications"
    )
    provider = models.CharField(max_length=20)
    session_id = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=20)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.session_id} {self.status}"


class WebhookEvent(models.Model):
    """A provider event as received. The unique event id is what makes processing once: a
    redelivery finds its row and changes nothing."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once"),
        ]
        indexes = [models.Index(fields=["processed_at", "received_at"], name="webhook_unprocessed_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class CreditFreeze(models.Model):
    """A student's credits frozen while a card dispute is open: they cannot be spent until
    staff lift the freeze."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_freezes")
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="+")
    dispute_id = models.CharField(max_length=100, unique=True)
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"freeze {self.user_id} ({self.dispute_id})"
