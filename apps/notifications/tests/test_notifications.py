"""notify(): the row is part of the caller's transaction, the email leaves after the commit;
optional categories follow the user's choice, payment and security emails always go."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

from apps.bookings.policies import booking_cancel
from apps.bookings.tests.conftest import NOW
from apps.bookings.tests.money import START, authorize, book
from apps.notifications.models import Notification
from apps.notifications.services import (
    notification_email_send,
    notification_preferences_set,
    notify,
    notify_staff,
)

pytestmark = pytest.mark.django_db


def test_the_email_leaves_only_after_the_commit(student, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = notify(user=student, kind="capture_failed", subject="Payment failed", body="Add a card.", url="/x/")
        assert mail.outbox == []  # still inside the transaction
    assert len(callbacks) == 1
    assert [(m.subject, m.to) for m in mail.outbox] == [("InstaInstru · Payment failed", ["student@example.com"])]
    assert mail.outbox[0].body == "Hi Sam,\n\nAdd a card.\n\nhttp://127.0.0.1:8000/x/\n\n— InstaInstru"
    note.refresh_from_db()
    assert (note.category, note.essential, note.email_status) == ("payments", True, "sent")


def test_a_rolled_back_event_leaves_no_notification_and_no_email(student, django_capture_on_commit_callbacks) -> None:
    def cancel_then_fail() -> None:
        with transaction.atomic():
            notify(user=student, kind="booking_cancelled", subject="Cancelled", body="…")
            raise RuntimeError("the cancellation failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        cancel_then_fail()
    assert (Notification.objects.count(), mail.outbox) == (0, [])


def test_optional_categories_can_be_turned_off_but_payments_cannot(student, django_capture_on_commit_callbacks) -> None:
    notification_preferences_set(user=student, enabled={"reminders": False, "lessons": True, "payments": False})
    with django_capture_on_commit_callbacks(execute=True):
        reminder = notify(user=student, kind="reminder", subject="Reminder", body="Tomorrow.")
        payment = notify(user=student, kind="authorization_failed", subject="Declined", body="Add a card.")
        essential = notify(user=student, kind="booking_rescheduled", subject="Moved", body="Locked.", essential=True)
    assert [m.subject for m in mail.outbox] == ["InstaInstru · Declined", "InstaInstru · Moved"]
    assert [n.email_status for n in (reminder, payment, essential)] == ["off", "pending", "pending"]
    assert Notification.objects.filter(user=student).count() == 3  # the in-app list keeps them all


def test_the_email_task_sends_once(student) -> None:
    note = notify(user=student, kind="payout_sent", subject="Payout sent", body="$76.50")
    assert notification_email_send(notification_id=note.pk, now=NOW) is True
    assert notification_email_send(notification_id=note.pk, now=NOW) is False
    assert len(mail.outbox) == 1


def test_a_failed_send_goes_back_to_pending_for_the_retry(student, monkeypatch) -> None:
    note = notify(user=student, kind="payout_sent", subject="Payout sent", body="$76.50")

    def broken(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with pytest.raises(OSError, match="mail server down"):
        notification_email_send(notification_id=note.pk, now=NOW)
    note.refresh_from_db()
    assert note.email_status == "pending"


def test_staff_alerts_go_to_every_active_staff_member(staff, student) -> None:
    assert notify_staff(kind="staff_alert", subject="Review", body="Booking 1") == 1
    assert list(Notification.objects.values_list("user_id", "category", "essential")) == [(staff.pk, "staff", True)]


def test_a_cancellation_tells_both_sides_the_money_outcome(scene, student, django_capture_on_commit_callbacks) -> None:
    booking = authorize(book(scene, student), now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(actor=student, booking_id=booking.pk, now=START - timedelta(hours=20))
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert (
        "Your card is charged $100.80; you get $90 in credit (valid 365 days); the $10.80 booking fee is kept."
        in bodies["student@example.com"]
    )
    assert (
        "cancelled Piano with Sam S. on Thu 3 Dec, 10:00 am. You earn nothing for this lesson."
        in bodies[scene.profile.user.email]
    )


def test_the_list_page_shows_my_notifications_and_marks_them_read(client, student, other_student) -> None:
    notify(user=student, kind="payout_sent", subject="Mine", body="For me")
    notify(user=other_student, kind="payout_sent", subject="Not mine", body="For someone else")
    client.force_login(student)
    page = client.get("/notifications/").content.decode()
    assert "Mine" in page
    assert "Not mine" not in page
    assert page.count('class="list-row unread"') == 1  # unread until this view, and marked so on it
    assert Notification.objects.filter(user=student, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=other_student, read_at__isnull=True).count() == 1
    again = client.get("/notifications/").content.decode()
    assert ("Mine" in again, 'class="list-row unread"' in again) == (True, False)
    assert client.post("/notifications/").status_code == 405  # reading is a GET


def test_the_preferences_page_turns_reminders_off(client, student) -> None:
    client.force_login(student)
    assert "Email me about lesson reminders" in client.get("/notifications/settings/").content.decode()
    response = client.post("/notifications/settings/", {"lessons": "on"})
    assert response.status_code == 302
    from apps.notifications.selectors import notification_preferences_get

    assert notification_preferences_get(user=student) == {"lessons": True, "reminders": False, "messages": False}


def test_reschedule_and_no_show_events_tell_the_right_people(scene, student, staff) -> None:
    from apps.bookings.policies import booking_reschedule, no_show_dispute, no_show_report

    booking = authorize(book(scene, student), now=NOW)
    instructor = scene.profile.user
    booking_reschedule(
        actor=student, booking_id=booking.pk, starts_at=START + timedelta(hours=1), now=START - timedelta(hours=20)
    )
    moved = {n.user_id: n for n in Notification.objects.filter(kind="booking_rescheduled")}
    assert moved[student.pk].essential is True  # it locked the money
    assert "your card is charged $100.80 now and the payment is locked" in moved[student.pk].body
    assert moved[instructor.pk].body == "Sam S. moved the lesson on Thu 3 Dec, 10:00 am to Thu 3 Dec, 11:00 am."
    reported_at = START + timedelta(hours=2, minutes=30)
    no_show_report(actor=instructor, booking_id=booking.pk, now=reported_at)
    told = {n.user_id: n.body for n in Notification.objects.filter(kind="no_show_reported")}
    assert "dispute it before Fri 4 Dec, 12:30 pm" in told[student.pk]
    assert "the student is charged $100.80 and the instructor is paid in full" in told[student.pk]
    no_show_dispute(actor=student, booking_id=booking.pk, now=reported_at + timedelta(hours=1), reason="I was there")
    assert list(Notification.objects.filter(kind="no_show_disputed").values_list("user_id", flat=True)) == [
        instructor.pk
    ]
    alert = Notification.objects.get(kind="staff_alert")
    assert (alert.user_id, alert.body) == (
        staff.pk, f"{instructor.display_name} reported a student no-show; Sam S. disputes it: I was there",
    )  # fmt: skip
