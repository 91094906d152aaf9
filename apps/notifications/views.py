"""Pages: the in-app notification list and the email preferences."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from apps.accounts.models import User
from apps.notifications.selectors import notification_list, notification_preferences_get
from apps.notifications.services import notification_preferences_set, notifications_mark_read
from apps.notifications.states import OPTIONAL_CATEGORIES, Category


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


class PreferencesForm(forms.Form):
    """One checkbox per category a user may turn off; payment and security emails always go."""

    def __init__(self, *args: object, initial_values: dict[str, bool], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for category in OPTIONAL_CATEGORIES:
            self.fields[category.value] = forms.BooleanField(
                label=f"Email me about {Category(category).label.lower()}", required=False,
                initial=initial_values[category.value],
            )  # fmt: skip


@require_safe
@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """Opening the list reads what it shows: those unread until now are still marked on
    this view, and the count in the navigation is gone on the next page."""
    user = _user(request)
    shown = list(notification_list(user=user))
    notifications_mark_read(user=user, now=timezone.now())
    return render(request, "notifications/list.html", {"notifications": shown})


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PreferencesForm(request.POST or None, initial_values=notification_preferences_get(user=user))
    if request.method == "POST" and form.is_valid():
        notification_preferences_set(user=user, enabled={key: bool(value) for key, value in form.cleaned_data.items()})
        messages.success(request, "Your email preferences are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
