"""Writes for conversations: starting a thread (from a profile or a lesson), sending,
reading, blocking, reporting, and the unread-message email sweep.

Every write finds the thread through its participants (`_own_thread`), so anyone else gets
"not found" and learns nothing. A send locks the thread row: the counters on it (last
message id, read ids) only ever move forward, whatever the number of writers."""

from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.urls import reverse
from ninja.throttling import SimpleRateThrottle

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.core.cache import CacheUnavailable, cache_required
from apps.core.errors import NotFound, PermissionDenied, RateLimited, ServiceUnavailable, ValidationFailed
from apps.core.limits import current_request
from apps.instructors.models import InstructorProfile
from apps.instructors.states import ProfileStatus
from apps.messaging.masking import contact_mask
from apps.messaging.models import BODY_MAX, REPORT_NOTE_MAX, Conversation, Message, Report, ReportReason, ReportView
from apps.messaging.selectors import pair_has_booking
from apps.notifications.services import notify, notify_staff

logger = logging.getLogger(__name__)
EMAIL_AFTER = timedelta(minutes=15)
EMAIL_AT_MOST_EVERY = timedelta(hours=1)
OUTAGE_RETRY_SECONDS = 30


class ConversationBlocked(PermissionDenied):
    code = "conversation_blocked"

    def __init__(self) -> None:
        super().__init__("This conversation is blocked: no new messages can be sent.")


# --- per-user rate limits -------------------------------------------------------------------


class _Allowance(SimpleRateThrottle):
    """A user's allowance for one kind of write (sends, new threads, reports): the sliding
    window of the API's limits, counted in the shared cache so every process sees it."""

    def __init__(self, *, scope: str, rate: str, user_pk: int, now: datetime) -> None:
        super().__init__(rate)
        self.user_key = f"throttle:messaging:{scope}:u{user_pk}"
        self.now_seconds = now.timestamp()

    def timer(self) -> float:
        return self.now_seconds

    def get_cache_key(self, request: HttpRequest) -> str:
        return self.user_key


def _allowance_consume(*, scope: str, user: User, now: datetime) -> None:
    """Count one write, or refuse it. Only writes made while serving a request count (seeding
    demo data is not limited)."""
    if current_request() is None:
        return
    allowance = _Allowance(scope=scope, rate=settings.MESSAGING_RATE_LIMITS[scope], user_pk=user.pk, now=now)
    try:
        with cache_required():
            allowed = allowance.allow_request(HttpRequest())
    except CacheUnavailable as exc:
        raise ServiceUnavailable(
            "Messages are paused for a moment. Nothing was sent; please try again shortly.",
            retry_after_seconds=OUTAGE_RETRY_SECONDS,
        ) from exc
    if not allowed:
        wait = math.ceil(allowance.wait() or 60)
        raise RateLimited(f"You're sending messages very fast. Try again in {wait} seconds.", retry_after_seconds=wait)


# --- finding and starting threads ---------------------------------------------------------------


def _own_thread(actor: User, public_id: uuid.UUID, *, lock: bool = False) -> Conversation:
    threads = Conversation.objects.filter(Q(student=actor) | Q(instructor=actor), public_id=public_id)
    thread = (threads.select_for_update() if lock else threads).first()
    if thread is None:
        raise NotFound("Conversation not found.")
    return thread


def _pair_thread(*, student: User, instructor: User, booking: Booking | None) -> tuple[Conversation, bool]:
    """The pair's one thread, made on first contact. The unique constraint settles two first
    messages racing: the loser reads the winner's row."""
    found = Conversation.objects.filter(student=student, instructor=instructor).first()
    if found is not None:
        if booking is not None and found.booking_id != booking.pk:
            found.booking = booking
            found.save(update_fields=["booking", "updated_at"])
        return found, False
    try:
        with transaction.atomic():
            return Conversation.objects.create(student=student, instructor=instructor, booking=booking), True
    except IntegrityError:
        return Conversation.objects.get(student=student, instructor=instructor), False


def _clean_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise ValidationFailed("Write a message first.", fields={"text": ["Write a message first."]})
    if len(text) > BODY_MAX:
        message = f"Keep it to {BODY_MAX:,} characters ({len(text):,} now)."
        raise ValidationFailed(message, fields={"text": [message]})
    return text


@transaction.atomic
def conversation_start(*, actor: User, instructor_slug: str, body: str, now: datetime) -> Message:
    """A student's question from a live instructor's profile ("Ask a question"): the pair's
    thread (new or existing) with this message in it."""
    if not actor.is_student:
        raise PermissionDenied("Only students can ask instructors a question.")
    profile = InstructorProfile.objects.filter(slug=instructor_slug, status=ProfileStatus.LIVE).first()
    if profile is None:
        raise NotFound("Instructor not found.")
    text = _clean_body(body)
    exists = Conversation.objects.filter(student=actor, instructor_id=profile.user_id).exists()
    if not exists:
        _allowance_consume(scope="threads", user=actor, now=now)
    thread, _ = _pair_thread(student=actor, instructor=profile.user, booking=None)
    return _send(actor=actor, thread=thread, text=text, now=now)


@transaction.atomic
def conversation_for_booking(*, actor: User, booking_public_id: uuid.UUID) -> Conversation:
    """The thread of a lesson's two participants, with that lesson as its context."""
    booking = (
        Booking.objects.filter(Q(student=actor) | Q(instructor__user=actor), public_id=booking_public_id)
        .select_related("instructor")
        .first()
    )
    if booking is None:
        raise NotFound("Booking not found.")
    thread, _ = _pair_thread(student=booking.student, instructor=booking.instructor.user, booking=booking)
    return thread


# --- sending and reading ---------------------------------------------------------------------------


def _send(*, actor: User, thread: Conversation, text: str, now: datetime) -> Message:
    thread = Conversation.objects.select_for_update().get(pk=thread.pk)
    if thread.blocked_by_id is not None:
        raise ConversationBlocked()
    _allowance_consume(scope="messages", user=actor, now=now)
    shown = (
        text
        if pair_has_booking(student_id=thread.student_id, instructor_id=thread.instructor_id)
        else contact_mask(text)
    )
    message = Message.objects.create(
        conversation=thread, sender=actor, body=shown, original_body=text if shown != text else "",
        booking_id=thread.booking_id, created_at=now,
    )  # fmt: skip
    read_field = "student_read_id" if actor.pk == thread.student_id else "instructor_read_id"
    # The sender has read everything up to their own message.
    Conversation.objects.filter(pk=thread.pk).update(
        last_message_id=message.pk, last_message_at=now, updated_at=now, **{read_field: message.pk}
    )
    return message


@transaction.atomic
def message_send(*, actor: User, conversation_id: uuid.UUID, body: str, now: datetime) -> Message:
    text = _clean_body(body)
    thread = _own_thread(actor, conversation_id, lock=True)
    return _send(actor=actor, thread=thread, text=text, now=now)


def conversation_mark_read(*, actor: User, thread: Conversation) -> bool:
    """Mark everything in the thread read by `actor` (a participant); True when that changed
    anything. A compare-and-set: the read id only moves forward."""
    field = "student_read_id" if actor.pk == thread.student_id else "instructor_read_id"
    if getattr(thread, field) >= thread.last_message_id:
        return False
    changed = Conversation.objects.filter(pk=thread.pk, **{f"{field}__lt": F("last_message_id")}).update(
        **{field: F("last_message_id")}
    )
    thread.refresh_from_db(fields=[field, "last_message_id"])
    return bool(changed)


def conversation_read(*, actor: User, conversation_id: uuid.UUID) -> Conversation:
    thread = _own_thread(actor, conversation_id)
    conversation_mark_read(actor=actor, thread=thread)
    return thread


# --- block and report -------------------------------------------------------------------------------


@transaction.atomic
def conversation_block(*, actor: User, conversation_id: uuid.UUID, now: datetime) -> Conversation:
    """Stop the thread: neither side can send until the one who blocked unblocks."""
    thread = _own_thread(actor, conversation_id, lock=True)
    if thread.blocked_by_id is None:
        thread.blocked_by, thread.blocked_at = actor, now
        thread.save(update_fields=["blocked_by", "blocked_at", "updated_at"])
    return thread


@transaction.atomic
def conversation_unblock(*, actor: User, conversation_id: uuid.UUID) -> Conversation:
    thread = _own_thread(actor, conversation_id, lock=True)
    if thread.blocked_by_id not in (None, actor.pk):
        raise ConversationBlocked()
    thread.blocked_by, thread.blocked_at = None, None
    thread.save(update_fields=["blocked_by", "blocked_at", "updated_at"])
    return thread


@transaction.atomic
def report_create(
    *, actor: User, conversation_id: uuid.UUID, reason: str, message_ids: list[int], note: str, now: datetime
) -> Report:
    """Report messages the other side wrote in this thread; staff are alerted and see only
    those messages."""
    thread = _own_thread(actor, conversation_id)
    errors: dict[str, list[str]] = {}
    if reason not in ReportReason.values:
        errors["reason"] = ["Choose a reason."]
    if len(note) > REPORT_NOTE_MAX:
        errors["note"] = [f"Keep it to {REPORT_NOTE_MAX} characters."]
    chosen = list(Message.objects.filter(conversation=thread, pk__in=message_ids[:50]).exclude(sender=actor))
    if not chosen or len(chosen) != len(set(message_ids)):
        errors["message_ids"] = ["Choose one or more messages the other person sent."]
    if errors:
        raise ValidationFailed("Some fields are missing or invalid.", fields=errors)
    _allowance_consume(scope="reports", user=actor, now=now)
    report = Report.objects.create(
        conversation=thread, reporter=actor, reason=reason, note=note.strip(), created_at=now
    )
    report.messages.set(chosen)
    notify_staff(
        kind="staff_alert", subject="A conversation was reported",
        body=f"{len(chosen)} message(s) reported: {report.get_reason_display()}.",
        url=reverse("admin:messaging_report_change", args=[report.pk]), now=now,
    )  # fmt: skip
    return report


def report_view_record(*, staff: User, report_id: int, now: datetime) -> ReportView:
    return ReportView.objects.create(report_id=report_id, staff=staff, at=now)


# --- the unread-message email ----------------------------------------------------------------------


def _email_side(thread: Conversation, *, student_side: bool, now: datetime) -> bool:
    """Email one side about the thread's unread messages, at most once an hour: the
    compare-and-set on the side's emailed_at makes two sweeps send it once."""
    field = "student_emailed_at" if student_side else "instructor_emailed_at"
    previous = getattr(thread, field)
    claimed = Conversation.objects.filter(pk=thread.pk, **{field: previous} if previous else {f"{field}__isnull": True})
    if not claimed.update(**{field: now}):
        return False
    recipient = thread.student if student_side else thread.instructor
    sender = thread.instructor if student_side else thread.student
    notify(
        user=recipient, kind="new_message", now=now, subject=f"New message from {sender.display_name}",
        body=f"{sender.display_name} sent you a message on InstaInstru. Read and answer it in your messages.",
        url=reverse("messaging:thread", args=[thread.public_id]),
    )  # fmt: skip
    return True


def _oldest_unread(thread: Conversation, *, student_side: bool) -> Message | None:
    read_id = thread.student_read_id if student_side else thread.instructor_read_id
    reader_id = thread.student_id if student_side else thread.instructor_id
    unread = Message.objects.filter(conversation=thread, pk__gt=read_id).exclude(sender_id=reader_id)
    return unread.order_by("id").first()  # message_conversation_idx


def unread_email_sweep(*, now: datetime) -> int:
    """Email each participant with a message unread for 15 minutes, once per thread per hour
    and only when something arrived since their last email. Returns how many were sent.
    Driven by the thread rows (anything unread is `last_message_id > read id`), so a missed
    run loses nothing and a repeated one sends nothing twice."""
    sent = 0
    for student_side in (True, False):
        side = "student" if student_side else "instructor"
        emailed = f"{side}_emailed_at"
        threads = (
            Conversation.objects.filter(last_message_id__gt=F(f"{side}_read_id"), last_message_at__lte=now)
            .filter(Q(**{f"{emailed}__isnull": True}) | Q(**{f"{emailed}__lte": now - EMAIL_AT_MOST_EVERY}))
            .select_related("student", "instructor")
            .order_by("id")
        )
        for thread in threads:
            last_email = getattr(thread, emailed)
            if last_email is not None and thread.last_message_at is not None and thread.last_message_at <= last_email:
                continue  # nothing new since the last email
            first = _oldest_unread(thread, student_side=student_side)
            if first is None or first.created_at > now - EMAIL_AFTER:
                continue
            with transaction.atomic():
                sent += _email_side(thread, student_side=student_side, now=now)
    return sent
