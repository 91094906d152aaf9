"""Demo conversations (seed_demo's last step), written through the messaging services so
they follow the product's rules: one thread per pair, masking before a first booking.

- student1 and instructor1 talk about Maya's next piano lesson (thread opened from it);
  instructor1's answer is unread, so student1 sees a badge in the navigation.
- a week-student tells instructor1 they are running late: unread for instructor1.
- student1 asks another teacher a question before booking, with a phone number: masked.
- a week-student reports a teacher asking to be paid outside InstaInstru: staff find it in
  the admin (Reports).

Fixed texts and times (relative to the hour the demo is loaded): no random draws, so the
steps before keep their values, and quick (a dozen rows)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.bookings.states import BookingStatus
from apps.instructors.models import InstructorProfile
from apps.instructors.states import ProfileStatus
from apps.messaging.services import conversation_for_booking, conversation_start, message_send, report_create

if TYPE_CHECKING:
    import uuid

    from apps.core.demo import DemoContext


def _say(thread_id: uuid.UUID, sender: User, text: str, at: datetime) -> None:
    message_send(actor=sender, conversation_id=thread_id, body=text, now=at)


def _stranger(*, student: User, exclude: set[int]) -> InstructorProfile | None:
    """A live instructor the student has never booked (the masking story)."""
    booked = Booking.objects.filter(student=student).values_list("instructor_id", flat=True)
    return (
        InstructorProfile.objects.filter(status=ProfileStatus.LIVE)
        .exclude(Q(pk__in=booked) | Q(pk__in=exclude))
        .order_by("pk")
        .first()
    )


def seed_conversations(ctx: DemoContext) -> None:
    if len(ctx.students) < 3 or len(ctx.instructors) < 2:
        return  # a demo too small to tell the story
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    student, late, reporter = ctx.students[0], ctx.students[1], ctx.students[2]
    teacher1 = InstructorProfile.objects.get(user=ctx.instructors[0])
    lesson = (
        Booking.objects.filter(student=student, instructor=teacher1, status=BookingStatus.CONFIRMED)
        .order_by("starts_at")
        .first()
    )
    if lesson is not None:
        thread = conversation_for_booking(actor=student, booking_public_id=lesson.public_id).public_id
        _say(thread, student, "Hi! Maya would love to try a pop song next time. Should she bring sheet music?",
             now - timedelta(hours=20))  # fmt: skip
        _say(thread, teacher1.user, "Great idea! Bring whatever she likes, I'll arrange it for her level.",
             now - timedelta(hours=19))  # fmt: skip
        _say(thread, teacher1.user, "Also: the doorbell is broken, just text me at 917-555-0123 when you arrive.",
             now - timedelta(hours=2))  # fmt: skip
    theirs = Booking.objects.filter(student=late, instructor=teacher1, status=BookingStatus.CONFIRMED).first()
    if theirs is not None:
        thread = conversation_for_booking(actor=late, booking_public_id=theirs.public_id).public_id
        _say(thread, late, "Running about 5 minutes late, sorry! On the train now.", now - timedelta(minutes=30))
    stranger = _stranger(student=student, exclude={teacher1.pk})
    if stranger is not None:
        conversation_start(
            actor=student, instructor_slug=stranger.slug, now=now - timedelta(hours=5),
            body="Hello! Do you teach complete beginners? Easier to talk by phone: 212-555-0147.",
        )  # fmt: skip
    other = _stranger(student=reporter, exclude={teacher1.pk, *([stranger.pk] if stranger else [])})
    if other is not None:
        asked = conversation_start(
            actor=reporter, instructor_slug=other.slug, body="Is the first lesson a trial?", now=now - timedelta(days=1)
        )
        rude = message_send(
            actor=other.user, conversation_id=asked.conversation.public_id, now=now - timedelta(hours=23),
            body="Skip the fees: pay me on Venmo @cheap-lessons and I'll give you 20% off.",
        )  # fmt: skip
        report_create(
            actor=reporter, conversation_id=asked.conversation.public_id, reason="off_platform",
            message_ids=[rude.pk], note="Asked me to pay outside the site.", now=now - timedelta(hours=22),
        )  # fmt: skip
