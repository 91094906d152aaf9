"""Media API: start an upload (signed URL), finalize it, follow it, view and remove pictures,
list background-check documents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from apps.core.api_auth import api_user
from apps.core.api_errors import error_responses
from apps.core.api_input import InputSchema
from apps.core.errors import NotFound
from apps.media import limits
from apps.media.images import CropBox
from apps.media.models import BackgroundCheckDocument, ProfilePicture
from apps.media.selectors import (
    PictureView,
    document_get,
    document_list,
    document_view_url,
    picture_get,
    picture_views,
    pictures_visible,
    upload_state_get,
)
from apps.media.services.documents import DOCUMENT_RECEIVED
from apps.media.services.finalize import upload_finalize
from apps.media.services.pictures import picture_delete
from apps.media.services.uploads import upload_start
from apps.media.states import UploadKind

router = Router(tags=["media"])
MAX_BATCH = 100


class UploadStartIn(InputSchema):
    kind: Literal["picture", "document"]
    content_type: str | None = Field(None, description="What the client believes it is; the bytes decide.")
    size: int | None = Field(None, description="Size in bytes, to refuse an oversized file before it is sent.")


class UploadStartOut(Schema):
    id: uuid.UUID
    kind: str
    upload_url: str = Field(description="Send the file's bytes here, as the request body.")
    method: str
    expires_at: datetime
    max_bytes: int


class CropIn(InputSchema):
    x: int
    y: int
    width: int = Field(gt=0)
    height: int = Field(gt=0)


class FinalizeIn(InputSchema):
    crop: CropIn | None = Field(None, description="Pictures: the square to keep, in pixels of the upright image.")
    filename: str = Field("", max_length=200, description="Documents: the file's name, for display.")


class PictureOut(Schema):
    user_id: int
    version: int
    url: str = Field(description="The 200×200 picture.")
    url_400: str
    expires_at: datetime


class MyPictureOut(PictureOut):
    url_original: str
    width: int
    height: int
    crop: dict[str, int]


class DocumentOut(Schema):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    status: str
    status_label: str
    submitted_at: datetime
    reviewed_at: datetime | None
    rejection_reason: str
    valid_until: datetime | None
    view_url: str = Field(description="Works for an hour, in this user's browser session only.")


class UploadStateOut(Schema):
    id: uuid.UUID
    kind: str
    status: Literal["pending", "processing", "done", "rejected"]
    message: str
    picture: MyPictureOut | None = None
    document: DocumentOut | None = None


class PictureQuery(Schema):
    user_ids: list[int] = Field(min_length=1, max_length=MAX_BATCH)


def _picture_fields(request: HttpRequest, view: PictureView) -> dict[str, Any]:
    urls = {variant: request.build_absolute_uri(signed.url) for variant, signed in view.urls.items()}
    picture = view.picture
    return {
        "user_id": picture.user_id,
        "version": picture.version,
        "url": urls["200"],
        "url_400": urls["400"],
        "expires_at": view.expires_at,
        **({"url_original": urls["original"]} if "original" in urls else {}),
    }


def _my_picture_out(request: HttpRequest, picture: ProfilePicture, *, now: datetime) -> MyPictureOut:
    [view] = picture_views(pictures=[picture], now=now, variants=["200", "400", "original"])
    return MyPictureOut(**_picture_fields(request, view), width=picture.width, height=picture.height, crop=picture.crop)


def _document_out(request: HttpRequest, document: BackgroundCheckDocument, *, now: datetime) -> DocumentOut:
    signed = document_view_url(actor=api_user(request), document=document, now=now)
    return DocumentOut(
        id=document.pk,
        filename=document.filename,
        content_type=document.content_type,
        size_bytes=document.size_bytes,
        status=document.status,
        status_label=document.get_status_display(),
        submitted_at=document.submitted_at,
        reviewed_at=document.reviewed_at,
        rejection_reason=document.rejection_reason,
        valid_until=document.valid_until,
        view_url=request.build_absolute_uri(signed.url),
    )


@router.post(
    "/media/uploads",
    response={201: UploadStartOut, **error_responses(401, 403)},
    url_name="media_upload_start",
    summary="Start an upload",
    description="Returns a signed URL (valid 5 minutes) to PUT the file to, then call finalize. "
    "Profile pictures: JPEG/PNG/WebP, one upload a minute. Documents (instructors): PDF/JPG/PNG. "
    f"Up to {limits.MAX_UPLOAD_BYTES} bytes.",
)
def upload_begin(request: HttpRequest, payload: UploadStartIn) -> Status[UploadStartOut]:
    ticket = upload_start(
        actor=api_user(request),
        kind=UploadKind(payload.kind),
        content_type=payload.content_type,
        size=payload.size,
        now=timezone.now(),
    )
    out = UploadStartOut(
        id=ticket.upload.pk,
        kind=ticket.upload.kind,
        upload_url=request.build_absolute_uri(ticket.url.url),
        method=ticket.method,
        expires_at=ticket.url.expires_at,
        max_bytes=limits.MAX_UPLOAD_BYTES,
    )
    return Status(201, out)


def _state_out(request: HttpRequest, upload_id: uuid.UUID, *, now: datetime) -> UploadStateOut:
    user = api_user(request)
    state = upload_state_get(actor=user, upload_id=upload_id)
    picture = picture_get(user_id=user.pk) if state.kind == UploadKind.PICTURE and state.status == "done" else None
    return UploadStateOut.model_validate(
        {
            "id": state.id,
            "kind": state.kind,
            "status": state.status,
            "message": state.message,
            "picture": _my_picture_out(request, picture, now=now) if picture else None,
        }
    )


@router.post(
    "/media/uploads/{upload_id}/finalize",
    response={200: UploadStateOut, **error_responses(401, 403, 404, 409)},
    summary="Finish an upload",
    description="Checks the file. A picture is then processed in the background: follow it with "
    "GET /media/uploads/{id} until it is done or rejected. A document is stored at once.",
)
def upload_finish(request: HttpRequest, upload_id: uuid.UUID, payload: FinalizeIn) -> UploadStateOut:
    now = timezone.now()
    crop = CropBox(**payload.crop.model_dump()) if payload.crop else None
    document = upload_finalize(
        actor=api_user(request), upload_id=upload_id, crop=crop, filename=payload.filename, now=now
    )
    if document is None:
        return _state_out(request, upload_id, now=now)
    out = _document_out(request, document, now=now)
    return UploadStateOut(
        id=upload_id, kind=UploadKind.DOCUMENT, status="done", message=DOCUMENT_RECEIVED, document=out
    )


@router.get(
    "/media/uploads/{upload_id}",
    response={200: UploadStateOut, **error_responses(401, 404)},
    summary="Follow an upload",
)
def upload_state(request: HttpRequest, upload_id: uuid.UUID) -> UploadStateOut:
    return _state_out(request, upload_id, now=timezone.now())


@router.get(
    "/media/me/picture",
    response={200: MyPictureOut, **error_responses(401, 404)},
    url_name="media_my_picture",
    summary="My profile picture",
)
def my_picture(request: HttpRequest) -> MyPictureOut:
    picture = picture_get(user_id=api_user(request).pk)
    if picture is None:
        raise NotFound("You have no picture yet.")
    return _my_picture_out(request, picture, now=timezone.now())


@router.delete(
    "/media/me/picture", response={204: None, **error_responses(401, 403)}, summary="Remove my profile picture"
)
def my_picture_remove(request: HttpRequest) -> Status[None]:
    picture_delete(actor=api_user(request), now=timezone.now())
    return Status(204, None)


@router.get(
    "/media/pictures",
    response={200: list[PictureOut], **error_responses(401)},
    summary="Pictures of several people",
    description="View URLs (valid 1 hour) for instructors' pictures and your own; people without a "
    "picture are left out (show their initials). Up to 100 ids: ?user_ids=1&user_ids=2.",
)
def pictures(request: HttpRequest, query: Query[PictureQuery]) -> list[PictureOut]:
    visible = pictures_visible(actor=api_user(request), user_ids=query.user_ids)
    views = picture_views(pictures=visible, now=timezone.now(), variants=["200", "400"])
    return [PictureOut(**_picture_fields(request, view)) for view in views]


@router.get(
    "/media/documents",
    response={200: list[DocumentOut], **error_responses(401, 403)},
    summary="My background-check documents",
)
def documents(request: HttpRequest) -> list[DocumentOut]:
    now = timezone.now()
    return [_document_out(request, document, now=now) for document in document_list(actor=api_user(request))]


@router.get(
    "/media/documents/{document_id}",
    response={200: DocumentOut, **error_responses(401, 404)},
    summary="One background-check document",
)
def document(request: HttpRequest, document_id: int) -> DocumentOut:
    found = document_get(actor=api_user(request), document_id=document_id)
    return _document_out(request, found, now=timezone.now())
