"""Abuse rules: no self-referral (same normalized email, same card, same device); more than
5 attributions in 24 h or 15 in 7 days freezes the referrer's pending rewards until staff
release or void each one with a reason."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from apps.accounts.models import User
from apps.accounts.tests.factories import StudentFactory
from apps.audit.queues import backoffice_queue_list
from apps.bookings.tests.conftest import THURSDAY, Scene, local
from apps.core.errors import Conflict, PermissionDenied, ValidationFailed
from apps.notifications.models import Notification
from apps.payments.credits import credit_balance
from apps.payments.services import payment_method_add
from apps.referrals.models import Referral, ReferralCode, Reward, RewardEvent
from apps.referrals.services import (
    email_normalize,
    referral_attribute,
    referral_device_seen,
    reward_release,
    reward_void,
    sweep_referral_rewards,
)
from apps.referrals.tests.conftest import ATTRIBUTED, charge, charged_at

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)
UNLOCK = charged_at() + timedelta(days=7)


@pytest.mark.parametrize(
    ("email", "normalized"),
    [
        ("Rita.Referrer@Example.com", "rita.referrer@example.com"),
        ("rita.referrer+friend@example.com", "rita.referrer@example.com"),
        ("R.i.t.a+2@googlemail.com", "rita@gmail.com"),
        (" rita@gmail.com ", "rita@gmail.com"),
    ],
)
def test_email_normalization(email: str, normalized: str) -> None:
    assert email_normalize(email) == normalized


def test_same_normalized_email_is_a_self_referral(scene: Scene, referrer: User) -> None:
    twin = StudentFactory.create(email="Rita.Referrer+again@example.com")
    referral = referral_attribute(user=twin, code=referrer.referral_code.code, device_id="", now=ATTRIBUTED)
    assert referral is not None
    assert (referral.status, referral.note) == ("rejected", "Same email as the referrer.")
    card = payment_method_add(actor=twin, card_token="4242424242424242")
    charge(scene, twin, card=card)
    assert Reward.objects.count() == 0


def test_signing_up_on_the_referrers_device_is_a_self_referral(scene: Scene, referrer: User) -> None:
    referral_device_seen(user=referrer, device_id="ritasphone", now=ATTRIBUTED - HOUR)
    other = StudentFactory.create()
    referral = referral_attribute(user=other, code=referrer.referral_code.code, device_id="ritasphone", now=ATTRIBUTED)
    assert referral is not None
    assert (referral.status, referral.note) == ("rejected", "Signed up on the referrer's device.")


def test_paying_with_the_referrers_card_is_a_self_referral(referral: Referral, scene: Scene, student: User) -> None:
    same = payment_method_add(actor=student, card_token="5555555555554444")  # the referrer's Mastercard
    charge(scene, student, card=same)
    assert Reward.objects.count() == 0
    referral.refresh_from_db()
    assert (referral.status, referral.note) == ("rejected", "Paid with the referrer's card.")


def test_own_code_attributes_nothing(referrer: User) -> None:
    assert referral_attribute(user=referrer, code=referrer.referral_code.code, device_id="", now=ATTRIBUTED) is None
    assert Referral.objects.count() == 0


def _attribute(referrer: User, count: int, *, first: datetime, every: timedelta) -> list[User]:
    friends = []
    for index in range(count):
        friend = StudentFactory.create()
        referral_attribute(user=friend, code=referrer.referral_code.code, device_id="", now=first + index * every)
        friends.append(friend)
    return friends


def _frozen(referrer: User) -> bool:
    return ReferralCode.objects.get(user=referrer).frozen_at is not None


def test_five_attributions_in_a_day_are_fine_the_sixth_freezes_pending_rewards(
    referral: Referral, scene: Scene, student: User, referrer: User
) -> None:
    charge(scene, student)
    start = charged_at() + HOUR
    _attribute(referrer, 4, first=start, every=HOUR)  # 4 within 24 h (the first referral is 3 days older)
    _attribute(referrer, 1, first=start + 4 * HOUR, every=HOUR)
    assert not _frozen(referrer)
    assert Reward.objects.get(user=referrer).status == "pending"

    _attribute(referrer, 1, first=start + 23 * HOUR, every=HOUR)  # the 6th within 24 h of the first of these
    assert _frozen(referrer)
    assert ReferralCode.objects.get(user=referrer).frozen_reason == "6 sign-ups in 24 hours, 7 in 7 days"
    reward = Reward.objects.get(user=referrer)
    assert reward.status == "frozen"
    assert {q.label: q.count for q in backoffice_queue_list()}["Frozen referral rewards"] == 1  # staff see it waiting
    assert Reward.objects.get(user=student).status == "pending"  # the friend's own reward is not the referrer's
    assert Notification.objects.filter(kind="staff_alert").count() == 0  # no staff in this test
    assert sweep_referral_rewards(now=UNLOCK) == 1  # the student's unlocks; the frozen one waits
    assert credit_balance(user=referrer, now=UNLOCK) == 0


def test_sixteen_attributions_in_a_week_freeze_fifteen_do_not(referrer: User, staff: User) -> None:
    start = ATTRIBUTED
    _attribute(referrer, 15, first=start, every=timedelta(hours=11))  # ≤ 3 a day, 15 within 154 h
    assert not _frozen(referrer)
    _attribute(referrer, 1, first=start + timedelta(hours=169), every=HOUR)
    assert not _frozen(referrer)  # the first one is now more than 7 days old: 15 in the week
    _attribute(referrer, 1, first=start + timedelta(hours=170), every=HOUR)  # 16 in the week
    assert _frozen(referrer)
    assert Notification.objects.filter(user=staff, kind="staff_alert").count() == 1


def test_rewards_earned_while_frozen_start_frozen_and_staff_release_them(
    referral: Referral, scene: Scene, student: User, referrer: User, staff: User
) -> None:
    _attribute(referrer, 6, first=ATTRIBUTED + HOUR, every=HOUR)
    assert _frozen(referrer)
    charge(scene, student)
    reward = Reward.objects.get(user=referrer)
    assert (reward.status, reward.reason) == ("frozen", "6 sign-ups in 24 hours, 6 in 7 days")

    released = reward_release(actor=staff, reward_id=reward.pk, reason="Checked: a real book club", now=UNLOCK - HOUR)
    assert released.status == "pending"
    assert not _frozen(referrer)
    event = RewardEvent.objects.filter(reward=reward).last()
    assert event is not None
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        staff, "frozen", "pending", "Released: Checked: a real book club",
    )  # fmt: skip
    assert sweep_referral_rewards(now=UNLOCK) == 2
    assert credit_balance(user=referrer, now=UNLOCK) == 2000


def test_staff_void_a_frozen_reward_with_the_reason_recorded_and_told(
    referral: Referral, scene: Scene, student: User, referrer: User, staff: User
) -> None:
    charge(scene, student)
    _attribute(referrer, 6, first=charged_at() + HOUR, every=HOUR)
    reward = Reward.objects.get(user=referrer)
    voided = reward_void(actor=staff, reward_id=reward.pk, reason="Accounts made in bulk", now=UNLOCK)
    assert (voided.status, voided.reason, voided.voided_at) == ("voided", "Accounts made in bulk", UNLOCK)
    assert Notification.objects.filter(user=referrer, kind="referral_voided").count() == 1
    assert sweep_referral_rewards(now=UNLOCK) == 1  # only the friend's


def test_staff_decisions_are_refused_without_a_reason_to_non_staff_and_on_wrong_states(
    referral: Referral, scene: Scene, student: User, referrer: User, staff: User
) -> None:
    charge(scene, student)
    reward = Reward.objects.get(user=referrer)
    before = list(RewardEvent.objects.values_list("pk", flat=True))
    with pytest.raises(PermissionDenied):
        reward_void(actor=referrer, reward_id=reward.pk, reason="mine", now=UNLOCK)
    with pytest.raises(ValidationFailed):
        reward_void(actor=staff, reward_id=reward.pk, reason="   ", now=UNLOCK)
    with pytest.raises(Conflict):
        reward_release(actor=staff, reward_id=reward.pk, reason="not frozen", now=UNLOCK)
    reward.refresh_from_db()
    assert reward.status == "pending"
    assert list(RewardEvent.objects.values_list("pk", flat=True)) == before


def test_a_later_lesson_day_does_not_matter_for_the_freeze(referrer: User) -> None:
    """The windows trail the attribution being counted: six spread over two days freeze nothing."""
    _attribute(referrer, 6, first=local(THURSDAY, 9), every=timedelta(hours=5))
    assert not _frozen(referrer)
