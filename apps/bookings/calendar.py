"""Calendar files (RFC 5545): one lesson as an .ics download, and each user's private feed
of their active, upcoming lessons.

The generator is deliberately tiny: we only ever write VEVENTs with UTC times and a few
text properties, so escaping, CRLF line endings and 75-octet line folding are all it needs.
The feed URL carries an unguessable token (a CalendarFeed row), because calendar apps fetch
it without a session."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from apps.accounts.models import User
from apps.bookings.logistics import booking_logistics
from apps.bookings.models import Booking, CalendarFeed
from apps.bookings.selectors import booking_list
from apps.bookings.states import ACTIVE_STATUSES, BookingStatus

PRODID = "-//InstaInstru//Lessons//EN"
UID_DOMAIN = "instainstru"
MAX_LINE_OCTETS = 75
FEED_NAME = "InstaInstru lessons"
# How often calendar apps should refetch the feed (a hint; Google and Apple honor their own).
FEED_REFRESH = "PT1H"
TOKEN_BYTES = 32  # 43 URL-safe characters: not guessable, short enough for any calendar app
ICS_STATUS = {
    BookingStatus.PENDING: "TENTATIVE",
    BookingStatus.CANCELLED: "CANCELLED",
    BookingStatus.PAYMENT_FAILED: "CANCELLED",
}


# --- the format -----------------------------------------------------------------------------


def ics_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def ics_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets (§3.1); a continuation line starts
    with one space, which counts. Never splits inside a UTF-8 character."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        octets = len(char.encode())
        limit = MAX_LINE_OCTETS if not parts else MAX_LINE_OCTETS - 1
        if size + octets > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += octets
    parts.append(current)
    return "\r\n ".join(parts)


def ics_document(lines: Iterable[str]) -> str:
    return "".join(fold(line) + "\r\n" for line in lines)


# --- what a lesson looks like in someone's calendar -----------------------------------------


def _other_party(booking: Booking, viewer: User) -> str:
    if booking.instructor.user_id == viewer.pk:
        learner = f" (for {booking.learner.first_name})" if booking.learner else ""
        return f"{booking.student.display_name}{learner}"
    return booking.instructor.display_name


def event_lines(booking: Booking, *, viewer: User, now: datetime, detail_url: str) -> list[str]:
    summary = f"{booking.service_name} lesson with {_other_party(booking, viewer)}"
    where = booking_logistics(booking=booking, viewer=viewer, now=now, for_documents=True)
    join = f"\nJoin online: {where.join_url}" if where.join_url else ""
    description = (
        f"{booking.service_name}, {booking.duration_minutes} min, booked on InstaInstru.{join}\nDetails: {detail_url}"
    )
    return [
        "BEGIN:VEVENT",
        f"UID:{booking.public_id}@{UID_DOMAIN}",
        f"DTSTAMP:{ics_time(now)}",
        f"DTSTART:{ics_time(booking.starts_at)}",
        f"DTEND:{ics_time(booking.ends_at)}",
        f"SUMMARY:{ics_text(summary)}",
        f"LOCATION:{ics_text(where.join_url or where.where)}",
        f"DESCRIPTION:{ics_text(description)}",
        f"STATUS:{ICS_STATUS.get(BookingStatus(booking.status), 'CONFIRMED')}",
        f"URL:{detail_url}",
        "END:VEVENT",
    ]


def booking_ics(booking: Booking, *, viewer: User, now: datetime, detail_url: str) -> str:
    """One lesson, for "Add to calendar"."""
    return ics_document(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODID}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            *event_lines(booking, viewer=viewer, now=now, detail_url=detail_url),
            "END:VCALENDAR",
        ]
    )


def feed_ics(bookings: Iterable[Booking], *, viewer: User, now: datetime, detail_url_of: dict[str, str]) -> str:
    """The subscription feed; `detail_url_of` maps a booking's public id to its page."""
    events = [
        line
        for booking in bookings
        for line in event_lines(booking, viewer=viewer, now=now, detail_url=detail_url_of[str(booking.public_id)])
    ]
    return ics_document(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODID}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{FEED_NAME}",
            f"REFRESH-INTERVAL;VALUE=DURATION:{FEED_REFRESH}",
            f"X-PUBLISHED-TTL:{FEED_REFRESH}",
            *events,
            "END:VCALENDAR",
        ]
    )


# --- the private feed: its token and what it lists ------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def calendar_feed_get(*, user: User) -> CalendarFeed:
    """The user's feed, made on first use (two concurrent first uses share one row)."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(user=user, token=_new_token())
    except IntegrityError:  # another request made it first; the unique user column decides
        return CalendarFeed.objects.get(user=user)


def calendar_feed_reset(*, actor: User) -> CalendarFeed:
    """A new token; the old URL stops working at once."""
    feed = calendar_feed_get(user=actor)
    feed.token = _new_token()
    feed.save(update_fields=["token", "updated_at"])
    return feed


def calendar_feed_owner(*, token: str) -> User | None:
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    return feed.user if feed is not None else None


def feed_booking_list(*, user: User, now: datetime) -> QuerySet[Booking]:
    """Active lessons that have not ended yet, as student or instructor."""
    return booking_list(user=user, upcoming=True, now=now).filter(status__in=ACTIVE_STATUSES)
