from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from apps.audit.models import AuditEntry


def audit_entry_list(*, target: models.Model) -> QuerySet[AuditEntry]:
    """An object's audit trail, newest first (served by audit_target_idx)."""
    return AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)).select_related(
        "actor"
    )
