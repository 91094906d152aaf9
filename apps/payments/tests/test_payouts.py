"""The payouts ledger: an earning per captured booking (net of commission), weekly batches on
Monday (New York midnight), instant payouts, the earnings page and its CSV."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.policies import booking_complete
from apps.bookings.sweeps import sweep_captures
from apps.bookings.tests.conftest import THURSDAY, Scene, local
from apps.bookings.tests.money import NET, START, authorize, book
from apps.core.errors import Conflict, PermissionDenied
from apps.payments.models import Earning, LocalTransfer, Payout
from apps.payments.payouts import payout_instant, payout_period_start, sweep_payouts
from apps.payments.services import payment_method_add

pytestmark = pytest.mark.django_db
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
MONDAY = local(THURSDAY + 4 * DAY, 0)  # Mon 7 Dec 2026, 00:00 in New York (05:00 UTC)


def paid_lesson(scene: Scene, student: User, start: datetime, card=None) -> Booking:
    """Booked, authorized the day before, completed and charged at end + 24 h."""
    booking = authorize(book(scene, student, start=start, card=card), now=start - DAY)
    end_plus_day = booking.ends_at + DAY
    booking_complete(actor=None, booking_id=booking.pk, now=end_plus_day)
    assert sweep_captures(now=end_plus_day) == 1
    return booking


def transfers() -> list[int]:
    return list(LocalTransfer.objects.order_by("id").values_list("amount_cents", flat=True))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (MONDAY - timedelta(seconds=1), MONDAY - 7 * DAY),
        (MONDAY, MONDAY),
        (MONDAY + 6 * DAY, MONDAY),
        # Across the end of daylight saving time (Sun 1 Nov 2026): Monday 26 Oct was EDT (UTC−4).
        (datetime(2026, 11, 1, 12, 0, tzinfo=UTC), datetime(2026, 10, 26, 4, 0, tzinfo=UTC)),
        (datetime(2026, 11, 2, 5, 0, tzinfo=UTC), datetime(2026, 11, 2, 5, 0, tzinfo=UTC)),
    ],
)
def test_the_payout_week_starts_monday_midnight_in_new_york(now, expected) -> None:
    assert payout_period_start(now=now) == expected


def test_weekly_batch_pays_what_was_earned_before_monday_and_the_rest_a_week_later(
    scene, student, other_student
) -> None:
    paid_lesson(scene, student, START)  # earned Fri 4 Dec
    card = payment_method_add(actor=other_student, card_token="4242424242424242")
    paid_lesson(scene, other_student, START + 3 * HOUR, card=card)  # earned Fri 4 Dec
    paid_lesson(scene, student, local(THURSDAY + 3 * DAY, 10))  # Sun 6 Dec, earned Mon 7 Dec 11:00
    assert sweep_payouts(now=MONDAY - timedelta(seconds=1)) == 0
    assert sweep_payouts(now=MONDAY) == 1
    assert sweep_payouts(now=MONDAY + HOUR) == 0
    first = Payout.objects.get()
    assert (first.kind, first.status, first.amount_cents, first.period_start, first.paid_at) == (
        "weekly", "paid", 2 * NET, MONDAY, MONDAY,
    )  # fmt: skip
    assert first.earnings.count() == 2
    assert sweep_payouts(now=MONDAY + 7 * DAY) == 1
    assert transfers() == [2 * NET, NET]
    assert Earning.objects.filter(payout__isnull=True).count() == 0


def test_no_payout_until_the_payout_account_is_connected(scene, student) -> None:
    paid_lesson(scene, student, START)
    scene.profile.payouts_connected_at = None
    scene.profile.save()
    assert sweep_payouts(now=MONDAY) == 0
    assert (Payout.objects.count(), transfers()) == (0, [])


def test_instant_payout_pays_everything_unpaid_once(scene, student) -> None:
    paid_lesson(scene, student, START)
    instructor = scene.profile.user
    payout = payout_instant(actor=instructor, now=START + 2 * DAY)
    assert (payout.kind, payout.status, payout.amount_cents) == ("instant", "paid", NET)
    with pytest.raises(Conflict, match="nothing to pay out"):
        payout_instant(actor=instructor, now=START + 2 * DAY)
    assert sweep_payouts(now=MONDAY) == 0  # the weekly batch finds nothing left
    assert transfers() == [NET]
    with pytest.raises(PermissionDenied):
        payout_instant(actor=student, now=START + 2 * DAY)


@time_machine.travel(START + 2 * DAY, tick=False)
def test_instant_payout_api_is_idempotent(client, scene, student) -> None:
    paid_lesson(scene, student, START)
    client.force_login(scene.profile.user)
    first = client.post("/api/v1/me/payouts/instant", HTTP_IDEMPOTENCY_KEY="payout-1")
    again = client.post("/api/v1/me/payouts/instant", HTTP_IDEMPOTENCY_KEY="payout-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert first.json()["amount_cents"] == NET
    assert again["Idempotent-Replayed"] == "true"
    assert transfers() == [NET]
    assert client.post("/api/v1/me/payouts/instant", HTTP_IDEMPOTENCY_KEY="payout-2").status_code == 409


@time_machine.travel(MONDAY + HOUR, tick=False)
def test_earnings_page_api_and_csv(client, scene, student) -> None:
    paid_lesson(scene, student, START)
    client.force_login(scene.profile.user)
    page = client.get("/teach/earnings/")
    assert page.status_code == 200
    assert 'data-testid="unpaid">$76.50</dd>' in page.content.decode()
    summary = client.get("/api/v1/me/earnings").json()
    assert (summary["unpaid_cents"], summary["paid_cents"]) == (NET, 0)
    assert [(e["kind"], e["amount_cents"], e["payout_status"]) for e in summary["earnings"]] == [("lesson", NET, None)]
    sweep_payouts(now=MONDAY + HOUR)
    csv = client.get("/teach/earnings.csv")
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content.decode().splitlines() == [
        "earned_at,lesson_date,lesson,student,kind,amount,payout,paid_at",
        "2026-12-04 11:00,2026-12-03 10:00,Piano,Sam S.,Lesson,76.50,Paid,2026-12-07 01:00",
    ]
    assert client.get("/api/v1/me/earnings.csv").content == csv.content
    client.force_login(student)
    assert client.get("/teach/earnings/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_an_instant_payout_racing_the_weekly_batch_pays_each_earning_once(scene, student) -> None:
    paid_lesson(scene, student, START)
    instructor = scene.profile.user
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(work) -> None:
        try:
            barrier.wait()
            work()
        except Conflict:
            pass  # the batch took everything first
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(lambda: sweep_payouts(now=MONDAY),)),
        threading.Thread(target=run, args=(lambda: payout_instant(actor=instructor, now=MONDAY),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert transfers() == [NET]
    assert list(Payout.objects.values_list("status", "amount_cents")) == [("paid", NET)]
