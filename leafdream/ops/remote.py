"""Remote control over OSC: go, next, stop, jump to a cue, set a parameter.

A small OSC server (python-osc) listens on 127.0.0.1 unless configured otherwise and only
queues what it hears; the main loop applies the commands between frames, so the show's
state is only ever changed by the loop that owns it.

Addresses:  /leafdream/go   /leafdream/next   /leafdream/stop   /leafdream/cue N   /leafdream/cue/N/start
            /leafdream/set NAME VALUE   (a parameter of the scene on screen)
            /leafdream/panic [SECONDS]  (fade to dark; go brings the show back)   /leafdream/status
            /leafdream/camera_dump SECONDS   (a debug dump of camera frames; only when leafdream
                                              was started with --camera-debug-dump DIR)

Safe by default, because nothing on a network should be able to stop the piece:

* only **allowed senders** are heard: loopback alone unless ``allow`` names more addresses
  (``--osc-allow``); a packet from anyone else is dropped, and said so in the log;
* each sender may send at most ``RATE`` commands a second (a burst of ``BURST``); beyond it
  commands are dropped, never queued;
* one thread reads the socket (a thread per packet, python-osc's threading server, let a flood
  stall the show), at most ``READ_RATE`` packets a second from everyone (``ReadPace``: beyond it
  the system drops them unread), the loop takes at most ``PER_FRAME`` commands a frame, and a
  packet that cannot be read (a malformed or 40 KB nested bundle) is one log line, never a traceback;
* log lines about the remote control are rate-limited (``leafdream/show/quiet_log.py``): the first of a
  kind, then one line an interval with how many more there were.

With ``tcp_port`` the same commands are heard over TCP, one SLIP-framed packet each (OSC 1.1, for
consoles that need it; ``ops/remote_tcp.py``), and answered on the same connection.

Every command heard is answered, as QLab answers: ``/reply/leafdream/NAME`` with one JSON string,
``{"address": …, "status": "ok" | "error", "data": …}``, sent back to the port it came from.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import queue
import threading
import time
from typing import Callable

from leafdream.show.quiet_log import QuietLog

log = logging.getLogger(__name__)

COMMANDS = ("go", "next", "stop", "cue", "set", "panic", "status", "camera_dump")
CUE_START = re.compile(r"^/leafdream/cue/([^/]+)/start$")
RATE = 50.0          # commands a second per sender
BURST = 100.0        # commands a sender may send at once
PER_FRAME = 20       # commands the loop applies in one frame at most
READ_RATE = 1000.0   # packets a second the listener reads at most, from everyone: a flood beyond it is
                     # dropped by the system's socket buffer and costs the show nothing
LOOPBACK = ("127.0.0.1", "::1")


def allowed_senders(addresses) -> frozenset[str]:
    """The senders to hear: loopback and ``addresses`` (IP addresses as text); ValueError names a bad one."""
    allowed = set(LOOPBACK)
    for text in addresses or ():
        try:
            allowed.add(str(ipaddress.ip_address(text.strip())))
        except ValueError:
            raise ValueError(f"{text!r} is not an IP address (for example 192.168.1.20)") from None
    return frozenset(allowed)


class SenderLimit:
    """A token bucket per sender: ``rate`` commands a second, bursts of ``burst``."""

    def __init__(self, rate: float = RATE, burst: float = BURST, clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def allows(self, sender: str) -> bool:
        now = self.clock()
        tokens, then = self._buckets.get(sender, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens < 1.0:
            self._buckets[sender] = (tokens, now)
            return False
        self._buckets[sender] = (tokens - 1.0, now)
        if len(self._buckets) > 10_000:  # spoofed senders must not grow this without end
            self._buckets.clear()
        return True


class ReadPace:
    """The listener's own pace: at most ``rate`` packets a second (bursts of ``burst``), whoever sends them.

    Under a flood the reading thread would otherwise never wait for the socket, and it shares the
    interpreter with the frame loop; paced, it sleeps, and the system drops what it cannot read. Measured
    at 1080p with the quiet log, 10 000 invalid packets a second: p99 frame work 16.8 ms before, 15.8 ms
    after (16.3 ms with no flood).
    """

    def __init__(self, rate: float = READ_RATE, burst: float = 100.0, clock=time.monotonic, sleep=time.sleep):
        self.rate, self.burst, self.clock, self.sleep = rate, burst, clock, sleep
        self.tokens, self.then = burst, clock()
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Return when one more packet may be read (at once, unless the pace is used up)."""
        with self._lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.then) * self.rate)
            self.then = now
            short = 1.0 - self.tokens
            self.tokens -= 1.0  # taken now, paid for by the wait below
        if short > 0:
            self.sleep(short / self.rate)


class RemoteControl:
    """OSC on UDP ``port``, and with ``tcp_port`` on TCP with SLIP framing as well (``ops/remote_tcp.py``)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9000, allow=(), clock=time.monotonic,
                 tcp_port: int | None = None):
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import BlockingOSCUDPServer

        self.allowed = allowed_senders(allow)
        self.limit = SenderLimit(clock=clock)
        self.quiet = QuietLog(log, clock=clock)
        self.pace = ReadPace(clock=clock)
        self.commands: queue.Queue = queue.Queue(maxsize=1000)
        self.reply_to: dict[str, Callable[[bytes], None]] = {}  # sender -> how to answer its last command
        self.dispatcher = dispatcher = Dispatcher()
        for name in COMMANDS:
            dispatcher.map(f"/leafdream/{name}", self._heard, name, needs_reply_address=True)
        dispatcher.set_default_handler(self._unknown, needs_reply_address=True)
        sender_allowed, unreadable, pace = self._sender_allowed, self.unreadable, self.pace

        class Server(BlockingOSCUDPServer):
            def verify_request(self, request, client_address):  # before the packet is parsed
                pace.wait()
                return super().verify_request(request, client_address) and sender_allowed(client_address)

            def handle_error(self, request, client_address):  # never a traceback per packet
                unreadable(client_address)

        self.server = Server((host, port), dispatcher)
        self.address = self.server.server_address
        self.thread = threading.Thread(target=self.server.serve_forever, name="osc", daemon=True)
        self.thread.start()
        self.tcp = None
        if tcp_port is not None:
            from leafdream.ops.remote_tcp import SlipServer

            try:
                self.tcp = SlipServer((host, tcp_port), self)
            except OSError:
                self.server.server_close()
                raise
            threading.Thread(target=self.tcp.serve_forever, name="osc-tcp", daemon=True).start()
        beyond = sorted(self.allowed - set(LOOPBACK))
        tcp = f" and TCP (SLIP) port {self.tcp.server_address[1]}" if self.tcp is not None else ""
        log.info("OSC remote control listening on %s:%d%s, hearing loopback%s", self.address[0], self.address[1],
                 tcp, f" and {', '.join(beyond)}" if beyond else " only")

    @staticmethod
    def _host(host: str) -> str:
        return host[7:] if host.startswith("::ffff:") else host

    def sender_heard(self, host: str) -> bool:
        """Whether ``host`` (an IP address) is an allowed sender; a stranger is logged (rate-limited)."""
        sender = self._host(host)
        if sender not in self.allowed:
            self.quiet.warning("stranger", "OSC: a packet from %s dropped: not an allowed sender (start leafdream "
                                           "with --osc-allow %s to hear it)", sender, sender)
            return False
        return True

    def _within_rate(self, host: str) -> bool:
        sender = self._host(host)
        if not self.limit.allows(sender):
            self.quiet.warning("flood", "OSC: %s sends more than %.0f commands a second; the rest are dropped",
                               sender, RATE)
            return False
        return True

    def _sender_allowed(self, client_address) -> bool:
        return self.sender_heard(client_address[0]) and self._within_rate(client_address[0])

    def heard_packet(self, frame: bytes, sender) -> None:
        """One SLIP frame (END bytes taken off) from a TCP ``sender`` (ops/remote_tcp.Sender)."""
        from pythonosc import slip
        from pythonosc.osc_bundle import OscBundle
        from pythonosc.osc_message import OscMessage

        self.pace.wait()  # over TCP the sender is held back by the connection's own flow control
        if not self._within_rate(sender.host):
            return
        try:
            packet = slip.decode(frame)
            if not (OscMessage.dgram_is_message(packet) or OscBundle.dgram_is_bundle(packet)):
                raise ValueError("not an OSC packet")
            self.dispatcher.call_handlers_for_packet(packet, sender)
        except Exception:  # noqa: BLE001 - a malformed frame from the network is one log line, never a traceback
            self.unreadable((sender.host, sender.port))

    def unreadable(self, client_address) -> None:
        self.quiet.warning("unreadable", "OSC: a packet from %s could not be read (malformed or nested too deeply); "
                                         "ignored", client_address[0])

    def _heard(self, client_address, address, names, *args):
        self._queue(client_address, address, names[0], list(args))

    def _queue(self, client_address, address, name: str, args: list) -> None:
        if len(self.reply_to) > 10_000:
            self.reply_to.clear()
        send = getattr(client_address, "send", None)  # over TCP, back on the connection it came on
        if send is None:
            def send(packet: bytes, to=(client_address[0], client_address[1])) -> None:
                self.server.socket.sendto(packet, to)
        self.reply_to[client_address[0]] = send  # keyed as ``poll`` names the sender
        try:
            self.commands.put_nowait((name, args, client_address[0]))
        except queue.Full:
            self.quiet.warning("full", "OSC: too many commands waiting; %s dropped", address)

    def _unknown(self, client_address, address, *args):
        cue = CUE_START.match(address)
        if cue:  # QLab's own form: /leafdream/cue/3/start
            self._queue(client_address, address, "cue", [cue.group(1)])
            return
        self.quiet.warning("unknown", "OSC: unknown address %s (known: %s, /leafdream/cue/N/start)", address,
                           ", ".join(f"/leafdream/{c}" for c in COMMANDS))

    def reply(self, sender: str, name: str, ok: bool, data) -> None:
        """Answer ``sender``'s command ``name``: /reply/leafdream/NAME with {"address", "status", "data"} as JSON,
        to the port the command came from. A reply that cannot be sent is dropped (the sender went away)."""
        from pythonosc.osc_message_builder import OscMessageBuilder

        send = self.reply_to.get(sender)
        if send is None:
            return
        builder = OscMessageBuilder(address=f"/reply/leafdream/{name}")
        try:  # data JSON cannot hold (a nan) is a reply not sent, never an error in the loop
            builder.add_arg(json.dumps({"address": f"/leafdream/{name}", "status": "ok" if ok else "error",
                                        "data": data}, allow_nan=False, default=str))
            send(builder.build().dgram)
        except (OSError, ValueError):
            self.quiet.warning("reply", "OSC: a reply to %s could not be sent", sender)

    def poll(self, most: int = PER_FRAME) -> list[tuple[str, list, str]]:
        """The commands heard since the last poll as (name, arguments, sender's address), in order, at most ``most``
        (the rest wait for the next frame). Held log lines whose interval is over are said now."""
        self.quiet.flush()
        heard = []
        while len(heard) < most:
            try:
                heard.append(self.commands.get_nowait())
            except queue.Empty:
                break
        return heard

    def close(self) -> None:
        self.server.shutdown()
        if self.tcp is not None:
            self.tcp.shutdown()
            self.tcp.server_close()
        self.server.server_close()
