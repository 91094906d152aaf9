"""Log records about a request carry the client's address (`%(client_ip)s` in the format)."""

from __future__ import annotations

import logging

from django.http import HttpRequest


class ClientIPFilter(logging.Filter):
    """The request is the record's (Django passes it to its request and security loggers) or
    the one being served; records outside any request show "-". The address is `client_ip`'s,
    so logs agree with the rate limits."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Imported late: logging is configured before the apps are loaded.
        from apps.core.limits import client_ip, current_request

        request = getattr(record, "request", None) or current_request()
        record.client_ip = client_ip(request) if isinstance(request, HttpRequest) else "-"
        return True
