"""The conversation API: a question and its answer end to end, read receipts, the unread
count, incremental reads, and 404 for anyone outside the thread."""

from __future__ import annotations

from typing import Any

import pytest

from apps.messaging.models import Conversation, Message, Report
from apps.messaging.tests.conftest import book

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _ask(client, body: str = "Do you teach jazz?") -> dict[str, Any]:
    response = client.post("/api/v1/conversations", {"instructor": "ines", "text": body}, content_type=JSON)
    assert response.status_code == 201, response.content
    created: dict[str, Any] = response.json()
    return created


def test_a_question_and_its_answer(client, student, teacher) -> None:
    client.force_login(student)
    asked = _ask(client, "Do you teach jazz? Call (212) 555-0100")
    thread_id = asked["id"]
    assert asked["with_name"] == "Ines Instructor"
    assert asked["contact_details_hidden"] is True
    assert [(m["mine"], m["text"], m["masked"], m["read"]) for m in asked["messages"]] == [
        (True, "Do you teach jazz? Call [hidden]", True, False)
    ]

    client.force_login(teacher.user)
    assert client.get("/api/v1/conversations/unread").json() == {"conversations": 1}
    listed = client.get("/api/v1/conversations").json()["items"]
    assert [(c["id"], c["with_name"], c["unread"]) for c in listed] == [(thread_id, "Sam S.", True)]
    assert client.post(f"/api/v1/conversations/{thread_id}/read").json()["unread"] is False
    assert client.get("/api/v1/conversations/unread").json() == {"conversations": 0}
    sent = client.post(f"/api/v1/conversations/{thread_id}/messages", {"text": "Yes, I do!"}, content_type=JSON)
    assert sent.status_code == 201
    assert (sent.json()["mine"], sent.json()["text"], sent.json()["read"]) == (True, "Yes, I do!", False)

    client.force_login(student)
    first_id = asked["messages"][0]["id"]
    newer = client.get(f"/api/v1/conversations/{thread_id}", {"after": first_id}).json()
    assert [(m["mine"], m["text"]) for m in newer["messages"]] == [(False, "Yes, I do!")]
    whole = client.get(f"/api/v1/conversations/{thread_id}").json()
    assert [m["read"] for m in whole["messages"]] == [True, False]  # the instructor read the question


def test_outsiders_get_404_and_change_nothing(client, student, other_student, teacher, other_teacher) -> None:
    client.force_login(student)
    thread_id = _ask(client)["id"]
    message_id = Message.objects.get().pk
    for outsider in (other_student, other_teacher.user):
        client.force_login(outsider)
        assert client.get(f"/api/v1/conversations/{thread_id}").status_code == 404
        calls = [
            client.post(f"/api/v1/conversations/{thread_id}/messages", {"text": "Hi"}, content_type=JSON),
            client.post(f"/api/v1/conversations/{thread_id}/read"),
            client.post(f"/api/v1/conversations/{thread_id}/block"),
            client.delete(f"/api/v1/conversations/{thread_id}/block"),
            client.post(
                f"/api/v1/conversations/{thread_id}/reports",
                {"reason": "spam", "message_ids": [message_id]},
                content_type=JSON,
            ),
        ]
        assert [(c.status_code, c.json()["error"]["code"]) for c in calls] == [(404, "not_found")] * 5
        assert client.get("/api/v1/conversations").json()["items"] == []
    assert Message.objects.count() == 1
    assert Conversation.objects.get().blocked_by_id is None
    assert not Report.objects.exists()
    client.logout()
    assert client.get(f"/api/v1/conversations/{thread_id}").status_code == 401


def test_a_blocked_thread_refuses_messages_with_403(client, student, teacher) -> None:
    client.force_login(student)
    thread_id = _ask(client)["id"]
    client.force_login(teacher.user)
    assert client.post(f"/api/v1/conversations/{thread_id}/block").json()["blocked_by_me"] is True
    client.force_login(student)
    refused = client.post(f"/api/v1/conversations/{thread_id}/messages", {"text": "Hi?"}, content_type=JSON)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "conversation_blocked")
    assert client.delete(f"/api/v1/conversations/{thread_id}/block").status_code == 403  # only the blocker
    assert Message.objects.count() == 1


def test_the_thread_of_a_lesson_shows_the_lesson_and_unmasks(client, student, teacher) -> None:
    booking = book(student, teacher)
    client.force_login(teacher.user)
    opened = client.post(f"/api/v1/bookings/{booking.public_id}/conversation")
    assert opened.status_code == 200
    assert (opened.json()["booking_id"], opened.json()["contact_details_hidden"]) == (str(booking.public_id), False)
    sent = client.post(
        f"/api/v1/conversations/{opened.json()['id']}/messages", {"text": "Call me: 212 555 0100"}, content_type=JSON
    )
    assert sent.json()["text"] == "Call me: 212 555 0100"


@pytest.mark.parametrize("body", [{"instructor": "ines", "text": ""}, {"instructor": "ines", "text": "x" * 2001}])
def test_invalid_bodies_are_422(client, student, teacher, body) -> None:
    client.force_login(student)
    response = client.post("/api/v1/conversations", body, content_type=JSON)
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["text"]
    assert not Conversation.objects.exists()


def test_reports_through_the_api(client, student, teacher) -> None:
    client.force_login(student)
    thread_id = _ask(client)["id"]
    client.force_login(teacher.user)
    reply = client.post(f"/api/v1/conversations/{thread_id}/messages", {"text": "Pay me cash"}, content_type=JSON)
    client.force_login(student)
    report = client.post(
        f"/api/v1/conversations/{thread_id}/reports",
        {"reason": "off_platform", "message_ids": [reply.json()["id"]], "note": "Cash"},
        content_type=JSON,
    )
    assert report.status_code == 201
    assert report.json()["status"] == "open"
    assert [m.body for m in Report.objects.get().messages.all()] == ["Pay me cash"]
