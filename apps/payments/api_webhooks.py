"""POST /api/v1/payments/webhooks/stripe: Stripe's event deliveries. No session, no CSRF and
no rate limit (Stripe retries and bursts); the signature is the authentication."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from apps.core.api_errors import error_responses
from apps.payments.webhooks import webhook_receive

router = Router(tags=["payments"])


class WebhookOut(Schema):
    received: bool


@router.post(
    "/payments/webhooks/stripe", auth=None, throttle=[], response={200: WebhookOut, **error_responses(400)},
    summary="Stripe webhook endpoint (signed with STRIPE_WEBHOOK_SECRET)",
)  # fmt: skip
def stripe_webhook(request: HttpRequest) -> WebhookOut:
    webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature", ""), now=timezone.now())
    return WebhookOut(received=True)
