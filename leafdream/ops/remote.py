"""Remote control over OSC: go, next, stop, jump to a cue, set a parameter.

A small OSC server (python-osc) listens on 127.0.0.1 unless configured otherwise and only
queues what it hears; the main loop applies the commands between frames, so the show's
state is only ever changed by the loop that owns it.

Addresses:  /leafdream/go   /leafdream/next   /leafdream/stop   /leafdream/cue N
            /leafdream/set NAME VALUE   (a parameter of the scene on screen)
            /leafdream/camera_dump SECONDS   (a debug dump of camera frames; only when leafdream
                                              was started with --camera-debug-dump DIR)
"""

from __future__ import annotations

import logging
import queue
import threading

log = logging.getLogger(__name__)

COMMANDS = ("go", "next", "stop", "cue", "set", "camera_dump")


class RemoteControl:
    def __init__(self, host: str = "127.0.0.1", port: int = 9000):
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import ThreadingOSCUDPServer

        self.commands: queue.Queue = queue.Queue(maxsize=1000)
        dispatcher = Dispatcher()
        for name in COMMANDS:
            dispatcher.map(f"/leafdream/{name}", self._heard, name)
        dispatcher.set_default_handler(self._unknown)
        self.server = ThreadingOSCUDPServer((host, port), dispatcher)
        self.address = self.server.server_address
        self.thread = threading.Thread(target=self.server.serve_forever, name="osc", daemon=True)
        self.thread.start()
        log.info("OSC remote control listening on %s:%d", *self.address)

    def _heard(self, address, names, *args):
        try:
            self.commands.put_nowait((names[0], list(args)))
        except queue.Full:
            log.warning("OSC: too many commands waiting; %s dropped", address)

    @staticmethod
    def _unknown(address, *args):
        log.warning("OSC: unknown address %s (known: %s)", address, ", ".join(f"/leafdream/{c}" for c in COMMANDS))

    def poll(self) -> list[tuple[str, list]]:
        """Every command heard since the last poll, in order."""
        heard = []
        while True:
            try:
                heard.append(self.commands.get_nowait())
            except queue.Empty:
                return heard

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
