"""Concurrency on real PostgreSQL: the referred student's two first lessons charged at the same
moment by two workers give one reward per side."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from apps.accounts.models import User
from apps.bookings.models import Booking, Settlement
from apps.bookings.settlement import booking_money, settlement_decide, settlement_run
from apps.bookings.tests.conftest import THURSDAY, Scene, local
from apps.notifications.models import Notification
from apps.payments.models import CreditEntry
from apps.payments.pricing import completion_outcome
from apps.referrals.models import Referral, Reward, RewardEvent
from apps.referrals.services import sweep_referral_rewards
from apps.referrals.tests.conftest import charged_at, take_lesson

pytestmark = pytest.mark.django_db(transaction=True)


def _decided(booking: Booking, when: datetime) -> Settlement:
    return settlement_decide(
        booking=booking, reason="completion", outcome=completion_outcome(booking_money(booking)), now=when
    )


def test_two_first_lessons_charged_at_once_give_one_reward_per_side(
    referral: Referral, scene: Scene, student: User, referrer: User
) -> None:
    second_start = local(THURSDAY, 13)
    first, second = take_lesson(scene, student), take_lesson(scene, student, start=second_start)
    when = charged_at(second_start)
    settlements = [_decided(first, when), _decided(second, when)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(settlement_id: int) -> None:
        try:
            barrier.wait()
            settlement_run(settlement_id=settlement_id, now=when)
        except BaseException as exc:  # reported below: a worker must not fail
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(s.pk,)) for s in settlements]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(Settlement.objects.values_list("status", flat=True)) == ["done", "done"]  # both lessons charged
    assert sorted(Reward.objects.values_list("side", "amount_cents")) == [("referred", 2000), ("referrer", 2000)]
    assert Reward.objects.values("booking").distinct().count() == 1
    referral.refresh_from_db()
    assert referral.status == "rewarded"
    assert referral.booking_id in {first.pk, second.pk}


def test_the_database_refuses_a_second_reward_for_the_same_side(
    referral: Referral, scene: Scene, student: User
) -> None:
    """The backstop under the lock: whatever the code path, one reward per (referral, side)."""
    booking = take_lesson(scene, student)
    settlement_run(settlement_id=_decided(booking, charged_at()).pk, now=charged_at())
    reward = Reward.objects.get(side="referred")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.create(
            referral=referral, user=student, side="referred", amount_cents=2000, booking=booking,
            earned_at=reward.earned_at, unlock_at=reward.unlock_at + timedelta(days=1),
        )  # fmt: skip
    assert Reward.objects.filter(side="referred").count() == 1


def test_the_unlock_sweep_in_two_workers_at_once_unlocks_each_reward_once(
    referral: Referral, scene: Scene, student: User, referrer: User
) -> None:
    booking = take_lesson(scene, student)
    settlement_run(settlement_id=_decided(booking, charged_at()).pk, now=charged_at())
    unlock = charged_at() + timedelta(days=7)
    assert sum(_two_workers(lambda: sweep_referral_rewards(now=unlock))) == 2
    assert CreditEntry.objects.filter(kind="grant", reason="Referral reward").count() == 2
    assert RewardEvent.objects.filter(to_status="unlocked").count() == 2
    assert Notification.objects.filter(kind="referral_unlocked").count() == 2


def _two_workers(work: Callable[[], int]) -> list[int]:
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
    return results
