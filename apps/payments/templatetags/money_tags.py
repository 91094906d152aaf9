from __future__ import annotations

from django import template

from apps.payments.pricing import format_usd

register = template.Library()


@register.filter
def usd(cents: int | None) -> str:
    """Cents as plain dollars: 13440 → $134.40."""
    return "" if cents is None else format_usd(int(cents))
