"""Living under a service manager: the sd_notify protocol, a watchdog for a hung loop, a memory ceiling.

READY=1 and WATCHDOG=1 are sent only after frames are really presented, so systemd restarts
a process whose loop has hung. The in-process ``Watchdog`` does the same without systemd:
if no frame is presented for ``timeout`` seconds it logs and ends the process with exit
code 3 for the service to restart it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from leafdream.render.interval import Every

log = logging.getLogger(__name__)

EXIT_HUNG = 3
EXIT_MEMORY = 4


class ServiceNotifier:
    """Sends sd_notify messages to $NOTIFY_SOCKET when there is one (else does nothing)."""

    def __init__(self, every: float = 5.0):
        self.address = os.environ.get("NOTIFY_SOCKET")
        if self.address and self.address.startswith("@"):
            self.address = "\0" + self.address[1:]
        self.watchdog = Every(every, at_once=True)
        self.ready = False

    def _send(self, message: str) -> None:
        if not self.address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(self.address)
                sock.sendall(message.encode())
        except OSError as error:
            log.warning("sd_notify %r not sent: %s", message, error)

    def frame_presented(self, dt: float) -> None:
        if not self.ready:
            self._send("READY=1")
            self.ready = True
        if self.watchdog.due(dt):
            self._send("WATCHDOG=1")


RESUMED_AFTER = 3.0  # seconds a watchdog poll may come late before the process counts as stopped and resumed


class Watchdog:
    """Ends the process if ``presented()`` is not called for ``timeout`` seconds.

    ``on_hang`` is what happens then (default: log and ``os._exit(EXIT_HUNG)``); tests pass their own.
    """

    def __init__(self, timeout: float, on_hang=None, poll: float = 0.5, clock=time.monotonic):
        self.timeout = timeout
        self.on_hang = on_hang or self._exit
        self.clock = clock
        self.last = clock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, args=(poll,), name="watchdog", daemon=True)
        self.thread.start()

    def presented(self) -> None:
        self.last = self.clock()

    def _watch(self, poll: float) -> None:
        previous = self.clock()
        while not self.stopped.wait(poll):
            now = self.clock()
            if now - previous > max(RESUMED_AFTER, 10 * poll):
                # this thread itself did not run for a while: the process was stopped (SIGSTOP, a suspended
                # machine) and has just resumed; the loop is judged by the time since then, not the time it slept
                log.warning("resumed after %.0f s stopped; the watchdog counts from now", now - previous)
                self.last = now
            previous = now
            silent = now - self.last
            if silent > self.timeout:
                self.on_hang(silent)
                return

    def _exit(self, silent: float) -> None:
        log.critical("no frame presented for %.0f s: the loop hangs; exiting for the service to restart leafdream", silent)
        logging.shutdown()
        os._exit(EXIT_HUNG)

    def stop(self) -> None:
        self.stopped.set()
