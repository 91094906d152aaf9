from __future__ import annotations

from django import template
from django.http import HttpRequest

from apps.bookings.intent import BookingIntent, booking_intent_get

register = template.Library()


@register.simple_tag
def booking_intent(request: HttpRequest | None) -> BookingIntent | None:
    """The lesson this visitor was booking when sign-up or log-in interrupted them."""
    if request is None:
        return None
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return booking_intent_get(next_url=next_url) if next_url else None
