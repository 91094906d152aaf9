"""Background-check documents: submission, staff review, expiry and the renewal reminder.
A pass sets InstructorProfile.background_check_passed_at (a go-live requirement); expiry
clears it."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime
from pathlib import PurePath

from django.db import transaction
from django.db.models import Exists, OuterRef

from apps.accounts.models import User
from apps.audit.services import audit_record
from apps.audit.states import AuditAction
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.instructors.models import InstructorProfile
from apps.instructors.services import instructor_profile_ensure, instructor_unlist_lapsed
from apps.media import limits, notices
from apps.media.content import CONTENT_TYPES, DOCUMENT_HINT, DOCUMENT_TYPES, EXTENSIONS, FileType, detect, reject
from apps.media.images import image_sanitize
from apps.media.models import BackgroundCheckDocument, DocumentEvent
from apps.media.pdf import pdf_check
from apps.media.services.files import files_release, files_reserve
from apps.media.services.uploads import (
    incoming_read,
    own_upload,
    too_large_message,
    upload_claim,
    upload_discard,
    upload_result_record,
)
from apps.media.states import DocumentStatus, UploadKind, UploadStatus, can_transition
from apps.media.storage import file_write
from apps.search.listing import listing_changed

_UNSAFE_NAME_CHARS = re.compile(r"[^\w .()-]+")
DOCUMENT_RECEIVED = "Thanks! We'll review your document and let you know."


def _require_instructor(actor: User) -> None:
    if not actor.is_instructor:
        raise PermissionDenied("Only instructors upload background-check documents.")


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied("Only staff can review background checks.")


def display_filename(name: str, kind: FileType) -> str:
    """The instructor's name for the file, made harmless for display, with the extension of
    what the file really is."""
    stem = PurePath(name.replace("\\", "/")).stem
    stem = " ".join(_UNSAFE_NAME_CHARS.sub(" ", stem).split())[:80].strip(" .") or "background-check"
    return f"{stem}.{EXTENSIONS[kind]}"


def _safe_content(data: bytes) -> tuple[FileType, bytes]:
    if len(data) > limits.MAX_UPLOAD_BYTES:
        raise reject(too_large_message())
    kind = detect(data, allowed=DOCUMENT_TYPES, hint=DOCUMENT_HINT)
    if kind == FileType.PDF:
        pdf_check(data)
        return kind, data
    return kind, image_sanitize(data, kind)


def document_submit(*, actor: User, data: bytes, filename: str, now: datetime) -> BackgroundCheckDocument:
    """Check, store and queue a document for review. Nothing is stored when it is refused."""
    _require_instructor(actor)
    kind, content = _safe_content(data)
    key = f"documents/{actor.pk}/{secrets.token_hex(16)}.{EXTENSIONS[kind]}"
    files_reserve(keys=[key], now=now)
    file_write(key, content)
    with transaction.atomic():
        files_release(keys=[key])
        instructor_profile_ensure(actor=actor)  # approval records the pass on the profile
        document = BackgroundCheckDocument.objects.create(
            instructor=actor,
            key=key,
            content_type=CONTENT_TYPES[kind],
            size_bytes=len(content),
            filename=display_filename(filename, kind),
            submitted_at=now,
        )
        DocumentEvent.objects.create(document=document, at=now, actor=actor, to_status=DocumentStatus.PENDING)
    return document


def document_upload_finalize(
    *, actor: User, upload_id: uuid.UUID, filename: str, now: datetime
) -> BackgroundCheckDocument:
    """The API's path: the bytes arrived through a signed upload URL."""
    _require_instructor(actor)
    upload = own_upload(actor=actor, upload_id=upload_id, kind=UploadKind.DOCUMENT)
    if upload.status != UploadStatus.PENDING:
        raise Conflict("This upload is already being processed.")
    upload_claim(upload=upload, now=now)
    try:
        document = document_submit(actor=actor, data=incoming_read(upload=upload), filename=filename, now=now)
    finally:
        upload_discard(upload=upload)  # the stored copy is the checked one; the raw bytes go
    upload_result_record(upload=upload, status="done", message=DOCUMENT_RECEIVED)
    return document


def _transition(
    document: BackgroundCheckDocument, target: DocumentStatus, *, actor: User | None, now: datetime, note: str = ""
) -> None:
    if not can_transition(document.status, target):
        current = document.get_status_display().lower()
        raise Conflict(f"This document is {current}; it can't become {target.label.lower()}.")
    DocumentEvent.objects.create(
        document=document, at=now, actor=actor, from_status=document.status, to_status=target, note=note
    )
    document.status = target


def _locked_document(document_id: int) -> BackgroundCheckDocument:
    """Lock the instructor's row first, then the document: every change to one instructor's
    documents takes the same lock in the same order, so two reviews never deadlock."""
    instructor_id = (
        BackgroundCheckDocument.objects.filter(pk=document_id).values_list("instructor_id", flat=True).first()
    )
    if instructor_id is None:
        raise NotFound("Document not found.")
    User.objects.select_for_update().filter(pk=instructor_id).first()
    return BackgroundCheckDocument.objects.select_for_update().get(pk=document_id)


def _background_check_record(*, instructor_id: int, passed_at: datetime | None, now: datetime) -> None:
    """The media side's one writer of the go-live flag: set on a pass, cleared on expiry."""
    profiles = InstructorProfile.objects.filter(user_id=instructor_id)
    profiles.update(background_check_passed_at=passed_at, updated_at=now)
    listing_changed(profiles.values_list("pk", flat=True))  # a queryset update sends no signals


@transaction.atomic
def document_approve(*, actor: User, document_id: int, now: datetime) -> BackgroundCheckDocument:
    _require_staff(actor)
    document = _locked_document(document_id)
    _transition(document, DocumentStatus.APPROVED, actor=actor, now=now)
    earlier = BackgroundCheckDocument.objects.filter(
        instructor_id=document.instructor_id, status=DocumentStatus.APPROVED
    )
    for previous in earlier.exclude(pk=document.pk):
        _transition(
            previous, DocumentStatus.SUPERSEDED, actor=actor, now=now, note=f"Replaced by document {document.pk}."
        )
        previous.save(update_fields=["status", "updated_at"])
    document.reviewed_by, document.reviewed_at = actor, now
    document.valid_until = now + limits.BACKGROUND_CHECK_VALIDITY
    document.save(update_fields=["status", "reviewed_by", "reviewed_at", "valid_until", "updated_at"])
    _background_check_record(instructor_id=document.instructor_id, passed_at=now, now=now)
    audit_record(
        actor=actor, action=AuditAction.DOCUMENT_APPROVE, target=document, now=now,
        before={"status": DocumentStatus.PENDING.value},
        after={"status": document.status, "valid_until": document.valid_until.isoformat()},
    )  # fmt: skip
    notices.document_approved(document, now=now)
    return document


@transaction.atomic
def document_reject(*, actor: User, document_id: int, reason: str, now: datetime) -> BackgroundCheckDocument:
    _require_staff(actor)
    reason = reason.strip()
    if not reason or len(reason) > limits.REJECTION_REASON_MAX:
        message = f"Tell the instructor why, in at most {limits.REJECTION_REASON_MAX} characters."
        raise ValidationFailed(message, fields={"reason": [message]})
    document = _locked_document(document_id)
    _transition(document, DocumentStatus.REJECTED, actor=actor, now=now, note=reason)
    document.reviewed_by, document.reviewed_at, document.rejection_reason = actor, now, reason
    document.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason", "updated_at"])
    audit_record(
        actor=actor, action=AuditAction.DOCUMENT_REJECT, target=document, now=now, reason=reason,
        before={"status": DocumentStatus.PENDING.value}, after={"status": document.status},
    )  # fmt: skip
    notices.document_rejected(document, now=now)
    return document


def document_expiry_sweep(*, now: datetime) -> int:
    """Sweep: passes older than a year expire and the instructor's flag is cleared; a live
    instructor leaves search and booking (booked lessons stay). The instructor is told, and
    staff when the instructor was unlisted."""
    expired = 0
    while True:
        with transaction.atomic():
            due = BackgroundCheckDocument.objects.select_for_update(skip_locked=True, of=("self",))
            batch = list(
                due.select_related("instructor")
                .filter(status=DocumentStatus.APPROVED, valid_until__lte=now)
                .order_by("valid_until", "id")[: limits.SWEEP_BATCH]
            )
            for document in batch:
                _transition(document, DocumentStatus.EXPIRED, actor=None, now=now, note="A pass is valid for one year.")
                document.save(update_fields=["status", "updated_at"])
                _background_check_record(instructor_id=document.instructor_id, passed_at=None, now=now)
                audit_record(
                    actor=None, action=AuditAction.DOCUMENT_EXPIRE, target=document, now=now,
                    before={"status": DocumentStatus.APPROVED.value}, after={"status": document.status},
                    reason="A pass is valid for one year.",
                )  # fmt: skip
                unlisted = instructor_unlist_lapsed(
                    user_id=document.instructor_id, now=now, reason="Background check expired."
                )
                notices.document_expired(document, unlisted=unlisted is not None, now=now)
        expired += len(batch)
        if len(batch) < limits.SWEEP_BATCH:
            return expired


def document_reminder_sweep(*, now: datetime) -> int:
    """Sweep: one reminder per pass, 30 days before it expires, unless a renewal is already
    waiting for review. reminder_sent_at is set by compare-and-set before the email goes,
    so a rerun never sends it twice."""
    renewal_waiting = BackgroundCheckDocument.objects.filter(
        instructor_id=OuterRef("instructor_id"), status=DocumentStatus.PENDING
    )
    due = (
        BackgroundCheckDocument.objects.select_related("instructor")
        .filter(
            status=DocumentStatus.APPROVED,
            reminder_sent_at__isnull=True,
            valid_until__gt=now,
            valid_until__lte=now + limits.BACKGROUND_CHECK_REMINDER_BEFORE,
        )
        .exclude(Exists(renewal_waiting))
        .order_by("valid_until", "id")
    )
    sent = 0
    for document in due[: limits.SWEEP_BATCH]:
        with transaction.atomic():
            claimed = BackgroundCheckDocument.objects.filter(pk=document.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if claimed:
                notices.document_reminder(document, now=now)
                sent += 1
    return sent
