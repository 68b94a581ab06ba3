"""Straight alpha from premultiplied: the renderer and the overlay composite premultiplied
RGBA (an MSAA resolve averages a pixel's samples, which is right only for premultiplied
colour), while PNG, VP9 and ProRes store straight alpha. Dividing back gives an antialiased
edge its surface's own colour at partial alpha, not a dark fringe.
"""

from __future__ import annotations

import numpy as np


def unpremultiply(rgba: np.ndarray) -> np.ndarray:
    """A straight-alpha copy of premultiplied (H, W, 4) uint8 pixels. Only partly covered
    pixels change: opaque ones are the same either way, and clear ones are black in both."""
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"expected (H, W, 4) uint8 RGBA, got {rgba.dtype} {rgba.shape}")
    out = rgba.copy()
    alpha = rgba[..., 3]
    edge = np.nonzero((alpha > 0) & (alpha < 255))
    a = alpha[edge].astype(np.uint32)[:, None]
    colour = (rgba[edge][:, :3].astype(np.uint32) * 255 + a // 2) // a
    out[edge[0], edge[1], :3] = np.minimum(colour, 255).astype(np.uint8)
    return out
