"""Soft weight masks for sculpting deformations and paint: smooth steps and compact bumps.

A shape is a displacement times a mask; masks that reach exactly zero at a finite distance
keep every shape local (and its stored morph target sparse).
"""

from __future__ import annotations

import numpy as np


def smoothstep(e0, e1, x):
    """0 at e0, 1 at e1, smooth in between; e0 > e1 gives the falling step."""
    t = np.clip((np.asarray(x, dtype=np.float64) - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def bump(p: np.ndarray, center, radii) -> np.ndarray:
    """1 at `center`, falling smoothly to exactly 0 on the ellipsoid with `radii`."""
    r2 = np.sum(((p - np.asarray(center, dtype=np.float64)) / np.asarray(radii, dtype=np.float64)) ** 2, axis=-1)
    return np.clip(1.0 - r2, 0.0, None) ** 3


def mix(a, b, t):
    """Per-vertex blend of colours or vectors: a where t = 0, b where t = 1."""
    t = np.asarray(t)[..., None]
    return a * (1.0 - t) + b * t
