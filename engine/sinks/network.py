"""`livelink://HOST:PORT`: Live Link Face packets over UDP, for Unreal and MetaHuman."""

from __future__ import annotations

import socket
import uuid

from ..drivers.options import reject_unknown
from ..frame import FaceFrame
from ..pipeline import register_sink
from ..protocols import livelink_udp


def parse_host_port(rest: str, default_port: int, what: str) -> tuple[str, int]:
    host, sep, port = rest.rpartition(":")
    if not sep:
        host, port = rest, str(default_port)
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"{what}: port {port!r} is not a number") from None
    if not 0 < number < 65536:
        raise ValueError(f"{what}: port {number} is outside 1..65535")
    return host, number


class LiveLinkSender:
    """Sends one packet per frame. Frame numbers count from 0 at the pipeline's frame rate."""

    needs_pose = False

    def __init__(self, host: str, port: int, subject: str = livelink_udp.DEFAULT_SUBJECT):
        self.address = (host, port)
        self.subject = subject
        self.name = f"livelink://{host}:{port}"
        self.device_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"engine:{subject}"))
        self._sock: socket.socket | None = None
        self._fps = 60

    def open(self, run) -> None:
        self._fps = max(1, round(run.clock.fps))
        family = socket.AF_INET6 if ":" in self.address[0] else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)

    def write(self, frame: FaceFrame, pose) -> None:
        number = int(round(frame.t * self._fps))
        packet = livelink_udp.encode(frame, number, self._fps, self.subject, self.device_id)
        self._sock.sendto(packet, self.address)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()


@register_sink("livelink")
def _livelink(rest: str, options: dict) -> LiveLinkSender:
    host, port = parse_host_port(rest, livelink_udp.DEFAULT_PORT, "livelink")
    subject = str(options.pop("subject", livelink_udp.DEFAULT_SUBJECT))
    reject_unknown(f"livelink://{rest}", options)
    return LiveLinkSender(host, port, subject)
