"""What an uploaded file really is, decided from its bytes and never from its name or the
Content-Type the client sent (ARCHITECTURE.md rule 11)."""

from __future__ import annotations

import enum

from apps.core.errors import ValidationFailed


class FileType(enum.StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    PDF = "pdf"


CONTENT_TYPES = {
    FileType.JPEG: "image/jpeg",
    FileType.PNG: "image/png",
    FileType.WEBP: "image/webp",
    FileType.PDF: "application/pdf",
}
EXTENSIONS = {FileType.JPEG: "jpg", FileType.PNG: "png", FileType.WEBP: "webp", FileType.PDF: "pdf"}
PICTURE_TYPES = frozenset({FileType.JPEG, FileType.PNG, FileType.WEBP})
DOCUMENT_TYPES = frozenset({FileType.PDF, FileType.JPEG, FileType.PNG})
# What a client may declare when it asks for an upload URL: a cheap early "no" for the
# obviously wrong; the bytes are still checked afterwards.
DECLARABLE = {
    "picture": frozenset({"image/jpeg", "image/png", "image/webp"}),
    "document": frozenset({"application/pdf", "image/jpeg", "image/png"}),
}

PICTURE_HINT = "Choose a JPEG, PNG or WebP picture."
DOCUMENT_HINT = "Choose a PDF, JPG or PNG file."


def reject(message: str) -> ValidationFailed:
    """The one shape of an upload refusal: a message on the `file` field."""
    return ValidationFailed(message, fields={"file": [message]})


def sniff(head: bytes) -> FileType | None:
    """The type named by the file's leading bytes (its magic number), if it is one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return FileType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType.PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileType.WEBP
    # PDF readers tolerate junk before the header; we do not, so a polyglot can't hide one.
    if head.startswith(b"%PDF-"):
        return FileType.PDF
    return None


def detect(data: bytes, *, allowed: frozenset[FileType], hint: str) -> FileType:
    """The file's type, or a refusal that says what to choose instead."""
    if not data:
        raise reject("The file is empty. " + hint)
    found = sniff(data[:16])
    if found is None or found not in allowed:
        raise reject("This file type isn't accepted. " + hint)
    return found
