"""Staff edit the platform configuration in the admin: every value in a sane range, the
fields that depend on each other checked together, and each saved change audited with the
values before and after and the reason. An invalid form changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.db import transaction
from django.forms.models import model_to_dict

from apps.accounts.models import User
from apps.audit.forms import REASON_MAX
from apps.audit.services import audit_record
from apps.audit.states import AuditAction
from apps.core.errors import PermissionDenied
from apps.core.models import PlatformConfig

BPS_FIELDS = (
    "booking_fee_bps", "commission_base_bps", "commission_tier1_bps", "commission_tier2_bps",
    "commission_founding_bps", "late_cancel_credit_bps", "late_cancel_instructor_bps",
)  # fmt: skip
BPS_MAX = 10_000  # 100 %


class PlatformConfigForm(forms.ModelForm):  # type: ignore[type-arg]  # django-stubs: ModelForm[PlatformConfig]
    reason = forms.CharField(
        max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the audit trail."
    )

    class Meta:
        model = PlatformConfig
        fields = [field.name for field in PlatformConfig._meta.concrete_fields if field.editable and field.name != "id"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in BPS_FIELDS:
            if name in data and data[name] > BPS_MAX:
                self.add_error(name, f"Basis points run from 0 to {BPS_MAX:,} (100%).")
        self._before(data, "commission_tier1_lessons", "commission_tier2_lessons",
                     "Tier 2 needs more completed lessons than tier 1.")  # fmt: skip
        self._at_least(data, "commission_base_bps", "commission_tier1_bps",
                       "Tier 1 cannot charge more commission than the base rate.")  # fmt: skip
        self._at_least(data, "commission_tier1_bps", "commission_tier2_bps",
                       "Tier 2 cannot charge more commission than tier 1.")  # fmt: skip
        self._before(data, "cancel_late_hours", "cancel_free_hours",
                     "The very-late window must be shorter than the free-cancellation window.")  # fmt: skip
        self._before(data, "min_rate_in_person_cents", "max_rate_cents", "The ceiling must be above the floors.")
        self._before(data, "min_rate_online_cents", "max_rate_cents", "The ceiling must be above the floors.")
        self._before(data, "capture_retry_hours", "capture_escalate_hours",
                     "Manual review must come after at least one retry.")  # fmt: skip
        return data

    def _before(self, data: dict[str, Any], low: str, high: str, message: str) -> None:
        if low in data and high in data and not data[low] < data[high]:
            self.add_error(high, message)

    def _at_least(self, data: dict[str, Any], high: str, low: str, message: str) -> None:
        if low in data and high in data and data[low] > data[high]:
            self.add_error(low, message)


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value if isinstance(value, int) else str(value) for name, value in values.items()}


def platform_config_update(
    *, actor: User, config: PlatformConfig, changed: list[str], reason: str, now: datetime
) -> None:
    """Save a validated edit: the fields that changed, with their old and new values, in one
    audit entry written in the same transaction."""
    if not actor.is_staff:
        raise PermissionDenied("Only staff change the platform configuration.")
    with transaction.atomic():
        stored = PlatformConfig.objects.select_for_update().get(pk=config.pk)
        before, after = model_to_dict(stored, fields=changed), model_to_dict(config, fields=changed)
        config.save()
        audit_record(
            actor=actor, action=AuditAction.CONFIG_EDIT, target=config, now=now, reason=reason,
            before=_json(before), after=_json(after),
        )  # fmt: skip
