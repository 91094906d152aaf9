"""`{% save_button slug=… name=… instructor_id=… %}`: the heart that saves a teacher, for
search cards and the profile. Which teachers the viewer saved is read once per request (one
query for a whole page of cards) and kept on the request.

A page rendered once for every visitor (a cached category page) cannot hold the hearts: whether
the viewer saved that teacher, their CSRF token and the page to come back to are the viewer's
own. Rendered with a `SAVE_BUTTON_SLOTS` list in its context, the tag leaves a numbered slot
and notes the teacher in the list; `save_buttons_fill` puts the viewer's hearts in per request."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django import template
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.template.context_processors import csrf
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from apps.favorites.selectors import favorite_instructor_ids

if TYPE_CHECKING:  # the stubs' name for what get_template returns; not importable at run time
    from django.template.backends.base import _EngineTemplate

register = template.Library()
SAVE_BUTTON_SLOTS = "save_button_slots"
BUTTON_TEMPLATE = "favorites/_save_button.html"
_SLOT = re.compile(r"<!--save-button:(\d+)-->")


@dataclass(frozen=True)
class SaveButtonSlot:
    slug: str
    name: str
    instructor_id: int
    saved: bool | None = None  # None: look it up among the viewer's saved teachers


def _saved_ids(request: HttpRequest) -> set[int]:
    cached: set[int] | None = getattr(request, "_saved_instructor_ids", None)
    if cached is None:
        cached = favorite_instructor_ids(user=request.user)  # type: ignore[arg-type]
        request._saved_instructor_ids = cached  # type: ignore[attr-defined]
    return cached


def button_context(
    user: Any,
    slug: str,
    name: str,
    *,
    saved: bool,
    next_url: str,
    csrf_token: Any,
    login_path: str | None = None,
) -> dict[str, Any]:
    """What the button template needs for `user` (a User or AnonymousUser); `next_url` brings
    a form post (no JavaScript) or a visitor's login back to the page the button is on.
    `login_path` saves a page of buttons reversing it once each."""
    return {
        "slug": slug, "name": name, "saved": saved, "next": next_url, "user": user, "csrf_token": csrf_token,
        "login_url": f"{login_path or reverse('account_login')}?next={quote(next_url, safe='/')}",
        "toggle_url": reverse("favorites:toggle", args=[slug]) if user.is_authenticated and user.is_student else "",
    }  # fmt: skip


@dataclass(frozen=True)
class _Viewer:
    """What every heart on one page shares: who looks, from where, with which token. Without
    a request, a logged-out visitor (who has saved nobody)."""

    user: Any
    next_url: str
    login_path: str
    csrf_token: Any = None
    request: HttpRequest | None = None  # where the viewer's saved teachers are looked up, once

    @classmethod
    def of(cls, request: HttpRequest, csrf_token: Any) -> _Viewer:
        return cls(request.user, request.get_full_path(), reverse("account_login"), csrf_token, request)

    def button(self, slot: SaveButtonSlot, button: _EngineTemplate) -> SafeString:
        saved = slot.saved
        if saved is None:
            saved = self.request is not None and slot.instructor_id in _saved_ids(self.request)
        context = button_context(
            self.user, slot.slug, slot.name, saved=saved, next_url=self.next_url,
            csrf_token=self.csrf_token, login_path=self.login_path,
        )  # fmt: skip
        return mark_safe(button.render(context))  # noqa: S308  # a rendered, escaped template

    def fill(self, html: str, slots: Sequence[SaveButtonSlot]) -> SafeString:
        button = get_template(BUTTON_TEMPLATE)
        return mark_safe(  # noqa: S308  # escaped when rendered; the buttons are rendered templates
            _SLOT.sub(lambda found: self.button(slots[int(found[1])], button), html)
        )


@register.simple_tag(takes_context=True)
def save_button(
    context: template.Context, *, slug: str, name: str, instructor_id: int, saved: bool | None = None
) -> SafeString:
    slot = SaveButtonSlot(slug=slug, name=name, instructor_id=instructor_id, saved=saved)
    slots: list[SaveButtonSlot] | None = context.get(SAVE_BUTTON_SLOTS)
    if slots is not None:
        slots.append(slot)
        return mark_safe(f"<!--save-button:{len(slots) - 1}-->")  # noqa: S308  # our own marker
    return _Viewer.of(context["request"], context.get("csrf_token")).button(slot, get_template(BUTTON_TEMPLATE))


def save_buttons_fill(html: str, slots: Sequence[SaveButtonSlot], *, request: HttpRequest) -> SafeString:
    """`html` rendered with slots, with this viewer's hearts in them."""
    if not slots:  # nothing to fill (a page already filled for visitors)
        return mark_safe(html)  # noqa: S308  # rendered, escaped HTML
    return _Viewer.of(request, csrf(request)["csrf_token"]).fill(html, slots)  # lazy token: no cookie for visitors


def save_buttons_for_visitors(html: str, slots: Sequence[SaveButtonSlot], *, next_url: str) -> SafeString:
    """`html` rendered with slots, with a logged-out visitor's hearts (log in, then back to
    `next_url`): the same for every visitor, so the page can be cached filled."""
    return _Viewer(AnonymousUser(), next_url, reverse("account_login")).fill(html, slots)
