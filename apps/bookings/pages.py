"""Reads for the booking pages (My lessons, Schedule, a booking's detail) and the plain words
they show: times in the viewer's zone, status pills, price lines and the timeline.

DESIGN.md: "Money and time in plain words", and times say whose zone when it could differ.
Each page is one call here; a list page costs the same few queries however many rows."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator

from apps.accounts.models import User
from apps.bookings.models import Booking, BookingEvent, Settlement
from apps.bookings.presentation import payment_sentence, when
from apps.bookings.schedule import money_clock
from apps.bookings.selectors import booking_get, booking_list
from apps.bookings.states import ACTIVE_STATUSES, BookingStatus, PaymentStatus
from apps.instructors.states import Format
from apps.payments.models import PaymentMethod
from apps.payments.pricing import PriceBreakdown, format_usd
from apps.payments.selectors import payment_method_list

PAGE_SIZE = 10

# --- time -------------------------------------------------------------------------------------


def clock(moment: datetime, zone: str) -> str:
    """'4:00 pm' in the zone."""
    return when(moment, zone).split(", ", 1)[1]


def time_range(start: datetime, end: datetime, zone: str) -> str:
    """'Thu 3 Dec, 10:00–11:00 am'; 'Thu 3 Dec, 11:30 am–12:30 pm'; the end's day is named
    when the lesson runs past midnight."""
    first, last = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
    begins, ends = when(start, zone), clock(end, zone)
    if first.date() != last.date():
        return f"{begins}–{when(end, zone)}"
    if begins[-2:] == ends[-2:]:  # both am or both pm: say it once
        begins = begins[:-3]
    return f"{begins}–{ends}"


def zone_city(zone: str) -> str:
    """'America/New_York' → 'New York'."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _zones(booking: Booking, viewer: User) -> tuple[str, str]:
    """(the viewer's zone, the other party's zone)."""
    if booking.instructor.user_id == viewer.pk:
        return viewer.timezone, booking.student_timezone
    return viewer.timezone, booking.instructor_timezone


def lesson_when(booking: Booking, viewer: User) -> str:
    mine, theirs = _zones(booking, viewer)
    text = time_range(booking.starts_at, booking.ends_at, mine)
    return text if mine == theirs else f"{text} ({zone_city(mine)} time)"


def other_zone_when(booking: Booking, viewer: User) -> str:
    """The same lesson in the other party's zone, or "" when both share one."""
    mine, theirs = _zones(booking, viewer)
    return (
        "" if mine == theirs else f"{time_range(booking.starts_at, booking.ends_at, theirs)} ({zone_city(theirs)} time)"
    )


# --- status ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusView:
    label: str
    tone: str  # success | accent | danger | neutral: a color, never the only signal
    sentence: str


STATUS_TONES = {
    BookingStatus.PENDING: "accent",
    BookingStatus.CONFIRMED: "success",
    BookingStatus.PAYMENT_FAILED: "danger",
}


def needs_card(booking: Booking) -> bool:
    return booking.status in ACTIVE_STATUSES and booking.payment_status == PaymentStatus.PAYMENT_METHOD_REQUIRED


def _instructor_sentence(booking: Booking) -> str:
    if booking.status == BookingStatus.CANCELLED and booking.payment_status in {
        PaymentStatus.SETTLED,
        PaymentStatus.SCHEDULED,
    }:
        return "Cancelled. Nothing was charged."
    authorize_on = when(booking.starts_at - money_clock().authorize_before, booking.instructor_timezone)
    return {
        PaymentStatus.SCHEDULED: f"The student's card is authorized on {authorize_on}.",
        PaymentStatus.AUTHORIZED: "The student's card is authorized. You're paid after the lesson.",
        PaymentStatus.PAYMENT_METHOD_REQUIRED: "The student's card was declined. We've asked them for another card.",
        PaymentStatus.CAPTURED: "The student has paid. Your earnings are on their way.",
        PaymentStatus.LOCKED: "The student has paid (the lesson was rescheduled late).",
        PaymentStatus.REFUNDED: "The student was refunded.",
        PaymentStatus.MANUAL_REVIEW: "Our team is reviewing this payment.",
        PaymentStatus.SETTLED: "Settled.",
    }[PaymentStatus(booking.payment_status)]


# Where the lesson happens, said to each side: the student's home is "your place" to the
# student and "the student's home" to the instructor; the studio the other way round.
FORMAT_WORDS = {
    False: {Format.ONLINE: "Online", Format.STUDIO: "At the instructor's studio", Format.TRAVEL: "At your place"},
    True: {Format.ONLINE: "Online", Format.STUDIO: "At your studio", Format.TRAVEL: "At the student's home"},
}


def format_words(booking: Booking, viewer: User) -> str:
    return FORMAT_WORDS[booking.instructor.user_id == viewer.pk][Format(booking.format)]


def booking_status_view(booking: Booking, viewer: User, now: datetime) -> StatusView:
    is_instructor = booking.instructor.user_id == viewer.pk
    sentence = _instructor_sentence(booking) if is_instructor else payment_sentence(booking, now=now)
    if needs_card(booking):
        return StatusView("Waiting for the student's card" if is_instructor else "Needs a new card", "danger", sentence)
    tone = STATUS_TONES.get(BookingStatus(booking.status), "neutral")
    return StatusView(booking.get_status_display(), tone, sentence)


# --- money ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceRow:
    label: str
    detail: str
    amount: str
    tone: str = ""  # "credit" rows are shown as money back


@dataclass(frozen=True)
class PriceLines:
    rows: list[PriceRow]
    total_label: str
    total: str
    sentence: str  # "$90 lesson + $10.80 booking fee = $100.80"


def percent(bps: int) -> str:
    whole, rest = divmod(bps, 100)
    return f"{whole}%" if rest == 0 else f"{bps / 100:g}%"


def _lesson_row(hourly_cents: int, minutes: int, lesson_cents: int) -> PriceRow:
    return PriceRow("Lesson", f"{minutes} min at {format_usd(hourly_cents)}/h", format_usd(lesson_cents))


def student_price_lines(
    *, hourly_cents: int, minutes: int, lesson_cents: int, fee_cents: int, credits_cents: int, total_cents: int
) -> PriceLines:
    credits = PriceRow("Credits", "", format_usd(-credits_cents), "credit") if credits_cents else None
    rows = [
        _lesson_row(hourly_cents, minutes, lesson_cents),
        PriceRow("Booking fee", "", format_usd(fee_cents)),
        credits or PriceRow("Credits", "none yet", format_usd(0)),
    ]
    sentence = f"{format_usd(lesson_cents)} lesson + {format_usd(fee_cents)} booking fee"
    if credits_cents:
        sentence += f" − {format_usd(credits_cents)} credits"
    return PriceLines(rows, "Total", format_usd(total_cents), f"{sentence} = {format_usd(total_cents)}")


def quote_lines(price: PriceBreakdown) -> PriceLines:
    return student_price_lines(
        hourly_cents=price.hourly_rate_cents, minutes=price.duration_minutes, lesson_cents=price.lesson_price_cents,
        fee_cents=price.booking_fee_cents, credits_cents=price.credits_applied_cents, total_cents=price.total_cents,
    )  # fmt: skip


def booking_price_lines(booking: Booking, viewer: User) -> PriceLines:
    """The student sees what they pay; the instructor sees their net, never the student's fee."""
    if booking.instructor.user_id != viewer.pk:
        return student_price_lines(
            hourly_cents=booking.hourly_rate_cents, minutes=booking.duration_minutes,
            lesson_cents=booking.lesson_price_cents, fee_cents=booking.booking_fee_cents,
            credits_cents=booking.credits_applied_cents, total_cents=booking.total_cents,
        )  # fmt: skip
    commission = booking.lesson_price_cents - booking.instructor_net_cents
    rows = [
        _lesson_row(booking.hourly_rate_cents, booking.duration_minutes, booking.lesson_price_cents),
        PriceRow("Platform commission", percent(booking.commission_bps), format_usd(-commission)),
    ]
    net = format_usd(booking.instructor_net_cents)
    sentence = f"{format_usd(booking.lesson_price_cents)} lesson − {format_usd(commission)} commission = {net} to you"
    return PriceLines(rows, "You earn", net, sentence)


def settled_money_lines(settlement: Settlement | None, *, instructor_view: bool) -> list[str]:
    """What a lesson that did not happen (cancelled, not paid) actually cost, in the past
    tense: what the card paid, what came back. Shown instead of the price it would have had."""
    whose = "the student's" if instructor_view else "your"
    if settlement is None or not settlement.student_charge_cents:
        lines = [f"Nothing was charged to {whose} card."]
    else:
        lines = [f"{whose[0].upper()}{whose[1:]} card was charged {format_usd(settlement.student_charge_cents)}."]
    if settlement is None:
        return lines
    if settlement.refund_cents:
        lines.append(f"{format_usd(settlement.refund_cents)} was refunded to {whose} card.")
    if settlement.credit_cents:
        who = "The student got" if instructor_view else "You got"
        lines.append(f"{who} {format_usd(settlement.credit_cents)} back as credit.")
    if settlement.credits_returned_cents:
        lines.append(f"{format_usd(settlement.credits_returned_cents)} of credit went back to {whose} balance.")
    if instructor_view:
        earned = settlement.instructor_cents
        lines.append(f"You earn {format_usd(earned)}." if earned else "You earn nothing for this lesson.")
    return lines


# --- the lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonRow:
    booking: Booking
    who: str
    when: str
    status: StatusView


def lesson_who(booking: Booking, viewer: User) -> str:
    other = booking.student.display_name if booking.instructor.user_id == viewer.pk else booking.instructor.display_name
    return f"with {other}" + (f" · for {booking.learner.first_name}" if booking.learner else "")


def lesson_row(booking: Booking, viewer: User, now: datetime) -> LessonRow:
    return LessonRow(
        booking, lesson_who(booking, viewer), lesson_when(booking, viewer), booking_status_view(booking, viewer, now)
    )


@dataclass(frozen=True)
class LessonsPage:
    needs_action: list[LessonRow]
    upcoming: Page[Booking]
    upcoming_rows: list[LessonRow]
    past: Page[Booking]
    past_rows: list[LessonRow]


def lessons_page_get(*, user: User, now: datetime, page: str | None, past_page: str | None) -> LessonsPage:
    """Upcoming lessons soonest first, those waiting for a new card on top; past ones below,
    latest first. Each list is paginated on its own."""
    upcoming = booking_list(user=user, upcoming=True, now=now)
    waiting = {"status__in": ACTIVE_STATUSES, "payment_status": PaymentStatus.PAYMENT_METHOD_REQUIRED}
    needs_action = [lesson_row(b, user, now) for b in upcoming.filter(**waiting)]
    upcoming_page = Paginator(upcoming.exclude(**waiting), PAGE_SIZE).get_page(page)
    past_page_ = Paginator(booking_list(user=user, upcoming=False, now=now), PAGE_SIZE).get_page(past_page)
    return LessonsPage(
        needs_action=needs_action,
        upcoming=upcoming_page,
        upcoming_rows=[lesson_row(b, user, now) for b in upcoming_page],
        past=past_page_,
        past_rows=[lesson_row(b, user, now) for b in past_page_],
    )


# --- one booking ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    at_text: str
    actor: str
    what: str
    detail: str
    money: str


STATUS_WORDS = {
    BookingStatus.PENDING: "Waiting for the card authorization",
    BookingStatus.CONFIRMED: "Confirmed",
    BookingStatus.COMPLETED: "Completed",
    BookingStatus.CANCELLED: "Cancelled",
    BookingStatus.PAYMENT_FAILED: "Payment failed; the time was released",
    BookingStatus.NO_SHOW: "Reported as a no-show",
}
PAYMENT_WORDS = {
    PaymentStatus.SCHEDULED: "Payment scheduled",
    PaymentStatus.AUTHORIZED: "Card authorized",
    PaymentStatus.PAYMENT_METHOD_REQUIRED: "Card declined: a new card is needed",
    PaymentStatus.CAPTURED: "Card charged",
    PaymentStatus.LOCKED: "Payment locked",
    PaymentStatus.REFUNDED: "Refunded",
    PaymentStatus.MANUAL_REVIEW: "Payment under review",
    PaymentStatus.SETTLED: "Payment settled",
}
MONEY_WORDS = {"created": "total", PaymentStatus.AUTHORIZED: "held", PaymentStatus.CAPTURED: "charged"}


def _what(event: BookingEvent) -> tuple[str, str]:
    """(what happened, the recorded reason when it adds something)."""
    if event.kind == "created":
        return event.reason or "Booked", ""
    if event.kind == "status" and event.to_status:
        return STATUS_WORDS[BookingStatus(event.to_status)], event.reason
    if event.kind == "payment" and event.to_status:
        return PAYMENT_WORDS[PaymentStatus(event.to_status)], event.reason
    return (event.reason[:1].upper() + event.reason[1:]) or event.kind.capitalize(), ""


# An instant as older events wrote it ("2026-12-07T20:30:00+00:00").
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2}|Z)")


def humane(text: str, zone: str) -> str:
    """Any instant written raw in an event's words, as people read it in the viewer's zone."""
    return ISO_INSTANT.sub(lambda found: when(datetime.fromisoformat(found.group()), zone), text)


def timeline_entry(event: BookingEvent, viewer: User) -> TimelineEntry:
    what, detail = (humane(text, viewer.timezone) for text in _what(event))
    actor = (
        "InstaInstru" if event.actor is None else ("You" if event.actor.pk == viewer.pk else event.actor.display_name)
    )
    money = ""
    if event.amount_cents is not None:
        word = MONEY_WORDS.get("created" if event.kind == "created" else event.to_status, "")
        money = f"{format_usd(event.amount_cents)} {word}".strip()
    return TimelineEntry(event.at, when(event.at, viewer.timezone), actor, what, detail, money)


@dataclass(frozen=True)
class BookingDetail:
    booking: Booking
    is_instructor: bool
    who: str
    when: str
    other_when: str
    format_label: str
    status: StatusView
    price: PriceLines
    timeline: list[TimelineEntry]
    needs_card: bool  # the student must pick another card to keep the lesson
    cards: list[PaymentMethod]  # the student's cards, when they need to pick one
    duration: str
    money_lines: list[str]  # what a lesson that won't happen cost (none while it is still on)


def booking_detail_get(*, user: User, public_id: uuid.UUID, now: datetime) -> BookingDetail | None:
    """A participant's view of one booking; None for anyone else (a 404, never a 403)."""
    booking = booking_get(user=user, public_id=public_id)
    if booking is None:
        return None
    is_instructor = booking.instructor.user_id == user.pk
    pick_card = needs_card(booking) and not is_instructor
    cards = list(payment_method_list(user=user)) if pick_card else []
    called_off = booking.status in {BookingStatus.CANCELLED, BookingStatus.PAYMENT_FAILED}
    money = settled_money_lines(booking.settlements.last(), instructor_view=is_instructor) if called_off else []
    return BookingDetail(
        booking=booking, is_instructor=is_instructor, who=lesson_who(booking, user), when=lesson_when(booking, user),
        other_when=other_zone_when(booking, user), format_label=format_words(booking, user),
        status=booking_status_view(booking, user, now), price=booking_price_lines(booking, user),
        timeline=[timeline_entry(event, user) for event in booking.events.all()], needs_card=pick_card, cards=cards,
        duration=duration_words(booking.duration_minutes), money_lines=money,
    )  # fmt: skip


def duration_words(minutes: int) -> str:
    """30 → '30 min', 60 → '1 hour', 90 → '1 h 30 min', 120 → '2 hours'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    if not rest:
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{hours} h {rest} min"
