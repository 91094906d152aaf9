"""In a real browser, staff resolve a disputed no-show: sign in with the password and a TOTP
code, follow the admin's queue to the lesson, look at it, then reject the report with a
reason after reading the money preview. The lesson ends completed and charged, the
instructor earns the net, and exactly one audit entry says who did it and why.

The lesson is on the money tests' fixed calendar (Thu 3 Dec 2026); the browser part runs
on a clock travelled to three hours after the dispute, ticking, so the server, the TOTP code
and the sweeps agree. Cookies are made session cookies so that the browser, which keeps
the real clock, never sees them as expired."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.audit.models import AuditEntry
from apps.bookings.policies import no_show_dispute, no_show_report
from apps.bookings.states import BookingStatus, NoShowStatus, PaymentStatus
from apps.bookings.tests.conftest import NOW, Scene
from apps.bookings.tests.money import END, NET, TOTAL, authorize, book, earnings, operations, settled, statuses
from tests.browser import assert_accessible
from tests.conftest import TwoFactorStaff, staff_2fa  # noqa: F401  # the fixture: staff with a real TOTP secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_resolve_a_disputed_no_show_with_two_factor(
    page: Page,
    live_server,
    settings: Any,
    staff_2fa: TwoFactorStaff,  # noqa: F811  # the fixture imported above
    scene: Scene,
    student: User,
) -> None:
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    booking = authorize(book(scene, student), now=NOW)
    reported = END + timedelta(hours=1)
    no_show_report(actor=scene.profile.user, booking_id=booking.pk, now=reported)
    no_show_dispute(actor=student, booking_id=booking.pk, now=reported + timedelta(hours=1), reason="I was there")
    base, staff = live_server.url, staff_2fa.user

    with time_machine.travel(reported + timedelta(hours=3), tick=True):
        page.goto(f"{base}/accounts/login/?next=/admin/")
        page.get_by_label("Email").fill(staff.email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        expect(page.get_by_role("heading", name="Enter your two-factor code")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Code").fill(staff_2fa.code())
        page.get_by_role("button", name="Log in").click()

        queues = page.locator("#backoffice-queues")
        expect(queues.get_by_role("row", name="Disputed no-shows 1")).to_be_visible()
        assert_accessible(page)
        queues.get_by_role("link", name="Disputed no-shows").click()

        results = page.locator("#result_list")
        expect(results.locator("tbody tr")).to_have_count(1)
        assert_accessible(page)
        results.get_by_role("link", name=str(booking.pk), exact=True).click()
        expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
        report = page.locator("#no_show-0")
        expect(report).to_contain_text("Disputed")
        expect(report).to_contain_text("I was there")
        assert_accessible(page)
        page.go_back()

        results.get_by_role("checkbox", name="Select this object for an action").check()
        page.locator("select[name=action]").select_option(label="Reject the no-show report (the lesson took place)…")
        page.get_by_role("button", name="Go").click()
        preview = page.get_by_role("table").filter(has_text="What happens")
        expect(preview).to_contain_text("student pays $100.80; instructor earns $76.50")
        assert_accessible(page)
        page.get_by_label("Reason").fill("Door camera shows the student arriving at 10:02")
        page.get_by_role("button", name="Reject the no-show report (the lesson took place) (1)").click()
        expect(page.locator(".messagelist")).to_have_text("Reject the no-show report (the lesson took place): 1 done.")

    assert statuses(booking) == (BookingStatus.COMPLETED, PaymentStatus.CAPTURED)
    assert booking.no_show.status == NoShowStatus.REJECTED
    assert settled(booking, "completion") == {
        "charge": TOTAL, "credit": 0, "refund": 0, "instructor": NET, "platform": TOTAL - NET,
    }  # fmt: skip
    assert operations() == [("capture", TOTAL, True)]
    assert earnings() == [("lesson", NET)]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_id, entry.reason) == (
        "no_show.resolve", staff, str(booking.pk), "Door camera shows the student arriving at 10:02",
    )  # fmt: skip
    assert (entry.before["report"], entry.after["report"], entry.after["upheld"]) == ("disputed", "rejected", False)
    assert entry.request_id != ""
