"""Writes for accounts: profile edits and learners. Every write validates fully first, so
bad input changes nothing."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from apps.accounts.models import Address, Learner, User
from apps.audit.services import audit_record
from apps.audit.states import AuditAction
from apps.catalog.models import AgeGroup
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.search.models import Neighborhood

PROFILE_FIELDS = ("first_name", "last_name", "phone", "timezone", "zip_code")


def _validation_failed(exc: DjangoValidationError) -> ValidationFailed:
    fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    return ValidationFailed("Some fields are missing or invalid.", fields=fields)


def user_profile_update(*, actor: User, changes: dict[str, str]) -> User:
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(
            "Unknown fields.", fields={name: ["This field cannot be changed here."] for name in unknown}
        )
    for name, value in changes.items():
        setattr(actor, name, value.strip())
    try:
        actor.full_clean(exclude=["password"])
    except DjangoValidationError as exc:
        actor.refresh_from_db()
        raise _validation_failed(exc) from exc
    actor.save(update_fields=list(changes))
    return actor


def _require_student_for(what: str, actor: User) -> None:
    if not actor.is_student:
        raise PermissionDenied(f"Only student accounts can {what}.")


def learner_create(*, actor: User, first_name: str, age_group: str) -> Learner:
    _require_student_for("add learners", actor)
    first_name = first_name.strip()
    errors: dict[str, list[str]] = {}
    if not first_name:
        errors["first_name"] = ["Enter the learner's first name."]
    elif len(first_name) > 60:
        errors["first_name"] = ["Use at most 60 characters."]
    group = AgeGroup.objects.filter(slug=age_group).first()
    if group is None:
        errors["age_group"] = [f"Choose one of: {', '.join(AgeGroup.objects.values_list('slug', flat=True))}."]
    if errors or group is None:
        raise ValidationFailed("Some fields are missing or invalid.", fields=errors)
    try:
        with transaction.atomic():
            return Learner.objects.create(parent=actor, first_name=first_name, age_group=group)
    except IntegrityError as exc:
        raise ValidationFailed(
            "You already have a learner with that name.",
            fields={"first_name": ["You already have a learner with that name."]},
        ) from exc


def learner_delete(*, actor: User, learner_id: int) -> None:
    # Someone else's learner is reported as missing, not forbidden: ids must not leak.
    deleted, _ = Learner.objects.filter(pk=learner_id, parent=actor).delete()
    if not deleted:
        raise NotFound("Learner not found.")


def address_create(*, actor: User, label: str, street: str, neighborhood: str) -> Address:
    _require_student_for("save addresses", actor)
    errors: dict[str, list[str]] = {}
    label, street = label.strip() or "Home", street.strip()
    if not street:
        errors["street"] = ["Enter the street address."]
    elif len(street) > 200:
        errors["street"] = ["Use at most 200 characters."]
    if len(label) > 40:
        errors["label"] = ["Use at most 40 characters."]
    place = Neighborhood.objects.filter(slug=neighborhood).first()
    if place is None:
        errors["neighborhood"] = ["Choose your neighborhood from the list."]
    if errors or place is None:
        raise ValidationFailed("Some fields are missing or invalid.", fields=errors)
    return Address.objects.create(user=actor, label=label, street=street, neighborhood=place)


def address_delete(*, actor: User, address_id: int) -> None:
    deleted, _ = Address.objects.filter(pk=address_id, user=actor).delete()
    if not deleted:
        raise NotFound("Address not found.")


def _staff_user_change(actor: User, user_id: int, reason: str) -> tuple[User, str]:
    if not actor.is_staff:
        raise PermissionDenied("Only staff lock or unlock accounts.")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give a reason.", fields={"reason": ["Say why; it is kept in the audit trail."]})
    if user_id == actor.pk:
        raise Conflict("You cannot lock or unlock your own account.")
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return user, reason[:500]


@transaction.atomic
def user_lock(*, actor: User, user_id: int, reason: str, now: datetime) -> User:
    """Lock an account: it can no longer sign in, and its sessions and app tokens stop
    working at their next request (Django refuses inactive users). Its data stays."""
    user, reason = _staff_user_change(actor, user_id, reason)
    if not user.is_active:
        raise Conflict("This account is already locked.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor, action=AuditAction.USER_LOCK, target=user, now=now, reason=reason,
        before={"is_active": True}, after={"is_active": False},
    )  # fmt: skip
    return user


@transaction.atomic
def user_unlock(*, actor: User, user_id: int, reason: str, now: datetime) -> User:
    user, reason = _staff_user_change(actor, user_id, reason)
    if user.is_active:
        raise Conflict("This account is not locked.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor, action=AuditAction.USER_UNLOCK, target=user, now=now, reason=reason,
        before={"is_active": False}, after={"is_active": True},
    )  # fmt: skip
    return user
