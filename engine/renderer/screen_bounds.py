"""A conservative screen rectangle around the posed avatar, so the multisample resolve (a
third of a 720p frame's cost on llvmpipe) only touches the pixels the avatar can cover.

Per draw, bind-pose boxes are computed once: for a skinned primitive one box per joint, over
every vertex that joint influences, grown by the farthest its morph targets can push a
vertex. A skinned vertex is a weighted mean of its joints' transforms of it, so it stays
inside the union of those joints' transformed boxes; projecting the corners of all boxes
bounds the avatar on screen.
"""

from __future__ import annotations

import numpy as np

from ..rig.rig import Pose
from .gpu_avatar import Draw

_CORNERS = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], float)


def _box(points: np.ndarray, grow_lo: np.ndarray, grow_hi: np.ndarray) -> np.ndarray:
    """(8, 4) homogeneous corners of the points' box, grown per axis."""
    lo, hi = points.min(0) + grow_lo, points.max(0) + grow_hi
    return np.c_[lo + _CORNERS * (hi - lo), np.ones(8)]


class ScreenBounds:
    def __init__(self, draws: list[Draw]):
        self._boxes = []  # per draw: list of (joint or None, corners (8, 4))
        for d in draws:
            prim = d.gpu.prim
            grow_lo, grow_hi = np.zeros(3), np.zeros(3)
            for t in prim.targets:
                grow_lo += np.minimum(t.positions.min(0), 0.0)
                grow_hi += np.maximum(t.positions.max(0), 0.0)
            if d.skin is None:
                self._boxes.append([(None, _box(prim.positions, grow_lo, grow_hi))])
                continue
            boxes = []
            for j in np.unique(prim.joints[prim.weights > 0]):
                influenced = np.any((prim.joints == j) & (prim.weights > 0), axis=1)
                boxes.append((int(j), _box(prim.positions[influenced], grow_lo, grow_hi)))
            self._boxes.append(boxes)

    def rect(self, draws: list[Draw], pose: Pose, view_proj: np.ndarray, size) -> tuple[int, int, int, int] | None:
        """(x, y, width, height) in GL pixels (origin bottom left), or None for the whole frame."""
        corners = []
        for d, boxes in zip(draws, self._boxes):
            weights = pose.morph_weights[d.mesh]
            if len(weights) and (weights.min() < 0.0 or weights.max() > 1.0):
                return None  # beyond the growth precomputed for weights in [0, 1]
            for joint, box in boxes:
                m = pose.world[d.node] if joint is None else pose.skin_matrices[d.skin][joint]
                corners.append(box @ (view_proj @ m).T)
        if not corners:
            return None
        clip = np.concatenate(corners)
        if np.any(clip[:, 3] <= 1e-6):  # something reaches behind the camera
            return None
        ndc = clip[:, :2] / clip[:, 3:4]
        lo = np.floor((ndc.min(0) + 1.0) / 2.0 * size) - 2
        hi = np.ceil((ndc.max(0) + 1.0) / 2.0 * size) + 2
        lo, hi = np.clip(lo, 0, size), np.clip(hi, 0, size)
        if np.any(hi <= lo):
            return (0, 0, 0, 0)
        return int(lo[0]), int(lo[1]), int(hi[0] - lo[0]), int(hi[1] - lo[1])
