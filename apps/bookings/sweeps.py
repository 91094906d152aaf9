"""Time-based money work, driven from database state (ARCHITECTURE rule 9).

Each `sweep_<name>(*, now)` selects the rows that are due at `now`, handles each exactly once
and returns how many it handled. Running a sweep late, twice, or in several workers at once
is harmless:

* sweeps that call the payment provider first *claim* due bookings: in a short transaction
  they lock the due rows nobody else holds (`select_for_update(skip_locked=True)`), set a
  lease (`claimed_until`) and commit; only then is the provider called, outside any lock,
  with idempotency keys; the result is applied under the row lock after re-checking state.
  A worker that dies leaves a lease that lapses, and the next run repeats the same keyed call.
* sweeps without provider calls lock the due rows with skip_locked and change them in the
  same transaction; what they send once is keyed by a unique milestone row.
* money outcomes are `Settlement` rows, unique per (booking, reason), applied by
  apps/bookings/settlement.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from apps.bookings import notices
from apps.bookings.holds import sweep_orphan_holds
from apps.bookings.models import Booking, BookingMilestone, NoShowReport, Settlement
from apps.bookings.policies import booking_complete, no_show_resolve
from apps.bookings.schedule import money_clock
from apps.bookings.series.edits import series_end_finish
from apps.bookings.series.services import series_sweep
from apps.bookings.services import booking_authorization_failed, booking_authorize
from apps.bookings.settlement import (
    booking_money,
    settlement_decide,
    settlement_due_ids,
    settlement_run,
)
from apps.bookings.states import (
    OPEN_SETTLEMENT_STATUSES,
    BookingStatus,
    NoShowStatus,
    PaymentStatus,
    SettlementReason,
)
from apps.bookings.transitions import booking_status_change, payment_status_change
from apps.core.metrics import BOOKINGS_CANCELLED, MANUAL_REVIEW_BACKLOG, SWEEP_DURATION, SWEEP_LAST_SUCCESS, SWEEP_RUNS
from apps.payments.credits import sweep_credit_expiry
from apps.payments.payouts import sweep_payouts
from apps.payments.pricing import completion_outcome, released_outcome
from apps.referrals.services import sweep_referral_rewards
from apps.search.generation import search_generation_bump
from apps.waitlist.services import waitlist_check_after_commit

logger = logging.getLogger(__name__)

SWEEP_BATCH = 100
CLAIM_LEASE = timedelta(minutes=10)  # longer than any provider call; a dead worker's claim lapses


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


def _money_in_flight() -> Exists:
    return Exists(Settlement.objects.filter(booking=OuterRef("pk"), status__in=OPEN_SETTLEMENT_STATUSES))


def _claim(due: QuerySet[Booking], now: datetime) -> list[int]:
    """Lease the due bookings no other worker holds; commit before any provider call."""
    with transaction.atomic():
        ids = list(
            due.filter(_unclaimed(now))
            .select_for_update(skip_locked=True)
            .order_by("starts_at", "id")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        Booking.objects.filter(pk__in=ids).update(claimed_until=now + CLAIM_LEASE)
    return ids


def _each(ids: list[int], handle: Callable[[int], object], name: str) -> int:
    """Handle each row on its own: one failing row must not stop the others."""
    done = 0
    for pk in ids:
        try:
            if handle(pk) is not None:
                done += 1
        except Exception:
            logger.exception("sweep %s: row %s failed", name, pk)
    return done


def _locked_batch(due: QuerySet[Booking]) -> list[Booking]:
    """Due rows locked for the caller's transaction, skipping rows another worker holds."""
    locked = due.select_for_update(skip_locked=True, of=("self",)).select_related("instructor__user", "student")
    return list(locked.order_by("starts_at", "id")[:SWEEP_BATCH])


# --- before the lesson: authorization -----------------------------------------------------


def _authorize(booking_id: int, now: datetime) -> Booking:
    try:
        card = Booking.objects.values_list("payment_method_id", flat=True).get(pk=booking_id)
        if card is None:
            return booking_authorization_failed(booking_id=booking_id, now=now, code="no_card")
        return booking_authorize(booking_id=booking_id, actor=None, now=now)
    finally:
        Booking.objects.filter(pk=booking_id).update(claimed_until=None)


def sweep_authorizations(*, now: datetime) -> int:
    """Authorize (hold) the card of every confirmed lesson starting within 24 h. A lesson
    whose authorization moment passed without an attempt (the scheduler or a worker was
    down) is caught up here too, even once it has started or was marked complete: it is
    authorized now so that it can be charged, never completed unpaid."""
    clock = money_clock()
    due = Booking.objects.filter(
        status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED], payment_status=PaymentStatus.SCHEDULED,
        starts_at__lte=now + clock.authorize_before,
    )  # fmt: skip
    return _each(_claim(due, now), lambda pk: _authorize(pk, now), "authorizations")


def sweep_authorization_retries(*, now: datetime) -> int:
    """Retry failed authorizations (1 h, 4 h, then every 8 h) until 12 h before the start."""
    clock = money_clock()
    due = Booking.objects.filter(
        status=BookingStatus.CONFIRMED, payment_status=PaymentStatus.PAYMENT_METHOD_REQUIRED,
        payment_retry_at__lte=now, starts_at__gt=now + clock.auth_cancel_before,
    ).exclude(_money_in_flight())  # fmt: skip
    return _each(_claim(due, now), lambda pk: _authorize(pk, now), "authorization_retries")


def _milestone(booking: Booking, kind: str, now: datetime) -> bool:
    """Insert the one-off marker; False when another worker already did."""
    try:
        with transaction.atomic():
            BookingMilestone.objects.create(booking=booking, kind=kind, for_start=booking.starts_at, at=now)
    except IntegrityError:
        return False
    return True


def _sent(kind: str) -> Exists:
    return Exists(BookingMilestone.objects.filter(booking=OuterRef("pk"), kind=kind, for_start=OuterRef("starts_at")))


def sweep_final_warnings(*, now: datetime) -> int:
    """13 h before the start, one last email to a student whose card still fails."""
    clock = money_clock()
    due = (
        Booking.objects.filter(
            status=BookingStatus.CONFIRMED, payment_status=PaymentStatus.PAYMENT_METHOD_REQUIRED,
            starts_at__lte=now + clock.final_warning_before, starts_at__gt=now + clock.auth_cancel_before,
        )
        .exclude(_money_in_flight())
        .exclude(_sent("final_warning"))
    )  # fmt: skip
    sent = 0
    with transaction.atomic():
        for booking in _locked_batch(due):
            if _milestone(booking, "final_warning", now):
                notices.final_warning(booking, deadline=booking.starts_at - clock.auth_cancel_before, now=now)
                sent += 1
    return sent


def _cancel_unpaid(booking: Booking, *, to: str, reason: str, settlement_reason: str, now: datetime) -> Settlement:
    booking_status_change(booking=booking, to=to, actor=None, now=now, reason=reason)
    transaction.on_commit(search_generation_bump)  # the time is open again
    waitlist_check_after_commit(instructor_id=booking.instructor_id)
    cancelled = "unpaid" if to == BookingStatus.CANCELLED else "payment_expired"
    transaction.on_commit(BOOKINGS_CANCELLED.labels(reason=cancelled).inc)
    return settlement_decide(
        booking=booking, reason=settlement_reason, outcome=released_outcome(booking_money(booking)), now=now
    )


def _run_all(settlements: list[Settlement], now: datetime) -> None:
    _each([s.pk for s in settlements], lambda pk: settlement_run(settlement_id=pk, now=now), "settlements")


def sweep_unpaid_cancellations(*, now: datetime) -> int:
    """12 h before the start, cancel a lesson whose card never authorized: no cost to the
    student (reserved credits come back), both sides told."""
    clock = money_clock()
    due = Booking.objects.filter(
        status=BookingStatus.CONFIRMED, payment_status=PaymentStatus.PAYMENT_METHOD_REQUIRED,
        starts_at__lte=now + clock.auth_cancel_before, starts_at__gt=now,
    ).exclude(_money_in_flight())  # fmt: skip
    with transaction.atomic():
        settlements = []
        for booking in _locked_batch(due):
            settlement = _cancel_unpaid(
                booking, to=BookingStatus.CANCELLED, reason="no card could be authorized",
                settlement_reason=SettlementReason.UNPAID_CANCELLATION, now=now,
            )  # fmt: skip
            settlements.append(settlement)
            notices.auto_cancelled(booking, now=now)
    _run_all(settlements, now)
    return len(settlements)


def sweep_unpaid_started_lessons(*, now: datetime) -> int:
    """A lesson that started with no hold on the card (its cancellation moment was missed,
    or the catch-up authorization was declined) may well have taken place: neither
    cancelled nor completed unpaid, it goes to manual review and staff are alerted."""
    due = Booking.objects.filter(
        status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED],
        payment_status=PaymentStatus.PAYMENT_METHOD_REQUIRED, starts_at__lte=now,
    ).exclude(_money_in_flight())  # fmt: skip
    with transaction.atomic():
        batch = _locked_batch(due)
        for booking in batch:
            payment_status_change(
                booking=booking, to=PaymentStatus.MANUAL_REVIEW, actor=None, now=now,
                reason="the lesson started without an authorized card",
            )  # fmt: skip
            notices.unpaid_lesson_review(booking, now=now)
    return len(batch)


def sweep_pending_expiry(*, now: datetime) -> int:
    """A booking made < 24 h ahead whose card never authorized is released after 30 min."""
    clock = money_clock()
    due = Booking.objects.filter(status=BookingStatus.PENDING, booked_at__lte=now - clock.pending_ttl)
    with transaction.atomic():
        settlements = []
        for booking in _locked_batch(due):
            settlement = _cancel_unpaid(
                booking, to=BookingStatus.PAYMENT_FAILED, reason="not paid within the time limit",
                settlement_reason=SettlementReason.PAYMENT_EXPIRED, now=now,
            )  # fmt: skip
            settlements.append(settlement)
            notices.payment_expired(booking, now=now)
    _run_all(settlements, now)
    return len(settlements)


# --- around the lesson --------------------------------------------------------------------


def _hours_label(ahead: timedelta) -> str:
    minutes = int(ahead.total_seconds()) // 60
    if minutes % 60:
        return f"in {minutes} minutes"
    hours = minutes // 60
    return "in 1 hour" if hours == 1 else f"in {hours} hours"


def sweep_reminders(*, now: datetime) -> int:
    """Reminders 24 h and 1 h before, to both sides, once each per start time; a lesson
    booked inside a reminder's window doesn't get that reminder."""
    clock = money_clock()
    sent = 0
    plans = [
        ("reminder_first", clock.first_reminder, clock.second_reminder),
        ("reminder_second", clock.second_reminder, None),
    ]
    for kind, ahead, next_ahead in plans:
        due = Booking.objects.filter(
            status=BookingStatus.CONFIRMED, starts_at__gt=now + (next_ahead or timedelta(0)),
            starts_at__lte=now + ahead, booked_at__lte=F("starts_at") - ahead,
        ).exclude(_sent(kind))  # fmt: skip
        with transaction.atomic():
            for booking in _locked_batch(due):
                if _milestone(booking, kind, now):
                    notices.reminder(booking, label=_hours_label(ahead), now=now)
                    sent += 1
    return sent


def sweep_completions(*, now: datetime) -> int:
    """Lessons not marked complete are completed at end + 24 h (a reported no-show has moved
    the booking out of `confirmed`)."""
    clock = money_clock()
    due = Booking.objects.filter(status=BookingStatus.CONFIRMED, ends_at__lte=now - clock.capture_after)
    with transaction.atomic():
        batch = _locked_batch(due)
        return _each(
            [b.pk for b in batch], lambda pk: booking_complete(actor=None, booking_id=pk, now=now), "completions"
        )


def sweep_no_show_resolutions(*, now: datetime) -> int:
    """Undisputed no-show reports stand once their dispute window is over."""
    due = NoShowReport.objects.filter(status=NoShowStatus.OPEN, dispute_until__lte=now)
    ids = list(due.order_by("dispute_until", "id").values_list("booking_id", flat=True)[:SWEEP_BATCH])
    return _each(
        ids, lambda pk: no_show_resolve(actor=None, booking_id=pk, upheld=True, now=now), "no_show_resolutions"
    )


def _decide_capture(booking: Booking, now: datetime) -> Settlement | None:
    try:
        with transaction.atomic():
            outcome = completion_outcome(booking_money(booking))
            return settlement_decide(booking=booking, reason=SettlementReason.COMPLETION, outcome=outcome, now=now)
    except IntegrityError:  # another worker decided it first
        return None


def sweep_captures(*, now: datetime) -> int:
    """Charge completed lessons at end + 24 h (the dispute window) and credit the
    instructor; payments in manual review are skipped."""
    clock = money_clock()
    decided = Settlement.objects.filter(booking=OuterRef("pk"), reason=SettlementReason.COMPLETION)
    due = Booking.objects.filter(
        status=BookingStatus.COMPLETED, payment_status__in=[PaymentStatus.AUTHORIZED, PaymentStatus.LOCKED],
        ends_at__lte=now - clock.capture_after,
    ).exclude(Exists(decided))  # fmt: skip
    with transaction.atomic():
        settlements = [s for s in (_decide_capture(b, now) for b in _locked_batch(due)) if s is not None]
    _run_all(settlements, now)
    return len(settlements)


def sweep_settlements(*, now: datetime) -> int:
    """Finish settlements a crashed worker left pending and retry failed charges (every 4 h,
    or at once when the student fixed the card); escalation happens inside the run."""
    ids = settlement_due_ids(now=now, limit=SWEEP_BATCH)
    return _each(ids, lambda pk: settlement_run(settlement_id=pk, now=now), "settlements")


# Run in this order by the periodic task: within one tick, a lesson is completed before it is
# charged, and a charge is recorded before the payout batch looks for earnings.
SWEEPS: dict[str, Callable[..., int]] = {
    # Weekly series book their next weeks first, so a week booked late (< 24 h away, after
    # an outage) is authorized in this same run like any booking.
    "series": series_sweep,
    # Ending a series whose process died before all its future lessons were cancelled.
    "series_end": series_end_finish,
    "pending_expiry": sweep_pending_expiry,
    "authorizations": sweep_authorizations,
    "authorization_retries": sweep_authorization_retries,
    "final_warnings": sweep_final_warnings,
    "unpaid_cancellations": sweep_unpaid_cancellations,
    "unpaid_started_lessons": sweep_unpaid_started_lessons,
    "reminders": sweep_reminders,
    "completions": sweep_completions,
    "no_show_resolutions": sweep_no_show_resolutions,
    "captures": sweep_captures,
    "settlements": sweep_settlements,
    "orphan_holds": sweep_orphan_holds,
    "credit_expiry": sweep_credit_expiry,
    # After the credit expiry (a reward's credit expired this tick shows as expired) and
    # before the payouts (an instructor's reward unlocked this tick is in this batch).
    "referral_rewards": sweep_referral_rewards,
    "payouts": sweep_payouts,
}


def money_sweeps_run(*, now: datetime) -> dict[str, int]:
    """Every sweep in order. One failing sweep does not stop the others; the first failure
    is re-raised afterwards so the job shows up as failed."""
    done: dict[str, int] = {}
    failure: Exception | None = None
    for name, sweep in SWEEPS.items():
        started = time.perf_counter()
        try:
            done[name] = sweep(now=now)
        except Exception as exc:
            logger.exception("money sweep %s failed", name)
            failure = failure or exc
            SWEEP_RUNS.labels(sweep=name, outcome="failed").inc()
        else:
            SWEEP_RUNS.labels(sweep=name, outcome="succeeded").inc()
            SWEEP_LAST_SUCCESS.labels(sweep=name).set(time.time())
        SWEEP_DURATION.labels(sweep=name).observe(time.perf_counter() - started)
    MANUAL_REVIEW_BACKLOG.set(Booking.objects.filter(payment_status=PaymentStatus.MANUAL_REVIEW).count())
    if failure is not None:
        raise failure
    return done
