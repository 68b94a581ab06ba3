"""Phone mocap streams as live sources: `livelink://`, `vmc://`, `facecap://`, `ifacialmocap://`.

Each listens on 127.0.0.1 unless given another address (`livelink://0.0.0.0:11111` to hear a
phone on the network) and owns the whole face, head included, at priority 10 by default; the
usual layer options (priority, channels, head, fade, stale_after, ...) apply. Counters are in
`.stats` (see `udp.ReceiverStats`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..errors import OptionError
from ..mixer import LayerRule
from ..options import LayerOptions, parse_host_port
from ..protocols import facecap, ifacialmocap, livelink_udp, vmc
from .udp import UdpReceiver

PRIORITY = 10


class LiveLinkReceiver(UdpReceiver):
    """Live Link Face packets. Several phones may stream to one port: `subject` picks one by
    name; without it the first subject heard is followed and the others are counted as ignored.
    A header-only packet means the phone lost the face."""

    max_datagram = 2048

    def __init__(self, host: str, port: int, rule: LayerRule, subject: str | None = None, angle_units: str = "unreal"):
        if angle_units not in livelink_udp.ANGLE_UNITS:
            raise OptionError(f"livelink: angles {angle_units!r}: expected one of {sorted(livelink_udp.ANGLE_UNITS)}")
        super().__init__("livelink", host, port, rule)
        self.subject, self.angle_units = subject, angle_units
        self._chosen = subject is not None

    def _receive(self, data, sender, arrived):
        packet = livelink_udp.decode(data)
        if self.subject is None:
            self.subject = packet.subject
        if packet.subject != self.subject:
            hint = "" if self._chosen else " (choose one with ?subject=)"
            self._count("ignored", f"subject {packet.subject!r} also streams here; following {self.subject!r}{hint}")
            return
        self._publish(livelink_udp.to_frame(packet, arrived or 0.0, self.angle_units), arrived)


class _RouterReceiver(UdpReceiver):
    """Mirrors an OSC decoder's dropped-message counter into `.stats.rejected`."""

    def _note_rejections(self, router) -> None:
        new = router.rejected - self.stats.rejected
        if new > 0:
            self._count("rejected", router.last_rejection, new)


class VmcReceiver(_RouterReceiver):
    """VMC bundles (or loose messages); a frame at each Blend/Apply."""

    max_datagram = 16384  # a full-body performer's bundle is a few KiB

    def __init__(self, host: str, port: int, rule: LayerRule):
        super().__init__("vmc", host, port, rule)
        self._decoder = vmc.VmcDecoder()

    def _receive(self, data, sender, arrived):
        try:
            frame = self._decoder.feed(data, arrived or 0.0)
        finally:
            self._note_rejections(self._decoder.router)
        if frame is not None:
            self._publish(frame, arrived)


class FaceCapReceiver(_RouterReceiver):
    """Face Cap OSC; with no end-of-frame marker, every datagram yields the state so far."""

    max_datagram = 8192

    def __init__(self, host: str, port: int, rule: LayerRule):
        super().__init__("facecap", host, port, rule)
        self._decoder = facecap.FaceCapDecoder()

    def _receive(self, data, sender, arrived):
        before = self._decoder.router.applied
        try:
            self._decoder.feed(data)
        finally:
            self._note_rejections(self._decoder.router)
        if self._decoder.router.applied == before:
            self._count("ignored", "a datagram with no Face Cap message we could use")
            return
        self._publish(self._decoder.frame(arrived or 0.0), arrived)


class IFacialMocapReceiver(UdpReceiver):
    """iFacialMocap text frames. With `phone`, sends the handshake to the phone every
    `handshake_every` seconds from this socket, so the phone streams back to it."""

    max_datagram = 8192

    def __init__(
        self, host: str, port: int, rule: LayerRule, phone: tuple[str, int] | None = None, handshake_every: float = 3.0
    ):
        super().__init__("ifacialmocap", host, port, rule)
        self.phone, self.handshake_every = phone, handshake_every
        self._next_handshake = 0.0

    def _poll(self):
        if self.phone is None or time.monotonic() < self._next_handshake:
            return
        self._next_handshake = time.monotonic() + self.handshake_every
        try:
            self._sock.sendto(ifacialmocap.HANDSHAKE, self.phone)
        except OSError as exc:
            self._count("errors", f"handshake to {self.phone[0]}:{self.phone[1]} failed: {exc}")

    def _receive(self, data, sender, arrived):
        self._publish(ifacialmocap.decode(data, arrived or 0.0), arrived)


def _bind(scheme: str, rest: str, default_port: int) -> tuple[str, int]:
    return parse_host_port(rest, default_port, scheme, bind=True)


@dataclass
class ReceiverOptions(LayerOptions):
    """A phone or performer app's stream, layered above idle."""

    priority: int | None = PRIORITY


@dataclass
class LiveLinkOptions(ReceiverOptions):
    subject: str | None = None  # only this subject's packets; default: any
    angles: str = "unreal"


def open_livelink(rest: str, options: LiveLinkOptions) -> LiveLinkReceiver:
    host, port = _bind("livelink", rest, livelink_udp.DEFAULT_PORT)
    rule = options.rule(f"livelink://{host}:{port}")
    return LiveLinkReceiver(host, port, rule, options.subject, options.angles)


def open_vmc(rest: str, options: ReceiverOptions) -> VmcReceiver:
    host, port = _bind("vmc", rest, vmc.DEFAULT_PORT)
    return VmcReceiver(host, port, options.rule(f"vmc://{host}:{port}"))


def open_facecap(rest: str, options: ReceiverOptions) -> FaceCapReceiver:
    host, port = _bind("facecap", rest, facecap.DEFAULT_PORT)
    return FaceCapReceiver(host, port, options.rule(f"facecap://{host}:{port}"))


@dataclass
class IFacialMocapOptions(ReceiverOptions):
    phone: str | None = None  # HOST[:PORT] of the phone, sent the handshake
    handshake_every: float = 3.0  # seconds


def open_ifacialmocap(rest: str, options: IFacialMocapOptions) -> IFacialMocapReceiver:
    host, port = _bind("ifacialmocap", rest, ifacialmocap.PORT)
    phone = options.phone
    phone_address = parse_host_port(phone, ifacialmocap.PORT, "ifacialmocap phone") if phone else None
    if not options.handshake_every > 0:
        raise OptionError(f"ifacialmocap: handshake_every must be positive, got {options.handshake_every}")
    rule = options.rule(f"ifacialmocap://{host}:{port}")
    return IFacialMocapReceiver(host, port, rule, phone_address, options.handshake_every)
