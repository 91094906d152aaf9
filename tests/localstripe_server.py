"""Start localstripe (the Stripe API emulator from PyPI) for the test suite.

Run with .venv-localstripe's Python (it imports localstripe and aiohttp, which the app's venv
does not have): `python tests/localstripe_server.py PORT FIXTURES_DIR`. tests/localstripe.py
does that for each test session. Compared with localstripe's own command line, this:

* listens on 127.0.0.1 only (localstripe's CLI binds every interface);
* keeps its state in memory for this process only (localstripe pickles its whole store to a
  fixed path in /tmp after every write, which two sessions would share);
* replays a POST carrying an `Idempotency-Key` it has seen, with the first response, and
  refuses the key with different parameters, as Stripe does (localstripe ignores the header);
* records every mutating request (path, parameters, idempotency key, status), so a test can
  read what the provider was asked to do: `GET /_test/requests`;
* serves the parts of Stripe localstripe lacks (Connect accounts, account and login links,
  transfers and their reversals, USD payouts, Identity verification sessions) from recorded,
  normalized Stripe responses in FIXTURES_DIR, filled in with the request's values;
* lets a test act as the card holder's bank: `POST /_test/payment_methods/{id}` with
  `charge=decline|approve` and `capture=decline|approve`; as the instructor finishing Stripe's
  onboarding: `POST /_test/accounts/{id}` with `state=<fixture name>`; and as Stripe Identity:
  `POST /_test/identity/{id}` with `status=verified|requires_input`;
* filters the payment intents list by `created` (gt, gte, lt, lte), as Stripe does;
* `POST /_test/reset` forgets everything (store, idempotency keys, request log).
"""

from __future__ import annotations

import json
import random
import re
import string
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from localstripe import resources, server
from localstripe.errors import UserError

FIXTURES = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parent / "stripe_fixtures"

# State of this process, reset by POST /_test/reset.
idempotent: dict[str, tuple[str, Any, int, bytes]] = {}  # key → (path, params, status, body)
requests_log: list[dict[str, Any]] = []
connect: dict[str, dict[str, Any]] = {}  # id → object, for the fixture-served resources
bank: dict[str, dict[str, str]] = {}  # payment method id → {"charge": ..., "capture": ...}


def _id(prefix: str) -> str:
    return prefix + "".join(random.choices(string.ascii_letters + string.digits, k=14))


def _fixture(name: str, **values: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    body.update(values)
    return body


# --- the card holder's bank --------------------------------------------------------------

_charging_is_declined = resources.PaymentMethod._charging_is_declined
_capture = resources.Charge._capture


def _charging_declined(self: Any) -> bool:
    told = bank.get(self.id, {}).get("charge")
    return (told == "decline") if told else bool(_charging_is_declined(self))


def _capture_or_decline(self: Any, amount: Any, on_success: Any = None) -> None:
    intent = resources.store.get(f"payment_intent:{self.payment_intent}")
    if intent is not None and intent._canceled:  # as Stripe: a cancelled hold cannot be captured
        raise UserError(
            400, "This PaymentIntent could not be captured because it has a status of canceled.",
            {"code": "payment_intent_unexpected_state"},
        )  # fmt: skip
    if bank.get(self.payment_method, {}).get("capture") == "decline":
        raise UserError(402, "Your card was declined.", {"code": "card_declined", "decline_code": "generic_decline"})
    _capture(self, amount, on_success)


resources.PaymentMethod._charging_is_declined = _charging_declined
resources.Charge._capture = _capture_or_decline
resources.store.dump_to_disk = lambda: None  # memory only, for this process


# --- listing payment intents by creation time (Stripe's `created` filter) ---------------

_intents_list_all = resources.PaymentIntent._api_list_all
CREATED_BOUNDS = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}


def _intents_created_within(cls: Any, url: str, /, created: dict[str, str] | None = None, **params: Any) -> Any:
    listed = _intents_list_all.__func__(cls, url, **params)
    bounds = {CREATED_BOUNDS[op]: int(value) for op, value in (created or {}).items()}
    listed._list = [intent for intent in listed._list if all(holds(intent.created, v) for holds, v in bounds.items())]
    return listed


resources.PaymentIntent._api_list_all = classmethod(_intents_created_within)


# --- resources localstripe lacks, from recorded responses -------------------------------


def _account_create(params: dict[str, Any], _: re.Match[str]) -> dict[str, Any]:
    account = _fixture("account_new", id=_id("acct_"), email=params.get("email"), created=int(time.time()))
    account["metadata"] = params.get("metadata", {})
    connect[account["id"]] = account
    return account


def _stored(prefix: str) -> Any:
    def get(_: dict[str, Any], match: re.Match[str]) -> dict[str, Any]:
        found = connect.get(match["id"])
        if found is None or not match["id"].startswith(prefix):
            raise UserError(404, f"No such object: '{match['id']}'", {"code": "resource_missing"})
        return found

    return get


def _account_link(params: dict[str, Any], _: re.Match[str]) -> dict[str, Any]:
    _stored("acct_")({}, re.match(r"(?P<id>.+)", params.get("account", "")))
    return _fixture(
        "account_link", url=f"https://connect.stripe.test/setup/e/{params['account']}/{_id('')}",
        created=int(time.time()), expires_at=int(time.time()) + 300,
    )  # fmt: skip


def _login_link(_: dict[str, Any], match: re.Match[str]) -> dict[str, Any]:
    _stored("acct_")({}, match)
    return _fixture("login_link", url=f"https://connect.stripe.test/express/{match['id']}/{_id('')}")


def _transfer(params: dict[str, Any], _: re.Match[str]) -> dict[str, Any]:
    destination = connect.get(params.get("destination", ""))
    if destination is None:
        raise UserError(400, "No such destination", {"code": "resource_missing", "param": "destination"})
    if not destination.get("payouts_enabled"):
        raise UserError(
            400, "Your destination account needs to have at least one of the following capabilities enabled: "
            "transfers, crypto_transfers, legacy_payments", {"code": "insufficient_capabilities_for_transfer"},
        )  # fmt: skip
    transfer = _fixture(
        "transfer", id=_id("tr_"), amount=int(params["amount"]), destination=params["destination"],
        transfer_group=params.get("transfer_group"), metadata=params.get("metadata", {}), created=int(time.time()),
    )  # fmt: skip
    connect[transfer["id"]] = transfer
    return transfer


def _reversal(params: dict[str, Any], match: re.Match[str]) -> dict[str, Any]:
    transfer = _stored("tr_")({}, match)
    amount = int(params.get("amount", transfer["amount"] - transfer["amount_reversed"]))
    if amount > transfer["amount"] - transfer["amount_reversed"]:
        raise UserError(400, "Amount exceeds the transfer's remaining amount", {"code": "amount_too_large"})
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    return _fixture(
        "transfer_reversal", id=_id("trr_"), amount=amount, transfer=transfer["id"], created=int(time.time())
    )


def _payout(params: dict[str, Any], _: re.Match[str], account: str) -> dict[str, Any]:
    if connect.get(account, {}).get("payouts_enabled") is not True:
        raise UserError(400, "Payouts are not enabled for this account", {"code": "payouts_not_allowed"})
    return _fixture(
        "payout_instant", id=_id("po_"), amount=int(params["amount"]), metadata=params.get("metadata", {}),
        created=int(time.time()), method=params.get("method", "standard"),
    )  # fmt: skip


def _verification(params: dict[str, Any], _: re.Match[str]) -> dict[str, Any]:
    session_id = _id("vs_")
    session = _fixture(
        "identity_session_new", id=session_id, metadata=params.get("metadata", {}), created=int(time.time()),
        url=f"https://verify.stripe.test/start/{session_id}", client_secret=f"{session_id}_secret_{_id('')}",
    )  # fmt: skip
    connect[session_id] = session
    return session


ROUTES: list[tuple[str, re.Pattern[str], Any]] = [
    ("POST", re.compile(r"^/v1/accounts$"), _account_create),
    ("GET", re.compile(r"^/v1/accounts/(?P<id>acct_\w+)$"), _stored("acct_")),
    ("POST", re.compile(r"^/v1/account_links$"), _account_link),
    ("POST", re.compile(r"^/v1/accounts/(?P<id>acct_\w+)/login_links$"), _login_link),
    ("POST", re.compile(r"^/v1/transfers$"), _transfer),
    ("GET", re.compile(r"^/v1/transfers/(?P<id>tr_\w+)$"), _stored("tr_")),
    ("POST", re.compile(r"^/v1/transfers/(?P<id>tr_\w+)/reversals$"), _reversal),
    ("POST", re.compile(r"^/v1/identity/verification_sessions$"), _verification),
    ("GET", re.compile(r"^/v1/identity/verification_sessions/(?P<id>vs_\w+)$"), _stored("vs_")),
]


# --- test controls ----------------------------------------------------------------------


def _control(path: str, params: dict[str, Any]) -> dict[str, Any] | list[Any] | None:
    if path == "/_test/reset":
        resources.store.clear()
        for state in (idempotent, connect, bank):
            state.clear()
        requests_log.clear()
        return {}
    if path == "/_test/requests":
        return requests_log
    if found := re.match(r"^/_test/payment_methods/(?P<id>\w+)$", path):
        bank.setdefault(found["id"], {}).update({k: v for k, v in params.items() if k in {"charge", "capture"}})
        return bank[found["id"]]
    if found := re.match(r"^/_test/accounts/(?P<id>acct_\w+)$", path):
        account = connect[found["id"]]
        account.update(
            _fixture(
                f"account_{params['state']}", id=account["id"], email=account["email"], metadata=account["metadata"]
            )
        )
        return account
    if found := re.match(r"^/_test/identity/(?P<id>vs_\w+)$", path):
        session = connect[found["id"]]
        session.update(_fixture(f"identity_session_{params['status']}", id=session["id"], metadata=session["metadata"]))
        return session
    return None


async def _params(request: web.Request) -> dict[str, Any]:
    if request.method == "POST":
        return dict(await server.get_post_data(request, remove_auth=False) or {})
    return dict(server.unflatten_data(request.query) or {})


@web.middleware
async def stripe_extras(request: web.Request, handler: Any) -> web.StreamResponse:
    params = await _params(request)
    if request.path.startswith("/_test/"):
        answer = _control(request.path, params)
        return web.json_response(answer) if answer is not None else web.json_response({}, status=404)
    key = request.headers.get("Idempotency-Key", "")
    if request.method == "POST" and key in idempotent:
        path, first_params, status, body = idempotent[key]
        if (path, first_params) != (request.path, params):
            return web.json_response(
                {"error": {"type": "idempotency_error", "message": "Keys for idempotent requests can only be used "
                           "with the same parameters they were first used with."}}, status=400,
            )  # fmt: skip
        return web.Response(
            body=body, status=status, content_type="application/json", headers={"Idempotent-Replayed": "true"}
        )
    response = await _serve(request, handler, params)
    if request.method in {"POST", "DELETE"}:
        body = response.body if isinstance(response, web.Response) and isinstance(response.body, bytes) else b""
        requests_log.append({
            "method": request.method, "path": request.path, "params": params, "idempotency_key": key,
            "status": response.status, "account": request.headers.get("Stripe-Account", ""),
        })  # fmt: skip
        if key and response.status < 500:
            idempotent[key] = (request.path, params, response.status, body)
    return response


async def _serve(request: web.Request, handler: Any, params: dict[str, Any]) -> web.StreamResponse:
    try:
        if request.method == "POST" and request.path == "/v1/payouts":
            return web.json_response(_payout(params, re.match("", ""), request.headers.get("Stripe-Account", "")))  # type: ignore[arg-type]
        for method, pattern, serve in ROUTES:
            if request.method == method and (found := pattern.match(request.path)):
                return web.json_response(serve(params, found))
        response: web.StreamResponse = await handler(request)
        return response
    except UserError as error:
        return error.to_response()


def main() -> None:
    port = int(sys.argv[1])
    server.app.middlewares.insert(0, stripe_extras)
    web.run_app(server.app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
