"""Student account locks for unpaid lessons (a charge still failing after the escalation delay)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.audit.states import AuditAction
from apps.bookings.models import Booking
from apps.core.errors import NotFound, PermissionDenied, ValidationFailed
from apps.payments.models import StudentLock


def student_locks_open(*, user: User) -> QuerySet[StudentLock]:
    return StudentLock.objects.filter(user=user, released_at__isnull=True)


def student_lock_active(*, user: User) -> bool:
    return student_locks_open(user=user).exists()


def student_lock_add(*, booking: Booking, reason: str, now: datetime) -> StudentLock | None:
    """Lock the booking's student (once per booking while unreleased)."""
    try:
        with transaction.atomic():
            return StudentLock.objects.create(
                user_id=booking.student_id, booking=booking, reason=reason, created_at=now
            )
    except IntegrityError:
        return None


def student_lock_release(*, actor: User, lock_id: int, now: datetime, reason: str) -> StudentLock:
    """Staff lift a lock once the unpaid lesson is sorted out; audited."""
    if not actor.is_staff:
        raise PermissionDenied("Only staff release account holds.")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give a reason.", fields={"reason": ["Say why; it is kept in the audit trail."]})
    with transaction.atomic():
        lock = StudentLock.objects.select_for_update().filter(pk=lock_id, released_at__isnull=True).first()
        if lock is None:
            raise NotFound("No such active hold.")
        lock.released_at, lock.released_by = now, actor
        lock.save(update_fields=["released_at", "released_by"])
        audit_record(
            actor=actor, action=AuditAction.STUDENT_LOCK_RELEASE, target=lock, now=now, reason=reason[:500],
            before={"released_at": None}, after={"released_at": now.isoformat(), "user": lock.user_id},
        )  # fmt: skip
    return lock
