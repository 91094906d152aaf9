"""A real HTTP server on 127.0.0.1 for calendar-import tests: each path is a scripted answer
(body, status, headers, delays), and every request it received is recorded, so a test can
assert that a refused address was never even connected to."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Send the body in pieces of `drip_bytes`, sleeping `drip_seconds` before each.
    drip_bytes: int = 0
    drip_seconds: float = 0.0
    # Answer 304 when the request carries this ETag in If-None-Match.
    etag: str = ""


class FeedServer:
    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                answer = server.answers.get(self.path, Answer(b"not found", 404))
                if answer.etag and self.headers.get("If-None-Match") == answer.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(answer.status)
                headers = {"Content-Length": str(len(answer.body)), **answer.headers}
                if answer.etag:
                    headers["ETag"] = answer.etag
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                step = answer.drip_bytes or len(answer.body) or 1
                for offset in range(0, len(answer.body), step):
                    time.sleep(answer.drip_seconds)
                    try:
                        self.wfile.write(answer.body[offset : offset + step])
                        self.wfile.flush()
                    except OSError:
                        return  # the client gave up, as it should

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, answer: Answer) -> str:
        self.answers[path] = answer
        return self.url(path)


@contextmanager
def feed_server_running() -> Iterator[FeedServer]:
    server = FeedServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
