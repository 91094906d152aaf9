from django.contrib import admin
from django.http import HttpRequest

from apps.core.models import PlatformConfig


@admin.register(PlatformConfig)
class PlatformConfigAdmin(admin.ModelAdmin[PlatformConfig]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not PlatformConfig.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: PlatformConfig | None = None) -> bool:
        return False
