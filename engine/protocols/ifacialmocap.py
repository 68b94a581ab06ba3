"""iFacialMocap (iOS) UDP: the handshake and the text frame.

The PC sends `HANDSHAKE` to the phone's UDP 49983; the phone then streams frames to the PC's
UDP 49983. A frame is UTF-8 text:

    eyeBlink_L-12|jawOpen-40|...|=head#rx,ry,rz,px,py,pz|rightEye#rx,ry,rz|leftEye#rx,ry,rz|

Blendshapes are `name-value` with Apple's raw names (`eyeBlink_L`, `mouthSmile_R`, but `jawLeft`,
`mouthRight`, `browInnerUp`) and whole values 0..100, in any order. Angles are degrees. Axes: we
read them as Unity's (the app's own PC side is Unity) and convert with the X mirror in
`unity.py`: rx nods down, ry turns to the performer's right, rz tips to the performer's left;
the head position is a Unity position in metres. Unknown names are skipped, for newer app
versions; a frame with no blendshape and no head is refused.
"""

from __future__ import annotations

import math

import numpy as np

from .. import arkit
from ..frame import FaceFrame
from . import unity
from .errors import PacketError
from .names import channel

HANDSHAKE = b"iFacialMocap_sahuasouryya9218sauhuiayeta91555dy3719"
PORT = 49983
_NO_SUFFIX = ("jaw", "mouth")  # jawLeft, mouthRight keep their spelled-out side


def raw_name(name: str) -> str:
    """ARKit name -> Apple's raw string value: `eyeBlinkLeft` -> `eyeBlink_L`, `jawLeft` stays."""
    for side, suffix in (("Left", "_L"), ("Right", "_R")):
        stem = name[: -len(side)]
        if name.endswith(side) and stem not in _NO_SUFFIX:
            return stem + suffix
    return name


_RAW = [raw_name(n) for n in arkit.NAMES]


def _numbers(values) -> str:
    return ",".join(f"{v:.4f}" for v in values)


def encode(frame: FaceFrame) -> bytes:
    """The text frame the app sends, values rounded to whole percent."""
    parts = [f"{raw}-{round(float(w) * 100)}" for raw, w in zip(_RAW, frame.weights)]
    position = frame.head_position if frame.head_position is not None else np.zeros(3)
    eyes = frame.eyes if frame.eyes is not None else np.zeros((2, 2))
    head = (*unity.quat_to_euler_degrees(frame.head_rotation), *unity.position(position))
    right, left = (unity.eye_from_angles(*eyes[i]) + (0.0,) for i in (1, 0))
    tail = f"=head#{_numbers(head)}|rightEye#{_numbers(right)}|leftEye#{_numbers(left)}|"
    return ("|".join(parts) + "|" + tail).encode("utf-8")


def _parse_numbers(key: str, text: str, count: int) -> list[float]:
    fields = text.split(",")
    if len(fields) != count:
        raise PacketError(f"ifacialmocap: {key} has {len(fields)} numbers, expected {count}")
    try:
        values = [float(f) for f in fields]
    except ValueError:
        raise PacketError(f"ifacialmocap: {key} has a field that is not a number") from None
    if not all(math.isfinite(v) for v in values):
        raise PacketError(f"ifacialmocap: {key} has NaN or inf")
    return values


def decode(data: bytes, t: float) -> FaceFrame:
    """The FaceFrame one text frame describes at pipeline time `t`."""
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise PacketError("ifacialmocap: frame is not UTF-8 text") from None
    shapes, _, transforms = text.partition("=")
    weights = np.zeros(arkit.COUNT, np.float32)
    mask = np.zeros(arkit.COUNT, bool)
    for item in shapes.split("|"):
        if not item:
            continue
        name, sep, value = item.rpartition("-")
        if not sep or not name:
            raise PacketError(f"ifacialmocap: blendshape item {item[:40]!r} is not name-value")
        i = channel(name)
        if i is None:
            continue
        (v,) = _parse_numbers(name, value, 1)
        if not 0.0 <= v <= 100.0:
            raise PacketError(f"ifacialmocap: {name} = {v:g} is outside 0..100")
        weights[i], mask[i] = v / 100.0, True
    head, position, eyes = None, None, None
    for item in transforms.split("|"):
        if not item:
            continue
        key, sep, values = item.partition("#")
        if not sep:
            raise PacketError(f"ifacialmocap: transform item {item[:40]!r} is not key#values")
        if key == "head":
            numbers = _parse_numbers(key, values, 6)
            head, position = unity.euler_to_quat(*numbers[:3]), unity.position(numbers[3:])
        elif key in ("leftEye", "rightEye"):
            x, y, _ = _parse_numbers(key, values, 3)
            eyes = eyes if eyes is not None else np.zeros((2, 2))
            eyes[0 if key == "leftEye" else 1] = unity.eye_to_angles(x, y)
    if not mask.any() and head is None:
        raise PacketError("ifacialmocap: frame has no blendshape and no head")
    return FaceFrame(
        t,
        weights,
        mask=mask,
        head_rotation=head if head is not None else np.array([0.0, 0.0, 0.0, 1.0]),
        head_position=position,
        eyes=eyes,
        source="ifacialmocap",
    )
