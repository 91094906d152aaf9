from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.forms import LearnerForm, ProfileForm
from apps.accounts.models import User
from apps.accounts.selectors import learner_list
from apps.accounts.services import learner_create, learner_delete
from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def learners(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.is_student:
        raise Http404("Only student accounts have learners.")
    form = LearnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            learner = learner_create(
                actor=user, first_name=form.cleaned_data["first_name"], age_group=form.cleaned_data["age_group"].slug
            )
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, f"{learner.first_name} is added.")
            return redirect("accounts:learners")
    status = 422 if request.method == "POST" else 200
    return render(
        request, "accounts/learners.html", {"form": form, "learners": learner_list(parent=user)}, status=status
    )


@login_required
@require_POST
def learner_remove(request: HttpRequest, learner_id: int) -> HttpResponse:
    learner_delete(actor=_user(request), learner_id=learner_id)
    messages.success(request, "Learner removed.")
    return redirect("accounts:learners")
