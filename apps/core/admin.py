from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.admin_actions import staff_of
from apps.core.config_edit import PlatformConfigForm, platform_config_update
from apps.core.models import PlatformConfig


@admin.register(PlatformConfig)
class PlatformConfigAdmin(admin.ModelAdmin[PlatformConfig]):
    form = PlatformConfigForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not PlatformConfig.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: PlatformConfig | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PlatformConfig, form: ModelForm[Any], change: bool) -> None:
        changed = [name for name in form.changed_data if name != "reason"]
        platform_config_update(
            actor=staff_of(request), config=obj, changed=changed, reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )  # fmt: skip
