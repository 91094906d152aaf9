"""In a real browser: a friend opens Rita's referral link, sees the offer, signs up through it
and verifies the email; their first lesson is booked, completed and charged (the services on a
simulated clock, as the scheduler would); both see their $20 reward, then the unlocked credit.
Rita copies her link and sees her QR code."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD, StudentFactory
from apps.availability.cells import mask_from_ranges
from apps.availability.models import AvailabilityDay
from apps.bookings.policies import booking_complete
from apps.bookings.services import BookingRequest, booking_authorize, booking_create
from apps.bookings.sweeps import sweep_captures
from apps.catalog.models import Service
from apps.instructors.models import InstructorProfile
from apps.instructors.tests.factories import OfferingFactory, live_instructor
from apps.payments.services import payment_method_add
from apps.referrals.models import Referral
from apps.referrals.services import referral_code_get, sweep_referral_rewards
from apps.search.models import Neighborhood
from tests.browser import assert_accessible, main_nav

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]
NEW_YORK = ZoneInfo("America/New_York")
PASSWORD = "violin-sonata-42"
DAY = timedelta(days=1)


@pytest.fixture
def teacher() -> InstructorProfile:
    profile = live_instructor(
        display_name="Ana Alvarez", slug="ana-alvarez", studio_neighborhood=Neighborhood.objects.get(slug="park-slope")
    )
    OfferingFactory.create(
        profile=profile, service=Service.objects.get(slug="piano"), rate_studio_cents=9000, duration_options=[60]
    )
    first = timezone.now().astimezone(NEW_YORK).date() + timedelta(days=2)
    mask = mask_from_ranges([(9 * 60, 17 * 60)])
    AvailabilityDay.objects.bulk_create(
        [AvailabilityDay(instructor=profile, date=first + timedelta(days=n), cells=mask) for n in range(3)]
    )
    return profile


@pytest.fixture
def rita() -> User:
    user = StudentFactory.create(email="rita@example.com", first_name="Rita", last_name="Reyes")
    payment_method_add(actor=user, card_token="5555555555554444")
    return user


def _first_lesson(friend: User, teacher: InstructorProfile) -> timedelta:
    """Book, authorize, complete and charge a $90 lesson; returns how far ahead of the real
    clock the charge happened."""
    now = timezone.now()
    card = payment_method_add(actor=friend, card_token="4242424242424242")
    day = now.astimezone(NEW_YORK).date() + timedelta(days=2)
    starts_at = datetime(day.year, day.month, day.day, 10, tzinfo=NEW_YORK)
    request = BookingRequest(
        instructor=teacher.slug, service="piano", format="studio", duration_minutes=60, starts_at=starts_at,
        payment_method_id=card.pk,
    )  # fmt: skip
    booking = booking_create(actor=friend, request=request, now=now)
    booking_authorize(booking_id=booking.pk, actor=None, now=starts_at - DAY)
    booking_complete(actor=teacher.user, booking_id=booking.pk, now=booking.ends_at + timedelta(minutes=5))
    charged = booking.ends_at + DAY
    assert sweep_captures(now=charged) == 1
    return charged - now


def _log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(main_nav(page).get_by_role("link", name="My lessons")).to_be_visible()


def test_sign_up_through_a_link_take_a_first_lesson_and_both_see_their_rewards(
    browser: Browser, page: Page, live_server, teacher: InstructorProfile, rita: User
) -> None:
    base = live_server.url
    code = referral_code_get(user=rita, now=timezone.now()).code

    page.goto(f"{base}/r/{code}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rita gave you $20")
    assert_accessible(page)
    page.get_by_role("link", name="Create your account").click()
    expect(page.get_by_role("note")).to_contain_text("Rita invited you.")
    assert_accessible(page)
    page.get_by_label("Email").fill("nora@example.com")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Novak")
    page.get_by_label("I want to take lessons").check()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", str(mail.outbox[-1].body))
    assert link
    page.goto(base + link.group(1))
    page.get_by_role("button", name="Confirm").click()
    expect(main_nav(page).get_by_role("link", name="Referrals")).to_be_visible()

    nora = User.objects.get(email="nora@example.com")
    assert Referral.objects.get(referred=nora).referrer == rita
    ahead = _first_lesson(nora, teacher)

    main_nav(page).get_by_role("link", name="Referrals").click()
    rewards = page.locator(".referral-rewards")
    expect(rewards).to_contain_text("$20 · For joining")
    expect(rewards).to_contain_text("invited by Rita")
    expect(rewards.locator(".status-pill")).to_have_text("Pending")
    assert_accessible(page)

    other = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    other.grant_permissions(["clipboard-read", "clipboard-write"])
    rita_page = other.new_page()
    _log_in(rita_page, base, rita.email, DEFAULT_PASSWORD)
    main_nav(rita_page).get_by_role("link", name="Referrals").click()
    expect(rita_page.locator(".referral-rewards")).to_contain_text("$20 · For inviting")
    expect(rita_page.get_by_role("list").filter(has_text="Joined")).to_contain_text("Your reward: pending")
    rita_page.get_by_role("button", name="Copy link").click()
    expect(rita_page.get_by_text("Link copied.")).to_be_visible()
    assert rita_page.evaluate("navigator.clipboard.readText()") == f"http://127.0.0.1:8000/r/{code}"
    qr = rita_page.get_by_role("img", name="QR code of your referral link")
    expect(qr).to_be_visible()
    assert rita_page.evaluate("document.querySelector('.referral-qr').naturalWidth") > 0
    assert_accessible(rita_page)

    sweep_referral_rewards(now=timezone.now() + ahead + 7 * DAY)  # the 7-day hold is over
    rita_page.reload()
    expect(rita_page.locator(".referral-rewards .status-pill")).to_have_text("Unlocked")
    expect(rita_page.locator(".referral-rewards")).to_contain_text("Credit until")
    page.reload()
    expect(page.locator(".referral-rewards .status-pill")).to_have_text("Unlocked")
    other.close()
