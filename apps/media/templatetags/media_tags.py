"""Avatars anywhere: `{% include "media/_avatar.html" with person=user size=32 %}` or
`{% avatar person size=48 %}`. For a list of people, resolve every picture with one query
first (`picture_urls(user_ids=..., now=...)` in the view) and pass the dict as `urls`, so
rendering the list costs no query per person."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from apps.media.selectors import picture_urls, picture_variant

register = template.Library()
DEFAULT_SIZE = 40


def _size(size: Any) -> int:
    try:
        return int(size) if size else DEFAULT_SIZE
    except (TypeError, ValueError):
        return DEFAULT_SIZE


@register.simple_tag
def picture_src(person: Any, size: Any = DEFAULT_SIZE, urls: Any = None) -> str:
    """The signed URL of `person`'s picture, or "" when they have none (show initials)."""
    user_id = getattr(person, "pk", None)
    if user_id is None:
        return ""
    if isinstance(urls, dict):
        return str(urls.get(user_id, ""))
    variant = picture_variant(_size(size))
    return picture_urls(user_ids=[user_id], now=timezone.now(), variant=variant).get(user_id, "")


@register.filter
def avatar_classes(size: Any) -> str:
    """app.css sizes .avatar (40 px) and .avatar-small (32 px); media.css the others."""
    pixels = _size(size)
    if pixels <= 32:
        return "avatar avatar-small"
    return "avatar" if pixels == DEFAULT_SIZE else f"avatar avatar-{pixels}"


@register.inclusion_tag("media/_avatar.html")
def avatar(
    person: Any, size: Any = DEFAULT_SIZE, urls: Any = None, alt: str = "", eager: bool = False
) -> dict[str, Any]:
    return {"person": person, "size": _size(size), "urls": urls, "alt": alt, "eager": eager}
