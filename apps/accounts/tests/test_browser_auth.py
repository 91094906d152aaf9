from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from tests.browser import assert_accessible, main_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog")]
PASSWORD = "violin-sonata-42"


def _sign_up(page: Page, base: str, *, email: str, role_label: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("First name").fill("Rita")
    page.get_by_label("Last name").fill("Reyes")
    page.get_by_label(role_label).check()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    assert_accessible(page)


def _confirm_from_email(page: Page, base: str) -> None:
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", str(mail.outbox[-1].body))
    assert link
    page.goto(base + link.group(1))
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()


def test_student_signs_up_verifies_logs_out_and_logs_in(page: Page, live_server) -> None:
    base = live_server.url
    _sign_up(page, base, email="rita@example.com", role_label="I want to take lessons")
    _confirm_from_email(page, base)
    expect(main_nav(page).get_by_role("link", name="My lessons")).to_be_visible()  # a student's navigation
    assert User.objects.get(email="rita@example.com").role == "student"

    main_nav(page).get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    assert_accessible(page)
    page.get_by_label("Email").fill("rita@example.com")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("The email address and/or password you specified are not correct.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(main_nav(page).get_by_role("link", name="Rita")).to_be_visible()
    assert_accessible(page)


def test_instructor_signs_up_on_a_phone(phone_page: Page, live_server) -> None:
    base = live_server.url
    _sign_up(phone_page, base, email="ian@example.com", role_label="I want to teach")
    _confirm_from_email(phone_page, base)
    nav = main_nav(phone_page)
    expect(nav.get_by_role("link", name="Rita")).to_be_visible()
    expect(nav.get_by_role("link", name="Schedule")).to_be_visible()  # an instructor's navigation
    expect(nav.get_by_role("link", name="My lessons")).to_have_count(0)
    assert User.objects.get(email="ian@example.com").role == "instructor"
    phone_page.goto(base + "/")
    assert_accessible(phone_page)
