"""The status page on the gallery network: a read-only HTTP server (the standard library's) in a thread.

``/`` is a page that asks ``/status.json`` every two seconds; ``/thumbnail.png`` is the art now. Listening
beyond this machine needs a token, given as ``?token=`` or the ``X-Leafdream-Token`` header. Only GET and HEAD
are answered; a request is never logged one line each (a scanner on the network must not flood the log).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from leafdream.errors import LeafdreamError

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None) -> None:
    """Listening beyond this machine without a token is refused: the page names the show, the log and the art."""
    if not is_loopback(host) and not token:
        raise LeafdreamError(f"--status-host {host} opens the status page to the network: give a --status-token "
                             f"(or $LEAFDREAM_STATUS_TOKEN) that visitors of the page must add as ?token=…")


class StatusServer:
    """Serves ``board`` (a ``StatusBoard``) on ``host``:``port`` until ``close``."""

    def __init__(self, host: str, port: int, board, token: str | None = None):
        check_exposure(host, token)
        page = resources.files("leafdream.ops").joinpath("status_page.html").read_bytes()
        handler = _handler(board, token, page)
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.address = self.server.server_address[:2]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.5},
                                       name="status-page", daemon=True)
        self.thread.start()
        log.info("status page on http://%s:%d/%s", host, self.address[1], " (token needed)" if token else "")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(board, token: str | None, page: bytes):
    class StatusRequest(BaseHTTPRequestHandler):
        server_version = "leafdream"
        sys_version = ""

        def _allowed(self, query: dict) -> bool:
            if not token:
                return True
            given = (query.get("token") or [self.headers.get("X-Leafdream-Token", "")])[0]
            return hmac.compare_digest(given.encode(), token.encode())

        def _send(self, code: int, kind: str, body: bytes, head: bool) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _answer(self, head: bool) -> None:
            parts = urlsplit(self.path)
            if not self._allowed(parse_qs(parts.query)):
                self._send(403, "text/plain; charset=utf-8", b"a token is needed: add ?token=... to the address\n",
                           head)
            elif parts.path in ("/", "/index.html"):
                self._send(200, "text/html; charset=utf-8", page, head)
            elif parts.path == "/status.json":
                body = json.dumps(board.snapshot() or {"summary": "starting"}, allow_nan=False).encode()
                self._send(200, "application/json", body, head)
            elif parts.path == "/thumbnail.png" and board.thumbnail:
                self._send(200, "image/png", board.thumbnail, head)
            else:
                self._send(404, "text/plain; charset=utf-8", b"not here: try / or /status.json\n", head)

        def do_GET(self):  # noqa: N802 (the name http.server calls)
            self._answer(head=False)

        def do_HEAD(self):  # noqa: N802
            self._answer(head=True)

        def log_message(self, *args) -> None:
            pass  # one line per request would let anyone on the network flood the log

    return StatusRequest
