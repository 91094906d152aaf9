from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from django.test import Client

from apps.media.models import BackgroundCheckDocument, DocumentEvent, ProfilePicture, RetiredFile, Upload

API = "/api/v1/media"


@pytest.fixture(autouse=True)
def private_root(tmp_path: Path, settings: Any) -> Path:
    """Every media test stores into its own empty directory, never into var/private."""
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = root
    settings.STORAGE_BACKEND = "local"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": None},
        },
    }
    return root


def stored_files(root: Path) -> list[str]:
    """Every file under the storage root (directories left behind hold nothing)."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def media_rows() -> dict[str, int]:
    return {
        "uploads": Upload.objects.count(),
        "pictures": ProfilePicture.objects.count(),
        "documents": BackgroundCheckDocument.objects.count(),
        "events": DocumentEvent.objects.count(),
        "retired": RetiredFile.objects.count(),
    }


NO_ROWS = {"uploads": 0, "pictures": 0, "documents": 0, "events": 0, "retired": 0}


@dataclass
class MediaApi:
    """Drives the API as a client would: start, PUT the bytes, finalize. on_commit callbacks
    (the processing task) run as they would after a real commit."""

    client: Client
    capture: Callable[..., AbstractContextManager[Any]]

    def start(self, kind: str = "picture", **extra: Any) -> Any:
        return self.client.post(f"{API}/uploads", {"kind": kind, **extra}, content_type="application/json")

    def put(self, upload_url: str, data: bytes) -> Any:
        return self.client.put(upload_url, data, content_type="application/octet-stream")

    def finalize(self, upload_id: str, **payload: Any) -> Any:
        with self.capture(execute=True):
            return self.client.post(f"{API}/uploads/{upload_id}/finalize", payload, content_type="application/json")

    def state(self, upload_id: str) -> Any:
        return self.client.get(f"{API}/uploads/{upload_id}")

    def upload(self, data: bytes, kind: str = "picture", declared: str | None = None, **payload: Any) -> Any:
        """The whole flow as a client runs it: start, PUT, finalize, then follow the upload
        (the processing task ran when finalize's transaction committed). Returns the last
        response: finalize's when it refused the file, else the upload's state."""
        started = self.start(kind, **({"content_type": declared} if declared else {}))
        assert started.status_code == 201, started.content
        body = started.json()
        put = self.put(body["upload_url"], data)
        assert put.status_code == 204, put.content
        finalized = self.finalize(body["id"], **payload)
        if finalized.status_code != 200 or finalized.json()["status"] != "processing":
            return finalized
        return self.state(body["id"])

    def delete_picture(self) -> Any:
        with self.capture(execute=True):
            return self.client.delete(f"{API}/me/picture")


@pytest.fixture
def media_api(client: Client, django_capture_on_commit_callbacks: Any) -> MediaApi:
    return MediaApi(client=client, capture=django_capture_on_commit_callbacks)


# --- S3: moto's server, started once per test session (per xdist worker) --------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("moto_server did not start listening within 60 s")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass(frozen=True)
class Bucket:
    name: str
    client: Any

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))


S3_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@pytest.fixture
def s3_bucket(moto_endpoint: str, settings: Any) -> Bucket:
    """A fresh bucket on moto, wired as the default storage the way settings.py wires S3."""
    name = f"media-{uuid.uuid4().hex[:16]}"
    client = boto3.client("s3", endpoint_url=moto_endpoint, **S3_CREDENTIALS)
    client.create_bucket(Bucket=name)
    settings.STORAGE_BACKEND = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": moto_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        },
    }
    return Bucket(name=name, client=client)
