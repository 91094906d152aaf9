"""The share link, sign-up through it, the referrals page, the QR image and the staff actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.test import Client

from apps.accounts.models import User
from apps.accounts.tests.factories import StudentFactory
from apps.bookings.tests.conftest import Scene
from apps.referrals.cookies import DEVICE_COOKIE, REF_COOKIE
from apps.referrals.models import Referral, ReferralDevice, Reward, RewardEvent
from apps.referrals.qr import qr_svg
from apps.referrals.services import referral_attribute, referral_code_get
from apps.referrals.tests.conftest import ATTRIBUTED, charge

pytestmark = pytest.mark.django_db
PASSWORD = "violin-sonata-42"
CLICKED = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _signup(client: Client, email: str = "nora@example.com", role: str = "student") -> None:
    response = client.post(
        "/accounts/signup/",
        {"email": email, "first_name": "Nora", "last_name": "New", "role": role, "password1": PASSWORD,
         "password2": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302


@pytest.fixture
def code(referrer: User) -> str:
    return referrer.referral_code.code


def test_the_link_shows_the_offer_and_sets_the_attribution_and_device_cookies(client: Client, code: str) -> None:
    response = client.get(f"/r/{code.lower()}")  # codes are read aloud: case does not matter
    assert response.status_code == 200
    text = response.content.decode()
    assert "Rita gave you $20" in text
    assert "a first lesson of $80 or more: you both get $20 in lesson credit" in text
    ref = response.cookies[REF_COOKIE]
    assert ref["max-age"] == 30 * 24 * 3600
    assert ref["httponly"]
    assert response.cookies[DEVICE_COOKIE].value


def test_an_unknown_code_answers_404_and_sets_no_cookie(client: Client, referrer: User) -> None:
    response = client.get("/r/NOPE1234")
    assert response.status_code == 404
    assert "This invitation link isn't valid" in response.content.decode()
    assert REF_COOKIE not in response.cookies


def test_odd_codes_never_break_the_page(client: Client, referrer: User) -> None:
    for raw in ["%00", "x" * 300, "<script>", "é"]:
        assert client.get(f"/r/{raw}").status_code == 404


def test_signing_up_after_the_link_attributes_the_account_and_the_page_shows_the_offer(
    client: Client, code: str, referrer: User
) -> None:
    client.get(f"/r/{code}")
    signup = client.get("/accounts/signup/").content.decode()
    assert "Rita invited you." in signup
    _signup(client)
    referral = Referral.objects.get()
    assert (referral.referrer, referral.referred.email, referral.kind, referral.status) == (
        referrer, "nora@example.com", "student", "signed_up",
    )  # fmt: skip
    assert referral.device_id == client.cookies[DEVICE_COOKIE].value
    assert ReferralDevice.objects.filter(user=referral.referred, device_id=referral.device_id).exists()


def test_a_tampered_cookie_attributes_nothing(client: Client, code: str) -> None:
    client.cookies[REF_COOKIE] = code  # unsigned
    _signup(client)
    assert Referral.objects.count() == 0


def test_the_attribution_lasts_30_days(client: Client, code: str) -> None:
    with time_machine.travel(CLICKED, tick=False):
        client.get(f"/r/{code}")
    with time_machine.travel(CLICKED + timedelta(days=30) - timedelta(seconds=1), tick=False):
        _signup(client, email="in-time@example.com")
    with time_machine.travel(CLICKED + timedelta(days=30, seconds=1), tick=False):
        _signup(Client(cookies=client.cookies), email="too-late@example.com")
    assert list(Referral.objects.values_list("referred__email", flat=True)) == ["in-time@example.com"]


def test_signing_up_on_the_browser_the_referrer_used_is_refused(client: Client, code: str, referrer: User) -> None:
    client.force_login(referrer)
    client.get("/referrals/")  # the referrer's own browser gets a device id
    device = client.cookies[DEVICE_COOKIE].value
    client.logout()  # (the test client forgets every cookie here; the browser would not)
    client.cookies[DEVICE_COOKIE] = device
    client.get(f"/r/{code}")
    _signup(client)
    referral = Referral.objects.get()
    assert (referral.status, referral.note) == ("rejected", "Signed up on the referrer's device.")


def test_the_referrals_page_needs_a_login(client: Client) -> None:
    response = client.get("/referrals/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/referrals/qr.svg").status_code == 302


def test_the_referrals_page_shows_the_link_invites_and_rewards(
    client: Client, referral: Referral, scene: Scene, student: User, referrer: User
) -> None:
    charge(scene, student)
    client.force_login(referrer)
    text = client.get("/referrals/").content.decode()
    assert f'value="http://127.0.0.1:8000/r/{referrer.referral_code.code}"' in text
    assert "Copy link" in text
    assert 'src="/referrals/qr.svg"' in text
    assert "$20 · For inviting" in text
    assert "Unlocks Fri 11 Dec" in text
    assert student.display_name in text
    assert "19 of 20 rewards left to earn" in text


def test_nobody_sees_anyone_elses_invites_or_rewards(
    client: Client, referral: Referral, scene: Scene, student: User, other_student: User
) -> None:
    charge(scene, student)
    client.force_login(other_student)
    text = client.get("/referrals/").content.decode()
    assert student.display_name not in text
    assert "No rewards yet" in text
    assert "Nobody has signed up with your link yet." in text


def test_the_qr_image_is_the_users_link(client: Client, referrer: User) -> None:
    client.force_login(referrer)
    response = client.get("/referrals/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content == qr_svg(f"http://127.0.0.1:8000/r/{referrer.referral_code.code}")
    assert response.content.startswith(b"<svg")
    assert response.content != qr_svg("http://127.0.0.1:8000/r/SOMEONE2")


def test_staff_release_a_frozen_reward_in_the_admin_with_a_reason(
    client: Client, referral: Referral, scene: Scene, student: User, referrer: User, staff: User
) -> None:
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})  # the admin wants 2FA
    for index in range(6):
        friend = StudentFactory.create()
        referral_attribute(
            user=friend, code=referrer.referral_code.code, device_id="", now=ATTRIBUTED + timedelta(minutes=index)
        )
    charge(scene, student)
    reward = Reward.objects.get(user=referrer)
    assert reward.status == "frozen"
    client.force_login(staff)
    listing = client.get("/admin/referrals/reward/?status__exact=frozen")
    assert listing.status_code == 200
    form = {"action": "release", "_selected_action": [reward.pk]}
    asked = client.post("/admin/referrals/reward/", form)
    assert "Reason (kept with the reward)" in asked.content.decode()
    no_reason = client.post("/admin/referrals/reward/", {**form, "apply": "1", "reason": ""})
    assert no_reason.status_code == 200
    reward.refresh_from_db()
    assert reward.status == "frozen"

    done = client.post("/admin/referrals/reward/", {**form, "apply": "1", "reason": "Book club, checked by phone"})
    assert done.status_code == 302
    reward.refresh_from_db()
    assert (reward.status, reward.reason) == ("pending", "Released: Book club, checked by phone")
    assert RewardEvent.objects.filter(reward=reward, actor=staff, to_status="pending").count() == 1


def test_an_instructors_referral_earning_shows_on_the_earnings_page_and_csv(client: Client, scene: Scene) -> None:
    from apps.payments.models import Earning

    Earning.objects.create(instructor=scene.profile, kind="referral", amount_cents=7500, earned_at=ATTRIBUTED)
    client.force_login(scene.profile.user)
    page = client.get("/teach/earnings/")
    assert page.status_code == 200
    assert "Referral reward" in page.content.decode()
    csv = client.get("/teach/earnings.csv").content.decode()
    assert ",,,Referral reward,75.00," in csv
    api = client.get("/api/v1/me/earnings")
    assert api.status_code == 200
    assert api.json()["earnings"][0]["lesson"] == "Referral reward"


def test_codes_are_made_for_instructors_too(client: Client, scene: Scene) -> None:
    client.force_login(scene.profile.user)
    text = client.get("/referrals/").content.decode()
    assert "Invite another instructor" in text
    assert referral_code_get(user=scene.profile.user, now=ATTRIBUTED).code in text


def test_the_api_lists_my_link_invites_and_rewards(
    client: Client, referral: Referral, scene: Scene, student: User, referrer: User
) -> None:
    assert client.get("/api/v1/me/referrals").status_code == 401
    charge(scene, student)
    client.force_login(referrer)
    body = client.get("/api/v1/me/referrals").json()
    assert body["code"] == referrer.referral_code.code
    assert body["link"] == f"http://127.0.0.1:8000/r/{referrer.referral_code.code}"
    assert (body["earned_cents"], body["pending_cents"], body["rewards_left"]) == (2000, 2000, 19)
    assert [(i["name"], i["status"]) for i in body["invites"]] == [(student.display_name, "rewarded")]
    assert [(r["side"], r["amount_cents"], r["status"]) for r in body["rewards"]] == [("referrer", 2000, "pending")]
