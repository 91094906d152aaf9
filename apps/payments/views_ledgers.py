"""Pages: a student's credits (balance and history), an instructor's earnings with CSV export
and instant payout."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.core.models import platform_config
from apps.payments.credits import credit_history_list, credit_summary_get
from apps.payments.payouts import earning_list, earnings_csv, earnings_summary_get, payout_instant, payout_list
from apps.payments.pricing import format_usd

PAGE_ROWS = 200


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


@login_required
def credits(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    summary = credit_summary_get(user=user, now=timezone.now())
    history = credit_history_list(user=user)[:PAGE_ROWS]
    context = {"summary": summary, "history": history, "credit_days": platform_config().credit_expiry_days}
    return render(request, "payments/credits.html", context)


@login_required
def earnings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = {
        "summary": earnings_summary_get(actor=user, now=timezone.now()),
        "earnings": earning_list(actor=user)[:PAGE_ROWS],
        "payouts": payout_list(actor=user)[:PAGE_ROWS],
    }
    return render(request, "payments/earnings.html", context)


@login_required
def earnings_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(earnings_csv(actor=_user(request)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="instainstru-earnings.csv"'
    return response


@login_required
@require_POST
def instant_payout(request: HttpRequest) -> HttpResponse:
    try:
        payout = payout_instant(actor=_user(request), now=timezone.now())
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{format_usd(payout.amount_cents)} is on its way to your payout account.")
    return redirect("ledgers:earnings")
