from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinLengthValidator
from django.db import models
from django.db.models import Q

from apps.accounts.models import DEFAULT_TIMEZONE, validate_timezone
from apps.core.models import TimeStampedModel
from apps.instructors.states import Format, ProfileStatus

BIO_MIN, BIO_MAX = 10, 1000
OFFERING_DESCRIPTION_MAX = 500
# The absolute ceiling the database enforces; PlatformConfig may set a lower one.
MAX_RATE_CENTS = 100_000
RATE_FIELDS = {
    Format.ONLINE: "rate_online_cents",
    Format.STUDIO: "rate_studio_cents",
    Format.TRAVEL: "rate_travel_cents",
}


class InstructorProfile(TimeStampedModel):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instructor_profile")
    slug = models.SlugField(unique=True, max_length=80)
    display_name = models.CharField(max_length=80)
    headline = models.CharField(max_length=100, blank=True, help_text='e.g. "Classical & pop piano"')
    bio = models.TextField(blank=True, validators=[MinLengthValidator(BIO_MIN), MaxLengthValidator(BIO_MAX)])
    years_experience = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(80)])
    timezone = models.CharField(max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone])
    buffer_minutes = models.PositiveSmallIntegerField(default=15, validators=[MaxValueValidator(240)])
    travel_buffer_minutes = models.PositiveSmallIntegerField(default=60, validators=[MaxValueValidator(240)])
    overnight_protection = models.BooleanField(default=True)
    # The studio's exact address is private; the public map point is jittered 25–50 m.
    studio_neighborhood = models.ForeignKey(
        "search.Neighborhood", null=True, blank=True, on_delete=models.SET_NULL, related_name="studios"
    )
    studio_address = models.CharField(max_length=200, blank=True)
    public_lat = models.FloatField(null=True, blank=True)
    public_lon = models.FloatField(null=True, blank=True)

    status = models.CharField(max_length=20, choices=ProfileStatus.choices, default=ProfileStatus.ONBOARDING)
    went_live_at = models.DateTimeField(null=True, blank=True)
    identity_verified_at = models.DateTimeField(null=True, blank=True)
    background_check_passed_at = models.DateTimeField(null=True, blank=True)
    payouts_connected_at = models.DateTimeField(null=True, blank=True)

    is_founding = models.BooleanField(default=False)
    commission_override_bps = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(10_000)])
    commission_override_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # PostgreSQL also has instructor_live_recent_idx (migration 0003; SQLite cannot index
        # NULLS LAST): search without a subject reads the newest live instructors in order.
        indexes = [models.Index(fields=["status"], name="instructor_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProfileStatus.values), name="instructor_status_valid"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_live(self) -> bool:
        return self.status == ProfileStatus.LIVE

    @property
    def initials(self) -> str:
        return initials_of(self.display_name)


def initials_of(display_name: str) -> str:
    """What an avatar without a picture shows: "Ana Alvarez" -> "AA"."""
    parts = display_name.split()
    return "".join(part[0] for part in parts[:2]).upper() or "?"


class Offering(TimeStampedModel):
    """An instructor teaching one catalog service, with one hourly rate per offered format."""

    profile = models.ForeignKey(InstructorProfile, on_delete=models.CASCADE, related_name="offerings")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="offerings")
    description = models.TextField(blank=True, validators=[MaxLengthValidator(OFFERING_DESCRIPTION_MAX)])
    duration_options = models.JSONField(default=list)
    age_groups = models.ManyToManyField("catalog.AgeGroup", related_name="offerings")
    skill_levels = models.JSONField(default=list)
    rate_online_cents = models.PositiveIntegerField(null=True, blank=True)
    rate_studio_cents = models.PositiveIntegerField(null=True, blank=True)
    rate_travel_cents = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # The instructor's own video-call link for online lessons (Zoom, Meet…). Shown to the
    # booked student from an hour before each online lesson; required before the online
    # format can go live (apps/instructors/onboarding.py).
    meeting_link = models.URLField(max_length=300, blank=True)

    class Meta:
        ordering = ["service__category__display_order", "service__display_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "service"], name="offering_unique_service_per_instructor"),
            models.CheckConstraint(
                condition=Q(rate_online_cents__isnull=False)
                | Q(rate_studio_cents__isnull=False)
                | Q(rate_travel_cents__isnull=False),
                name="offering_has_a_rate",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True})
                    | Q(**{f"{field}__gt": 0, f"{field}__lte": MAX_RATE_CENTS}),
                    name=f"offering_{field}_in_bounds",
                )
                for field in RATE_FIELDS.values()
            ],
        ]

    def __str__(self) -> str:
        return f"{self.profile} · {self.service}"

    def rate_for(self, fmt: str) -> int | None:
        value: int | None = getattr(self, RATE_FIELDS[Format(fmt)])
        return value

    @property
    def formats(self) -> list[str]:
        return [fmt.value for fmt in Format if self.rate_for(fmt) is not None]

    @property
    def min_rate_cents(self) -> int:
        return min(rate for fmt in Format if (rate := self.rate_for(fmt)) is not None)


class ServiceArea(models.Model):
    """Where a travelling instructor goes: one neighborhood, or a whole borough."""

    profile = models.ForeignKey(InstructorProfile, on_delete=models.CASCADE, related_name="service_areas")
    neighborhood = models.ForeignKey(
        "search.Neighborhood", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    borough = models.ForeignKey("search.Borough", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(neighborhood__isnull=False) & Q(borough__isnull=True))
                | (Q(neighborhood__isnull=True) & Q(borough__isnull=False)),
                name="service_area_exactly_one_place",
            ),
            models.UniqueConstraint(fields=["profile", "neighborhood"], name="service_area_unique_neighborhood"),
            models.UniqueConstraint(fields=["profile", "borough"], name="service_area_unique_borough"),
        ]

    def __str__(self) -> str:
        return str(self.neighborhood or self.borough)
