"""The one place domain errors become form errors on pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting

from apps.core.errors import ApplicationError


def apply_application_error(form: forms.BaseForm, exc: ApplicationError) -> None:
    """Attach a service's error to the form: per-field messages under their fields, the
    rest as a form-level error, so the page re-renders with what the user typed."""
    placed = False
    for name, field_messages in exc.fields.items():
        target: Any = name if name in form.fields else None
        for message in field_messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class SiteFormRenderer(TemplatesSetting):
    """Every form renders through templates/forms/div.html: labelled fields with their
    errors beneath them, announced to screen readers."""

    form_template_name = "forms/div.html"
