"""A conservative screen rectangle around the posed avatar, so that a frame is only drawn,
resolved and read back where the avatar can be (see patch.py).

Per draw, bind-pose boxes are computed once: for a skinned primitive one box per joint, over
every vertex that joint influences, each vertex grown by the farthest its own morph targets
can push it (weights in [0, 1]). Growing per vertex, not by the whole mesh's largest deltas,
keeps the boxes tight: a face's 52 targets each move a few vertices. A skinned vertex is a
weighted mean of its joints' transforms of it, so it stays inside the union of those joints'
transformed boxes; projecting the corners of all boxes bounds the avatar on screen.
"""

from __future__ import annotations

import numpy as np

from ..rig.rig import Pose
from .gpu_avatar import Draw

_CORNERS = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], float)


def _box(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(8, 4) homogeneous corners of the box around per-vertex extents `lo`, `hi` (N, 3)."""
    lo, hi = lo.min(0), hi.max(0)
    return np.c_[lo + _CORNERS * (hi - lo), np.ones(8)]


class ScreenBounds:
    def __init__(self, draws: list[Draw]):
        self._boxes: list[list[tuple[int | None, np.ndarray]]] = []  # per draw: (joint or None, corners (8, 4))
        for d in draws:
            prim = d.gpu.prim
            lo = prim.positions.astype(np.float64)
            hi = lo.copy()
            for t in prim.targets:
                lo += np.minimum(t.positions, 0.0)
                hi += np.maximum(t.positions, 0.0)
            if d.skin is None:
                self._boxes.append([(None, _box(lo, hi))])
                continue
            assert prim.joints is not None and prim.weights is not None  # a draw with a skin has them
            boxes: list[tuple[int | None, np.ndarray]] = []
            for j in np.unique(prim.joints[prim.weights > 0]):
                influenced = np.any((prim.joints == j) & (prim.weights > 0), axis=1)
                boxes.append((int(j), _box(lo[influenced], hi[influenced])))
            self._boxes.append(boxes)

    def rect(self, draws: list[Draw], pose: Pose, view_proj: np.ndarray, size) -> tuple[int, int, int, int] | None:
        """(x, y, width, height) in GL pixels (origin bottom left), or None for the whole frame."""
        corners = []
        for d, boxes in zip(draws, self._boxes):
            weights = pose.morph_weights[d.mesh]
            if len(weights) and (weights.min() < 0.0 or weights.max() > 1.0):
                return None  # beyond the growth precomputed for weights in [0, 1]
            for joint, box in boxes:
                m = pose.world[d.node] if joint is None or d.skin is None else pose.skin_matrices[d.skin][joint]
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
