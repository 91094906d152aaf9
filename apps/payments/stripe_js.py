"""Pages that run Stripe.js (the card form, the bank confirmation step): what they need
from settings, and a content security policy that lets Stripe's script in on those pages
only, and only when the Stripe gateway is configured. Every other page keeps the site's
policy (settings.CONTENT_SECURITY_POLICY, applied by the middleware when a view set none)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse

STRIPE_JS = "https://js.stripe.com/v3/"
# What Stripe documents for Stripe.js: its script and frames, its API, the 3-D Secure frames.
STRIPE_SOURCES = {
    "script-src": "https://js.stripe.com",
    "frame-src": "https://js.stripe.com https://hooks.stripe.com",
    "connect-src": "https://api.stripe.com",
}


def stripe_enabled() -> bool:
    return settings.PAYMENT_GATEWAY == "stripe" and bool(settings.STRIPE_PUBLISHABLE_KEY)


def stripe_policy(policy: str) -> str:
    directives = [part.strip() for part in policy.split(";") if part.strip()]
    names = [part.split()[0] for part in directives]
    for name, sources in STRIPE_SOURCES.items():
        if name in names:
            index = names.index(name)
            directives[index] = f"{directives[index]} {sources}"
        else:
            directives.append(f"{name} 'self' {sources}")
    return "; ".join(directives)


def with_stripe_csp(response: HttpResponse) -> HttpResponse:
    if stripe_enabled():
        response["Content-Security-Policy"] = stripe_policy(settings.CONTENT_SECURITY_POLICY)
    return response
