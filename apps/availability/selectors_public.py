"""Public reads: a live instructor's open start times, the next few across their offerings,
and the profile page's slot picker. Each is a fixed number of queries whatever the range.

The rules themselves are the pure `open_slots` (slots.py); this module only gathers its
inputs (windows minus blackout dates, active bookings, the instructor's policy) and shapes
its output for a viewer's time zone.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from apps.availability.cells import local_day_bounds, windows_from_masks
from apps.availability.feeds.selectors import busy_rows
from apps.availability.models import AvailabilityDay, BlackoutDate, ExternalBusy
from apps.availability.slots import BusyInterval, SlotQuery, SlotRules, format_slot, open_slots
from apps.availability.weeks import DAY_NAMES, day_label
from apps.bookings.selectors import booking_active_list
from apps.core.errors import ValidationFailed
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.states import Format, ProfileStatus

# Scanning the tz database on every request would cost more than the slot computation.
_known_zones = functools.cache(zoneinfo.available_timezones)
MAX_RANGE_DAYS = 90  # the longest horizon an instructor can open
PICKER_DAYS = 14
NEXT_AVAILABLE_MAX = 10
# A lesson starting on the last asked day may run past midnight; the slot function needs
# the windows of the day after. Lessons are at most 240 minutes, so one day is enough.
SPILL_DAYS = 1
# Any zone is less than 27 hours from any other: a viewer's date maps into these
# instructor-local dates on either side.
ZONE_MARGIN_DAYS = 2


def slot_rules_for(profile: InstructorProfile) -> SlotRules:
    """The instructor's policy. Overnight protection off: a cutoff hour no clock reaches and
    mornings that end at midnight make that rule a no-op (slots.py allows both)."""
    overnight = {} if profile.overnight_protection else {
        "overnight_cutoff_hour": 24, "overnight_morning_hour": 0, "overnight_travel_morning_hour": 0,
    }  # fmt: skip
    return SlotRules(
        buffer_minutes=profile.buffer_minutes, travel_buffer_minutes=profile.travel_buffer_minutes, **overnight
    )


def slot_instructor_queryset() -> QuerySet[InstructorProfile]:
    """Live instructors with `bookable_offerings` prefetched (one more query)."""
    offerings = Offering.objects.filter(is_active=True, service__is_active=True).select_related("service")
    return InstructorProfile.objects.filter(status=ProfileStatus.LIVE).prefetch_related(
        Prefetch("offerings", queryset=offerings.order_by("id"), to_attr="bookable_offerings")
    )


def slot_instructor_get(*, instructor_id: int | None = None, slug: str | None = None) -> InstructorProfile | None:
    """A live instructor with `bookable_offerings` (two queries); None when not public."""
    profiles = slot_instructor_queryset()
    if instructor_id is not None:
        return profiles.filter(pk=instructor_id).first()
    return profiles.filter(slug=slug).first()


def offerings_of(profile: InstructorProfile) -> list[Offering]:
    offerings: list[Offering] = profile.bookable_offerings  # type: ignore[attr-defined]
    return offerings


# --- what the student asks for ------------------------------------------------------------


@dataclass(frozen=True)
class SlotChoice:
    offering: Offering
    format: str
    duration: int

    @property
    def is_travel(self) -> bool:
        return self.format == Format.TRAVEL


def default_format(offering: Offering) -> str:
    return offering.formats[0]  # online, studio, travel: travel only when it is the only one


def default_duration(offering: Offering) -> int:
    options = sorted(offering.duration_options) or [60]
    for preferred in (int(offering.service.default_duration_minutes), 60):
        if preferred in options:
            return preferred
    return int(options[0])


def slot_choice_resolve(
    profile: InstructorProfile, *, service: str | None, fmt: str | None, duration: int | None
) -> SlotChoice:
    """The offering, format and length asked for; missing parts take the offering's defaults.
    Raises ValidationFailed naming each parameter the instructor does not offer."""
    offerings = offerings_of(profile)
    if not offerings:
        raise ValidationFailed(
            "This instructor has no lessons to book yet.", fields={"service": ["Nothing to book yet."]}
        )
    offering = next((o for o in offerings if o.service.slug == service), None) if service else offerings[0]
    if offering is None:
        taught = ", ".join(o.service.slug for o in offerings)
        raise ValidationFailed(
            "Choose a service this instructor teaches.", fields={"service": [f"Choose one of: {taught}."]}
        )
    errors: dict[str, list[str]] = {}
    if fmt is not None and fmt not in offering.formats:
        errors["format"] = [f"Choose one of: {', '.join(offering.formats)}."]
    if duration is not None and duration not in offering.duration_options:
        errors["duration"] = [f"Choose one of: {', '.join(str(d) for d in sorted(offering.duration_options))} minutes."]
    if errors:
        raise ValidationFailed("This lesson is not offered that way.", fields=errors)
    return SlotChoice(
        offering=offering, format=fmt or default_format(offering), duration=duration or default_duration(offering)
    )


# --- open start times --------------------------------------------------------------------


def slot_busy_span(profile: InstructorProfile, first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC span whose active bookings can matter to starts on local dates first..last."""
    lo, hi = first - timedelta(days=1), last + timedelta(days=SPILL_DAYS + 1)
    return local_day_bounds(lo, hi, ZoneInfo(profile.timezone))


def _slot_inputs(
    profile: InstructorProfile,
    first: date,
    last: date,
    *,
    exclude_booking_id: int | None = None,
    busy: list[BusyInterval] | None = None,
) -> tuple[list[AvailabilityDay], set[date], list[BusyInterval]]:
    """Windows, blackout dates, and bookings plus busy time imported from the instructor's
    calendars, around local dates first..last (two queries; one when the caller already read
    them over `slot_busy_span`)."""
    lo, hi = first - timedelta(days=1), last + timedelta(days=SPILL_DAYS + 1)
    # A blackout only matters on a date with windows: read it with the day, one round trip.
    blacked_out = BlackoutDate.objects.filter(instructor=profile, date=OuterRef("date"))
    annotated = AvailabilityDay.objects.filter(instructor=profile, date__gte=lo, date__lte=hi).annotate(
        blacked_out=Exists(blacked_out)
    )
    days: list[AvailabilityDay] = list(annotated)
    blackouts = {day.date for day in annotated if day.blacked_out}
    if busy is not None:
        return days, blackouts, busy
    start, end = slot_busy_span(profile, first, last)
    active = booking_active_list(instructor_id=profile.pk, start=start, end=end)
    if exclude_booking_id is not None:
        active = active.exclude(pk=exclude_booking_id)
    imported = ExternalBusy.objects.filter(instructor=profile, starts_at__lt=end, ends_at__gt=start)
    return days, blackouts, [BusyInterval(s, e, travel) for _, s, e, travel in busy_rows(active, imported)]


def open_slot_list(
    *,
    profile: InstructorProfile,
    choice: SlotChoice,
    date_from: date,
    date_to: date,
    now: datetime,
    exclude_booking_id: int | None = None,
    busy: list[BusyInterval] | None = None,
) -> list[datetime]:
    """Open start instants (UTC) on instructor-local dates date_from..date_to.
    `exclude_booking_id` leaves one booking out, for moving that booking elsewhere; `busy`
    is the instructor's active bookings over `slot_busy_span`, when the caller read them."""
    days, blackouts, bookings = _slot_inputs(
        profile, date_from, date_to, exclude_booking_id=exclude_booking_id, busy=busy
    )
    # A blackout date keeps its windows (the instructor may lift it) but offers nothing.
    windows = windows_from_masks({d.date: d.cells for d in days if d.date not in blackouts})
    query = SlotQuery(
        duration_minutes=choice.duration, is_travel=choice.is_travel, date_from=date_from, date_to=date_to
    )
    return open_slots(
        windows=windows,
        bookings=bookings,
        instructor_tz=profile.timezone,
        query=query,
        now=now,
        rules=slot_rules_for(profile),
    )


def book_url(profile: InstructorProfile, choice: SlotChoice, start: datetime) -> str:
    """Where a start-time button goes: the booking sheet, with the lesson fully chosen."""
    return lesson_book_url(
        slug=profile.slug,
        service=choice.offering.service.slug,
        fmt=choice.format,
        duration=choice.duration,
        start=start,
    )


def lesson_book_url(*, slug: str, service: str, fmt: str, duration: int, start: datetime) -> str:
    """`book_url` from plain values (search builds its cards without model instances)."""
    instant = start.astimezone(UTC).isoformat()  # as format_slot gives it, without the labels
    return f"/book/{slug}/?service={quote_plus(service)}&format={quote_plus(fmt)}&duration={duration:d}&start={quote_plus(instant)}"


@dataclass(frozen=True)
class NextSlot:
    start: datetime
    choice: SlotChoice


def next_available_list(*, profile: InstructorProfile, count: int, now: datetime) -> list[NextSlot]:
    """The first `count` open starts across the instructor's offerings, each at its default
    format and length; a start open for several offerings is listed once, for the first.
    The windows, blackouts and bookings are read once for the whole horizon."""
    zone = ZoneInfo(profile.timezone)
    rules = slot_rules_for(profile)
    today = now.astimezone(zone).date()
    last = (now + timedelta(days=rules.horizon_days)).astimezone(zone).date()
    days, blackouts, bookings = _slot_inputs(profile, today, last)
    windows = windows_from_masks({d.date: d.cells for d in days if d.date not in blackouts})
    found: dict[datetime, SlotChoice] = {}
    for offering in offerings_of(profile):
        choice = SlotChoice(offering=offering, format=default_format(offering), duration=default_duration(offering))
        query = SlotQuery(duration_minutes=choice.duration, is_travel=choice.is_travel, date_from=today, date_to=last)
        starts = open_slots(
            windows=windows, bookings=bookings, instructor_tz=profile.timezone, query=query, now=now, rules=rules
        )
        for start in starts[:count]:  # only the earliest can make the overall first `count`
            found.setdefault(start, choice)
    return [NextSlot(start=start, choice=found[start]) for start in sorted(found)[:count]]


# --- the JSON API's reads -------------------------------------------------------------------


def _viewer_zone(viewer_tz: str | None, profile: InstructorProfile) -> str:
    if viewer_tz is None:
        return profile.timezone
    if viewer_tz not in _known_zones():
        raise ValidationFailed("Unknown time zone.", fields={"tz": ["Use an IANA time zone such as America/New_York."]})
    return viewer_tz


def _slot_range(
    profile: InstructorProfile, date_from: date | None, date_to: date | None, now: datetime
) -> tuple[date, date]:
    first = date_from or now.astimezone(ZoneInfo(profile.timezone)).date()
    last = date_to or first + timedelta(days=6)
    if last < first:
        raise ValidationFailed("The dates are the wrong way round.", fields={"to": ["End on or after the start date."]})
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(
            "Ask for fewer days.", fields={"to": [f"Ask for at most {MAX_RANGE_DAYS} days at a time."]}
        )
    return first, last


@dataclass(frozen=True)
class SlotListing:
    profile: InstructorProfile
    choice: SlotChoice
    date_from: date
    date_to: date
    viewer_timezone: str
    slots: list[dict[str, str]]  # format_slot's keys plus book_url


def slot_listing_get(
    *,
    instructor_id: int,
    service: str | None,
    fmt: str | None,
    duration: int | None,
    date_from: date | None,
    date_to: date | None,
    viewer_tz: str | None,
    now: datetime,
) -> SlotListing | None:
    """Open starts of a live instructor's lesson on instructor-local dates (default: the
    coming week), formatted for the viewer. Five queries whatever the range; None when the
    instructor is not public; ValidationFailed for anything not offered."""
    profile = slot_instructor_get(instructor_id=instructor_id)
    if profile is None:
        return None
    viewer = _viewer_zone(viewer_tz, profile)
    choice = slot_choice_resolve(profile, service=service, fmt=fmt, duration=duration)
    first, last = _slot_range(profile, date_from, date_to, now)
    starts = open_slot_list(profile=profile, choice=choice, date_from=first, date_to=last, now=now)
    slots = [{**format_slot(start, viewer), "book_url": book_url(profile, choice, start)} for start in starts]
    return SlotListing(
        profile=profile, choice=choice, date_from=first, date_to=last, viewer_timezone=viewer, slots=slots
    )


@dataclass(frozen=True)
class NextAvailable:
    profile: InstructorProfile
    viewer_timezone: str
    slots: list[dict[str, str | int]]  # format_slot's keys, book_url, service, format, duration


def next_available_get(*, instructor_id: int, count: int, viewer_tz: str | None, now: datetime) -> NextAvailable | None:
    """The next `count` open starts of a live instructor, formatted for the viewer (five
    queries); None when the instructor is not public."""
    profile = slot_instructor_get(instructor_id=instructor_id)
    if profile is None:
        return None
    viewer = _viewer_zone(viewer_tz, profile)
    slots: list[dict[str, str | int]] = [
        {
            **format_slot(slot.start, viewer),
            "book_url": book_url(profile, slot.choice, slot.start),
            "service": slot.choice.offering.service.slug,
            "format": slot.choice.format,
            "duration": slot.choice.duration,
        }
        for slot in next_available_list(profile=profile, count=count, now=now)
    ]
    return NextAvailable(profile=profile, viewer_timezone=viewer, slots=slots)


# --- the profile page's slot picker -------------------------------------------------------


@dataclass(frozen=True)
class PickerDay:
    date: date
    name: str  # "Today", "Tomorrow", "Wed"
    label: str  # "Wed 10 Jun"
    count: int
    selected: bool


@dataclass(frozen=True)
class PickerTime:
    text: str  # "4:00 pm", with the zone abbreviation in the repeated fall-back hour
    label: str  # "Tue 9 Jun, 4:00 pm"
    url: str


@dataclass(frozen=True)
class SlotPicker:
    profile: InstructorProfile
    offerings: list[Offering]
    choice: SlotChoice | None
    days: list[PickerDay]
    selected: date
    times: list[PickerTime]
    viewer_timezone: str

    @property
    def selected_day(self) -> PickerDay:
        return next(day for day in self.days if day.selected)

    @property
    def next_open_day(self) -> PickerDay | None:
        """For the empty state: the first later day in the strip with open times."""
        return next((day for day in self.days if day.date > self.selected and day.count), None)

    @property
    def zone_name(self) -> str:
        """'New York' for America/New_York: how the page says whose time it shows."""
        return self.viewer_timezone.rsplit("/", 1)[-1].replace("_", " ")

    @property
    def format_choices(self) -> list[tuple[str, str]]:
        return [(fmt, Format(fmt).label) for fmt in self.choice.offering.formats] if self.choice else []

    @property
    def durations(self) -> list[int]:
        return sorted(self.choice.offering.duration_options) if self.choice else []


def _lenient_choice(
    profile: InstructorProfile, service: str | None, fmt: str | None, duration: int | None
) -> SlotChoice | None:
    """A page never fails on a stale link: anything not offered falls back to the default."""
    offerings = offerings_of(profile)
    if not offerings:
        return None
    offering = next((o for o in offerings if o.service.slug == service), offerings[0])
    offered = duration is not None and duration in offering.duration_options
    return SlotChoice(
        offering=offering,
        format=fmt if fmt in offering.formats else default_format(offering),
        duration=duration if duration is not None and offered else default_duration(offering),
    )


def _day_name(day: date, today: date) -> str:
    return {0: "Today", 1: "Tomorrow"}.get((day - today).days, DAY_NAMES[day.weekday()])


def slot_picker_get(
    *,
    slug: str,
    day: date | None,
    service: str | None,
    fmt: str | None,
    duration: int | None,
    viewer_tz: str | None,
    now: datetime,
) -> SlotPicker | None:
    """Today and the next 13 days (in the viewer's zone) with their number of open starts,
    and the start times of the chosen day. None when the instructor is not public."""
    profile = slot_instructor_get(slug=slug)
    if profile is None:
        return None
    viewer = viewer_tz or profile.timezone
    zone = ZoneInfo(viewer)
    today = now.astimezone(zone).date()
    strip = [today + timedelta(days=n) for n in range(PICKER_DAYS)]
    choice = _lenient_choice(profile, service, fmt, duration)
    by_day: dict[date, list[datetime]] = {d: [] for d in strip}
    if choice is not None:
        margin = timedelta(days=ZONE_MARGIN_DAYS)
        for start in open_slot_list(
            profile=profile, choice=choice, date_from=strip[0] - margin, date_to=strip[-1] + margin, now=now
        ):
            by_day.get(start.astimezone(zone).date(), []).append(start)
    selected = day if day in by_day else next((d for d in strip if by_day[d]), today)
    times = []
    for start in by_day[selected]:
        label = format_slot(start, viewer)["label"]
        assert choice is not None  # by_day has starts only when there is a choice
        times.append(PickerTime(text=label.split(", ", 1)[1], label=label, url=book_url(profile, choice, start)))
    days = [PickerDay(d, _day_name(d, today), day_label(d), len(by_day[d]), d == selected) for d in strip]
    return SlotPicker(
        profile=profile,
        offerings=offerings_of(profile),
        choice=choice,
        days=days,
        selected=selected,
        times=times,
        viewer_timezone=viewer,
    )
