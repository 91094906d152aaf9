"""Profile pictures: finalize an upload (cheap checks on the request thread), process it in
a task (decode, orient, strip, crop, resize), swap it in atomically, remove it."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.media import limits
from apps.media.content import PICTURE_HINT, PICTURE_TYPES, detect, reject
from apps.media.images import CropBox, RenderedPicture, check_picture_aspect, crop_check, image_inspect, picture_render
from apps.media.models import PICTURE_VARIANTS, ProfilePicture, RetiredFile, Upload, picture_key
from apps.media.services.files import files_release, files_reserve, files_retire, retired_files_purge
from apps.media.services.uploads import (
    incoming_read,
    own_upload,
    too_large_message,
    upload_claim,
    upload_discard,
    upload_result_record,
    upload_start,
)
from apps.media.states import UploadKind, UploadStatus
from apps.media.storage import file_write

PICTURE_SAVED = "Your picture is saved."
logger = logging.getLogger(__name__)


def _enqueue_processing(upload_id: str) -> None:
    # Imported here: tasks import this module, and a task is only queued after commit.
    from apps.media.tasks import picture_process

    picture_process.delay(upload_id)


def picture_upload_finalize(*, actor: User, upload_id: uuid.UUID, crop: CropBox | None, now: datetime) -> Upload:
    """Check the uploaded picture from its header (type, pixels, aspect, crop box) and queue
    the heavy work. A refused file is deleted with its upload before the error is raised."""
    upload = own_upload(actor=actor, upload_id=upload_id, kind=UploadKind.PICTURE)
    if upload.status != UploadStatus.PENDING:
        raise Conflict("This picture is already being processed.")
    try:
        data = incoming_read(upload=upload)
        info = image_inspect(data, detect(data, allowed=PICTURE_TYPES, hint=PICTURE_HINT))
        check_picture_aspect(info)
        box = crop_check(crop, info)
    except ValidationFailed:
        upload_discard(upload=upload)
        raise
    with transaction.atomic():
        upload_claim(upload=upload, now=now, crop=box.as_dict())
        transaction.on_commit(partial(_enqueue_processing, str(upload.pk)))
    upload.status = UploadStatus.PROCESSING
    return upload


def picture_upload_direct(*, actor: User, file: UploadedFile, now: datetime) -> Upload:
    """The page's form without JavaScript: the file arrives with the request and is cropped
    to its centered square."""
    if file.size is not None and file.size > limits.MAX_UPLOAD_BYTES:
        raise reject(too_large_message())
    ticket = upload_start(actor=actor, kind=UploadKind.PICTURE, content_type=None, size=file.size, now=now)
    file_write(ticket.upload.key, file)
    return picture_upload_finalize(actor=actor, upload_id=ticket.upload.pk, crop=None, now=now)


def picture_upload_process(*, upload_id: str, now: datetime) -> str:
    """The task's work. Returns "done", "rejected" or "gone" (already handled: a redelivered
    task finds no PROCESSING upload and does nothing)."""
    upload = Upload.objects.filter(pk=upload_id, status=UploadStatus.PROCESSING).first()
    if upload is None:
        return "gone"
    try:
        data = incoming_read(upload=upload)
        # Checked again in full: with S3 the object could have been replaced after finalize.
        kind = detect(data, allowed=PICTURE_TYPES, hint=PICTURE_HINT)
        rendered = picture_render(data, kind, CropBox(**upload.crop) if upload.crop else None)
    except ValidationFailed as exc:
        upload_discard(upload=upload)
        upload_result_record(upload=upload, status="rejected", message=exc.message)
        return "rejected"
    _picture_store(upload=upload, rendered=rendered, now=now)
    upload_discard(upload=upload)
    upload_result_record(upload=upload, status="done", message=PICTURE_SAVED)
    return "done"


def _picture_store(*, upload: Upload, rendered: RenderedPicture, now: datetime) -> None:
    current = ProfilePicture.objects.filter(user_id=upload.owner_id).only("version").first()
    version = (current.version if current else 0) + 1
    prefix = f"pictures/{upload.owner_id}/v{version}-{secrets.token_hex(12)}"
    files = {picture_key(prefix, "original", rendered.original_type): rendered.original}
    files.update(
        {picture_key(prefix, str(side), rendered.original_type): data for side, data in rendered.squares.items()}
    )
    files_reserve(keys=list(files), now=now)
    for key, data in files.items():
        file_write(key, data)
    _picture_swap(upload=upload, rendered=rendered, prefix=prefix, version=version, now=now)


@transaction.atomic
def _picture_swap(*, upload: Upload, rendered: RenderedPicture, prefix: str, version: int, now: datetime) -> None:
    """Make the new files the user's picture in one transaction; the old ones retire."""
    # The user's row is the lock: it exists whether or not a picture does yet.
    User.objects.select_for_update().filter(pk=upload.owner_id).first()
    current = ProfilePicture.objects.filter(user_id=upload.owner_id).first()
    new_keys = [picture_key(prefix, variant, rendered.original_type) for variant in PICTURE_VARIANTS]
    if current is not None and current.source_started_at > upload.created_at:
        # A later upload finished first; this one must not replace it.
        RetiredFile.objects.filter(key__in=new_keys).update(delete_after=now)
        return
    files_release(keys=new_keys)
    picture = current or ProfilePicture(user_id=upload.owner_id)
    if current is not None:
        files_retire(keys=current.keys, now=now, grace=limits.RETIRED_FILE_GRACE)
        # Two uploads processed side by side may have planned the same number.
        version = max(version, current.version + 1)
    picture.version, picture.prefix, picture.original_type = version, prefix, rendered.original_type
    picture.width, picture.height = rendered.width, rendered.height
    picture.crop = upload.crop or {}
    picture.source_started_at = upload.created_at
    picture.save()


def picture_delete(*, actor: User, now: datetime, user_id: int | None = None) -> bool:
    """Remove a picture (one's own, or anyone's for staff); initials show again at once and
    the files go right after commit. Returns whether there was a picture."""
    target = actor.pk if user_id is None else user_id
    if target != actor.pk and not actor.is_staff:
        raise NotFound("Picture not found.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=target).first()
        picture = ProfilePicture.objects.filter(user_id=target).first()
        if picture is None:
            return False
        keys = picture.keys
        files_retire(keys=keys, now=now, grace=timedelta(0))
        picture.delete()
        transaction.on_commit(partial(retired_files_purge, now=now, keys=keys))
    if target != actor.pk:
        # There is no audit table yet; a staff removal is at least on the record in the logs.
        logger.info("staff user %s removed the profile picture of user %s", actor.pk, target)
    return True
