"""The hostile corpus through the real upload paths: every file is refused or made safe, and
a refused file leaves nothing behind: no stored bytes, no database rows."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.media.models import BackgroundCheckDocument, ProfilePicture
from apps.media.tests import corpus
from apps.media.tests.conftest import NO_ROWS, MediaApi, media_rows, stored_files

pytestmark = pytest.mark.django_db

PICTURE_TYPE = "This file type isn't accepted. Choose a JPEG, PNG or WebP picture."
DOCUMENT_TYPE = "This file type isn't accepted. Choose a PDF, JPG or PNG file."
DAMAGED = "This picture seems damaged or incomplete. Try exporting it again."
TOO_MANY_PIXELS = "This picture has too many pixels (the limit is 50 megapixels)."
ANIMATED = "Animated pictures aren't accepted. Choose a still picture."
PDF_ACTIVE = (
    "This PDF contains scripts or automatic actions, which we don't accept. Print it to a new PDF and upload that."
)
NOT_RECEIVED = "We didn't receive your file. Upload it again."
TOO_BIG = "This file is larger than 10 MB. Choose a smaller one."

# Refused on the request thread (finalize answers 422).
PICTURES_REFUSED_AT_ONCE = {
    "pdf-named-jpg": corpus.pdf(),
    "svg": corpus.SVG,
    "html-disguised-as-png": corpus.HTML,
    "html-behind-png-signature": b"\x89PNG\r\n\x1a\n" + corpus.HTML,
    "pdf-with-javascript": corpus.PDF_WITH_JS,
    "gif": corpus.gif(),
    "executable": corpus.ELF,
    "bomb-50000x50000": corpus.png_declaring(50_000, 50_000),
    "animated-webp": corpus.animated_webp(),
    "animated-png": corpus.animated_png(),
    "too-wide": corpus.png(900, 300),
}
PICTURE_MESSAGES = {
    "html-behind-png-signature": DAMAGED,
    "bomb-50000x50000": TOO_MANY_PIXELS,
    "animated-webp": ANIMATED,
    "animated-png": ANIMATED,
    "too-wide": "This picture is too long and narrow. Choose one no more than twice as wide as it is tall.",
}
# Whole at the header, broken inside: refused by the processing task.
PICTURES_REFUSED_WHEN_DECODED = {
    "truncated-jpeg": corpus.truncated(corpus.jpeg(600, 400)),
    "truncated-png": corpus.truncated(corpus.png(600, 400)),
}


def _assert_nothing_kept(private_root) -> None:
    assert stored_files(private_root) == []
    assert media_rows() == NO_ROWS


@pytest.mark.parametrize("name", PICTURES_REFUSED_AT_ONCE)
def test_hostile_pictures_are_refused_and_nothing_is_kept(
    name: str, media_api: MediaApi, student, private_root
) -> None:
    media_api.client.force_login(student)
    # The client claims a PNG every time; only the bytes count.
    refused = media_api.upload(PICTURES_REFUSED_AT_ONCE[name], declared="image/png")
    message = PICTURE_MESSAGES.get(name, PICTURE_TYPE)
    assert refused.status_code == 422
    assert refused.json() == {"error": {"code": "validation_error", "message": message, "fields": {"file": [message]}}}
    _assert_nothing_kept(private_root)


@pytest.mark.parametrize("name", PICTURES_REFUSED_WHEN_DECODED)
def test_truncated_pictures_are_refused_by_the_task_and_nothing_is_kept(
    name: str, media_api: MediaApi, student, private_root
) -> None:
    media_api.client.force_login(student)
    state = media_api.upload(PICTURES_REFUSED_WHEN_DECODED[name], declared="image/jpeg")
    assert state.status_code == 200
    body = state.json()
    assert (body["status"], body["message"], body["picture"]) == ("rejected", DAMAGED, None)
    _assert_nothing_kept(private_root)


def test_zero_bytes_are_never_stored(media_api: MediaApi, student, private_root) -> None:
    media_api.client.force_login(student)
    ticket = media_api.start().json()
    empty = media_api.client.put(ticket["upload_url"], b"", content_type="image/png", CONTENT_LENGTH="0")
    assert (empty.status_code, empty.json()["error"]["message"]) == (422, "The file is empty.")
    assert stored_files(private_root) == []
    finalized = media_api.finalize(ticket["id"])
    assert (finalized.status_code, finalized.json()["error"]["message"]) == (422, NOT_RECEIVED)
    _assert_nothing_kept(private_root)


def test_over_ten_megabytes_is_never_stored(media_api: MediaApi, student, private_root) -> None:
    media_api.client.force_login(student)
    ticket = media_api.start().json()
    big = media_api.put(ticket["upload_url"], corpus.too_big())
    assert big.status_code == 413
    assert big.json() == {"error": {"code": "file_too_large", "message": TOO_BIG, "fields": {"file": [TOO_BIG]}}}
    assert stored_files(private_root) == []
    assert media_api.finalize(ticket["id"]).json()["error"]["message"] == NOT_RECEIVED
    _assert_nothing_kept(private_root)


def test_huge_exif_is_made_safe(media_api: MediaApi, student, private_root) -> None:
    media_api.client.force_login(student)
    assert media_api.upload(corpus.huge_exif_png()).json()["status"] == "done"
    for key in stored_files(private_root):
        data = (private_root / key).read_bytes()
        assert corpus.MARKER.encode() not in data
        assert dict(Image.open(io.BytesIO(data)).getexif()) == {}


def test_gps_and_camera_metadata_never_reach_storage(media_api: MediaApi, student, private_root) -> None:
    media_api.client.force_login(student)
    assert media_api.upload(corpus.jpeg(600, 400, orientation=6)).json()["status"] == "done"
    picture = ProfilePicture.objects.get(user=student)
    assert (picture.width, picture.height) == (400, 600)  # the orientation was applied
    for key in stored_files(private_root):
        data = (private_root / key).read_bytes()
        assert corpus.MARKER.encode() not in data
        assert b"PhoneMaker" not in data
        assert dict(Image.open(io.BytesIO(data)).getexif()) == {}


@pytest.mark.django_db(transaction=True)  # a real commit runs the inline task before the page answers
def test_content_decides_not_the_name(client, student, private_root) -> None:
    """A real PNG called photo.gif is a PNG; an executable called photo.jpg is refused."""
    client.force_login(student)
    named_wrong = SimpleUploadedFile("photo.gif", corpus.png(), content_type="image/gif")
    assert client.post("/account/settings/picture/", {"file": named_wrong}).status_code == 302
    assert ProfilePicture.objects.get(user=student).original_type == "png"


# --- Documents -----------------------------------------------------------------------

PDF_DAMAGED = "This PDF seems damaged or incomplete. Download or export it again."
PDF_ENCRYPTED = "This PDF is password-protected. Upload a copy without a password."
PDF_TOO_COMPLEX = "This PDF is too complex to check. Print it to a new PDF and upload that."
DOCUMENTS_REFUSED = {
    "pdf-javascript": (corpus.PDF_WITH_JS, PDF_ACTIVE),
    "pdf-open-action": (corpus.PDF_WITH_OPEN_ACTION, PDF_ACTIVE),
    **{f"pdf-hidden-{name}": (data, PDF_ACTIVE) for name, data in corpus.PDF_HIDDEN_JS.items()},
    "pdf-launch": (corpus.PDF_WITH_LAUNCH, PDF_ACTIVE),
    "pdf-attachment": (
        corpus.with_attachment(),
        "This PDF has files attached inside it, which we don't accept. Print it to a new PDF and upload that.",
    ),
    "pdf-xfa": (
        corpus.PDF_WITH_XFA,
        "This PDF is an XFA form, which we don't accept. Print it to a new PDF and upload that.",
    ),
    "pdf-encrypted": (corpus.encrypted(user_password="open-sesame"), PDF_ENCRYPTED),
    # Opens without a password, yet everything in it is still encrypted.
    "pdf-encrypted-owner-only": (corpus.encrypted(user_password=""), PDF_ENCRYPTED),
    "pdf-truncated": (corpus.PDF_TRUNCATED, PDF_DAMAGED),
    "pdf-junk-after-header": (corpus.PDF_NOT_A_PDF_AFTER_ITS_HEADER, PDF_DAMAGED),
    "pdf-bad-hex-object-stream": (corpus.PDF_BAD_HEX_OBJECT_STREAM, PDF_DAMAGED),
    "pdf-201-pages": (corpus.blank_pages(201), PDF_TOO_COMPLEX),
    "pdf-too-many-objects": (corpus.PDF_TOO_MANY_OBJECTS, PDF_TOO_COMPLEX),
    "pdf-object-stream-bomb": (corpus.PDF_OBJECT_STREAM_BOMB, PDF_TOO_COMPLEX),
    "pdf-object-stream-bombs": (corpus.PDF_OBJECT_STREAM_BOMBS, PDF_TOO_COMPLEX),
    "pdf-deep-nesting": (corpus.PDF_DEEP_NESTING, PDF_TOO_COMPLEX),
    "svg": (corpus.SVG, DOCUMENT_TYPE),
    "html-named-pdf": (corpus.HTML, DOCUMENT_TYPE),
    "webp": (corpus.webp(), DOCUMENT_TYPE),
    "executable": (corpus.ELF, DOCUMENT_TYPE),
    "bomb-50000x50000": (corpus.png_declaring(50_000, 50_000), TOO_MANY_PIXELS),
    "truncated-jpeg": (corpus.truncated(corpus.jpeg(600, 400)), DAMAGED),
}


@pytest.mark.parametrize("name", DOCUMENTS_REFUSED)
def test_hostile_documents_are_refused_through_the_api(
    name: str, media_api: MediaApi, instructor, private_root
) -> None:
    media_api.client.force_login(instructor)
    data, message = DOCUMENTS_REFUSED[name]
    refused = media_api.upload(data, kind="document", declared="application/pdf", filename="report.pdf")
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {"file": [message]}
    _assert_nothing_kept(private_root)


@pytest.mark.parametrize("name", ["pdf-hidden-open-action-ascii85-flate", "svg", "bomb-50000x50000"])
def test_hostile_documents_are_refused_on_the_page(name: str, client, instructor, private_root) -> None:
    client.force_login(instructor)
    data, message = DOCUMENTS_REFUSED[name]
    upload = SimpleUploadedFile("background-check.pdf", data, content_type="application/pdf")
    refused = client.post("/teach/verification/documents/", {"file": upload})
    assert refused.status_code == 422
    assert refused.context["form"].errors == {"file": [message]}
    _assert_nothing_kept(private_root)


@pytest.mark.parametrize(("data", "message"), [(b"", "The submitted file is empty."), (corpus.too_big(), TOO_BIG)])
def test_empty_or_oversized_documents_are_refused_on_the_page(
    data: bytes, message: str, client, instructor, private_root
) -> None:
    client.force_login(instructor)
    refused = client.post("/teach/verification/documents/", {"file": SimpleUploadedFile("a.pdf", data)})
    assert refused.status_code == 422
    assert refused.context["form"].errors == {"file": [message]}
    _assert_nothing_kept(private_root)


def test_document_photo_is_stored_without_its_metadata(media_api: MediaApi, instructor, private_root) -> None:
    media_api.client.force_login(instructor)
    done = media_api.upload(corpus.jpeg(900, 600), kind="document", filename="IMG_0042.JPG")
    assert (done.status_code, done.json()["status"]) == (200, "done")
    document = BackgroundCheckDocument.objects.get()
    assert (document.filename, document.content_type) == ("IMG_0042.jpg", "image/jpeg")
    assert stored_files(private_root) == [document.key]
    stored = (private_root / document.key).read_bytes()
    assert document.size_bytes == len(stored)
    assert corpus.MARKER.encode() not in stored
    assert dict(Image.open(io.BytesIO(stored)).getexif()) == {}


@pytest.mark.parametrize(
    "data",
    [corpus.benign_report(pages=3), corpus.PDF_BENIGN_OBJECT_STREAMS],
    ids=["multi-page-report", "object-streams"],
)
def test_passive_pdfs_are_stored_as_sent(data: bytes, media_api: MediaApi, instructor, private_root) -> None:
    """Links, bookmarks, an opening page, object streams and filter chains are ordinary in
    real reports: none of them is a reason to refuse."""
    media_api.client.force_login(instructor)
    done = media_api.upload(data, kind="document", declared="application/pdf", filename="Checkr report.pdf")
    assert (done.status_code, done.json()["status"]) == (200, "done")
    document = BackgroundCheckDocument.objects.get()
    assert (document.filename, document.content_type, document.size_bytes) == (
        "Checkr report.pdf",
        "application/pdf",
        len(data),
    )
    assert stored_files(private_root) == [document.key]
    assert (private_root / document.key).read_bytes() == data
