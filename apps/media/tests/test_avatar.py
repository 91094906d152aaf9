"""The avatar include, the template tag and the batch selector other pages use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from apps.accounts.tests.factories import InstructorUserFactory
from apps.media.selectors import picture_urls
from apps.media.tests import corpus
from apps.media.tests.conftest import MediaApi

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _render(source: str, **context: object) -> str:
    return Template("{% load media_tags %}" + source).render(Context(context)).strip()


def test_initials_when_there_is_no_picture(student) -> None:
    html = _render('{% include "media/_avatar.html" with person=user size=32 %}', user=student)
    assert html == (
        f'<span class="avatar avatar-small" aria-hidden="true" data-hue="{student.pk}" '
        f'data-avatar-user="{student.pk}" data-avatar-size="32">SS</span>'
    )


def test_initials_can_be_labelled(student) -> None:
    html = _render('{% avatar person size=64 alt="Sam S." %}', person=student)
    assert html == (
        f'<span class="avatar avatar-64" role="img" aria-label="Sam S." data-hue="{student.pk}" '
        f'data-avatar-user="{student.pk}" data-avatar-size="64">SS</span>'
    )


def test_picture_when_there_is_one(media_api: MediaApi, student) -> None:
    media_api.client.force_login(student)
    with time_machine.travel(T0, tick=False):
        uploaded = media_api.upload(corpus.png())
        assert uploaded.status_code == 200, uploaded.content
        assert uploaded.json()["status"] == "done", uploaded.content
        url = picture_urls(user_ids=[student.pk], now=T0)[student.pk]
        small = _render('{% include "media/_avatar.html" with person=user size=32 eager=True %}', user=student)
        large = _render('{% avatar person size=120 alt="Sam" %}', person=student)
    assert small == (
        f'<img class="avatar avatar-small" src="{url}" width="32" height="32" alt="" decoding="async" '
        f'data-avatar-user="{student.pk}" data-avatar-size="32">'
    )
    assert url.startswith("/media/file/")
    # Bigger than 100 px shows the 400 px square, lazily.
    assert 'src="/media/file/' in large
    assert f'src="{url}"' not in large
    assert 'width="120" height="120" alt="Sam" loading="lazy"' in large


def test_batch_selector_resolves_a_whole_list_in_one_query(media_api: MediaApi, student) -> None:
    people = InstructorUserFactory.create_batch(3)
    for person in people[:2]:
        media_api.client.force_login(person)
        media_api.upload(corpus.png())
    ids = [person.pk for person in people] + [student.pk]
    with CaptureQueriesContext(connection) as queries:
        urls = picture_urls(user_ids=ids, now=T0)
    assert len(queries) == 1
    assert sorted(urls) == sorted(person.pk for person in people[:2])
    with CaptureQueriesContext(connection) as rendering:
        html = _render("{% for p in people %}{% avatar p size=48 urls=urls %}{% endfor %}", people=people, urls=urls)
    assert len(rendering) == 0  # a list page pays nothing per person
    assert html.count("<img ") == 2
    assert html.count("<span ") == 1
    assert picture_urls(user_ids=[], now=T0) == {}


def test_header_shows_the_picture_and_falls_back_to_initials(client, media_api: MediaApi, student) -> None:
    client.force_login(student)
    header_initials = f'<span class="avatar avatar-small" aria-hidden="true" data-hue="{student.pk}"'
    assert header_initials in client.get("/").content.decode()
    media_api.client.force_login(student)
    media_api.upload(corpus.png())
    home = client.get("/").content.decode()
    assert header_initials not in home
    assert '<img class="avatar avatar-small" src="/media/file/' in home
    media_api.delete_picture()
    assert header_initials in client.get("/").content.decode()
