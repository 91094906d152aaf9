"""The one writer of the audit trail. Services call `audit_record` inside the transaction
that makes the change, so an entry exists exactly when the change committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models

from apps.accounts.models import User
from apps.audit.models import AuditEntry
from apps.audit.states import AuditAction
from apps.core.limits import current_request
from apps.core.request_id import request_id_of


def audit_record(
    *, actor: User | None, action: AuditAction, target: models.Model, now: datetime, reason: str = "",
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
) -> AuditEntry:  # fmt: skip
    """Record one action on `target`. `before`/`after` hold only the fields the action
    changed (JSON values); the request id links the entry to the request's log lines."""
    request = current_request()
    return AuditEntry.objects.create(
        at=now, actor=actor, actor_email=actor.email if actor is not None else "", action=action,
        target_type=target._meta.label_lower, target_id=str(target.pk), before=before or {}, after=after or {},
        reason=reason[:500], request_id=request_id_of(request) if request is not None else "",
    )  # fmt: skip
