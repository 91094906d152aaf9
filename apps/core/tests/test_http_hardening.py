"""HTTP hardening under the real production settings (a subprocess started with production
environment variables): HSTS, CSP without inline script or style, frame denial, referrer
policy, no CORS, cookie flags, HTTPS redirect, a closed /metrics, and a clean
`manage.py check --deploy`. Plus: no template carries inline script, style or handlers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from apps.accounts.tests.factories import DEFAULT_PASSWORD

ROOT = Path(__file__).resolve().parents[3]
HOST = "instainstru.example"
CSP = (
    "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
HARDENED = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Runs inside the production process: a browser-like visit through a TLS proxy.
VISIT = """
import json
import django
from django.conf import settings
from django.core.management import call_command

django.setup()
call_command("collectstatic", "--noinput", verbosity=0)  # production serves hashed files only
from django.test import Client

proxy = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_ORIGIN": "https://evil.example"}
client = Client(HTTP_HOST="%(host)s")

def seen(response):
    cookies = {
        name: {flag: str(morsel[flag]) for flag in ("secure", "httponly", "samesite")}
        for name, morsel in response.cookies.items()
    }
    return {"status": response.status_code, "headers": dict(response.headers), "cookies": cookies}

print(json.dumps({
    "page": seen(client.get("/accounts/login/", **proxy)),
    "api": seen(client.get("/api/v1/catalog/categories", **proxy)),
    "preflight": seen(client.options(
        "/api/v1/me/payment-methods", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", **proxy
    )),
    "plain_http": seen(client.get("/accounts/login/")),
    "metrics": seen(client.get("/metrics", **proxy))["status"],
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE],
}))
"""


def _production_env(tmp_path: Path) -> dict[str, str]:
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "INSTAINSTRU", "PYTEST", "SECRET"))}
    return {
        **keep,
        "INSTAINSTRU_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "instainstru.settings",
        "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"https://{HOST}",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "CACHE_KEY_PREFIX": f"hardening-{uuid.uuid4().hex[:8]}",
        "VAR_DIR": str(tmp_path),
    }


@pytest.fixture(scope="module")
def production(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    env = _production_env(tmp_path_factory.mktemp("production-var"))
    done = subprocess.run(
        [sys.executable, "-c", VISIT % {"host": HOST}], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("kind", ["page", "api"])
def test_every_hardening_header_on_pages_and_api_responses(production: dict[str, Any], kind: str) -> None:
    seen = production[kind]
    assert seen["status"] == 200
    assert {name: seen["headers"].get(name) for name in HARDENED} == HARDENED
    assert "'unsafe-inline'" not in seen["headers"]["Content-Security-Policy"]


def test_cors_stays_closed_even_to_a_preflight(production: dict[str, Any]) -> None:
    for kind in ("page", "api", "preflight"):
        assert not [name for name in production[kind]["headers"] if name.lower().startswith("access-control-")]
    assert production["preflight"]["status"] == 405


def test_cookies_are_secure_httponly_and_same_site(production: dict[str, Any], client, student, settings) -> None:
    assert production["page"]["cookies"]["csrftoken"] == {"secure": "True", "httponly": "", "samesite": "Lax"}
    # The session cookie, as the production settings make it, on a real login.
    secure, httponly, samesite = production["session_cookie"]
    assert (secure, httponly, samesite) == (True, True, "Lax")
    settings.SESSION_COOKIE_SECURE = secure
    response = client.post("/accounts/login/", {"login": student.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (session["secure"], session["httponly"], session["samesite"]) == (True, True, "Lax")


def test_plain_http_is_sent_to_https_and_metrics_are_hidden(production: dict[str, Any]) -> None:
    assert production["plain_http"]["status"] == 301
    assert production["plain_http"]["headers"]["Location"] == f"https://{HOST}/accounts/login/"
    assert production["metrics"] == 404  # no METRICS_TOKEN or METRICS_ALLOWED_NETWORKS set


@pytest.mark.django_db
def test_check_deploy_is_clean_under_production_settings(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout.strip(), done.stderr.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
        "",
    )


# --- templates: nothing inline for the CSP to refuse -----------------------------------------

TEMPLATES = sorted([*ROOT.glob("templates/**/*.html"), *ROOT.glob("apps/*/templates/**/*.html")])
INLINE = {
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "script without src": re.compile(r"<script\b(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "hx-on (needs eval)": re.compile(r"\bhx-on", re.IGNORECASE),
}


def test_no_template_carries_inline_script_or_style() -> None:
    assert len(TEMPLATES) > 50
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in TEMPLATES
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text())
    ]
    assert found == []


@pytest.mark.django_db
@pytest.mark.usefixtures("catalog", "gazetteer", "fresh_vocabulary")
def test_rendered_pages_have_nothing_inline_and_htmx_injects_no_style(client) -> None:
    """htmx adds a <style> for its indicators unless its config says not to; the CSP would
    refuse it. The config is a <meta> htmx 2 reads at start-up."""
    for url in ("/", "/search/?q=piano+in+park+slope", "/accounts/login/", "/accounts/signup/", "/kids/"):
        html = client.get(url).content.decode()
        assert [what for what, pattern in INLINE.items() if pattern.search(html)] == [], url
        config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
        assert config is not None, url
        assert json.loads(config.group(1))["includeIndicatorStyles"] is False
    htmx = json.loads((ROOT / "node_modules" / "htmx.org" / "package.json").read_text())
    assert htmx["version"].split(".")[0] == "2"  # the major version whose config keys these are
