"""One way for every staff action in the admin: an intermediate page lists the selected
rows with what the action would do to each (the money preview, computed by the same service
code as the action), asks for a reason (and an amount where one is needed), then calls the
service once per row. The services write the audit entries; this only parses and reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.forms import ReasonForm
from apps.core.errors import ApplicationError

Run = Callable[[User, Any, Any, datetime], object]  # (staff, row, form, now)
Preview = Callable[[User, Any, datetime], str]  # (staff, row, now) → what would happen


@dataclass(frozen=True)
class StaffAction:
    name: str  # the ModelAdmin method's name (the admin posts it back as "action")
    title: str
    run: Run
    preview: Preview | None = None
    form: type[forms.Form] = ReasonForm
    note: str = ""


def staff_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin only admits signed-in staff
    return request.user


def _previews(action: StaffAction, staff: User, rows: list[models.Model], now: datetime) -> list[tuple[Any, str]]:
    shown = []
    for row in rows:
        if action.preview is None:
            shown.append((row, ""))
            continue
        try:
            shown.append((row, action.preview(staff, row, now)))
        except ApplicationError as exc:
            shown.append((row, f"Not possible: {exc.message}"))
    return shown


def staff_action_run(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any], action: StaffAction
) -> TemplateResponse | None:
    staff, now = staff_of(request), timezone.now()
    form = action.form(request.POST if "apply" in request.POST else None)
    rows = list(queryset)
    if not form.is_valid():
        context = {
            **model_admin.admin_site.each_context(request), "title": action.title, "action": action.name,
            "rows": _previews(action, staff, rows, now), "form": form, "note": action.note,
            "opts": model_admin.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }  # fmt: skip
        return TemplateResponse(request, "admin/audit/staff_action.html", context)
    done = 0
    for row in rows:
        try:
            action.run(staff, row, form, now)
            done += 1
        except ApplicationError as exc:
            model_admin.message_user(request, f"{row}: {exc.message}", level=messages.ERROR)
    if done:
        model_admin.message_user(request, f"{action.title}: {done} done.", level=messages.SUCCESS)
    return None


def admin_action_for(action: StaffAction) -> Callable[..., TemplateResponse | None]:
    """The ModelAdmin action (a function in `actions = [...]`) that runs `action`."""

    def run(
        model_admin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        return staff_action_run(model_admin, request, queryset, action)

    run.__name__ = action.name
    return admin.action(description=f"{action.title}…")(run)
