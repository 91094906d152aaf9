"""Writes for instructors: profile, offerings, service areas, onboarding and go-live.

Every write validates the whole input first and raises ValidationFailed with per-field
messages, so bad input changes nothing."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.audit.states import AuditAction
from apps.catalog.models import AgeGroup, Service
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.core.models import platform_config
from apps.instructors.models import OFFERING_DESCRIPTION_MAX, RATE_FIELDS, InstructorProfile, Offering, ServiceArea
from apps.instructors.onboarding import onboarding_status
from apps.instructors.states import Format, ProfileStatus, SkillLevel, can_transition
from apps.search.generation import search_generation_bump
from apps.search.listing import listing_changed
from apps.search.models import Borough, Neighborhood

DURATION_MIN, DURATION_MAX, DURATION_STEP = 30, 240, 15
JITTER_MIN_M, JITTER_MAX_M = 25.0, 50.0
PROFILE_FIELDS = (
    "display_name", "headline", "bio", "years_experience", "timezone", "buffer_minutes",
    "travel_buffer_minutes", "overnight_protection", "studio_address",
)  # fmt: skip


def _require_instructor(actor: User) -> None:
    if not actor.is_instructor:
        raise PermissionDenied("Only instructor accounts can do this.")


def _unique_slug(base: str) -> str:
    root = slugify(base)[:60] or "instructor"
    slug, n = root, 1
    while InstructorProfile.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{root}-{n}"
    return slug


def instructor_profile_ensure(*, actor: User) -> InstructorProfile:
    """The instructor's profile, created (in onboarding) on first use."""
    _require_instructor(actor)
    profile = InstructorProfile.objects.filter(user=actor).first()
    if profile is not None:
        return profile
    name = f"{actor.first_name} {actor.last_name}".strip() or actor.email.split("@")[0]
    config = platform_config()
    try:
        with transaction.atomic():
            return InstructorProfile.objects.create(
                user=actor,
                slug=_unique_slug(f"{actor.first_name} {actor.last_name[:1]}"),
                display_name=name,
                timezone=actor.timezone,
                buffer_minutes=config.default_buffer_minutes,
                travel_buffer_minutes=config.default_travel_buffer_minutes,
            )
    except IntegrityError:  # two first visits at once: the other request created it
        return InstructorProfile.objects.get(user=actor)


def jittered_point(lat: float, lon: float, rng: random.Random) -> tuple[float, float]:
    """A point 25–50 m from (lat, lon) in a random direction: close enough for 'near Park
    Slope', far enough that the studio's door is not published."""
    distance = rng.uniform(JITTER_MIN_M, JITTER_MAX_M)
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 111_320.0
    dlon = distance * math.sin(bearing) / (111_320.0 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def _field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}


@transaction.atomic
def instructor_profile_update(*, actor: User, changes: dict[str, Any]) -> InstructorProfile:
    profile = InstructorProfile.objects.select_for_update().get(pk=instructor_profile_ensure(actor=actor).pk)
    errors: dict[str, list[str]] = {}
    unknown = set(changes) - {*PROFILE_FIELDS, "studio_neighborhood"}
    for name in unknown:
        errors[name] = ["This field cannot be changed here."]
    for name in set(changes) & set(PROFILE_FIELDS):
        value = changes[name]
        if value is None:  # model validation skips None on blank fields; the column is NOT NULL
            errors[name] = ["This field cannot be null."]
            continue
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    if "studio_neighborhood" in changes:
        slug = changes["studio_neighborhood"]
        neighborhood = Neighborhood.objects.filter(slug=slug).first() if slug else None
        if slug and neighborhood is None:
            errors["studio_neighborhood"] = ["Choose a neighborhood from the list."]
        elif neighborhood != profile.studio_neighborhood:
            profile.studio_neighborhood = neighborhood
            point = (
                jittered_point(neighborhood.lat, neighborhood.lon, random.SystemRandom())
                if neighborhood
                else (None, None)
            )
            profile.public_lat, profile.public_lon = point
    try:
        profile.full_clean(exclude=["user", "slug"])
    except DjangoValidationError as exc:
        errors.update(_field_errors(exc))
    if errors:
        raise ValidationFailed("Some fields are missing or invalid.", fields=errors)
    profile.save()
    transaction.on_commit(search_generation_bump)
    return profile


@dataclass
class OfferingInput:
    service: str
    duration_options: list[int]
    age_groups: list[str]
    skill_levels: list[str]
    rates: dict[str, int | None]
    description: str = ""
    is_active: bool = True
    meeting_link: str = ""


@dataclass
class _CheckedOffering:
    service: Service
    age_groups: list[AgeGroup]
    errors: dict[str, list[str]] = field(default_factory=dict)


def _check_rates(rates: dict[str, int | None], service: Service | None) -> dict[str, list[str]]:
    config = platform_config()
    errors: dict[str, list[str]] = {}
    unknown = set(rates) - set(Format.values)
    if unknown:
        errors["rates"] = [f"Unknown format(s): {', '.join(sorted(unknown))}. Use online, studio or travel."]
    offered = {fmt: cents for fmt, cents in rates.items() if cents is not None and fmt in Format.values}
    if not offered:
        errors.setdefault("rates", []).append("Set an hourly rate for at least one format.")
    for fmt, cents in offered.items():
        floor = config.min_rate_online_cents if fmt == Format.ONLINE else config.min_rate_in_person_cents
        if cents <= 0 or cents > config.max_rate_cents:
            errors[f"rates.{fmt}"] = [f"Enter a rate above $0 and at most ${config.max_rate_cents // 100:,}/h."]
        elif cents < floor:
            kind = "online" if fmt == Format.ONLINE else "in-person"
            errors[f"rates.{fmt}"] = [f"The minimum {kind} rate is ${floor / 100:.0f}/h."]
    if service is not None and not service.online_capable and offered.get(Format.ONLINE):
        errors["rates.online"] = [f"{service.name} is not taught online."]
    return errors


MEETING_LINK_MAX = 300


def meeting_link_error(link: str) -> str:
    """Only an https link is shown to students: anything else (javascript:, http:, a bare
    word) could be a trap or a typo."""
    if not link:
        return ""
    parsed = urlsplit(link)
    if len(link) > MEETING_LINK_MAX or parsed.scheme != "https" or not parsed.hostname or " " in link:
        return "Enter the full https:// link of your video call (Zoom, Google Meet…), up to 300 characters."
    return ""


def _check_offering(data: OfferingInput) -> _CheckedOffering:
    errors: dict[str, list[str]] = {}
    service = Service.objects.filter(slug=data.service, is_active=True).prefetch_related("eligible_age_groups").first()
    if service is None:
        errors["service"] = ["Choose a subject from the catalog."]
    durations = sorted(set(data.duration_options))
    if not durations:
        errors["duration_options"] = ["Offer at least one lesson length."]
    elif any(d < DURATION_MIN or d > DURATION_MAX or d % DURATION_STEP for d in durations):
        errors["duration_options"] = ["Lesson lengths are 30 to 240 minutes, in steps of 15."]
    groups = list(AgeGroup.objects.filter(slug__in=data.age_groups))
    if not data.age_groups or len(groups) != len(set(data.age_groups)):
        errors["age_groups"] = ["Choose at least one age group: toddler, kids, teens or adults."]
    elif service is not None:
        eligible = {g.slug for g in service.eligible_age_groups.all()}
        if not {g.slug for g in groups} <= eligible:
            errors["age_groups"] = [f"{service.name} is offered to: {', '.join(sorted(eligible))}."]
    if not data.skill_levels or not set(data.skill_levels) <= set(SkillLevel.values):
        errors["skill_levels"] = ["Choose at least one level: beginner, intermediate or advanced."]
    if len(data.description) > OFFERING_DESCRIPTION_MAX:
        errors["description"] = [f"Use at most {OFFERING_DESCRIPTION_MAX} characters."]
    errors.update(_check_rates(data.rates, service))
    link_error = meeting_link_error(data.meeting_link)
    if link_error:
        errors["meeting_link"] = [link_error]
    if errors or service is None:
        raise ValidationFailed("Some fields are missing or invalid.", fields=errors)
    return _CheckedOffering(service=service, age_groups=groups)


def _apply(offering: Offering, data: OfferingInput, checked: _CheckedOffering) -> Offering:
    offering.service = checked.service
    offering.description = data.description.strip()
    offering.duration_options = sorted(set(data.duration_options))
    offering.skill_levels = [level for level in SkillLevel.values if level in data.skill_levels]
    offering.is_active = data.is_active
    offering.meeting_link = data.meeting_link.strip()
    for fmt, field_name in RATE_FIELDS.items():
        setattr(offering, field_name, data.rates.get(fmt))
    offering.save()
    offering.age_groups.set(checked.age_groups)
    transaction.on_commit(search_generation_bump)
    return offering


@transaction.atomic
def offering_create(*, actor: User, data: OfferingInput) -> Offering:
    profile = instructor_profile_ensure(actor=actor)
    checked = _check_offering(data)
    if Offering.objects.filter(profile=profile, service=checked.service).exists():
        raise Conflict(f"You already teach {checked.service.name}; edit that offering instead.")
    return _apply(Offering(profile=profile), data, checked)


def _own_offering(actor: User, offering_id: int) -> Offering:
    offering = Offering.objects.filter(pk=offering_id, profile__user=actor).select_for_update().first()
    if offering is None:
        raise NotFound("Offering not found.")
    return offering


@transaction.atomic
def offering_update(*, actor: User, offering_id: int, data: OfferingInput) -> Offering:
    _require_instructor(actor)
    offering = _own_offering(actor, offering_id)
    checked = _check_offering(data)
    if checked.service.pk != offering.service_id:
        raise ValidationFailed(
            "The subject of an offering cannot change.",
            fields={"service": ["Create a new offering for another subject."]},
        )
    return _apply(offering, data, checked)


@transaction.atomic
def offering_delete(*, actor: User, offering_id: int) -> None:
    """Bookings keep their offering for good (prices, history), so an offering that was ever
    booked can only be turned off."""
    _require_instructor(actor)
    offering = _own_offering(actor, offering_id)
    try:
        offering.delete()
    except ProtectedError:
        raise Conflict(
            "This offering has bookings, so it cannot be deleted. Turn it off instead: nobody can book it then."
        ) from None
    transaction.on_commit(search_generation_bump)


@transaction.atomic
def service_areas_replace(*, actor: User, neighborhoods: list[str], boroughs: list[str]) -> list[ServiceArea]:
    profile = instructor_profile_ensure(actor=actor)
    found_n = {n.slug: n for n in Neighborhood.objects.filter(slug__in=neighborhoods)}
    found_b = {b.slug: b for b in Borough.objects.filter(slug__in=boroughs)}
    errors: dict[str, list[str]] = {}
    if missing := sorted(set(neighborhoods) - set(found_n)):
        errors["neighborhoods"] = [f"Unknown neighborhood(s): {', '.join(missing)}."]
    if missing := sorted(set(boroughs) - set(found_b)):
        errors["boroughs"] = [f"Unknown borough(s): {', '.join(missing)}."]
    if errors:
        raise ValidationFailed("Some places are not in New York City's list.", fields=errors)
    ServiceArea.objects.filter(profile=profile).delete()
    areas = [ServiceArea(profile=profile, neighborhood=n) for n in found_n.values()]
    areas += [ServiceArea(profile=profile, borough=b) for b in found_b.values()]
    transaction.on_commit(search_generation_bump)
    created = ServiceArea.objects.bulk_create(areas)
    listing_changed([profile.pk])  # a bulk insert sends no signals
    return created


def _transition(profile: InstructorProfile, target: ProfileStatus) -> None:
    if not can_transition(profile.status, target):
        raise Conflict(f"A {profile.get_status_display().lower()} profile cannot become {target.label.lower()}.")
    profile.status = target
    transaction.on_commit(search_generation_bump)


@transaction.atomic
def instructor_go_live(*, actor: User, now: datetime) -> InstructorProfile:
    _require_instructor(actor)
    profile = InstructorProfile.objects.select_for_update().filter(user=actor).first()
    if profile is None:
        raise NotFound("Start onboarding first.")
    if profile.status == ProfileStatus.LIVE:
        return profile
    if profile.status == ProfileStatus.SUSPENDED:
        # SUSPENDED → LIVE is legal, but it is staff's decision to reinstate, not the instructor's.
        raise Conflict("Your profile is suspended. Please contact our team to sort it out.")
    status = onboarding_status(profile)
    if not status.can_go_live:
        raise Conflict("You can go live once every step is done: " + "; ".join(status.missing) + ".")
    _transition(profile, ProfileStatus.LIVE)
    profile.went_live_at = now
    profile.save(update_fields=["status", "went_live_at", "updated_at"])
    return profile


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied("Only staff can do this.")


VERIFICATION_FIELDS = ("identity_verified_at", "background_check_passed_at", "payouts_connected_at")


def _verification(profile: InstructorProfile) -> dict[str, str | None]:
    return {name: value.isoformat() if (value := getattr(profile, name)) else None for name in VERIFICATION_FIELDS}


@transaction.atomic
def instructor_verification_mark(
    *, actor: User, profile_id: int, now: datetime, identity: bool | None = None,
    background_check: bool | None = None, payouts: bool | None = None, reason: str = "",
) -> InstructorProfile:  # fmt: skip
    """Staff record verification results until the media and payment features make them
    self-service. None leaves a check as it is; False clears it."""
    _require_staff(actor)
    profile = InstructorProfile.objects.select_for_update().get(pk=profile_id)
    before = _verification(profile)
    for flag, field_name in zip((identity, background_check, payouts), VERIFICATION_FIELDS, strict=True):
        if flag is not None:
            setattr(profile, field_name, now if flag else None)
    profile.save()
    audit_record(
        actor=actor, action=AuditAction.INSTRUCTOR_VERIFICATION, target=profile, now=now, reason=reason,
        before=before, after=_verification(profile),
    )  # fmt: skip
    transaction.on_commit(search_generation_bump)
    return profile


def _staff_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give a reason.", fields={"reason": ["Say why; it is kept in the audit trail."]})
    return reason[:500]


@transaction.atomic
def instructor_suspend(*, actor: User, profile_id: int, reason: str, now: datetime) -> InstructorProfile:
    """Hide the instructor from search and booking (their booked lessons stay as they are)."""
    _require_staff(actor)
    reason = _staff_reason(reason)
    profile = InstructorProfile.objects.select_for_update().get(pk=profile_id)
    before = profile.status
    _transition(profile, ProfileStatus.SUSPENDED)
    profile.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action=AuditAction.INSTRUCTOR_SUSPEND, target=profile, now=now, reason=reason,
        before={"status": before}, after={"status": profile.status},
    )  # fmt: skip
    return profile


@transaction.atomic
def instructor_reinstate(*, actor: User, profile_id: int, reason: str, now: datetime) -> InstructorProfile:
    """Lift a suspension: live again when every go-live step is still done, else back to
    onboarding (the status page shows what is missing)."""
    _require_staff(actor)
    reason = _staff_reason(reason)
    profile = InstructorProfile.objects.select_for_update().get(pk=profile_id)
    if profile.status != ProfileStatus.SUSPENDED:
        raise Conflict("Only a suspended instructor can be reinstated.")
    target = ProfileStatus.LIVE if onboarding_status(profile).can_go_live else ProfileStatus.ONBOARDING
    _transition(profile, target)
    profile.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action=AuditAction.INSTRUCTOR_REINSTATE, target=profile, now=now, reason=reason,
        before={"status": ProfileStatus.SUSPENDED.value}, after={"status": profile.status},
    )  # fmt: skip
    return profile


def instructor_unlist_lapsed(*, user_id: int, now: datetime, reason: str) -> InstructorProfile | None:
    """A go-live requirement lapsed (call inside the transaction that cleared it): a live
    profile leaves search and booking until the instructor goes live again. Booked lessons
    stay. Returns the profile when it was live."""
    profile = InstructorProfile.objects.select_for_update().filter(user_id=user_id).first()
    if profile is None or profile.status != ProfileStatus.LIVE:
        return None
    _transition(profile, ProfileStatus.ONBOARDING)
    profile.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=None, action=AuditAction.INSTRUCTOR_UNLISTED, target=profile, now=now, reason=reason,
        before={"status": ProfileStatus.LIVE.value}, after={"status": profile.status},
    )  # fmt: skip
    return profile


def _as_json(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_as_json(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return str(getattr(value, "pk", value))


@transaction.atomic
def instructor_staff_edit(
    *, actor: User, obj: InstructorProfile | Offering, before: dict[str, Any], now: datetime
) -> InstructorProfile | Offering:
    """Save a profile or offering staff edited in the admin (its form validated the
    values): audited with the changed fields, and search pages are refreshed."""
    _require_staff(actor)
    obj.save()
    after = {name: _as_json(getattr(obj, f"{name}_id", getattr(obj, name, None))) for name in before}
    audit_record(
        actor=actor, action=AuditAction.INSTRUCTOR_EDIT, target=obj, now=now,
        before={name: _as_json(value) for name, value in before.items()}, after=after,
    )  # fmt: skip
    transaction.on_commit(search_generation_bump)
    return obj
