from __future__ import annotations

from typing import Any

from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.forms import LearnerForm, ProfileForm, password_hint
from apps.accounts.models import Role, User
from apps.accounts.selectors import learner_list
from apps.accounts.services import learner_create, learner_delete
from apps.core.errors import ApplicationError
from apps.core.forms import apply_application_error


class SignupView(AllauthSignupView):
    """allauth's sign-up, with the role preselected from the link that led here ("Teach on
    InstaInstru" links to ?role=instructor)."""

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        form.order_fields(["role", "first_name", "last_name", "email", "password1", "password2"])
        form.fields["password1"].help_text = password_hint()
        return form

    def get_success_url(self) -> str:
        """Where the new account goes once signed in (after confirming the email): a new
        instructor to the Teach page, not the student home; anyone to the page they came for."""
        user = getattr(self, "user", None)
        if isinstance(user, User) and user.is_instructor and not self.get_next_url():
            return reverse("instructors_onboarding:dashboard")
        return str(super().get_success_url())

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_initial()
        if self.request.GET.get("role") in Role.values:
            initial["role"] = self.request.GET["role"]
        return initial


signup = SignupView.as_view()


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
