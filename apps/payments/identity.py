"""Instructor identity checks with the provider (Stripe Identity verification sessions) for
the onboarding "Identity" check. The result is synced from the provider on the return page
and by webhook; staff review of documents stays the fallback (and the only way offline)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from apps.accounts.models import User
from apps.core.errors import Conflict, PermissionDenied
from apps.instructors.models import InstructorProfile
from apps.notifications.services import notify
from apps.payments.gateway import get_gateway
from apps.payments.models import IdentityVerification
from apps.search.generation import search_generation_bump


def _instructor(actor: User) -> InstructorProfile:
    profile = InstructorProfile.objects.filter(user=actor).first()
    if profile is None:
        raise PermissionDenied("Only instructors verify their identity.")
    return profile


def identity_start(*, actor: User, return_url: str, now: datetime) -> str:
    """A new verification session; the URL where the instructor takes the photos."""
    profile = _instructor(actor)
    if profile.identity_verified_at is not None:
        raise Conflict("Your identity is already verified.")
    gateway = get_gateway()
    if not gateway.identity_supported:
        raise Conflict("Our team checks your identity from your documents.")
    attempt = IdentityVerification.objects.filter(instructor=profile).count()
    started = gateway.identity_start(
        reference=f"instructor:{profile.pk}", return_url=return_url, idempotency_key=f"identity:{profile.pk}:{attempt}"
    )
    IdentityVerification.objects.get_or_create(
        session_id=started.session_id,
        defaults={
            "instructor": profile, "provider": gateway.name, "status": started.status, "created_at": now,
            "updated_at": now,
        },
    )  # fmt: skip
    return started.url


def identity_sync(*, session_id: str, now: datetime) -> IdentityVerification | None:
    """Copy the session's current result; a verified one marks the identity check done
    (once: later events change nothing)."""
    if not IdentityVerification.objects.filter(session_id=session_id).exists():
        return None
    result = get_gateway().identity_get(session_id=session_id)
    with transaction.atomic():
        row = IdentityVerification.objects.select_for_update().get(session_id=session_id)
        if row.status != "verified":  # a verified result is final, whatever arrives later
            row.status, row.error, row.updated_at = result.status, result.error, now
            row.save(update_fields=["status", "error", "updated_at"])
        profile = InstructorProfile.objects.select_for_update().select_related("user").get(pk=row.instructor_id)
        if row.status == "verified" and profile.identity_verified_at is None:
            profile.identity_verified_at = now
            profile.save(update_fields=["identity_verified_at", "updated_at"])
            transaction.on_commit(search_generation_bump)
            notify(
                user=profile.user, kind="identity_verified", now=now, url="/teach/verification/",
                subject="Your identity is verified", body="Thanks! Your identity check is done.",
            )  # fmt: skip
    return row


def identity_refresh(*, actor: User, now: datetime) -> IdentityVerification | None:
    """The return page: the instructor is back from the provider's verification."""
    latest = IdentityVerification.objects.filter(instructor=_instructor(actor)).first()
    return identity_sync(session_id=latest.session_id, now=now) if latest else None


def identity_latest(*, profile: InstructorProfile) -> IdentityVerification | None:
    return IdentityVerification.objects.filter(instructor=profile).first()
