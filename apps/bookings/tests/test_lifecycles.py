"""Whole lifecycles on a simulated clock: every sweep runs each hour (in the order the
periodic task runs them) and we record when each state was first seen. Each ends with the
money invariants (apps/bookings/tests/invariants.py): one referenced hold per live hold at
the gateway, and no settlement attempted before it was due.

Each lifecycle runs twice: with the built-in LocalGateway and with StripeGateway against
localstripe (the `bank` fixture); the provider's records are read through the same Bank."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest

from apps.audit.models import AuditEntry
from apps.bookings.models import Booking, Settlement
from apps.bookings.policies import booking_complete
from apps.bookings.refunds import booking_refund
from apps.bookings.sweeps import money_sweeps_run
from apps.bookings.tests.bank import Bank, LocalBank, StripeBank
from apps.bookings.tests.conftest import NOW, local, open_days
from apps.bookings.tests.invariants import assert_money_invariants
from apps.bookings.tests.money import NET, TOTAL, book, credit_rows, earnings
from apps.core.errors import Conflict, PermissionDenied
from apps.notifications.models import Notification
from apps.payments.models import Earning, Payout, StudentLock

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture(params=["local", "stripe"])
def bank(request: pytest.FixtureRequest) -> Bank:
    return StripeBank(request.getfixturevalue("localstripe")) if request.param == "stripe" else LocalBank()


def run_clock(booking: Booking, start: datetime, stop: datetime, *, each_hour=None) -> dict[tuple[str, str], datetime]:
    """Tick every hour from `start` to `stop` inclusive; when each (status, payment status)
    of the booking was first seen."""
    seen: dict[tuple[str, str], datetime] = {}
    now = start
    while now <= stop:
        if each_hour is not None:
            each_hour(now)
        money_sweeps_run(now=now)
        booking.refresh_from_db()
        seen.setdefault((booking.status, booking.payment_status), now)
        now += HOUR
    assert_money_invariants(now=stop)
    return seen


def sent(kind: str) -> list[datetime]:
    return list(
        Notification.objects.filter(kind=kind, user__is_staff=False).order_by("id").values_list("created_at", flat=True)
    )


@pytest.fixture(autouse=True)
def _no_swallowed_errors(caplog):
    """Sweeps log and skip a failing row; in these tests no row may fail."""
    yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_booked_10_days_ahead_authorized_completed_captured_and_paid_out(scene, student, bank) -> None:
    start = local(date(2026, 12, 11), 10)  # Fri 11 Dec, 10:00 in New York
    open_days(scene.profile, date(2026, 12, 11), 1)
    booking = book(scene, student, start=start)
    end = start + HOUR
    payout_day = local(date(2026, 12, 14), 0)  # Mon 14 Dec, midnight in New York
    seen = run_clock(booking, NOW, payout_day + HOUR)
    assert seen == {
        ("confirmed", "scheduled"): NOW,
        ("confirmed", "authorized"): start - 24 * HOUR,
        ("completed", "captured"): end + 24 * HOUR,  # completed and charged in the same run
    }
    assert bank.intents() == [(TOTAL, "captured")]
    assert bank.operations() == [("capture", TOTAL, True)]
    assert earnings() == [("lesson", NET)]
    payout = Payout.objects.get()
    assert (payout.kind, payout.status, payout.amount_cents, payout.paid_at) == ("weekly", "paid", NET, payout_day)
    assert bank.transfers() == [NET]
    assert sent("reminder") == [start - 24 * HOUR] * 2 + [start - HOUR] * 2
    assert sent("booking_completed") == [end + 24 * HOUR] * 2  # the receipt and "you earned"
    assert sent("payout_sent") == [payout_day]


def test_a_staff_refund_after_the_payout_reverses_the_instructors_transfer(scene, student, staff, bank) -> None:
    start = local(date(2026, 12, 11), 10)
    open_days(scene.profile, date(2026, 12, 11), 1)
    booking = book(scene, student, start=start)
    payout_day = local(date(2026, 12, 14), 0)
    run_clock(booking, NOW, payout_day + HOUR)
    payout = Payout.objects.get(status="paid")

    refund_at = payout_day + 2 * HOUR
    settlement = booking_refund(
        actor=staff, booking_id=booking.pk, amount_cents=None, reason="Bad lesson", now=refund_at
    )
    assert (settlement.status, settlement.refund_cents, settlement.instructor_clawback_cents) == ("done", TOTAL, NET)
    assert bank.operations() == [("capture", TOTAL, True), ("refund", TOTAL, True)]
    assert bank.transfers() == [NET]
    assert bank.reversals() == [NET]
    # Append-only: the lesson's earning stays, a negative row takes it back, settled by the reversal.
    assert list(Earning.objects.order_by("id").values_list("kind", "amount_cents", "payout")) == [
        ("lesson", NET, payout.pk), ("clawback", -NET, payout.pk),
    ]  # fmt: skip
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.after["instructor_clawback_cents"]) == ("booking.refund", staff, NET)

    # Nothing is left to pay next week, and a second refund is refused without moving money.
    run_clock(booking, refund_at, payout_day + 7 * 24 * HOUR + HOUR)
    assert Payout.objects.count() == 1
    with pytest.raises(Conflict):
        booking_refund(actor=staff, booking_id=booking.pk, amount_cents=100, reason="Again", now=refund_at)
    assert (bank.reversals(), AuditEntry.objects.count()) == ([NET], 1)


def test_a_partial_staff_refund_before_the_payout_is_netted_from_it(scene, student, staff, bank) -> None:
    start = local(date(2026, 12, 11), 10)
    open_days(scene.profile, date(2026, 12, 11), 1)
    booking = book(scene, student, start=start)
    charged_at = start + 25 * HOUR
    run_clock(booking, NOW, charged_at)
    settlement = booking_refund(actor=staff, booking_id=booking.pk, amount_cents=2000, reason="Late", now=charged_at)
    share = 1518  # 7650 × 2000 / 10080 = 1517.86, rounded half up
    assert (settlement.status, settlement.instructor_clawback_cents) == ("done", share)
    assert earnings() == [("lesson", NET), ("clawback", -share)]

    payout_day = local(date(2026, 12, 14), 0)
    run_clock(booking, charged_at + HOUR, payout_day + HOUR)
    payout = Payout.objects.get()
    assert (payout.status, payout.amount_cents) == ("paid", NET - share)
    assert bank.transfers() == [NET - share]
    assert bank.reversals() == []
    assert bank.operations() == [("capture", TOTAL, True), ("refund", 2000, True)]


def test_declined_at_24_hours_then_authorized_on_the_first_retry(scene, student, bank) -> None:
    start = local(date(2026, 12, 4), 10)
    card = bank.card(student, "declined")
    booking = book(scene, student, start=start, card=card)

    def funds_arrive(now: datetime) -> None:
        if now == start - 23 * HOUR:  # the bank now approves; the retry due at T−23 h succeeds
            bank.approve(card)

    seen = run_clock(booking, start - 26 * HOUR, start + 26 * HOUR, each_hour=funds_arrive)
    assert seen == {
        ("confirmed", "scheduled"): start - 26 * HOUR,
        ("confirmed", "payment_method_required"): start - 24 * HOUR,
        ("confirmed", "authorized"): start - 23 * HOUR,
        ("completed", "captured"): start + 25 * HOUR,
    }
    assert bank.intents() == [(TOTAL, "declined"), (TOTAL, "captured")]
    assert bank.operations() == [("capture", TOTAL, True)]
    assert sent("authorization_failed") == [start - 24 * HOUR]
    assert sent("authorization_fixed") == [start - 23 * HOUR]
    assert earnings() == [("lesson", NET)]


def test_declined_until_12_hours_before_is_cancelled_at_no_cost(scene, student, bank) -> None:
    start = local(date(2026, 12, 4), 10)
    card = bank.card(student, "declined")
    booking = book(scene, student, start=start, card=card)
    seen = run_clock(booking, start - 26 * HOUR, start + 2 * HOUR)
    assert seen == {
        ("confirmed", "scheduled"): start - 26 * HOUR,
        ("confirmed", "payment_method_required"): start - 24 * HOUR,
        ("cancelled", "settled"): start - 12 * HOUR,
    }
    # Attempts at T−24 h, then 1 h and 4 h after the first failure (the next, 8 h later, is T−12 h).
    assert sent("authorization_failed") == [start - 24 * HOUR, start - 23 * HOUR, start - 20 * HOUR]
    assert bank.intents() == [(TOTAL, "declined")] * 3
    assert sent("authorization_final_warning") == [start - 13 * HOUR]
    assert sent("booking_auto_cancelled") == [start - 12 * HOUR] * 2  # student and instructor
    assert (bank.operations(), credit_rows(student), earnings()) == ([], [], [])
    assert Settlement.objects.get().reason == "unpaid_cancellation"


def test_capture_failure_retried_every_4_hours_then_escalated_at_72_hours(scene, student, staff, bank) -> None:
    start = local(date(2026, 12, 4), 10)
    end = start + HOUR
    card = bank.card(student, "capture_fails")
    booking = book(scene, student, start=start, card=card)
    first_failure = end + 24 * HOUR
    seen = run_clock(booking, start - 25 * HOUR, first_failure + 74 * HOUR)
    assert seen == {
        ("confirmed", "scheduled"): start - 25 * HOUR,
        ("confirmed", "authorized"): start - 24 * HOUR,
        ("completed", "payment_method_required"): first_failure,
        ("completed", "manual_review"): first_failure + 72 * HOUR,
    }
    captures = [op for op in bank.operations() if op[0] == "capture"]
    # The first attempt, then one every 4 h up to and including the 72nd hour: 19 attempts.
    assert captures == [("capture", TOTAL, False)] * 19
    assert [op for op in bank.operations() if op[0] == "release"] == [("release", 0, True)] * 18  # no stacked holds
    settlement = Settlement.objects.get()
    assert (settlement.status, settlement.attempts, settlement.first_failed_at) == ("review", 19, first_failure)
    assert sent("capture_failed") == [first_failure]
    assert sent("payment_review") == [first_failure + 72 * HOUR]
    alerts = Notification.objects.filter(user=staff, kind="staff_alert")
    assert [n.created_at for n in alerts] == [first_failure + 72 * HOUR]
    assert StudentLock.objects.filter(user=student, released_at__isnull=True).count() == 1
    assert earnings() == []
    with pytest.raises(PermissionDenied, match="on hold"):
        book(scene, student, start=local(date(2026, 12, 9), 10), now=first_failure + 73 * HOUR)


# --- the scheduler down across a money moment (nothing is completed unpaid) ----------------


def test_scheduler_down_across_the_24_hour_moment_authorizes_on_restart(scene, student, bank) -> None:
    start = local(date(2026, 12, 4), 10)
    end = start + HOUR
    booking = book(scene, student, start=start)
    before = run_clock(booking, start - 30 * HOUR, start - 26 * HOUR)
    restart = start - 3 * HOUR  # down from T−26 h to T−3 h: the T−24 h run never happened
    after = run_clock(booking, restart, end + 25 * HOUR)
    assert (before, after) == (
        {("confirmed", "scheduled"): start - 30 * HOUR},
        {("confirmed", "authorized"): restart, ("completed", "captured"): end + 24 * HOUR},
    )
    assert bank.intents() == [(TOTAL, "captured")]
    assert earnings() == [("lesson", NET)]


def test_scheduler_down_until_after_the_lesson_charges_it_on_restart(scene, student, staff, bank) -> None:
    start = local(date(2026, 12, 4), 10)
    end = start + HOUR
    booking = book(scene, student, start=start)
    run_clock(booking, start - 30 * HOUR, start - 26 * HOUR)
    restart = end + 30 * HOUR  # down across authorization, the lesson and its completion
    after = run_clock(booking, restart, restart + 2 * HOUR)
    # One run catches up: authorized, completed and charged.
    assert after == {("completed", "captured"): restart}
    assert bank.intents() == [(TOTAL, "captured")]
    assert bank.operations() == [("capture", TOTAL, True)]
    assert earnings() == [("lesson", NET)]
    assert not Notification.objects.filter(user=staff, kind="staff_alert").exists()


def test_a_lesson_marked_complete_while_the_scheduler_was_down_is_still_charged(scene, student, bank) -> None:
    start = local(date(2026, 12, 4), 10)
    end = start + HOUR
    booking = book(scene, student, start=start)
    run_clock(booking, start - 30 * HOUR, start - 26 * HOUR)
    booking_complete(actor=scene.profile.user, booking_id=booking.pk, now=end + HOUR)
    after = run_clock(booking, end + 2 * HOUR, end + 25 * HOUR)
    assert after == {("completed", "authorized"): end + 2 * HOUR, ("completed", "captured"): end + 24 * HOUR}
    assert earnings() == [("lesson", NET)]


def test_a_declined_card_found_after_the_lesson_started_goes_to_review_and_staff_are_told(
    scene, student, staff, bank
) -> None:
    start = local(date(2026, 12, 4), 10)
    end = start + HOUR
    booking = book(scene, student, start=start, card=bank.card(student, "declined"))
    run_clock(booking, start - 30 * HOUR, start - 26 * HOUR)
    restart = start + 2 * HOUR  # down across T−24 h and T−12 h (when it would have been cancelled)
    after = run_clock(booking, restart, end + 26 * HOUR)
    assert after == {("confirmed", "manual_review"): restart, ("completed", "manual_review"): end + 24 * HOUR}
    alerts = Notification.objects.filter(user=staff, kind="staff_alert")
    assert [(n.created_at, n.subject) for n in alerts] == [
        (restart, f"Lesson started unpaid: booking {booking.public_id}")
    ]
    # Neither cancelled for free nor charged behind staff's back: staff settle it.
    assert (bank.operations(), earnings(), Settlement.objects.count()) == ([], [], 0)
