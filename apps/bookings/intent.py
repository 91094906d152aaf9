"""The lesson a visitor was about to book when sign-up or log-in interrupted them, read back
from the `next` address (a booking sheet link), so those pages can say "Sign up to book Piano
with Maria G. on Tue 8 Dec, 4:00 pm" instead of a bare form."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.http import QueryDict
from django.urls import Resolver404, resolve

from apps.bookings.forms import sheet_choices
from apps.bookings.pages import zone_city
from apps.bookings.presentation import when
from apps.instructors.models import InstructorProfile
from apps.instructors.states import ProfileStatus


@dataclass(frozen=True)
class BookingIntent:
    service: str  # "" when the link names no subject (or one the instructor doesn't teach)
    instructor: str
    at: str  # "" when the link names no time

    @property
    def sentence(self) -> str:
        """'Piano with Maria G. on Tue 8 Dec, 4:00 pm (New York time)'."""
        what = f"{self.service} with {self.instructor}" if self.service else f"a lesson with {self.instructor}"
        return f"{what} on {self.at}" if self.at else what


def booking_intent_get(*, next_url: str) -> BookingIntent | None:
    """None unless `next_url` is this site's booking sheet for a live instructor. Anything
    unparsable in it is left out, never an error: the link came from the visitor."""
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name != "bookings:book":
        return None
    profile = InstructorProfile.objects.filter(slug=match.kwargs["slug"], status=ProfileStatus.LIVE).first()
    if profile is None:
        return None
    choices = sheet_choices(QueryDict(parts.query))
    offering = profile.offerings.filter(service__slug=choices.service, is_active=True).select_related("service")
    chosen = offering.first() if choices.service else None
    at = f"{when(choices.start, profile.timezone)} ({zone_city(profile.timezone)} time)" if choices.start else ""
    return BookingIntent(service=chosen.service.name if chosen else "", instructor=profile.display_name, at=at)
