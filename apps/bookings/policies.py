"""Cancellation, reschedule, no-show and dispute (PRODUCT.md §6), each with a preview of its
money outcome computed by the same code as the action.

Every action locks the booking row, re-decides the policy at that instant (so a boundary is
judged once: exactly 24 h before is still free), changes the status with its event and
records the money outcome as a `Settlement` in the same transaction; the provider call and
ledger rows follow after the commit (apps/bookings/settlement.py). Boundaries: ≥ 24 h;
12 h ≤ t < 24 h; < 12 h before the start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.audit.states import AuditAction
from apps.availability.cells import windows_from_masks
from apps.availability.selectors_public import _slot_inputs, slot_rules_for
from apps.availability.slots import SlotQuery, open_slots
from apps.bookings import notices
from apps.bookings.models import Booking, NoShowReport
from apps.bookings.presentation import when
from apps.bookings.schedule import MoneyClock, cancel_window, money_clock
from apps.bookings.services import SlotUnavailable, booking_authorize, overlap_conflict, student_busy_check
from apps.bookings.settlement import (
    booking_money,
    settlement_decide,
    settlement_decide_lock,
    settlement_open,
    settlement_run,
)
from apps.bookings.states import BookingStatus, NoShowStatus, PaymentStatus, SettlementReason, no_show_can_transition
from apps.bookings.transitions import booking_event_add, booking_status_change, payment_status_change
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.core.limits import money_operation
from apps.core.metrics import BOOKINGS_CANCELLED
from apps.instructors.models import InstructorProfile
from apps.payments.pricing import (
    CancelWindow,
    MoneyOutcome,
    Party,
    cancellation_outcome,
    completion_outcome,
    format_usd,
    no_show_outcome,
)
from apps.reviews.notices import review_requested
from apps.search.generation import search_generation_bump
from apps.waitlist.services import waitlist_check_after_commit

CANCELLABLE = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED})
logger = logging.getLogger(__name__)


def settle_now(settlement_id: int, now: datetime) -> None:
    """Apply a decided outcome right after its commit. The decision stands whatever happens
    here: if the provider call fails unexpectedly, the settlement sweep finishes the job."""
    try:
        settlement_run(settlement_id=settlement_id, now=now)
    except Exception:
        logger.exception("settlement %s: left for the sweep", settlement_id)


def _booking_for(actor: User, booking_id: int, *, lock: bool) -> Booking:
    """The booking if `actor` is its student or instructor; anyone else gets NotFound."""
    bookings = Booking.objects.filter(Q(student=actor) | Q(instructor__user=actor), pk=booking_id)
    if lock:
        bookings = bookings.select_for_update(of=("self",))
    booking = bookings.select_related("instructor__user", "student").first()
    if booking is None:
        raise NotFound("Booking not found.")
    return booking


def staff_booking(actor: User, booking_id: int, *, lock: bool) -> Booking:
    """Any booking, for staff acting on behalf of the marketplace."""
    if not actor.is_staff:
        raise PermissionDenied("Only staff can do this.")
    bookings = Booking.objects.filter(pk=booking_id)
    if lock:
        bookings = bookings.select_for_update(of=("self",))
    booking = bookings.select_related("instructor__user", "student").first()
    if booking is None:
        raise NotFound("Booking not found.")
    return booking


def staff_reason(reason: str) -> str:
    """Staff actions always say why (the reason goes to the audit trail)."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give a reason.", fields={"reason": ["Say why; it is kept in the audit trail."]})
    return reason[:300]


def booking_state(booking: Booking) -> dict[str, str]:
    return {"status": booking.status, "payment_status": booking.payment_status}


def _party(booking: Booking, actor: User) -> Party:
    return "instructor" if booking.instructor.user_id == actor.pk else "student"


def money_idle_check(booking: Booking) -> None:
    if settlement_open(booking) or booking.payment_status == PaymentStatus.MANUAL_REVIEW:
        raise Conflict("A payment for this lesson is still being processed. Try again later or contact us.")


# --- cancellation -------------------------------------------------------------------------


@dataclass(frozen=True)
class CancellationPreview:
    booking: Booking
    by: Party
    window: CancelWindow
    outcome: MoneyOutcome
    message: str  # for the person cancelling


def _cancellation(booking: Booking, by: Party, now: datetime, clock: MoneyClock) -> CancellationPreview:
    if booking.status not in CANCELLABLE:
        raise Conflict(f"A {booking.get_status_display().lower()} lesson cannot be cancelled.")
    if booking.starts_at <= now:
        raise Conflict("This lesson has started. If someone didn't come, report a no-show instead.")
    money_idle_check(booking)
    window = cancel_window(clock, starts_at=booking.starts_at, now=now)
    outcome = cancellation_outcome(
        money=booking_money(booking), by=by, window=window, very_late_credit_bps=clock.very_late_credit_bps,
        very_late_instructor_bps=clock.very_late_instructor_bps,
    )  # fmt: skip
    message = (
        notices.student_money_sentence(outcome, fee_cents=booking.booking_fee_cents)
        if by == "student"
        else notices.instructor_money_sentence(outcome)
    )
    return CancellationPreview(booking=booking, by=by, window=window, outcome=outcome, message=message)


def booking_cancel_preview(
    *, actor: User, booking_id: int, now: datetime, fault: Party | None = None
) -> CancellationPreview:
    if fault is not None:
        return _cancellation(staff_booking(actor, booking_id, lock=False), fault, now, money_clock())
    booking = _booking_for(actor, booking_id, lock=False)
    return _cancellation(booking, _party(booking, actor), now, money_clock())


@money_operation
def booking_cancel(
    *, actor: User, booking_id: int, now: datetime, reason: str = "", fault: Party | None = None
) -> CancellationPreview:
    """Cancel as the student or the instructor; returns the outcome that was applied. Staff
    cancel on behalf of the side at `fault` (the money follows that side's rule), with a
    reason, and the cancellation is audited."""
    clock = money_clock()
    if fault is not None:
        reason = staff_reason(reason)
    with transaction.atomic():
        if fault is None:
            booking = _booking_for(actor, booking_id, lock=True)
            by = _party(booking, actor)
        else:
            booking, by = staff_booking(actor, booking_id, lock=True), fault
        before = booking_state(booking)
        decided = _cancellation(booking, by, now, clock)
        who = f"staff for the {by}" if fault is not None else f"the {by}"
        booking_status_change(
            booking=booking, to=BookingStatus.CANCELLED, actor=actor, now=now,
            reason=f"cancelled by {who}{f': {reason}' if reason else ''}"[:300],
        )  # fmt: skip
        settlement = settlement_decide(
            booking=booking, now=now, outcome=decided.outcome,
            reason=SettlementReason.STUDENT_CANCELLATION if by == "student" else SettlementReason.INSTRUCTOR_CANCELLATION,
        )  # fmt: skip
        notices.cancelled(booking, by=by, outcome=decided.outcome, now=now)
        if fault is not None:
            audit_record(
                actor=actor, action=AuditAction.BOOKING_CANCEL, target=booking, now=now, reason=reason,
                before=before, after={**booking_state(booking), "fault": fault, "outcome": _outcome_json(decided)},
            )  # fmt: skip
        transaction.on_commit(search_generation_bump)  # the time is open again
        waitlist_check_after_commit(instructor_id=booking.instructor_id)
        cancelled_by = f"staff_{by}" if fault is not None else by
        transaction.on_commit(BOOKINGS_CANCELLED.labels(reason=cancelled_by).inc)
    # After the commit and outside any lock (a sweep finishes it if this process dies here).
    settle_now(settlement.pk, now)
    booking.refresh_from_db()
    return CancellationPreview(
        booking=booking, by=by, window=decided.window, outcome=decided.outcome, message=decided.message
    )


def _outcome_json(preview: CancellationPreview) -> dict[str, int]:
    outcome = preview.outcome
    return {
        "student_charge_cents": outcome.student_charge_cents, "refund_cents": outcome.refund_cents,
        "credit_cents": outcome.credit_cents, "instructor_cents": outcome.instructor_cents,
    }  # fmt: skip


# --- reschedule ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReschedulePreview:
    booking: Booking
    window: CancelWindow
    allowed: bool
    locks_money: bool  # a 12–24 h reschedule captures the total now and locks it
    charge_now_cents: int
    message: str


def _reschedule_policy(booking: Booking, actor: User, now: datetime, clock: MoneyClock) -> ReschedulePreview:
    if _party(booking, actor) != "student":
        raise PermissionDenied(
            "Only the student can reschedule. Cancel the lesson instead, or ask the student to move it."
        )
    if booking.status != BookingStatus.CONFIRMED or booking.starts_at <= now:
        raise Conflict(f"A {booking.get_status_display().lower()} lesson cannot be rescheduled.")
    money_idle_check(booking)
    window = cancel_window(clock, starts_at=booking.starts_at, now=now)

    def result(allowed: bool, message: str, *, locks: bool = False) -> ReschedulePreview:
        charge = booking.total_cents if locks else 0
        return ReschedulePreview(booking, window, allowed, locks, charge, message)

    if window == "free":
        return result(True, "You can move this lesson for free.")
    if window == "very_late":
        return result(False, "Lessons can't be moved less than 12 hours before they start.")
    if booking.payment_status == PaymentStatus.LOCKED:
        return result(
            False, "This lesson was already moved once less than 24 hours ahead; it can't be moved again now."
        )
    if booking.payment_status != PaymentStatus.AUTHORIZED:
        return result(False, "Your card must be authorized before this lesson can be moved. Add a card first.")
    return result(
        True,
        f"Moving now charges your card {format_usd(booking.total_cents)} and locks the payment: "
        "if you cancel later you get credit, not a refund. You can do this once.",
        locks=True,
    )


def booking_reschedule_preview(*, actor: User, booking_id: int, now: datetime) -> ReschedulePreview:
    return _reschedule_policy(_booking_for(actor, booking_id, lock=False), actor, now, money_clock())


def _slot_open(booking: Booking, starts_at: datetime, now: datetime) -> bool:
    """Is `starts_at` an open start for this lesson, not counting the lesson itself?"""
    profile = booking.instructor
    day = starts_at.astimezone(ZoneInfo(profile.timezone)).date()
    days, blackouts, busy = _slot_inputs(profile, day, day)
    # The booking being moved is the only active one of this instructor with its exact interval.
    others = [b for b in busy if (b.starts_at, b.ends_at) != (booking.starts_at, booking.ends_at)]
    windows = windows_from_masks({d.date: d.cells for d in days if d.date not in blackouts})
    query = SlotQuery(
        duration_minutes=booking.duration_minutes, is_travel=booking.is_travel, date_from=day, date_to=day
    )
    starts = open_slots(
        windows=windows, bookings=others, instructor_tz=profile.timezone, query=query, now=now,
        rules=slot_rules_for(profile),
    )  # fmt: skip
    return starts_at in starts


def _move(booking: Booking, starts_at: datetime, actor: User, now: datetime) -> None:
    duration, padding = booking.ends_at - booking.starts_at, booking.blocked_until - booking.ends_at
    old = booking.starts_at
    booking.starts_at, booking.ends_at = starts_at, starts_at + duration
    booking.blocked_until = booking.ends_at + padding
    try:
        with transaction.atomic():
            booking.save(update_fields=["starts_at", "ends_at", "blocked_until", "updated_at"])
    except IntegrityError as exc:  # PostgreSQL: a concurrent write took the time first
        slot_taken = SlotUnavailable("That time is no longer open. Pick another time.")
        raise overlap_conflict(exc, slot_taken=slot_taken) from exc
    booking_event_add(
        booking=booking, kind="rescheduled", actor=actor, now=now,
        # In the lesson's own zone, as people read it (the timeline shows this to both sides).
        reason=f"moved from {when(old, booking.instructor_timezone)} to {when(starts_at, booking.instructor_timezone)}",
    )  # fmt: skip
    waitlist_check_after_commit(instructor_id=booking.instructor_id)  # the old time is open again


@money_operation
def booking_reschedule(*, actor: User, booking_id: int, starts_at: datetime, now: datetime) -> Booking:
    """Move the lesson (same instructor, service, format and length) to another open start."""
    clock = money_clock()
    with transaction.atomic():
        found = _booking_for(actor, booking_id, lock=False)
        # The instructor's row lock serializes this with new bookings (as booking_create does).
        InstructorProfile.objects.select_for_update().filter(pk=found.instructor_id).first()
        booking = _booking_for(actor, booking_id, lock=True)
        policy = _reschedule_policy(booking, actor, now, clock)
        if not policy.allowed:
            raise Conflict(policy.message)
        if starts_at == booking.starts_at:
            raise ValidationFailed("Pick a different time.", fields={"starts_at": ["That is the current time."]})
        student_busy_check(
            student=booking.student, starts_at=starts_at, ends_at=starts_at + (booking.ends_at - booking.starts_at),
            exclude_booking_id=booking.pk,
        )  # fmt: skip
        if not _slot_open(booking, starts_at, now):
            raise SlotUnavailable("That time isn't open. Pick another time.")
        old_start = booking.starts_at
        _move(booking, starts_at, actor, now)
        settlement = settlement_decide_lock(booking=booking, now=now) if policy.locks_money else None
        notices.rescheduled(booking, old_start=old_start, locked=policy.locks_money, now=now)
    if settlement is not None:
        settle_now(settlement.pk, now)
    elif booking.payment_status == PaymentStatus.SCHEDULED and starts_at - now < clock.authorize_before:
        booking_authorize(booking_id=booking.pk, actor=actor, now=now)  # moved to within 24 h: hold the card now
    booking.refresh_from_db()
    return booking


# --- completion ---------------------------------------------------------------------------


def booking_complete(*, actor: User | None, booking_id: int, now: datetime, reason: str = "") -> Booking:
    """The instructor marks the lesson taught after it ends (`actor` None: the sweep at end +
    24 h; staff may too, with a reason, audited). The card is charged at end + 24 h, after
    the no-show window."""
    by_staff = (
        actor is not None
        and actor.is_staff
        and not Booking.objects.filter(pk=booking_id, instructor__user=actor).exists()
    )
    if by_staff:
        reason = staff_reason(reason)
    with transaction.atomic():
        if actor is None:
            booking = (
                Booking.objects.select_for_update().select_related("instructor__user", "student").get(pk=booking_id)
            )
        elif by_staff:
            booking = staff_booking(actor, booking_id, lock=True)
        else:
            booking = _booking_for(actor, booking_id, lock=True)
            if _party(booking, actor) != "instructor":
                raise PermissionDenied("Only the instructor marks a lesson complete.")
        if booking.status != BookingStatus.CONFIRMED:
            raise Conflict(f"A {booking.get_status_display().lower()} lesson cannot be completed.")
        if now < booking.ends_at:
            raise Conflict("A lesson can be marked complete once it has ended.")
        before = booking_state(booking)
        booking_status_change(
            booking=booking, to=BookingStatus.COMPLETED, actor=actor, now=now,
            reason=(f"marked complete by staff: {reason}"[:300] if by_staff else "marked complete by the instructor")
            if actor
            else "completed automatically",
        )  # fmt: skip
        if by_staff:
            audit_record(
                actor=actor, action=AuditAction.BOOKING_COMPLETE, target=booking, now=now, reason=reason,
                before=before, after=booking_state(booking),
            )  # fmt: skip
        if actor is not None:  # an automatic completion is followed at once by the receipt
            notices.completed(booking, now=now)
        review_requested(booking, now=now)  # in-app now, the email after the commit
    return booking


# --- no-show and dispute ------------------------------------------------------------------


def _other(party: Party) -> Party:
    return "instructor" if party == "student" else "student"


def _absent(report: NoShowReport) -> Party:
    return "student" if report.absent_party == "student" else "instructor"


@dataclass(frozen=True)
class NoShowPreview:
    booking: Booking
    absent: Party
    outcome: MoneyOutcome  # what happens when the report stands (undisputed)
    dispute_until: datetime  # if reported now
    message: str


def _no_show_policy(booking: Booking, actor: User, now: datetime, clock: MoneyClock) -> NoShowPreview:
    absent = _other(_party(booking, actor))
    if booking.status not in {BookingStatus.CONFIRMED, BookingStatus.COMPLETED}:
        raise Conflict(f"A no-show can't be reported for a {booking.get_status_display().lower()} lesson.")
    if NoShowReport.objects.filter(booking=booking).exists():
        raise Conflict("A no-show was already reported for this lesson.")
    if now < booking.starts_at:
        raise Conflict("You can report a no-show once the lesson has started.")
    if now >= booking.ends_at + clock.no_show_window:
        raise Conflict("The time to report a no-show for this lesson has passed.")
    money_idle_check(booking)
    if booking.payment_status not in {PaymentStatus.AUTHORIZED, PaymentStatus.LOCKED}:
        raise Conflict("This lesson's payment isn't secured, so there is nothing to hold. Contact us.")
    outcome = no_show_outcome(booking_money(booking), absent=absent)
    dispute_until = now + clock.dispute_window
    consequence = (
        notices.student_money_sentence(outcome, fee_cents=booking.booking_fee_cents)
        if absent == "instructor"
        else notices.instructor_money_sentence(outcome)
    )
    deadline = when(dispute_until, actor.timezone)
    message = f"The payment is held; the other side can dispute until {deadline}. If nobody disputes: {consequence}"
    return NoShowPreview(booking=booking, absent=absent, outcome=outcome, dispute_until=dispute_until, message=message)


def no_show_preview(*, actor: User, booking_id: int, now: datetime) -> NoShowPreview:
    return _no_show_policy(_booking_for(actor, booking_id, lock=False), actor, now, money_clock())


@money_operation
def no_show_report(*, actor: User, booking_id: int, now: datetime, note: str = "") -> NoShowReport:
    """Report that the other side didn't come: the payment goes to manual review."""
    with transaction.atomic():
        booking = _booking_for(actor, booking_id, lock=True)
        preview = _no_show_policy(booking, actor, now, money_clock())
        report = NoShowReport.objects.create(
            booking=booking, reporter=actor, absent_party=preview.absent, note=note[:500], reported_at=now,
            dispute_until=preview.dispute_until,
        )  # fmt: skip
        booking_status_change(
            booking=booking, to=BookingStatus.NO_SHOW, actor=actor, now=now,
            reason=f"{preview.absent} no-show reported by the {_party(booking, actor)}",
        )  # fmt: skip
        payment_status_change(
            booking=booking,
            to=PaymentStatus.MANUAL_REVIEW,
            actor=actor,
            now=now,
            reason="no-show reported: payment on hold",
        )
        notices.no_show_reported(report, outcome=preview.outcome, now=now)
    return report


@dataclass(frozen=True)
class DisputePreview:
    report: NoShowReport
    if_upheld: MoneyOutcome  # the report stands
    if_rejected: MoneyOutcome  # the lesson counts as taught
    message: str


def _dispute_policy(booking: Booking, actor: User, now: datetime, *, lock: bool) -> DisputePreview:
    reports = NoShowReport.objects.select_for_update() if lock else NoShowReport.objects.all()
    report = reports.filter(booking=booking).first()
    if report is None:
        raise Conflict("No no-show was reported for this lesson.")
    if _party(booking, actor) != report.absent_party:
        raise PermissionDenied("Only the person reported absent can dispute the report.")
    if report.status != NoShowStatus.OPEN:
        raise Conflict(f"This report is already {report.get_status_display().lower()}.")
    if now >= report.dispute_until:
        raise Conflict("The time to dispute this report has passed.")
    money = booking_money(booking)
    return DisputePreview(
        report=report, if_upheld=no_show_outcome(money, absent=_absent(report)),
        if_rejected=completion_outcome(money),
        message="Our team reviews both sides; the payment stays on hold until they decide.",
    )  # fmt: skip


def no_show_dispute_preview(*, actor: User, booking_id: int, now: datetime) -> DisputePreview:
    return _dispute_policy(_booking_for(actor, booking_id, lock=False), actor, now, lock=False)


def _report_status(report: NoShowReport, to: NoShowStatus) -> None:
    if not no_show_can_transition(report.status, to):
        raise Conflict(f"A {report.status} report cannot become {to}.")
    report.status = to


@money_operation
def no_show_dispute(*, actor: User, booking_id: int, now: datetime, reason: str = "") -> NoShowReport:
    """The side reported absent says they were there: staff decide."""
    with transaction.atomic():
        booking = _booking_for(actor, booking_id, lock=True)
        report = _dispute_policy(booking, actor, now, lock=True).report
        _report_status(report, NoShowStatus.DISPUTED)
        report.disputed_at, report.dispute_reason = now, reason[:500]
        report.save(update_fields=["status", "disputed_at", "dispute_reason"])
        booking_event_add(
            booking=booking, kind="no_show", actor=actor, now=now, to_status="disputed", reason=reason[:300]
        )
        report.booking = booking
        notices.no_show_disputed(report, now=now)
    return report


def _resolution(
    booking: Booking, report: NoShowReport, upheld: bool, actor: User | None, now: datetime
) -> tuple[str, MoneyOutcome]:
    money = booking_money(booking)
    if upheld:
        absent = _absent(report)
        reason = SettlementReason.NO_SHOW_STUDENT if absent == "student" else SettlementReason.NO_SHOW_INSTRUCTOR
        return reason, no_show_outcome(money, absent=absent)
    booking_status_change(
        booking=booking, to=BookingStatus.COMPLETED, actor=actor, now=now,
        reason="no-show report rejected: the lesson took place",
    )  # fmt: skip
    return SettlementReason.COMPLETION, completion_outcome(money)


def no_show_resolve_preview(*, actor: User, booking_id: int, upheld: bool) -> MoneyOutcome:
    """For staff: where the money goes if they uphold (or reject) the report now."""
    booking = staff_booking(actor, booking_id, lock=False)
    report = NoShowReport.objects.filter(booking=booking).first()
    if report is None or report.status not in {NoShowStatus.OPEN, NoShowStatus.DISPUTED}:
        raise Conflict("No open or disputed no-show report on this lesson.")
    money = booking_money(booking)
    return no_show_outcome(money, absent=_absent(report)) if upheld else completion_outcome(money)


def no_show_resolve(
    *, actor: User | None, booking_id: int, upheld: bool, now: datetime, reason: str = ""
) -> NoShowReport | None:
    """Staff decide a report (open or disputed), with a reason, audited; with `actor` None,
    the sweep upholds an undisputed report once its dispute window is over (None when it is
    not due any more)."""
    if actor is not None:
        if not actor.is_staff:
            raise PermissionDenied("Only staff resolve no-show reports.")
        reason = staff_reason(reason)
    with transaction.atomic():
        booking = Booking.objects.select_for_update().select_related("instructor__user", "student").get(pk=booking_id)
        report = NoShowReport.objects.select_for_update().get(booking=booking)
        if actor is None and (not upheld or report.status != NoShowStatus.OPEN or now < report.dispute_until):
            return None
        before = {**booking_state(booking), "report": report.status}
        settlement_reason, outcome = _resolution(booking, report, upheld, actor, now)
        _report_status(report, NoShowStatus.UPHELD if upheld else NoShowStatus.REJECTED)
        report.resolved_at, report.resolved_by = now, actor
        report.save(update_fields=["status", "resolved_at", "resolved_by"])
        booking_event_add(
            booking=booking, kind="no_show", actor=actor, now=now, to_status=report.status, reason=reason[:300]
        )
        settlement = settlement_decide(booking=booking, reason=settlement_reason, outcome=outcome, now=now)
        if actor is not None:
            audit_record(
                actor=actor, action=AuditAction.NO_SHOW_RESOLVE, target=booking, now=now, reason=reason,
                before=before, after={**booking_state(booking), "report": report.status, "upheld": upheld},
            )  # fmt: skip
        report.booking = booking
        notices.no_show_resolved(report, outcome=outcome, now=now)
    settle_now(settlement.pk, now)
    return report
