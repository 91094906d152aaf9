"""Staff tools: the background-check review queue (approve for a year / reject with a reason)
and profile-picture moderation. Every change goes through a service, which writes the
audit trail (DocumentEvent) with the staff member as actor."""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.accounts.models import User
from apps.audit.admin_actions import StaffAction, admin_action_for
from apps.core.errors import ApplicationError
from apps.media.forms import RejectForm
from apps.media.models import BackgroundCheckDocument, BackgroundCheckReview, DocumentEvent, ProfilePicture
from apps.media.selectors import picture_urls
from apps.media.services.documents import document_approve, document_reject
from apps.media.services.pictures import picture_delete
from apps.media.states import DocumentStatus

DOCUMENT_FIELDS = [
    "instructor",
    "filename",
    "content_type",
    "size_bytes",
    "status",
    "submitted_at",
    "reviewed_by",
    "reviewed_at",
    "rejection_reason",
    "valid_until",
    "reminder_sent_at",
]


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin only admits signed-in staff
    return request.user


class DocumentEventInline(admin.TabularInline[DocumentEvent, BackgroundCheckDocument]):
    model = DocumentEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "actor", "from_status", "to_status", "note")

    def has_add_permission(self, request: HttpRequest, obj: BackgroundCheckDocument | None = None) -> bool:
        return False


def _document_line(staff: User, document: BackgroundCheckDocument, now: datetime) -> str:
    return f"{document.filename} · {document.instructor.email} · submitted {document.submitted_at:%a %-d %b %Y}"


def _reject(staff: User, document: BackgroundCheckDocument, form: RejectForm, now: datetime) -> object:
    return document_reject(actor=staff, document_id=document.pk, reason=form.cleaned_data["reason"], now=now)


REJECT = StaffAction(
    name="reject", title="Reject background-check documents", form=RejectForm, preview=_document_line, run=_reject,
    note="The instructor sees this reason on their background-check page and can upload a new document.",
)  # fmt: skip


class DocumentAdminBase(admin.ModelAdmin[BackgroundCheckDocument]):
    list_display = ["filename", "instructor", "submitted_at", "status", "valid_until", "document_link"]
    list_filter = ["status"]
    list_select_related = ["instructor"]
    search_fields = ["instructor__email", "instructor__first_name", "instructor__last_name"]
    fields = readonly_fields = (*DOCUMENT_FIELDS, "document_link")
    inlines = [DocumentEventInline]
    actions = ["approve", admin_action_for(REJECT)]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # instructors upload; staff only review

    def has_delete_permission(self, request: HttpRequest, obj: BackgroundCheckDocument | None = None) -> bool:
        return False  # the record and its trail are kept

    @admin.display(description="Document")
    def document_link(self, obj: BackgroundCheckDocument) -> SafeString:
        # A redirect that signs a fresh link for whoever clicks, never a link baked into the page.
        return format_html('<a href="{}">View</a>', reverse("media:document_open", args=[obj.pk]))

    @admin.action(description="Approve selected (valid for one year)")
    def approve(self, request: HttpRequest, queryset: QuerySet[BackgroundCheckDocument]) -> None:
        now, done = timezone.now(), 0
        for document in queryset:
            try:
                document_approve(actor=_staff(request), document_id=document.pk, now=now)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{document.filename}: {exc.message}", level=messages.ERROR)
        if done:
            self.message_user(request, f"Approved {done} document{pluralize(done)}.", level=messages.SUCCESS)


@admin.register(BackgroundCheckDocument)
class BackgroundCheckDocumentAdmin(DocumentAdminBase):
    ordering = ["-submitted_at"]


@admin.register(BackgroundCheckReview)
class BackgroundCheckReviewAdmin(DocumentAdminBase):
    """The queue: pending documents, oldest first."""

    ordering = ["submitted_at", "id"]
    list_filter = []

    def get_queryset(self, request: HttpRequest) -> QuerySet[BackgroundCheckDocument]:
        return super().get_queryset(request).filter(status=DocumentStatus.PENDING)


@admin.register(ProfilePicture)
class ProfilePictureAdmin(admin.ModelAdmin[ProfilePicture]):
    list_display = ["user", "preview", "version", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    fields = readonly_fields = ("user", "preview", "version", "original_type", "width", "height", "crop", "updated_at")
    actions = ["remove"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ProfilePicture | None = None) -> bool:
        return False  # removal goes through the action, which also removes the files

    @admin.display(description="Picture")
    def preview(self, obj: ProfilePicture) -> SafeString:
        url = picture_urls(user_ids=[obj.user_id], now=timezone.now()).get(obj.user_id, "")
        return format_html('<img src="{}" width="48" height="48" alt="">', url)

    @admin.action(description="Remove selected pictures")
    def remove(self, request: HttpRequest, queryset: QuerySet[ProfilePicture]) -> None:
        now = timezone.now()
        removed = sum(picture_delete(actor=_staff(request), user_id=picture.user_id, now=now) for picture in queryset)
        self.message_user(request, f"Removed {removed} picture{pluralize(removed)}.", level=messages.SUCCESS)
