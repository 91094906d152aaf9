"""Conversations between a student and an instructor: one thread per pair, its messages,
reports of abuse and the record of every staff look at a report.

The thread row carries the counters that make the hot reads cheap: the id of its last
message and each side's last read message id. The navigation's unread count, the polling
"anything new?" check and read receipts read only this row, never the messages."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.core.models import TimeStampedModel

BODY_MAX = 2000
REPORT_NOTE_MAX = 500


class Conversation(TimeStampedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The instructor's user (not the profile): every participant check compares user ids.
    instructor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The lesson the thread was last opened from, shown above the messages.
    booking = models.ForeignKey(
        "bookings.Booking", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    last_message_id = models.BigIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    student_read_id = models.BigIntegerField(default=0)
    instructor_read_id = models.BigIntegerField(default=0)
    # When each side was last emailed about unread messages (one email per thread per hour).
    student_emailed_at = models.DateTimeField(null=True, blank=True)
    instructor_emailed_at = models.DateTimeField(null=True, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    blocked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "instructor"], name="conversation_one_per_pair"),
            models.CheckConstraint(condition=~Q(student=F("instructor")), name="conversation_two_people"),
        ]
        indexes = [
            # The inbox and the unread count of each side.
            models.Index(fields=["student", "-last_message_at"], name="conversation_student_idx"),
            models.Index(fields=["instructor", "-last_message_at"], name="conversation_instructor_idx"),
        ]

    def __str__(self) -> str:
        return f"conversation {self.public_id}"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # What the other side sees; contact details masked before the pair's first booking.
    body = models.TextField()
    # The text as written, kept only when masking changed it: staff read it in a report.
    original_body = models.TextField(blank=True)
    booking = models.ForeignKey("bookings.Booking", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"], name="message_conversation_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="message_not_empty"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk}"

    @property
    def masked(self) -> bool:
        return bool(self.original_body)


class ReportReason(models.TextChoices):
    CONTACT = "off_platform", "Asks to pay or talk outside InstaInstru"
    HARASSMENT = "harassment", "Harassment or hateful words"
    SPAM = "spam", "Spam or scam"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Report(models.Model):
    """A participant reports messages of a thread. Staff see these messages only, never the
    whole thread, and each look is recorded (ReportView)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    note = models.CharField(max_length=REPORT_NOTE_MAX, blank=True)
    messages = models.ManyToManyField(Message, related_name="reports")
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="report_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid"),
            models.CheckConstraint(condition=Q(reason__in=ReportReason.values), name="report_reason_valid"),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.get_reason_display()})"


class ReportView(models.Model):
    """Who of the staff looked at which report, when: the audit trail of moderation."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="views")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"report {self.report_id} viewed by {self.staff_id}"
