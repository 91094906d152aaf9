from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PlatformConfig(models.Model):
    """The business numbers staff may tune in the admin (one row). Code reads them through
    `platform_config()`, never as literals."""

    min_rate_in_person_cents = models.PositiveIntegerField(default=8000, help_text="Hourly floor, studio and travel.")
    min_rate_online_cents = models.PositiveIntegerField(default=6000, help_text="Hourly floor, online.")
    max_rate_cents = models.PositiveIntegerField(default=100_000, help_text="Hourly ceiling, every format.")
    default_buffer_minutes = models.PositiveSmallIntegerField(default=15)
    default_travel_buffer_minutes = models.PositiveSmallIntegerField(default=60)
    rating_visible_min_reviews = models.PositiveSmallIntegerField(
        default=3, help_text='Below this, profiles say "New".'
    )
    # Reviews (PRODUCT.md §7). Search ranks by the Bayesian average: the prior counts as
    # `rating_prior_weight` reviews of `rating_prior_mean` stars.
    rating_prior_mean = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("4.50"),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(5))],
        help_text="Stars assumed before an instructor's reviews say otherwise (search ranking).",
    )  # fmt: skip
    rating_prior_weight = models.PositiveSmallIntegerField(
        default=5, validators=[MaxValueValidator(1000)], help_text="How many reviews the prior counts as."
    )
    review_window_days = models.PositiveSmallIntegerField(
        default=30, help_text="A completed lesson can be reviewed for this long after it ends."
    )
    review_edit_hours = models.PositiveSmallIntegerField(default=48, help_text="A review can be edited for this long.")
    booking_fee_bps = models.PositiveIntegerField(
        default=1200, help_text="Student booking fee, basis points of the lesson price."
    )
    commission_base_bps = models.PositiveIntegerField(default=1500, help_text="Commission below the first tier.")
    commission_tier1_lessons = models.PositiveSmallIntegerField(
        default=5, help_text="Completed lessons (30 days) for tier 1."
    )
    commission_tier1_bps = models.PositiveIntegerField(default=1200)
    commission_tier2_lessons = models.PositiveSmallIntegerField(
        default=11, help_text="Completed lessons (30 days) for tier 2."
    )
    commission_tier2_bps = models.PositiveIntegerField(default=1000)
    commission_founding_bps = models.PositiveIntegerField(default=800)

    # Money over time (PRODUCT.md §5–§6). Windows are measured before the lesson's start
    # unless the help text says otherwise; boundaries are exact (≥ free, late ≤ t < free).
    cancel_free_hours = models.PositiveSmallIntegerField(
        default=24, help_text="At or beyond this many hours before the start: free cancellation, unlimited reschedules."
    )
    cancel_late_hours = models.PositiveSmallIntegerField(
        default=12, help_text="Below this many hours: 50% credit, instructor gets 50% of net, no reschedule."
    )
    late_cancel_credit_bps = models.PositiveIntegerField(
        default=5000, help_text="Credit (basis points of the lesson price) for a student cancelling very late."
    )
    late_cancel_instructor_bps = models.PositiveIntegerField(
        default=5000, help_text="Instructor's share (basis points of their net) when a student cancels very late."
    )
    pending_payment_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="An unpaid pending booking is released after this long."
    )
    authorize_before_hours = models.PositiveSmallIntegerField(
        default=24, help_text="The card is authorized this many hours before the start."
    )
    auth_retry_first_minutes = models.PositiveSmallIntegerField(
        default=60, help_text="First retry after a failed authorization."
    )
    auth_retry_second_minutes = models.PositiveSmallIntegerField(
        default=240, help_text="Second retry, counted from the first failure."
    )
    auth_retry_interval_minutes = models.PositiveSmallIntegerField(
        default=480, help_text="Later retries, every this long after the second."
    )
    auth_final_warning_hours = models.PositiveSmallIntegerField(
        default=13, help_text="Final warning this many hours before the start."
    )
    auth_cancel_hours = models.PositiveSmallIntegerField(
        default=12, help_text="Unpaid lessons are cancelled (no cost) this many hours before the start."
    )
    reminder_first_hours = models.PositiveSmallIntegerField(default=24, help_text="First lesson reminder.")
    reminder_second_minutes = models.PositiveSmallIntegerField(default=60, help_text="Second lesson reminder.")
    capture_after_hours = models.PositiveSmallIntegerField(
        default=24, help_text="After the lesson's end: auto-complete and charge the card (the dispute window)."
    )
    no_show_report_hours = models.PositiveSmallIntegerField(
        default=24, help_text="A no-show can be reported from the start until this long after the end."
    )
    dispute_hours = models.PositiveSmallIntegerField(
        default=24, help_text="The other side may dispute a no-show report for this long."
    )
    capture_retry_hours = models.PositiveSmallIntegerField(default=4, help_text="Retry a failed charge this often.")
    capture_escalate_hours = models.PositiveSmallIntegerField(
        default=72, help_text="A charge still failing this long goes to manual review (student locked)."
    )
    credit_expiry_days = models.PositiveSmallIntegerField(default=365, help_text="Platform credits expire after.")
    payout_weekday = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(6)], help_text="Weekly payouts on this day (0 = Monday)."
    )

    class Meta:
        verbose_name = "platform configuration"
        verbose_name_plural = "platform configuration"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="platform_config_single_row")]

    def __str__(self) -> str:
        return "Platform configuration"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(PLATFORM_CONFIG_CACHE_KEY)


PLATFORM_CONFIG_CACHE_KEY = "platform-config:v3"  # v3: review fields


# One operation (a booking, say) reads the configuration once, however many helpers ask:
# `platform_config_pinned` holds the row here for the operation's duration.
_pinned_config: ContextVar[PlatformConfig | None] = ContextVar("pinned_platform_config", default=None)


def platform_config() -> PlatformConfig:
    """The configuration row, cached; created with the defaults on first use."""
    config = _pinned_config.get() or cache.get(PLATFORM_CONFIG_CACHE_KEY)
    if config is None:
        config, _ = PlatformConfig.objects.get_or_create(pk=1)
        cache.set(PLATFORM_CONFIG_CACHE_KEY, config, 300)
    return config


@contextmanager
def platform_config_pinned(config: PlatformConfig | None = None) -> Iterator[PlatformConfig]:
    """Read the configuration once (or take the copy the caller read from the cache) and
    answer every `platform_config()` inside with it."""
    config = config or platform_config()
    token = _pinned_config.set(config)
    try:
        yield config
    finally:
        _pinned_config.reset(token)


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key with the response it got, replayed on retry for 24 h
    (apps/core/idempotency.py). Until the response is stored the row is a claim: a lease
    held by the request whose token it carries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=100, help_text="The operation the key was used for.")
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # Text, not JSON: a replay must send the very bytes of the first response (jsonb would
    # reorder its keys).
    response_body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    claim_token = models.CharField(max_length=32, blank=True, help_text="The request running it now.")
    locked_until = models.DateTimeField(null=True, blank=True, help_text="An unfinished claim lapses then.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class JobRun(models.Model):
    """When a periodic job last finished without an error (/readyz: a money sweep that has
    not succeeded for a while means charges and payouts are not happening)."""

    name = models.CharField(max_length=50, primary_key=True)
    succeeded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.succeeded_at:%Y-%m-%d %H:%M}"
