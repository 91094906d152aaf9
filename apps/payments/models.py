from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel


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

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents}"
