from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from apps.core.dates import moment_label

register = template.Library()


@register.filter
def moment(value: datetime | None) -> str:
    """A moment in the current time zone, written as everywhere else: 'Tue 3 Dec, 4:00 pm'."""
    return moment_label(timezone.localtime(value)) if value is not None else ""
