from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.audit.states import AuditAction
from apps.core.errors import Conflict


class AuditEntry(models.Model):
    """One staff (or system) action: who, what, on which object, the object's state before and
    after, and why. Append-only: written by the services through `audit_record`, never
    changed or deleted (the model refuses it, and on PostgreSQL a trigger does too)."""

    at = models.DateTimeField()
    # Null for the system (sweeps). The email is kept so the entry still says who after the
    # account is gone.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target_type = models.CharField(max_length=60, help_text="app_label.model of the object acted on.")
    target_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-at"], name="audit_target_idx"),  # an object's trail
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
            models.Index(fields=["-at"], name="audit_at_idx"),  # the list, newest first
        ]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=AuditAction.values), name="audit_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.target_type} {self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise Conflict("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise Conflict("Audit entries are never deleted.")
