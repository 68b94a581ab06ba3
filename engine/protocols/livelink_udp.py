"""Live Link Face UDP packets (Apple ARKit mode, version 6), as Unreal's Live Link Face source reads.

Big-endian throughout. A string is an int32 byte count and UTF-8 bytes, no terminator.
version u8 = 6 | device id str | subject str | frame i32 | sub-frame f32 | fps num i32, den i32 |
count u8 = 61 | 61 x f32: the 52 shapes in ARKit order, then head yaw, pitch, roll and each eye's
yaw, pitch, roll. Angles are in Unreal's own units by default, degrees / 180 (radians / pi);
`angle_units="radians"` reads and writes radians, as some third-party tools do.
A packet with no values means "no face".
"""

from __future__ import annotations

import math
import struct
import uuid
from dataclasses import dataclass

import numpy as np

from .. import arkit
from ..frame import FaceFrame
from ..rig.transforms import quat_from_euler, quat_to_euler
from .errors import PacketError  # noqa: F401  (re-exported: callers catch livelink_udp.PacketError)

VERSION = 6
VALUE_COUNT = 61
MAX_STRING = 256  # bytes; a longer id or subject is refused on decode
DEFAULT_PORT = 11111
DEFAULT_SUBJECT = "iPhoneXFaceAR"
#: Radians per unit of a head or eye angle channel.
ANGLE_UNITS = {"unreal": math.pi, "radians": 1.0}


def _angle_scale(angle_units: str) -> float:
    if angle_units not in ANGLE_UNITS:
        raise ValueError(f"angle units {angle_units!r}: expected one of {sorted(ANGLE_UNITS)}")
    return ANGLE_UNITS[angle_units]


@dataclass
class LiveLinkPacket:
    device_id: str
    subject: str
    frame_number: int
    sub_frame: float
    fps_numerator: int
    fps_denominator: int
    values: np.ndarray | None  # (61,) float32, or None for "no face"

    @property
    def fps(self) -> float:
        return self.fps_numerator / self.fps_denominator


def _string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack(">i", len(raw)) + raw


def frame_values(frame: FaceFrame, angle_units: str = "unreal") -> np.ndarray:
    """The 61 floats a packet carries for `frame`."""
    yaw, pitch, roll = quat_to_euler(frame.head_rotation)
    eyes = frame.eyes if frame.eyes is not None else np.zeros((2, 2))
    angles = [yaw, pitch, roll, eyes[0, 0], eyes[0, 1], 0.0, eyes[1, 0], eyes[1, 1], 0.0]
    return np.concatenate([frame.weights, np.asarray(angles) / _angle_scale(angle_units)]).astype(np.float32)


def encode(
    frame: FaceFrame | None,
    frame_number: int,
    fps: int = 60,
    subject: str = DEFAULT_SUBJECT,
    device_id: str | None = None,
    sub_frame: float = 0.0,
    angle_units: str = "unreal",
) -> bytes:
    """One packet; `frame=None` encodes the header-only "no face" packet."""
    if fps < 1:
        raise ValueError(f"fps must be a whole number >= 1, got {fps}")
    device_id = device_id or str(uuid.UUID(int=0))
    head = (
        struct.pack(">B", VERSION)
        + _string(device_id)
        + _string(subject)
        + struct.pack(">ifii", frame_number, sub_frame, int(fps), 1)
    )
    if frame is None:
        return head
    return head + struct.pack(">B", VALUE_COUNT) + frame_values(frame, angle_units).astype(">f4").tobytes()


def decode(data: bytes) -> LiveLinkPacket:
    """Parse one packet; anything short, oversized or malformed raises PacketError."""
    view = memoryview(data)
    pos = 0

    def take(n: int, field: str) -> memoryview:
        nonlocal pos
        if pos + n > len(view):
            raise PacketError(f"live link packet: truncated in {field} ({len(view)} bytes)")
        chunk = view[pos : pos + n]
        pos += n
        return chunk

    def string(field: str) -> str:
        (n,) = struct.unpack(">i", take(4, field))
        if not 0 <= n <= MAX_STRING:
            raise PacketError(f"live link packet: {field} length {n} is outside 0..{MAX_STRING}")
        try:
            return bytes(take(n, field)).decode("utf-8")
        except UnicodeDecodeError:
            raise PacketError(f"live link packet: {field} is not UTF-8") from None

    (version,) = struct.unpack(">B", take(1, "version"))
    if version != VERSION:
        raise PacketError(f"live link packet: version {version}, expected {VERSION}")
    device_id, subject = string("device id"), string("subject name")
    frame_number, sub_frame, num, den = struct.unpack(">ifii", take(16, "frame time"))
    if num <= 0 or den <= 0:
        raise PacketError(f"live link packet: frame rate {num}/{den} is not positive")
    values = None
    if pos < len(view):
        (count,) = struct.unpack(">B", take(1, "value count"))
        if count != VALUE_COUNT:
            raise PacketError(f"live link packet: value count {count}, expected {VALUE_COUNT}")
        values = np.frombuffer(bytes(take(4 * count, "values")), ">f4").astype(np.float32)
        if not np.all(np.isfinite(values)):
            raise PacketError("live link packet: values contain NaN or inf")
        if pos != len(view):
            raise PacketError(f"live link packet: {len(view) - pos} bytes after the values")
    return LiveLinkPacket(device_id, subject, frame_number, sub_frame, num, den, values)


def to_frame(packet: LiveLinkPacket, t: float, angle_units: str = "unreal") -> FaceFrame | None:
    """The FaceFrame a packet describes at pipeline time `t`; None for "no face"."""
    scale = _angle_scale(angle_units)
    if packet.values is None:
        return None
    v = packet.values.astype(np.float64)
    angles = v[arkit.COUNT :] * scale
    return FaceFrame(
        t,
        np.clip(v[: arkit.COUNT], 0.0, 1.0).astype(np.float32),  # the app's float noise
        head_rotation=quat_from_euler(*angles[0:3]),
        eyes=np.array([[angles[3], angles[4]], [angles[6], angles[7]]]),
        source=f"livelink:{packet.subject}",
    )
