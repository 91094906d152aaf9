"""The request id: taken from the proxy's `X-Request-ID` when it is a sane token (so one id
follows a request through the proxy's logs and ours), else made here. It is returned in the
`X-Request-ID` response header, printed in every log line, stored on audit entries and shown
on the 500 page, so a user's report can be matched to the logs."""

from __future__ import annotations

import re
import uuid

from django.http import HttpRequest

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")  # anything else could forge log lines or bloat them
_ATTRIBUTE = "_request_id"


def request_id_assign(request: HttpRequest) -> str:
    offered = request.headers.get(HEADER, "")
    value = offered if _SANE.match(offered) else uuid.uuid4().hex
    setattr(request, _ATTRIBUTE, value)
    return value


def request_id_of(request: HttpRequest) -> str:
    return str(getattr(request, _ATTRIBUTE, ""))
