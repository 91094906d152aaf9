"""The back office's main pages pass axe (WCAG 2.2 A/AA, no serious or critical finding) on a
desktop: the admin index with its queues, the bookings, users and instructors lists, a
booking's page, the audit trail. Staff sign in the real way, password then TOTP code."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.audit.services import audit_record
from apps.audit.states import AuditAction
from apps.bookings.tests.conftest import NOW, Scene, bank, scene  # noqa: F401  # the fixtures: a live instructor
from apps.bookings.tests.money import book
from tests.browser import assert_accessible
from tests.conftest import TwoFactorStaff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_main_admin_pages_have_no_serious_accessibility_findings(
    page: Page,
    live_server,
    staff_2fa: TwoFactorStaff,
    scene: Scene,  # noqa: F811  # the fixture imported above
    student: User,
) -> None:
    booking = book(scene, student, now=NOW)
    audit_record(
        actor=staff_2fa.user, action=AuditAction.USER_LOCK, target=student, now=timezone.now(), reason="Chargeback",
        before={"is_active": True}, after={"is_active": False},
    )  # fmt: skip
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/admin/")
    page.get_by_label("Email").fill(staff_2fa.user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(staff_2fa.code())
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#backoffice-queues")).to_be_visible()
    assert_accessible(page)

    for path, heading in [
        ("/admin/bookings/booking/", "Select booking to view"),
        ("/admin/accounts/user/", "Select user to change"),
        ("/admin/instructors/instructorprofile/", "Select instructor profile to change"),
        (f"/admin/bookings/booking/{booking.pk}/change/", "View booking"),
        ("/admin/audit/auditentry/", "Select audit entry to view"),
        (f"/admin/accounts/user/{student.pk}/change/", "Change user"),
    ]:
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert_accessible(page)
