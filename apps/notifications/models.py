from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.notifications.states import Category, EmailStatus


class Notification(models.Model):
    """One message to one user: the in-app list shows every row; the email goes after the
    commit that wrote it, unless the user turned the (non-essential) category off."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    category = models.CharField(max_length=20, choices=Category.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    essential = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # An .ics file sent with the email (booking confirmations): kept on the row so a retried
    # send carries the same attachment.
    calendar_attachment = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_recent_idx")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class NotificationPreference(models.Model):
    """A user's choice for one optional category (no row = emails on)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    email_enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {'on' if self.email_enabled else 'off'}"
