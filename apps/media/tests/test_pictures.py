"""Profile pictures through the API and the page, on local private storage."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.core.errors import NotFound
from apps.media.models import ProfilePicture, RetiredFile, Upload
from apps.media.services.pictures import picture_delete, picture_upload_finalize, picture_upload_process
from apps.media.services.uploads import upload_start
from apps.media.states import UploadKind
from apps.media.tasks import media_sweep_run
from apps.media.tests import corpus
from apps.media.tests.conftest import NO_ROWS, MediaApi, media_rows, stored_files
from apps.media.views import FILE_CSP

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TEN_MB = 10 * 1024 * 1024


def _picture_files(user_id: int, version: int, original: str = "png") -> re.Pattern[str]:
    prefix = rf"pictures/{user_id}/v{version}-[0-9a-f]{{24}}"
    return re.compile(rf"{prefix}/200\.webp\n{prefix}/400\.webp\n{prefix}/original\.{original}")


def _image(response: object) -> Image.Image:
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]


def test_upload_flow_stores_a_cropped_picture_in_three_sizes(media_api: MediaApi, student, private_root: Path) -> None:
    media_api.client.force_login(student)
    with time_machine.travel(T0, tick=False):
        started = media_api.start("picture", content_type="image/png", size=1234)
        assert started.status_code == 201
        ticket = started.json()
        assert ticket["kind"] == "picture"
        assert ticket["method"] == "PUT"
        assert ticket["max_bytes"] == TEN_MB
        assert ticket["expires_at"] == "2026-03-02T15:05:00Z"
        assert ticket["upload_url"].startswith("http://testserver/media/upload/")

        assert media_api.put(ticket["upload_url"], corpus.png(600, 400)).status_code == 204
        assert stored_files(private_root) == [Upload.objects.get().key]

        finalized = media_api.finalize(ticket["id"], crop={"x": 300, "y": 0, "width": 200, "height": 200})
        # The test's transaction commits (and the task runs) once the request is over;
        # with a worker the task runs later. Either way the client follows the upload.
        assert (finalized.status_code, finalized.json()["status"]) == (200, "processing")
        done = media_api.state(ticket["id"])
    assert done.status_code == 200
    body = done.json()
    assert (body["id"], body["kind"], body["status"], body["message"]) == (
        ticket["id"],
        "picture",
        "done",
        "Your picture is saved.",
    )
    picture = ProfilePicture.objects.get(user=student)
    assert body["picture"]["version"] == picture.version == 1
    assert (body["picture"]["width"], body["picture"]["height"]) == (600, 400)
    assert body["picture"]["crop"] == picture.crop == {"x": 300, "y": 0, "width": 200, "height": 200}
    assert body["picture"]["expires_at"] == "2026-03-02T16:00:00Z"
    assert _picture_files(student.pk, 1).fullmatch("\n".join(stored_files(private_root)))
    assert media_rows() == {**NO_ROWS, "pictures": 1}

    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        served = media_api.client.get(body["picture"]["url"])
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    assert served["Cache-Control"] == "private, max-age=3300, immutable"
    assert served["Content-Security-Policy"] == FILE_CSP
    square = _image(served).convert("RGB")
    assert square.size == (200, 200)
    assert square.getpixel((100, 100)) == pytest.approx(corpus.QUADRANTS["top_right"], abs=12)


def test_upload_state_can_be_followed_while_processing(
    media_api: MediaApi, student, django_capture_on_commit_callbacks
) -> None:
    """With a real worker the task runs later: finalize answers "processing" and the client
    polls; a second finalize is refused."""
    media_api.client.force_login(student)
    ticket = media_api.start().json()
    media_api.put(ticket["upload_url"], corpus.png())
    with django_capture_on_commit_callbacks(execute=False) as queued:
        finalized = media_api.client.post(
            f"/api/v1/media/uploads/{ticket['id']}/finalize", {}, content_type="application/json"
        )
    assert finalized.json() == {
        "id": ticket["id"],
        "kind": "picture",
        "status": "processing",
        "message": "",
        "picture": None,
        "document": None,
    }
    again = media_api.client.post(f"/api/v1/media/uploads/{ticket['id']}/finalize", {}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "This picture is already being processed."
    assert media_api.client.get(f"/api/v1/media/uploads/{ticket['id']}").json()["status"] == "processing"

    [run_task] = queued
    run_task()
    state = media_api.client.get(f"/api/v1/media/uploads/{ticket['id']}").json()
    assert (state["status"], state["message"], state["picture"]["version"]) == ("done", "Your picture is saved.", 1)
    assert ProfilePicture.objects.get(user=student).crop == {"x": 100, "y": 0, "width": 400, "height": 400}


def test_new_picture_swaps_at_once_and_old_files_go_after_the_grace(media_api: MediaApi, student, private_root) -> None:
    media_api.client.force_login(student)
    with time_machine.travel(T0, tick=False):
        first = media_api.upload(corpus.png()).json()["picture"]
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        second = media_api.upload(corpus.webp(500, 500)).json()["picture"]
    assert (first["version"], second["version"]) == (1, 2)
    assert first["url"] != second["url"]
    old = [key for key in stored_files(private_root) if "/v1-" in key]
    assert len(old) == 3
    swapped_at = T0 + timedelta(minutes=2)
    assert sorted(RetiredFile.objects.values_list("key", "delete_after")) == [
        (key, swapped_at + timedelta(hours=1)) for key in old
    ]
    # Pages rendered before the swap keep working until their links expire (16:00 here).
    with time_machine.travel(datetime(2026, 3, 2, 15, 59, 59, tzinfo=UTC), tick=False):
        assert media_api.client.get(first["url"]).status_code == 200
        assert media_api.client.get("/api/v1/media/me/picture").json()["version"] == 2
        assert media_sweep_run(now=swapped_at + timedelta(minutes=59))["retired_files"] == 0
    assert media_sweep_run(now=swapped_at + timedelta(hours=1))["retired_files"] == 3
    assert _picture_files(student.pk, 2, "webp").fullmatch("\n".join(stored_files(private_root)))
    assert RetiredFile.objects.count() == 0


def test_one_picture_upload_a_minute(media_api: MediaApi, student) -> None:
    media_api.client.force_login(student)
    with time_machine.travel(T0, tick=False):
        assert media_api.start().status_code == 201
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        limited = media_api.start()
    assert limited.status_code == 429
    assert limited["Retry-After"] == "30"
    assert limited.json() == {
        "error": {
            "code": "rate_limited",
            "message": "You can change your picture once a minute. Try again in 30 seconds.",
            "fields": {},
        }
    }
    assert Upload.objects.count() == 1
    with time_machine.travel(T0 + timedelta(seconds=60), tick=False):
        assert media_api.start().status_code == 201
    assert Upload.objects.count() == 2


def test_limit_is_per_user(media_api: MediaApi, student, other_student) -> None:
    with time_machine.travel(T0, tick=False):
        media_api.client.force_login(student)
        assert media_api.start().status_code == 201
        media_api.client.force_login(other_student)
        assert media_api.start().status_code == 201


def test_declared_type_and_size_are_refused_before_anything_is_sent(media_api: MediaApi, student) -> None:
    media_api.client.force_login(student)
    svg = media_api.start("picture", content_type="image/svg+xml")
    assert svg.status_code == 422
    assert svg.json()["error"]["fields"] == {
        "file": ["This file type isn't accepted. Choose a JPEG, PNG or WebP picture."]
    }
    big = media_api.start("picture", content_type="image/jpeg", size=TEN_MB + 1)
    assert big.json()["error"]["fields"] == {"file": ["This file is larger than 10 MB. Choose a smaller one."]}
    assert media_rows() == NO_ROWS
    # Refusals before the upload begins don't use up the minute.
    assert media_api.start("picture", content_type="image/jpeg", size=TEN_MB).status_code == 201


def test_delete_picture_brings_back_initials_and_removes_files_now(media_api: MediaApi, student, private_root) -> None:
    media_api.client.force_login(student)
    media_api.upload(corpus.png())
    assert len(stored_files(private_root)) == 3
    assert media_api.delete_picture().status_code == 204
    assert stored_files(private_root) == []
    assert media_rows() == NO_ROWS
    missing = media_api.client.get("/api/v1/media/me/picture")
    assert (missing.status_code, missing.json()["error"]["message"]) == (404, "You have no picture yet.")
    assert media_api.delete_picture().status_code == 204  # removing nothing is not an error


def test_someone_elses_upload_is_not_found(media_api: MediaApi, student, other_student, private_root) -> None:
    media_api.client.force_login(student)
    ticket = media_api.start().json()
    media_api.put(ticket["upload_url"], corpus.png())
    media_api.client.force_login(other_student)
    assert media_api.finalize(ticket["id"]).status_code == 404
    assert media_api.client.get(f"/api/v1/media/uploads/{ticket['id']}").status_code == 404
    assert Upload.objects.get().status == "pending"
    assert stored_files(private_root) == [Upload.objects.get().key]
    assert ProfilePicture.objects.count() == 0


def test_upload_link_works_once_and_only_for_its_upload(media_api: MediaApi, student, private_root) -> None:
    media_api.client.force_login(student)
    ticket = media_api.start().json()
    assert media_api.put(ticket["upload_url"], corpus.png()).status_code == 204
    again = media_api.put(ticket["upload_url"], corpus.SVG)
    assert (again.status_code, again.json()["error"]["message"]) == (409, "This upload already has its file.")
    media_api.finalize(ticket["id"])
    gone = media_api.put(ticket["upload_url"], corpus.png())
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "not_found")
    assert len(stored_files(private_root)) == 3


def test_an_older_upload_never_replaces_a_newer_picture(student, private_root) -> None:
    with time_machine.travel(T0, tick=False):
        older = upload_start(actor=student, kind=UploadKind.PICTURE, content_type=None, size=None, now=T0)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        newer = upload_start(
            actor=student, kind=UploadKind.PICTURE, content_type=None, size=None, now=T0 + timedelta(minutes=1)
        )
    for ticket, data in ((older, corpus.png()), (newer, corpus.webp())):
        (private_root / ticket.upload.key).parent.mkdir(parents=True, exist_ok=True)
        (private_root / ticket.upload.key).write_bytes(data)
        picture_upload_finalize(actor=student, upload_id=ticket.upload.pk, crop=None, now=T0 + timedelta(minutes=2))
    later = T0 + timedelta(minutes=3)
    assert picture_upload_process(upload_id=str(newer.upload.pk), now=later) == "done"
    assert picture_upload_process(upload_id=str(older.upload.pk), now=later) == "done"
    picture = ProfilePicture.objects.get(user=student)
    assert (picture.version, picture.original_type) == (1, "webp")
    # The late arrival's files are due for deletion at once.
    assert RetiredFile.objects.filter(delete_after=later).count() == 3
    media_sweep_run(now=later)
    assert _picture_files(student.pk, 1, "webp").fullmatch("\n".join(stored_files(private_root)))
    assert picture_upload_process(upload_id=str(older.upload.pk), now=later) == "gone"


# A real commit, as in production: the inline task runs before the page answers.
@pytest.mark.django_db(transaction=True)
def test_page_without_javascript_uploads_the_centered_square(client, student, private_root) -> None:
    client.force_login(student)
    page = client.get("/account/settings/picture/")
    assert page.status_code == 200
    assert b'data-avatar-user="%d"' % student.pk in page.content
    with time_machine.travel(T0, tick=False):
        posted = client.post(
            "/account/settings/picture/", {"file": SimpleUploadedFile("me.jpg", corpus.jpeg(600, 400))}
        )
    assert (posted.status_code, posted["Location"]) == (302, "/account/settings/picture/")
    picture = ProfilePicture.objects.get(user=student)
    assert picture.crop == {"x": 100, "y": 0, "width": 400, "height": 400}
    assert _picture_files(student.pk, 1, "jpg").fullmatch("\n".join(stored_files(private_root)))
    shown = client.get("/account/settings/picture/")
    assert [str(m) for m in shown.context["messages"]] == ["Your picture is saved."]
    assert b"/media/file/" in shown.content
    assert b"Remove picture" in shown.content


# A real commit, as in production: the inline task runs before the page answers.
@pytest.mark.django_db(transaction=True)
def test_page_shows_the_reason_a_file_is_refused(client, student, private_root) -> None:
    client.force_login(student)
    refused = client.post(
        "/account/settings/picture/", {"file": SimpleUploadedFile("photo.jpg", corpus.ELF, content_type="image/jpeg")}
    )
    assert refused.status_code == 422
    assert refused.context["form"].errors == {
        "file": ["This file type isn't accepted. Choose a JPEG, PNG or WebP picture."]
    }
    assert stored_files(private_root) == []
    assert media_rows() == NO_ROWS


# A real commit, as in production: the inline task runs before the page answers.
@pytest.mark.django_db(transaction=True)
def test_page_rate_limit_is_a_form_error_with_retry_after(client, student) -> None:
    client.force_login(student)
    with time_machine.travel(T0, tick=False):
        client.post("/account/settings/picture/", {"file": SimpleUploadedFile("a.png", corpus.png())})
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        limited = client.post("/account/settings/picture/", {"file": SimpleUploadedFile("b.png", corpus.png())})
    assert limited.status_code == 429
    assert limited["Retry-After"] == "50"
    assert limited.context["form"].errors == {
        "__all__": ["You can change your picture once a minute. Try again in 50 seconds."]
    }
    assert ProfilePicture.objects.get(user=student).version == 1


# A real commit, as in production: the inline task runs before the page answers.
@pytest.mark.django_db(transaction=True)
def test_page_remove_button(client, student, private_root) -> None:
    client.force_login(student)
    client.post("/account/settings/picture/", {"file": SimpleUploadedFile("a.png", corpus.png())})
    removed = client.post("/account/settings/picture/remove/")
    assert (removed.status_code, removed["Location"]) == (302, "/account/settings/picture/")
    assert stored_files(private_root) == []
    assert ProfilePicture.objects.count() == 0


def test_picture_page_needs_login(client) -> None:
    response = client.get("/account/settings/picture/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/account/settings/picture/")


def test_batch_urls_cover_instructors_and_me_only(media_api: MediaApi, student, other_student, instructor) -> None:
    for person in (student, other_student, instructor):
        media_api.client.force_login(person)
        media_api.upload(corpus.png())
    media_api.client.force_login(student)
    ids = f"user_ids={instructor.pk}&user_ids={other_student.pk}&user_ids={student.pk}&user_ids=999999"
    listed = media_api.client.get(f"/api/v1/media/pictures?{ids}")
    assert listed.status_code == 200
    assert [(p["user_id"], p["version"]) for p in listed.json()] == sorted([(instructor.pk, 1), (student.pk, 1)])
    assert all(p["url"].startswith("http://testserver/media/file/") for p in listed.json())
    assert media_api.client.get("/api/v1/media/pictures").status_code == 422


def test_abandoned_uploads_are_swept_with_their_bytes(media_api: MediaApi, student, private_root) -> None:
    media_api.client.force_login(student)
    with time_machine.travel(T0, tick=False):
        ticket = media_api.start().json()
        media_api.put(ticket["upload_url"], corpus.png())
    assert media_sweep_run(now=T0 + timedelta(minutes=59))["abandoned_uploads"] == 0
    assert media_sweep_run(now=T0 + timedelta(hours=1))["abandoned_uploads"] == 1
    assert stored_files(private_root) == []
    assert media_rows() == NO_ROWS


def test_staff_remove_a_picture_in_the_admin(
    client, media_api: MediaApi, student, other_student, staff, private_root
) -> None:
    media_api.client.force_login(student)
    media_api.upload(corpus.png())
    picture = ProfilePicture.objects.get()
    with pytest.raises(NotFound):
        picture_delete(actor=other_student, user_id=student.pk, now=T0)
    assert len(stored_files(private_root)) == 3

    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    listing = client.get("/admin/media/profilepicture/")
    assert listing.status_code == 200
    assert b'<img src="/media/file/' in listing.content
    with media_api.capture(execute=True):
        removed = client.post(
            "/admin/media/profilepicture/",
            {"action": "remove", "index": "0", ACTION_CHECKBOX_NAME: [picture.pk]},
            follow=True,
        )
    assert [str(m) for m in removed.context["messages"]] == ["Removed 1 picture."]
    assert stored_files(private_root) == []
    assert media_rows() == NO_ROWS
