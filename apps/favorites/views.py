"""Saved-teacher pages: "My teachers" and the save button's form. The button posts a plain
form (so it works without JavaScript, then returns to the page it was on); with HTMX only the
button is swapped. The form says which way to go (save or remove) rather than "toggle", so a
double tap or a replayed post lands in the same state."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from apps.accounts.requests import request_student
from apps.core.errors import NotFound, PermissionDenied
from apps.favorites.selectors import saved_teacher_list
from apps.favorites.services import favorite_add, favorite_remove
from apps.favorites.templatetags.favorites_tags import button_context
from apps.instructors.models import InstructorProfile
from apps.instructors.states import ProfileStatus


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    user = request_student(request)
    teachers = saved_teacher_list(user=user, now=timezone.now())
    return render(request, "favorites/mine.html", {"teachers": teachers})


def _back(request: HttpRequest, profile: InstructorProfile) -> str:
    """The page the button was on (checked: only this site), else the teacher's profile."""
    wanted = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("instructors_public:profile", args=[profile.slug])


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def toggle(request: HttpRequest, slug: str) -> HttpResponse:
    """POST action=save|remove. A GET lands here only after logging in from the button
    (the login page's return address): it goes on to the teacher's profile."""
    user = request_student(request)
    profile = InstructorProfile.objects.filter(slug=slug, status=ProfileStatus.LIVE).first()
    if profile is None:
        raise Http404("Instructor not found.")
    if request.method != "POST":
        return redirect(reverse("instructors_public:profile", args=[profile.slug]))
    action = request.POST.get("action")
    if action not in ("save", "remove"):
        return HttpResponse("Say save or remove.", status=422, content_type="text/plain; charset=utf-8")
    try:
        if action == "save":
            favorite_add(actor=user, instructor_id=profile.pk, now=timezone.now())
        else:
            favorite_remove(actor=user, instructor_id=profile.pk)
    except (NotFound, PermissionDenied) as exc:
        raise Http404(exc.message) from exc
    if request.htmx:  # type: ignore[attr-defined]  # django-htmx middleware
        context = button_context(
            request.user, profile.slug, profile.display_name, saved=action == "save", next_url=_back(request, profile),
            csrf_token=get_token(request),
        )  # fmt: skip
        return render(request, "favorites/_save_button.html", context)
    return redirect(_back(request, profile))
