"""VMC protocol (OSC over UDP): a face as blend values, a head, eyes and a humanoid body, for
VSeeFace, Warudo, VNyan, VMC4UE and mocap suits.

Per frame a sender bundles `/VMC/Ext/OK 1`, `/VMC/Ext/T` (seconds), `/VMC/Ext/Root/Pos`,
`/VMC/Ext/Bone/Pos` for Neck, Head, LeftEye, RightEye and every body bone the frame drives
(name, local position, local rotation), `/VMC/Ext/Blend/Val` (name, value) per blend, and
`/VMC/Ext/Blend/Apply`.

Axes are Unity's, converted at this boundary by the X mirror in `unity.py`. Bone names are
Unity's HumanBodyBones (`LeftUpperArm`), which are VRM 1.0's capitalized except the thumb:
Unity's ThumbProximal, Intermediate and Distal are VRM 1.0's thumbMetacarpal, Proximal and
Distal. A body bone's rotation is its normalized local rotation (engine/bones.py), which is what
a Unity humanoid's T-pose-normalized (VRM) bones report.

The head is the FaceFrame's `head_rotation`: sent whole on Head with Neck at rest; received as
Neck * Head. So Neck and Head never enter a frame's `bones` (the head would count twice), and a
frame's own neck and head bones are not sent. Received body bones persist between frames like
blends, and only those heard are in `bone_mask`. Root/Pos is kept in `VmcDecoder.root`; once a
Hips bone has been heard, the root's rotation turns the hips (our frames have no root), its
translation is not carried.

Positions sent are each bone's offset from its parent in the avatar's normalized T-pose when
the run has a humanoid avatar (eyes: nominal), else nominal offsets for neck, head and eyes and
zero for the rest. Receivers pose their own skeleton; positions are ignored on receipt.

Blend names, chosen by `blend`:
- "perfectsync": the 52 ARKit names in PascalCase, as perfect-sync avatars carry them.
- "vrm0": VRM 0.x presets, each the `engine.rig.retarget.POSES` sum of its VRM 1.0 pose
  (A=aa, I=ih, U=ou, E=ee, O=oh, Joy=happy, Angry=angry, Sorrow=sad, LookUp/Down/Left/Right),
  except the blinks: avatars carry Blink and Blink_L/R together, so the closure both eyes share
  goes in Blink and the rest in the one-eye presets (min(L, R), L - min, R - min) instead of
  closing an eye twice. Fun (VRM 1.0 relaxed) has no ARKit reading and is not sent.

Receiving, blend and bone names are matched case-insensitively. A VRM 0.x or 1.0 preset
drives each ARKit channel its pose sums with a positive weight, set to the preset's value (the
inverse of a pair's mean is both sides at that value), and presets add up, so Blink + Blink_L
gives the left blink back. An ARKit name in any spelling `arkit.canonical` accepts drives its channel and wins
over presets. Values are clipped to [0, 1]; NaN, inf and mistyped messages are dropped.
"""

from __future__ import annotations

import numpy as np

from .. import arkit, bones
from ..frame import FaceFrame
from ..rig.retarget import POSES, VRM0_PRESETS
from ..rig.skeleton import evaluation_order, world_matrices
from ..rig.transforms import quat_from_euler, quat_multiply, quat_to_euler
from . import osc, unity
from .errors import PacketError
from .names import channel

DEFAULT_PORT = 39539
BLEND_MODES = ("perfectsync", "vrm0")
OK, TIME, ROOT, BONE, VAL, APPLY = (
    f"/VMC/Ext/{a}" for a in ("OK", "T", "Root/Pos", "Bone/Pos", "Blend/Val", "Blend/Apply")
)

# Nominal local offsets in glTF metres (parent: upper chest, neck, head, head).
_NOMINAL = {
    "Neck": (0.0, 0.1, 0.0),
    "Head": (0.0, 0.1, 0.0),
    "LeftEye": (0.03, 0.06, 0.07),
    "RightEye": (-0.03, 0.06, 0.07),
}


def unity_name(bone: str) -> str:
    """A bones.NAMES bone's Unity HumanBodyBones name."""
    for side in ("left", "right"):
        for vrm, unity_joint in (("Metacarpal", "Proximal"), ("Proximal", "Intermediate")):
            if bone == f"{side}Thumb{vrm}":
                return f"{side.title()}Thumb{unity_joint}"
    return bone[0].upper() + bone[1:]


#: Body bones as VMC names them, in bones.NAMES order; neck and head travel as the head.
BODY = {unity_name(b): bones.INDEX[b] for b in bones.NAMES if b not in ("neck", "head")}
_BODY_KEYS = {name.lower(): row for name, row in BODY.items()}
_FACE_KEYS = {name.lower(): name for name in _NOMINAL}
_HIPS = bones.INDEX["hips"]


def tpose_offsets(rig) -> np.ndarray | None:
    """(bones.COUNT, 3) each humanoid bone's offset from its humanoid parent in the avatar's
    normalized T-pose (glTF metres, avatar axes; the hips' from the avatar's origin), or None
    for a rig that is not a humanoid. What VMC senders put in a bone's local position."""
    if rig is None or rig.humanoid is None:
        return None
    avatar, found = rig.avatar, rig.humanoid_bones
    local = rig.humanoid.tpose_local
    world = world_matrices(avatar, evaluation_order(avatar), local, np.empty_like(local))
    at = {b: world[n, :3, 3] @ rig.facing for b, n in found.items()}  # into the avatar's axes
    offsets = np.zeros((bones.COUNT, 3))
    for bone, p in at.items():
        parent = bones.PARENT[bone]
        while parent is not None and parent not in at:
            parent = bones.PARENT[parent]
        offsets[bones.INDEX[bone]] = p - (at[parent] if parent is not None else 0.0)
    return offsets


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


def _bone(name: str, offset, rotation):
    p = unity.position(offset)
    q = unity.rotation(rotation)
    return osc.message(BONE, name, *map(float, p), *map(float, q))


def encode(frame: FaceFrame, blend: str = "perfectsync", offsets: np.ndarray | None = None) -> bytes:
    """One bundle per frame: OK, T, Root/Pos, neck, head and eyes, the body bones the frame's
    `bone_mask` names, every Blend/Val, then Apply. `offsets` are `tpose_offsets` of the avatar."""
    eyes = frame.eyes if frame.eyes is not None else np.zeros((2, 2))
    rest = (0.0, 0.0, 0.0, 1.0)
    if offsets is None:
        offsets = np.zeros((bones.COUNT, 3))
        offsets[[bones.INDEX["neck"], bones.INDEX["head"]]] = _NOMINAL["Neck"], _NOMINAL["Head"]
    messages = [
        osc.message(OK, 1),
        osc.message(TIME, float(frame.t)),
        osc.message(ROOT, "root", 0.0, 0.0, 0.0, *rest),
        _bone("Neck", offsets[bones.INDEX["neck"]], rest),
        _bone("Head", offsets[bones.INDEX["head"]], frame.head_rotation),
        _bone("LeftEye", _NOMINAL["LeftEye"], quat_from_euler(eyes[0, 0], eyes[0, 1], 0.0)),
        _bone("RightEye", _NOMINAL["RightEye"], quat_from_euler(eyes[1, 0], eyes[1, 1], 0.0)),
    ]
    if frame.bones is not None:
        assert frame.bone_mask is not None, "FaceFrame gives bones a mask"
        messages += [_bone(name, offsets[row], frame.bones[row]) for name, row in BODY.items() if frame.bone_mask[row]]
    messages += [osc.message(VAL, name, value) for name, value in blend_values(frame, blend)]
    messages.append(osc.message(APPLY))
    return osc.bundle(messages)


def _unit(protocol: str, address: str, q: list[float]) -> np.ndarray:
    quat = np.asarray(q)
    norm = float(np.linalg.norm(quat))
    if norm < 1e-6:
        raise PacketError(f"{protocol}: {address} rotation is not a quaternion (norm {norm:g})")
    return quat / norm


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
        self._bones: dict[str, np.ndarray] = {}  # Neck, Head and the eyes
        self._body = bones.identity()
        self._body_heard = np.zeros(bones.COUNT, bool)
        self._applied = False
        # router.rejected / router.last_rejection: messages dropped for bad arguments
        self.router = osc.Router(
            "vmc",
            {OK: self._ok, TIME: self._time, ROOT: self._root, BONE: self._bone, VAL: self._val, APPLY: self._apply},
        )

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
            eyes = np.array([quat_to_euler(self._bones.get(side, rest))[:2] for side in ("LeftEye", "RightEye")])
        body = None
        if self._body_heard.any():
            body = self._body.copy()
            if self.root is not None and self._body_heard[_HIPS]:
                body[_HIPS] = quat_multiply(self.root[1], body[_HIPS])
        return FaceFrame(
            t,
            weights,
            mask=mask,
            head_rotation=head / np.linalg.norm(head),
            eyes=eyes,
            source="vmc",
            bones=body,
            bone_mask=self._body_heard.copy() if body is not None else None,
        )

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
        key = name.lower()
        if key in _FACE_KEYS:
            self._bones[_FACE_KEYS[key]] = unity.rotation(_unit("vmc", address, v[3:]))
        elif key in _BODY_KEYS:
            row = _BODY_KEYS[key]
            self._body[row], self._body_heard[row] = unity.rotation(_unit("vmc", address, v[3:])), True

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
