"""A visitor becomes a student and books, at both sizes: home → search → a result → a time →
sign up (and verify the email) → type an address and a card in the sheet → Book → the
confirmed lesson. Selectors are roles and words, so they follow the pages' wording only."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus
from tests.browser import main_nav
from tests.journeys.conftest import Journey
from tests.journeys.scenes import VISA, piano_teacher

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]
A_TIME = re.compile(r"^Book .*\d:\d\d")  # a time button: "Book Thu 3 Dec, 10:00 am"
PASSWORD = "violin-sonata-42"


def _search_and_pick_a_time(journey: Journey) -> str:
    """From the home page to a time; returns the booking sheet's address it leads to."""
    page = journey.page
    journey.goto("/")
    journey.check("home")
    page.get_by_role("search").get_by_role("searchbox").fill("piano lessons in park slope")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Ana Alvarez").first).to_be_visible()
    journey.check("search")
    on_card = page.get_by_role("link", name=A_TIME)
    if on_card.count() == 0:  # result cards without time buttons: the profile has them
        page.get_by_role("link", name="Ana Alvarez").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Ana Alvarez")
        expect(page.get_by_role("link", name=A_TIME).first).to_be_visible()
        journey.check("profile")
        on_card = page.get_by_role("link", name=A_TIME)
    on_card.first.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    return parse_qs(urlsplit(page.url).query)["next"][0]


def _sign_up(journey: Journey) -> None:
    page = journey.page
    page.get_by_role("link", name=re.compile(r"sign up", re.I)).first.click()
    page.get_by_label("Email").fill("rita@example.com")
    page.get_by_label("First name").fill("Rita")
    page.get_by_label("Last name").fill("Reyes")
    learner = page.get_by_label(re.compile("take lessons", re.I))
    if learner.count():
        learner.check()
    for field in page.locator('input[type="password"]').all():
        field.fill(PASSWORD)
    journey.check("sign-up")
    page.get_by_role("button", name=re.compile(r"sign up|create", re.I)).click()
    # The page answers after the confirmation email is sent (inline jobs): wait for it, not a clock.
    expect(page.get_by_role("heading", name="Verify your email address")).to_be_visible()
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    journey.goto(link.group(1))
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    expect(main_nav(page).get_by_role("link", name="My lessons")).to_be_visible()  # signed in, a student


def test_a_visitor_finds_signs_up_and_books(journey: Journey) -> None:
    piano_teacher()
    sheet = _search_and_pick_a_time(journey)
    _sign_up(journey)
    journey.goto(sheet)
    page = journey.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a lesson with Ana Alvarez")
    picked = page.get_by_role("group", name=re.compile(r"^Time on ")).locator("input:checked")
    expect(picked).to_have_count(1)
    chosen = picked.get_attribute("value")

    page.get_by_text("At your place", exact=True).click()  # Ana comes to Rita
    page.get_by_label("Street address").fill("12 Fifth Ave")
    page.get_by_label("Neighborhood").select_option(label="Park Slope")
    page.get_by_label("Card number").fill(VISA)
    expect(page.locator("#sheet-bar")).to_contain_text("$120 lesson + $14.40 booking fee = $134.40")
    journey.check("sheet")
    page.locator("#sheet-bar").get_by_role("button", name=re.compile(r"^Book ")).click()

    expect(page).to_have_url(re.compile(r"/lessons/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Piano with Ana Alvarez")
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    expect(page.locator(".summary-list")).to_contain_text("12 Fifth Ave (Park Slope)")
    journey.check("confirmed")
    booking = Booking.objects.get()
    rita = User.objects.get(email="rita@example.com")
    assert (booking.student, booking.status, booking.format, booking.total_cents) == (
        rita, BookingStatus.CONFIRMED, "travel", 13440
    )  # fmt: skip
    assert booking.starts_at.isoformat() == chosen
    assert booking.payment_method == rita.payment_methods.get()
