"""Instructor payout accounts and identity checks through the onboarding pages: the local
gateway's stand-in form, and Stripe Connect Express / Stripe Identity (localstripe lacks both:
the emulator answers with recorded, normalized Stripe responses — tests/stripe_fixtures);
failed payouts backing off 1 h, 4 h, 24 h, then failing with the instructor and staff told."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.bookings.tests.bank import StripeBank
from apps.bookings.tests.conftest import NOW
from apps.instructors.tests.factories import InstructorProfileFactory
from apps.notifications.models import Notification
from apps.payments.models import Earning, Payout, PayoutAccount
from apps.payments.payouts import sweep_payouts
from tests.stripe_emulator import LocalStripe

pytestmark = pytest.mark.django_db
PAYOUTS = "/teach/payouts/"
HOUR = timedelta(hours=1)


@pytest.fixture
def newcomer(instructor):
    return InstructorProfileFactory.create(user=instructor)


def test_local_payout_account_connects_without_staff(client, newcomer) -> None:
    client.force_login(newcomer.user)
    assert "Connect your payout account" in client.get(PAYOUTS).content.decode()
    to_form = client.post("/teach/payouts/connect/")
    account = PayoutAccount.objects.get(instructor=newcomer)
    assert (to_form.status_code, to_form["Location"]) == (302, f"/teach/payouts/local/{account.account_id}/")
    assert client.get(to_form["Location"]).status_code == 200
    done = client.post(to_form["Location"])
    assert (done.status_code, done["Location"]) == (302, PAYOUTS)
    newcomer.refresh_from_db()
    account.refresh_from_db()
    assert newcomer.payouts_connected_at is not None
    assert (account.provider, account.payouts_enabled, account.currently_due) == ("local", True, [])


def test_stripe_connect_onboarding_return_page_and_dashboard(client, newcomer, localstripe: LocalStripe) -> None:
    client.force_login(newcomer.user)
    to_stripe = client.post("/teach/payouts/connect/")
    account = PayoutAccount.objects.get(instructor=newcomer)
    assert to_stripe["Location"].startswith(f"https://connect.stripe.test/setup/e/{account.account_id}/")
    back_early = client.get("/teach/payouts/return/")  # left Stripe's form before finishing
    newcomer.refresh_from_db()
    assert (back_early["Location"], newcomer.payouts_connected_at) == (PAYOUTS, None)
    localstripe.call(f"/_test/accounts/{account.account_id}", state="complete")
    client.get("/teach/payouts/return/")
    newcomer.refresh_from_db()
    account.refresh_from_db()
    assert newcomer.payouts_connected_at is not None
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (True, True, True)
    dashboard = client.post("/teach/payouts/dashboard/")
    assert dashboard["Location"].startswith(f"https://connect.stripe.test/express/{account.account_id}/")
    assert client.post("/teach/payouts/connect/")["Location"].startswith("https://connect.stripe.test/setup/e/")
    assert PayoutAccount.objects.count() == 1  # the same account, a fresh link


def test_someone_else_cannot_finish_a_local_payout_account(client, newcomer, other_instructor) -> None:
    client.force_login(newcomer.user)
    url = client.post("/teach/payouts/connect/")["Location"]
    other = InstructorProfileFactory.create(user=other_instructor)
    client.force_login(other_instructor)
    assert client.post(url).status_code == 404
    newcomer.refresh_from_db()
    assert newcomer.payouts_connected_at is None
    assert other.payouts_connected_at is None


def test_stripe_identity_check_from_the_verification_step(client, newcomer, localstripe: LocalStripe) -> None:
    client.force_login(newcomer.user)
    assert "Verify your identity" in client.get("/teach/verification/").content.decode()
    to_stripe = client.post("/teach/verification/identity/")
    session = newcomer.identity_verifications.get()
    assert to_stripe["Location"] == f"https://verify.stripe.test/start/{session.session_id}"
    localstripe.call(f"/_test/identity/{session.session_id}", status="verified")
    assert client.get("/teach/verification/identity/return/")["Location"] == "/teach/verification/"
    newcomer.refresh_from_db()
    session.refresh_from_db()
    assert (session.status, newcomer.identity_verified_at is not None) == ("verified", True)


def test_without_stripe_identity_stays_with_staff(client, newcomer) -> None:
    client.force_login(newcomer.user)
    assert "Verify your identity" not in client.get("/teach/verification/").content.decode()
    refused = client.post("/teach/verification/identity/")
    assert refused["Location"] == "/teach/verification/"
    assert newcomer.identity_verifications.count() == 0


def test_failed_payout_backs_off_then_fails_with_instructor_and_staff_told(scene, student, staff, localstripe) -> None:
    """The instructor's Stripe account cannot receive transfers (payouts not enabled), so
    every transfer is refused by Stripe."""
    from apps.payments.tests.test_payouts import paid_lesson

    bank = StripeBank(localstripe)
    scene.card = bank.card(student)
    bank.connect(scene.profile)
    booking = paid_lesson(scene, student, NOW + timedelta(days=2, hours=3))
    account = scene.profile.payout_account
    localstripe.call(f"/_test/accounts/{account.account_id}", state="pending")  # payouts disabled at Stripe
    monday = Earning.objects.get(booking=booking).earned_at + timedelta(days=7)
    # Ticks: the first try, 30 min later (too early), then 1 h, 4 h and 24 h after each failure.
    ticks = [monday, monday + HOUR / 2, monday + HOUR, monday + 5 * HOUR, monday + 29 * HOUR, monday + 60 * HOUR]
    seen = []
    for now in ticks:
        sweep_payouts(now=now)
        seen.append(Payout.objects.get().attempts)
    assert seen == [1, 1, 2, 3, 4, 4]
    payout = Payout.objects.get()
    assert (payout.status, payout.attempts, payout.failure_code) == (
        "failed",
        4,
        "insufficient_capabilities_for_transfer",
    )
    attempts = [r for r in localstripe.requests() if r["path"] == "/v1/transfers"]
    assert [r["idempotency_key"] for r in attempts] == [f"payout:{payout.pk}:{n}" for n in range(4)]
    told = Notification.objects.filter(user=scene.profile.user, kind="payout_failed").order_by("id")
    assert [n.subject for n in told] == ["Payout delayed: $76.50", "Payout failed: $76.50"]
    assert Notification.objects.filter(user=staff, kind="staff_alert").count() == 1
