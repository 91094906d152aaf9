"""One entry point for the API's "finalize": the upload's kind decides what it becomes."""

from __future__ import annotations

import uuid
from datetime import datetime

from apps.accounts.models import User
from apps.core.errors import NotFound
from apps.media.images import CropBox
from apps.media.models import BackgroundCheckDocument, Upload
from apps.media.services.documents import document_upload_finalize
from apps.media.services.pictures import picture_upload_finalize
from apps.media.states import UploadKind


def upload_finalize(
    *, actor: User, upload_id: uuid.UUID, crop: CropBox | None, filename: str, now: datetime
) -> BackgroundCheckDocument | None:
    """Finalize a picture (checked now, processed by a task) or a document (checked and
    stored now, returned)."""
    kind = Upload.objects.filter(pk=upload_id, owner=actor).values_list("kind", flat=True).first()
    if kind is None:
        raise NotFound("Upload not found.")
    if kind == UploadKind.PICTURE:
        picture_upload_finalize(actor=actor, upload_id=upload_id, crop=crop, now=now)
        return None
    return document_upload_finalize(actor=actor, upload_id=upload_id, filename=filename, now=now)
