"""Network senders: `livelink://` (Unreal, MetaHuman), `vmc://` (VSeeFace, Warudo, VMC4UE) and
`osc://` (Unreal's OSC plugin, TouchDesigner), one UDP datagram per frame."""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass

import numpy as np

from ..errors import OptionError
from ..frame import FaceFrame
from ..options import parse_host_port
from ..protocols import livelink_udp, osc_out, vmc


class UdpSender:
    """Opens a UDP socket on open() and sends `datagram(frame)` on each write."""

    needs_pose = False

    def __init__(self, scheme: str, host: str, port: int):
        self.address = (host, port)
        self.name = f"{scheme}://{host}:{port}"
        self._sock: socket.socket | None = None

    def open(self, run) -> None:
        family = socket.AF_INET6 if ":" in self.address[0] else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)

    def datagram(self, frame: FaceFrame) -> bytes:
        raise NotImplementedError

    def write(self, frame: FaceFrame, pose) -> None:
        assert self._sock is not None, "write() before open()"
        self._sock.sendto(self.datagram(frame), self.address)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()


class LiveLinkSender(UdpSender):
    """One packet per frame. Frame numbers count from 0 at the pipeline's frame rate."""

    def __init__(self, host: str, port: int, subject: str = livelink_udp.DEFAULT_SUBJECT, angle_units: str = "unreal"):
        super().__init__("livelink", host, port)
        if angle_units not in livelink_udp.ANGLE_UNITS:
            raise OptionError(f"livelink: angles {angle_units!r}: expected one of {sorted(livelink_udp.ANGLE_UNITS)}")
        self.subject, self.angle_units = subject, angle_units
        self.device_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"engine:{subject}"))
        self._fps = 60

    def open(self, run) -> None:
        self._fps = max(1, round(run.clock.fps))
        super().open(run)

    def datagram(self, frame: FaceFrame) -> bytes:
        number = int(round(frame.t * self._fps))
        return livelink_udp.encode(frame, number, self._fps, self.subject, self.device_id, angle_units=self.angle_units)


class VmcSender(UdpSender):
    """One bundle per frame (see protocols/vmc.py), the posed body included; `blend` picks
    perfect-sync or VRM 0.x names. Bone positions are the run's avatar's T-pose offsets."""

    def __init__(self, host: str, port: int, blend: str = "perfectsync"):
        super().__init__("vmc", host, port)
        if blend not in vmc.BLEND_MODES:
            raise OptionError(f"vmc: blend {blend!r}: expected one of {vmc.BLEND_MODES}")
        self.blend = blend
        self._offsets: np.ndarray | None = None

    def open(self, run) -> None:
        self._offsets = vmc.tpose_offsets(run.rig)
        super().open(run)

    def datagram(self, frame: FaceFrame) -> bytes:
        return vmc.encode(frame, self.blend, self._offsets)


class OscSender(UdpSender):
    """ARKit weights as plain OSC (see protocols/osc_out.py)."""

    def __init__(self, host: str, port: int, mode: str = "per-channel"):
        super().__init__("osc", host, port)
        if mode not in osc_out.MODES:
            raise OptionError(f"osc: mode {mode!r}: expected one of {osc_out.MODES}")
        self.mode = mode

    def datagram(self, frame: FaceFrame) -> bytes:
        return osc_out.encode(frame, self.mode)


@dataclass
class LiveLinkSinkOptions:
    subject: str = livelink_udp.DEFAULT_SUBJECT
    angles: str = "unreal"


def open_livelink(rest: str, options: LiveLinkSinkOptions) -> LiveLinkSender:
    host, port = parse_host_port(rest, livelink_udp.DEFAULT_PORT, "livelink")
    return LiveLinkSender(host, port, options.subject, options.angles)


@dataclass
class VmcSinkOptions:
    blend: str = "perfectsync"  # or vrm0


def open_vmc(rest: str, options: VmcSinkOptions) -> VmcSender:
    host, port = parse_host_port(rest, vmc.DEFAULT_PORT, "vmc")
    return VmcSender(host, port, options.blend)


@dataclass
class OscSinkOptions:
    mode: str = "per-channel"  # or all


def open_osc(rest: str, options: OscSinkOptions) -> OscSender:
    host, port = parse_host_port(rest, osc_out.DEFAULT_PORT, "osc")
    return OscSender(host, port, options.mode)
