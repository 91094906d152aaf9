"""Reads for conversations. A thread is visible to its two participants only; anyone else
gets None (a 404), so ids don't leak."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus
from apps.messaging.models import Conversation, Message

THREAD_PAGE = 100
# A booking that happened or is on: once the pair has one, contact details flow freely.
# A cancelled or failed one does not count (booking and cancelling for free would unmask).
UNMASKING_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


def pair_has_booking(*, student_id: int, instructor_id: int) -> bool:
    return Booking.objects.filter(
        student_id=student_id, instructor__user_id=instructor_id, status__in=UNMASKING_STATUSES
    ).exists()


def _participant(user: User) -> Q:
    return Q(student=user) | Q(instructor=user)


def conversation_get(*, user: User, public_id: uuid.UUID) -> Conversation | None:
    """One query: the thread with both people and its lesson."""
    return (
        Conversation.objects.filter(_participant(user), public_id=public_id)
        .select_related("student", "instructor__instructor_profile", "booking")
        .first()
    )


def conversation_state_get(*, user: User, public_id: uuid.UUID) -> Conversation | None:
    """The thread row alone (one indexed query): what polling needs to answer "nothing new"."""
    return Conversation.objects.filter(_participant(user), public_id=public_id).first()


def conversation_list(*, user: User) -> QuerySet[Conversation]:
    """The user's threads with at least one message, latest first, each with its last
    message's text as `last_text` (a subquery on message_conversation_idx, no extra query)."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id").values("body")[:1]
    return (
        Conversation.objects.filter(_participant(user), last_message_id__gt=0)
        .select_related("student", "instructor__instructor_profile", "booking")
        .annotate(last_text=Subquery(last))
        .order_by("-last_message_at", "-id")
    )


def unread_conversation_count(*, user: User) -> int:
    """Threads with a message the user has not read: one count over the thread rows, by
    the two participant indexes."""
    return Conversation.objects.filter(
        Q(student=user, last_message_id__gt=F("student_read_id"))
        | Q(instructor=user, last_message_id__gt=F("instructor_read_id"))
    ).count()


def inbox_version(*, user: User) -> str:
    """An ETag for the inbox: changes with any new message in the user's threads and with
    their unread count. One aggregate over the two participant indexes."""
    mine_unread = Q(student=user, last_message_id__gt=F("student_read_id")) | Q(
        instructor=user, last_message_id__gt=F("instructor_read_id")
    )
    found = Conversation.objects.filter(_participant(user)).aggregate(
        last=Max("last_message_id"), unread=Count("id", filter=mine_unread)
    )
    last, unread = found["last"] or 0, found["unread"]
    return f'"i{last}-u{unread}"'


def message_list(*, thread: Conversation, after_id: int = 0, limit: int = THREAD_PAGE) -> list[Message]:
    """The newest `limit` messages after `after_id`, oldest first."""
    newest = Message.objects.filter(conversation=thread, pk__gt=after_id).order_by("-id")[:limit]
    return list(reversed(newest))


@dataclass(frozen=True)
class ThreadView:
    """A thread as one participant sees it."""

    thread: Conversation
    viewer: User

    @property
    def is_student(self) -> bool:
        return self.thread.student_id == self.viewer.pk

    @property
    def other(self) -> User:
        return self.thread.instructor if self.is_student else self.thread.student

    @property
    def other_name(self) -> str:
        if self.is_student:
            profile = getattr(self.thread.instructor, "instructor_profile", None)
            return profile.display_name if profile else self.thread.instructor.display_name
        return self.thread.student.display_name

    @property
    def my_read_id(self) -> int:
        return self.thread.student_read_id if self.is_student else self.thread.instructor_read_id

    @property
    def their_read_id(self) -> int:
        return self.thread.instructor_read_id if self.is_student else self.thread.student_read_id

    @property
    def unread(self) -> bool:
        return self.thread.last_message_id > self.my_read_id

    @property
    def blocked(self) -> bool:
        return self.thread.blocked_by_id is not None

    @property
    def blocked_by_me(self) -> bool:
        return self.thread.blocked_by_id == self.viewer.pk

    @property
    def etag(self) -> str:
        """Changes whenever what the viewer's page shows changes: a new message, the other
        side reading (the receipt), a block."""
        t = self.thread
        return f'"m{t.last_message_id}-r{self.their_read_id}-b{t.blocked_by_id or 0}"'
