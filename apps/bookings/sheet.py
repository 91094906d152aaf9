"""The booking sheet's state: offering → format → duration → day/time → learner → location →
card, with the price breakdown for whatever is chosen so far.

One call (`booking_sheet_get`) gives the page everything it shows. Choices are lenient: a
stale or partial link falls back to the offering's defaults instead of failing, because the
service re-checks everything strictly when the student confirms."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from apps.accounts.models import User
from apps.accounts.selectors import address_list, learner_list
from apps.availability.selectors_public import (
    SlotChoice,
    default_duration,
    default_format,
    offerings_of,
    open_slot_list,
    slot_instructor_get,
    slot_rules_for,
)
from apps.availability.slots import format_slot
from apps.availability.weeks import DAY_NAMES, day_label
from apps.bookings.pages import PriceLines, duration_words, quote_lines, zone_city
from apps.bookings.presentation import payment_sentence
from apps.bookings.series.pages import sheet_repeat_choices
from apps.bookings.services import BookingRequest, booking_price, booking_request_check, offering_teaches
from apps.core.errors import ValidationFailed
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.states import Format
from apps.payments.pricing import format_usd, lesson_price_cents
from apps.payments.selectors import payment_method_list

STRIP_DAYS = 14
# Any zone is less than 27 hours from any other: a viewer's dates fall inside the
# instructor-local dates two days either side.
ZONE_MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class SheetChoices:
    service: str | None = None
    format: str | None = None
    duration: int | None = None
    day: date | None = None
    start: datetime | None = None
    learner: int | None = None
    address: int | None = None
    payment_method: int | None = None
    repeat: str | None = None  # weekly: a number of weeks or "ongoing" (apps/bookings/series/pages.py)

    def query(self, **changes: Any) -> str:
        """These choices as a query string (with some changed), for links that keep them."""
        params: dict[str, str] = {}
        for key, value in {**asdict(self), **changes}.items():
            if isinstance(value, datetime):
                params[key] = value.astimezone(UTC).isoformat()
            elif value is not None:
                params[key] = str(value)
        return urlencode(params)


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str = ""
    selected: bool = False


@dataclass(frozen=True)
class SheetDay:
    value: str  # ISO date
    name: str  # "Today", "Tomorrow", "Thu"
    label: str  # "Thu 3 Dec"
    date_text: str  # "3 Dec", shown under the name
    count: int
    selected: bool


@dataclass(frozen=True)
class DayStrip:
    days: list[SheetDay]
    times: list[Option]
    selected: SheetDay
    earlier_query: str
    later_query: str
    next_open: SheetDay | None
    next_open_query: str


@dataclass(frozen=True)
class BookingSheet:
    profile: InstructorProfile
    choices: SheetChoices  # what is actually chosen, after the fallbacks
    services: list[Option]
    formats: list[Option]
    durations: list[Option]
    strip: DayStrip
    zone_note: str
    stale_start: str  # the asked time, when it is no longer open
    start_label: str
    learners: list[Option]
    is_travel: bool
    location_text: str
    addresses: list[Option]
    cards: list[Option]
    repeats: list[Option]
    price: PriceLines
    payment_note: str
    errors: dict[str, list[str]]


# --- what is chosen -----------------------------------------------------------------------------


def _choice(offerings: list[Offering], asked: SheetChoices) -> SlotChoice:
    offering = next((o for o in offerings if o.service.slug == asked.service), offerings[0])
    fmt = asked.format if asked.format in offering.formats else default_format(offering)
    duration = asked.duration if asked.duration in offering.duration_options else None
    return SlotChoice(
        offering=offering, format=fmt or default_format(offering), duration=duration or default_duration(offering)
    )


def _lesson_options(
    profile: InstructorProfile, offerings: list[Offering], choice: SlotChoice
) -> dict[str, list[Option]]:
    offering = choice.offering
    services = [
        Option(o.service.slug, o.service.name, f"from {format_usd(o.min_rate_cents)}/h", o.pk == offering.pk)
        for o in offerings
    ]
    formats = []
    for fmt in offering.formats:
        hint = f"{format_usd(offering.rate_for(fmt) or 0)}/h"
        if fmt == Format.STUDIO and profile.studio_neighborhood is not None:
            hint += f" · {profile.studio_neighborhood.name}"
        formats.append(Option(fmt, Format(fmt).label, hint, fmt == choice.format))
    hourly = offering.rate_for(choice.format) or 0
    durations = []
    for minutes in sorted(offering.duration_options):
        price = format_usd(lesson_price_cents(hourly_rate_cents=hourly, duration_minutes=minutes))
        durations.append(Option(str(minutes), duration_words(minutes), price, minutes == choice.duration))
    return {"services": services, "formats": formats, "durations": durations}


# --- day strip and start times ------------------------------------------------------------


def _strip_dates(today: date, last: date, hint: date | None) -> list[date]:
    """Fourteen days at a time from today, the page holding `hint`, never past the horizon."""
    page = (hint - today).days // STRIP_DAYS if hint is not None and today <= hint <= last else 0
    first = today + timedelta(days=page * STRIP_DAYS)
    return [first + timedelta(days=n) for n in range(STRIP_DAYS) if first + timedelta(days=n) <= last]


def _starts_by_day(
    profile: InstructorProfile, choice: SlotChoice, dates: list[date], zone: ZoneInfo, now: datetime
) -> dict[date, list[datetime]]:
    by_day: dict[date, list[datetime]] = {d: [] for d in dates}
    starts = open_slot_list(
        profile=profile, choice=choice, date_from=dates[0] - ZONE_MARGIN, date_to=dates[-1] + ZONE_MARGIN, now=now
    )
    for start in starts:
        by_day.get(start.astimezone(zone).date(), []).append(start)
    return by_day


def _sheet_day(day: date, today: date, count: int, selected: bool) -> SheetDay:
    name = {0: "Today", 1: "Tomorrow"}.get((day - today).days, DAY_NAMES[day.weekday()])
    label = day_label(day)  # "Thu 3 Dec"
    return SheetDay(day.isoformat(), name, label, label.split(" ", 1)[1], count, selected)


def _day_strip(
    profile: InstructorProfile, choice: SlotChoice, asked: SheetChoices, viewer: str, now: datetime
) -> tuple[DayStrip, datetime | None]:
    """The strip around the asked day (or the asked start's day), and the asked start when it
    is open on the selected day."""
    zone = ZoneInfo(viewer)
    today = now.astimezone(zone).date()
    last = (now + timedelta(days=slot_rules_for(profile).horizon_days)).astimezone(zone).date()
    hint = asked.day or (asked.start.astimezone(zone).date() if asked.start else None)
    dates = _strip_dates(today, last, hint)
    by_day = _starts_by_day(profile, choice, dates, zone, now)
    selected = hint if hint in by_day else next((d for d in dates if by_day[d]), dates[0])
    start = asked.start if asked.start in by_day[selected] else None
    days = [_sheet_day(d, today, len(by_day[d]), d == selected) for d in dates]
    times = [_time_option(moment, viewer, moment == start) for moment in by_day[selected]]
    later = [day for day in days if day.value > selected.isoformat() and day.count]
    keep = replace(asked, start=None)
    earlier_day, later_day = dates[0] - timedelta(days=STRIP_DAYS), dates[-1] + timedelta(days=1)
    strip = DayStrip(
        days=days, times=times, selected=next(day for day in days if day.selected),
        earlier_query=keep.query(day=max(earlier_day, today)) if dates[0] > today else "",
        later_query=keep.query(day=later_day) if later_day <= last else "",
        next_open=later[0] if not times and later else None,
        next_open_query=keep.query(day=later[0].value) if not times and later else "",
    )  # fmt: skip
    return strip, start


def _label(start: datetime, viewer: str) -> str:
    """'Thu 3 Dec, 10:00 am', naming the zone in the repeated fall-back hour."""
    return format_slot(start, viewer)["label"]


def _time_option(start: datetime, viewer: str, selected: bool) -> Option:
    return Option(start.astimezone(UTC).isoformat(), _label(start, viewer).split(", ", 1)[1], "", selected)


# --- who, where, which card -----------------------------------------------------------------


def _people(actor: User, asked: SheetChoices, offering: Offering) -> tuple[list[Option], int | None]:
    """Me and the learners this offering teaches: a child of another age group is not
    offered (the booking service refuses them with the same rule)."""
    learners = [
        learner
        for learner in learner_list(parent=actor)
        if offering_teaches(offering=offering, age_group_id=learner.age_group_id)
    ]
    chosen = asked.learner if asked.learner in {learner.pk for learner in learners} else None
    options = [Option("", f"Me ({actor.first_name})" if actor.first_name else "Me", "", chosen is None)]
    options += [
        Option(str(learner.pk), learner.first_name, learner.age_group.label, learner.pk == chosen)
        for learner in learners
    ]
    return options, chosen


def _addresses(actor: User, asked: SheetChoices) -> tuple[list[Option], int | None]:
    addresses = list(address_list(user=actor))
    ids = [address.pk for address in addresses]
    chosen = asked.address if asked.address in ids else (ids[0] if ids else None)
    options = [Option(str(a.pk), f"{a.label}: {a.street}", a.neighborhood.name, a.pk == chosen) for a in addresses]
    return options, chosen


def _cards(actor: User, asked: SheetChoices) -> tuple[list[Option], int | None]:
    cards = list(payment_method_list(user=actor))  # the default card first
    ids = [card.pk for card in cards]
    chosen = asked.payment_method if asked.payment_method in ids else (ids[0] if ids else None)
    options = [
        Option(str(c.pk), f"{c.brand.title()} •••• {c.last4}", "Default" if c.is_default else "", c.pk == chosen)
        for c in cards
    ]
    return options, chosen


# --- the sheet ----------------------------------------------------------------------------------


def _quote(
    actor: User, profile: InstructorProfile, choice: SlotChoice, chosen: SheetChoices, now: datetime
) -> tuple[PriceLines, str, dict[str, list[str]]]:
    """The price breakdown and place from the booking service's own check. A problem with a
    choice the student made (an address the instructor doesn't travel to) is shown under
    it; one about a choice not made yet (no address yet) is not an error yet."""
    request = BookingRequest(
        instructor=profile.slug, service=choice.offering.service.slug, format=choice.format,
        duration_minutes=choice.duration, starts_at=chosen.start or now, learner_id=chosen.learner,
        address_id=chosen.address, payment_method_id=chosen.payment_method,
    )  # fmt: skip
    try:
        checked = booking_request_check(actor=actor, request=request, now=now)
    except ValidationFailed as exc:
        made = {key for key, value in asdict(chosen).items() if value is not None}
        errors = {key: messages for key, messages in exc.fields.items() if key in made}
        return quote_lines(booking_price(profile=profile, choice=choice, now=now)), "", errors
    return quote_lines(checked.price), checked.location_text, {}


def _zone_note(profile: InstructorProfile, viewer: str) -> str:
    if viewer == profile.timezone:
        return f"Times are {zone_city(viewer)} time."
    theirs = f"{profile.display_name} is on {zone_city(profile.timezone)} time."
    return f"Times are in your time zone ({zone_city(viewer)}). {theirs}"


def booking_sheet_get(*, actor: User, slug: str, asked: SheetChoices, now: datetime) -> BookingSheet | None:
    """The sheet for a live instructor (None when there is none to book, which is a 404)."""
    profile = slot_instructor_get(slug=slug)
    offerings = offerings_of(profile) if profile is not None else []
    if profile is None or not offerings:
        return None
    choice = _choice(offerings, asked)
    viewer = actor.timezone
    strip, start = _day_strip(profile, choice, asked, viewer, now)
    learners, learner = _people(actor, asked, choice.offering)
    addresses, address = _addresses(actor, asked) if choice.is_travel else ([], None)
    cards, card = _cards(actor, asked)
    chosen = SheetChoices(
        service=choice.offering.service.slug, format=choice.format, duration=choice.duration,
        day=date.fromisoformat(strip.selected.value), start=start, learner=learner, address=address,
        payment_method=card, repeat=asked.repeat,
    )  # fmt: skip
    price, location, errors = _quote(actor, profile, choice, chosen, now)
    note = (
        payment_sentence(None, now=now, starts_at=start)
        if start
        else "Pick a time to see when your card is authorized."
    )
    stale = (
        asked.start is not None
        and start is None
        and asked.day in {None, asked.start.astimezone(ZoneInfo(viewer)).date()}
    )
    return BookingSheet(
        profile=profile, choices=chosen, **_lesson_options(profile, offerings, choice), strip=strip,
        zone_note=_zone_note(profile, viewer), stale_start=_label(asked.start, viewer) if stale and asked.start else "",
        start_label=_label(start, viewer) if start else "", learners=learners, is_travel=choice.is_travel,
        location_text=location, addresses=addresses, cards=cards, price=price,
        repeats=[Option(value, label, "", value == (asked.repeat or "")) for value, label in sheet_repeat_choices()],
        payment_note=note, errors=errors,
    )  # fmt: skip


def alternative_options(sheet: BookingSheet, instants: list[str], viewer: str) -> list[Option]:
    """The open times the service suggested after a slot was taken, as links that keep every
    other choice (value = the query string)."""
    options = []
    for text in instants:
        start = datetime.fromisoformat(text)
        options.append(Option(sheet.choices.query(start=start, day=None), _label(start, viewer)))
    return options
