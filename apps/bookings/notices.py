"""What each party is told about a booking's money and time (PRODUCT.md §11). Every message
goes through `notify` inside the caller's transaction: the row exists exactly when the event
does, and the email leaves after the commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.defaultfilters import pluralize
from django.urls import reverse

from apps.accounts.models import User
from apps.bookings.logistics import booking_logistics
from apps.bookings.models import Booking, BookingSeries, NoShowReport, Settlement
from apps.bookings.presentation import when
from apps.core.models import platform_config
from apps.notifications.services import notify, notify_staff
from apps.payments.pricing import MoneyOutcome, format_usd


def booking_url(booking: Booking) -> str:
    return reverse("bookings:detail", kwargs={"public_id": booking.public_id})


def _student_lesson(booking: Booking) -> str:
    return f"{booking.service_name} with {booking.instructor.display_name} on {when(booking.starts_at, booking.student_timezone)}"


def _instructor_lesson(booking: Booking) -> str:
    who = booking.student.display_name
    return f"{booking.service_name} with {who} on {when(booking.starts_at, booking.instructor_timezone)}"


def _tell_student(
    booking: Booking, *, kind: str, subject: str, body: str, now: datetime, essential: bool = False
) -> None:
    notify(
        user=booking.student, kind=kind, subject=subject, body=body, url=booking_url(booking), essential=essential,
        now=now,
    )  # fmt: skip


def _tell_instructor(
    booking: Booking, *, kind: str, subject: str, body: str, now: datetime, essential: bool = False
) -> None:
    notify(
        user=booking.instructor.user, kind=kind, subject=subject, body=body, url=booking_url(booking),
        essential=essential, now=now,
    )  # fmt: skip


# --- money in plain words -------------------------------------------------------------------


def student_money_sentence(outcome: MoneyOutcome, *, fee_cents: int) -> str:
    if outcome.student_charge_cents:
        parts = [f"Your card is charged {format_usd(outcome.student_charge_cents)}"]
        if outcome.credit_cents:
            days = platform_config().credit_expiry_days
            parts.append(f"you get {format_usd(outcome.credit_cents)} in credit (valid {days} days)")
        parts.append(f"the {format_usd(fee_cents)} booking fee is kept")
        return "; ".join(parts) + "."
    parts = ["Nothing is charged"]
    if outcome.refund_cents:
        parts.append(f"{format_usd(outcome.refund_cents)} is refunded to your card")
    if outcome.release_hold:
        parts.append("the hold on your card is released")
    if outcome.credits_returned_cents:
        parts.append(f"{format_usd(outcome.credits_returned_cents)} of credit goes back to your balance")
    return "; ".join(parts) + "."


def instructor_money_sentence(outcome: MoneyOutcome) -> str:
    if outcome.instructor_cents:
        return f"You earn {format_usd(outcome.instructor_cents)} for this lesson."
    if not outcome.student_charge_cents:
        return "The student gets a full refund; you earn nothing for this lesson."
    return "You earn nothing for this lesson."


def settlement_sentence(settlement: Settlement) -> str:
    """One line for the booking's timeline."""
    parts = [settlement.get_reason_display()]
    if settlement.capture_cents:
        parts.append(f"charged {format_usd(settlement.capture_cents)}")
    if settlement.refund_cents:
        parts.append(f"refunded {format_usd(settlement.refund_cents)}")
    if settlement.release_hold:
        parts.append("hold released")
    if settlement.credit_cents:
        parts.append(f"credit {format_usd(settlement.credit_cents)}")
    if settlement.credits_returned_cents:
        parts.append(f"credits returned {format_usd(settlement.credits_returned_cents)}")
    if settlement.instructor_cents:
        parts.append(f"instructor earns {format_usd(settlement.instructor_cents)}")
    return ": ".join(parts[:1]) + ("; " + ", ".join(parts[1:]) if parts[1:] else "")


# --- authorization ------------------------------------------------------------------------


def authorization_failed(booking: Booking, *, retry_at: datetime | None, deadline: datetime, now: datetime) -> None:
    zone = booking.student_timezone
    retry = f" We'll try again on {when(retry_at, zone)}." if retry_at and retry_at < deadline else ""
    _tell_student(
        booking, kind="authorization_failed", now=now, essential=True,
        subject=f"Your card was declined for {booking.service_name}",
        body=(
            f"We couldn't authorize {format_usd(booking.total_cents)} for {_student_lesson(booking)}. "
            f"Add another card to keep this lesson.{retry} If no card works by {when(deadline, zone)}, "
            "the lesson is cancelled at no cost to you."
        ),
    )  # fmt: skip


def authorization_fixed(booking: Booking, *, now: datetime) -> None:
    _tell_student(
        booking, kind="authorization_fixed", now=now, essential=True,
        subject=f"Payment sorted for {booking.service_name}",
        body=f"Your card is authorized for {format_usd(booking.total_cents)}: {_student_lesson(booking)} is on. "
        "You are charged after the lesson.",
    )  # fmt: skip


def final_warning(booking: Booking, *, deadline: datetime, now: datetime) -> None:
    _tell_student(
        booking, kind="authorization_final_warning", now=now, essential=True,
        subject=f"Last chance to keep {booking.service_name}",
        body=f"Your card still can't be authorized for {_student_lesson(booking)}. Add a card before "
        f"{when(deadline, booking.student_timezone)} or the lesson is cancelled (at no cost to you).",
    )  # fmt: skip


def auto_cancelled(booking: Booking, *, now: datetime) -> None:
    _tell_student(
        booking, kind="booking_auto_cancelled", now=now, essential=True,
        subject=f"Lesson cancelled: {booking.service_name}",
        body=f"We cancelled {_student_lesson(booking)} because no card could be authorized. Nothing was charged.",
    )  # fmt: skip
    _tell_instructor(
        booking, kind="booking_auto_cancelled", now=now, essential=True,
        subject=f"Lesson cancelled: {booking.service_name}",
        body=f"{_instructor_lesson(booking)} is cancelled because the student's payment didn't go through. "
        "The time is open again.",
    )  # fmt: skip


def payment_expired(booking: Booking, *, now: datetime) -> None:
    _tell_student(
        booking, kind="booking_payment_expired", now=now, essential=True,
        subject=f"Booking not completed: {booking.service_name}",
        body=f"{_student_lesson(booking)} wasn't paid in time, so the time was released. Nothing was charged.",
    )  # fmt: skip


# --- policies -----------------------------------------------------------------------------


def cancelled(booking: Booking, *, by: str, outcome: MoneyOutcome, now: datetime) -> None:
    who = "You" if by == "student" else booking.instructor.display_name
    _tell_student(
        booking, kind="booking_cancelled", now=now, essential=True,
        subject=f"Lesson cancelled: {booking.service_name}",
        body=f"{who} cancelled {_student_lesson(booking)}. "
        f"{student_money_sentence(outcome, fee_cents=booking.booking_fee_cents)}",
    )  # fmt: skip
    who = "You" if by == "instructor" else booking.student.display_name
    _tell_instructor(
        booking, kind="booking_cancelled", now=now, essential=True,
        subject=f"Lesson cancelled: {booking.service_name}",
        body=f"{who} cancelled {_instructor_lesson(booking)}. {instructor_money_sentence(outcome)}",
    )  # fmt: skip


def rescheduled(booking: Booking, *, old_start: datetime, locked: bool, now: datetime) -> None:
    note = (
        f" Because it was moved less than 24 hours ahead, your card is charged {format_usd(booking.total_cents)} now "
        "and the payment is locked: a later cancellation gives credit only."
        if locked
        else ""
    )
    _tell_student(
        booking, kind="booking_rescheduled", now=now, essential=locked,
        subject=f"Lesson moved: {booking.service_name}",
        body=f"Your lesson on {when(old_start, booking.student_timezone)} is now {_student_lesson(booking)}.{note}",
    )  # fmt: skip
    _tell_instructor(
        booking, kind="booking_rescheduled", now=now,
        subject=f"Lesson moved: {booking.service_name}",
        body=f"{booking.student.display_name} moved the lesson on {when(old_start, booking.instructor_timezone)} "
        f"to {when(booking.starts_at, booking.instructor_timezone)}.",
    )  # fmt: skip


def _absent_and_reporter(report: NoShowReport) -> tuple[User, User]:
    booking = report.booking
    if report.absent_party == "student":
        return booking.student, booking.instructor.user
    return booking.instructor.user, booking.student


def no_show_reported(report: NoShowReport, *, outcome: MoneyOutcome, now: datetime) -> None:
    booking = report.booking
    absent, reporter = _absent_and_reporter(report)
    consequence = (
        "the student gets a full refund" if report.absent_party == "instructor" else
        f"the student is charged {format_usd(outcome.student_charge_cents)} and the instructor is paid in full"
    )  # fmt: skip
    deadline = when(report.dispute_until, absent.timezone)
    notify(
        user=absent, kind="no_show_reported", url=booking_url(booking), essential=True, now=now,
        subject=f"No-show reported: {booking.service_name}",
        body=f"{reporter.display_name} reported that you didn't come to {booking.service_name} on "
        f"{when(booking.starts_at, absent.timezone)}. If that's wrong, dispute it before {deadline}; "
        f"otherwise {consequence}.",
    )  # fmt: skip
    notify(
        user=reporter, kind="no_show_reported", url=booking_url(booking), essential=True, now=now,
        subject=f"No-show reported: {booking.service_name}",
        body=f"Thanks for telling us. The payment is on hold. Unless it's disputed by {deadline}, {consequence}.",
    )  # fmt: skip


def no_show_disputed(report: NoShowReport, *, now: datetime) -> None:
    booking = report.booking
    absent, reporter = _absent_and_reporter(report)
    notify(
        user=reporter, kind="no_show_disputed", url=booking_url(booking), essential=True, now=now,
        subject=f"No-show disputed: {booking.service_name}",
        body=f"{absent.display_name} disputes your no-show report. Our team will review it and tell you both.",
    )  # fmt: skip
    notify_staff(
        kind="staff_alert", now=now, url=f"/admin/bookings/booking/{booking.pk}/change/",
        subject=f"No-show dispute to review: booking {booking.public_id}",
        body=f"{reporter.display_name} reported {'an' if report.absent_party == 'instructor' else 'a'} {report.absent_party} no-show; {absent.display_name} disputes it: "
        f"{report.dispute_reason or '(no reason given)'}",
    )  # fmt: skip


def no_show_resolved(report: NoShowReport, *, outcome: MoneyOutcome, now: datetime) -> None:
    booking = report.booking
    verdict = "stands" if report.status == "upheld" else "was not upheld: the lesson counts as taught"
    _tell_student(
        booking, kind="no_show_resolved", now=now, essential=True,
        subject=f"No-show report resolved: {booking.service_name}",
        body=f"The {report.absent_party} no-show report {verdict}. "
        f"{student_money_sentence(outcome, fee_cents=booking.booking_fee_cents)}",
    )  # fmt: skip
    _tell_instructor(
        booking, kind="no_show_resolved", now=now, essential=True,
        subject=f"No-show report resolved: {booking.service_name}",
        body=f"The {report.absent_party} no-show report {verdict}. {instructor_money_sentence(outcome)}",
    )  # fmt: skip


# --- lesson lifecycle ---------------------------------------------------------------------


def _where_line(booking: Booking, viewer: User, now: datetime) -> str:
    """The place (the studio's address for its student) and, online, the link to join."""
    where = booking_logistics(booking=booking, viewer=viewer, now=now, for_documents=True)
    join = f" Join here: {where.join_url}" if where.join_url else ""
    maps = f" Map: {where.map_url}" if where.map_url else ""
    return f"({where.where}).{maps}{join}"


def reminder(booking: Booking, *, label: str, now: datetime) -> None:
    _tell_student(
        booking, kind="reminder", now=now, subject=f"Reminder: {booking.service_name} {label}",
        body=f"{_student_lesson(booking)} {_where_line(booking, booking.student, now)}",
    )  # fmt: skip
    _tell_instructor(
        booking, kind="reminder", now=now, subject=f"Reminder: {booking.service_name} {label}",
        body=f"{_instructor_lesson(booking)} {_where_line(booking, booking.instructor.user, now)}",
    )  # fmt: skip


def completed(booking: Booking, *, now: datetime) -> None:
    _tell_student(
        booking, kind="booking_completed", now=now, subject=f"Lesson complete: {booking.service_name}",
        body=f"{_student_lesson(booking)} is complete. Your card is charged "
        f"{format_usd(booking.total_cents)} 24 hours after the lesson unless you report a problem before then.",
    )  # fmt: skip


def charged(booking: Booking, settlement: Settlement, now: datetime) -> None:
    _tell_student(
        booking, kind="booking_completed", now=now, essential=True,
        subject=f"Receipt: {booking.service_name} {format_usd(settlement.student_charge_cents)}",
        body=f"We charged {format_usd(settlement.student_charge_cents)} for {_student_lesson(booking)}.",
    )  # fmt: skip
    _tell_instructor(
        booking, kind="booking_completed", now=now, essential=True,
        subject=f"You earned {format_usd(settlement.instructor_cents)}",
        body=f"{_instructor_lesson(booking)} is paid: {format_usd(settlement.instructor_cents)} goes into your next payout.",
    )  # fmt: skip


def capture_failed(booking: Booking, settlement: Settlement, now: datetime) -> None:
    hours = platform_config().capture_retry_hours
    _tell_student(
        booking, kind="capture_failed", now=now, essential=True,
        subject=f"Payment failed for {booking.service_name}",
        body=f"We couldn't charge {format_usd(settlement.capture_cents)} for {_student_lesson(booking)} "
        f"({settlement.failure_code}). Add another card; we retry every {hours} hours.",
    )  # fmt: skip


def payment_review(booking: Booking, settlement: Settlement, now: datetime) -> None:
    if settlement.capture_cents:
        _tell_student(
            booking, kind="payment_review", now=now, essential=True,
            subject="Your account is on hold",
            body=f"We still couldn't charge {format_usd(settlement.capture_cents)} for {_student_lesson(booking)}. "
            "Your account is on hold until it's paid; our team will contact you.",
        )  # fmt: skip
    notify_staff(
        kind="staff_alert", now=now, url=f"/admin/bookings/booking/{booking.pk}/change/",
        subject=f"Payment needs review: booking {booking.public_id}",
        body=f"{settlement.get_reason_display()} still failing after {settlement.attempts} attempts "
        f"({settlement.failure_code}). Amount: {format_usd(settlement.capture_cents or settlement.refund_cents)}.",
    )  # fmt: skip


def unpaid_lesson_review(booking: Booking, *, now: datetime) -> None:
    notify_staff(
        kind="staff_alert", now=now, url=f"/admin/bookings/booking/{booking.pk}/change/",
        subject=f"Lesson started unpaid: booking {booking.public_id}",
        body=f"{_student_lesson(booking)} started without an authorized card after "
        f"{booking.payment_attempts} attempt{pluralize(booking.payment_attempts)}. Amount: {format_usd(booking.total_cents)}. "
        "Charge it or settle it by hand.",
    )  # fmt: skip


def orphan_hold_released(*, intent_id: str, amount_cents: int, now: datetime) -> None:
    notify_staff(
        kind="staff_alert", now=now, subject=f"Released a card hold no lesson used: {format_usd(amount_cents)}",
        body=f"The payment provider held {format_usd(amount_cents)} ({intent_id}) for no booking. The hold is "
        "released; a path that replaces or abandons authorizations without cancelling them needs a look.",
    )  # fmt: skip


def booking_confirmed(booking: Booking, *, now: datetime) -> None:
    """Both sides learn the lesson is booked, each with an .ics file in their own words."""
    from apps.bookings.calendar import booking_ics

    url = f"{settings.SITE_URL}{booking_url(booking)}"
    for user, subject, lesson in (
        (booking.student, "Your lesson is booked", _student_lesson(booking)),
        (booking.instructor.user, "New booking", _instructor_lesson(booking)),
    ):
        notify(
            user=user, kind="booking_confirmed", subject=subject, body=f"{lesson}. {booking.location_text}.",
            url=booking_url(booking), essential=True, now=now,
            calendar_attachment=booking_ics(booking, viewer=user, now=now, detail_url=url),
        )  # fmt: skip


def refunded(booking: Booking, *, amount_cents: int, now: datetime) -> None:
    _tell_student(
        booking, kind="payment_refunded", now=now, essential=True, subject=f"Refund of {format_usd(amount_cents)}",
        body=f"We are refunding {format_usd(amount_cents)} for {booking.service_name} on "
        f"{when(booking.starts_at, booking.student_timezone)} to your card. It can take 5–10 days to show.",
    )  # fmt: skip


def series_weeks_unbooked(series: BookingSeries, unbooked: list[dict[str, Any]], *, now: datetime) -> None:
    """The series sweep could not book some weeks: the student learns which, and why."""
    zone = series.student.timezone
    lines = "; ".join(f"{when(datetime.fromisoformat(item['starts_at']), zone)}: {item['reason']}" for item in unbooked)
    notify(
        user=series.student, kind="series_unbooked", now=now,
        subject=f"{len(unbooked)} week{pluralize(len(unbooked))} of your weekly lesson could not be booked",
        body=f"{lines} Open your weekly lesson to pick another time those weeks.",
        url=reverse("bookings:series", kwargs={"public_id": series.public_id}),
    )  # fmt: skip
