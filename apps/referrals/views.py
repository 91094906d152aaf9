"""Referral pages: the public landing of a share link (`/r/<code>`), the user's referrals
page (link, copy button, QR code, invitations and rewards) and the QR image. The clock is
read once per request."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from apps.accounts.models import User
from apps.referrals.cookies import device_ensure, ref_set
from apps.referrals.qr import qr_svg
from apps.referrals.rules import RULES
from apps.referrals.selectors import referral_link, referral_offer_get, referral_page_get
from apps.referrals.services import referral_code_get, referral_device_seen


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


@require_safe
def landing(request: HttpRequest, code: str) -> HttpResponse:
    """A share link: remember the code for 30 days and show the offer with the way to sign up.
    An unknown code answers 404 with a plain sign-up link; no cookie is set for it."""
    offer = referral_offer_get(code=code)
    context = {"offer": offer, "rules": RULES}
    response = render(request, "referrals/landing.html", context, status=200 if offer else 404)
    if offer is None:
        return response
    device = device_ensure(request, response)
    if request.user.is_authenticated:
        # Someone opening a link while logged in (often their own): their browser is theirs.
        referral_device_seen(user=_user(request), device_id=device, now=timezone.now())
    else:
        ref_set(response, offer.code)
    return response


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    user, now = _user(request), timezone.now()
    page = referral_page_get(user=user, now=now)
    response = render(request, "referrals/mine.html", {"page": page, "rules": RULES})
    # The referrer's own browser: a sign-up from it is a self-referral.
    referral_device_seen(user=user, device_id=device_ensure(request, response), now=now)
    return response


@login_required
@require_safe
def qr(request: HttpRequest) -> HttpResponse:
    code = referral_code_get(user=_user(request), now=timezone.now())
    response = HttpResponse(qr_svg(referral_link(code)), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=86400"
    return response
