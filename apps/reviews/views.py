"""Review pages: a lesson's review panel (write, edit, reply), My reviews, and an instructor's
public reviews page by page. The HTML twin of apps/reviews/api.py, on the same services.

The lesson page loads the panel into its Review section (an HTMX GET); without JavaScript its
link opens the panel as a page. Forms post normally and go back to the lesson, so they work
with and without JavaScript. A refusal is said on the form with its status and changes
nothing. The clock is read once per request."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from apps.accounts.models import User
from apps.core.errors import ApplicationError, NotFound
from apps.core.forms import apply_application_error
from apps.instructors.selectors import instructor_public_get
from apps.reviews.forms import ReplyForm, ReviewForm
from apps.reviews.selectors import LessonReview, instructor_reviews_page, lesson_review_get, my_reviews_get
from apps.reviews.services import review_create, review_edit, review_reply


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


def _panel(user: User, public_id: uuid.UUID, now: datetime) -> LessonReview:
    panel = lesson_review_get(user=user, public_id=public_id, now=now)
    if panel is None:
        raise Http404("Booking not found.")
    return panel


def _lesson_url(panel: LessonReview) -> str:
    return reverse("bookings:detail", args=[panel.booking.public_id]) + "#review"


def _render_panel(
    request: HtmxHttpRequest,
    panel: LessonReview,
    *,
    review_form: ReviewForm | None = None,
    reply_form: ReplyForm | None = None,
    status: int = 200,
    refusal: str = "",
) -> HttpResponse:
    review = panel.review
    initial = {"stars": review.stars, "text": review.text} if review else None
    context: dict[str, Any] = {
        "panel": panel, "booking": panel.booking, "review": review,
        "review_form": review_form or ReviewForm(initial=initial, auto_id="review-%s"),
        "reply_form": reply_form or ReplyForm(auto_id="reply-%s"),
        "editing": review_form is not None and review is not None, "refusal": refusal,
    }  # fmt: skip
    template = "reviews/_lesson.html" if request.htmx else "reviews/lesson.html"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lesson_review(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The lesson's review: GET shows it (with what the viewer may do now); POST writes the
    student's review, or saves their edit while the edit window is open."""
    user, now = _user(request), timezone.now()
    panel = _panel(user, public_id, now)
    if request.method != "POST":
        return _render_panel(request, panel)
    form = ReviewForm(request.POST, auto_id="review-%s")
    if not form.is_valid():
        return _render_panel(request, panel, review_form=form, status=422)
    stars, text = form.cleaned_data["stars"], form.cleaned_data["text"]
    try:
        if panel.review is None:
            review_create(actor=user, booking_id=panel.booking.pk, stars=stars, text=text, now=now)
            said = "Thanks! Your review is on the instructor's profile."
        else:
            review_edit(actor=user, booking_id=panel.booking.pk, stars=stars, text=text, now=now)
            said = "Your review is updated."
    except ApplicationError as exc:
        return _refused(request, panel, form, exc)
    messages.success(request, said)
    return redirect(_lesson_url(panel))


def _refused(request: HtmxHttpRequest, panel: LessonReview, form: forms.Form, exc: ApplicationError) -> HttpResponse:
    """A field's error goes under the field; a refusal of the whole action (the window has
    closed, already replied) is said at the top of the panel, where it shows even when the
    form itself is no longer offered."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    refusal = ""
    if exc.fields:
        apply_application_error(form, exc)
    else:
        refusal = exc.message
    if isinstance(form, ReplyForm):
        return _render_panel(request, panel, reply_form=form, status=exc.status, refusal=refusal)
    assert isinstance(form, ReviewForm)
    return _render_panel(request, panel, review_form=form, status=exc.status, refusal=refusal)


@login_required
@require_POST
def lesson_review_reply(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user, now = _user(request), timezone.now()
    panel = _panel(user, public_id, now)
    form = ReplyForm(request.POST, auto_id="reply-%s")
    if not form.is_valid():
        return _render_panel(request, panel, reply_form=form, status=422)
    try:
        review_reply(actor=user, booking_id=panel.booking.pk, text=form.cleaned_data["text"], now=now)
    except ApplicationError as exc:
        return _refused(request, panel, form, exc)
    messages.success(request, "Your reply is published under the review.")
    return redirect(_lesson_url(panel))


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    """Students: the lessons waiting for a review and the reviews they wrote. Instructors: the
    reviews they received, with their rating as the profile shows it."""
    user = _user(request)
    reviews = my_reviews_get(user=user, page=request.GET.get("page"), now=timezone.now())
    return render(request, "reviews/mine.html", {"mine": reviews})


@require_safe
@vary_on_headers("HX-Request", "HX-Target", "HX-History-Restore-Request")
def instructor_reviews(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """An instructor's visible reviews, newest first, page by page. The profile's pager swaps
    just the list (an HTMX request for #review-page); anything else gets the whole page."""
    profile = instructor_public_get(slug)
    if profile is None:
        raise Http404("No such instructor.")
    page = instructor_reviews_page(profile=profile, page=request.GET.get("page", 1))
    partial = request.htmx and not request.htmx.history_restore_request and request.htmx.target == "review-page"
    template = "reviews/_page.html" if partial else "reviews/instructor.html"
    return render(request, template, {"profile": profile, "page": page})
