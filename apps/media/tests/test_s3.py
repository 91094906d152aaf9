"""The S3 path (R2, S3, MinIO by configuration) against moto's S3 server: real presigned PUT
and GET over HTTP. moto checks neither signatures nor expiry, so the URLs' expiry, method
and key are checked here on our side."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.media.models import BackgroundCheckDocument, ProfilePicture
from apps.media.storage import upload_url, view_url
from apps.media.tests import corpus
from apps.media.tests.conftest import NO_ROWS, Bucket, MediaApi, media_rows

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


def _start_and_put(media_api: MediaApi, data: bytes, kind: str = "picture") -> dict[str, str]:
    ticket: dict[str, str] = media_api.start(kind).json()
    assert ticket["upload_url"].startswith("http://127.0.0.1:")
    put = requests.put(ticket["upload_url"], data=data, timeout=30)
    assert put.status_code == 200
    return ticket


def test_presigned_urls_carry_their_key_method_and_expiry(s3_bucket: Bucket) -> None:
    key = "pictures/7/v3-abc/200.webp"
    view = view_url(key=key, now=T0)
    upload = upload_url(key="incoming/0123abcd", now=T0)
    for signed, path, seconds in (
        (view, f"/{s3_bucket.name}/{key}", "3600"),
        (upload, f"/{s3_bucket.name}/incoming/0123abcd", "300"),
    ):
        parts = urlsplit(signed.url)
        query = parse_qs(parts.query)
        assert parts.path == path
        assert query["X-Amz-Expires"] == [seconds]
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
        assert query["X-Amz-SignedHeaders"] == ["host"]
        assert query["X-Amz-Credential"][0].startswith("testing/")
    assert (view.expires_at, upload.expires_at) == (
        datetime(2026, 4, 1, 11, 0, tzinfo=UTC),
        datetime(2026, 4, 1, 10, 5, tzinfo=UTC),
    )
    # Same key and second, different method: the signatures differ, so a view link can't upload.
    same_second_put = upload_url(key=key, now=T0)
    assert (
        parse_qs(urlsplit(same_second_put.url).query)["X-Amz-Signature"]
        != parse_qs(urlsplit(view.url).query)["X-Amz-Signature"]
    )


def test_picture_goes_to_the_bucket_and_back_through_presigned_urls(
    media_api: MediaApi, student, s3_bucket: Bucket
) -> None:
    media_api.client.force_login(student)
    ticket = _start_and_put(media_api, corpus.jpeg(600, 400, orientation=6))
    assert s3_bucket.keys() == [f"incoming/{ticket['upload_url'].split('/incoming/')[1].split('?')[0]}"]
    finalized = media_api.finalize(ticket["id"], crop={"x": 0, "y": 100, "width": 400, "height": 400})
    assert finalized.json()["status"] == "processing"
    picture = media_api.state(ticket["id"]).json()["picture"]
    stored = ProfilePicture.objects.get(user=student)
    assert s3_bucket.keys() == sorted(stored.keys)
    for field, side in (("url", 200), ("url_400", 400)):
        assert picture[field].startswith(f"http://127.0.0.1:{urlsplit(picture[field]).port}/{s3_bucket.name}/pictures/")
        fetched = requests.get(picture[field], timeout=30)
        assert fetched.status_code == 200
        image = Image.open(io.BytesIO(fetched.content))
        assert (image.format, image.size) == ("WEBP", (side, side))
    original = Image.open(io.BytesIO(requests.get(picture["url_original"], timeout=30).content))
    assert (original.format, original.size, dict(original.getexif())) == ("JPEG", (400, 600), {})

    assert media_api.delete_picture().status_code == 204
    assert s3_bucket.keys() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (corpus.SVG, "This file type isn't accepted. Choose a JPEG, PNG or WebP picture."),
        (corpus.png_declaring(50_000, 50_000), "This picture has too many pixels (the limit is 50 megapixels)."),
        # A presigned PUT cannot cap the size; finalize checks it before reading a byte.
        (corpus.too_big(), "This file is larger than 10 MB. Choose a smaller one."),
    ],
    ids=["svg", "bomb", "over-10-mb"],
)
def test_hostile_pictures_leave_the_bucket_empty(
    data: bytes, message: str, media_api: MediaApi, student, s3_bucket: Bucket
) -> None:
    media_api.client.force_login(student)
    ticket = _start_and_put(media_api, data)
    assert len(s3_bucket.keys()) == 1
    refused = media_api.finalize(ticket["id"])
    assert (refused.status_code, refused.json()["error"]["message"]) == (422, message)
    assert s3_bucket.keys() == []
    assert media_rows() == NO_ROWS


def test_truncated_picture_is_refused_by_the_task_and_leaves_the_bucket_empty(
    media_api: MediaApi, student, s3_bucket: Bucket
) -> None:
    media_api.client.force_login(student)
    ticket = _start_and_put(media_api, corpus.truncated(corpus.jpeg(600, 400)))
    assert media_api.finalize(ticket["id"]).json()["status"] == "processing"
    state = media_api.state(ticket["id"]).json()
    assert (state["status"], state["message"]) == (
        "rejected",
        "This picture seems damaged or incomplete. Try exporting it again.",
    )
    assert s3_bucket.keys() == []
    assert media_rows() == NO_ROWS


def test_document_is_streamed_through_our_view_to_its_owner_only(
    client, instructor, other_instructor, s3_bucket: Bucket
) -> None:
    client.force_login(instructor)
    posted = client.post("/teach/verification/documents/", {"file": SimpleUploadedFile("report.pdf", corpus.pdf())})
    assert posted.status_code == 302
    document = BackgroundCheckDocument.objects.get()
    assert s3_bucket.keys() == [document.key]
    link = client.get(f"/teach/verification/documents/{document.pk}/view/")["Location"]
    assert link.startswith("/media/file/")  # never a bearer link to the bucket
    assert b"".join(client.get(link).streaming_content) == corpus.pdf()
    client.force_login(other_instructor)
    assert client.get(link).status_code == 404


def test_refused_document_leaves_the_bucket_empty(media_api: MediaApi, instructor, s3_bucket: Bucket) -> None:
    media_api.client.force_login(instructor)
    ticket = _start_and_put(media_api, corpus.PDF_HIDDEN_JS["open-action-ascii85-flate"], kind="document")
    refused = media_api.finalize(ticket["id"], filename="report.pdf")
    assert refused.status_code == 422
    assert s3_bucket.keys() == []
    assert media_rows() == NO_ROWS
