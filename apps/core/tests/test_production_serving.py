"""The documented production command serves the site as production needs it: gunicorn with
ops/gunicorn.conf.py under production settings, after `collectstatic`; static files under
content-hashed names, compressed, cacheable for a year; database connections kept open
between requests and health-checked (issue 20)."""

from __future__ import annotations

import gzip
import http.client
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.core.tests.test_http_hardening import HOST, ROOT, _production_env
from scripts.with_services import free_port, wait_for_port

IMMUTABLE = "max-age=315360000, public, immutable"  # WhiteNoise's answer for a hashed name


@pytest.fixture(scope="module")
def production_site(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    var = tmp_path_factory.mktemp("production-serving")
    env = _production_env(var)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    with (var / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "ops/gunicorn.conf.py", "instainstru.wsgi",
             "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(port, "gunicorn", timeout=120)  # a loaded machine boots slowly
        yield port
    finally:
        server.terminate()
        server.wait(timeout=40)


def _get(port: int, path: str, **headers: str) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    # Behind the TLS proxy: the proxy says the visit was https, as production expects.
    connection.request("GET", path, headers={"Host": HOST, "X-Forwarded-Proto": "https", **headers})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_pages_link_hashed_static_files_served_compressed_for_a_year(production_site: int) -> None:
    page, html = _get(production_site, "/accounts/login/")
    assert page.status == 200
    stylesheets = re.findall(r'href="(/static/css/[^"]+\.css)"', html.decode())
    assert stylesheets
    assert all(re.search(r"\.[0-9a-f]{12}\.css$", href) for href in stylesheets), stylesheets
    css, compressed = _get(production_site, stylesheets[0], **{"Accept-Encoding": "gzip"})
    assert (css.status, css.getheader("Content-Encoding"), css.getheader("Cache-Control")) == (200, "gzip", IMMUTABLE)
    plain, body = _get(production_site, stylesheets[0])
    assert (plain.status, plain.getheader("Content-Encoding")) == (200, None)
    assert gzip.decompress(compressed) == body


def test_production_keeps_database_connections_open_and_checks_them(tmp_path: Path) -> None:
    shown = subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup(); from django.conf import settings; d = settings.DATABASES['default']; "
         "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], settings.STORAGES['staticfiles']['BACKEND'])"],
        cwd=ROOT, env=_production_env(tmp_path), capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert shown == ["60", "True", "whitenoise.storage.CompressedManifestStaticFilesStorage"]


def test_the_worker_count_follows_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    config = (ROOT / "ops" / "gunicorn.conf.py").read_text()
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 4)
    values: dict[str, object] = {}
    exec(compile(config, "gunicorn.conf.py", "exec"), values)  # noqa: S102 - our own config file
    assert (values["workers"], values["worker_class"], values["preload_app"]) == (9, "sync", True)
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    exec(compile(config, "gunicorn.conf.py", "exec"), values)  # noqa: S102
    assert values["workers"] == 3
