from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.bookings.states import (
    ACTIVE_STATUSES,
    BookingStatus,
    NoShowStatus,
    PaymentStatus,
    SeriesStatus,
    SettlementReason,
    SettlementStatus,
)
from apps.core.models import TimeStampedModel
from apps.instructors.states import Format


class Booking(TimeStampedModel):
    """One lesson. Price, service, times and place are snapshots: later profile edits never
    rewrite history."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    learner = models.ForeignKey("accounts.Learner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    instructor = models.ForeignKey("instructors.InstructorProfile", on_delete=models.PROTECT, related_name="bookings")
    offering = models.ForeignKey("instructors.Offering", on_delete=models.PROTECT, related_name="bookings")
    service_name = models.CharField(max_length=80)
    format = models.CharField(max_length=10, choices=Format.choices)
    duration_minutes = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The instructor's time this booking holds: the lesson plus the buffer after it. The
    # exclusion constraint forbids two active bookings of one instructor to overlap here.
    blocked_until = models.DateTimeField()
    student_timezone = models.CharField(max_length=64)
    instructor_timezone = models.CharField(max_length=64)
    location_text = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    payment_status = models.CharField(max_length=30, choices=PaymentStatus.choices, default=PaymentStatus.SCHEDULED)
    hourly_rate_cents = models.PositiveIntegerField()
    lesson_price_cents = models.PositiveIntegerField()
    booking_fee_cents = models.PositiveIntegerField(default=0)
    credits_applied_cents = models.PositiveIntegerField(default=0)
    total_cents = models.PositiveIntegerField()
    commission_bps = models.PositiveIntegerField(default=0)
    instructor_net_cents = models.PositiveIntegerField(default=0)
    booked_at = models.DateTimeField()
    payment_method = models.ForeignKey(
        "payments.PaymentMethod", null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    payment_intent_id = models.CharField(max_length=100, blank=True)
    authorized_at = models.DateTimeField(null=True, blank=True)
    authorization_expires_at = models.DateTimeField(null=True, blank=True)
    # Set when the card was charged (at the end of the dispute window, or earlier when a late
    # reschedule or a late cancellation charges it); None while only a hold exists.
    captured_at = models.DateTimeField(null=True, blank=True)
    # A failing authorization before the lesson: how many attempts failed since when, and when
    # the authorization sweep tries again (1 h, 4 h, then every 8 h after the first failure).
    payment_attempts = models.PositiveSmallIntegerField(default=0)
    payment_problem_since = models.DateTimeField(null=True, blank=True)
    payment_retry_at = models.DateTimeField(null=True, blank=True)
    # A lease: a sweep is talking to the payment provider about this booking until then, so a
    # second worker leaves it alone (and picks it up again if the first one died).
    claimed_until = models.DateTimeField(null=True, blank=True)
    # The client's Idempotency-Key of the request that made it: a retry that takes over a
    # request which died after booking finds this booking instead of making a second one.
    request_key = models.CharField(max_length=255, blank=True, default="")
    # A lesson of a weekly series: which series, and which week of it (0 = the first).
    series = models.ForeignKey(
        "bookings.BookingSeries", null=True, blank=True, on_delete=models.PROTECT, related_name="occurrences"
    )
    series_week = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["instructor", "starts_at"], name="booking_instructor_start_idx"),
            models.Index(fields=["student", "starts_at"], name="booking_student_start_idx"),
            # The sweeps look up due rows by (status, payment status) and a time.
            models.Index(fields=["status", "payment_status", "starts_at"], name="booking_sweep_start_idx"),
            models.Index(fields=["status", "payment_status", "ends_at"], name="booking_sweep_end_idx"),
            # The orphan-hold sweep asks which bookings reference the provider's live holds.
            models.Index(fields=["payment_intent_id"], name="booking_intent_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"),
            models.CheckConstraint(condition=Q(blocked_until__gte=F("ends_at")), name="booking_blocked_covers_lesson"),
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="booking_status_valid"),
            models.CheckConstraint(
                condition=Q(payment_status__in=PaymentStatus.values), name="booking_payment_status_valid"
            ),
            models.UniqueConstraint(
                fields=["student", "request_key"], condition=~Q(request_key=""), name="booking_request_key_once"
            ),
            # A week of a series is booked at most once, whatever the number of sweeps running.
            models.UniqueConstraint(fields=["series", "series_week"], name="booking_series_week_once"),
            models.CheckConstraint(
                condition=Q(series__isnull=True, series_week__isnull=True)
                | Q(series__isnull=False, series_week__isnull=False),
                name="booking_series_week_with_series",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_name} · {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_travel(self) -> bool:
        return self.format == Format.TRAVEL


class BookingSeries(TimeStampedModel):
    """A standing weekly lesson: the same lesson at the same wall-clock time in the
    instructor's zone every week, for `weeks` weeks or until ended (`weeks` None).

    Each week is an ordinary Booking (series, series_week) with its own money. Weeks are
    booked only inside the instructor's booking horizon; the series sweep books the next
    ones as they come within it. The weekly rule: week k starts at `local_time` on
    `anchor_date` + 7 (k − anchor_week) days; changing the time from a date on re-anchors it.
    `next_week` is the first week not considered yet: a week is considered once (booked, or
    recorded in `unbooked` with why and the open times that week), never twice."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="booking_series")
    learner = models.ForeignKey("accounts.Learner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    instructor = models.ForeignKey("instructors.InstructorProfile", on_delete=models.PROTECT, related_name="series")
    offering = models.ForeignKey("instructors.Offering", on_delete=models.PROTECT, related_name="series")
    format = models.CharField(max_length=10, choices=Format.choices)
    duration_minutes = models.PositiveSmallIntegerField()
    address = models.ForeignKey("accounts.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payment_method = models.ForeignKey(
        "payments.PaymentMethod", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    timezone = models.CharField(max_length=64)  # the instructor's, whose wall clock the rule keeps
    anchor_week = models.PositiveSmallIntegerField(default=0)
    anchor_date = models.DateField()
    local_time = models.TimeField()
    weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    next_week = models.PositiveSmallIntegerField(default=0)
    # When `next_week` starts (None once there is no next week: all weeks considered, or
    # ended): the sweep picks the series up when this comes within the booking horizon.
    next_starts_at = models.DateTimeField(null=True, blank=True)
    unbooked = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=SeriesStatus.choices, default=SeriesStatus.ACTIVE)
    ended_at = models.DateTimeField(null=True, blank=True)
    request_key = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        verbose_name_plural = "booking series"
        # The series sweep looks up active series whose next week comes within the horizon.
        indexes = [models.Index(fields=["status", "next_starts_at"], name="series_sweep_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SeriesStatus.values), name="series_status_valid"),
            models.CheckConstraint(
                condition=Q(weeks__isnull=True) | Q(weeks__gte=2, weeks__lte=16), name="series_weeks_range"
            ),
            models.UniqueConstraint(
                fields=["student", "request_key"], condition=~Q(request_key=""), name="series_request_key_once"
            ),
        ]

    def __str__(self) -> str:
        return f"weekly {self.anchor_date:%a} {self.local_time:%H:%M} ({self.status})"


class SeriesEvent(models.Model):
    """Append-only history of a weekly series (created, weeks booked or not, time changed,
    ended); each lesson's own changes are in its BookingEvents."""

    series = models.ForeignKey(BookingSeries, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class BookingEvent(models.Model):
    """Append-only history of a booking: who changed what, when, and why."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    amount_cents = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}→{self.to_status}"


class CalendarFeed(TimeStampedModel):
    """A user's private calendar feed. The token is the only secret in the feed's URL, so it
    is long and random; resetting it replaces the row's token and the old URL stops working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"calendar feed of user {self.user_id}"


class BookingMilestone(models.Model):
    """A one-off notice a sweep sent for a booking (reminders, final payment warning). The
    unique key is what makes it once: a second worker's insert fails and it sends nothing.
    Keyed by the start time too, so a rescheduled lesson gets its own reminders."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=40)
    for_start = models.DateTimeField()
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind", "for_start"], name="booking_milestone_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.for_start:%Y-%m-%d %H:%M}"


class NoShowReport(models.Model):
    """One side says the other did not come. The payment waits in manual review; the other
    side may dispute until `dispute_until`, else the report is upheld automatically."""

    ABSENT_CHOICES = [("student", "Student"), ("instructor", "Instructor")]

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="no_show")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    absent_party = models.CharField(max_length=10, choices=ABSENT_CHOICES)
    status = models.CharField(max_length=10, choices=NoShowStatus.choices, default=NoShowStatus.OPEN)
    note = models.CharField(max_length=500, blank=True)
    reported_at = models.DateTimeField()
    dispute_until = models.DateTimeField()
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(max_length=500, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["status", "dispute_until"], name="no_show_due_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=NoShowStatus.values), name="no_show_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.absent_party} no-show ({self.status})"


class Settlement(models.Model):
    """A decided money outcome of a booking (all amounts from apps/payments/pricing.py),
    written in the same transaction as the decision and applied exactly once afterwards:
    the provider call (idempotency key derived from this row and the attempt), then the
    payment status, the credit and earning ledger rows and an event, in one transaction.
    A crash between the two leaves a pending row that the settlement sweep finishes."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="settlements")
    reason = models.CharField(max_length=30, choices=SettlementReason.choices)
    status = models.CharField(max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.PENDING)
    payment_to = models.CharField(max_length=30, choices=PaymentStatus.choices)
    student_charge_cents = models.PositiveIntegerField(default=0)
    capture_cents = models.PositiveIntegerField(default=0)
    release_hold = models.BooleanField(default=False)
    refund_cents = models.PositiveIntegerField(default=0)
    credit_cents = models.PositiveIntegerField(default=0)
    credits_returned_cents = models.PositiveIntegerField(default=0)
    instructor_cents = models.PositiveIntegerField(default=0)
    platform_cents = models.PositiveIntegerField(default=0)
    # A staff refund takes this much of the instructor's earning back (a negative earning).
    instructor_clawback_cents = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="settlement_due_idx")]
        constraints = [
            # Each kind of outcome is decided once per booking, whatever the number of workers.
            models.UniqueConstraint(fields=["booking", "reason"], name="settlement_once_per_reason"),
            models.CheckConstraint(condition=Q(status__in=SettlementStatus.values), name="settlement_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.status})"


class OrphanHold(models.Model):
    """A live card hold at the provider that no booking referenced, released by the
    orphan-hold sweep (apps/bookings/holds.py). One row per hold: claimed with a lease, so
    two workers release it and alert staff once."""

    intent_id = models.CharField(max_length=100, unique=True)
    amount_cents = models.PositiveIntegerField()
    found_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"orphan hold {self.intent_id}"
