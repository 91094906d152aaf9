"""Where and how (issue 15 item 1): the studio's address reaches only the booking's student
while the booking is active; the join link of an online lesson shows from an hour before
the start, in the reminder email and in the .ics file; nobody else sees either."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from apps.bookings.logistics import booking_logistics
from apps.bookings.notices import reminder
from apps.bookings.states import BookingStatus
from apps.bookings.tests.conftest import NOW, THURSDAY, Scene, local
from apps.bookings.tests.factories import make_booking
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db
STREET = "250 7th Ave, Apt 3"
LINK = "https://meet.example.test/piano"


@pytest.fixture
def studio(scene: Scene, student):
    scene.profile.studio_address = STREET
    scene.profile.save()
    return make_booking(
        student=student, offering=scene.offering, starts_at=local(THURSDAY, 10), fmt="studio",
        location_text=f"{scene.profile.display_name}'s studio, Park Slope",
    )  # fmt: skip


@pytest.fixture
def online(scene: Scene, student):
    scene.offering.meeting_link = LINK
    scene.offering.save()
    return make_booking(
        student=student, offering=scene.offering, starts_at=local(THURSDAY, 10), fmt="online", location_text="Online"
    )


def test_only_the_booked_student_sees_the_studio_address_while_active(studio, scene, student) -> None:
    mine = booking_logistics(booking=studio, viewer=student, now=NOW)
    assert mine.address == f"{STREET}, Park Slope, New York"
    assert (
        mine.map_url == "https://www.google.com/maps/search/?api=1&query=250+7th+Ave%2C+Apt+3%2C+Park+Slope%2C+New+York"
    )
    teacher = booking_logistics(booking=studio, viewer=scene.profile.user, now=NOW)
    assert (teacher.address, teacher.where) == ("", f"{scene.profile.display_name}'s studio, Park Slope")
    studio.status = BookingStatus.CANCELLED
    studio.save()
    after = booking_logistics(booking=studio, viewer=student, now=NOW)
    assert (after.address, after.map_url) == ("", "")


def test_the_lesson_page_and_api_show_the_address_to_its_student_only(
    client, studio, scene, student, other_student
) -> None:
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/lessons/{studio.public_id}/")
        api = client.get(f"/api/v1/bookings/{studio.public_id}").json()
    assert STREET in page.content.decode()
    assert "Open in Maps" in page.content.decode()
    assert api["studio_address"] == f"{STREET}, Park Slope, New York"
    client.force_login(scene.profile.user)
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/lessons/{studio.public_id}/")
        api = client.get(f"/api/v1/bookings/{studio.public_id}").json()
    assert STREET not in page.content.decode()
    assert (api["studio_address"], api["map_url"]) == (None, None)
    client.force_login(other_student)
    assert client.get(f"/lessons/{studio.public_id}/").status_code == 404
    assert client.get(f"/api/v1/bookings/{studio.public_id}").status_code == 404
    # The public profile never shows it either.
    assert STREET not in client.get(f"/instructors/{scene.profile.slug}/").content.decode()


def test_the_join_link_shows_from_one_hour_before_the_start(online, scene, student) -> None:
    start = local(THURSDAY, 10)
    for viewer in (student, scene.profile.user):
        early = booking_logistics(booking=online, viewer=viewer, now=start - timedelta(hours=1, seconds=1))
        assert (early.join_url, early.join_opens_at) == ("", start - timedelta(hours=1))
        assert early.join_note == "The link to join appears here an hour before the lesson."
        assert booking_logistics(booking=online, viewer=viewer, now=start - timedelta(hours=1)).join_url == LINK
        assert booking_logistics(booking=online, viewer=viewer, now=start + timedelta(minutes=59)).join_url == LINK
        assert booking_logistics(booking=online, viewer=viewer, now=start + timedelta(hours=1)).join_url == ""
    online.status = BookingStatus.CANCELLED
    online.save()
    assert booking_logistics(booking=online, viewer=student, now=start).join_url == ""


def test_the_api_shows_the_join_link_by_time(client, online, student, other_student) -> None:
    client.force_login(student)
    with time_machine.travel(local(THURSDAY, 8, 30), tick=False):
        assert client.get(f"/api/v1/bookings/{online.public_id}").json()["join_url"] is None
    with time_machine.travel(local(THURSDAY, 9, 15), tick=False):
        assert client.get(f"/api/v1/bookings/{online.public_id}").json()["join_url"] == LINK
        page = client.get(f"/lessons/{online.public_id}/").content.decode()
        assert f'href="{LINK}"' in page
    client.force_login(other_student)
    with time_machine.travel(local(THURSDAY, 9, 15), tick=False):
        assert client.get(f"/api/v1/bookings/{online.public_id}").status_code == 404


def test_reminders_and_the_calendar_file_carry_the_join_link(client, online, scene, student) -> None:
    reminder(online, label="tomorrow", now=NOW)  # a day ahead: the link is in the email anyway
    bodies = {n.user_id: n.body for n in Notification.objects.filter(kind="reminder")}
    assert f"Join here: {LINK}" in bodies[student.pk]
    assert f"Join here: {LINK}" in bodies[scene.profile.user_id]
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        ics = client.get(f"/lessons/{online.public_id}/calendar.ics").content.decode()
    assert f"LOCATION:{LINK}" in ics


def test_the_studio_reminder_gives_its_student_the_address_and_its_instructor_the_snapshot(
    studio, scene, student
) -> None:
    reminder(studio, label="tomorrow", now=NOW)
    bodies = {n.user_id: n.body for n in Notification.objects.filter(kind="reminder")}
    assert f"{STREET}, Park Slope, New York" in bodies[student.pk]
    assert STREET not in bodies[scene.profile.user_id]
