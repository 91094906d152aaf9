"""The booking's action pages: each shows its money preview, performs the action on POST,
says a refusal on the page (changing nothing), and exists only for the booking's
participants. The booking is the money tests' one: Thu 3 Dec 10:00 New York, $90 lesson +
$10.80 fee = $100.80, $76.50 to the instructor."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.test import Client

from apps.accounts.models import User
from apps.bookings.models import Booking, NoShowReport
from apps.bookings.tests.conftest import NOW, Scene
from apps.bookings.tests.money import END, START, TOTAL, authorize, book, operations, statuses

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db
LATE = START - timedelta(hours=20)  # 12–24 h before the start
VERY_LATE = START - timedelta(hours=6)  # < 12 h
NEXT_DAY = START + timedelta(days=1)  # Fri 4 Dec, 10:00 am: open


def url(booking: Booking, action: str) -> str:
    return f"/lessons/{booking.public_id}/{action}/"


def html(response: Response) -> str:
    return response.content.decode()


def authorized(scene: Scene, student: User) -> Booking:
    return authorize(book(scene, student), now=NOW)


# --- cancel -------------------------------------------------------------------------------


def test_a_student_cancelling_12_to_24_hours_ahead_sees_the_charge_and_credit_then_cancels(
    client: Client, scene: Scene, student: User
) -> None:
    booking = authorized(scene, student)
    client.force_login(student)
    with time_machine.travel(LATE, tick=False):
        page = client.get(url(booking, "cancel"))
        assert page.status_code == 200
        assert "Your card is charged $100.80." in html(page)
        assert "You get $90 back as credit (valid 365 days)." in html(page)
        assert "the $10.80 booking fee is kept" in html(page)
        assert "The lesson is 12 to 24 hours away." in html(page)
        assert statuses(booking) == ("confirmed", "authorized")  # the preview changes nothing
        done = client.post(url(booking, "cancel"), {"text": "Sick"}, follow=True)
    assert done.redirect_chain == [(f"/lessons/{booking.public_id}/", 302)]
    assert "Lesson cancelled. Your card is charged $100.80" in html(done)
    assert statuses(booking) == ("cancelled", "captured")
    assert operations() == [("capture", TOTAL, True)]
    assert booking.events.filter(reason="cancelled by the student: Sick").exists()


def test_the_instructor_cancelling_sees_a_full_release_and_no_earning(
    client: Client, scene: Scene, student: User
) -> None:
    booking = authorized(scene, student)
    client.force_login(scene.profile.user)
    with time_machine.travel(VERY_LATE, tick=False):
        page = client.get(url(booking, "cancel"))
        assert page.status_code == 200
        for line in (
            "Nothing is charged to the student&#x27;s card.",
            "The hold on the student&#x27;s card is released.",
            "You earn nothing for this lesson.",
        ):
            assert line in html(page)
        assert client.post(url(booking, "cancel")).status_code == 302
    assert statuses(booking)[0] == "cancelled"
    assert [kind for kind, _, _ in operations()] == ["release"]


def test_cancelling_twice_is_refused_on_the_page_and_changes_nothing(
    client: Client, scene: Scene, student: User
) -> None:
    booking = authorized(scene, student)
    client.force_login(student)
    with time_machine.travel(LATE, tick=False):
        client.post(url(booking, "cancel"))
        again = client.post(url(booking, "cancel"))
        page = client.get(url(booking, "cancel"))
    assert again.status_code == 409
    assert "A cancelled lesson cannot be cancelled." in html(again)
    assert "<button" not in html(page).split('id="action-title"')[1]  # no confirm button
    assert statuses(booking) == ("cancelled", "captured")
    assert operations() == [("capture", TOTAL, True)]


# --- strangers ----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["actions", "cancel", "reschedule", "no-show", "dispute", "complete"])
def test_someone_else_gets_404_and_nothing_changes(
    client: Client, scene: Scene, student: User, other_student: User, action: str
) -> None:
    booking = authorized(scene, student)
    client.force_login(other_student)
    with time_machine.travel(LATE, tick=False):
        assert client.get(url(booking, action)).status_code == 404
        if action != "actions":
            assert client.post(url(booking, action), {"starts_at": NEXT_DAY.isoformat()}).status_code == 404
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status, booking.starts_at) == ("confirmed", "authorized", START)


def test_the_pages_need_a_login(client: Client, scene: Scene, student: User) -> None:
    booking = authorized(scene, student)
    response = client.get(url(booking, "cancel"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- reschedule ---------------------------------------------------------------------------


def test_a_late_reschedule_shows_the_charge_and_open_times_then_locks_the_money(
    client: Client, scene: Scene, student: User
) -> None:
    booking = authorized(scene, student)
    client.force_login(student)
    with time_machine.travel(LATE, tick=False):
        page = client.get(url(booking, "reschedule"))
        assert page.status_code == 200
        assert "Moving now charges your card $100.80 and locks the payment" in html(page)
        days = page.context["days"]
        assert len({day.label for day in days}) == len(days) <= 7
        values = [option.value for day in days for option in day.options]
        assert NEXT_DAY.isoformat() in values
        assert START.isoformat() not in values  # the lesson's own time is not offered
        assert f'value="{NEXT_DAY.isoformat()}"' in html(page)
        moved = client.post(url(booking, "reschedule"), {"starts_at": NEXT_DAY.isoformat()})
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert (booking.starts_at, booking.status, booking.payment_status) == (NEXT_DAY, "confirmed", "locked")
    assert operations() == [("capture", TOTAL, True)]


def test_a_reschedule_a_day_ahead_is_free_and_keeps_the_payment_as_it_was(
    client: Client, scene: Scene, student: User
) -> None:
    booking = book(scene, student)  # at NOW, > 24 h ahead: nothing authorized yet
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        page = client.get(url(booking, "reschedule"))
        assert "You can move this lesson for free." in html(page)
        assert client.post(url(booking, "reschedule"), {"starts_at": NEXT_DAY.isoformat()}).status_code == 302
    booking.refresh_from_db()
    assert (booking.starts_at, booking.payment_status) == (NEXT_DAY, "scheduled")
    assert operations() == []


def test_a_reschedule_less_than_12_hours_ahead_is_refused_and_changes_nothing(
    client: Client, scene: Scene, student: User
) -> None:
    booking = authorized(scene, student)
    client.force_login(student)
    with time_machine.travel(VERY_LATE, tick=False):
        page = client.get(url(booking, "reschedule"))
        posted = client.post(url(booking, "reschedule"), {"starts_at": NEXT_DAY.isoformat()})
        listed = client.get(url(booking, "actions"), HTTP_HX_REQUEST="true")
    message = "Lessons can&#x27;t be moved less than 12 hours before they start."
    assert (page.status_code, posted.status_code) == (409, 409)
    assert message in html(page)
    assert message in html(posted)
    assert 'name="starts_at"' not in html(page)
    assert "Reschedule" not in html(listed)
    assert message in html(listed)
    booking.refresh_from_db()
    assert (booking.starts_at, booking.payment_status) == (START, "authorized")
    assert operations() == []


def test_a_time_that_is_not_open_or_not_a_time_is_refused(client: Client, scene: Scene, student: User) -> None:
    booking = authorized(scene, student)
    client.force_login(student)
    with time_machine.travel(NOW, tick=False):
        closed = client.post(url(booking, "reschedule"), {"starts_at": (START - timedelta(hours=8)).isoformat()})
        garbage = client.post(url(booking, "reschedule"), {"starts_at": "tomorrow"})
    assert closed.status_code == 409
    assert "That time isn&#x27;t open. Pick another time." in html(closed)
    assert garbage.status_code == 422
    assert "Pick a new time." in html(garbage)
    booking.refresh_from_db()
    assert booking.starts_at == START


def test_the_instructor_cannot_reschedule(client: Client, scene: Scene, student: User) -> None:
    booking = authorized(scene, student)
    client.force_login(scene.profile.user)
    with time_machine.travel(NOW, tick=False):
        page = client.get(url(booking, "reschedule"))
        posted = client.post(url(booking, "reschedule"), {"starts_at": NEXT_DAY.isoformat()})
    assert (page.status_code, posted.status_code) == (403, 403)
    assert "Only the student can reschedule." in html(page)
    booking.refresh_from_db()
    assert booking.starts_at == START


# --- no-show and dispute ------------------------------------------------------------------


def test_the_instructor_reports_a_no_show_after_seeing_what_it_means(
    client: Client, scene: Scene, student: User
) -> None:
    booking = authorized(scene, student)
    client.force_login(scene.profile.user)
    with time_machine.travel(END + timedelta(hours=1), tick=False):
        page = client.get(url(booking, "no-show"))
        assert page.status_code == 200
        assert "You&#x27;re reporting that the student didn&#x27;t come." in html(page)
        assert "If nobody disputes" in html(page)
        assert "The student&#x27;s card is charged $100.80." in html(page)
        assert "You earn $76.50." in html(page)
        assert client.post(url(booking, "no-show"), {"text": "No answer at the door"}).status_code == 302
    assert statuses(booking) == ("no_show", "manual_review")
    report = NoShowReport.objects.get(booking=booking)
    assert (report.absent_party, report.status, report.note) == ("student", "open", "No answer at the door")
    assert operations() == []  # the payment is held, not settled


def test_a_no_show_before_the_start_is_refused(client: Client, scene: Scene, student: User) -> None:
    booking = authorized(scene, student)
    client.force_login(student)
    with time_machine.travel(START - timedelta(minutes=1), tick=False):
        posted = client.post(url(booking, "no-show"))
    assert posted.status_code == 409
    assert "You can report a no-show once the lesson has started." in html(posted)
    assert statuses(booking) == ("confirmed", "authorized")
    assert not NoShowReport.objects.exists()


def test_the_student_reported_absent_disputes_and_only_they_can(client: Client, scene: Scene, student: User) -> None:
    booking = authorized(scene, student)
    client.force_login(scene.profile.user)
    with time_machine.travel(END + timedelta(hours=1), tick=False):
        client.post(url(booking, "no-show"))
        refused = client.get(url(booking, "dispute"))  # the reporter can't dispute
    assert refused.status_code == 403
    assert "Only the person reported absent can dispute the report." in html(refused)
    client.force_login(student)
    with time_machine.travel(END + timedelta(hours=3), tick=False):
        page = client.get(url(booking, "dispute"))
        assert page.status_code == 200
        upheld, rejected = html(page).split("If the report stands")[1].split("If the lesson counts as taught")
        assert "Your card is charged $100.80." in upheld
        assert "Your card is charged $100.80." in rejected
        assert "Our team reviews both sides" in html(page)
        assert client.post(url(booking, "dispute"), {"text": "I was there"}).status_code == 302
    report = NoShowReport.objects.get(booking=booking)
    assert (report.status, report.dispute_reason) == ("disputed", "I was there")
    assert statuses(booking) == ("no_show", "manual_review")


# --- complete -----------------------------------------------------------------------------


def test_the_instructor_marks_the_lesson_complete_once_it_has_ended(
    client: Client, scene: Scene, student: User
) -> None:
    booking = authorized(scene, student)
    client.force_login(scene.profile.user)
    with time_machine.travel(END - timedelta(minutes=1), tick=False):
        early = client.post(url(booking, "complete"))
    assert early.status_code == 409
    assert "A lesson can be marked complete once it has ended." in html(early)
    assert statuses(booking) == ("confirmed", "authorized")
    with time_machine.travel(END, tick=False):
        page = client.get(url(booking, "complete"))
        assert page.status_code == 200
        assert "The student&#x27;s card is charged $100.80." in html(page)
        assert "You earn $76.50." in html(page)
        assert client.post(url(booking, "complete")).status_code == 302
    assert statuses(booking) == ("completed", "authorized")


def test_the_student_cannot_mark_complete(client: Client, scene: Scene, student: User) -> None:
    booking = authorized(scene, student)
    client.force_login(student)
    with time_machine.travel(END, tick=False):
        posted = client.post(url(booking, "complete"))
    assert posted.status_code == 403
    assert "Only the instructor marks a lesson complete." in html(posted)
    assert statuses(booking) == ("confirmed", "authorized")


# --- the Actions section ------------------------------------------------------------------


def labels(response: Response) -> list[str]:
    return [link.label for link in response.context["links"]]


def test_the_actions_offered_follow_the_policy_for_each_viewer_and_moment(
    client: Client, scene: Scene, student: User
) -> None:
    booking = authorized(scene, student)
    client.force_login(student)
    with time_machine.travel(LATE, tick=False):
        detail = client.get(f"/lessons/{booking.public_id}/")
        fragment = client.get(url(booking, "actions"), HTTP_HX_REQUEST="true")
        page = client.get(url(booking, "actions"))
    assert f'hx-get="{url(booking, "actions")}"' in html(detail)
    assert labels(fragment) == ["Reschedule", "Cancel lesson"]
    assert "charges $100.80 now, once" in html(fragment)
    assert "<html" not in html(fragment)
    assert "<html" in html(page)
    assert f'href="{url(booking, "cancel")}"' in html(page)

    client.force_login(scene.profile.user)
    with time_machine.travel(LATE, tick=False):
        assert labels(client.get(url(booking, "actions"))) == ["Cancel lesson"]
    with time_machine.travel(END + timedelta(hours=1), tick=False):
        assert labels(client.get(url(booking, "actions"))) == ["Report a no-show", "Mark complete"]
    with time_machine.travel(END + timedelta(hours=25), tick=False):
        assert labels(client.get(url(booking, "actions"))) == ["Mark complete"]  # the no-show window is over

    client.force_login(student)
    with time_machine.travel(END + timedelta(hours=1), tick=False):
        assert labels(client.get(url(booking, "actions"))) == ["Report a no-show"]
    client.force_login(scene.profile.user)
    with time_machine.travel(END + timedelta(hours=1), tick=False):
        client.post(url(booking, "no-show"))
        assert labels(client.get(url(booking, "actions"))) == []
    client.force_login(student)
    with time_machine.travel(END + timedelta(hours=2), tick=False):
        assert labels(client.get(url(booking, "actions"))) == ["Dispute the no-show report"]
