"""Reads of the media feature: picture URLs (one query for a whole list), documents, and the
state of an upload."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache
from django.db.models import Q, QuerySet

from apps.accounts.models import Role, User
from apps.core.errors import NotFound, PermissionDenied
from apps.media import limits
from apps.media.content import FileType
from apps.media.models import BackgroundCheckDocument, ProfilePicture, Upload, picture_key
from apps.media.services.uploads import RESULT_CACHE_KEY
from apps.media.storage import SignedUrl, view_url

URL_CACHE_KEY = "media:url:{key}"


def view_urls(*, keys: list[str], now: datetime) -> dict[str, SignedUrl]:
    """Signed view URLs, each reused for up to 45 minutes. Reuse keeps URLs stable, so
    browsers cache the image; keys change with every new picture, so reuse never shows an
    old one. A cached URL is used only while it has 15+ minutes left at `now`."""
    cached = cache.get_many([URL_CACHE_KEY.format(key=key) for key in keys])
    found: dict[str, SignedUrl] = {}
    fresh: dict[str, tuple[str, float]] = {}
    for key in keys:
        hit = cached.get(URL_CACHE_KEY.format(key=key))
        if hit is not None and hit[1] - now.timestamp() >= limits.URL_MIN_REMAINING.total_seconds():
            found[key] = SignedUrl(url=hit[0], expires_at=datetime.fromtimestamp(hit[1], tz=UTC))
            continue
        signed = view_url(key=key, now=now)
        found[key] = signed
        fresh[URL_CACHE_KEY.format(key=key)] = (signed.url, signed.expires_at.timestamp())
    if fresh:
        cache.set_many(fresh, timeout=int(limits.URL_CACHE_TTL.total_seconds()))
    return found


def picture_variant(size: int) -> str:
    """The stored square that looks sharp at `size` CSS pixels on a 2x screen."""
    return "200" if size <= 100 else "400"


def picture_urls(*, user_ids: Iterable[int], now: datetime, variant: str = "200") -> dict[int, str]:
    """user id → signed URL of their picture, for every user in the list who has one.
    One database query for the whole list (plus one cache round trip)."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    rows = ProfilePicture.objects.filter(user_id__in=ids).values_list("user_id", "prefix", "original_type")
    keys = {user_id: picture_key(prefix, variant, FileType(kind)) for user_id, prefix, kind in rows}
    signed = view_urls(keys=list(keys.values()), now=now)
    return {user_id: signed[key].url for user_id, key in keys.items()}


def picture_get(*, user_id: int) -> ProfilePicture | None:
    return ProfilePicture.objects.filter(user_id=user_id).first()


@dataclass(frozen=True)
class PictureView:
    picture: ProfilePicture
    urls: dict[str, SignedUrl]  # variant → URL

    @property
    def expires_at(self) -> datetime:
        return min(url.expires_at for url in self.urls.values())


def picture_views(*, pictures: list[ProfilePicture], now: datetime, variants: list[str]) -> list[PictureView]:
    """Signed URLs of several pictures' variants with one cache round trip."""
    signed = view_urls(keys=[picture.key(variant) for picture in pictures for variant in variants], now=now)
    return [
        PictureView(picture=picture, urls={variant: signed[picture.key(variant)] for variant in variants})
        for picture in pictures
    ]


def pictures_visible(*, actor: User, user_ids: Iterable[int]) -> list[ProfilePicture]:
    """Pictures an API client may list: instructors' (shown on public profiles) and the
    caller's own. Other people's pictures appear only on pages that decide who may see them."""
    visible = Q(user__role=Role.INSTRUCTOR) | Q(user_id=actor.pk)
    return list(ProfilePicture.objects.filter(visible, user_id__in=set(user_ids)).order_by("user_id"))


def document_list(*, actor: User) -> QuerySet[BackgroundCheckDocument]:
    if not actor.is_instructor:
        raise PermissionDenied("Only instructors have background-check documents.")
    return BackgroundCheckDocument.objects.filter(instructor=actor).order_by("-submitted_at", "-id")


def document_latest_get(*, instructor_id: int) -> BackgroundCheckDocument | None:
    """The instructor's most recent document: the one the onboarding steps describe."""
    return BackgroundCheckDocument.objects.filter(instructor_id=instructor_id).order_by("-submitted_at", "-id").first()


def document_get(*, actor: User, document_id: int) -> BackgroundCheckDocument:
    """The instructor's own document, or any for staff; everyone else gets 404."""
    documents = BackgroundCheckDocument.objects.select_related("instructor")
    if not actor.is_staff:
        documents = documents.filter(instructor=actor)
    document = documents.filter(pk=document_id).first()
    if document is None:
        raise NotFound("Document not found.")
    return document


def document_view_url(*, actor: User, document: BackgroundCheckDocument, now: datetime) -> SignedUrl:
    """A link that works for this viewer only, for an hour; never cached or shared."""
    return view_url(key=document.key, now=now, viewer_id=actor.pk)


@dataclass(frozen=True)
class UploadState:
    id: uuid.UUID
    kind: str
    status: str  # "pending", "processing", "done" or "rejected"
    message: str


def upload_state_get(*, actor: User, upload_id: uuid.UUID) -> UploadState:
    upload = Upload.objects.filter(pk=upload_id, owner=actor).first()
    if upload is not None:
        return UploadState(id=upload.pk, kind=upload.kind, status=upload.status, message="")
    result = cache.get(RESULT_CACHE_KEY.format(upload_id=upload_id))
    if not isinstance(result, dict) or result.get("owner_id") != actor.pk:
        raise NotFound("Upload not found.")
    return UploadState(
        id=upload_id, kind=str(result["kind"]), status=str(result["status"]), message=str(result["message"])
    )
