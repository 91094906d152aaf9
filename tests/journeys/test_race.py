"""Two students want the same time, in two browsers at once: the first to press Book gets
it; the second is told it was just taken and is offered the nearest open times, one of
which books at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.bookings.models import Booking
from tests.journeys.conftest import Journey
from tests.journeys.scenes import log_in, piano_teacher, student_with_card

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalog", "gazetteer"),
]
BOOKED = re.compile(r"/lessons/[0-9a-f-]{36}/$")


def _pick_ten_am(journey: Journey, slug: str) -> None:
    journey.goto(f"/book/{slug}/")
    page = journey.page
    page.get_by_role("group", name=re.compile(r"^Time on ")).get_by_text("10:00 am", exact=True).click()
    expect(page.get_by_role("radio", name="10:00 am")).to_be_checked()
    expect(page.locator("#sheet-bar").get_by_role("button", name=re.compile(r"^Book .*10:00 am$"))).to_be_visible()


def test_two_students_race_for_one_time(journey: Journey, second_journey: Journey) -> None:
    teacher = piano_teacher()
    rita, omar = student_with_card("rita@example.com", "Rita"), student_with_card("omar@example.com", "Omar")
    log_in(journey, rita.email)
    log_in(second_journey, omar.email)
    _pick_ten_am(journey, teacher.profile.slug)
    _pick_ten_am(second_journey, teacher.profile.slug)

    journey.page.locator("#sheet-bar").get_by_role("button", name=re.compile(r"^Book ")).click()
    expect(journey.page).to_have_url(BOOKED)
    second_journey.page.locator("#sheet-bar").get_by_role("button", name=re.compile(r"^Book ")).click()

    late = second_journey.page
    alert = late.get_by_role("alert")
    expect(alert).to_contain_text("That time was just taken or is no longer open. Pick another time.")
    expect(alert).to_contain_text("Open times close to it:")
    others = alert.get_by_role("link")
    expect(others.first).to_be_visible()
    assert others.count() >= 1
    second_journey.check("sheet-taken")
    journey.check()
    winner = Booking.objects.get()
    assert winner.student == rita

    others.first.click()
    expect(late.get_by_role("radio", name=re.compile(r"\d:\d\d [ap]m")).and_(late.locator(":checked"))).to_have_count(1)
    late.locator("#sheet-bar").get_by_role("button", name=re.compile(r"^Book ")).click()
    expect(late).to_have_url(BOOKED)
    second_journey.check()
    assert sorted(Booking.objects.values_list("student__first_name", flat=True)) == ["Omar", "Rita"]
    assert Booking.objects.get(student=omar).starts_at != winner.starts_at
