"""The credits ledger: grants and uses as rows, earliest expiry first, 365-day expiry,
reserved on booking, returned with the original expiry, never paying the fee."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from apps.accounts.tests.factories import StudentFactory
from apps.bookings.policies import booking_cancel
from apps.bookings.tests.conftest import NOW
from apps.bookings.tests.money import FEE, PRICE, START, book
from apps.core.errors import Conflict
from apps.payments.credits import credit_balance, credit_grant, credits_reserve, credits_return, sweep_credit_expiry
from apps.payments.models import CreditEntry
from apps.payments.services import payment_method_add

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def rows(user) -> list[tuple[str, int, int | None]]:
    """(kind, amount, the bucket's grant id) in order."""
    return list(CreditEntry.objects.filter(user=user).order_by("id").values_list("kind", "amount_cents", "grant_id"))


def test_a_grant_expires_after_365_days(student) -> None:
    grant = credit_grant(user=student, amount_cents=2500, reason="goodwill", now=NOW)
    assert grant.expires_at == NOW + timedelta(days=365)
    assert credit_balance(user=student, now=NOW + timedelta(days=365) - timedelta(seconds=1)) == 2500
    assert credit_balance(user=student, now=NOW + timedelta(days=365)) == 0


def test_a_booking_uses_the_credits_that_expire_first_and_never_pays_the_fee(scene, student) -> None:
    later = credit_grant(user=student, amount_cents=5000, reason="b", now=NOW - 10 * DAY)  # expires latest
    soonest = credit_grant(user=student, amount_cents=3000, reason="c", now=NOW - 300 * DAY)
    middle = credit_grant(user=student, amount_cents=4000, reason="a", now=NOW - 200 * DAY)
    booking = book(scene, student)
    # $120 of credit for a $90 lesson: the lesson price is covered, the $10.80 fee is still charged.
    assert (booking.credits_applied_cents, booking.total_cents) == (PRICE, FEE)
    uses = rows(student)[3:]
    assert uses == [("use", -3000, soonest.pk), ("use", -4000, middle.pk), ("use", -2000, later.pk)]
    assert credit_balance(user=student, now=NOW) == 3000


def test_returned_credits_keep_their_original_expiry_and_return_once(scene, student) -> None:
    grant = credit_grant(user=student, amount_cents=1000, reason="goodwill", now=NOW - 364 * DAY)  # expires in 1 day
    booking = book(scene, student)
    assert credit_balance(user=student, now=NOW) == 0
    assert credits_return(booking=booking, now=NOW + DAY / 2) == 1000
    assert credits_return(booking=booking, now=NOW + DAY / 2) == 0  # idempotent
    assert rows(student) == [("grant", 1000, None), ("use", -1000, grant.pk), ("release", 1000, grant.pk)]
    assert credit_balance(user=student, now=NOW + DAY / 2) == 1000
    assert credit_balance(user=student, now=NOW + DAY) == 0  # the grant's own expiry, not a new one


def test_the_database_refuses_a_second_release_for_the_same_booking_and_bucket(scene, student) -> None:
    grant = credit_grant(user=student, amount_cents=1000, reason="goodwill", now=NOW)
    booking = book(scene, student)
    credits_return(booking=booking, now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditEntry.objects.create(
            user=student, kind="release", amount_cents=1000, grant=grant, booking=booking, created_at=NOW
        )


def test_reserving_more_than_is_left_is_refused_and_writes_nothing(scene, student) -> None:
    credit_grant(user=student, amount_cents=1000, reason="goodwill", now=NOW)
    booking = book(scene, student)  # uses the 1000
    with pytest.raises(Conflict, match="credit balance changed"):
        credits_reserve(user=student, booking=booking, amount_cents=500, now=NOW)
    assert CreditEntry.objects.filter(kind="use").count() == 1


def test_expiry_writes_what_was_left_once(scene, student) -> None:
    credit_grant(user=student, amount_cents=12000, reason="goodwill", now=NOW - 300 * DAY)
    book(scene, student)  # uses 9000; 3000 left, expiring at NOW + 65 days
    expiry = NOW + 65 * DAY
    assert sweep_credit_expiry(now=expiry - timedelta(seconds=1)) == 0
    assert sweep_credit_expiry(now=expiry) == 1
    assert sweep_credit_expiry(now=expiry) == 0
    assert [(k, a) for k, a, _ in rows(student)] == [("grant", 12000), ("use", -9000), ("expire", -3000)]


def test_credits_returned_into_an_expired_bucket_expire_too(scene, student) -> None:
    grant = credit_grant(user=student, amount_cents=2000, reason="goodwill", now=NOW - 364 * DAY)
    booking = book(scene, student)
    booking_cancel(actor=student, booking_id=booking.pk, now=NOW + 2 * DAY - timedelta(hours=30))  # ≥ 24 h: free
    assert START - (NOW + 2 * DAY - timedelta(hours=30)) >= timedelta(hours=24)
    assert credit_balance(user=student, now=NOW + 2 * DAY) == 0  # returned, but its bucket expired on day 1
    assert sweep_credit_expiry(now=NOW + 2 * DAY) == 1
    assert [(k, a, g) for k, a, g in rows(student)][-1] == ("expire", -2000, grant.pk)


@time_machine.travel(NOW, tick=False)
def test_balance_page_and_api_show_the_balance_and_the_history(client, scene, student) -> None:
    credit_grant(user=student, amount_cents=2000, reason="Late cancellation: Piano", now=NOW - 10 * DAY)
    book(scene, student)
    client.force_login(student)
    page = client.get("/account/credits/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="credit-balance">$0</dd>' in html
    assert "Late cancellation: Piano" in html
    assert "-$20" in html
    assert "+$20" in html
    body = client.get("/api/v1/me/credits").json()
    assert body["balance_cents"] == 0
    assert [(h["kind"], h["amount_cents"]) for h in body["history"]] == [("use", -2000), ("grant", 2000)]
    assert body["history"][1]["expires_at"] == (NOW - 10 * DAY + timedelta(days=365)).isoformat().replace("+00:00", "Z")


@pytest.mark.django_db(transaction=True)
def test_two_bookings_at_once_cannot_spend_the_same_credit_twice(scene) -> None:
    student = StudentFactory.create()
    card = payment_method_add(actor=student, card_token="4242424242424242")
    credit_grant(user=student, amount_cents=PRICE, reason="goodwill", now=NOW)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(hours: int) -> None:
        try:
            barrier.wait()
            booking = book(scene, student, start=START + timedelta(hours=hours), card=card)
            outcomes.append(f"booked with {booking.credits_applied_cents}")
        except Conflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(h,)) for h in (0, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Either the second booking saw the balance already spent (booked without credit), or it
    # priced with the credit and was refused when reserving it; never both with credit.
    assert sorted(outcomes) in (["booked with 0", f"booked with {PRICE}"], [f"booked with {PRICE}", "refused"])
    assert list(CreditEntry.objects.filter(kind="use").values_list("amount_cents", flat=True)) == [-PRICE]
