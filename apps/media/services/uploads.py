"""Uploads in flight: a signed upload URL, the bytes landing at a random key, then a
finalize step that turns them into a picture or a document (or refuses them)."""

from __future__ import annotations

import math
import secrets
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Protocol

from django.core.cache import cache
from django.core.files import File

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationFailed
from apps.media import limits
from apps.media.content import DECLARABLE, DOCUMENT_HINT, PICTURE_HINT, reject
from apps.media.models import Upload
from apps.media.states import UploadKind, UploadStatus
from apps.media.storage import (
    BadToken,
    SignedUrl,
    file_delete,
    file_exists,
    file_read,
    file_size,
    file_write,
    token_read,
    upload_url,
)

RESULT_CACHE_KEY = "media:upload-result:{upload_id}"
RATE_CACHE_KEY = "media:picture-rate:{user_id}"
_CHUNK = 64 * 1024


class FileTooLarge(ValidationFailed):
    status = 413
    code = "file_too_large"


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True)
class UploadTicket:
    upload: Upload
    url: SignedUrl
    method: str = "PUT"


def too_large_message() -> str:
    return f"This file is larger than {limits.MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Choose a smaller one."


def _declared_check(kind: UploadKind, content_type: str | None, size: int | None) -> None:
    if content_type is not None and content_type.lower() not in DECLARABLE[kind]:
        raise reject(
            "This file type isn't accepted. " + (PICTURE_HINT if kind == UploadKind.PICTURE else DOCUMENT_HINT)
        )
    if size is not None and size > limits.MAX_UPLOAD_BYTES:
        raise reject(too_large_message())
    if size is not None and size < 1:
        raise reject("The file is empty.")


def _picture_rate_check(*, user_id: int, now: datetime) -> None:
    """1 picture upload a minute per user (PRODUCT.md §10). The stamp is compared with `now`
    rather than left to the cache's own expiry, so the rule follows the clock we are given."""
    key = RATE_CACHE_KEY.format(user_id=user_id)
    interval = limits.PICTURE_UPLOAD_INTERVAL.total_seconds()
    stamp = now.timestamp()
    if cache.add(key, stamp, timeout=math.ceil(interval)):
        return
    previous = cache.get(key)
    elapsed = stamp - previous if isinstance(previous, float) else interval
    if elapsed >= interval:
        cache.set(key, stamp, timeout=math.ceil(interval))
        return
    wait = max(1, math.ceil(interval - elapsed))
    raise RateLimited(
        f"You can change your picture once a minute. Try again in {wait} seconds.", retry_after_seconds=wait
    )


def upload_start(
    *, actor: User, kind: UploadKind, content_type: str | None, size: int | None, now: datetime
) -> UploadTicket:
    """A new upload and the URL its bytes go to. Picture uploads count against the rate limit."""
    if kind == UploadKind.DOCUMENT and not actor.is_instructor:
        raise PermissionDenied("Only instructors upload background-check documents.")
    _declared_check(kind, content_type, size)
    if kind == UploadKind.PICTURE:
        _picture_rate_check(user_id=actor.pk, now=now)
    upload = Upload.objects.create(
        owner=actor, kind=kind, key=f"incoming/{secrets.token_hex(16)}", expires_at=now + limits.UPLOAD_URL_TTL
    )
    return UploadTicket(upload=upload, url=upload_url(key=upload.key, now=now))


def _copy_exactly(body: Readable, length: int, into: IO[bytes]) -> None:
    # Never read past the declared length: the size limit was checked against it.
    copied = 0
    while copied < length:
        chunk = body.read(min(_CHUNK, length - copied))
        if not chunk:
            break
        into.write(chunk)
        copied += len(chunk)
    if copied != length:
        raise reject("The upload was interrupted. Try again.")
    into.seek(0)


def upload_receive(*, token: str, body: Readable, length: int | None, now: datetime) -> None:
    """The local backend's stand-in for a presigned PUT: the token is the authority, like
    S3's signature, so this needs no session. Nothing is stored unless the size is right."""
    try:
        key = token_read(purpose="upload", token=token, now=now, viewer_id=None).key
    except BadToken as exc:
        raise NotFound("This upload link is invalid or has expired.") from exc
    if not Upload.objects.filter(key=key, status=UploadStatus.PENDING).exists():
        raise NotFound("This upload link is invalid or has expired.")
    if length is None:
        raise ValidationFailed("Send the file's Content-Length.")
    if length > limits.MAX_UPLOAD_BYTES:
        raise FileTooLarge(too_large_message(), fields={"file": [too_large_message()]})
    if length == 0:
        raise reject("The file is empty.")
    if file_exists(key):
        raise Conflict("This upload already has its file.")
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spooled:
        _copy_exactly(body, length, spooled)
        try:
            file_write(key, File(spooled, name=key))
        except FileExistsError as exc:  # a second PUT won the race
            raise Conflict("This upload already has its file.") from exc
    if not Upload.objects.filter(key=key).exists():
        file_delete(key)  # discarded while the bytes were arriving: keep nothing
        raise NotFound("This upload link is invalid or has expired.")


def own_upload(*, actor: User, upload_id: uuid.UUID, kind: UploadKind) -> Upload:
    upload = Upload.objects.filter(pk=upload_id, owner=actor, kind=kind).first()
    if upload is None:
        raise NotFound("Upload not found.")
    return upload


def upload_discard(*, upload: Upload) -> None:
    # Storage first: if it fails the row survives and the sweep retries; the other order
    # could leave a file nothing points to.
    file_delete(upload.key)
    Upload.objects.filter(pk=upload.pk).delete()


def upload_result_record(*, upload: Upload, status: str, message: str) -> None:
    """The outcome of an upload whose row is gone, for the client polling it."""
    value = {"owner_id": upload.owner_id, "kind": upload.kind, "status": status, "message": message}
    cache.set(
        RESULT_CACHE_KEY.format(upload_id=upload.pk), value, timeout=int(limits.UPLOAD_RESULT_TTL.total_seconds())
    )


def incoming_read(*, upload: Upload) -> bytes:
    """The uploaded bytes, refused before reading when missing, empty or too large (a
    presigned PUT cannot cap the size, so it is checked here)."""
    size = file_size(upload.key)
    if size is None:
        raise reject("We didn't receive your file. Upload it again.")
    if size == 0:
        raise reject("The file is empty.")
    if size > limits.MAX_UPLOAD_BYTES:
        raise reject(too_large_message())
    data = file_read(upload.key)
    if len(data) > limits.MAX_UPLOAD_BYTES:  # replaced between the two calls
        raise reject(too_large_message())
    return data


def upload_claim(*, upload: Upload, now: datetime, crop: dict[str, int] | None = None) -> None:
    """PENDING → PROCESSING by compare-and-set: a second finalize of the same upload loses."""
    moved = Upload.objects.filter(pk=upload.pk, status=UploadStatus.PENDING).update(
        status=UploadStatus.PROCESSING, crop=crop, updated_at=now
    )
    if not moved:
        raise Conflict("This upload is already being processed.")


def uploads_abandoned_discard(*, now: datetime) -> int:
    """Sweep: uploads never finalized, or whose processing task was lost."""
    stale = Upload.objects.filter(created_at__lte=now - limits.ABANDONED_UPLOAD_AFTER).order_by("created_at")
    discarded = 0
    for upload in stale[: limits.SWEEP_BATCH]:
        upload_discard(upload=upload)
        discarded += 1
    return discarded
