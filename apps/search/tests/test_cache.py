"""Cached search pages: served while nothing changed, never after a booking, an availability
or an offering change committed through the services (which bump the search generation)."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from apps.availability.models import AvailabilityDay
from apps.availability.open_quarters import open_quarters_refresh
from apps.availability.selectors import availability_week_get
from apps.availability.services import DayInput, WindowInput, availability_week_replace, blackout_create
from apps.bookings.services import BookingRequest, booking_create
from apps.instructors.services import OfferingInput, instructor_profile_update, instructor_suspend, offering_update
from apps.payments.services import payment_method_add
from apps.search.cache import search_generation, search_generation_bump
from apps.search.tests.helpers import NOW, TOMORROW, free, run, slot_times, teacher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog", "gazetteer")]
QUERY = "piano tomorrow afternoon"
FIRST_THREE = ["Thu 26 Nov, 1:00 pm", "Thu 26 Nov, 1:15 pm", "Thu 26 Nov, 1:30 pm"]


@pytest.fixture
def ana():
    with time_machine.travel(NOW, tick=False):
        yield free(teacher("Ana Alvarez", studio=9000), TOMORROW, ("13:00", "17:00"))


def _close_quietly(profile) -> None:
    """Remove the instructor's hours (and their index row) behind the services' back: no bump."""
    AvailabilityDay.objects.filter(instructor=profile).delete()
    open_quarters_refresh(instructor_ids=[profile.pk], now=NOW)


def test_a_page_is_served_from_the_cache_until_the_generation_moves(ana) -> None:
    assert slot_times(run(q=QUERY), "Ana Alvarez") == FIRST_THREE
    _close_quietly(ana)
    assert slot_times(run(q=QUERY), "Ana Alvarez") == FIRST_THREE  # the cached page
    generation = search_generation()
    search_generation_bump()
    assert search_generation() == generation + 1
    assert run(q=QUERY).total == 0


def test_a_cached_page_lives_for_its_minute_only(ana) -> None:
    # A search runs as of `now` rounded up to the minute: 10:00:30 and 10:00:59 share a page.
    assert run(NOW.replace(second=30), q=QUERY).total == 1
    _close_quietly(ana)
    assert run(NOW.replace(second=59), q=QUERY).total == 1
    assert run(NOW.replace(minute=1, second=1), q=QUERY).total == 0


def test_a_booking_never_shows_again_from_the_cache(ana, student, django_capture_on_commit_callbacks) -> None:
    assert slot_times(run(q=QUERY), "Ana Alvarez") == FIRST_THREE
    card = payment_method_add(actor=student, card_token="4242424242424242")
    request = BookingRequest(
        instructor="ana-alvarez", service="piano", format="studio", duration_minutes=60,
        starts_at=NOW.replace(day=26, hour=13), payment_method_id=card.pk,
    )  # fmt: skip
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        booking_create(actor=student, request=request, now=NOW)
    # Same request, same minute: 1:00 pm is booked (and padded by 15 minutes) and is gone.
    assert slot_times(run(q=QUERY), "Ana Alvarez") == [
        "Thu 26 Nov, 2:15 pm",
        "Thu 26 Nov, 2:30 pm",
        "Thu 26 Nov, 2:45 pm",
    ]


def test_an_availability_change_shows_at_once(ana, django_capture_on_commit_callbacks) -> None:
    assert slot_times(run(q=QUERY), "Ana Alvarez") == FIRST_THREE
    week = availability_week_get(profile=ana, day=TOMORROW)
    days = [DayInput(date=TOMORROW, windows=[WindowInput(start="15:00", end="17:00")])]
    with django_capture_on_commit_callbacks(execute=True):
        availability_week_replace(actor=ana.user, day=TOMORROW, days=days, if_match=week.quoted_etag, now=NOW)
    assert slot_times(run(q=QUERY), "Ana Alvarez") == [
        "Thu 26 Nov, 3:00 pm",
        "Thu 26 Nov, 3:15 pm",
        "Thu 26 Nov, 3:30 pm",
    ]


def test_a_day_off_shows_at_once(ana, django_capture_on_commit_callbacks) -> None:
    assert run(q=QUERY).total == 1
    with django_capture_on_commit_callbacks(execute=True):
        blackout_create(actor=ana.user, day=TOMORROW, reason="Concert", now=NOW)
    assert run(q=QUERY).total == 0


def test_an_offering_change_shows_at_once(ana, django_capture_on_commit_callbacks) -> None:
    assert run(q=QUERY).results[0].rate_cents == 9000
    offering = ana.offerings.get()
    data = OfferingInput(
        service="piano", duration_options=[60], age_groups=["adults"], skill_levels=["beginner"],
        rates={"studio": 9500},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        offering_update(actor=ana.user, offering_id=offering.pk, data=data)
    assert run(q=QUERY).results[0].rate_cents == 9500


def test_a_suspension_and_a_profile_edit_show_at_once(ana, staff, django_capture_on_commit_callbacks) -> None:
    assert run(q=QUERY).results[0].headline == ""
    with django_capture_on_commit_callbacks(execute=True):
        instructor_profile_update(actor=ana.user, changes={"headline": "Classical piano"})
    assert run(q=QUERY).results[0].headline == "Classical piano"
    with django_capture_on_commit_callbacks(execute=True):
        instructor_suspend(actor=staff, profile_id=ana.pk, reason="Complaints", now=timezone.now())
    assert run(q=QUERY).total == 0
