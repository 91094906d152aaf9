"""Log records about a request carry the client's address, the request id, the signed-in
user's id and the route (`%(client_ip)s`, `%(request_id)s`, `%(user_id)s`, `%(route)s` in the
plain format; fields of their own in the JSON lines production writes)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest

# The standard LogRecord attributes: anything else on a record was passed as `extra=` and is
# worth keeping as a field of its own.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request"}
_CONTEXT = ("client_ip", "request_id", "user_id", "route")


def _user_id(request: HttpRequest) -> str:
    # Only a user the request already loaded: looking one up here would query the database
    # from inside logging (and again for every line, and during a database outage).
    user = request.__dict__.get("_cached_user")
    return str(user.pk) if user is not None and user.pk is not None else "-"


class ClientIPFilter(logging.Filter):
    """The request is the record's (Django passes it to its request and security loggers) or
    the one being served; records outside any request show "-". The address is `client_ip`'s,
    so logs agree with the rate limits."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Imported late: logging is configured before the apps are loaded.
        from apps.core.limits import client_ip, current_request
        from apps.core.request_id import request_id_of

        request = getattr(record, "request", None) or current_request()
        if isinstance(request, HttpRequest):
            match = getattr(request, "resolver_match", None)
            record.client_ip = client_ip(request)
            record.request_id = request_id_of(request) or "-"
            record.user_id = _user_id(request)
            record.route = (match.route or match.view_name) if match else "-"
        else:
            record.client_ip = record.request_id = record.user_id = record.route = "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers (production's default, LOG_FORMAT=json)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT:
            line[name] = getattr(record, name, "-")
        line.update({key: value for key, value in vars(record).items() if key not in _STANDARD | set(line)})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
