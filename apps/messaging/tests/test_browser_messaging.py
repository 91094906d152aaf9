"""Two browsers, no reloads: a student (on a phone) asks an instructor (on a desktop) a
question from the profile; the instructor's open inbox shows it within 5 seconds, the
instructor answers, and the student's open thread shows the answer (and the read receipt)
within 5 seconds."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.tests.factories import DEFAULT_PASSWORD, InstructorUserFactory, StudentFactory
from apps.catalog.models import Service
from apps.instructors.tests.factories import OfferingFactory, live_instructor
from tests.browser import assert_accessible, main_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalog")]
WITHIN_5_S = 5_000  # ms


def _log_in(page: Page, base: str, email: str, home_link: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(main_nav(page).get_by_role("link", name=home_link)).to_be_visible()


def test_a_question_and_its_answer_arrive_without_reloading(page: Page, phone_page: Page, live_server) -> None:
    base = live_server.url
    teacher = InstructorUserFactory.create(email="ana@example.com", first_name="Ana", last_name="Alvarez")
    profile = live_instructor(user=teacher, display_name="Ana Alvarez", slug="ana-alvarez")
    OfferingFactory.create(profile=profile, service=Service.objects.get(slug="piano"), rate_studio_cents=9000)
    StudentFactory.create(email="rita@example.com", first_name="Rita", last_name="Reyes")

    instructor = page
    _log_in(instructor, base, "ana@example.com", "Schedule")
    instructor.goto(f"{base}/messages/")
    expect(instructor.get_by_text("Students' questions show up here.")).to_be_visible()

    student = phone_page
    _log_in(student, base, "rita@example.com", "My lessons")
    student.goto(f"{base}/instructors/ana-alvarez/")
    student.get_by_role("link", name="Ask Ana Alvarez a question").click()
    assert_accessible(student)
    student.get_by_label("Your question").fill("Hi! Do you teach adult beginners? My number is 212 555 0100.")
    polls: list[int] = []
    student.on("response", lambda response: polls.append(response.status) if "/poll/" in response.url else None)
    student.get_by_role("button", name="Send question").click()
    expect(student.get_by_text("Hi! Do you teach adult beginners? My number is [hidden].")).to_be_visible()
    assert_accessible(student)
    # Nothing new yet: the open thread's polls are empty 304s (and the page keeps its content).
    with student.expect_response(lambda r: "/poll/" in r.url and r.status == 304, timeout=WITHIN_5_S):
        pass
    expect(student.get_by_text("My number is [hidden].")).to_be_visible()

    # The instructor's inbox, open all along, shows the new conversation.
    thread_link = instructor.get_by_role("link", name="Unread: Rita R.")
    expect(thread_link).to_be_visible(timeout=WITHIN_5_S)
    expect(instructor.locator(".badge-count")).to_have_count(0)  # the header was rendered before it arrived
    thread_link.click()
    expect(instructor.get_by_text("My number is [hidden].")).to_be_visible()
    assert_accessible(instructor)
    instructor.get_by_label("Message to Rita R.").fill("Yes! Tuesdays at 6 work well for beginners.")
    instructor.get_by_role("button", name="Send").click()
    expect(instructor.get_by_text("Yes! Tuesdays at 6 work well for beginners.")).to_be_visible()
    expect(instructor.get_by_label("Message to Rita R.")).to_have_value("")  # the form was reset

    # The student's thread, open since the question, shows the answer: no reload.
    url_before = student.url
    expect(student.get_by_text("Yes! Tuesdays at 6 work well for beginners.")).to_be_visible(timeout=WITHIN_5_S)
    assert student.url == url_before
    # The answer came in a 200 after the idle 304s.
    assert polls.index(304) < polls.index(200)
    # And the instructor's open thread shows that the student read it.
    expect(instructor.locator(".message-receipt")).to_have_text("Read", timeout=WITHIN_5_S)
