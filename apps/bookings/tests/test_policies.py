"""PRODUCT.md §6 policy table, row by row, at its boundaries: exactly 24 h and 12 h before
the start and one second either side. Each test asserts the student's charge, credit and
refund, the instructor's earning and the platform's share in cents, and what the gateway
and the ledgers recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.bookings.models import Booking, NoShowReport
from apps.bookings.policies import (
    booking_cancel,
    booking_cancel_preview,
    booking_reschedule,
    booking_reschedule_preview,
    no_show_dispute,
    no_show_dispute_preview,
    no_show_preview,
    no_show_report,
    no_show_resolve,
)
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.bookings.sweeps import sweep_captures, sweep_no_show_resolutions
from apps.bookings.tests.conftest import NOW, Scene
from apps.bookings.tests.money import (
    END,
    FEE,
    HOUR,
    NET,
    PRICE,
    SECOND,
    START,
    TOTAL,
    ZERO,
    authorize,
    book,
    credit_rows,
    earnings,
    money,
    operations,
    settled,
    statuses,
)
from apps.core.errors import Conflict, PermissionDenied
from apps.payments.credits import credit_balance, credit_grant
from apps.payments.models import CreditEntry

pytestmark = pytest.mark.django_db

FREE = ZERO
LATE = {"charge": TOTAL, "credit": PRICE, "refund": 0, "instructor": 0, "platform": FEE}
# < 12 h: 50% of the $90 price as credit, 50% of the $76.50 net to the instructor.
VERY_LATE = {"charge": TOTAL, "credit": 4500, "refund": 0, "instructor": 3825, "platform": TOTAL - 4500 - 3825}
NEXT_DAY = START + timedelta(days=1)


def held(scene: Scene, student) -> Booking:
    """Booked two days ahead, then authorized (a hold of $100.80 on the card)."""
    return authorize(book(scene, student), now=NOW)


# --- student cancellation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ahead", "expected", "payment"),
    [
        pytest.param(timedelta(hours=24) + SECOND, FREE, PaymentStatus.SETTLED, id="24h+1s-free"),
        pytest.param(timedelta(hours=24), FREE, PaymentStatus.SETTLED, id="24h-exactly-free"),
        pytest.param(timedelta(hours=24) - SECOND, LATE, PaymentStatus.CAPTURED, id="24h-1s-late"),
        pytest.param(timedelta(hours=12) + SECOND, LATE, PaymentStatus.CAPTURED, id="12h+1s-late"),
        pytest.param(timedelta(hours=12), LATE, PaymentStatus.CAPTURED, id="12h-exactly-late"),
        pytest.param(timedelta(hours=12) - SECOND, VERY_LATE, PaymentStatus.CAPTURED, id="12h-1s-very-late"),
    ],
)
def test_student_cancellation_row(scene, student, ahead, expected, payment) -> None:
    booking = held(scene, student)
    now = START - ahead
    preview = booking_cancel_preview(actor=student, booking_id=booking.pk, now=now)
    assert money(preview.outcome) == expected
    done = booking_cancel(actor=student, booking_id=booking.pk, now=now)
    assert money(done.outcome) == expected
    assert settled(booking, "student_cancellation") == expected
    assert statuses(booking) == (BookingStatus.CANCELLED, payment)
    if expected is FREE:
        assert operations() == [("release", 0, True)]
        assert credit_rows(student) == []
    else:
        assert operations() == [("capture", TOTAL, True)]
        assert credit_rows(student) == [("grant", expected["credit"])]
        grant = CreditEntry.objects.get(user=student)
        assert grant.expires_at == now + timedelta(days=365)
    assert earnings() == ([("late_cancellation", 3825)] if expected is VERY_LATE else [])


def test_student_cancellation_before_the_card_is_held_moves_no_money(scene, student) -> None:
    booking = book(scene, student)  # far ahead: payment scheduled, nothing held
    done = booking_cancel(actor=student, booking_id=booking.pk, now=START - timedelta(hours=24) - SECOND)
    assert money(done.outcome) == FREE
    assert statuses(booking) == (BookingStatus.CANCELLED, PaymentStatus.SETTLED)
    assert operations() == []


def test_a_card_that_never_authorized_is_never_charged_for_a_late_cancellation(scene, student) -> None:
    """T−24 h authorization failed; the student cancels at T−13 h: nothing to charge."""
    booking = book(scene, student)
    scene.card.delete()
    from apps.bookings.services import booking_authorization_failed

    booking_authorization_failed(booking_id=booking.pk, now=START - timedelta(hours=24), code="no_card")
    done = booking_cancel(actor=student, booking_id=booking.pk, now=START - timedelta(hours=13))
    assert money(done.outcome) == FREE
    assert statuses(booking) == (BookingStatus.CANCELLED, PaymentStatus.SETTLED)
    assert operations() == []


# --- credits reserved by the booking ------------------------------------------------------


def test_credits_pay_the_price_not_the_fee_and_come_back_with_their_expiry_on_a_free_cancellation(
    scene, student
) -> None:
    grant = credit_grant(user=student, amount_cents=2000, reason="goodwill", now=NOW - timedelta(days=300))
    booking = held(scene, student)
    assert (booking.credits_applied_cents, booking.total_cents) == (2000, PRICE - 2000 + FEE)
    assert credit_balance(user=student, now=NOW) == 0
    done = booking_cancel(actor=student, booking_id=booking.pk, now=START - timedelta(hours=24))
    assert money(done.outcome) == FREE
    assert done.outcome.credits_returned_cents == 2000
    assert credit_rows(student) == [("grant", 2000), ("use", -2000), ("release", 2000)]
    release = CreditEntry.objects.get(kind="release")
    assert release.grant_id == grant.pk  # back into the same bucket: it still expires when the grant does
    expires_at = grant.expires_at
    assert expires_at == NOW - timedelta(days=300) + timedelta(days=365)
    assert credit_balance(user=student, now=expires_at - SECOND) == 2000
    assert credit_balance(user=student, now=expires_at) == 0


@pytest.mark.parametrize(
    ("ahead", "credit", "instructor"),
    [
        pytest.param(timedelta(hours=12), PRICE, 0, id="12h-late"),
        pytest.param(timedelta(hours=12) - SECOND, 4500, 3825, id="12h-1s-very-late"),
    ],
)
def test_a_charged_cancellation_keeps_the_used_credits(scene, student, ahead, credit, instructor) -> None:
    credit_grant(user=student, amount_cents=2000, reason="goodwill", now=NOW)
    booking = held(scene, student)
    done = booking_cancel(actor=student, booking_id=booking.pk, now=START - ahead)
    card = PRICE - 2000 + FEE
    assert money(done.outcome) == {
        "charge": card, "credit": credit, "refund": 0, "instructor": instructor,
        "platform": card + 2000 - credit - instructor,
    }  # fmt: skip
    assert operations() == [("capture", card, True)]
    assert credit_rows(student) == [("grant", 2000), ("use", -2000), ("grant", credit)]


# --- instructor cancellation --------------------------------------------------------------


@pytest.mark.parametrize(
    "ahead",
    [
        pytest.param(timedelta(hours=24) + SECOND, id="24h+1s"),
        pytest.param(timedelta(hours=24), id="24h-exactly"),
        pytest.param(timedelta(hours=24) - SECOND, id="24h-1s"),
        pytest.param(timedelta(hours=12) + SECOND, id="12h+1s"),
        pytest.param(timedelta(hours=12), id="12h-exactly"),
        pytest.param(timedelta(hours=12) - SECOND, id="12h-1s"),
        pytest.param(SECOND, id="1s-before-start"),
    ],
)
def test_instructor_cancellation_row_is_a_full_refund_at_any_time(scene, student, ahead) -> None:
    credit_grant(user=student, amount_cents=1000, reason="goodwill", now=NOW)
    booking = held(scene, student)
    instructor = scene.profile.user
    preview = booking_cancel_preview(actor=instructor, booking_id=booking.pk, now=START - ahead)
    assert preview.message == "The student gets a full refund; you earn nothing for this lesson."
    done = booking_cancel(actor=instructor, booking_id=booking.pk, now=START - ahead)
    assert money(done.outcome) == ZERO
    assert done.outcome.credits_returned_cents == 1000
    assert statuses(booking) == (BookingStatus.CANCELLED, PaymentStatus.SETTLED)
    assert operations() == [("release", 0, True)]  # the hold is released: nothing was ever charged
    assert credit_rows(student) == [("grant", 1000), ("use", -1000), ("release", 1000)]
    assert earnings() == []


def test_instructor_cancellation_of_locked_money_refunds_the_fee_too(scene, student) -> None:
    booking = held(scene, student)
    booking_reschedule(actor=student, booking_id=booking.pk, starts_at=NEXT_DAY, now=START - timedelta(hours=20))
    assert statuses(booking) == (BookingStatus.CONFIRMED, PaymentStatus.LOCKED)
    done = booking_cancel(actor=scene.profile.user, booking_id=booking.pk, now=NEXT_DAY - timedelta(hours=30))
    assert money(done.outcome) == {**ZERO, "refund": TOTAL}
    assert statuses(booking) == (BookingStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert operations() == [("capture", TOTAL, True), ("refund", TOTAL, True)]


def test_only_participants_may_cancel_and_a_started_lesson_cannot_be(scene, student, other_student) -> None:
    from apps.core.errors import NotFound

    booking = held(scene, student)
    with pytest.raises(NotFound):
        booking_cancel(actor=other_student, booking_id=booking.pk, now=NOW)
    with pytest.raises(Conflict, match="has started"):
        booking_cancel(actor=student, booking_id=booking.pk, now=START)
    assert statuses(booking) == (BookingStatus.CONFIRMED, PaymentStatus.AUTHORIZED)
    assert operations() == []


# --- reschedule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ahead",
    [pytest.param(timedelta(hours=24) + SECOND, id="24h+1s"), pytest.param(timedelta(hours=24), id="24h-exactly")],
)
def test_reschedule_at_24_hours_or_more_is_free_and_unlimited(scene, student, ahead) -> None:
    booking = held(scene, student)
    preview = booking_reschedule_preview(actor=student, booking_id=booking.pk, now=START - ahead)
    assert (preview.allowed, preview.locks_money, preview.charge_now_cents) == (True, False, 0)
    moved = booking_reschedule(actor=student, booking_id=booking.pk, starts_at=NEXT_DAY, now=START - ahead)
    again = booking_reschedule(
        actor=student, booking_id=booking.pk, starts_at=NEXT_DAY + HOUR * 2, now=START - ahead + SECOND
    )
    assert (moved.starts_at, again.starts_at, again.ends_at) == (NEXT_DAY, NEXT_DAY + 2 * HOUR, NEXT_DAY + 3 * HOUR)
    assert statuses(booking) == (BookingStatus.CONFIRMED, PaymentStatus.AUTHORIZED)
    assert operations() == []
    # The timeline reads in the lesson's own time, never raw UTC.
    assert list(booking.events.filter(kind="rescheduled").order_by("id").values_list("reason", flat=True)) == [
        "moved from Thu 3 Dec, 10:00 am to Fri 4 Dec, 10:00 am",
        "moved from Fri 4 Dec, 10:00 am to Fri 4 Dec, 12:00 pm",
    ]


@pytest.mark.parametrize(
    "ahead",
    [
        pytest.param(timedelta(hours=24) - SECOND, id="24h-1s"),
        pytest.param(timedelta(hours=12) + SECOND, id="12h+1s"),
        pytest.param(timedelta(hours=12), id="12h-exactly"),
    ],
)
def test_reschedule_between_12_and_24_hours_charges_and_locks_the_money_once(scene, student, ahead) -> None:
    booking = held(scene, student)
    preview = booking_reschedule_preview(actor=student, booking_id=booking.pk, now=START - ahead)
    assert (preview.allowed, preview.locks_money, preview.charge_now_cents) == (True, True, TOTAL)
    booking_reschedule(actor=student, booking_id=booking.pk, starts_at=NEXT_DAY, now=START - ahead)
    assert statuses(booking) == (BookingStatus.CONFIRMED, PaymentStatus.LOCKED)
    assert operations() == [("capture", TOTAL, True)]
    assert (credit_rows(student), earnings()) == ([], [])  # who gets the money is decided later
    # Once: a second late move of the same lesson is refused.
    later = NEXT_DAY - timedelta(hours=20)
    assert booking_reschedule_preview(actor=student, booking_id=booking.pk, now=later).allowed is False
    with pytest.raises(Conflict, match="already moved once"):
        booking_reschedule(actor=student, booking_id=booking.pk, starts_at=NEXT_DAY + HOUR * 2, now=later)


def test_reschedule_under_12_hours_is_refused_and_nothing_changes(scene, student) -> None:
    booking = held(scene, student)
    now = START - timedelta(hours=12) + SECOND
    preview = booking_reschedule_preview(actor=student, booking_id=booking.pk, now=now)
    assert (preview.allowed, preview.charge_now_cents) == (False, 0)
    with pytest.raises(Conflict, match="less than 12 hours"):
        booking_reschedule(actor=student, booking_id=booking.pk, starts_at=NEXT_DAY, now=now)
    booking.refresh_from_db()
    assert (booking.starts_at, booking.payment_status) == (START, PaymentStatus.AUTHORIZED)
    assert operations() == []


def test_a_locked_lesson_cancelled_later_gives_credit_only(scene, student) -> None:
    booking = held(scene, student)
    booking_reschedule(actor=student, booking_id=booking.pk, starts_at=NEXT_DAY, now=START - timedelta(hours=13))
    done = booking_cancel(actor=student, booking_id=booking.pk, now=NEXT_DAY - timedelta(hours=30))
    assert money(done.outcome) == LATE  # ≥ 24 h ahead, yet no refund: the money was locked
    assert statuses(booking) == (BookingStatus.CANCELLED, PaymentStatus.CAPTURED)
    assert operations() == [("capture", TOTAL, True)]  # charged once, at the reschedule
    assert credit_rows(student) == [("grant", PRICE)]


def test_reschedule_needs_an_open_slot_and_only_the_student_may_move(scene, student) -> None:
    from apps.bookings.services import SlotUnavailable

    booking = held(scene, student)
    with pytest.raises(PermissionDenied):
        booking_reschedule(actor=scene.profile.user, booking_id=booking.pk, starts_at=NEXT_DAY, now=NOW)
    with pytest.raises(SlotUnavailable):  # 20:00 is outside the instructor's hours
        booking_reschedule(actor=student, booking_id=booking.pk, starts_at=NEXT_DAY + 10 * HOUR, now=NOW)
    # Moving half an hour later overlaps the lesson's own old time: that is fine.
    moved = booking_reschedule(actor=student, booking_id=booking.pk, starts_at=START + HOUR / 2, now=NOW)
    assert moved.starts_at == START + HOUR / 2


# --- no-show and dispute ------------------------------------------------------------------


def test_no_show_is_reportable_from_the_start_until_end_plus_24_hours(scene, student) -> None:
    booking = held(scene, student)
    with pytest.raises(Conflict, match="once the lesson has started"):
        no_show_preview(actor=student, booking_id=booking.pk, now=START - SECOND)
    assert no_show_preview(actor=student, booking_id=booking.pk, now=START).absent == "instructor"
    last = END + timedelta(hours=24) - SECOND
    assert no_show_preview(actor=scene.profile.user, booking_id=booking.pk, now=last).absent == "student"
    with pytest.raises(Conflict, match="has passed"):
        no_show_report(actor=student, booking_id=booking.pk, now=END + timedelta(hours=24))
    assert not NoShowReport.objects.exists()
    report = no_show_report(actor=student, booking_id=booking.pk, now=last, note="Nobody came")
    assert (report.absent_party, report.dispute_until) == ("instructor", last + timedelta(hours=24))
    assert statuses(booking) == (BookingStatus.NO_SHOW, PaymentStatus.MANUAL_REVIEW)
    assert sweep_captures(now=END + timedelta(hours=48)) == 0  # manual review is skipped
    assert operations() == []


def test_undisputed_instructor_no_show_is_a_full_refund(scene, student) -> None:
    credit_grant(user=student, amount_cents=500, reason="goodwill", now=NOW)
    booking = held(scene, student)
    reported = START + timedelta(minutes=20)
    preview = no_show_preview(actor=student, booking_id=booking.pk, now=reported)
    assert money(preview.outcome) == ZERO
    no_show_report(actor=student, booking_id=booking.pk, now=reported)
    assert sweep_no_show_resolutions(now=reported + timedelta(hours=24) - SECOND) == 0
    assert sweep_no_show_resolutions(now=reported + timedelta(hours=24)) == 1
    assert settled(booking, "no_show_instructor") == ZERO
    assert statuses(booking) == (BookingStatus.NO_SHOW, PaymentStatus.SETTLED)
    assert operations() == [("release", 0, True)]
    assert credit_rows(student) == [("grant", 500), ("use", -500), ("release", 500)]
    assert NoShowReport.objects.get().status == "upheld"


def test_undisputed_student_no_show_pays_the_instructor_in_full(scene, student) -> None:
    booking = held(scene, student)
    reported = END + timedelta(hours=2)
    no_show_report(actor=scene.profile.user, booking_id=booking.pk, now=reported)
    assert sweep_no_show_resolutions(now=reported + timedelta(hours=24)) == 1
    assert settled(booking, "no_show_student") == {
        "charge": TOTAL, "credit": 0, "refund": 0, "instructor": NET, "platform": TOTAL - NET,
    }  # fmt: skip
    assert statuses(booking) == (BookingStatus.NO_SHOW, PaymentStatus.CAPTURED)
    assert operations() == [("capture", TOTAL, True)]
    assert earnings() == [("no_show", NET)]


def test_dispute_is_open_for_24_hours_to_the_side_reported_absent(scene, student) -> None:
    booking = held(scene, student)
    reported = END + HOUR
    no_show_report(actor=scene.profile.user, booking_id=booking.pk, now=reported)
    with pytest.raises(PermissionDenied):
        no_show_dispute(actor=scene.profile.user, booking_id=booking.pk, now=reported + HOUR)
    with pytest.raises(Conflict, match="has passed"):
        no_show_dispute_preview(actor=student, booking_id=booking.pk, now=reported + timedelta(hours=24))
    preview = no_show_dispute_preview(actor=student, booking_id=booking.pk, now=reported + timedelta(hours=24) - SECOND)
    assert money(preview.if_upheld) == {
        "charge": TOTAL,
        "credit": 0,
        "refund": 0,
        "instructor": NET,
        "platform": TOTAL - NET,
    }
    assert money(preview.if_rejected) == money(preview.if_upheld)
    report = no_show_dispute(
        actor=student, booking_id=booking.pk, now=reported + timedelta(hours=24) - SECOND, reason="I was there"
    )
    assert report.status == "disputed"
    # A disputed report waits for staff: the sweep leaves it and its money alone.
    assert sweep_no_show_resolutions(now=reported + timedelta(days=3)) == 0
    assert operations() == []


def test_staff_reject_a_disputed_report_and_the_lesson_is_paid_as_taught(scene, student, staff) -> None:
    booking = held(scene, student)
    reported = START + timedelta(minutes=15)
    no_show_report(actor=student, booking_id=booking.pk, now=reported)
    no_show_dispute(actor=scene.profile.user, booking_id=booking.pk, now=reported + HOUR, reason="I waited outside")
    with pytest.raises(PermissionDenied):
        no_show_resolve(actor=student, booking_id=booking.pk, upheld=False, now=reported + 2 * HOUR)
    no_show_resolve(
        actor=staff, booking_id=booking.pk, upheld=False, now=reported + 2 * HOUR, reason="Both sides agree it happened"
    )
    assert settled(booking, "completion") == {
        "charge": TOTAL, "credit": 0, "refund": 0, "instructor": NET, "platform": TOTAL - NET,
    }  # fmt: skip
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.CAPTURED)
    assert operations() == [("capture", TOTAL, True)]
    assert earnings() == [("lesson", NET)]


def test_very_late_shares_round_half_up_once_and_the_parts_add_up() -> None:
    from apps.payments.pricing import BookingMoney, cancellation_outcome

    odd = BookingMoney(
        lesson_price_cents=4999, booking_fee_cents=600, credits_applied_cents=0, total_cents=5599,
        instructor_net_cents=4249, held=True, captured=False,
    )  # fmt: skip
    outcome = cancellation_outcome(
        money=odd, by="student", window="very_late", very_late_credit_bps=5000, very_late_instructor_bps=5000
    )
    # 2499.5 → 2500 and 2124.5 → 2125; the platform keeps exactly the rest.
    assert money(outcome) == {"charge": 5599, "credit": 2500, "refund": 0, "instructor": 2125, "platform": 974}
    assert outcome.credit_cents + outcome.instructor_cents + outcome.platform_cents == outcome.student_charge_cents
