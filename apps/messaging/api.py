"""Conversation endpoints: my threads and the unread count, asking an instructor, the thread
of a lesson, reading a thread (all of it or what came after a message id, which is how an
app polls cheaply), sending, marking read, blocking and reporting."""

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.api_input import InputSchema
from apps.core.errors import NotFound
from apps.messaging.masking import EXPLANATION
from apps.messaging.models import BODY_MAX, REPORT_NOTE_MAX, Message, ReportReason
from apps.messaging.selectors import (
    ThreadView,
    conversation_get,
    conversation_list,
    message_list,
    pair_has_booking,
    unread_conversation_count,
)
from apps.messaging.services import (
    conversation_block,
    conversation_for_booking,
    conversation_read,
    conversation_start,
    conversation_unblock,
    message_send,
    report_create,
)

router = Router(tags=["messaging"])
WRITE_ERRORS = error_responses(401, 403, 404)


class ConversationOut(Schema):
    id: uuid.UUID
    with_name: str = Field(description="The other participant's name.")
    instructor: str | None = Field(description="The instructor's slug.")
    booking_id: uuid.UUID | None = Field(description="The lesson the thread was last opened from.")
    last_message_at: dt.datetime | None
    unread: bool = Field(description="A message the viewer has not read.")
    blocked: bool
    blocked_by_me: bool


class MessageOut(Schema):
    id: int
    mine: bool
    text: str
    masked: bool = Field(description="Contact details were hidden (the pair has no booking yet).")
    sent_at: dt.datetime
    read: bool = Field(description="The other side has read it (read receipt).")


class ThreadOut(ConversationOut):
    messages: list[MessageOut] = Field(description="Up to the newest 100 (after `after`), oldest first.")
    contact_details_hidden: bool = Field(description="True until the pair's first booking.")
    note: str


class UnreadOut(Schema):
    conversations: int


class AskIn(InputSchema):
    instructor: str = Field(max_length=80, description="The instructor's slug.")
    text: str = Field(min_length=1, max_length=BODY_MAX)


class MessageIn(InputSchema):
    text: str = Field(min_length=1, max_length=BODY_MAX)


class ReportIn(InputSchema):
    reason: Literal["off_platform", "harassment", "spam", "other"]
    message_ids: list[int] = Field(min_length=1, max_length=50, description="Messages the other side sent.")
    note: str = Field("", max_length=REPORT_NOTE_MAX)


class AfterQuery(Schema):
    after: int = Field(0, ge=0, le=2**62, description="Only messages with a larger id.")


class ReportOut(Schema):
    id: int
    status: str


def _conversation(view: ThreadView) -> dict[str, Any]:
    thread = view.thread
    profile = getattr(thread.instructor, "instructor_profile", None)
    return {
        "id": str(thread.public_id), "with_name": view.other_name, "instructor": profile.slug if profile else None,
        "booking_id": str(thread.booking.public_id) if thread.booking else None,
        "last_message_at": thread.last_message_at.isoformat() if thread.last_message_at else None,
        "unread": view.unread, "blocked": view.blocked, "blocked_by_me": view.blocked_by_me,
    }  # fmt: skip


def _message(view: ThreadView, message: Message) -> dict[str, Any]:
    mine = message.sender_id == view.viewer.pk
    return {
        "id": message.pk, "mine": mine, "text": message.body, "masked": message.masked,
        "sent_at": message.created_at.isoformat(), "read": mine and view.their_read_id >= message.pk,
    }  # fmt: skip


def _view(request: HttpRequest, conversation_id: uuid.UUID) -> ThreadView:
    user = api_user(request)
    thread = conversation_get(user=user, public_id=conversation_id)
    if thread is None:
        raise NotFound("Conversation not found.")
    return ThreadView(thread=thread, viewer=user)


def _thread(view: ThreadView, after: int = 0) -> dict[str, Any]:
    hidden = not pair_has_booking(student_id=view.thread.student_id, instructor_id=view.thread.instructor_id)
    return {
        **_conversation(view), "messages": [_message(view, m) for m in message_list(thread=view.thread, after_id=after)],
        "contact_details_hidden": hidden, "note": EXPLANATION if hidden else "",
    }  # fmt: skip


@router.get("/conversations", response={200: list[ConversationOut], **error_responses(401)}, summary="My conversations")
@paginate(PageNumberPagination, page_size=20, max_page_size=100)
def conversations(request: HttpRequest) -> list[dict[str, Any]]:
    """Threads with at least one message, latest first."""
    user = api_user(request)
    return [_conversation(ThreadView(thread=t, viewer=user)) for t in conversation_list(user=user)]


@router.get("/conversations/unread", response={200: UnreadOut, **error_responses(401)}, summary="Unread count")
def unread(request: HttpRequest) -> dict[str, int]:
    """How many threads have a message I have not read (the navigation's badge)."""
    return {"conversations": unread_conversation_count(user=api_user(request))}


@router.post("/conversations", response={201: ThreadOut, **WRITE_ERRORS}, summary="Ask an instructor a question")
def ask(request: HttpRequest, payload: AskIn) -> Status[dict[str, Any]]:
    """A student writes to a live instructor: the pair's one thread (made on first contact)
    with this message. Before their first booking, contact details are masked."""
    message = conversation_start(
        actor=api_user(request), instructor_slug=payload.instructor, body=payload.text, now=timezone.now()
    )
    return Status(201, _thread(_view(request, message.conversation.public_id)))


@router.post(
    "/bookings/{booking_id}/conversation",
    response={200: ThreadOut, **WRITE_ERRORS},
    summary="The conversation of a lesson",
)
def for_booking(request: HttpRequest, booking_id: uuid.UUID) -> dict[str, Any]:
    """The thread between the lesson's student and instructor, with the lesson as context."""
    found = conversation_for_booking(actor=api_user(request), booking_public_id=booking_id)
    return _thread(_view(request, found.public_id))


@router.get(
    "/conversations/{conversation_id}", response={200: ThreadOut, **error_responses(401, 404)}, summary="A conversation"
)
def thread(request: HttpRequest, conversation_id: uuid.UUID, query: Query[AfterQuery]) -> dict[str, Any]:
    """The thread and its messages; with `after` (a message id) only newer ones, so a client
    polling every few seconds reads nothing when nothing is new. Reading does not mark
    read: POST …/read does."""
    return _thread(_view(request, conversation_id), query.after)


@router.post(
    "/conversations/{conversation_id}/messages", response={201: MessageOut, **WRITE_ERRORS}, summary="Send a message"
)
def send(request: HttpRequest, conversation_id: uuid.UUID, payload: MessageIn) -> Status[dict[str, Any]]:
    """Up to 2,000 characters; refused (403) in a blocked thread; rate limited per user."""
    message = message_send(
        actor=api_user(request), conversation_id=conversation_id, body=payload.text, now=timezone.now()
    )
    return Status(201, _message(_view(request, conversation_id), message))


@router.post(
    "/conversations/{conversation_id}/read", response={200: ConversationOut, **WRITE_ERRORS}, summary="Mark read"
)
def read(request: HttpRequest, conversation_id: uuid.UUID) -> dict[str, Any]:
    conversation_read(actor=api_user(request), conversation_id=conversation_id)
    return _conversation(_view(request, conversation_id))


@router.post("/conversations/{conversation_id}/block", response={200: ConversationOut, **WRITE_ERRORS}, summary="Block")
def block(request: HttpRequest, conversation_id: uuid.UUID) -> dict[str, Any]:
    """Neither side can send until the one who blocked unblocks."""
    conversation_block(actor=api_user(request), conversation_id=conversation_id, now=timezone.now())
    return _conversation(_view(request, conversation_id))


@router.delete(
    "/conversations/{conversation_id}/block", response={200: ConversationOut, **WRITE_ERRORS}, summary="Unblock"
)
def unblock(request: HttpRequest, conversation_id: uuid.UUID) -> dict[str, Any]:
    """Only the one who blocked can unblock (403 for the other side)."""
    conversation_unblock(actor=api_user(request), conversation_id=conversation_id)
    return _conversation(_view(request, conversation_id))


@router.post(
    "/conversations/{conversation_id}/reports", response={201: ReportOut, **WRITE_ERRORS}, summary="Report messages"
)
def report(request: HttpRequest, conversation_id: uuid.UUID, payload: ReportIn) -> Status[ReportOut]:
    """Staff see the reported messages (only those) in the admin."""
    created = report_create(
        actor=api_user(request), conversation_id=conversation_id, reason=ReportReason(payload.reason),
        message_ids=payload.message_ids, note=payload.note, now=timezone.now(),
    )  # fmt: skip
    return Status(201, ReportOut(id=created.pk, status=created.status))
