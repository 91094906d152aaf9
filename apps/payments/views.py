"""The cards page (account settings): saved cards, add a test card, make one the default,
remove one. Each view parses the form, calls one payments service and renders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.requests import request_student
from apps.core.errors import ValidationFailed
from apps.core.forms import apply_application_error
from apps.payments.forms import CardForm
from apps.payments.gateway import get_gateway
from apps.payments.local_gateway import TEST_CARDS
from apps.payments.models import PaymentMethod
from apps.payments.selectors import payment_method_list
from apps.payments.services import (
    payment_method_add,
    payment_method_delete,
    payment_method_set_default,
    payment_method_setup_start,
)
from apps.payments.stripe_js import STRIPE_JS, stripe_enabled, with_stripe_csp

TEST_CARD_BEHAVIOR = {
    "succeeds": "Works every time",
    "declined": "Declined when the lesson is authorized",
    "insufficient_funds": "Declined (insufficient funds) when authorized",
    "requires_action": "Asks you to confirm each payment with your bank (3-D Secure)",
    "capture_fails": "Authorizes, then fails when charged",
    "expired": "Refused when you save it (expired)",
}


@dataclass(frozen=True)
class TestCardRow:
    number: str  # grouped in fours, as printed on a card
    brand: str
    behavior: str


NOT_A_STUDENT = "Only student accounts save cards."


def test_card_rows() -> list[TestCardRow]:
    """The built-in gateway's test cards in plain words; none for a real provider."""
    if get_gateway().name != "local":
        return []
    return [
        TestCardRow(
            " ".join(number[i : i + 4] for i in range(0, 16, 4)), card.brand.title(), TEST_CARD_BEHAVIOR[card.behavior]
        )
        for number, card in TEST_CARDS.items()
    ]


def card_request_key(render_key: str, number: str) -> str:
    """The provider idempotency key of a card form: one page render and one number make one
    saved card, however often the form is sent."""
    return f"{render_key}:{''.join(ch for ch in number if ch.isdigit())}"


def card_name(method: PaymentMethod) -> str:
    return f"{method.brand.title()} •••• {method.last4}"


def _back(request: HttpRequest) -> str:
    """Where to go once a card is saved: back to the lesson or booking that sent the student
    here (same site only), else the cards page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("payments:cards")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cards(request: HttpRequest) -> HttpResponse:
    user = request_student(request, refusal=NOT_A_STUDENT)
    stripe = stripe_enabled()
    form = CardForm(None if stripe else (request.POST or None))
    stripe_errors: list[str] = []
    status = 200
    if request.method == "POST":
        status = 422
        token = request.POST.get("setup_intent", "") if stripe else ""
        if stripe or form.is_valid():
            number = "" if stripe else form.cleaned_data["card"]
            try:
                method = payment_method_add(
                    actor=user, card_token=token or number,
                    request_key=token or card_request_key(request.POST.get("render_key", ""), number),
                )  # fmt: skip
            except ValidationFailed as exc:
                if stripe:
                    stripe_errors.append(exc.message)
                else:
                    apply_application_error(form, exc)
            else:
                messages.success(request, f"{card_name(method)} is saved.")
                return redirect(_back(request))
    render_key = uuid.uuid4()
    context = {
        "form": form, "cards": payment_method_list(user=user), "test_cards": test_card_rows(),
        "render_key": render_key, "stripe": stripe, "next": request.GET.get("next", request.POST.get("next", "")),
        "stripe_errors": stripe_errors,
    }  # fmt: skip
    if stripe:
        context |= {
            "stripe_js": STRIPE_JS, "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "client_secret": payment_method_setup_start(actor=user, request_key=str(render_key)),
        }  # fmt: skip
    return with_stripe_csp(render(request, "payments/cards.html", context, status=status))


@login_required
@require_POST
def card_default(request: HttpRequest, payment_method_id: int) -> HttpResponse:
    method = payment_method_set_default(
        actor=request_student(request, refusal=NOT_A_STUDENT), payment_method_id=payment_method_id
    )
    messages.success(request, f"{card_name(method)} is now your default card.")
    return redirect("payments:cards")


@login_required
@require_POST
def card_remove(request: HttpRequest, payment_method_id: int) -> HttpResponse:
    payment_method_delete(actor=request_student(request, refusal=NOT_A_STUDENT), payment_method_id=payment_method_id)
    messages.success(request, "Card removed.")
    return redirect("payments:cards")
