"""Staff run lessons from the admin: cancel for either side, mark complete, refund, resolve a
no-show, release a student's hold. Each action asks for a reason, shows its money outcome
first, goes through the product's service and leaves exactly one audit entry; the lists
cost a fixed number of queries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from prometheus_client import REGISTRY

from apps.accounts.models import User
from apps.accounts.tests.factories import StaffFactory
from apps.audit.models import AuditEntry
from apps.bookings.models import Booking
from apps.bookings.policies import booking_cancel, booking_complete, no_show_dispute, no_show_report
from apps.bookings.refunds import booking_refund
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.bookings.sweeps import money_sweeps_run, sweep_captures
from apps.bookings.tests.conftest import NOW, Scene
from apps.bookings.tests.money import END, NET, START, TOTAL, authorize, book, earnings, operations, settled, statuses
from apps.payments.locks import student_lock_active, student_lock_add
from apps.payments.models import StudentLock
from apps.search.generation import search_generation

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/bookings/booking/"
DAY = timedelta(days=1)
VERY_LATE = {"charge": TOTAL, "credit": 4500, "refund": 0, "instructor": 3825, "platform": TOTAL - 4500 - 3825}


@pytest.fixture
def ops(staff: User) -> User:
    """Staff with two-factor on, as the site requires before the admin."""
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return staff


@pytest.fixture
def desk(client: Client, ops: User) -> Client:
    client.force_login(ops)
    return client


@pytest.fixture
def staff_no_2fa_client() -> Client:
    client = Client()
    client.force_login(StaffFactory.create(email="new.staff@example.com"))
    return client


def _act(client: Client, url: str, action: str, rows: list[Any], **data: str) -> Any:
    body = {"action": action, ACTION_CHECKBOX_NAME: [row.pk for row in rows], "apply": "1", **data}
    return client.post(url, body, follow=True)


def _audit() -> list[tuple[str, int | None, str, str, str]]:
    rows = AuditEntry.objects.order_by("id").values_list("action", "actor_id", "target_type", "target_id", "reason")
    return list(rows)


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def test_cancel_for_the_instructor_shows_the_outcome_then_refunds_everything(desk, ops, scene, student) -> None:
    booking = authorize(book(scene, student), now=NOW)
    with _at(NOW):
        asked = desk.post(CHANGELIST, {"action": "cancel_instructor_fault", ACTION_CHECKBOX_NAME: [booking.pk]})
        assert asked.status_code == 200
        assert "card hold released" in asked.content.decode()
        blank = _act(desk, CHANGELIST, "cancel_instructor_fault", [booking], reason="  ")
        assert blank.context["form"].errors == {"reason": ["This field is required."]}
        assert statuses(booking) == (BookingStatus.CONFIRMED, PaymentStatus.AUTHORIZED)
        assert _audit() == []

        done = _act(desk, CHANGELIST, "cancel_instructor_fault", [booking], reason="Instructor is ill")
    assert _messages(done) == ["Cancel (instructor's fault): 1 done."]
    assert statuses(booking) == (BookingStatus.CANCELLED, PaymentStatus.SETTLED)
    assert operations() == [("release", 0, True)]
    assert _audit() == [("booking.cancel", ops.pk, "bookings.booking", str(booking.pk), "Instructor is ill")]
    entry = AuditEntry.objects.get()
    assert entry.before == {"status": "confirmed", "payment_status": "authorized"}
    assert entry.after["fault"] == "instructor"
    assert entry.request_id != ""
    assert booking.events.filter(reason="cancelled by staff for the instructor: Instructor is ill").exists()


def test_cancel_for_the_student_under_12_hours_follows_the_students_rule(desk, ops, scene, student) -> None:
    booking = authorize(book(scene, student), now=NOW)
    with _at(START - timedelta(hours=6)):
        done = _act(desk, CHANGELIST, "cancel_student_fault", [booking], reason="Student called, can't come")
    assert _messages(done) == ["Cancel (student's fault): 1 done."]
    assert settled(booking, "student_cancellation") == VERY_LATE
    assert [entry[0] for entry in _audit()] == ["booking.cancel"]


def test_mark_complete_only_after_the_lesson_ended(desk, ops, scene, student) -> None:
    booking = authorize(book(scene, student), now=NOW)
    with _at(END - timedelta(minutes=1)):
        early = _act(desk, CHANGELIST, "mark_complete", [booking], reason="Instructor forgot")
    assert _messages(early) == [f"{booking}: A lesson can be marked complete once it has ended."]
    assert _audit() == []
    with _at(END + timedelta(hours=2)):
        _act(desk, CHANGELIST, "mark_complete", [booking], reason="Instructor forgot")
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.AUTHORIZED)
    assert _audit() == [("booking.complete", ops.pk, "bookings.booking", str(booking.pk), "Instructor forgot")]


def _charged(scene: Scene, student: User) -> Booking:
    booking = authorize(book(scene, student), now=NOW)
    booking_complete(actor=scene.profile.user, booking_id=booking.pk, now=END + timedelta(hours=1))
    assert sweep_captures(now=END + timedelta(hours=24)) == 1
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.CAPTURED)
    return booking


def test_partial_refund_goes_to_the_card_once_and_takes_the_instructors_share_back(desk, ops, scene, student) -> None:
    booking = _charged(scene, student)
    with _at(END + timedelta(days=2)):
        asked = desk.post(CHANGELIST, {"action": "refund", ACTION_CHECKBOX_NAME: [booking.pk]})
        assert "up to $100.80 refundable; the instructor gives back their share of the $76.50 they earned" in (
            asked.content.decode()
        )
        too_much = _act(desk, CHANGELIST, "refund", [booking], reason="Goodwill", amount="100.81")
        assert _messages(too_much) == [f"{booking}: Refund between $0.01 and $100.80, what is still refundable."]
        done = _act(desk, CHANGELIST, "refund", [booking], reason="Lesson started late", amount="20.00")
        assert _messages(done) == ["Refund to the card: 1 done."]
        again = _act(desk, CHANGELIST, "refund", [booking], reason="Twice?", amount="1.00")
    assert _messages(again) == [f"{booking}: This lesson was already refunded by staff (one refund per lesson)."]
    assert operations() == [("capture", TOTAL, True), ("refund", 2000, True)]
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.CAPTURED)
    assert earnings() == [("lesson", NET), ("clawback", -1518)]  # 7650 × 2000 / 10080, not paid out yet
    assert _audit() == [("booking.refund", ops.pk, "bookings.booking", str(booking.pk), "Lesson started late")]
    assert AuditEntry.objects.get().after == {
        "refund_cents": 2000, "refundable_cents": TOTAL, "instructor_clawback_cents": 1518,
        "settlement": booking.settlements.get(reason="staff_refund").pk,
    }  # fmt: skip
    assert student.notifications.filter(kind="payment_refunded", subject="Refund of $20").exists()


def test_full_refund_leaves_the_payment_refunded(desk, ops, scene, student) -> None:
    booking = _charged(scene, student)
    with _at(END + timedelta(days=2)):
        _act(desk, CHANGELIST, "refund", [booking], reason="Bad experience", amount="")
    assert operations()[-1] == ("refund", TOTAL, True)
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.REFUNDED)
    assert earnings() == [("lesson", NET), ("clawback", -NET)]
    assert [entry[0] for entry in _audit()] == ["booking.refund"]


def test_staff_resolve_a_disputed_no_show_from_the_queue(desk, ops, scene, student) -> None:
    booking = authorize(book(scene, student), now=NOW)
    reported = END + timedelta(hours=1)
    no_show_report(actor=scene.profile.user, booking_id=booking.pk, now=reported)
    no_show_dispute(actor=student, booking_id=booking.pk, now=reported + timedelta(hours=1), reason="I was there")
    with _at(reported + timedelta(hours=3)):
        index = desk.get("/admin/")
        assert "Disputed no-shows" in index.content.decode()
        queue = desk.get(CHANGELIST, {"no_show__status__exact": "disputed"})
        assert list(queue.context["cl"].result_list) == [booking]
        asked = desk.post(CHANGELIST, {"action": "resolve_no_show_rejected", ACTION_CHECKBOX_NAME: [booking.pk]})
        assert "student pays $100.80; instructor earns $76.50" in asked.content.decode()
        _act(desk, CHANGELIST, "resolve_no_show_rejected", [booking], reason="Door camera shows the student")
    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.CAPTURED)
    assert settled(booking, "completion")["instructor"] == NET
    assert _audit() == [
        ("no_show.resolve", ops.pk, "bookings.booking", str(booking.pk), "Door camera shows the student")
    ]
    assert AuditEntry.objects.get().after["report"] == "rejected"


def test_release_a_students_hold(desk, ops, scene, student) -> None:
    booking = book(scene, student)
    lock = student_lock_add(booking=booking, reason="Unpaid lesson", now=NOW)
    assert lock is not None
    assert student_lock_active(user=student)
    url = "/admin/payments/studentlock/"
    assert list(desk.get(url, {"active": "yes"}).context["cl"].result_list) == [lock]
    _act(desk, url, "release", [lock], reason="Paid by bank transfer")
    assert not student_lock_active(user=student)
    assert _audit() == [("student_lock.release", ops.pk, "payments.studentlock", str(lock.pk), "Paid by bank transfer")]
    assert StudentLock.objects.get().released_by == ops


def test_booking_pages_render_for_staff_and_are_refused_to_others(
    client, ops, scene, student, staff_no_2fa_client
) -> None:
    booking = authorize(book(scene, student), now=NOW)
    pages = [CHANGELIST, f"{CHANGELIST}{booking.pk}/change/", "/admin/bookings/settlement/", "/admin/"]
    client.force_login(student)
    for page in pages:
        response = client.get(page)
        assert (response.status_code, response.headers["Location"].split("?")[0]) == (302, "/admin/login/")
    refused = client.post(CHANGELIST, {"action": "cancel_student_fault", ACTION_CHECKBOX_NAME: [booking.pk],
                                       "apply": "1", "reason": "x"})  # fmt: skip
    assert refused.status_code == 302
    for page in pages:
        assert staff_no_2fa_client.get(page).headers["Location"] == "/accounts/2fa/totp/activate/"
    assert statuses(booking) == (BookingStatus.CONFIRMED, PaymentStatus.AUTHORIZED)
    client.force_login(ops)
    for page in pages:
        assert client.get(page).status_code == 200
    change = client.get(f"{CHANGELIST}{booking.pk}/change/").content.decode()
    assert "authorized" in change.lower()
    assert "timeline" in change.lower()
    assert client.post(f"{CHANGELIST}{booking.pk}/delete/").status_code == 403
    assert client.get(f"{CHANGELIST}add/").status_code == 403


def test_the_booking_list_costs_the_same_queries_for_many_rows(desk, scene, student, django_assert_max_num_queries):
    for day in range(5):
        book(scene, student, start=START + timedelta(days=day))
    with django_assert_max_num_queries(12):
        response = desk.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 5
    booking = Booking.objects.first()
    assert booking is not None
    with django_assert_max_num_queries(16):
        assert desk.get(f"{CHANGELIST}{booking.pk}/change/").status_code == 200


def test_a_cancellation_refreshes_search(scene, student, django_capture_on_commit_callbacks) -> None:
    """The cancelled time is bookable again, so cached search pages must not hide it."""
    booking = authorize(book(scene, student), now=NOW)
    generation = search_generation()
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(actor=student, booking_id=booking.pk, now=NOW)
    assert search_generation() > generation


def _count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_money_flows_are_counted_for_metrics(scene, student, django_capture_on_commit_callbacks) -> None:
    ops_before = {
        op: _count("instainstru_payment_operations_total", operation=op, outcome="succeeded")
        for op in ("authorization", "capture", "refund")
    }
    created, cancelled = (
        _count("instainstru_bookings_created_total"),
        _count("instainstru_bookings_cancelled_total", reason="student"),
    )
    sweeps = _count("instainstru_sweep_runs_total", sweep="captures", outcome="succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        kept = authorize(book(scene, student), now=NOW)
        dropped = authorize(book(scene, student, start=START + timedelta(days=1)), now=NOW)
        booking_cancel(actor=student, booking_id=dropped.pk, now=NOW)
    booking_complete(actor=scene.profile.user, booking_id=kept.pk, now=END + timedelta(hours=1))
    money_sweeps_run(now=END + timedelta(hours=24))
    booking_refund(actor=StaffFactory.create(), booking_id=kept.pk, amount_cents=100, reason="x", now=END + DAY)
    assert _count("instainstru_bookings_created_total") == created + 2
    assert _count("instainstru_bookings_cancelled_total", reason="student") == cancelled + 1
    assert {
        op: _count("instainstru_payment_operations_total", operation=op, outcome="succeeded") - before
        for op, before in ops_before.items()
    } == {"authorization": 2, "capture": 1, "refund": 1}
    assert _count("instainstru_sweep_runs_total", sweep="captures", outcome="succeeded") == sweeps + 1
    assert _count("instainstru_sweep_last_success_timestamp_seconds", sweep="captures") > 0
