from django.contrib import admin

from apps.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "user", "kind", "subject", "email_status", "read_at"]
    list_filter = ["kind", "category", "email_status"]
    search_fields = ["user__email", "subject"]
    readonly_fields = [field.name for field in Notification._meta.fields]
