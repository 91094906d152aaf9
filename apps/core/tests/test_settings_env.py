from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from instainstru.env import email_settings, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[3]


def test_env_bool_reads_the_usual_spellings_and_rejects_others(monkeypatch) -> None:
    for raw, expected in [("1", True), ("true", True), ("YES", True), ("0", False), ("off", False), ("", False)]:
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG", default=not expected) is expected
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", default=True) is True
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be a boolean"):
        env_bool("FLAG", default=False)


def test_env_int_and_list(monkeypatch) -> None:
    monkeypatch.setenv("N", "42")
    assert env_int("N", 1) == 42
    monkeypatch.setenv("N", "forty")
    with pytest.raises(ImproperlyConfigured, match="N must be an integer"):
        env_int("N", 1)
    monkeypatch.setenv("HOSTS", " a.example , b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_email_url_forms() -> None:
    assert email_settings("console:")["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    smtp = email_settings("smtp+tls://me%40x.com:p%40ss@smtp.example.com")
    assert smtp == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "me@x.com",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }
    assert email_settings("smtps://mail.example.com")["EMAIL_PORT"] == 465
    with pytest.raises(ImproperlyConfigured):
        email_settings("ftp://mail.example.com")


def _start_production(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    clean.update({"INSTAINSTRU_ENV": "production", "ALLOWED_HOSTS": "example.com", **env})
    code = "import django; django.setup(); from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "instainstru.settings"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_the_default_secret_key() -> None:
    result = _start_production()
    assert result.returncode != 0
    assert "Production refuses to start" in result.stderr


def test_production_refuses_debug() -> None:
    result = _start_production(SECRET_KEY="x" * 50, DEBUG="1")
    assert result.returncode != 0
    assert "Production refuses to start" in result.stderr


def test_production_starts_with_a_real_secret_and_hashes_with_argon2() -> None:
    result = _start_production(SECRET_KEY="s3cr3t-" * 8)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"
