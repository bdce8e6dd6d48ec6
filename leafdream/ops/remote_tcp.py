"""OSC over TCP with SLIP framing (OSC 1.1), for lighting and sound consoles that send no UDP.

The same commands, allow-list, per-sender rate limit, quiet log and JSON replies as the UDP
remote control (``ops/remote.py``), which owns this listener: each packet is one SLIP frame
(END-delimited, ESC-escaped; python-osc's ``slip``), and a command's reply goes back over the
connection it came on, SLIP-framed too. A connection is refused when its sender is not
allowed or ``MOST_CONNECTIONS`` are open; a frame longer than ``LONGEST_FRAME`` bytes ends
the connection (python-osc's own TCP server buffers without bound until an END arrives).
"""

from __future__ import annotations

import socketserver
import threading
from typing import Callable, NamedTuple

from pythonosc import slip

MOST_CONNECTIONS = 16
LONGEST_FRAME = 65536


class Sender(NamedTuple):
    """Who sent a command over TCP, and how to answer them: ``send`` writes one OSC packet back (SLIP-framed)."""

    host: str
    port: int
    send: Callable[[bytes], None]


class _Connection(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        remote = self.server.remote
        sender = Sender(self.client_address[0], self.client_address[1],
                        lambda packet: self.request.sendall(slip.encode(packet)))
        pending = b""
        while True:
            try:
                chunk = self.request.recv(4096)
            except OSError:
                return
            if not chunk:
                return
            *frames, pending = (pending + chunk).split(slip.END)  # the last piece waits for its END
            for frame in frames:
                if frame:  # SLIP may put END before a packet as well as after it
                    remote.heard_packet(frame, sender)
            if len(pending) > LONGEST_FRAME:
                remote.unreadable(self.client_address)
                return


class SlipServer(socketserver.ThreadingTCPServer):
    """A thread per connection (not per packet), at most ``MOST_CONNECTIONS`` at once."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, remote):
        self.remote = remote
        self._lock = threading.Lock()
        self._open: set = set()
        super().__init__(address, _Connection)

    def verify_request(self, request, client_address) -> bool:
        if not self.remote.sender_heard(client_address[0]):
            return False
        with self._lock:
            if len(self._open) >= MOST_CONNECTIONS:
                self.remote.quiet.warning("connections", "OSC: %d TCP connections are open; one from %s refused",
                                          MOST_CONNECTIONS, client_address[0])
                return False
            self._open.add(request)
        return True

    def shutdown_request(self, request) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:  # never a traceback
        self.remote.unreadable(client_address)
