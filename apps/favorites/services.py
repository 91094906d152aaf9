"""Writes for saved teachers. Both are idempotent: saving a saved teacher or removing one that
is not saved changes nothing and succeeds, so a double tap or a retried request is harmless."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.core.errors import NotFound, PermissionDenied
from apps.favorites.models import Favorite
from apps.instructors.models import InstructorProfile
from apps.instructors.states import ProfileStatus


def _require_student(actor: User) -> None:
    if not actor.is_student:
        raise PermissionDenied("Only students can save teachers.")


def favorite_add(*, actor: User, instructor_id: int, now: datetime) -> Favorite:
    """Save a live instructor; the existing row when already saved."""
    _require_student(actor)
    profile = InstructorProfile.objects.filter(pk=instructor_id, status=ProfileStatus.LIVE).first()
    if profile is None:
        raise NotFound("Instructor not found.")
    existing = Favorite.objects.filter(student=actor, instructor=profile).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Favorite.objects.create(student=actor, instructor=profile, created_at=now)
    except IntegrityError:  # a concurrent save of the same pair won the unique constraint
        return Favorite.objects.get(student=actor, instructor=profile)


def favorite_remove(*, actor: User, instructor_id: int) -> bool:
    """Forget a saved teacher; True when a row was removed. Only the actor's own row can go."""
    _require_student(actor)
    removed, _ = Favorite.objects.filter(student=actor, instructor_id=instructor_id).delete()
    return bool(removed)
