from __future__ import annotations

from django import template

from apps.payments.stripe_js import stripe_enabled

register = template.Library()


@register.simple_tag
def stripe_card_entry() -> bool:
    """True when cards are entered in Stripe's Payment Element (on the cards page) instead
    of the local gateway's test-card form."""
    return stripe_enabled()
