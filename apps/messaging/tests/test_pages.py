"""Message pages: asking from a profile, the thread of a lesson, the live part's polling
(304 when nothing changed, within a query budget), the navigation's unread count, and
staff reading a report in the admin (only its messages, every look recorded)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from apps.messaging.context_processors import unread
from apps.messaging.models import Conversation, Message, ReportView
from apps.messaging.services import conversation_start, message_send, report_create
from apps.messaging.tests.conftest import NOW, book

pytestmark = pytest.mark.django_db


def _thread_url(thread: Conversation, part: str = "") -> str:
    return f"/messages/{thread.public_id}/{part}"


def test_ask_a_question_from_a_profile(client, student, teacher) -> None:
    client.force_login(student)
    profile = client.get("/instructors/ines/").content.decode()
    assert 'href="/instructors/ines/ask/"' in profile
    form = client.get("/instructors/ines/ask/")
    assert form.status_code == 200
    assert "Contact details and payment handles are hidden" in form.content.decode()
    empty = client.post("/instructors/ines/ask/", {"text": "   "})
    assert empty.status_code == 422
    assert not Conversation.objects.exists()
    sent = client.post("/instructors/ines/ask/", {"text": "Do you teach jazz?"})
    thread = Conversation.objects.get()
    assert sent.status_code == 302
    assert sent["Location"] == _thread_url(thread)
    # Asking again opens the same thread.
    assert client.get("/instructors/ines/ask/")["Location"] == _thread_url(thread)
    page = client.get(_thread_url(thread)).content.decode()
    assert "Do you teach jazz?" in page
    assert "Ines Instructor" in page


def test_instructors_cannot_ask(client, teacher, other_teacher) -> None:
    client.force_login(other_teacher.user)
    assert client.get("/instructors/ines/ask/").status_code == 404
    assert client.post("/instructors/ines/ask/", {"text": "Hi"}).status_code == 404
    assert not Conversation.objects.exists()


def test_message_from_a_lesson_shows_the_lesson(client, student, teacher, other_student) -> None:
    booking = book(student, teacher)
    client.force_login(other_student)
    assert client.post(f"/lessons/{booking.public_id}/message/").status_code == 404
    client.force_login(teacher.user)
    assert "Message Sam S." in client.get(f"/lessons/{booking.public_id}/").content.decode()
    opened = client.post(f"/lessons/{booking.public_id}/message/")
    thread = Conversation.objects.get()
    assert opened["Location"] == _thread_url(thread)
    page = client.get(_thread_url(thread)).content.decode()
    assert f'href="/lessons/{booking.public_id}/"' in page
    assert "Piano" in page
    assert "are hidden until you book" not in page  # they have a booking


def test_outsiders_get_404_on_every_thread_page(client, student, teacher, other_student, other_teacher) -> None:
    message = conversation_start(actor=student, instructor_slug="ines", body="Private question", now=NOW)
    thread = message.conversation
    for outsider in (other_student, other_teacher.user):
        client.force_login(outsider)
        assert client.get(_thread_url(thread)).status_code == 404
        assert client.get(_thread_url(thread, "poll/")).status_code == 404
        assert client.get(_thread_url(thread, "report/")).status_code == 404
        assert client.post(_thread_url(thread, "send/"), {"text": "Hi"}).status_code == 404
        assert client.post(_thread_url(thread, "block/")).status_code == 404
        assert "Private question" not in client.get("/messages/").content.decode()
    assert Message.objects.count() == 1
    assert Conversation.objects.get().blocked_by_id is None


def test_polling_answers_304_until_something_changes(client, student, teacher) -> None:
    message = conversation_start(actor=student, instructor_slug="ines", body="Hello?", now=NOW)
    thread = message.conversation
    client.force_login(teacher.user)
    first = client.get(_thread_url(thread, "poll/"), HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    assert "Hello?" in first.content.decode()
    etag = first["ETag"]
    with CaptureQueriesContext(connection) as queries:
        idle = client.get(_thread_url(thread, "poll/"), HTTP_IF_NONE_MATCH=etag, HTTP_HX_REQUEST="true")
    assert (idle.status_code, idle.content) == (304, b"")
    # The session, the user and the thread row: nothing else, however long the thread.
    assert len(queries) == 3, [q["sql"] for q in queries]
    message_send(actor=student, conversation_id=thread.public_id, body="Are you there?", now=NOW)
    changed = client.get(_thread_url(thread, "poll/"), HTTP_IF_NONE_MATCH=etag, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200
    assert "Are you there?" in changed.content.decode()
    assert changed["ETag"] != etag
    # Polling is reading: the student now sees the receipt under their message.
    client.force_login(student)
    mine = client.get(_thread_url(thread, "poll/"), HTTP_HX_REQUEST="true").content.decode()
    assert '<p class="message-receipt">Read</p>' in mine


def test_sending_from_the_page_with_and_without_htmx(client, student, teacher) -> None:
    thread = conversation_start(actor=student, instructor_slug="ines", body="Hi", now=NOW).conversation
    client.force_login(teacher.user)
    plain = client.post(_thread_url(thread, "send/"), {"text": "Hello Sam"})
    assert (plain.status_code, plain["Location"]) == (302, _thread_url(thread))
    swapped = client.post(_thread_url(thread, "send/"), {"text": "Anything else?"}, HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200
    assert 'id="thread-live"' in swapped.content.decode()
    too_long = client.post(_thread_url(thread, "send/"), {"text": "x" * 2001}, HTTP_HX_REQUEST="true")
    assert too_long.status_code == 422
    assert list(Message.objects.values_list("body", flat=True)) == ["Hi", "Hello Sam", "Anything else?"]


def test_the_navigation_counts_unread_threads_in_one_query(client, student, teacher, other_teacher) -> None:
    conversation_start(actor=student, instructor_slug="ines", body="One", now=NOW)
    conversation_start(actor=student, instructor_slug="oscar", body="Two", now=NOW)
    thread = Conversation.objects.get(instructor=teacher.user)
    message_send(actor=teacher.user, conversation_id=thread.public_id, body="Reply", now=NOW)
    request = RequestFactory().get("/")
    for user, count in ((student, 1), (teacher.user, 0), (other_teacher.user, 1)):
        request.user = user
        with CaptureQueriesContext(connection) as queries:
            shown = unread(request)["unread_conversations"]
            assert len(queries) == 0  # counted only when a page shows it
            assert (shown(), shown()) == (count, count)
        assert len(queries) == 1
    client.force_login(student)
    assert (
        'Messages <span class="badge-count" aria-label="1 unread">1</span>' in client.get("/messages/").content.decode()
    )


def test_block_and_report_from_the_page(client, student, teacher) -> None:
    thread = conversation_start(actor=student, instructor_slug="ines", body="Hi", now=NOW).conversation
    rude = message_send(actor=teacher.user, conversation_id=thread.public_id, body="Pay me in cash", now=NOW)
    client.force_login(student)
    form = client.get(_thread_url(thread, "report/")).content.decode()
    assert "Pay me in cash" in form
    reported = client.post(_thread_url(thread, "report/"), {"reason": "off_platform", "messages": [str(rude.pk)]})
    assert reported.status_code == 302
    client.post(_thread_url(thread, "block/"))
    page = client.get(_thread_url(thread)).content.decode()
    assert "You blocked this conversation." in page
    assert 'id="message-form"' not in page
    assert client.post(_thread_url(thread, "send/"), {"text": "Hi"}).status_code == 403
    client.post(_thread_url(thread, "block/"), {"action": "unblock"})
    assert Conversation.objects.get().blocked_by_id is None


@pytest.fixture
def moderator(staff):
    """Staff with two-factor on, as the site requires before the admin."""
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return staff


def test_staff_see_only_the_reported_messages_and_each_look_is_recorded(client, student, teacher, moderator) -> None:
    thread = conversation_start(
        actor=student, instructor_slug="ines", body="Call me: 212 555 0100", now=NOW
    ).conversation
    message_send(actor=teacher.user, conversation_id=thread.public_id, body="Unreported small talk", now=NOW)
    rude = message_send(actor=teacher.user, conversation_id=thread.public_id, body="Venmo me @ines-cash", now=NOW)
    report = report_create(
        actor=student, conversation_id=thread.public_id, reason="off_platform", message_ids=[rude.pk], note="",
        now=NOW,
    )  # fmt: skip
    client.force_login(moderator)
    assert client.get("/admin/messaging/report/").status_code == 200
    page = client.get(f"/admin/messaging/report/{report.pk}/change/").content.decode()
    assert "Venmo me @ines-cash" in page  # as written, before masking
    assert "Unreported small talk" not in page
    assert "212 555 0100" not in page
    client.get(f"/admin/messaging/report/{report.pk}/change/")
    assert list(ReportView.objects.values_list("report_id", "staff_id")) == [(report.pk, moderator.pk)] * 2
    # Threads and messages are not browsable in the admin.
    assert client.get("/admin/messaging/conversation/").status_code == 404
    assert client.get("/admin/messaging/message/").status_code == 404
    assert client.post(f"/admin/messaging/report/{report.pk}/delete/").status_code == 403


def test_the_thread_explains_hidden_details_before_and_after_a_first_booking(client, student, teacher) -> None:
    thread = conversation_start(actor=student, instructor_slug="ines", body="Call 212 555 0100", now=NOW).conversation
    client.force_login(teacher.user)
    before = client.get(_thread_url(thread)).content.decode()
    assert "Call [hidden]" in before
    assert "are hidden until you book a first lesson together" in before
    book(student, teacher)
    after = client.get(_thread_url(thread)).content.decode()
    assert "Call [hidden]" in after  # what was written before stays hidden
    assert "are hidden until you book" not in after
    assert "[hidden]: contact details written before your first booking together stay hidden." in after
