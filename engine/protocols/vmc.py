"""VMC protocol (OSC over UDP): a face as blend values plus head, neck and eye bones, for
VSeeFace, Warudo, VNyan and VMC4UE.

Per frame a sender bundles `/VMC/Ext/OK 1`, `/VMC/Ext/T` (seconds), `/VMC/Ext/Root/Pos`,
`/VMC/Ext/Bone/Pos` for Neck, Head, LeftEye and RightEye (name, local position, local rotation),
`/VMC/Ext/Blend/Val` (name, value) per blend, and `/VMC/Ext/Blend/Apply`.

Axes are Unity's, converted at this boundary by the X mirror in `unity.py`. The whole head
rotation goes on Head with Neck at rest; receiving, Neck * Head is the head. Bone positions are
nominal offsets (receivers use their own skeleton's lengths) and are ignored on receipt; head
translation is not carried.

Blend names, chosen by `blend`:
- "perfectsync": the 52 ARKit names in PascalCase, as perfect-sync avatars carry them.
- "vrm0": VRM 0.x presets, each the `engine.rig.retarget.POSES` sum of its VRM 1.0 pose
  (A=aa, I=ih, U=ou, E=ee, O=oh, Joy=happy, Angry=angry, Sorrow=sad, LookUp/Down/Left/Right),
  except the blinks: avatars carry Blink and Blink_L/R together, so the closure both eyes share
  goes in Blink and the rest in the one-eye presets (min(L, R), L - min, R - min) instead of
  closing an eye twice. Fun (VRM 1.0 relaxed) has no ARKit reading and is not sent.

Receiving, names are matched case-insensitively. A VRM 0.x or 1.0 preset drives each ARKit
channel its pose sums with a positive weight, set to the preset's value (the inverse of a
pair's mean is both sides at that value), and presets add up, so Blink + Blink_L gives the left
blink back. An ARKit name in any spelling `arkit.canonical` accepts drives its channel and wins
over presets. Values are clipped to [0, 1]; NaN, inf and mistyped messages are dropped.
"""

from __future__ import annotations

import numpy as np

from .. import arkit
from ..frame import FaceFrame
from ..rig.retarget import POSES, VRM0_PRESETS
from ..rig.transforms import quat_from_euler, quat_multiply, quat_to_euler
from . import osc, unity
from .errors import PacketError
from .names import channel

DEFAULT_PORT = 39539
BLEND_MODES = ("perfectsync", "vrm0")
OK, TIME, ROOT, BONE, VAL, APPLY = (f"/VMC/Ext/{a}" for a in ("OK", "T", "Root/Pos", "Bone/Pos",
                                                               "Blend/Val", "Blend/Apply"))

# Nominal local offsets in glTF metres (parent: upper chest, neck, head, head).
_BONES = {"Neck": (0.0, 0.1, 0.0), "Head": (0.0, 0.1, 0.0),
          "LeftEye": (0.03, 0.06, 0.07), "RightEye": (-0.03, 0.06, 0.07)}


def _pose_matrix(poses: list[str]) -> np.ndarray:
    m = np.zeros((len(poses), arkit.COUNT))
    for row, pose in enumerate(poses):
        for name, k in POSES[pose].items():
            m[row, arkit.INDEX[name]] = k
    return m


#: VRM 0.x presets sent in "vrm0" mode: those with an ARKit reading in retarget.POSES
#: (Fun and Neutral have none).
_VRM0_NAMES = [name for name, pose in VRM0_PRESETS.items() if pose in POSES]
_ENCODE = _pose_matrix([VRM0_PRESETS[n] for n in _VRM0_NAMES])
_BLINKS = [_VRM0_NAMES.index(n) for n in ("Blink", "Blink_L", "Blink_R")]
_EYE_BLINK = [arkit.INDEX["eyeBlinkLeft"], arkit.INDEX["eyeBlinkRight"]]

# Receiving: every preset spelling (VRM 0.x and 1.0), lower-cased -> row of the inverse.
_POSE_NAMES = list(POSES)
_DECODE = (_pose_matrix(_POSE_NAMES) > 0).astype(float)
_PRESET_ROW = {p.lower(): i for i, p in enumerate(_POSE_NAMES)}
_PRESET_ROW.update({v0.lower(): _POSE_NAMES.index(VRM0_PRESETS[v0]) for v0 in _VRM0_NAMES})


def blend_values(frame: FaceFrame, blend: str = "perfectsync") -> list[tuple[str, float]]:
    """The (name, value) pairs a frame sends in the chosen naming."""
    w = frame.weights.astype(np.float64)
    if blend == "perfectsync":
        return [(arkit.pascal(n), float(v)) for n, v in zip(arkit.NAMES, w)]
    if blend != "vrm0":
        raise ValueError(f"vmc blend {blend!r}: expected one of {BLEND_MODES}")
    values = np.clip(_ENCODE @ w, 0.0, 1.0)
    left, right = w[_EYE_BLINK]
    both = min(left, right)
    values[_BLINKS] = both, left - both, right - both
    return list(zip(_VRM0_NAMES, values.tolist()))


def _bone(name: str, rotation):
    p = unity.position(_BONES[name])
    q = unity.rotation(rotation)
    return osc.message(BONE, name, *map(float, p), *map(float, q))


def encode(frame: FaceFrame, blend: str = "perfectsync") -> bytes:
    """One bundle per frame: OK, T, Root/Pos, the four bones, every Blend/Val, then Apply."""
    eyes = frame.eyes if frame.eyes is not None else np.zeros((2, 2))
    rest = (0.0, 0.0, 0.0, 1.0)
    messages = [
        osc.message(OK, 1),
        osc.message(TIME, float(frame.t)),
        osc.message(ROOT, "root", 0.0, 0.0, 0.0, *rest),
        _bone("Neck", rest),
        _bone("Head", frame.head_rotation),
        _bone("LeftEye", quat_from_euler(eyes[0, 0], eyes[0, 1], 0.0)),
        _bone("RightEye", quat_from_euler(eyes[1, 0], eyes[1, 1], 0.0)),
    ]
    messages += [osc.message(VAL, name, value) for name, value in blend_values(frame, blend)]
    messages.append(osc.message(APPLY))
    return osc.bundle(messages)


def _unit(protocol: str, address: str, q: list[float]) -> np.ndarray:
    q = np.asarray(q)
    norm = float(np.linalg.norm(q))
    if norm < 1e-6:
        raise PacketError(f"{protocol}: {address} rotation is not a quaternion (norm {norm:g})")
    return q / norm


class VmcDecoder:
    """What a VMC stream has said so far; each Apply makes a frame (values persist between
    frames, as VMC receivers keep the last value of every blend)."""

    def __init__(self):
        self.loaded: int | None = None  # /VMC/Ext/OK
        self.sender_time: float | None = None  # /VMC/Ext/T
        self.root: tuple[np.ndarray, np.ndarray] | None = None  # glTF position, rotation
        self._direct = np.zeros(arkit.COUNT, np.float32)
        self._direct_mask = np.zeros(arkit.COUNT, bool)
        self._presets = np.zeros(len(_POSE_NAMES))
        self._preset_seen = np.zeros(len(_POSE_NAMES), bool)
        self._bones: dict[str, np.ndarray] = {}
        self._applied = False
        # router.rejected / router.last_rejection: messages dropped for bad arguments
        self.router = osc.Router("vmc", {OK: self._ok, TIME: self._time, ROOT: self._root,
                                          BONE: self._bone, VAL: self._val, APPLY: self._apply})

    def feed(self, data: bytes, t: float) -> FaceFrame | None:
        """Apply one datagram; the frame at pipeline time `t` if it held an Apply, else None."""
        self._applied = False
        self.router.feed(data)
        return self.frame(t) if self._applied else None

    def frame(self, t: float) -> FaceFrame:
        weights = np.clip(self._presets @ _DECODE, 0.0, 1.0).astype(np.float32)
        mask = (self._preset_seen.astype(float) @ _DECODE) > 0
        weights[self._direct_mask] = self._direct[self._direct_mask]
        mask |= self._direct_mask
        rest = np.array([0.0, 0.0, 0.0, 1.0])
        head = quat_multiply(self._bones.get("Neck", rest), self._bones.get("Head", rest))
        eyes = None
        if "LeftEye" in self._bones or "RightEye" in self._bones:
            eyes = [quat_to_euler(self._bones.get(side, rest))[:2] for side in ("LeftEye", "RightEye")]
        return FaceFrame(t, weights, mask=mask, head_rotation=head / np.linalg.norm(head), eyes=eyes,
                         source="vmc")

    def _ok(self, address, *args):
        self.loaded = int(osc.numbers("vmc", address, args, 1)[0])

    def _time(self, address, *args):
        self.sender_time = osc.numbers("vmc", address, args, 1)[0]

    def _root(self, address, *args):
        osc.text("vmc", address, args)
        v = osc.numbers("vmc", address, args, 7, start=1)
        self.root = unity.position(v[:3]), unity.rotation(_unit("vmc", address, v[3:]))

    def _bone(self, address, *args):
        name = osc.text("vmc", address, args)
        v = osc.numbers("vmc", address, args, 7, start=1)
        if name in _BONES:
            self._bones[name] = unity.rotation(_unit("vmc", address, v[3:]))

    def _val(self, address, *args):
        name = osc.text("vmc", address, args)
        value = min(max(osc.numbers("vmc", address, args, 1, start=1)[0], 0.0), 1.0)
        row = _PRESET_ROW.get(name.lower())
        if row is not None:
            self._presets[row], self._preset_seen[row] = value, True
        elif (i := channel(name)) is not None:
            self._direct[i], self._direct_mask[i] = value, True

    def _apply(self, address, *args):
        self._applied = True
