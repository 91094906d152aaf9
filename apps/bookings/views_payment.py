"""The bank confirmation step (3-D Secure) of a lesson's payment: Stripe.js runs the bank's
challenge with Stripe; the local test bank asks approve or refuse. Either way the page then
posts back and the payments service looks the authorization up with the provider."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.accounts.models import User
from apps.bookings.selectors import booking_get
from apps.bookings.states import PaymentStatus
from apps.core.errors import Conflict
from apps.payments.actions import payment_action_complete, payment_action_start
from apps.payments.pricing import format_usd
from apps.payments.stripe_js import STRIPE_JS, stripe_enabled, with_stripe_csp


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_payment(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # guaranteed by @login_required
    booking = booking_get(user=user, public_id=public_id)
    if booking is None or booking.student_id != user.pk:
        raise Http404("Booking not found.")
    try:
        if request.method == "POST":
            approve = request.POST.get("answer") != "refuse"
            done = payment_action_complete(actor=user, booking_id=booking.pk, now=timezone.now(), approve=approve)
            if done.payment_status == PaymentStatus.AUTHORIZED:
                messages.success(request, f"Thanks! Your bank confirmed the {format_usd(done.total_cents)} hold.")
            else:
                messages.error(request, "Your bank has not confirmed the payment. Try again, or use another card.")
            return redirect("bookings:detail", public_id=public_id)
        challenge = payment_action_start(actor=user, booking_id=booking.pk)
    except Conflict as exc:
        messages.info(request, exc.message)
        return redirect("bookings:detail", public_id=public_id)
    context = {
        "booking": booking, "client_secret": challenge.client_secret, "stripe": stripe_enabled(),
        "stripe_js": STRIPE_JS, "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
    }  # fmt: skip
    return with_stripe_csp(render(request, "bookings/confirm_payment.html", context))
