"""Statuses of uploads and background-check documents, with their legal transitions."""

from __future__ import annotations

from django.db import models


class UploadKind(models.TextChoices):
    PICTURE = "picture", "Profile picture"
    DOCUMENT = "document", "Background-check document"


class UploadStatus(models.TextChoices):
    """An upload is transient: PENDING → PROCESSING by compare-and-set, then its row is
    deleted when it becomes a picture or document, or is refused."""

    PENDING = "pending", "Waiting for the file"
    PROCESSING = "processing", "Processing"


class DocumentStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not accepted"
    SUPERSEDED = "superseded", "Replaced by a newer check"
    EXPIRED = "expired", "Expired"


DOCUMENT_TRANSITIONS: dict[DocumentStatus, frozenset[DocumentStatus]] = {
    DocumentStatus.PENDING: frozenset({DocumentStatus.APPROVED, DocumentStatus.REJECTED}),
    DocumentStatus.APPROVED: frozenset({DocumentStatus.SUPERSEDED, DocumentStatus.EXPIRED}),
    DocumentStatus.REJECTED: frozenset(),
    DocumentStatus.SUPERSEDED: frozenset(),
    DocumentStatus.EXPIRED: frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    return DocumentStatus(target) in DOCUMENT_TRANSITIONS[DocumentStatus(current)]
