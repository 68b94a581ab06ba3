"""The UDP receiver every mocap source is built on: a socket, a thread, caps and counters.

A receiver binds when it is made (so a busy port fails at set-up, and port 0 gets a free one),
reads datagrams on its own thread with a short socket timeout (so `stop()` returns promptly),
drops datagrams over its size cap unread, and hands the rest to `_receive`. A datagram that does
not decode is counted and dropped; the first of each kind is logged, the rest only counted.
Nothing raises out of the thread.

Frames are stamped with the time they arrived on the pipeline clock (`clock.now()` when live;
offline, the tick at which the pipeline first sees them), so a stream that goes silent keeps
returning its last frame, the mixer sees it age past `stale_after` and fades the layer to idle.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass, replace

from ..errors import OptionError
from ..frame import FaceFrame
from ..mixer import LayerRule
from ..protocols.errors import PacketError

log = logging.getLogger("engine.drivers.udp")

POLL_SECONDS = 0.1  # socket timeout: how long stop() may wait for the thread


@dataclass
class ReceiverStats:
    datagrams: int = 0  # all that arrived
    frames: int = 0  # faces decoded
    malformed: int = 0  # datagrams that did not decode
    oversize: int = 0  # datagrams over the size cap, dropped unread
    rejected: int = 0  # messages inside good datagrams dropped (too few or mistyped arguments)
    ignored: int = 0  # good datagrams not for us (another Live Link subject)
    errors: int = 0  # socket errors, and anything unexpected while decoding


class UdpReceiver:
    """Base of live network sources; subclasses decode in `_receive` and call `_publish`."""

    duration = None
    max_datagram = 4096

    def __init__(self, scheme: str, host: str, port: int, rule: LayerRule):
        self.rule, self.name = rule, rule.name
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            self._sock.bind((host, port))
        except OSError as exc:
            self._sock.close()
            raise OptionError(f"{scheme}://{host}:{port}: cannot listen: {exc}") from None
        self._sock.settimeout(POLL_SECONDS)
        self.address: tuple[str, int] = self._sock.getsockname()[:2]
        self.label = f"{scheme}://{host}:{self.address[1]}"
        self.stats = ReceiverStats()
        self._logged: set[str] = set()
        self._clock = None
        self._latest: tuple[int, FaceFrame | None, float | None] = (0, None, None)  # seq, frame, arrived
        self._seen = 0
        self._current: FaceFrame | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"source:{self.label}", daemon=True)

    # -- the Source protocol ---------------------------------------------------------------

    def start(self, clock) -> None:
        self._clock = clock
        self._thread.start()

    def frame_at(self, t: float) -> FaceFrame | None:
        seq, frame, arrived = self._latest
        if seq != self._seen:
            self._seen = seq
            stamp = t if arrived is None else min(arrived, t)  # never ahead of the tick
            self._current = None if frame is None else replace(frame, t=stamp)
        return self._current

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5 * POLL_SECONDS)
        self._sock.close()

    # -- for subclasses --------------------------------------------------------------------

    def _receive(self, data: bytes, sender, arrived: float | None) -> None:
        raise NotImplementedError

    def _poll(self) -> None:
        """Called between datagrams and timeouts (for handshakes); nothing by default."""

    def _publish(self, frame: FaceFrame | None, arrived: float | None) -> None:
        """The newest frame, or None for "no face" (the layer then goes stale and fades)."""
        self._latest = (self._latest[0] + 1, frame, arrived)
        if frame is not None:
            self.stats.frames += 1

    def _count(self, kind: str, detail: str, n: int = 1) -> None:
        """Count dropped datagrams or messages; log only the first of each kind."""
        setattr(self.stats, kind, getattr(self.stats, kind) + n)
        if kind not in self._logged:
            self._logged.add(kind)
            log.warning("%s: %s (dropped; more like it are counted in .stats, not logged)", self.label, detail)

    def _now(self) -> float | None:
        now = getattr(self._clock, "now", None)
        return now() if now is not None else None

    # -- the thread ------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._poll()
                data, sender = self._sock.recvfrom(self.max_datagram + 1)
            except TimeoutError:
                continue
            except OSError as exc:
                if self._stop.is_set():
                    return
                self._count("errors", f"socket error: {exc}")
                self._stop.wait(POLL_SECONDS)  # e.g. ICMP port unreachable after a send
                continue
            self.stats.datagrams += 1
            if len(data) > self.max_datagram:
                self._count("oversize", f"datagram of more than {self.max_datagram} bytes from {sender[0]}")
                continue
            try:
                self._receive(data, sender, self._now())
            except PacketError as exc:
                self._count("malformed", f"malformed datagram from {sender[0]}: {exc}")
            except Exception as exc:  # a decoder bug must not end the stream
                self._count("errors", f"unexpected {type(exc).__name__} decoding a datagram: {exc}")
