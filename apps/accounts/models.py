from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from apps.core.models import TimeStampedModel

DEFAULT_TIMEZONE = "America/New_York"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/New_York).")


class Role(models.TextChoices):
    STUDENT = "student", "Student"
    INSTRUCTOR = "instructor", "Instructor"


class EmailUserManager(UserManager["User"]):
    """Users log in with their email; there is no username."""

    use_in_migrations = True

    def _create_user_with_email(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user_with_email(email, password, **extra)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user_with_email(email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STUDENT)
    phone = models.CharField(
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^\+?[0-9 ()\-.]{7,20}$", "Enter a phone number like (212) 555-0100.")],
    )
    timezone = models.CharField(max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone])
    zip_code = models.CharField(
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d{5}(-\d{4})?$", "Enter a 5-digit ZIP code.")],
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()  # type: ignore[misc]

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT

    @property
    def is_instructor(self) -> bool:
        return self.role == Role.INSTRUCTOR

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name[:1]}.".strip() if self.last_name else self.first_name
        return full or self.email.split("@")[0]

    @property
    def initials(self) -> str:
        letters = (self.first_name[:1] + self.last_name[:1]) or self.email[:1]
        return letters.upper()


class Learner(TimeStampedModel):
    """A student's child (or anyone the student books lessons for)."""

    parent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="learners")
    first_name = models.CharField(max_length=60)
    age_group = models.ForeignKey("catalog.AgeGroup", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "first_name"], name="learner_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return self.first_name


class Address(TimeStampedModel):
    """A student's place for lessons at home. The neighborhood (from the gazetteer) is what
    travel coverage is checked against; the street address is shared only with the
    instructor of a booked travel lesson."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=40, default="Home")
    street = models.CharField(max_length=200)
    neighborhood = models.ForeignKey("search.Neighborhood", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["label", "id"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"{self.label}: {self.street}"
