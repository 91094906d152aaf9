"""A reward's life on a simulated clock: earned when the referred student's first lesson of
$80 or more is charged, unlocked exactly 7 days later into a credit that expires exactly
6 calendar months after that; voided by a refund; capped at 20 per referrer; instructors'
rewards go to the payout ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.models import User
from apps.accounts.tests.factories import InstructorUserFactory, StudentFactory
from apps.bookings.models import Booking
from apps.bookings.sweeps import SWEEPS, money_sweeps_run
from apps.bookings.tests.conftest import THURSDAY, Scene, local
from apps.instructors.models import InstructorProfile
from apps.instructors.tests.factories import live_instructor
from apps.notifications.models import Notification
from apps.payments.credits import credit_balance, sweep_credit_expiry
from apps.payments.models import CreditEntry, Earning
from apps.payments.services import payment_method_add
from apps.payments.webhooks import HANDLERS
from apps.referrals.models import Referral, ReferralCode, Reward, RewardEvent
from apps.referrals.rules import add_months
from apps.referrals.services import (
    CODE_ALPHABET,
    referral_attribute,
    referral_booking_refunded,
    referral_code_get,
    referral_lesson_charged,
    sweep_referral_rewards,
)
from apps.referrals.tests.conftest import ATTRIBUTED, charge, charged_at

pytestmark = pytest.mark.django_db
CHARGED = charged_at()  # Fri 4 Dec 2026, 16:00 UTC
UNLOCK = CHARGED + timedelta(days=7)  # Fri 11 Dec 2026, 16:00 UTC
EXPIRY = datetime(2027, 6, 11, 16, 0, tzinfo=UTC)  # 6 calendar months after the unlock
SECOND = timedelta(seconds=1)


def _slot(index: int) -> datetime:
    """Four one-hour lessons a day from Thursday on, inside the teacher's open hours."""
    return local(THURSDAY + timedelta(days=index // 4), 9 + 2 * (index % 4))


def _rewards() -> list[tuple[str, str, int, str]]:
    return list(Reward.objects.order_by("side").values_list("user__email", "side", "amount_cents", "status"))


def _events(reward: Reward) -> list[tuple[str, str]]:
    return list(RewardEvent.objects.filter(reward=reward).order_by("id").values_list("from_status", "to_status"))


def _kinds(user: User) -> list[str]:
    return list(
        Notification.objects.filter(user=user, kind__startswith="referral")
        .order_by("id")
        .values_list("kind", flat=True)
    )


def test_first_lesson_of_80_dollars_earns_both_sides_a_pending_20(
    referral: Referral, scene: Scene, student: User, referrer: User
) -> None:
    booking = charge(scene, student)
    assert _rewards() == [
        ("student@example.com", "referred", 2000, "pending"),
        ("rita.referrer@example.com", "referrer", 2000, "pending"),
    ]
    assert set(Reward.objects.values_list("earned_at", "unlock_at", "booking_id")) == {(CHARGED, UNLOCK, booking.pk)}
    referral.refresh_from_db()
    assert (referral.status, referral.booking_id) == ("rewarded", booking.pk)
    assert credit_balance(user=student, now=CHARGED) == 0  # nothing spendable during the hold
    assert _kinds(student) == _kinds(referrer) == ["referral_earned"]


def test_unlocks_at_exactly_seven_days_into_credit_that_expires_at_exactly_six_months(
    referral: Referral, scene: Scene, student: User, referrer: User
) -> None:
    charge(scene, student)
    assert sweep_referral_rewards(now=UNLOCK - SECOND) == 0
    assert set(Reward.objects.values_list("status", flat=True)) == {"pending"}

    assert sweep_referral_rewards(now=UNLOCK) == 2
    assert credit_balance(user=student, now=UNLOCK) == 2000
    assert credit_balance(user=referrer, now=UNLOCK) == 2000
    reward = Reward.objects.get(user=referrer)
    assert (reward.status, reward.unlocked_at, reward.expires_at) == ("unlocked", UNLOCK, EXPIRY)
    assert reward.credit is not None
    assert (reward.credit.amount_cents, reward.credit.expires_at) == (2000, EXPIRY)
    assert _kinds(referrer) == ["referral_earned", "referral_unlocked"]
    assert sweep_referral_rewards(now=UNLOCK + SECOND) == 0  # once

    assert sweep_credit_expiry(now=EXPIRY - SECOND) == 0
    assert sweep_referral_rewards(now=EXPIRY - SECOND) == 0
    assert credit_balance(user=referrer, now=EXPIRY - SECOND) == 2000
    assert sweep_credit_expiry(now=EXPIRY) == 2
    assert sweep_referral_rewards(now=EXPIRY) == 2
    assert credit_balance(user=referrer, now=EXPIRY) == 0
    reward.refresh_from_db()
    assert reward.status == "expired"
    assert _events(reward) == [("", "pending"), ("pending", "unlocked"), ("unlocked", "expired")]


def test_the_money_sweeps_unlock_rewards(referral: Referral, scene: Scene, student: User) -> None:
    assert "referral_rewards" in SWEEPS
    charge(scene, student)
    assert money_sweeps_run(now=UNLOCK)["referral_rewards"] == 2
    assert credit_balance(user=student, now=UNLOCK) == 2000


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime(2026, 12, 11, 16, tzinfo=UTC), 6, datetime(2027, 6, 11, 16, tzinfo=UTC)),
        (datetime(2026, 8, 31, 9, tzinfo=UTC), 6, datetime(2027, 2, 28, 9, tzinfo=UTC)),
        (datetime(2027, 8, 31, 9, tzinfo=UTC), 6, datetime(2028, 2, 29, 9, tzinfo=UTC)),
        (datetime(2026, 7, 1, 0, tzinfo=UTC), 6, datetime(2027, 1, 1, 0, tzinfo=UTC)),
    ],
)
def test_six_calendar_months(day: datetime, months: int, expected: datetime) -> None:
    assert add_months(day, months) == expected


def test_a_first_lesson_under_80_dollars_earns_nothing_and_a_later_80_dollar_one_does(
    referral: Referral, scene: Scene, student: User
) -> None:
    charge(scene, student, minutes=30)  # $45
    assert Reward.objects.count() == 0
    referral.refresh_from_db()
    assert referral.status == "signed_up"
    later = local(THURSDAY + timedelta(days=1), 10)
    charge(scene, student, start=later)
    assert Reward.objects.filter(booking__starts_at=later).count() == 2


def test_only_the_first_qualifying_lesson_rewards(referral: Referral, scene: Scene, student: User) -> None:
    charge(scene, student)
    charge(scene, student, start=local(THURSDAY + timedelta(days=1), 10))
    assert Reward.objects.count() == 2
    assert RewardEvent.objects.count() == 2


def test_a_student_nobody_referred_earns_nothing(scene: Scene, student: User) -> None:
    charge(scene, student)
    assert Reward.objects.count() == 0


def test_refund_before_the_unlock_voids_both_rewards(
    referral: Referral, scene: Scene, student: User, referrer: User
) -> None:
    booking = charge(scene, student)
    assert referral_booking_refunded(booking=booking, now=CHARGED + timedelta(days=2)) == 2
    assert set(Reward.objects.values_list("status", "voided_at")) == {("voided", CHARGED + timedelta(days=2))}
    assert sweep_referral_rewards(now=UNLOCK) == 0
    assert credit_balance(user=referrer, now=UNLOCK) == 0
    assert _kinds(referrer) == ["referral_earned", "referral_voided"]
    assert referral_booking_refunded(booking=booking, now=UNLOCK) == 0  # once


def test_a_stripe_dashboard_refund_voids_them(referral: Referral, scene: Scene, student: User) -> None:
    booking = charge(scene, student)
    event = {
        "type": "charge.refunded",
        "data": {"object": {"payment_intent": booking.payment_intent_id, "amount_refunded": 10080}},
    }
    HANDLERS["charge.refunded"](event, CHARGED + timedelta(days=1))
    assert set(Reward.objects.values_list("status", flat=True)) == {"voided"}


def test_refund_after_the_unlock_withdraws_what_is_left_of_the_credit(
    referral: Referral, scene: Scene, student: User, referrer: User
) -> None:
    booking = charge(scene, student)
    sweep_referral_rewards(now=UNLOCK)
    later = UNLOCK + timedelta(days=3)
    assert referral_booking_refunded(booking=booking, now=later) == 2
    assert credit_balance(user=referrer, now=later) == 0
    withdrawn = CreditEntry.objects.get(user=referrer, kind="withdraw")
    assert (withdrawn.amount_cents, withdrawn.grant_id) == (-2000, Reward.objects.get(user=referrer).credit_id)
    assert sweep_referral_rewards(now=EXPIRY) == 0  # a voided reward does not expire


def test_a_refund_settlement_voids_the_rewards(referral: Referral, scene: Scene, student: User) -> None:
    """A no-show upheld after the charge refunds through a settlement: the hook in
    apps/bookings/settlement.py voids the rewards in the same transaction."""
    from apps.bookings.models import Settlement
    from apps.bookings.settlement import settlement_run

    booking = charge(scene, student)
    refund = Settlement.objects.create(
        booking=booking, reason="no_show_instructor", payment_to="refunded", refund_cents=booking.total_cents,
        created_at=CHARGED + timedelta(hours=1),
    )  # fmt: skip
    settlement_run(settlement_id=refund.pk, now=CHARGED + timedelta(hours=1))
    assert set(Reward.objects.values_list("status", flat=True)) == {"voided"}


def test_the_referrer_earns_at_most_20_rewards_the_friend_still_gets_theirs(scene: Scene, referrer: User) -> None:
    code = referrer.referral_code.code
    friends = []
    for index in range(21):
        friend = StudentFactory.create(email=f"friend{index}@example.com")
        referral_attribute(user=friend, code=code, device_id=f"dev{index}", now=ATTRIBUTED - timedelta(days=7 * index))
        friends.append(friend)
    for index, friend in enumerate(friends):
        card = payment_method_add(actor=friend, card_token="4242424242424242")
        charge(scene, friend, start=_slot(index), card=card)
    assert Reward.objects.filter(user=referrer).count() == 20
    assert Reward.objects.filter(side="referred").count() == 21
    last = Referral.objects.get(referred=friends[-1])
    assert (last.status, last.note) == ("rewarded", "The referrer already earned 20 rewards (the cap).")


def test_a_voided_reward_does_not_count_towards_the_cap(scene: Scene, referrer: User) -> None:
    code = referrer.referral_code.code
    friends = [StudentFactory.create() for _ in range(21)]
    for index, friend in enumerate(friends):
        referral_attribute(user=friend, code=code, device_id="", now=ATTRIBUTED - timedelta(days=7 * index))
    bookings: list[Booking] = []
    for index, friend in enumerate(friends[:20]):
        card = payment_method_add(actor=friend, card_token="4242424242424242")
        bookings.append(charge(scene, friend, start=_slot(index), card=card))
    referral_booking_refunded(booking=bookings[0], now=CHARGED)
    card = payment_method_add(actor=friends[20], card_token="4242424242424242")
    charge(scene, friends[20], start=_slot(20), card=card)
    assert Reward.objects.filter(user=referrer).exclude(status="voided").count() == 20


@pytest.fixture
def instructor_referral(scene: Scene) -> tuple[User, Referral]:
    """The scene's instructor signed up with another instructor's link."""
    inviter = InstructorUserFactory.create(email="ivy.inviter@example.com")
    live_instructor(user=inviter)
    code = referral_code_get(user=inviter, now=ATTRIBUTED)
    found = referral_attribute(user=scene.profile.user, code=code.code, device_id="", now=ATTRIBUTED)
    assert found is not None
    assert found.kind == "instructor"
    return inviter, found


def test_an_instructor_referral_pays_75_while_under_100_founding_instructors(
    instructor_referral: tuple[User, Referral], scene: Scene, student: User
) -> None:
    inviter, _ = instructor_referral
    charge(scene, student, minutes=30)  # any first lesson counts for instructors
    assert _rewards() == [("ivy.inviter@example.com", "referrer", 7500, "pending")]
    sweep_referral_rewards(now=charged_at(minutes=30) + timedelta(days=7))
    earning = Earning.objects.get(kind="referral")
    assert (earning.instructor.user_id, earning.amount_cents, earning.booking_id, earning.settlement_id) == (
        inviter.pk, 7500, None, None,
    )  # fmt: skip
    assert Reward.objects.get().earning_id == earning.pk
    charge(scene, student, start=local(THURSDAY + timedelta(days=1), 10))
    assert Reward.objects.count() == 1  # once per referred instructor


def test_an_instructor_referral_pays_50_once_there_are_100_founding_instructors(
    instructor_referral: tuple[User, Referral], scene: Scene, student: User
) -> None:
    InstructorProfile.objects.filter(pk__in=[live_instructor().pk for _ in range(99)]).update(is_founding=True)
    assert InstructorProfile.objects.filter(is_founding=True).count() == 99
    InstructorProfile.objects.filter(pk=scene.profile.pk).update(is_founding=True)
    charge(scene, student)
    assert _rewards() == [("ivy.inviter@example.com", "referrer", 5000, "pending")]


def test_a_student_cannot_be_credited_to_an_instructor_link(scene: Scene, student: User) -> None:
    inviter = InstructorUserFactory.create()
    code = referral_code_get(user=inviter, now=ATTRIBUTED)
    newcomer = StudentFactory.create()
    assert referral_attribute(user=newcomer, code=code.code, device_id="", now=ATTRIBUTED) is None
    assert Referral.objects.count() == 0


def test_a_second_attribution_of_the_same_account_is_ignored(referral: Referral, student: User) -> None:
    other = StudentFactory.create()
    code = referral_code_get(user=other, now=ATTRIBUTED)
    assert referral_attribute(user=student, code=code.code, device_id="", now=ATTRIBUTED) is None
    assert Referral.objects.get(referred=student).pk == referral.pk


def test_codes_are_made_once_per_user(student: User) -> None:
    first = referral_code_get(user=student, now=ATTRIBUTED)
    assert referral_code_get(user=student, now=ATTRIBUTED).pk == first.pk
    assert ReferralCode.objects.filter(user=student).count() == 1
    assert len(first.code) == 8
    assert set(first.code) <= set(CODE_ALPHABET)


def test_the_hook_is_a_no_op_for_a_lesson_of_a_student_without_referral(scene: Scene, student: User) -> None:
    booking = charge(scene, student)
    assert referral_lesson_charged(booking=booking, now=CHARGED) == []
