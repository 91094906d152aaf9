"""Applying a booking's decided money outcome exactly once (ARCHITECTURE rules 3, 5, 7, 8, 9).

A policy or sweep *decides* an outcome in its own transaction (a `Settlement` row written
with the status change, the booking row locked). Then `settlement_run`:

1. claims the row by compare-and-set on a lease (`claimed_until`), so one worker at a time;
2. calls the provider outside any row lock, with idempotency keys derived from the row and
   its attempt number, so a retry after a crash repeats the same call and moves no money twice;
3. locks the booking, then the settlement, re-checks it is still open, and in one transaction
   writes the payment status change, the ledger rows (credits, instructor earning, each
   unique per settlement in the database) and an event; notifications go after commit.

A failed charge is retried every 4 h (re-authorizing on the booking's current card); after
72 h the payment goes to manual review, the student's account is locked and staff are told.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from apps.bookings import notices
from apps.bookings.holds import booking_live_hold, hold_release_replaced
from apps.bookings.models import Booking, Settlement
from apps.bookings.schedule import capture_retry_at, money_clock
from apps.bookings.states import (
    PaymentStatus,
    SettlementReason,
    SettlementStatus,
    settlement_can_transition,
)
from apps.bookings.transitions import booking_event_add, payment_status_change
from apps.core.errors import Conflict
from apps.core.metrics import PAYMENT_OPERATIONS
from apps.payments.credits import credit_grant, credits_return
from apps.payments.gateway import Authorization, PaymentGateway, get_gateway
from apps.payments.locks import student_lock_add
from apps.payments.payouts import EARNING_KIND_BY_REASON, earning_add, earning_clawback, earning_paid_payout
from apps.payments.pricing import BookingMoney, MoneyOutcome
from apps.referrals.services import referral_booking_refunded, referral_lesson_charged

logger = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=10)  # longer than any provider call; a dead worker's claim lapses


def booking_money(booking: Booking) -> BookingMoney:
    """The booking's price snapshot and where its card payment stands, for pricing.py."""
    held = (
        bool(booking.payment_intent_id)
        and booking.captured_at is None
        and booking.payment_status in {PaymentStatus.AUTHORIZED, PaymentStatus.MANUAL_REVIEW}
    )
    return BookingMoney(
        lesson_price_cents=booking.lesson_price_cents, booking_fee_cents=booking.booking_fee_cents,
        credits_applied_cents=booking.credits_applied_cents, total_cents=booking.total_cents,
        instructor_net_cents=booking.instructor_net_cents, held=held, captured=booking.captured_at is not None,
    )  # fmt: skip


def payment_target(outcome: MoneyOutcome) -> PaymentStatus:
    if outcome.student_charge_cents:
        return PaymentStatus.CAPTURED
    if outcome.refund_cents:
        return PaymentStatus.REFUNDED
    return PaymentStatus.SETTLED


def settlement_decide(*, booking: Booking, reason: str, outcome: MoneyOutcome, now: datetime) -> Settlement:
    """Record a decided outcome (call inside the deciding transaction, booking locked)."""
    return Settlement.objects.create(
        booking=booking, reason=reason, payment_to=payment_target(outcome), created_at=now,
        student_charge_cents=outcome.student_charge_cents, capture_cents=outcome.capture_cents,
        release_hold=outcome.release_hold, refund_cents=outcome.refund_cents, credit_cents=outcome.credit_cents,
        credits_returned_cents=outcome.credits_returned_cents, instructor_cents=outcome.instructor_cents,
        platform_cents=outcome.platform_cents,
    )  # fmt: skip


def settlement_decide_lock(*, booking: Booking, now: datetime) -> Settlement:
    """A late reschedule: capture the total now and lock it. Who ends up with the money is
    decided later (completion, cancellation or no-show), so no ledger rows here."""
    return Settlement.objects.create(
        booking=booking, reason=SettlementReason.LATE_RESCHEDULE, payment_to=PaymentStatus.LOCKED,
        capture_cents=booking.total_cents, created_at=now,
    )  # fmt: skip


@dataclass(frozen=True)
class ProviderResult:
    ok: bool
    failure_code: str = ""
    captured: bool = False
    authorization: Authorization | None = None  # a fresh hold that replaced an expired or failed one
    reversed_payout_id: int | None = None  # the paid payout whose transfer a claw-back reversed


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


def _due(now: datetime) -> Q:
    """Open settlements to run now: pending ones (decided, or left by a crash), retries whose
    time has come, and retries whose student just fixed the card (authorized again)."""
    return (
        Q(status=SettlementStatus.PENDING)
        | Q(status=SettlementStatus.RETRYING, next_attempt_at__lte=now)
        | Q(status=SettlementStatus.RETRYING, booking__payment_status=PaymentStatus.AUTHORIZED)
    )


def _claim(settlement_id: int, now: datetime) -> bool:
    """Lease the settlement if it is due now, judged under its row lock on its current
    state: a worker running from a stale list (another worker has just tried, failed and
    scheduled the retry hours ahead) must not make an attempt at once."""
    with transaction.atomic():
        if not Settlement.objects.select_for_update().filter(pk=settlement_id).exists():
            return False
        # A new statement after the lock: it reads the committed state of the locked row.
        claimed = Settlement.objects.filter(_unclaimed(now), _due(now), pk=settlement_id).exists()
        if claimed:
            Settlement.objects.filter(pk=settlement_id).update(claimed_until=now + CLAIM_LEASE)
    return claimed


def _live_hold(booking: Booking, now: datetime) -> bool:
    """A hold this settlement may capture (a failed charge leaves its hold, but no use)."""
    usable = booking.payment_status in {PaymentStatus.AUTHORIZED, PaymentStatus.MANUAL_REVIEW}
    return usable and bool(booking_live_hold(booking, now))


def _capture(gateway: PaymentGateway, settlement: Settlement, booking: Booking, now: datetime) -> ProviderResult:
    """Capture the live hold; when it expired (or an earlier charge failed), authorize the
    booking's current card first. A fresh hold whose capture fails is released so retries
    never stack holds on the student's card. Each path has its own keys, so a rerun after a
    crash can only repeat the very call it made before."""
    key = f"settlement:{settlement.pk}:{settlement.attempts}"
    if _live_hold(booking, now):
        moved = gateway.capture(
            intent_id=booking.payment_intent_id, amount_cents=settlement.capture_cents,
            idempotency_key=f"{key}:capture-hold", now=now,
        )  # fmt: skip
        return ProviderResult(ok=moved.succeeded, failure_code=moved.failure_code, captured=moved.succeeded)
    if booking.payment_method is None:
        return ProviderResult(ok=False, failure_code="no_card")
    hold = gateway.authorize(
        customer_id=booking.student.payment_customer.provider_id, card_id=booking.payment_method.provider_id,
        amount_cents=settlement.capture_cents, idempotency_key=f"{key}:authorize", now=now,
    )  # fmt: skip
    if hold.status != "authorized":
        return ProviderResult(ok=False, failure_code=hold.decline_code or hold.status)
    moved = gateway.capture(
        intent_id=hold.intent_id, amount_cents=settlement.capture_cents, idempotency_key=f"{key}:capture-fresh", now=now
    )
    if not moved.succeeded:
        gateway.release(intent_id=hold.intent_id, idempotency_key=f"{key}:release-fresh", now=now)
        return ProviderResult(ok=False, failure_code=moved.failure_code)
    return ProviderResult(ok=True, captured=True, authorization=hold)


def _provider_step(settlement: Settlement, now: datetime) -> ProviderResult:
    booking = Booking.objects.select_related("payment_method", "student__payment_customer").get(
        pk=settlement.booking_id
    )
    gateway = get_gateway()
    if settlement.capture_cents:
        return _capture(gateway, settlement, booking, now)
    if settlement.refund_cents:
        moved = gateway.refund(
            intent_id=booking.payment_intent_id, amount_cents=settlement.refund_cents,
            idempotency_key=f"settlement:{settlement.pk}:{settlement.attempts}:refund", now=now,
        )  # fmt: skip
        if not moved.succeeded:
            return ProviderResult(ok=False, failure_code=moved.failure_code)
        return ProviderResult(ok=True, reversed_payout_id=_clawback_reverse(gateway, settlement, booking))
    if settlement.release_hold:
        moved = gateway.release(
            intent_id=booking.payment_intent_id, idempotency_key=f"settlement:{settlement.pk}:release", now=now
        )
        # A hold that is already gone (expired or voided) is as good as released.
        return ProviderResult(ok=True, failure_code=moved.failure_code)
    return ProviderResult(ok=True)


def _clawback_reverse(gateway: PaymentGateway, settlement: Settlement, booking: Booking) -> int | None:
    """When the earning a refund claws back was already transferred to the instructor,
    reverse that much of the transfer; the id of the payout reversed, or None (not paid yet,
    or the provider refused: the negative earning is then netted from the next payout)."""
    if not settlement.instructor_clawback_cents:
        return None
    payout = earning_paid_payout(booking=booking)
    if payout is None:
        return None
    moved = gateway.transfer_reverse(
        transfer_id=payout.transfer_id, amount_cents=settlement.instructor_clawback_cents,
        idempotency_key=f"settlement:{settlement.pk}:reverse",
    )  # fmt: skip
    if not moved.succeeded:
        logger.warning("settlement %s: transfer reversal refused (%s)", settlement.pk, moved.failure_code)
        return None
    return payout.pk


def settlement_run(*, settlement_id: int, now: datetime) -> Settlement | None:
    """Run one open settlement; None when another worker holds it or it is already done."""
    if not _claim(settlement_id, now):
        return None
    settlement = Settlement.objects.get(pk=settlement_id)
    try:
        result = _provider_step(settlement, now)
    except Exception:
        # Leave it claimed: the lease lapses and a later sweep retries with the same keys.
        logger.exception("settlement %s: provider step failed", settlement_id)
        raise
    settlement, replaced = _apply(settlement_id, result, now)
    if replaced and result.authorization is not None:
        # After the commit that recorded the new hold (a crash here leaves the old one to
        # the orphan-hold sweep).
        hold_release_replaced(old_intent_id=replaced, new_intent_id=result.authorization.intent_id, now=now)
    return settlement


def _set_status(settlement: Settlement, to: SettlementStatus) -> None:
    if not settlement_can_transition(settlement.status, to):
        raise Conflict(f"A {settlement.status} settlement cannot become {to}.")
    settlement.status = to


def _apply(settlement_id: int, result: ProviderResult, now: datetime) -> tuple[Settlement, str]:
    """Record the provider's answer; also returns the hold a fresh authorization replaced."""
    booking_id = Settlement.objects.values_list("booking_id", flat=True).get(pk=settlement_id)
    with transaction.atomic():
        # Lock order everywhere: the booking, then its settlement.
        booking = Booking.objects.select_for_update().select_related("instructor__user", "student").get(pk=booking_id)
        settlement = Settlement.objects.select_for_update().get(pk=settlement_id)
        if settlement.status not in {SettlementStatus.PENDING, SettlementStatus.RETRYING}:
            return settlement, ""  # another worker applied it
        _count(settlement, result)
        if not result.ok:
            _fail(settlement, booking, result.failure_code, now)
            return settlement, ""
        replaced = booking_live_hold(booking, now) if result.authorization else ""
        _settle(settlement, booking, result, now)
        return settlement, replaced


def _count(settlement: Settlement, result: ProviderResult) -> None:
    operation = "capture" if settlement.capture_cents else "refund" if settlement.refund_cents else "release"
    if operation != "release" or settlement.release_hold:
        PAYMENT_OPERATIONS.labels(operation=operation, outcome="succeeded" if result.ok else "failed").inc()


def _settle(settlement: Settlement, booking: Booking, result: ProviderResult, now: datetime) -> None:
    fields: list[str] = []
    if result.authorization is not None:
        booking.payment_intent_id, booking.authorized_at = result.authorization.intent_id, now
        booking.authorization_expires_at = result.authorization.expires_at
        fields += ["payment_intent_id", "authorized_at", "authorization_expires_at"]
    if result.captured:
        booking.captured_at = now
        fields.append("captured_at")
    moved = settlement.capture_cents or settlement.refund_cents or None
    if booking.payment_status != settlement.payment_to:
        payment_status_change(
            booking=booking, to=settlement.payment_to, actor=None, now=now, amount_cents=moved,
            reason=notices.settlement_sentence(settlement), extra_fields=tuple(fields),
        )  # fmt: skip
    elif fields:
        booking.save(update_fields=[*fields, "updated_at"])
    _ledger(settlement, booking, result, now)
    _set_status(settlement, SettlementStatus.DONE)
    settlement.settled_at, settlement.claimed_until, settlement.failure_code = now, None, ""
    settlement.save(update_fields=["status", "settled_at", "claimed_until", "failure_code"])
    if settlement.reason == SettlementReason.COMPLETION:
        notices.charged(booking, settlement, now)
        referral_lesson_charged(booking=booking, now=now)  # a first lesson rewards its referrals
    if settlement.refund_cents:
        referral_booking_refunded(booking=booking, now=now)  # rewards it earned are void


def _ledger(settlement: Settlement, booking: Booking, result: ProviderResult, now: datetime) -> None:
    if settlement.credits_returned_cents:
        credits_return(booking=booking, now=now)
    if settlement.credit_cents:
        credit_grant(
            user=booking.student, amount_cents=settlement.credit_cents, now=now, settlement=settlement,
            booking=booking, reason=f"{settlement.get_reason_display()}: {booking.service_name}",
        )  # fmt: skip
    if settlement.instructor_cents:
        earning_add(
            settlement=settlement, booking=booking, amount_cents=settlement.instructor_cents, now=now,
            kind=EARNING_KIND_BY_REASON[settlement.reason],
        )  # fmt: skip
    if settlement.instructor_clawback_cents:
        earning_clawback(
            settlement=settlement, booking=booking, amount_cents=settlement.instructor_clawback_cents,
            payout_id=result.reversed_payout_id, now=now,
        )  # fmt: skip
    booking_event_add(
        booking=booking, kind="money", actor=None, now=now, reason=notices.settlement_sentence(settlement),
        amount_cents=settlement.student_charge_cents or settlement.refund_cents or settlement.capture_cents,
    )  # fmt: skip


def _fail(settlement: Settlement, booking: Booking, code: str, now: datetime) -> None:
    clock = money_clock()
    first_failure = settlement.first_failed_at is None
    settlement.attempts += 1
    settlement.first_failed_at = settlement.first_failed_at or now
    settlement.failure_code, settlement.claimed_until = code, None
    if settlement.capture_cents and booking.payment_status != PaymentStatus.PAYMENT_METHOD_REQUIRED:
        payment_status_change(
            booking=booking, to=PaymentStatus.PAYMENT_METHOD_REQUIRED, actor=None, now=now,
            reason=f"charge failed: {code}",
        )  # fmt: skip
    else:
        booking_event_add(
            booking=booking, kind="payment", actor=None, now=now, reason=f"{settlement.reason} failed: {code}"
        )
    if now - settlement.first_failed_at >= clock.capture_escalate:
        _escalate(settlement, booking, now)
    else:
        _set_status(settlement, SettlementStatus.RETRYING)
        settlement.next_attempt_at = capture_retry_at(clock, first_failed_at=settlement.first_failed_at, now=now)
        if first_failure and settlement.capture_cents:
            notices.capture_failed(booking, settlement, now)
    settlement.save(
        update_fields=["status", "attempts", "first_failed_at", "failure_code", "claimed_until", "next_attempt_at"]
    )


def _escalate(settlement: Settlement, booking: Booking, now: datetime) -> None:
    """Still failing after the escalation delay: manual review; an unpaid charge locks the
    student's account; staff are alerted."""
    _set_status(settlement, SettlementStatus.REVIEW)
    settlement.next_attempt_at = None
    if booking.payment_status != PaymentStatus.MANUAL_REVIEW:
        payment_status_change(
            booking=booking, to=PaymentStatus.MANUAL_REVIEW, actor=None, now=now,
            reason=f"{settlement.get_reason_display()}: still failing after {settlement.attempts} attempts",
        )  # fmt: skip
    if settlement.capture_cents:
        student_lock_add(booking=booking, reason=f"Unpaid lesson {booking.public_id}", now=now)
    notices.payment_review(booking, settlement, now)


def settlement_due_ids(*, now: datetime, limit: int) -> list[int]:
    """Due settlements nobody holds (see `_due`). The list may be stale by the time a worker
    gets to an id; `settlement_run` judges due-ness again when it claims the row."""
    due = Settlement.objects.filter(_unclaimed(now), _due(now))
    return list(due.order_by("created_at", "id").values_list("pk", flat=True)[:limit])


def settlement_open(booking: Booking) -> bool:
    return booking.settlements.exclude(status=SettlementStatus.DONE).exists()
