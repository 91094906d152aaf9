"""Signed URLs: the only way to a private file. Expired, altered, misused or someone else's
links are refused with 404, which says nothing about whether the file exists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing

from apps.media.models import ProfilePicture, Upload
from apps.media.selectors import URL_CACHE_KEY, view_urls
from apps.media.storage import token_make
from apps.media.tests import corpus
from apps.media.tests.conftest import MediaApi, stored_files

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def picture_url(media_api: MediaApi, student) -> str:
    media_api.client.force_login(student)
    with time_machine.travel(T0, tick=False):
        url: str = media_api.upload(corpus.png()).json()["picture"]["url"]
    media_api.client.logout()
    return url


def test_picture_link_works_for_anyone_until_it_expires(client, picture_url: str) -> None:
    with time_machine.travel(T0 + timedelta(minutes=59, seconds=59), tick=False):
        assert client.get(picture_url).status_code == 200
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        assert client.get(picture_url).status_code == 404


def test_altered_links_are_refused(client, picture_url: str) -> None:
    payload, stamp, signature = _token(picture_url).split(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    longer = signing.b64_encode(signing.b64_decode(payload.encode()).replace(b'"x":', b'"x":9')).decode()
    with time_machine.travel(T0, tick=False):
        for forged in (f"{payload}:{stamp}:{flipped}", f"{longer}:{stamp}:{signature}", "not-a-token"):
            assert client.get(f"/media/file/{forged}/").status_code == 404


def test_swapping_in_another_users_key_is_refused(client, media_api: MediaApi, student, other_student) -> None:
    """Mallory has a valid link to her own picture and knows Sam's key: putting that key in
    her token breaks the signature, and a token signed with any other secret is worthless."""
    with time_machine.travel(T0, tick=False):
        media_api.client.force_login(student)
        media_api.upload(corpus.png())
        media_api.client.force_login(other_student)
        own_url = media_api.upload(corpus.webp()).json()["picture"]["url"]
        victim_key = ProfilePicture.objects.get(user=student).key("original")
        payload, stamp, signature = _token(own_url).split(":")
        claims = signing.b64_decode(payload.encode()).decode()
        own_key = ProfilePicture.objects.get(user=other_student).key("200")
        swapped = signing.b64_encode(claims.replace(own_key, victim_key).encode()).decode()
        assert victim_key in signing.b64_decode(swapped.encode()).decode()
        foreign = signing.dumps({"k": victim_key, "x": 9999999999, "v": None}, key="not-our-secret")
        assert client.get(own_url).status_code == 200
        assert client.get(f"/media/file/{swapped}:{stamp}:{signature}/").status_code == 404
        assert client.get(f"/media/file/{foreign}/").status_code == 404


def test_upload_and_view_tokens_are_not_interchangeable(client, media_api: MediaApi, student, private_root) -> None:
    media_api.client.force_login(student)
    with time_machine.travel(T0, tick=False):
        ticket = media_api.start().json()
        assert client.get(f"/media/file/{_token(ticket['upload_url'])}/").status_code == 404
        key = Upload.objects.get().key
        view_token = token_make(purpose="view", key=key, expires_at=T0 + timedelta(hours=1))
        refused = client.put(f"/media/upload/{view_token}/", corpus.png(), content_type="image/png")
    assert refused.status_code == 404
    assert stored_files(private_root) == []


def test_upload_link_expires_after_five_minutes(media_api: MediaApi, student, private_root) -> None:
    media_api.client.force_login(student)
    with time_machine.travel(T0, tick=False):
        ticket = media_api.start().json()
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        late = media_api.put(ticket["upload_url"], corpus.png())
    assert (late.status_code, late.json()["error"]["message"]) == (404, "This upload link is invalid or has expired.")
    with time_machine.travel(T0 + timedelta(minutes=4, seconds=59), tick=False):
        assert media_api.put(ticket["upload_url"], corpus.png()).status_code == 204


def test_upload_needs_a_content_length(media_api: MediaApi, student) -> None:
    media_api.client.force_login(student)
    ticket = media_api.start().json()
    missing = media_api.client.put(ticket["upload_url"], b"", content_type="image/png")
    assert (missing.status_code, missing.json()["error"]["message"]) == (422, "Send the file's Content-Length.")
    assert media_api.client.get(ticket["upload_url"]).status_code == 405


def test_view_urls_are_reused_for_45_minutes_then_renewed(student) -> None:
    key = "pictures/1/v1-abc/200.webp"
    first = view_urls(keys=[key], now=T0)[key]
    assert first.expires_at == T0 + timedelta(hours=1)
    assert view_urls(keys=[key], now=T0 + timedelta(minutes=45))[key] == first
    renewed = view_urls(keys=[key], now=T0 + timedelta(minutes=45, seconds=1))[key]
    assert renewed.url != first.url
    assert renewed.expires_at == T0 + timedelta(hours=1, minutes=45, seconds=1)


def test_view_url_cache_is_keyed_by_the_versioned_key(student) -> None:
    old, new = "pictures/1/v1-aaa/200.webp", "pictures/1/v2-bbb/200.webp"
    urls = view_urls(keys=[old, new], now=T0)
    assert urls[old].url != urls[new].url
    assert URL_CACHE_KEY.format(key=new) == "media:url:pictures/1/v2-bbb/200.webp"


def test_expired_link_to_a_deleted_picture_and_a_live_link_to_it(client, media_api: MediaApi, student) -> None:
    media_api.client.force_login(student)
    url = media_api.upload(corpus.png()).json()["picture"]["url"]
    assert client.get(url).status_code == 200
    media_api.delete_picture()
    assert client.get(url).status_code == 404  # still signed and fresh, but the file is gone
