"""FaceFrame: the one contract every source produces and every output consumes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from . import arkit, bones

IDENTITY_QUAT = (0.0, 0.0, 0.0, 1.0)


def _array(name: str, value, shape: tuple[int, ...], dtype) -> np.ndarray:
    try:
        arr = np.array(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"FaceFrame.{name}: expected numbers of shape {shape}: {exc}") from None
    if arr.shape != shape:
        raise ValueError(f"FaceFrame.{name}: expected shape {shape}, got {arr.shape}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"FaceFrame.{name}: contains NaN or inf")
    return arr


@dataclass
class FaceFrame:
    """One instant of a face: 52 ARKit weights, head pose and gaze, in glTF axes.

    `t` is seconds on the pipeline clock. `mask` says which channels this source really
    drives (audio drives the mouth, a webcam everything), so the mixer can layer sources.
    `head_rotation` is a unit quaternion (x, y, z, w), right-handed, +Y up, avatar facing +Z;
    `head_position` is optional metres. `eyes` is optional [[left yaw, pitch], [right yaw,
    pitch]] in radians; without it, gaze comes from the eyeLook* weights.

    The body is optional: `bones` is (bones.COUNT, 4) normalized humanoid bone rotations
    (see engine/bones.py) and `bone_mask` says which of them this source drives, as `mask`
    does for the face. A frame without `bones` leaves the body to the layers beneath it and,
    at the rig, to the avatar's rest pose. `head_rotation` stays the head relative to the
    chest: the rig spreads it over spine, chest, neck and head on top of the bones.
    """

    t: float
    weights: np.ndarray = field(default_factory=lambda: np.zeros(arkit.COUNT, np.float32))
    mask: np.ndarray = field(default_factory=lambda: np.ones(arkit.COUNT, bool))
    head_rotation: np.ndarray = field(default_factory=lambda: np.array(IDENTITY_QUAT))
    head_position: np.ndarray | None = None
    eyes: np.ndarray | None = None
    source: str = ""
    confidence: float = 1.0
    bones: np.ndarray | None = None
    bone_mask: np.ndarray | None = None

    def __post_init__(self):
        try:
            self.t = float(self.t)
        except (TypeError, ValueError):
            raise ValueError(f"FaceFrame.t: expected seconds as a number, got {self.t!r}") from None
        if not np.isfinite(self.t):
            raise ValueError("FaceFrame.t: is NaN or inf")
        self.weights = _array("weights", self.weights, (arkit.COUNT,), np.float32)
        if self.weights.min() < 0.0 or self.weights.max() > 1.0:
            worst = int(np.argmax(np.abs(self.weights - np.clip(self.weights, 0, 1))))
            raise ValueError(f"FaceFrame.weights: {arkit.NAMES[worst]} = {self.weights[worst]:g} is outside [0, 1]")
        self.mask = _array("mask", self.mask, (arkit.COUNT,), bool)
        q = _array("head_rotation", self.head_rotation, (4,), np.float64)
        norm = float(np.linalg.norm(q))
        if abs(norm - 1.0) > 1e-3:
            raise ValueError(f"FaceFrame.head_rotation: not a unit quaternion (norm {norm:g})")
        self.head_rotation = q / norm
        if self.head_position is not None:
            self.head_position = _array("head_position", self.head_position, (3,), np.float64)
        if self.eyes is not None:
            self.eyes = _array("eyes", self.eyes, (2, 2), np.float64)
        if self.bones is not None:
            b = _array("bones", self.bones, (bones.COUNT, 4), np.float64)
            norms = np.linalg.norm(b, axis=1)
            if np.any(np.abs(norms - 1.0) > 1e-3):
                worst = int(np.argmax(np.abs(norms - 1.0)))
                raise ValueError(
                    f"FaceFrame.bones: {bones.NAMES[worst]} is not a unit quaternion (norm {norms[worst]:g})"
                )
            self.bones = b / norms[:, None]
            self.bone_mask = (
                np.ones(bones.COUNT, bool)
                if self.bone_mask is None
                else _array("bone_mask", self.bone_mask, (bones.COUNT,), bool)
            )
        elif self.bone_mask is not None:
            raise ValueError("FaceFrame.bone_mask: given without bones")
        c = float(self.confidence)
        if not 0.0 <= c <= 1.0:
            raise ValueError(f"FaceFrame.confidence: {c!r} is outside [0, 1]")
        self.confidence = c

    @classmethod
    def trusted(
        cls,
        t: float,
        weights: np.ndarray,
        mask: np.ndarray,
        head_rotation: np.ndarray,
        head_position: np.ndarray | None = None,
        eyes: np.ndarray | None = None,
        source: str = "",
        confidence: float = 1.0,
        bones: np.ndarray | None = None,
        bone_mask: np.ndarray | None = None,
    ) -> FaceFrame:
        """A frame the engine built from frames already checked (the mixer's output): the same
        fields, without checking them again on every tick."""
        frame = object.__new__(cls)
        frame.t, frame.weights, frame.mask, frame.head_rotation = t, weights, mask, head_rotation
        frame.head_position, frame.eyes, frame.source, frame.confidence = head_position, eyes, source, confidence
        frame.bones, frame.bone_mask = bones, bone_mask
        return frame

    @classmethod
    def from_named(cls, t: float, values: Mapping[str, float], **kwargs) -> FaceFrame:
        """A frame from {name: weight}; names may be any spelling `arkit.canonical` accepts.

        Only the named channels are marked as driven, unless `mask` is given.
        """
        weights = np.zeros(arkit.COUNT, np.float32)
        mask = np.zeros(arkit.COUNT, bool)
        for name, value in values.items():
            c = arkit.canonical(name)
            if c is None:
                raise ValueError(f"FaceFrame.weights: {name!r} is not an ARKit blendshape name")
            weights[arkit.INDEX[c]] = value
            mask[arkit.INDEX[c]] = True
        kwargs.setdefault("mask", mask)
        return cls(t, weights, **kwargs)

    def weight(self, name: str) -> float:
        return float(self.weights[arkit.INDEX[name]])
