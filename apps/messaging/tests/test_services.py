"""Threads, masking, blocking, reporting and the unread email, at the service level."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory

from apps.audit.queues import backoffice_queue_list
from apps.bookings.states import BookingStatus
from apps.core.errors import NotFound, PermissionDenied, RateLimited, ValidationFailed
from apps.core.limits import serving
from apps.messaging.masking import contact_mask
from apps.messaging.models import Conversation, Message, Report
from apps.messaging.services import (
    ConversationBlocked,
    conversation_block,
    conversation_for_booking,
    conversation_start,
    conversation_unblock,
    message_send,
    report_create,
    unread_email_sweep,
)
from apps.messaging.tests.conftest import NOW, book
from apps.notifications.models import Notification, NotificationPreference
from apps.notifications.states import EmailStatus

pytestmark = pytest.mark.django_db
CONTACT = "Text me at (212) 555-0100 or sam.s@gmail.com, venmo @sam-s, or pay $SamS. It's $80/h."
MASKED = "Text me at [hidden] or [hidden], venmo [hidden], or pay [hidden]. It's $80/h."


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (CONTACT, MASKED),
        ("write to sam at gmail dot com", "write to [hidden]"),
        ("+1 212 555 0100 / 2 1 2 5 5 5 0 1 0 0", "[hidden] / [hidden]"),
        ("paypal.me/sams and cash.app/$sams", "[hidden] and [hidden]"),
        (
            "Lesson at 4:30 pm on 12/3, 60 min, $95 total, room 12",
            "Lesson at 4:30 pm on 12/3, 60 min, $95 total, room 12",
        ),
    ],
)
def test_contact_mask(text: str, masked: str) -> None:
    assert contact_mask(text) == masked


def test_one_thread_per_pair_and_the_first_message_is_masked_before_a_booking(student, teacher) -> None:
    first = conversation_start(actor=student, instructor_slug="ines", body=CONTACT, now=NOW)
    again = conversation_start(actor=student, instructor_slug="ines", body="  Still there?  ", now=NOW)
    assert Conversation.objects.count() == 1
    thread = Conversation.objects.get()
    assert (first.conversation_id, again.conversation_id) == (thread.pk, thread.pk)
    assert (first.body, first.original_body, first.masked) == (MASKED, CONTACT, True)
    assert (again.body, again.original_body, again.masked) == ("Still there?", "", False)
    assert (thread.last_message_id, thread.student_read_id, thread.instructor_read_id) == (again.pk, again.pk, 0)


def test_after_a_first_booking_contact_details_go_through(student, teacher) -> None:
    conversation_start(actor=student, instructor_slug="ines", body="Hi", now=NOW)
    thread = Conversation.objects.get()
    cancelled = book(student, teacher, status=BookingStatus.CANCELLED)
    still_masked = message_send(actor=teacher.user, conversation_id=thread.public_id, body=CONTACT, now=NOW)
    assert still_masked.body == MASKED  # a cancelled booking does not count
    cancelled.status = BookingStatus.CONFIRMED
    cancelled.save()
    clear = message_send(actor=teacher.user, conversation_id=thread.public_id, body=CONTACT, now=NOW)
    assert (clear.body, clear.masked) == (CONTACT, False)


def test_only_students_ask_and_only_live_instructors_are_asked(student, teacher, other_instructor) -> None:
    with pytest.raises(PermissionDenied):
        conversation_start(actor=other_instructor, instructor_slug="ines", body="Hi", now=NOW)
    with pytest.raises(NotFound):
        conversation_start(actor=student, instructor_slug="nobody", body="Hi", now=NOW)
    teacher.status = "onboarding"
    teacher.save()
    with pytest.raises(NotFound):
        conversation_start(actor=student, instructor_slug="ines", body="Hi", now=NOW)
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 2001])
def test_a_message_is_1_to_2000_characters(student, teacher, body: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        conversation_start(actor=student, instructor_slug="ines", body=body, now=NOW)
    assert list(refused.value.fields) == ["text"]
    assert not Conversation.objects.exists()
    assert conversation_start(actor=student, instructor_slug="ines", body="x" * 2000, now=NOW).body == "x" * 2000


def test_outsiders_cannot_read_post_block_or_report(student, other_student, teacher, other_teacher) -> None:
    message = conversation_start(actor=student, instructor_slug="ines", body="Hi", now=NOW)
    thread_id = message.conversation.public_id
    for outsider in (other_student, other_teacher.user):
        with pytest.raises(NotFound):
            message_send(actor=outsider, conversation_id=thread_id, body="Let me in", now=NOW)
        with pytest.raises(NotFound):
            conversation_block(actor=outsider, conversation_id=thread_id, now=NOW)
        with pytest.raises(NotFound):
            report_create(
                actor=outsider, conversation_id=thread_id, reason="spam", message_ids=[message.pk], note="", now=NOW
            )
    assert list(Message.objects.values_list("body", flat=True)) == ["Hi"]
    assert Conversation.objects.get().blocked_by_id is None
    assert not Report.objects.exists()


def test_the_thread_of_a_lesson_is_for_its_two_people(student, other_student, teacher) -> None:
    booking = book(student, teacher)
    with pytest.raises(NotFound):
        conversation_for_booking(actor=other_student, booking_public_id=booking.public_id)
    assert not Conversation.objects.exists()
    thread = conversation_for_booking(actor=teacher.user, booking_public_id=booking.public_id)
    assert (thread.student_id, thread.instructor_id, thread.booking_id) == (student.pk, teacher.user_id, booking.pk)
    assert conversation_for_booking(actor=student, booking_public_id=booking.public_id).pk == thread.pk


def test_a_blocked_thread_takes_no_messages_until_its_blocker_unblocks(student, teacher) -> None:
    thread_id = conversation_start(actor=student, instructor_slug="ines", body="Hi", now=NOW).conversation.public_id
    conversation_block(actor=teacher.user, conversation_id=thread_id, now=NOW)
    for sender in (student, teacher.user):
        with pytest.raises(ConversationBlocked):
            message_send(actor=sender, conversation_id=thread_id, body="Hello?", now=NOW)
    with pytest.raises(ConversationBlocked):
        conversation_start(actor=student, instructor_slug="ines", body="Hello?", now=NOW)
    with pytest.raises(ConversationBlocked):
        conversation_unblock(actor=student, conversation_id=thread_id)  # not the blocker
    assert Message.objects.count() == 1
    conversation_unblock(actor=teacher.user, conversation_id=thread_id)
    assert message_send(actor=student, conversation_id=thread_id, body="Hello?", now=NOW).body == "Hello?"


def test_a_report_names_messages_of_the_other_side_and_alerts_staff(student, teacher, staff) -> None:
    mine = conversation_start(actor=student, instructor_slug="ines", body="Hi", now=NOW)
    rude = message_send(actor=teacher.user, conversation_id=mine.conversation.public_id, body="Pay cash", now=NOW)
    thread_id = mine.conversation.public_id
    with pytest.raises(ValidationFailed):
        report_create(actor=student, conversation_id=thread_id, reason="spam", message_ids=[mine.pk], note="", now=NOW)
    with pytest.raises(ValidationFailed):
        report_create(actor=student, conversation_id=thread_id, reason="bogus", message_ids=[rude.pk], note="", now=NOW)
    assert not Report.objects.exists()
    report = report_create(
        actor=student, conversation_id=thread_id, reason="off_platform", message_ids=[rude.pk], note="Cash", now=NOW
    )
    assert list(report.messages.all()) == [rude]
    alert = Notification.objects.get(user=staff)
    assert (alert.kind, alert.url) == ("staff_alert", f"/admin/messaging/report/{report.pk}/change/")
    assert {q.label: q.count for q in backoffice_queue_list()}[
        "Reported conversations"
    ] == 1  # on the admin's front page


def test_sends_are_rate_limited_per_user_while_serving_a_request(student, teacher, settings) -> None:
    settings.MESSAGING_RATE_LIMITS = {**settings.MESSAGING_RATE_LIMITS, "messages": "3/m"}
    request = RequestFactory().post("/")
    with serving(request):
        for n in range(3):
            conversation_start(actor=student, instructor_slug="ines", body=f"Question {n}", now=NOW)
        with pytest.raises(RateLimited) as refused:
            conversation_start(actor=student, instructor_slug="ines", body="One more", now=NOW)
        assert refused.value.retry_after_seconds == 60
        # The minute passes: sending works again.
        conversation_start(actor=student, instructor_slug="ines", body="Later", now=NOW + timedelta(seconds=61))
    assert Message.objects.count() == 4


# --- the email about an unread message, on a simulated clock ---------------------------------------


def _emails(user) -> list[tuple[str, str]]:
    return [(n.subject, n.email_status) for n in Notification.objects.filter(user=user, kind="new_message")]


def test_an_unread_message_is_emailed_after_15_minutes_at_most_hourly(student, teacher) -> None:
    thread_id = conversation_start(actor=student, instructor_slug="ines", body="Hi", now=NOW).conversation.public_id
    ines = teacher.user
    assert unread_email_sweep(now=NOW + timedelta(minutes=14, seconds=59)) == 0
    assert unread_email_sweep(now=NOW + timedelta(minutes=15)) == 1
    assert _emails(ines) == [("New message from Sam S.", EmailStatus.PENDING)]
    assert _emails(student) == []  # the sender is never told about their own message
    assert unread_email_sweep(now=NOW + timedelta(minutes=16)) == 0  # once
    conversation_start(actor=student, instructor_slug="ines", body="Are you there?", now=NOW + timedelta(minutes=20))
    assert unread_email_sweep(now=NOW + timedelta(minutes=74)) == 0  # within the hour of the last email
    assert unread_email_sweep(now=NOW + timedelta(minutes=75)) == 1
    assert unread_email_sweep(now=NOW + timedelta(hours=3)) == 0  # nothing new since
    assert len(_emails(ines)) == 2
    # Read in time: no email.
    message_send(actor=student, conversation_id=thread_id, body="Third", now=NOW + timedelta(hours=4))
    Conversation.objects.update(instructor_read_id=Message.objects.latest("id").pk)
    assert unread_email_sweep(now=NOW + timedelta(hours=5)) == 0
    assert len(_emails(ines)) == 2


def test_the_unread_email_follows_the_message_preference(student, teacher) -> None:
    NotificationPreference.objects.create(user=teacher.user, category="messages", email_enabled=False)
    conversation_start(actor=student, instructor_slug="ines", body="Hi", now=NOW)
    assert unread_email_sweep(now=NOW + timedelta(minutes=15)) == 1
    # Listed in the app, not emailed.
    assert _emails(teacher.user) == [("New message from Sam S.", EmailStatus.OFF)]
