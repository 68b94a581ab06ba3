"""Face Cap (iOS) OSC live mode.

`/W` index value: one blendshape, the index in Face Cap's own order (`ORDER`, from ARKIT.md,
not ARKit's), the value an int or a float. `/HT` x y z head position, `/HR` x y z head rotation
in degrees, `/HRQ` x y z w head quaternion, `/ELR` and `/ERR` x y: left and right eye rotation
in degrees. Messages may come one per datagram or bundled; there is no end-of-frame marker, so
a frame is whatever has been received so far.

Axes: Face Cap's docs warn they need converting and do not say how; we read them as Unity's
(left-handed, the frame its Unity receiver applies them in) and convert with the X mirror in
`unity.py`: /HR as Unity Euler angles (x nods down, y turns to the performer's right, z tips to
the performer's left), /HRQ as a Unity quaternion, /HT as a Unity position in metres, and each
eye's x, y as pitch down and yaw to the right. Tests pin this reading.
"""

from __future__ import annotations

import numpy as np

from .. import arkit
from ..frame import FaceFrame
from . import osc, unity
from .errors import PacketError

ORDER: tuple[str, ...] = (
    "browInnerUp", "browDownLeft", "browDownRight", "browOuterUpLeft", "browOuterUpRight",
    "eyeLookUpLeft", "eyeLookUpRight", "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft",
    "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight", "eyeBlinkLeft", "eyeBlinkRight",
    "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "cheekPuff",
    "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft", "noseSneerRight", "jawOpen",
    "jawForward", "jawLeft", "jawRight", "mouthFunnel", "mouthPucker",
    "mouthLeft", "mouthRight", "mouthRollUpper", "mouthRollLower", "mouthShrugUpper",
    "mouthShrugLower", "mouthClose", "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthDimpleLeft", "mouthDimpleRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight", "mouthStretchLeft",
    "mouthStretchRight", "tongueOut",
)  # fmt: skip
_TO_ARKIT = [arkit.INDEX[n] for n in ORDER]
DEFAULT_PORT = 9000


def encode(frame: FaceFrame) -> bytes:
    """One bundle: the 52 /W in Face Cap's order, /HR and /HRQ, /HT if known, /ELR and /ERR."""
    messages = [osc.message("/W", i, float(frame.weights[a])) for i, a in enumerate(_TO_ARKIT)]
    messages.append(osc.message("/HR", *map(float, unity.quat_to_euler_degrees(frame.head_rotation))))
    messages.append(osc.message("/HRQ", *map(float, unity.rotation(frame.head_rotation))))
    if frame.head_position is not None:
        messages.append(osc.message("/HT", *map(float, unity.position(frame.head_position))))
    eyes = frame.eyes if frame.eyes is not None else np.zeros((2, 2))
    for address, (yaw, pitch) in zip(("/ELR", "/ERR"), eyes):
        messages.append(osc.message(address, *unity.eye_from_angles(yaw, pitch)))
    return osc.bundle(messages)


class FaceCapDecoder:
    """What a Face Cap stream has said so far."""

    def __init__(self):
        self._weights = np.zeros(arkit.COUNT, np.float32)
        self._mask = np.zeros(arkit.COUNT, bool)
        self._head = np.array([0.0, 0.0, 0.0, 1.0])
        self._position: np.ndarray | None = None
        self._eyes: np.ndarray | None = None
        # router.rejected / router.last_rejection: messages dropped for bad arguments
        self.router = osc.Router(
            "facecap",
            {"/W": self._w, "/HT": self._ht, "/HR": self._hr, "/HRQ": self._hrq, "/ELR": self._elr, "/ERR": self._err},
        )

    def feed(self, data: bytes) -> None:
        """Apply one datagram; PacketError if it is not OSC at all."""
        self.router.feed(data)

    def frame(self, t: float) -> FaceFrame:
        """A snapshot (FaceFrame copies its arrays) at pipeline time `t`."""
        return FaceFrame(
            t,
            self._weights,
            mask=self._mask,
            head_rotation=self._head,
            head_position=self._position,
            eyes=self._eyes,
            source="facecap",
        )

    def _w(self, address, *args):
        if len(args) < 2 or isinstance(args[0], bool) or not isinstance(args[0], int):
            raise PacketError("facecap: /W needs an int index first")
        if not 0 <= args[0] < len(ORDER):
            raise PacketError(f"facecap: /W index {args[0]} is outside 0..{len(ORDER) - 1}")
        value = osc.numbers("facecap", address, args, 1, start=1)[0]
        i = _TO_ARKIT[args[0]]
        self._weights[i], self._mask[i] = min(max(value, 0.0), 1.0), True

    def _ht(self, address, *args):
        self._position = unity.position(osc.numbers("facecap", address, args, 3))

    def _hr(self, address, *args):
        self._head = unity.euler_to_quat(*osc.numbers("facecap", address, args, 3))

    def _hrq(self, address, *args):
        q = np.array(osc.numbers("facecap", address, args, 4))
        norm = float(np.linalg.norm(q))
        if norm < 1e-6:
            raise PacketError(f"facecap: /HRQ is not a quaternion (norm {norm:g})")
        self._head = unity.rotation(q / norm)

    def _eye(self, side: int, address: str, args: tuple) -> None:
        x, y = osc.numbers("facecap", address, args, 2)
        eyes = self._eyes.copy() if self._eyes is not None else np.zeros((2, 2))
        eyes[side] = unity.eye_to_angles(x, y)
        self._eyes = eyes

    def _elr(self, address, *args):
        self._eye(0, address, args)

    def _err(self, address, *args):
        self._eye(1, address, args)
