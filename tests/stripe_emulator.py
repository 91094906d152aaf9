"""localstripe for the payment tests: one emulator per test session (per xdist worker), bound
to 127.0.0.1 on a free port, started from its own venv (.venv-localstripe, made by
`make install-dev`) and stopped at the end. Each test that uses it starts from an empty
emulator. See tests/localstripe_server.py for what it adds to localstripe."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv-localstripe" / "bin" / "python"
SECRET_KEY = "sk_test_localstripe"
PUBLISHABLE_KEY = "pk_test_localstripe"
WEBHOOK_SECRET = "whsec_test_localstripe"


@dataclass(frozen=True)
class LocalStripe:
    url: str

    def call(self, path: str, **params: str) -> Any:
        """A test control (`/_test/...`) or a raw API call, as the card holder's bank or
        Stripe.js would make it."""
        request = urllib.request.Request(  # noqa: S310 (our own 127.0.0.1 server)
            self.url + path, data=urlencode(params).encode(), method="POST",
            headers={"Authorization": f"Bearer {SECRET_KEY}"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own 127.0.0.1 server)
            return json.loads(response.read() or b"null")

    def card_form(self, client_secret: str, number: str) -> str:
        """What Stripe's Payment Element does in the browser with a SetupIntent's client
        secret: create the card, confirm the SetupIntent, and pass the bank's challenge when
        there is one. Returns the SetupIntent id the page then posts to us."""
        card = {"card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "123"}
        method = self.call("/v1/payment_methods", type="card", **card)
        setup_id = client_secret.split("_secret_")[0]
        confirm = f"/v1/setup_intents/{setup_id}/confirm"
        if self.call(confirm, client_secret=client_secret, payment_method=method["id"])["status"] == "requires_action":
            self.call(confirm, client_secret=client_secret)  # the holder approved the challenge
        return setup_id

    def requests(self) -> list[dict[str, Any]]:
        """Every mutating request the emulator received since the last reset, in order."""
        log: list[dict[str, Any]] = self.call("/_test/requests")
        return log


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with {process.returncode}")
        try:
            urllib.request.urlopen(url + "/_test/requests", data=b"", timeout=1).close()  # noqa: S310
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise RuntimeError("localstripe did not answer within 30 s")


@pytest.fixture(scope="session")
def localstripe_server() -> Iterator[LocalStripe]:
    if not PYTHON.exists():
        raise RuntimeError("localstripe is not installed: run `make install-dev` (it creates .venv-localstripe).")
    port = _free_port()
    process = subprocess.Popen(
        [str(PYTHON), str(ROOT / "tests" / "localstripe_server.py"), str(port), str(ROOT / "tests" / "stripe_fixtures")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield LocalStripe(url)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def localstripe(localstripe_server: LocalStripe, settings: Any) -> LocalStripe:
    """An empty emulator, and the app configured to use it (what PAYMENT_GATEWAY=stripe and
    the keys do in production)."""
    localstripe_server.call("/_test/reset")
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_server.url
    return localstripe_server
