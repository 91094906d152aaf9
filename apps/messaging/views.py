"""Message pages: the inbox, a thread (with its live part polled by HTMX), asking an
instructor a question from their profile, opening the thread of a lesson, block and report.
The HTML twin of apps/messaging/api.py, on the same services.

Polling: the thread's live part asks every 2 seconds with the ETag of what it shows; when
nothing changed the answer is an empty 304 after one indexed query on the thread row (no
messages read, no template rendered). Forms post normally and redirect, so every page
works without JavaScript; with HTMX the send form swaps the live part in place."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.models import User
from apps.core.errors import ApplicationError, NotFound
from apps.core.forms import apply_application_error
from apps.instructors.models import InstructorProfile
from apps.instructors.states import ProfileStatus
from apps.messaging.forms import MessageForm, ReportForm
from apps.messaging.masking import EXPLANATION, MASKED_BEFORE
from apps.messaging.selectors import (
    ThreadView,
    conversation_get,
    conversation_list,
    conversation_state_get,
    inbox_version,
    message_list,
    pair_has_booking,
)
from apps.messaging.services import (
    conversation_block,
    conversation_for_booking,
    conversation_mark_read,
    conversation_start,
    conversation_unblock,
    message_send,
    report_create,
)

POLL_SECONDS = 2


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


def _thread(user: User, public_id: uuid.UUID) -> ThreadView:
    thread = conversation_get(user=user, public_id=public_id)
    if thread is None:
        raise Http404("Conversation not found.")
    return ThreadView(thread=thread, viewer=user)


def _live_context(view: ThreadView) -> dict[str, Any]:
    items = message_list(thread=view.thread)
    mine = [m.pk for m in items if m.sender_id == view.viewer.pk]
    booked = pair_has_booking(student_id=view.thread.student_id, instructor_id=view.thread.instructor_id)
    return {
        "view": view, "items": items, "poll_seconds": POLL_SECONDS,
        # The receipt goes under my newest message once the other side has read it.
        "read_receipt_id": mine[-1] if mine and view.their_read_id >= mine[-1] else None,
        "safety_note": "" if booked else EXPLANATION,
        "masked_note": MASKED_BEFORE if booked and any(m.masked for m in items) else "",
    }  # fmt: skip


def _live_response(request: HttpRequest, view: ThreadView, *, status: int = 200) -> HttpResponse:
    response = render(request, "messaging/_live.html", _live_context(view), status=status)
    response["ETag"] = view.etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _inbox_context(user: User) -> dict[str, Any]:
    threads = [ThreadView(thread=t, viewer=user) for t in conversation_list(user=user)[:100]]
    return {"threads": threads, "etag": inbox_version(user=user), "poll_seconds": POLL_SECONDS}


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "messaging/inbox.html", _inbox_context(_user(request)))


@login_required
@require_safe
def inbox_live(request: HttpRequest) -> HttpResponse:
    """The inbox's list, polled like a thread: 304 after one aggregate query when nothing
    arrived, so a new conversation shows up without a reload."""
    user = _user(request)
    etag = inbox_version(user=user)
    response: HttpResponse
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = render(request, "messaging/_inbox_live.html", _inbox_context(user))
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_safe
def thread(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    view = _thread(user, public_id)
    conversation_mark_read(actor=user, thread=view.thread)
    context = {**_live_context(view), "form": MessageForm(), "booking": view.thread.booking}
    return render(request, "messaging/thread.html", context)


@login_required
@require_safe
def poll(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The live part, or 304 when the viewer's ETag still matches. Polling means the thread
    is open on screen, so what arrived is marked read first (the sender's receipt)."""
    user = _user(request)
    state = conversation_state_get(user=user, public_id=public_id)
    if state is None:
        raise Http404("Conversation not found.")
    conversation_mark_read(actor=user, thread=state)
    etag = ThreadView(thread=state, viewer=user).etag
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response
    return _live_response(request, _thread(user, public_id))


@login_required
@require_POST
def send(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    view = _thread(user, public_id)
    form = MessageForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            message_send(actor=user, conversation_id=public_id, body=form.cleaned_data["text"], now=timezone.now())
        except ApplicationError as exc:
            apply_application_error(form, exc)
            status = exc.status
        else:
            if request.htmx:  # type: ignore[attr-defined]  # django-htmx middleware
                return _live_response(request, _thread(user, public_id))
            return redirect("messaging:thread", public_id=public_id)
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "messaging/_form.html", {"form": form, "view": view}, status=status)
        response["HX-Retarget"] = "#message-form"
        response["HX-Reswap"] = "outerHTML"
        return response
    context = {**_live_context(view), "form": form, "booking": view.thread.booking}
    return render(request, "messaging/thread.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ask(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Ask a question" from a profile: the pair's thread when there is one, else a form
    whose first message starts it."""
    user = _user(request)
    profile = InstructorProfile.objects.filter(slug=slug, status=ProfileStatus.LIVE).select_related("user").first()
    if profile is None or not user.is_student:  # instructors don't book, so they don't ask
        raise Http404("Instructor not found.")
    existing = conversation_list(user=user).filter(instructor=profile.user).first()
    if existing is not None and request.method != "POST":
        return redirect("messaging:thread", public_id=existing.public_id)
    form = MessageForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                message = conversation_start(
                    actor=user, instructor_slug=slug, body=form.cleaned_data["text"], now=timezone.now()
                )
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except ApplicationError as exc:
                apply_application_error(form, exc)
                status = exc.status
            else:
                return redirect("messaging:thread", public_id=message.conversation.public_id)
    context = {"profile": profile, "form": form, "explanation": EXPLANATION}
    return render(request, "messaging/ask.html", context, status=status)


@login_required
@require_POST
def from_lesson(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Message the other side of a lesson: the pair's thread, with this lesson in context."""
    try:
        found = conversation_for_booking(actor=_user(request), booking_public_id=public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return redirect("messaging:thread", public_id=found.public_id)


@login_required
@require_POST
def block(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    try:
        if request.POST.get("action") == "unblock":
            conversation_unblock(actor=user, conversation_id=public_id)
            messages.success(request, "Unblocked. You can message each other again.")
        else:
            conversation_block(actor=user, conversation_id=public_id, now=timezone.now())
            messages.success(request, "Blocked. Neither of you can send messages in this conversation.")
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("messaging:thread", public_id=public_id)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    view = _thread(user, public_id)
    theirs = [m for m in message_list(thread=view.thread) if m.sender_id != user.pk]
    form = ReportForm(request.POST if request.method == "POST" else None, choices=theirs)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                report_create(
                    actor=user, conversation_id=public_id, reason=form.cleaned_data["reason"],
                    message_ids=[int(pk) for pk in form.cleaned_data["messages"]], note=form.cleaned_data["note"],
                    now=timezone.now(),
                )  # fmt: skip
            except ApplicationError as exc:
                apply_application_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Thanks. Our team will look at the messages you reported.")
                return redirect("messaging:thread", public_id=public_id)
    return render(request, "messaging/report.html", {"view": view, "form": form}, status=status)
