"""`{% save_button slug=… name=… instructor_id=… %}`: the heart that saves a teacher, for
search cards and the profile. Which teachers the viewer saved is read once per request (one
query for a whole page of cards) and kept on the request."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from apps.favorites.selectors import favorite_instructor_ids

register = template.Library()


def _saved_ids(request: HttpRequest) -> set[int]:
    cached: set[int] | None = getattr(request, "_saved_instructor_ids", None)
    if cached is None:
        cached = favorite_instructor_ids(user=request.user)  # type: ignore[arg-type]
        request._saved_instructor_ids = cached  # type: ignore[attr-defined]
    return cached


def button_context(
    request: HttpRequest, slug: str, name: str, *, saved: bool, next_url: str, csrf_token: Any
) -> dict[str, Any]:
    """What the button template needs; `next_url` brings a form post (no JavaScript) or a
    visitor's login back to the page the button is on."""
    return {
        "slug": slug, "name": name, "saved": saved, "next": next_url, "user": request.user, "csrf_token": csrf_token,
    }  # fmt: skip


@register.inclusion_tag("favorites/_save_button.html", takes_context=True)
def save_button(context: template.Context, *, slug: str, name: str, instructor_id: int) -> dict[str, Any]:
    request: HttpRequest = context["request"]
    saved = instructor_id in _saved_ids(request)
    return button_context(
        request, slug, name, saved=saved, next_url=request.get_full_path(), csrf_token=context.get("csrf_token")
    )
