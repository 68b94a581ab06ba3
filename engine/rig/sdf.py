"""Signed distance fields: the primitives and smooth blends that sculpt generated characters.

Every function takes points of shape (..., 3) and returns distances of shape (...), negative
inside. Ellipsoids and smooth blends give approximate distances, which is all marching cubes
and soft masks need; smooth blends are what make parts merge without seams.
"""

from __future__ import annotations

import numpy as np


def _local(p: np.ndarray, center, rot: np.ndarray | None) -> np.ndarray:
    """Points in a primitive's own frame; `rot` holds the frame's axes as columns."""
    q = p - np.asarray(center, dtype=np.float64)
    return q if rot is None else q @ rot


def sphere(p: np.ndarray, center, radius: float) -> np.ndarray:
    return np.linalg.norm(p - np.asarray(center, dtype=np.float64), axis=-1) - radius


def ellipsoid(p: np.ndarray, center, radii, rot: np.ndarray | None = None) -> np.ndarray:
    """Inigo Quilez's bound: exact on the surface, close to a true distance near it."""
    q = _local(p, center, rot)
    r = np.asarray(radii, dtype=np.float64)
    k0 = np.linalg.norm(q / r, axis=-1)
    k1 = np.maximum(np.linalg.norm(q / (r * r), axis=-1), 1e-12)
    return k0 * (k0 - 1.0) / k1


def capsule(p: np.ndarray, a, b, radius: float) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    ab = np.asarray(b, dtype=np.float64) - a
    ap = p - a
    t = np.clip((ap @ ab) / float(ab @ ab), 0.0, 1.0)
    return np.linalg.norm(ap - t[..., None] * ab, axis=-1) - radius


def smooth_union(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Union whose crease is filled with a fillet about `k` wide (polynomial smooth-min)."""
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b + (a - b) * h - k * h * (1.0 - h)


def smooth_subtract(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """`a` with `b` carved out, the cut's edge rounded about `k` wide."""
    h = np.clip(0.5 - 0.5 * (a + b) / k, 0.0, 1.0)
    return a + (-b - a) * h + k * h * (1.0 - h)


def smooth_intersect(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    h = np.clip(0.5 - 0.5 * (b - a) / k, 0.0, 1.0)
    return b + (a - b) * h + k * h * (1.0 - h)


def rotation(yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> np.ndarray:
    """Frame axes (columns) turned by yaw about +Y, then pitch about +X, then roll about +Z."""
    cy, sy = np.cos(yaw), np.sin(yaw)
    cp, sp = np.cos(pitch), np.sin(pitch)
    cr, sr = np.cos(roll), np.sin(roll)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return ry @ rx @ rz
