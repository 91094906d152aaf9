from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from apps.accounts.models import Address
from apps.accounts.tests.factories import StudentFactory
from apps.bookings.models import Booking
from apps.bookings.services import (
    BookingRequest,
    SlotUnavailable,
    StudentBusy,
    booking_create,
    booking_payment_method_change,
)
from apps.bookings.states import BookingStatus, PaymentStatus
from apps.bookings.tests.conftest import NOW, THURSDAY, Scene, local
from apps.core.errors import Conflict, PermissionDenied, ValidationFailed
from apps.payments.services import payment_method_add
from apps.search.models import Neighborhood

pytestmark = pytest.mark.django_db


def req(scene: Scene, start, *, fmt: str = "studio", duration: int = 60, **kw) -> BookingRequest:
    fields = {"payment_method_id": scene.card.pk, **kw}
    return BookingRequest(
        instructor=scene.profile.slug, service="piano", format=fmt, duration_minutes=duration, starts_at=start, **fields
    )


def test_booking_far_ahead_is_confirmed_with_payment_scheduled_and_a_price_snapshot(scene, student) -> None:
    booking = booking_create(actor=student, request=req(scene, local(THURSDAY, 10)), now=NOW)
    assert (booking.status, booking.payment_status) == (BookingStatus.CONFIRMED, PaymentStatus.SCHEDULED)
    assert (booking.starts_at, booking.ends_at) == (local(THURSDAY, 10), local(THURSDAY, 11))
    assert booking.blocked_until == local(THURSDAY, 11, 15)
    assert (booking.lesson_price_cents, booking.booking_fee_cents, booking.total_cents) == (9000, 1080, 10080)
    assert (booking.commission_bps, booking.instructor_net_cents) == (1500, 7650)
    assert booking.location_text == f"{scene.profile.display_name}'s studio, Park Slope"
    assert [(e.kind, e.to_status) for e in booking.events.all()] == [("created", "confirmed")]
    # Later edits to the offering never rewrite the booking.
    scene.offering.rate_studio_cents = 20000
    scene.offering.save()
    booking.refresh_from_db()
    assert booking.lesson_price_cents == 9000


def test_booking_within_24_hours_is_authorized_at_once(scene, student) -> None:
    booking = booking_create(actor=student, request=req(scene, local(THURSDAY - timedelta(days=2), 14)), now=NOW)
    assert (booking.status, booking.payment_status) == (BookingStatus.CONFIRMED, PaymentStatus.AUTHORIZED)
    assert booking.payment_intent_id.startswith("lpi_")
    assert booking.authorization_expires_at == NOW + timedelta(days=7)
    assert [(e.kind, e.to_status) for e in booking.events.all()] == [
        ("created", "pending"), ("payment", "authorized"), ("status", "confirmed"),
    ]  # fmt: skip


def test_declined_card_leaves_the_booking_pending_until_another_card_works(scene, student) -> None:
    declined = payment_method_add(actor=student, card_token="4000000000000002")
    start = local(THURSDAY - timedelta(days=2), 14)
    booking = booking_create(actor=student, request=req(scene, start, payment_method_id=declined.pk), now=NOW)
    assert (booking.status, booking.payment_status) == (BookingStatus.PENDING, PaymentStatus.PAYMENT_METHOD_REQUIRED)
    fixed = booking_payment_method_change(
        actor=student, booking_id=booking.pk, payment_method_id=scene.card.pk, now=NOW
    )
    assert (fixed.status, fixed.payment_status) == (BookingStatus.CONFIRMED, PaymentStatus.AUTHORIZED)


def test_a_taken_slot_is_refused_with_nearby_alternatives_and_nothing_created(scene, student, other_student) -> None:
    booking_create(actor=student, request=req(scene, local(THURSDAY, 10)), now=NOW)
    card = payment_method_add(actor=other_student, card_token="4242424242424242")
    with pytest.raises(SlotUnavailable) as caught:
        booking_create(actor=other_student, request=req(scene, local(THURSDAY, 10), payment_method_id=card.pk), now=NOW)
    alternatives = caught.value.extra["alternatives"]
    assert alternatives == sorted(alternatives)
    assert local(THURSDAY, 11, 15).isoformat() in alternatives
    assert local(THURSDAY, 10).isoformat() not in alternatives
    assert Booking.objects.count() == 1


def test_buffers_between_lessons(scene, student, other_student) -> None:
    booking_create(actor=student, request=req(scene, local(THURSDAY, 10)), now=NOW)
    card = payment_method_add(actor=other_student, card_token="4242424242424242")
    with pytest.raises(SlotUnavailable):  # 15-minute buffer after a studio lesson
        booking_create(actor=other_student, request=req(scene, local(THURSDAY, 11), payment_method_id=card.pk), now=NOW)
    address = Address.objects.create(
        user=other_student, street="2 Garfield Pl", neighborhood=scene.address.neighborhood
    )
    travel = req(scene, local(THURSDAY, 11, 30), fmt="travel", payment_method_id=card.pk, address_id=address.pk)
    with pytest.raises(SlotUnavailable):  # 60 minutes when either lesson is a travel lesson
        booking_create(actor=other_student, request=travel, now=NOW)
    travel = req(scene, local(THURSDAY, 12), fmt="travel", payment_method_id=card.pk, address_id=address.pk)
    assert booking_create(actor=other_student, request=travel, now=NOW).location_text == "2 Garfield Pl (Park Slope)"


def test_a_student_cannot_be_in_two_lessons_at_once(scene, student) -> None:
    from apps.bookings.tests.conftest import open_days
    from apps.instructors.tests.factories import OfferingFactory, live_instructor

    other = live_instructor(studio_neighborhood=scene.address.neighborhood)
    OfferingFactory.create(profile=other, service=scene.offering.service, rate_studio_cents=9000, duration_options=[60])
    open_days(other, THURSDAY, 1)
    booking_create(actor=student, request=req(scene, local(THURSDAY, 10)), now=NOW)
    overlapping = BookingRequest(
        instructor=other.slug, service="piano", format="studio", duration_minutes=60, starts_at=local(THURSDAY, 10, 30),
        payment_method_id=scene.card.pk,
    )  # fmt: skip
    with pytest.raises(StudentBusy, match=r"^You already have a lesson at that time\. Pick another time\.$"):
        booking_create(actor=student, request=overlapping, now=NOW)
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"fmt": "travel"}, "address"),
        ({"duration": 45}, "duration"),
        ({"learner_id": 999_999}, "learner"),
        ({"payment_method_id": None}, "payment_method"),
    ],
)
def test_bad_requests_are_refused_with_the_field_named(scene, student, overrides, field) -> None:
    fmt = overrides.pop("fmt", "studio")
    duration = overrides.pop("duration", 60)
    with pytest.raises(ValidationFailed) as caught:
        booking_create(
            actor=student, request=req(scene, local(THURSDAY, 10), fmt=fmt, duration=duration, **overrides), now=NOW
        )
    assert field in caught.value.fields
    assert not Booking.objects.exists()


def test_travel_only_where_the_instructor_goes(scene, student) -> None:
    far = Address.objects.create(
        user=student, street="1 Bay St", neighborhood=Neighborhood.objects.get(slug="st-george")
    )
    with pytest.raises(ValidationFailed) as caught:
        booking_create(actor=student, request=req(scene, local(THURSDAY, 10), fmt="travel", address_id=far.pk), now=NOW)
    assert caught.value.fields["address"] == [f"{scene.profile.display_name} doesn't travel to St. George."]


def test_off_grid_closed_and_too_soon_times_are_unavailable(scene, student) -> None:
    for start in (local(THURSDAY, 10, 5), local(THURSDAY, 20), NOW + timedelta(minutes=30)):
        with pytest.raises(SlotUnavailable):
            booking_create(actor=student, request=req(scene, start), now=NOW)
    assert not Booking.objects.exists()


def test_instructors_cannot_book(scene, instructor) -> None:
    with pytest.raises(PermissionDenied):
        booking_create(actor=instructor, request=req(scene, local(THURSDAY, 10)), now=NOW)


def test_at_most_three_unpaid_pending_bookings(scene, student) -> None:
    declined = payment_method_add(actor=student, card_token="4000000000009995")
    today = THURSDAY - timedelta(days=2)
    for hour in (12, 13, 14):
        booking_create(
            actor=student, request=req(scene, local(today, hour), duration=30, payment_method_id=declined.pk), now=NOW
        )
    with pytest.raises(Conflict, match="3 bookings waiting for payment"):
        booking_create(
            actor=student, request=req(scene, local(today, 15), duration=30, payment_method_id=declined.pk), now=NOW
        )
    assert Booking.objects.filter(status=BookingStatus.PENDING).count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_slot_create_exactly_one_booking(scene) -> None:
    students = [StudentFactory.create() for _ in range(4)]
    cards = [payment_method_add(actor=s, card_token="4242424242424242") for s in students]
    barrier = threading.Barrier(len(students))
    outcomes: list[str] = []

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            booking_create(
                actor=students[index],
                request=req(scene, local(THURSDAY, 10), payment_method_id=cards[index].pk),
                now=NOW,
            )
            outcomes.append("booked")
        except SlotUnavailable:
            outcomes.append("unavailable")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(students))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked", "unavailable", "unavailable", "unavailable"]
    assert Booking.objects.count() == 1


def test_both_sides_get_a_confirmation_email_with_a_calendar_file(
    scene, student, django_capture_on_commit_callbacks
) -> None:
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(actor=student, request=req(scene, local(THURSDAY, 10)), now=NOW)
    confirmations = [m for m in mail.outbox if "booked" in m.subject.lower() or "new booking" in m.subject.lower()]
    assert sorted(m.to[0] for m in confirmations) == sorted([student.email, scene.profile.user.email])
    for message in confirmations:
        (name, content, mimetype) = message.attachments[0]
        assert (name, mimetype) == ("lesson.ics", "text/calendar; method=PUBLISH")
        assert f"UID:{booking.public_id}@instainstru" in content
        assert "DTSTART:20261203T150000Z" in content
