"""FaceFrame: the one contract every source produces and every output consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from . import arkit

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
    """

    t: float
    weights: np.ndarray = field(default_factory=lambda: np.zeros(arkit.COUNT, np.float32))
    mask: np.ndarray = field(default_factory=lambda: np.ones(arkit.COUNT, bool))
    head_rotation: np.ndarray = field(default_factory=lambda: np.array(IDENTITY_QUAT))
    head_position: np.ndarray | None = None
    eyes: np.ndarray | None = None
    source: str = ""
    confidence: float = 1.0

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
            raise ValueError(
                f"FaceFrame.weights: {arkit.NAMES[worst]} = {self.weights[worst]:g} "
                "is outside [0, 1]"
            )
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
        c = float(self.confidence)
        if not 0.0 <= c <= 1.0:
            raise ValueError(f"FaceFrame.confidence: {c!r} is outside [0, 1]")
        self.confidence = c

    @classmethod
    def from_named(cls, t: float, values: Mapping[str, float], **kwargs) -> "FaceFrame":
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
