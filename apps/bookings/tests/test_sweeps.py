"""Each sweep at its boundaries, and exactly once: run twice in a row, and by two workers at
the same time (two threads, separate database connections, committed data)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.db import connection

from apps.accounts.models import User
from apps.accounts.tests.factories import StaffFactory
from apps.bookings.holds import ORPHAN_AFTER, sweep_orphan_holds
from apps.bookings.models import Booking, BookingMilestone, OrphanHold, Settlement
from apps.bookings.policies import booking_complete, no_show_report
from apps.bookings.settlement import booking_money, settlement_decide
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.bookings.sweeps import (
    money_sweeps_run,
    sweep_authorization_retries,
    sweep_authorizations,
    sweep_captures,
    sweep_completions,
    sweep_final_warnings,
    sweep_no_show_resolutions,
    sweep_pending_expiry,
    sweep_reminders,
    sweep_settlements,
    sweep_unpaid_cancellations,
)
from apps.bookings.tests.conftest import NOW, THURSDAY, Scene, local
from apps.bookings.tests.money import (
    END,
    HOUR,
    NET,
    SECOND,
    START,
    TOTAL,
    authorize,
    book,
    credit_rows,
    earnings,
    intents,
    operations,
    statuses,
)
from apps.notifications.models import Notification
from apps.payments.credits import credit_grant, sweep_credit_expiry
from apps.payments.gateway import get_gateway
from apps.payments.models import LocalTransfer, PaymentMethod, Payout
from apps.payments.payouts import sweep_payouts
from apps.payments.pricing import completion_outcome
from apps.payments.services import payment_method_add

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def declined(student: User) -> PaymentMethod:
    return payment_method_add(actor=student, card_token="4000000000000002")


def kinds(kind: str) -> int:
    return Notification.objects.filter(kind=kind).count()


# --- authorization at T−24 h and its retries ----------------------------------------------


def test_authorization_happens_at_24_hours_before_the_start(scene, student) -> None:
    booking = book(scene, student)
    assert sweep_authorizations(now=START - DAY - SECOND) == 0
    assert statuses(booking) == (BookingStatus.CONFIRMED, PaymentStatus.SCHEDULED)
    assert sweep_authorizations(now=START - DAY) == 1
    assert statuses(booking) == (BookingStatus.CONFIRMED, PaymentStatus.AUTHORIZED)
    assert intents() == [(TOTAL, "authorized")]
    booking.refresh_from_db()
    assert (booking.claimed_until, booking.authorization_expires_at) == (None, START - DAY + timedelta(days=7))


def test_a_declined_authorization_is_retried_after_1_h_4_h_then_every_8_h_until_12_h(scene, student) -> None:
    booking = book(scene, student, card=declined(student))
    assert sweep_authorizations(now=START - DAY) == 1
    booking.refresh_from_db()
    assert (booking.payment_status, booking.payment_attempts) == (PaymentStatus.PAYMENT_METHOD_REQUIRED, 1)
    assert booking.payment_retry_at == START - 23 * HOUR
    assert sweep_authorization_retries(now=START - 23 * HOUR - SECOND) == 0
    assert sweep_authorization_retries(now=START - 23 * HOUR) == 1
    booking.refresh_from_db()
    assert booking.payment_retry_at == START - 20 * HOUR  # 4 h after the first failure
    assert sweep_authorization_retries(now=START - 20 * HOUR) == 1
    booking.refresh_from_db()
    assert booking.payment_retry_at == START - 12 * HOUR  # then every 8 h: here the cancellation time
    assert sweep_authorization_retries(now=START - 12 * HOUR) == 0
    assert intents() == [(TOTAL, "declined")] * 3
    assert kinds("authorization_failed") == 3  # an email with every failed attempt


def test_every_eight_hours_after_the_second_retry(scene, student) -> None:
    """A lesson booked further out with a longer lead (authorize_before = 48 h) shows the 8-h rhythm."""
    from apps.core.models import platform_config

    config = platform_config()
    config.authorize_before_hours = 48
    config.save()
    booking = book(scene, student, start=START + DAY, card=declined(student))
    first = START + DAY - 48 * HOUR
    sweep_authorizations(now=first)
    for retry_at in (first + HOUR, first + 4 * HOUR, first + 12 * HOUR, first + 20 * HOUR, first + 28 * HOUR):
        booking.refresh_from_db()
        assert booking.payment_retry_at == retry_at
        assert sweep_authorization_retries(now=retry_at) == 1


def test_a_fixed_card_stops_the_retries_and_tells_the_student(scene, student) -> None:
    from apps.bookings.services import booking_payment_method_change

    booking = book(scene, student, card=declined(student))
    sweep_authorizations(now=START - DAY)
    booking_payment_method_change(
        actor=student, booking_id=booking.pk, payment_method_id=scene.card.pk, now=START - 22 * HOUR
    )
    booking.refresh_from_db()
    assert (booking.payment_status, booking.payment_retry_at, booking.payment_attempts) == (
        PaymentStatus.AUTHORIZED,
        None,
        0,
    )
    assert kinds("authorization_fixed") == 1
    assert sweep_authorization_retries(now=START - 20 * HOUR) == 0


def test_final_warning_at_13_hours_and_cancellation_at_12_hours_at_no_cost(scene, student) -> None:
    credit_grant(user=student, amount_cents=1500, reason="goodwill", now=NOW)
    booking = book(scene, student, card=declined(student))
    sweep_authorizations(now=START - DAY)
    assert sweep_final_warnings(now=START - 13 * HOUR - SECOND) == 0
    assert sweep_final_warnings(now=START - 13 * HOUR) == 1
    assert sweep_final_warnings(now=START - 12 * HOUR - SECOND) == 0  # once
    assert kinds("authorization_final_warning") == 1
    assert sweep_unpaid_cancellations(now=START - 12 * HOUR - SECOND) == 0
    assert sweep_unpaid_cancellations(now=START - 12 * HOUR) == 1
    assert statuses(booking) == (BookingStatus.CANCELLED, PaymentStatus.SETTLED)
    assert operations() == []
    assert credit_rows(student) == [("grant", 1500), ("use", -1500), ("release", 1500)]
    told = set(Notification.objects.filter(kind="booking_auto_cancelled").values_list("user_id", flat=True))
    assert told == {student.pk, scene.profile.user_id}


def test_an_unpaid_pending_booking_is_released_after_30_minutes(scene, student, other_student) -> None:
    soon = local(THURSDAY - 2 * DAY, 15)  # same day: authorized at checkout, which fails
    booking = book(scene, student, start=soon, card=declined(student))
    assert statuses(booking) == (BookingStatus.PENDING, PaymentStatus.PAYMENT_METHOD_REQUIRED)
    assert sweep_pending_expiry(now=NOW + timedelta(minutes=30) - SECOND) == 0
    assert sweep_pending_expiry(now=NOW + timedelta(minutes=30)) == 1
    assert statuses(booking) == (BookingStatus.PAYMENT_FAILED, PaymentStatus.SETTLED)
    assert kinds("booking_payment_expired") == 1
    # The slot is free again.
    card = payment_method_add(actor=other_student, card_token="4242424242424242")
    other = book(scene, other_student, start=soon, card=card, now=NOW + timedelta(minutes=31))
    assert other.status == BookingStatus.CONFIRMED


# --- reminders, completion, capture -------------------------------------------------------


def test_reminders_24_hours_and_1_hour_before_to_both_sides_once(scene, student) -> None:
    booking = book(scene, student)
    assert sweep_reminders(now=START - DAY - SECOND) == 0
    assert sweep_reminders(now=START - DAY) == 1
    assert sweep_reminders(now=START - 2 * HOUR) == 0
    assert sweep_reminders(now=START - HOUR - SECOND) == 0
    assert sweep_reminders(now=START - HOUR) == 1
    assert sweep_reminders(now=START - SECOND) == 0
    subjects = list(Notification.objects.filter(kind="reminder").order_by("id").values_list("user_id", "subject"))
    instructor = scene.profile.user_id
    assert subjects == [
        (student.pk, "Reminder: Piano in 24 hours"), (instructor, "Reminder: Piano in 24 hours"),
        (student.pk, "Reminder: Piano in 1 hour"), (instructor, "Reminder: Piano in 1 hour"),
    ]  # fmt: skip
    assert BookingMilestone.objects.filter(booking=booking).count() == 2


def test_a_lesson_booked_inside_24_hours_gets_only_the_1_hour_reminder(scene, student) -> None:
    soon = local(THURSDAY - 2 * DAY, 15)
    book(scene, student, start=soon)
    assert sweep_reminders(now=NOW + SECOND) == 0
    assert sweep_reminders(now=soon - HOUR) == 1


def test_completion_and_capture_at_end_plus_24_hours(scene, student) -> None:
    booking = authorize(book(scene, student), now=START - DAY)
    assert sweep_completions(now=END + DAY - SECOND) == 0
    assert sweep_completions(now=END + DAY) == 1
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.AUTHORIZED)
    assert sweep_captures(now=END + DAY) == 1
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.CAPTURED)
    assert operations() == [("capture", TOTAL, True)]
    assert earnings() == [("lesson", NET)]


def test_capture_waits_for_end_plus_24_hours_even_when_marked_complete_early(scene, student) -> None:
    booking = authorize(book(scene, student), now=START - DAY)
    booking_complete(actor=scene.profile.user, booking_id=booking.pk, now=END + HOUR)
    assert sweep_captures(now=END + DAY - SECOND) == 0
    assert sweep_captures(now=END + DAY) == 1
    assert operations() == [("capture", TOTAL, True)]


def test_a_locked_lesson_that_takes_place_pays_the_instructor_without_charging_again(scene, student) -> None:
    from apps.bookings.policies import booking_reschedule

    booking = authorize(book(scene, student), now=START - DAY)
    later = START + DAY
    booking_reschedule(actor=student, booking_id=booking.pk, starts_at=later, now=START - 20 * HOUR)
    money_sweeps_run(now=later + HOUR + DAY)
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.CAPTURED)
    assert operations() == [("capture", TOTAL, True)]  # charged once, when the money was locked
    assert earnings() == [("lesson", NET)]


def test_an_expired_authorization_is_renewed_before_the_capture(scene, student) -> None:
    from apps.bookings.policies import booking_reschedule
    from apps.bookings.tests.conftest import open_days

    open_days(scene.profile, THURSDAY + timedelta(days=8), 1)
    booking = authorize(book(scene, student), now=NOW)  # hold placed Tue 1 Dec, lapses Tue 8 Dec
    later = START + timedelta(days=8)
    booking_reschedule(actor=student, booking_id=booking.pk, starts_at=later, now=NOW + HOUR)
    booking_complete(actor=None, booking_id=booking.pk, now=later + DAY + HOUR)
    assert sweep_captures(now=later + DAY + HOUR) == 1
    assert intents() == [(TOTAL, "authorized"), (TOTAL, "captured")]  # a fresh hold, captured
    assert operations() == [("capture", TOTAL, True)]
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.CAPTURED)


def test_a_failed_capture_is_retried_every_4_hours_and_succeeds_once_the_card_is_fixed(scene, student) -> None:
    from apps.bookings.services import booking_payment_method_change

    failing = payment_method_add(actor=student, card_token="4000000000000341")
    booking = authorize(book(scene, student, card=failing), now=START - DAY)
    booking_complete(actor=None, booking_id=booking.pk, now=END + DAY)
    t0 = END + DAY
    assert sweep_captures(now=t0) == 1
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.PAYMENT_METHOD_REQUIRED)
    settlement = Settlement.objects.get()
    assert (settlement.status, settlement.next_attempt_at, settlement.failure_code) == (
        "retrying",
        t0 + 4 * HOUR,
        "card_declined",
    )
    assert kinds("capture_failed") == 1
    assert sweep_settlements(now=t0 + 4 * HOUR - SECOND) == 0
    assert sweep_settlements(now=t0 + 4 * HOUR) == 1  # re-authorized on the same card; the capture fails again
    assert [op[:2] for op in operations()] == [("capture", TOTAL), ("capture", TOTAL), ("release", 0)]
    booking_payment_method_change(
        actor=student, booking_id=booking.pk, payment_method_id=scene.card.pk, now=t0 + 5 * HOUR
    )
    assert sweep_settlements(now=t0 + 5 * HOUR) == 1  # at once: the student fixed the card
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.CAPTURED)
    assert operations()[-1] == ("capture", TOTAL, True)
    assert [op[2] for op in operations() if op[0] == "capture"] == [False, False, True]
    assert earnings() == [("lesson", NET)]
    assert kinds("capture_failed") == 1  # asked once for a new card


def test_a_crash_after_the_provider_call_is_finished_by_the_next_run_without_moving_money_twice(
    scene, student, monkeypatch
) -> None:
    from apps.bookings import settlement as settlement_module

    booking = authorize(book(scene, student), now=START - DAY)
    booking_complete(actor=None, booking_id=booking.pk, now=END + DAY)
    real_apply = settlement_module._apply

    def crash(*args, **kwargs):
        raise RuntimeError("worker died")

    monkeypatch.setattr(settlement_module, "_apply", crash)
    sweep_captures(now=END + DAY)  # the capture went through; recording it did not
    assert operations() == [("capture", TOTAL, True)]
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.AUTHORIZED)
    monkeypatch.setattr(settlement_module, "_apply", real_apply)
    assert sweep_settlements(now=END + DAY + timedelta(minutes=5)) == 0  # still claimed by the dead worker
    assert sweep_settlements(now=END + DAY + timedelta(minutes=10)) == 1  # its lease lapsed
    assert operations() == [("capture", TOTAL, True)]  # the same idempotency key: no second capture
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.CAPTURED)
    assert earnings() == [("lesson", NET)]


def test_the_capture_sweep_skips_payments_in_manual_review(scene, student, other_student) -> None:
    first = authorize(book(scene, student), now=START - DAY)
    no_show_report(actor=student, booking_id=first.pk, now=END + 23 * HOUR)  # disputable until END + 47 h
    card = payment_method_add(actor=other_student, card_token="4242424242424242")
    second = authorize(book(scene, other_student, start=START + 3 * HOUR, card=card), now=START - DAY)
    done = money_sweeps_run(now=END + 3 * HOUR + DAY)
    assert (done["completions"], done["captures"], done["no_show_resolutions"]) == (1, 1, 0)
    assert statuses(first) == (BookingStatus.NO_SHOW, PaymentStatus.MANUAL_REVIEW)
    assert statuses(second) == (BookingStatus.COMPLETED, PaymentStatus.CAPTURED)
    assert operations() == [("capture", TOTAL, True)]


# --- exactly once: twice in a row, and two workers at once ---------------------------------


@dataclass(frozen=True)
class Case:
    now: datetime
    sweep: Callable[..., int]
    check: Callable[[], None]


def _declined_at_t24(scene: Scene, student: User) -> Booking:
    booking = book(scene, student, card=declined(student))
    sweep_authorizations(now=START - DAY)
    return booking


def _completed(scene: Scene, student: User) -> Booking:
    booking = authorize(book(scene, student), now=START - DAY)
    return booking_complete(actor=None, booking_id=booking.pk, now=END + DAY)


def case_authorizations(scene: Scene, student: User) -> Case:
    booking = book(scene, student)

    def check() -> None:
        assert intents() == [(TOTAL, "authorized")]
        assert booking.events.filter(reason="authorization succeeded").count() == 1

    return Case(START - DAY, sweep_authorizations, check)


def case_authorization_retries(scene: Scene, student: User) -> Case:
    _declined_at_t24(scene, student)

    def check() -> None:
        assert intents() == [(TOTAL, "declined")] * 2
        assert kinds("authorization_failed") == 2

    return Case(START - 23 * HOUR, sweep_authorization_retries, check)


def case_final_warnings(scene: Scene, student: User) -> Case:
    _declined_at_t24(scene, student)
    return Case(START - 13 * HOUR, sweep_final_warnings, lambda: _equal(kinds("authorization_final_warning"), 1))


def case_unpaid_cancellations(scene: Scene, student: User) -> Case:
    _declined_at_t24(scene, student)

    def check() -> None:
        assert Settlement.objects.filter(reason="unpaid_cancellation", status="done").count() == 1
        assert kinds("booking_auto_cancelled") == 2

    return Case(START - 12 * HOUR, sweep_unpaid_cancellations, check)


def case_pending_expiry(scene: Scene, student: User) -> Case:
    book(scene, student, start=local(THURSDAY - 2 * DAY, 15), card=declined(student))

    def check() -> None:
        assert Settlement.objects.filter(reason="payment_expired").count() == 1
        assert kinds("booking_payment_expired") == 1

    return Case(NOW + timedelta(minutes=30), sweep_pending_expiry, check)


def case_reminders(scene: Scene, student: User) -> Case:
    book(scene, student)

    def check() -> None:
        assert BookingMilestone.objects.count() == 1
        assert kinds("reminder") == 2

    return Case(START - DAY, sweep_reminders, check)


def case_completions(scene: Scene, student: User) -> Case:
    booking = authorize(book(scene, student), now=START - DAY)

    def check() -> None:
        assert booking.events.filter(kind="status", to_status="completed").count() == 1

    return Case(END + DAY, sweep_completions, check)


def _paid_once(kind: str = "lesson") -> None:
    assert operations() == [("capture", TOTAL, True)]
    assert earnings() == [(kind, NET)]


def case_captures(scene: Scene, student: User) -> Case:
    _completed(scene, student)
    return Case(END + DAY, sweep_captures, _paid_once)


def case_settlements(scene: Scene, student: User) -> Case:
    """A decided capture nobody ran (its worker died before calling the provider)."""
    booking = _completed(scene, student)
    settlement_decide(
        booking=booking, reason="completion", outcome=completion_outcome(booking_money(booking)), now=END + DAY
    )
    return Case(END + DAY, sweep_settlements, _paid_once)


def case_no_show_resolutions(scene: Scene, student: User) -> Case:
    booking = authorize(book(scene, student), now=START - DAY)
    no_show_report(actor=scene.profile.user, booking_id=booking.pk, now=END + HOUR)
    return Case(END + HOUR + DAY, sweep_no_show_resolutions, lambda: _paid_once("no_show"))


def case_credit_expiry(scene: Scene, student: User) -> Case:
    credit_grant(user=student, amount_cents=700, reason="goodwill", now=NOW - timedelta(days=365))  # expires at NOW
    return Case(NOW, sweep_credit_expiry, lambda: _equal(credit_rows(student), [("grant", 700), ("expire", -700)]))


def case_payouts(scene: Scene, student: User) -> Case:
    _completed(scene, student)
    sweep_captures(now=END + DAY)
    monday = local(THURSDAY + timedelta(days=4), 0)  # Mon 7 Dec, midnight in New York

    def check() -> None:
        assert list(LocalTransfer.objects.values_list("amount_cents", flat=True)) == [NET]
        assert list(Payout.objects.values_list("status", "amount_cents")) == [("paid", NET)]

    return Case(monday, sweep_payouts, check)


def case_orphan_holds(scene: Scene, student: User) -> Case:
    """A hold no booking references (a crash before its booking recorded it), an hour old."""
    StaffFactory.create()
    stray = get_gateway().authorize(
        customer_id=student.payment_customer.provider_id, card_id=scene.card.provider_id, amount_cents=TOTAL,
        idempotency_key="lost-authorization", now=NOW,
    )  # fmt: skip

    def check() -> None:
        assert intents() == [(TOTAL, "canceled")]
        assert list(OrphanHold.objects.values_list("intent_id", flat=True)) == [stray.intent_id]
        assert kinds("staff_alert") == 1

    return Case(NOW + ORPHAN_AFTER, sweep_orphan_holds, check)


def _equal(actual: object, expected: object) -> None:
    assert actual == expected


CASES = [
    case_authorizations, case_authorization_retries, case_final_warnings, case_unpaid_cancellations,
    case_pending_expiry, case_reminders, case_completions, case_captures, case_settlements,
    case_no_show_resolutions, case_credit_expiry, case_payouts, case_orphan_holds,
]  # fmt: skip


@pytest.mark.parametrize("make", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_each_sweep_twice_in_a_row_acts_once(scene, student, make) -> None:
    case = make(scene, student)
    first, second = case.sweep(now=case.now), case.sweep(now=case.now)
    assert (first, second) == (1, 0)
    case.check()


def run_in_two_workers(work: Callable[[], int]) -> list[int]:
    """Both threads start together, each on its own database connection."""
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(work())
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return sorted(results)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("make", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_each_sweep_in_two_workers_at_once_acts_once(scene, student, make) -> None:
    case = make(scene, student)
    assert run_in_two_workers(lambda: case.sweep(now=case.now)) == [0, 1]
    case.check()
