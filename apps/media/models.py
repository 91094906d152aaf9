from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel
from apps.media.content import EXTENSIONS, FileType
from apps.media.states import DocumentStatus, UploadKind, UploadStatus

PICTURE_VARIANTS = ("200", "400", "original")


class Upload(TimeStampedModel):
    """A file on its way in: created with its signed upload URL, deleted once the file has
    become a picture or document or has been refused. The sweep removes abandoned ones."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # unguessable in URLs
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="media_uploads")
    kind = models.CharField(max_length=20, choices=UploadKind.choices)
    status = models.CharField(max_length=20, choices=UploadStatus.choices, default=UploadStatus.PENDING)
    key = models.CharField(max_length=200, unique=True, help_text="Where the raw bytes land.")
    expires_at = models.DateTimeField(help_text="When the upload URL stops working.")
    crop = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="media_upload_created_idx")]  # the sweep's scan
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=UploadKind.values), name="media_upload_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=UploadStatus.values), name="media_upload_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} upload {self.id}"


class ProfilePicture(TimeStampedModel):
    """A user's current picture. Every new picture gets a new version and a new random key
    prefix, so a URL (and any cache keyed by it) can never show an older picture."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile_picture")
    version = models.PositiveIntegerField()
    prefix = models.CharField(max_length=200, unique=True)
    original_type = models.CharField(max_length=10, choices=[(t.value, t.value) for t in FileType])
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    crop = models.JSONField()
    source_started_at = models.DateTimeField(help_text="When its upload began; an older upload never replaces it.")

    def __str__(self) -> str:
        return f"Picture v{self.version} of {self.user_id}"

    def key(self, variant: str) -> str:
        return picture_key(self.prefix, variant, FileType(self.original_type))

    @property
    def keys(self) -> list[str]:
        return [self.key(variant) for variant in PICTURE_VARIANTS]


def picture_key(prefix: str, variant: str, original_type: FileType) -> str:
    extension = EXTENSIONS[original_type] if variant == "original" else "webp"
    return f"{prefix}/{variant}.{extension}"


class RetiredFile(models.Model):
    """A stored file due for deletion. Old picture versions land here on a swap; new files
    are reserved here before they are written and released when their row commits, so a
    crash in between leaves nothing behind for good."""

    key = models.CharField(max_length=200, unique=True)
    delete_after = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key


class BackgroundCheckDocument(TimeStampedModel):
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="background_check_documents"
    )
    key = models.CharField(max_length=200, unique=True)
    content_type = models.CharField(max_length=40, help_text="Detected from the file's content.")
    size_bytes = models.PositiveIntegerField()
    filename = models.CharField(max_length=120, help_text="The instructor's name for the file, for display only.")
    status = models.CharField(max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.PENDING)
    submitted_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "background-check document"
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="media_doc_queue_idx"),  # the review queue
            models.Index(fields=["status", "valid_until"], name="media_doc_expiry_idx"),  # expiry/reminder sweeps
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DocumentStatus.values), name="media_doc_status_valid"),
            # One current pass per instructor: approving a new one supersedes the old.
            models.UniqueConstraint(
                fields=["instructor"], condition=Q(status=DocumentStatus.APPROVED), name="media_doc_one_approved"
            ),
            models.CheckConstraint(
                condition=~Q(status=DocumentStatus.APPROVED) | Q(valid_until__isnull=False),
                name="media_doc_approved_has_validity",
            ),
            models.CheckConstraint(
                condition=~Q(status=DocumentStatus.REJECTED) | ~Q(rejection_reason=""),
                name="media_doc_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class DocumentEvent(models.Model):
    """Audit trail of every status change: who (null = the system's sweeps), when, why."""

    document = models.ForeignKey(BackgroundCheckDocument, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class BackgroundCheckReview(BackgroundCheckDocument):
    """The admin's review queue: the same documents, listed oldest pending first."""

    class Meta:
        proxy = True
        verbose_name = "background check to review"
        verbose_name_plural = "background checks to review"
