"""Instructor onboarding pages: About you → Skills & prices → Verification → Payouts → Go
live, and a status page.

Progress is derived from the data (apps/instructors/onboarding.py), never stored, so every
step can be opened at any time and the flow resumes wherever the instructor left it.
Views parse a form, call one service and render; a service's domain error is put on the
form by apply_application_error and the page re-renders with what was typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import update_wrapper
from typing import Any, Concatenate, ParamSpec

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.middleware import HtmxDetails

from apps.accounts.models import User
from apps.core.errors import Conflict, ValidationFailed
from apps.core.forms import apply_application_error
from apps.instructors.dashboard import instructor_dashboard_get
from apps.instructors.forms import (
    RATE_FIELD_NAMES,
    RATE_LABELS,
    AboutForm,
    GoLiveForm,
    OfferingForm,
    ServiceAreasForm,
    duration_label,
    format_money,
)
from apps.instructors.models import InstructorProfile, Offering
from apps.instructors.onboarding import (
    OnboardingStatus,
    background_check_state,
    identity_check_state,
    onboarding_status,
    payouts_check_state,
)
from apps.instructors.selectors import instructor_own_get
from apps.instructors.services import (
    instructor_go_live,
    instructor_profile_ensure,
    instructor_profile_update,
    offering_create,
    offering_delete,
    offering_update,
    service_areas_replace,
)
from apps.instructors.states import ProfileStatus
from apps.media.forms import DocumentForm
from apps.media.selectors import document_latest_get
from apps.payments.gateway import get_gateway
from apps.payments.identity import identity_latest, identity_refresh, identity_start
from apps.payments.payout_accounts import (
    payout_account_get,
    payout_account_local_complete,
    payout_account_local_get,
    payout_account_refresh,
    payout_account_start,
    payout_dashboard_url,
)

P = ParamSpec("P")
StepView = Callable[Concatenate[HttpRequest, User, InstructorProfile, P], HttpResponse]

# Onboarding step keys (onboarding.py) → their pages, in the order of the flow.
STEP_URLS = {
    "welcome": "instructors_onboarding:about",
    "skills": "instructors_onboarding:skills",
    "verification": "instructors_onboarding:verification",
    "payouts": "instructors_onboarding:payouts",
    "go-live": "instructors_onboarding:go_live",
}
STEP_KEYS = list(STEP_URLS)
# Errors that describe the input and belong on the form; NotFound and PermissionDenied
# propagate to the error-page middleware (404/403) instead.
FORM_ERRORS = (ValidationFailed, Conflict)
TEMPLATES = "instructors/onboarding/"


def public_profile_url(profile: InstructorProfile) -> str:
    # The public profile page lives in urls_public (built separately); the product fixes its path.
    return f"/instructors/{profile.slug}/"


@dataclass(frozen=True)
class ProgressItem:
    number: int
    key: str
    title: str
    detail: str
    url: str
    done: bool
    current: bool
    state: str
    state_label: str


@dataclass(frozen=True)
class OfferingRow:
    """One subject as the instructor's list shows it, in plain words."""

    id: int
    name: str
    rates: list[str]
    lengths: str
    ages: str
    levels: str
    is_active: bool


def _load_profile(user: User) -> InstructorProfile:
    """The instructor's profile with what these pages show prefetched. It is created on the
    first visit (instructor_profile_ensure is idempotent), so any step opens in any order."""
    profile = instructor_own_get(user.pk)
    if profile is None:
        instructor_profile_ensure(actor=user)
        profile = instructor_own_get(user.pk)
    assert profile is not None  # just ensured
    return profile


def onboarding_page(view: StepView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Signed-in instructors only; anyone else gets 404 (pages never reveal what exists)."""

    def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user = request.user
        if not isinstance(user, User) or not user.is_instructor:
            raise Http404("Onboarding is for instructor accounts.")
        return view(request, user, _load_profile(user), *args, **kwargs)

    update_wrapper(wrapped, view)  # keeps the view's name for URL reversing and metrics
    return login_required(wrapped)


def _progress(status: OnboardingStatus, current: str | None) -> list[ProgressItem]:
    return [
        ProgressItem(
            number=n,
            key=step.key,
            title=step.title,
            detail=step.detail,
            url=reverse(STEP_URLS[step.key]),
            done=step.done,
            current=step.key == current,
            state=step.state,
            state_label=step.state_label,
        )
        for n, step in enumerate(status.steps, start=1)
    ]


def _neighbors(current: str | None, progress: list[ProgressItem]) -> tuple[ProgressItem | None, ProgressItem | None]:
    """The steps before and after the current one, for the pager under each step."""
    if current is None:
        return None, None
    index = STEP_KEYS.index(current)
    return (progress[index - 1] if index else None), (progress[index + 1] if index + 1 < len(progress) else None)


def _render(
    request: HttpRequest,
    profile: InstructorProfile,
    template: str,
    context: dict[str, Any],
    *,
    step: str | None,
    status: int = 200,
) -> HttpResponse:
    document = context["document"] if "document" in context else document_latest_get(instructor_id=profile.user_id)
    onboarding = onboarding_status(profile, document=document)
    progress = _progress(onboarding, step)
    previous, following = _neighbors(step, progress)
    page = {
        "profile": profile,
        "onboarding": onboarding,
        "progress": progress,
        "step": progress[STEP_KEYS.index(step)] if step else None,
        "previous_step": previous,
        "next_step": following,
        "next_unfinished": next((item for item in progress if not item.done), None),
        "missing": [item for item in progress if not item.done and item.key != "go-live"],
        "public_url": public_profile_url(profile),
        **context,
    }
    return render(request, TEMPLATES + template, page, status=status)


def _post_data(request: HttpRequest) -> Any:
    # Not `request.POST or None`: an empty POST must still bind the form and show its errors.
    return request.POST if request.method == "POST" else None


# --- Step 1: About you ---------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@onboarding_page
def about(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    form = AboutForm(_post_data(request), initial=AboutForm.initial_for(profile))
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                instructor_profile_update(actor=user, changes=form.changes())
            except FORM_ERRORS as exc:
                apply_application_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "Your profile is saved.")
                return redirect(STEP_URLS["skills"])
    return _render(request, profile, "about.html", {"form": form}, step="welcome", status=status)


# --- Step 2: Skills & prices -----------------------------------------------------------


def _offering_row(offering: Offering) -> OfferingRow:
    return OfferingRow(
        id=offering.pk,
        name=offering.service.name,
        rates=[
            f"{RATE_LABELS[fmt]} {format_money(cents)}/h"
            for fmt in RATE_FIELD_NAMES
            if (cents := offering.rate_for(fmt)) is not None
        ],
        lengths=", ".join(duration_label(m) for m in offering.duration_options),
        ages=", ".join(group.name for group in offering.age_groups.all()),
        levels=", ".join(level.capitalize() for level in offering.skill_levels),
        is_active=offering.is_active,
    )


def _skills_context(
    profile: InstructorProfile, offering_form: OfferingForm | None = None, areas_form: ServiceAreasForm | None = None
) -> dict[str, Any]:
    return {
        "offerings": [_offering_row(o) for o in profile.offerings.all()],
        "offering_form": offering_form or OfferingForm(),
        "areas_form": areas_form or ServiceAreasForm(initial=ServiceAreasForm.initial_for(profile)),
    }


def _own_offering(profile: InstructorProfile, offering_id: int) -> Offering:
    """One of this instructor's offerings; another instructor's is simply not found."""
    offering = next((o for o in profile.offerings.all() if o.pk == offering_id), None)
    if offering is None:
        raise Http404("No such subject.")
    return offering


@require_http_methods(["GET", "HEAD", "POST"])
@onboarding_page
def skills(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    """The subjects list and the "Add a subject" form (POST adds one)."""
    form = OfferingForm(_post_data(request))
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                offering = offering_create(actor=user, data=form.to_input())
            except FORM_ERRORS as exc:
                apply_application_error(form, exc)
                status = exc.status
            else:
                messages.success(request, f"{offering.service.name} is added to your subjects.")
                return redirect(STEP_URLS["skills"])
    return _render(
        request, profile, "skills.html", _skills_context(profile, offering_form=form), step="skills", status=status
    )


@require_POST
@onboarding_page
def service_areas(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    form = ServiceAreasForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            service_areas_replace(
                actor=user, neighborhoods=form.cleaned_data["neighborhoods"], boroughs=form.cleaned_data["boroughs"]
            )
        except FORM_ERRORS as exc:
            apply_application_error(form, exc)
            status = exc.status
        else:
            messages.success(request, "Your travel areas are saved.")
            return redirect(reverse(STEP_URLS["skills"]) + "#areas")
    return _render(
        request, profile, "skills.html", _skills_context(profile, areas_form=form), step="skills", status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
@onboarding_page
def offering_edit(request: HttpRequest, user: User, profile: InstructorProfile, offering_id: int) -> HttpResponse:
    offering = _own_offering(profile, offering_id)
    form = OfferingForm(_post_data(request), offering=offering)
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                offering_update(actor=user, offering_id=offering.pk, data=form.to_input())
            except FORM_ERRORS as exc:
                apply_application_error(form, exc)
                status = exc.status
            else:
                messages.success(request, f"{offering.service.name} is saved.")
                return redirect(STEP_URLS["skills"])
    context = {"form": form, "offering": offering}
    return _render(request, profile, "offering_edit.html", context, step="skills", status=status)


@require_POST
@onboarding_page
def offering_remove(request: HttpRequest, user: User, profile: InstructorProfile, offering_id: int) -> HttpResponse:
    offering = _own_offering(profile, offering_id)
    offering_delete(actor=user, offering_id=offering.pk)
    message = f"{offering.service.name} is removed from your subjects."
    if HtmxDetails(request):
        # Inline delete: swap the subjects list, and (out of band) the progress and a toast.
        fresh = _load_profile(user)
        context = {**_skills_context(fresh), "toast": message}
        return _render(request, fresh, "offering_removed.html", context, step="skills")
    messages.success(request, message)
    return redirect(STEP_URLS["skills"])


# --- Steps 3 and 4: Verification and Payouts (with the payment provider) ----------------


@require_safe
@onboarding_page
def verification(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    document = document_latest_get(instructor_id=user.pk)
    online, last_try = get_gateway().identity_supported, identity_latest(profile=profile)
    background = background_check_state(profile, document)
    context = {
        "identity_online": online,
        "document": document,
        "background": background,
        "identity": identity_check_state(profile, background, online=online, last_try=last_try),
        "upload_form": DocumentForm(),
    }
    return _render(request, profile, "verification.html", context, step="verification")


@require_POST
@onboarding_page
def identity_start_view(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    """Off to the provider's identity check (Stripe Identity); it sends the instructor back
    to identity_return."""
    back = request.build_absolute_uri(reverse("instructors_onboarding:identity_return"))
    try:
        return redirect(identity_start(actor=user, return_url=back, now=timezone.now()))
    except Conflict as exc:
        messages.info(request, exc.message)
        return redirect(STEP_URLS["verification"])


@require_safe
@onboarding_page
def identity_return(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    checked = identity_refresh(actor=user, now=timezone.now())
    if checked is not None and checked.status == "verified":
        messages.success(request, "Your identity is verified.")
    elif checked is not None and checked.status == "processing":
        messages.info(request, "Thanks! We're checking your documents; this page updates when it's done.")
    else:
        messages.error(request, "Your identity check isn't finished yet. You can try again.")
    return redirect(STEP_URLS["verification"])


@require_safe
@onboarding_page
def payouts(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    account = payout_account_get(profile=profile)
    context = {"account": account, "check": payouts_check_state(profile, account)}
    return _render(request, profile, "payouts.html", context, step="payouts")


@require_http_methods(["GET", "HEAD", "POST"])
@onboarding_page
def payouts_start(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    """Off to the provider's onboarding form (Stripe Connect Express). Also the provider's
    "refresh" address: an expired form link comes back here for a fresh one."""
    return redirect(
        payout_account_start(
            actor=user, refresh_url=request.build_absolute_uri(reverse("instructors_onboarding:payouts_start")),
            return_url=request.build_absolute_uri(reverse("instructors_onboarding:payouts_return")),
        )
    )  # fmt: skip


@require_safe
@onboarding_page
def payouts_return(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    account = payout_account_refresh(actor=user, now=timezone.now())
    if account is not None and account.payouts_enabled:
        messages.success(request, "Your payout account is connected.")
    elif account is not None and account.details_submitted:
        messages.info(request, "Thanks! Stripe is checking your details; this step completes when they're confirmed.")
    else:
        messages.error(request, "Your payout details aren't complete yet. Continue where you left off.")
    return redirect(STEP_URLS["payouts"])


@require_http_methods(["GET", "HEAD", "POST"])
@onboarding_page
def payouts_local(request: HttpRequest, user: User, profile: InstructorProfile, account_id: str) -> HttpResponse:
    """The local gateway's stand-in for Stripe's onboarding form: confirm a test bank account."""
    if request.method == "POST":
        payout_account_local_complete(actor=user, account_id=account_id, now=timezone.now())
        messages.success(request, "Your payout account is connected.")
        return redirect(STEP_URLS["payouts"])
    payout_account_local_get(actor=user, account_id=account_id)
    return _render(request, profile, "payouts_local.html", {"account_id": account_id}, step="payouts")


@require_POST
@onboarding_page
def payouts_dashboard(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    """A one-time login to the provider's Express dashboard (bank details, payout history)."""
    return redirect(payout_dashboard_url(actor=user))


# --- Step 5: Go live, and the status page ----------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@onboarding_page
def go_live(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    form = GoLiveForm(_post_data(request))
    status = 200
    if form.is_bound:
        try:
            instructor_go_live(actor=user, now=timezone.now())
        except FORM_ERRORS as exc:
            apply_application_error(form, exc)
            status = exc.status
        else:
            messages.success(request, "You're live! Students can now find you in search.")
            return redirect(STEP_URLS["go-live"])
    context = {"form": form, "is_suspended": profile.status == ProfileStatus.SUSPENDED}
    return _render(request, profile, "go_live.html", context, step="go-live", status=status)


@require_safe
@onboarding_page
def status(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    return _render(request, profile, "status.html", {}, step=None)


@require_safe
@onboarding_page
def dashboard(request: HttpRequest, user: User, profile: InstructorProfile) -> HttpResponse:
    """Where "Teach" and signing in lead: a Start button until onboarding begins, the
    checklist until live, then the day's lessons, the week's earnings and what waits."""
    return render(
        request,
        TEMPLATES + "dashboard.html",
        {"dashboard": instructor_dashboard_get(user=user, profile=profile, now=timezone.now())},
    )
