"""Display helpers for reviews."""

from __future__ import annotations

from django import template

from apps.reviews.models import MAX_STARS

register = template.Library()


@register.filter
def star_row(stars: float) -> str:
    """4 → "★★★★☆"; an average is rounded to whole stars (4.6 → "★★★★★"). Shown only: screen
    readers get the number in words from the template."""
    whole = min(max(round(stars), 0), MAX_STARS)
    return "★" * whole + "☆" * (MAX_STARS - whole)
