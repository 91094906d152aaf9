from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.bookings.states import ACTIVE_STATUSES, BookingStatus, PaymentStatus
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

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["instructor", "starts_at"], name="booking_instructor_start_idx"),
            models.Index(fields=["student", "starts_at"], name="booking_student_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"),
            models.CheckConstraint(condition=Q(blocked_until__gte=F("ends_at")), name="booking_blocked_covers_lesson"),
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="booking_status_valid"),
            models.CheckConstraint(
                condition=Q(payment_status__in=PaymentStatus.values), name="booking_payment_status_valid"
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
