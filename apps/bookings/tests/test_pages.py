"""The booking pages: the sheet (preview, book, idempotent double submit, taken slot, bad
input; typed entries are in test_sheet_entries.py), My lessons / Schedule, and a booking's detail."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Address
from apps.bookings.models import Booking, BookingEvent
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.bookings.tests.conftest import NOW, THURSDAY, local
from apps.bookings.tests.factories import make_booking
from apps.core.models import IdempotencyKey
from apps.payments.models import PaymentMethod
from apps.payments.services import payment_method_add
from apps.search.models import Neighborhood

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def sheet_url(scene) -> str:
    return f"/book/{scene.profile.slug}/"


def sheet_post(scene, **overrides) -> dict[str, object]:
    return {
        "service": "piano", "format": "studio", "duration": "60", "day": THURSDAY.isoformat(),
        "start": local(THURSDAY, 10).isoformat(), "learner": "", "payment_method": str(scene.card.pk),
        "idempotency_key": "page-render-1", **overrides,
    }  # fmt: skip


def test_the_sheet_opens_with_the_picked_time_and_its_price(client, scene, student) -> None:
    client.force_login(student)
    query = {"service": "piano", "format": "studio", "duration": "60", "start": local(THURSDAY, 10).isoformat()}
    response = client.get(sheet_url(scene), query)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    sheet = response.context["sheet"]
    assert sheet.start_label == "Thu 3 Dec, 10:00 am"
    assert sheet.price.sentence == "$90 lesson + $10.80 booking fee = $100.80"
    assert [(row.label, row.amount) for row in sheet.price.rows] == [
        ("Lesson", "$90"),
        ("Booking fee", "$10.80"),
        ("Credits", "$0"),
    ]
    assert sheet.price.total == "$100.80"
    assert sheet.payment_note == (
        "Nothing is charged now: your card is authorized the day before and charged after your lesson."
    )
    assert sheet.location_text == f"{scene.profile.display_name}'s studio, Park Slope"
    assert [t.label for t in sheet.strip.times if t.selected] == ["10:00 am"]
    assert sheet.strip.selected.label == "Thu 3 Dec"
    html = response.content.decode()
    assert "Book Thu 3 Dec, 10:00 am" in html
    assert 'value="2026-12-03T15:00:00+00:00" checked' in html
    assert not Booking.objects.exists()


def test_changing_the_length_updates_the_price(client, scene, student) -> None:
    client.force_login(student)
    response = client.get(
        sheet_url(scene), {"service": "piano", "format": "studio", "duration": "90"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.context["sheet"].price.sentence == "$135 lesson + $16.20 booking fee = $151.20"
    # No time asked for: the first day with open times is shown (today's start at 8:00 am
    # local is past the 60-minute notice, so today still has times).
    assert response.context["sheet"].strip.selected.label == "Tue 1 Dec"
    assert response.context["sheet"].start_label == ""


def test_booking_through_the_sheet_creates_one_booking(client, scene, student) -> None:
    client.force_login(student)
    response = client.post(sheet_url(scene), sheet_post(scene))
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/lessons/{booking.public_id}/"
    assert (booking.student, booking.instructor, booking.starts_at, booking.ends_at) == (
        student, scene.profile, local(THURSDAY, 10), local(THURSDAY, 11)
    )  # fmt: skip
    assert (booking.status, booking.payment_status) == (BookingStatus.CONFIRMED, PaymentStatus.SCHEDULED)
    assert (booking.lesson_price_cents, booking.booking_fee_cents, booking.total_cents) == (9000, 1080, 10080)
    assert booking.payment_method == scene.card
    assert booking.learner is None
    assert list(booking.events.values_list("kind", flat=True)) == ["created"]


def test_a_double_submit_books_once(client, scene, student) -> None:
    client.force_login(student)
    first = client.post(sheet_url(scene), sheet_post(scene))
    second = client.post(sheet_url(scene), sheet_post(scene))
    booking = Booking.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/lessons/{booking.public_id}/"
    assert IdempotencyKey.objects.filter(user=student, scope="booking_create").count() == 1
    assert BookingEvent.objects.count() == 1


def test_the_same_page_sent_again_with_other_choices_books_nothing_more(client, scene, student) -> None:
    client.force_login(student)
    client.post(sheet_url(scene), sheet_post(scene))
    again = client.post(sheet_url(scene), sheet_post(scene, start=local(THURSDAY, 14).isoformat()))
    assert again.status_code == 409
    assert again.context["errors"]["form"] == [
        "This booking was already sent from this page. Check My lessons before you book again."
    ]
    assert Booking.objects.count() == 1
    # The page is rendered afresh with a new key, so confirming again is a new request.
    assert str(again.context["idempotency_key"]) != "page-render-1"


def test_a_taken_slot_offers_the_nearest_open_times_and_books_nothing(client, scene, student, other_student) -> None:
    make_booking(student=other_student, offering=scene.offering, starts_at=local(THURSDAY, 10), fmt="studio")
    client.force_login(student)
    response = client.post(sheet_url(scene), sheet_post(scene))
    assert response.status_code == 409
    assert response.context["errors"]["form"] == ["That time was just taken or is no longer open. Pick another time."]
    alternatives = response.context["alternatives"]
    assert [a.label for a in alternatives] == ["Thu 3 Dec, 11:15 am", "Thu 3 Dec, 11:30 am", "Thu 3 Dec, 11:45 am"]
    assert alternatives[0].value == (
        "service=piano&format=studio&duration=60&start=2026-12-03T16%3A15%3A00%2B00%3A00"
        f"&payment_method={scene.card.pk}"
    )
    html = response.content.decode()
    assert f'href="/book/{scene.profile.slug}/?{alternatives[0].value.replace("&", "&amp;")}"' in html
    assert Booking.objects.filter(student=student).count() == 0
    # The refusal is remembered with its key: sending the same page again says the same.
    again = client.post(sheet_url(scene), sheet_post(scene))
    assert again.status_code == 409
    assert [a.label for a in again.context["alternatives"]] == [a.label for a in alternatives]
    assert Booking.objects.filter(student=student).count() == 0


def test_missing_time_is_an_error_under_the_time(client, scene, student) -> None:
    client.force_login(student)
    response = client.post(sheet_url(scene), sheet_post(scene, start=""))
    assert response.status_code == 422
    assert response.context["errors"]["start"] == ["Pick a time for your lesson."]
    assert 'id="start-errors"' in response.content.decode()
    assert not Booking.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_service_errors_land_under_their_fields(client, scene, student) -> None:
    astoria = Address.objects.create(
        user=student, label="Work", street="9 Ditmars Blvd", neighborhood=Neighborhood.objects.get(slug="astoria")
    )
    client.force_login(student)
    response = client.post(sheet_url(scene), sheet_post(scene, format="travel", address=str(astoria.pk)))
    assert response.status_code == 422
    assert response.context["errors"]["address"] == [f"{scene.profile.display_name} doesn't travel to Astoria."]
    assert not Booking.objects.exists()

    response = client.post(sheet_url(scene), sheet_post(scene, duration="45", idempotency_key="page-render-2"))
    assert response.status_code == 422
    assert response.context["errors"]["duration"] == ["Choose one of: 30, 60, 90 minutes."]
    assert not Booking.objects.exists()


def test_someone_elses_card_is_refused(client, scene, student, other_student) -> None:
    theirs = payment_method_add(actor=other_student, card_token="5555555555554444")
    client.force_login(student)
    response = client.post(sheet_url(scene), sheet_post(scene, payment_method=str(theirs.pk)))
    assert response.status_code == 422
    assert response.context["errors"]["payment_method"] == ["Choose one of your cards."]
    assert not Booking.objects.exists()


def test_instructors_cannot_book(client, scene, instructor) -> None:
    client.force_login(instructor)
    page = client.get(sheet_url(scene))
    assert page.status_code == 403
    assert "Instructor accounts can't book lessons" in page.content.decode()
    sent = client.post(sheet_url(scene), sheet_post(scene))
    assert sent.status_code == 403
    assert not Booking.objects.exists()


def test_visitors_log_in_first(client, scene) -> None:
    response = client.get(sheet_url(scene) + "?duration=60")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/book/{scene.profile.slug}/%3Fduration%3D60"


def test_unknown_instructor_is_not_found(client, scene, student) -> None:
    client.force_login(student)
    assert client.get("/book/nobody-here/").status_code == 404


def test_booking_for_a_child(client, scene, student) -> None:
    from apps.accounts.tests.factories import LearnerFactory

    mia = LearnerFactory.create(parent=student, first_name="Mia")  # kids
    scene.offering.age_groups.add("kids")
    client.force_login(student)
    page = client.get(sheet_url(scene))
    assert [(o.label, o.selected) for o in page.context["sheet"].learners] == [("Me (Sam)", True), ("Mia", False)]
    client.post(sheet_url(scene), sheet_post(scene, learner=str(mia.pk)))
    assert Booking.objects.get().learner == mia


def test_a_child_is_not_offered_or_booked_into_an_adults_only_lesson(client, scene, student) -> None:
    """The sheet leaves out a learner the offering doesn't teach, and a hand-made post for
    them is refused with the reason under the field; nothing is booked."""
    from apps.accounts.tests.factories import LearnerFactory

    mia = LearnerFactory.create(parent=student, first_name="Mia")  # kids; the scene teaches adults only
    client.force_login(student)
    page = client.get(sheet_url(scene))
    assert [o.label for o in page.context["sheet"].learners] == ["Me (Sam)"]
    refused = client.post(sheet_url(scene), sheet_post(scene, learner=str(mia.pk)))
    assert refused.status_code == 422
    assert "teaches piano to adults, not kids" in refused.content.decode()
    assert not Booking.objects.exists()


# --- My lessons, Schedule, detail -------------------------------------------------------------


def _booked(client, scene, student, hour: int = 10, **overrides) -> Booking:
    client.force_login(student)
    client.post(
        sheet_url(scene),
        sheet_post(scene, start=local(THURSDAY, hour).isoformat(), idempotency_key=str(uuid.uuid4()), **overrides),
    )
    return Booking.objects.get(starts_at=local(THURSDAY, hour))


def test_my_lessons_puts_lessons_needing_a_card_on_top(client, scene, student) -> None:
    soon = _booked(client, scene, student, 10)
    declined = _booked(client, scene, student, 13)
    Booking.objects.filter(pk=declined.pk).update(payment_status=PaymentStatus.PAYMENT_METHOD_REQUIRED)
    past = make_booking(student=student, offering=scene.offering, starts_at=NOW - timedelta(days=3), fmt="studio",
                        status=BookingStatus.COMPLETED, payment_status=PaymentStatus.SETTLED)  # fmt: skip
    response = client.get("/lessons/")
    assert response.status_code == 200
    page = response.context["page"]
    assert [row.booking for row in page.needs_action] == [declined]
    assert page.needs_action[0].status.label == "Needs a new card"
    assert page.needs_action[0].status.sentence == "Your card was declined. Add another card to keep this lesson."
    assert [row.booking for row in page.upcoming_rows] == [soon]
    row = page.upcoming_rows[0]
    assert (row.who, row.when, row.status.label) == (
        f"with {scene.profile.display_name}", "Thu 3 Dec, 10:00–11:00 am", "Confirmed"
    )  # fmt: skip
    assert row.status.sentence == "Nothing is charged yet. Your card is authorized on Wed 2 Dec, 10:00 am."
    assert [row.booking for row in page.past_rows] == [past]
    html = response.content.decode()
    assert html.index("Needs your action") < html.index("Upcoming") < html.index("Past")
    assert response.context["feed_url"].startswith("http://testserver/calendar/")


def test_lists_name_the_zone_when_the_parties_differ(client, scene, student) -> None:
    booking = _booked(client, scene, student)
    student.timezone = "America/Los_Angeles"
    student.save(update_fields=["timezone"])
    page = client.get("/lessons/").context["page"]
    assert page.upcoming_rows[0].when == "Thu 3 Dec, 7:00–8:00 am (Los Angeles time)"
    client.force_login(scene.profile.user)
    schedule = client.get("/schedule/").context["page"]
    # The booking keeps the student's zone from when it was made (New York), like the instructor's.
    assert schedule.upcoming_rows[0].when == "Thu 3 Dec, 10:00–11:00 am"
    assert schedule.upcoming_rows[0].booking == booking


def _lesson_page_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/lessons/").status_code == 200
    return len(captured.captured_queries)


def test_lists_are_paginated_in_a_fixed_number_of_queries(client, scene, student) -> None:
    def add(first: int, count: int) -> None:
        for n in range(first, first + count):
            starts = local(THURSDAY, 0) + timedelta(days=n % 6, hours=n)
            make_booking(student=student, offering=scene.offering, starts_at=starts, fmt="studio")
            make_booking(student=student, offering=scene.offering, starts_at=starts - timedelta(days=30), fmt="studio",
                         status=BookingStatus.COMPLETED, payment_status=PaymentStatus.SETTLED)  # fmt: skip

    add(0, 1)
    client.force_login(student)
    client.get("/lessons/")  # makes the calendar feed row
    few = _lesson_page_queries(client)
    add(1, 11)
    assert _lesson_page_queries(client) == few
    first = client.get("/lessons/").context["page"]
    assert (first.upcoming.number, first.upcoming.paginator.num_pages, len(first.upcoming_rows)) == (1, 2, 10)
    assert (first.past.paginator.num_pages, len(first.past_rows)) == (2, 10)
    second = client.get("/lessons/", {"page": "2", "past": "2"}).context["page"]
    assert (len(second.upcoming_rows), len(second.past_rows)) == (2, 2)
    assert second.upcoming_rows[-1].booking.starts_at > first.upcoming_rows[-1].booking.starts_at


def test_schedule_is_for_instructors_and_lessons_for_students(client, scene, student) -> None:
    client.force_login(student)
    assert client.get("/schedule/")["Location"] == "/lessons/"
    client.force_login(scene.profile.user)
    assert client.get("/lessons/")["Location"] == "/schedule/"
    assert client.get("/schedule/").status_code == 200


def test_detail_shows_the_student_what_they_pay(client, scene, student) -> None:
    booking = _booked(client, scene, student)
    response = client.get(f"/lessons/{booking.public_id}/")
    assert response.status_code == 200
    detail = response.context["detail"]
    assert detail.price.sentence == "$90 lesson + $10.80 booking fee = $100.80"
    assert (detail.status.label, detail.status.sentence) == (
        "Confirmed", "Nothing is charged yet. Your card is authorized on Wed 2 Dec, 10:00 am."
    )  # fmt: skip
    assert [(e.at_text, e.actor, e.what, e.money) for e in detail.timeline] == [
        ("Tue 1 Dec, 7:00 am", "You", "Booked Piano", "$100.80 total")
    ]
    assert detail.needs_card is False
    html = response.content.decode()
    assert f'href="/lessons/{booking.public_id}/calendar.ics"' in html
    assert "Use another card" not in html


def test_detail_shows_the_instructor_their_net_not_the_fee(client, scene, student) -> None:
    booking = _booked(client, scene, student)
    client.force_login(scene.profile.user)
    detail = client.get(f"/lessons/{booking.public_id}/").context["detail"]
    assert [(row.label, row.detail, row.amount) for row in detail.price.rows] == [
        ("Lesson", "60 min at $90/h", "$90"),
        ("Platform commission", "15%", "-$13.50"),
    ]
    assert (detail.price.total_label, detail.price.total) == ("You earn", "$76.50")
    assert detail.status.sentence == "The student's card is authorized on Wed 2 Dec, 10:00 am."
    assert detail.who == "with Sam S."
    assert detail.timeline[0].actor == "Sam S."


def test_only_participants_see_a_booking(client, scene, student, other_student, instructor) -> None:
    booking = _booked(client, scene, student)
    for outsider in (other_student, instructor):
        client.force_login(outsider)
        assert client.get(f"/lessons/{booking.public_id}/").status_code == 404
        assert client.get(f"/lessons/{booking.public_id}/calendar.ics").status_code == 404
        assert client.post(f"/lessons/{booking.public_id}/card/", {"payment_method": scene.card.pk}).status_code == 404
    assert client.get(f"/lessons/{uuid.uuid4()}/").status_code == 404
    assert Booking.objects.get().payment_method == scene.card


def test_a_declined_lesson_can_be_paid_with_another_card(client, scene, student) -> None:
    booking = _booked(client, scene, student)
    Booking.objects.filter(pk=booking.pk).update(payment_status=PaymentStatus.PAYMENT_METHOD_REQUIRED)
    page = client.get(f"/lessons/{booking.public_id}/")
    assert page.context["detail"].needs_card is True
    assert "Use another card" in page.content.decode()
    assert page.context["picked_card"] is None  # the declined card is the only one: nothing to pick yet

    added = client.post(
        f"/lessons/{booking.public_id}/card/new/", {"new_card-card": "5555555555554444", "render_key": "r1"}
    )
    card = PaymentMethod.objects.get(user=student, last4="4444")
    assert added.status_code == 302
    assert added["Location"] == f"/lessons/{booking.public_id}/?card={card.pk}#pay"

    picked = client.get(added["Location"])
    assert picked.context["picked_card"] == card.pk
    assert f'id="card-{card.pk}" name="payment_method" value="{card.pk}" checked' in picked.content.decode()
    changed = client.post(f"/lessons/{booking.public_id}/card/", {"payment_method": card.pk})
    assert changed.status_code == 302
    booking.refresh_from_db()
    assert (booking.payment_method, booking.payment_status) == (card, PaymentStatus.AUTHORIZED)
    after = client.get(f"/lessons/{booking.public_id}/")
    assert [m.message for m in after.context["messages"]] == ["Thanks! Your card is authorized for $100.80."]
    assert [e.what for e in after.context["detail"].timeline] == [
        "Booked Piano",
        "Card changed to mastercard •••• 4444",
        "Card authorized",
    ]


def test_someone_elses_card_cannot_pay_for_my_lesson(client, scene, student, other_student) -> None:
    booking = _booked(client, scene, student)
    Booking.objects.filter(pk=booking.pk).update(payment_status=PaymentStatus.PAYMENT_METHOD_REQUIRED)
    theirs = payment_method_add(actor=other_student, card_token="5555555555554444")
    response = client.post(f"/lessons/{booking.public_id}/card/", {"payment_method": theirs.pk})
    assert response.status_code == 422
    assert response.context["choice_form"].errors == {"payment_method": ["Choose one of your cards."]}
    booking.refresh_from_db()
    assert (booking.payment_method, booking.payment_status) == (scene.card, PaymentStatus.PAYMENT_METHOD_REQUIRED)


def test_header_links_by_role(client, scene, student) -> None:
    client.force_login(student)
    html = client.get("/lessons/").content.decode()
    assert '<a href="/lessons/">My lessons</a>' in html
    assert '<a href="/schedule/">Schedule</a>' not in html
    client.force_login(scene.profile.user)
    html = client.get("/schedule/").content.decode()
    assert '<a href="/schedule/">Schedule</a>' in html
    assert '<a href="/lessons/">My lessons</a>' not in html


def test_a_time_from_another_day_is_not_booked(client, scene, student) -> None:
    client.force_login(student)
    response = client.post(sheet_url(scene), sheet_post(scene, day="2026-12-04"))
    assert response.status_code == 422
    assert response.context["errors"]["start"] == ["Pick a time on the day you chose."]
    assert not Booking.objects.exists()


def test_booking_shares_the_money_rate_limit(client, scene, student) -> None:
    client.force_login(student)
    statuses = [
        client.post(sheet_url(scene), sheet_post(scene, start=local(THURSDAY, 9 + n).isoformat(), duration="30",
                    idempotency_key=f"render-{n}")).status_code
        for n in range(6)
    ]  # fmt: skip
    assert statuses == [302, 302, 302, 302, 302, 429]
    limited = client.post(
        sheet_url(scene), sheet_post(scene, start=local(THURSDAY, 16).isoformat(), idempotency_key="x")
    )
    assert limited.status_code == 429
    assert limited.context["errors"]["form"] == ["Too many tries in a row. Try again in 60 seconds."]
    assert limited["Retry-After"] == "60"
    assert Booking.objects.count() == 5


def test_the_sheet_speaks_in_the_students_zone(client, scene, student) -> None:
    student.timezone = "America/Los_Angeles"
    student.save(update_fields=["timezone"])
    client.force_login(student)
    sheet = client.get(sheet_url(scene), {"start": local(THURSDAY, 10).isoformat()}).context["sheet"]
    assert sheet.start_label == "Thu 3 Dec, 7:00 am"
    assert sheet.zone_note == (
        f"Times are in your time zone (Los Angeles). {scene.profile.display_name} is on New York time."
    )
    assert [t.label for t in sheet.strip.times[:2]] == ["6:00 am", "6:15 am"]  # 9:00 am in New York
    assert [t.label for t in sheet.strip.times if t.selected] == ["7:00 am"]


def test_the_repeated_fall_back_hour_names_its_zone(client, catalog, gazetteer, student) -> None:
    """Sun 1 Nov 2026, New York: 1:00–2:00 am happens twice; each start says which one."""
    from datetime import UTC, date, datetime

    from apps.bookings.tests.conftest import open_days
    from apps.catalog.models import Service
    from apps.instructors.tests.factories import OfferingFactory, live_instructor

    profile = live_instructor(overnight_protection=False)
    OfferingFactory.create(profile=profile, service=Service.objects.get(slug="piano"), duration_options=[30])
    open_days(profile, date(2026, 11, 1), 1, start_hour=0, end_hour=3)
    client.force_login(student)
    with time_machine.travel(datetime(2026, 10, 30, 12, tzinfo=UTC), tick=False):
        sheet = client.get(f"/book/{profile.slug}/", {"day": "2026-11-01"}).context["sheet"]
        second_one = sheet.strip.times[8]
        picked = client.get(f"/book/{profile.slug}/", {"start": second_one.value}).context["sheet"]
    assert [t.label for t in sheet.strip.times] == [
        "12:00 am", "12:15 am", "12:30 am", "12:45 am", "1:00 am EDT", "1:15 am EDT", "1:30 am EDT", "1:45 am EDT",
        "1:00 am EST", "1:15 am EST", "1:30 am EST", "1:45 am EST", "2:00 am", "2:15 am", "2:30 am",
    ]  # fmt: skip
    assert second_one.value == "2026-11-01T06:00:00+00:00"
    assert picked.start_label == "Sun 1 Nov, 1:00 am EST"
