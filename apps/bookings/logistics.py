"""Where a lesson happens and how to join it, by who is asking and when (issue 15 item 1).

The one place the rules live; the lesson page, the API, the reminder emails and the .ics
file all read `booking_logistics`:
- studio: the booking's student (the parent for a child) sees the studio's street address
  and a map link while the booking is active; everyone else, the instructor included, sees
  the booking's snapshot ("Name's studio, Neighborhood"). The address is read from the
  profile, never copied onto the booking, so it cannot outlive the booking's activity.
- travel: the booking's snapshot already holds the student's street; only the two
  participants ever read a booking, so the instructor sees where to go.
- online: the instructor's meeting link of the offering, to both participants, from one
  hour before the start while the booking is active. Reminder emails and calendar files
  are sent to the participants only and carry it whatever the time (`for_documents`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote_plus

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.instructors.states import Format

JOIN_LINK_OPENS_BEFORE = timedelta(hours=1)
MAP_SEARCH_URL = "https://www.google.com/maps/search/?api=1&query="


@dataclass(frozen=True)
class Logistics:
    where: str  # the line to show for "Where"
    address: str = ""  # the studio's full street address (the booked student only)
    map_url: str = ""
    join_url: str = ""
    join_opens_at: datetime | None = None

    @property
    def join_note(self) -> str:
        """What an online lesson's participant reads while the link is not shown yet."""
        if self.join_opens_at is None or self.join_url:
            return ""
        return "The link to join appears here an hour before the lesson."


def _studio_address(booking: Booking) -> str:
    profile = booking.instructor
    place = profile.studio_neighborhood
    street = profile.studio_address.strip()
    if not street:
        return ""
    return f"{street}, {place.name}, New York" if place else f"{street}, New York"


def booking_join_link(booking: Booking) -> str:
    link: str = booking.offering.meeting_link
    return link


def booking_logistics(*, booking: Booking, viewer: User, now: datetime, for_documents: bool = False) -> Logistics:
    """What `viewer` may know about where and how the lesson happens at `now`. Callers have
    already checked that the viewer is a participant; anyone else gets the snapshot only."""
    is_student = booking.student_id == viewer.pk
    is_participant = is_student or booking.instructor.user_id == viewer.pk
    if not is_participant or not booking.is_active:
        return Logistics(where=booking.location_text)
    if booking.format == Format.STUDIO and is_student:
        address = _studio_address(booking)
        if address:
            return Logistics(where=address, address=address, map_url=MAP_SEARCH_URL + quote_plus(address))
    if booking.format == Format.ONLINE:
        opens_at = booking.starts_at - JOIN_LINK_OPENS_BEFORE
        shown = for_documents or (opens_at <= now < booking.ends_at)
        return Logistics(
            where=booking.location_text, join_url=booking_join_link(booking) if shown else "", join_opens_at=opens_at
        )
    return Logistics(where=booking.location_text)
