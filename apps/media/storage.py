"""Private file storage and the signed, expiring URLs that are the only way in.

Files live in Django's default storage: a local directory outside every public URL
(settings.PRIVATE_MEDIA_ROOT) or an S3-compatible bucket (R2, S3, MinIO) when
STORAGE_BACKEND=s3. Keys are random and never guessable; nobody reaches a file by its key.

- Local: URLs point at our own views with a token signed by SECRET_KEY (Django's signing)
  that names the key, its expiry, and optionally the one user allowed to use it.
- S3: pictures get the store's own presigned GET URLs, uploads its presigned PUT URLs.
  Documents are always streamed through our view with a viewer-bound token, so a leaked
  link is useless to anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core import signing
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from django.urls import reverse
from storages.backends.s3 import S3Storage  # type: ignore[import-untyped]
from storages.utils import clean_name  # type: ignore[import-untyped]

from apps.media import limits

_SALT = "apps.media.storage.{purpose}"


class BadToken(Exception):
    """A signed URL that is forged, altered, expired or presented by the wrong user."""


@dataclass(frozen=True)
class SignedUrl:
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class Grant:
    """What a valid token allows: reading or writing one key until `expires_at`."""

    key: str
    expires_at: datetime
    viewer_bound: bool


def private_storage() -> Storage:
    # Looked up on every use: tests (and settings changes) swap the backend at run time.
    return storages["default"]


def _s3(storage: Storage) -> Any:
    return storage if isinstance(storage, S3Storage) else None


def _seconds(ttl: timedelta) -> int:
    return int(ttl.total_seconds())


def token_make(*, purpose: str, key: str, expires_at: datetime, viewer_id: int | None = None) -> str:
    payload = {"k": key, "x": int(expires_at.timestamp()), "v": viewer_id}
    return signing.dumps(payload, salt=_SALT.format(purpose=purpose))


def token_read(*, purpose: str, token: str, now: datetime, viewer_id: int | None) -> Grant:
    """What a token grants, or BadToken. A token bound to a viewer works only for them."""
    try:
        payload = signing.loads(token, salt=_SALT.format(purpose=purpose))
    except signing.BadSignature as exc:
        raise BadToken("bad signature") from exc
    if not isinstance(payload, dict):
        raise BadToken("malformed")
    key, expires, bound = payload.get("k"), payload.get("x"), payload.get("v")
    if not isinstance(key, str) or not isinstance(expires, int):
        raise BadToken("malformed")
    if now.timestamp() >= expires:
        raise BadToken("expired")
    if bound is not None and bound != viewer_id:
        raise BadToken("someone else's link")
    return Grant(key=key, expires_at=datetime.fromtimestamp(expires, tz=UTC), viewer_bound=bound is not None)


def view_url(*, key: str, now: datetime, viewer_id: int | None = None) -> SignedUrl:
    """A URL that shows the file for one hour (to `viewer_id` only, when given)."""
    expires_at = now + limits.VIEW_URL_TTL
    s3 = _s3(private_storage())
    if s3 is not None and viewer_id is None:
        return SignedUrl(s3.url(key, expire=_seconds(limits.VIEW_URL_TTL)), expires_at)
    token = token_make(purpose="view", key=key, expires_at=expires_at, viewer_id=viewer_id)
    return SignedUrl(reverse("media:file", args=[token]), expires_at)


def upload_url(*, key: str, now: datetime) -> SignedUrl:
    """A URL that accepts one PUT of the file's bytes for five minutes."""
    expires_at = now + limits.UPLOAD_URL_TTL
    s3 = _s3(private_storage())
    if s3 is not None:
        params = {"Bucket": s3.bucket_name, "Key": s3._normalize_name(clean_name(key))}
        client = s3.bucket.meta.client
        url = client.generate_presigned_url("put_object", Params=params, ExpiresIn=_seconds(limits.UPLOAD_URL_TTL))
        return SignedUrl(str(url), expires_at)
    token = token_make(purpose="upload", key=key, expires_at=expires_at)
    return SignedUrl(reverse("media:upload", args=[token]), expires_at)


def file_write(key: str, content: bytes | File[Any]) -> None:
    storage = private_storage()
    saved = storage.save(key, ContentFile(content) if isinstance(content, bytes) else content)
    if saved != key:  # the key was taken (keys are random: only by a racing writer); keep no stray copy
        storage.delete(saved)
        raise FileExistsError(key)


def file_exists(key: str) -> bool:
    return private_storage().exists(key)


def file_size(key: str) -> int | None:
    storage = private_storage()
    return storage.size(key) if storage.exists(key) else None


def file_read(key: str) -> bytes:
    with private_storage().open(key, "rb") as handle:
        data: bytes = handle.read(limits.MAX_UPLOAD_BYTES + 1)
    return data


def file_open(key: str) -> File[Any]:
    return private_storage().open(key, "rb")


def file_delete(key: str) -> None:
    # Deleting a missing file is a no-op on both backends, so a repeated sweep is harmless.
    private_storage().delete(key)
