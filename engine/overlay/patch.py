"""A graphic drawn once and blended onto every frame it shows on, at any opacity.

Text and shapes are expensive to draw and cheap to blend: drawing happens once, with PIL,
and each frame then costs four integer numpy passes over the patch's own rectangle. The
colour is stored premultiplied by coverage and the coverage as 0..256 (so 255 becomes a
full 256 and `>> 8` divides exactly at both ends): opaque pixels replace the frame, clear
ones leave it untouched, bit for bit. A frame with alpha (RGBA, premultiplied, as the
renderer makes over a transparent background) gains the patch's coverage in its alpha.
"""

from __future__ import annotations

import numpy as np


class Patch:
    """Straight-alpha RGBA pixels (h x w x 4 uint8) placed with their top-left at (x, y)."""

    def __init__(self, rgba: np.ndarray, x: int, y: int):
        rgba = np.asarray(rgba)
        if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
            raise ValueError(f"patch: expected h x w x 4 uint8 RGBA, got {rgba.dtype} {rgba.shape}")
        # Fully clear borders cost blending time and change nothing: trim them.
        rows, cols = np.nonzero(rgba[..., 3].any(axis=1))[0], np.nonzero(rgba[..., 3].any(axis=0))[0]
        if len(rows) == 0:
            rgba, rows, cols = rgba[:0, :0], np.zeros(1, int), np.zeros(1, int)
        else:
            rgba = rgba[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        self.x, self.y = int(x) + int(cols[0]), int(y) + int(rows[0])
        alpha = rgba[..., 3:].astype(np.uint16)
        self._color = (rgba[..., :3] * alpha + 127) // 255  # premultiplied, uint16
        # Coverage 0..256, repeated for each channel: broadcasting would blend 10x slower.
        self._cover = np.repeat(alpha + (alpha >> 7), 3, axis=2)
        self._keep = 256 - self._cover

    @property
    def height(self) -> int:
        return self._color.shape[0]

    @property
    def width(self) -> int:
        return self._color.shape[1]

    def blend(self, frame: np.ndarray, opacity: float = 1.0, dx: int = 0, dy: int = 0) -> None:
        """Composites onto `frame` (H x W x 3, or x 4 premultiplied, uint8) in place, moved by
        (dx, dy), clipped."""
        level = int(round(min(max(opacity, 0.0), 1.0) * 256))
        x0, y0 = self.x + dx, self.y + dy
        fx0, fy0 = max(x0, 0), max(y0, 0)
        fx1, fy1 = min(x0 + self.width, frame.shape[1]), min(y0 + self.height, frame.shape[0])
        if level == 0 or fx0 >= fx1 or fy0 >= fy1:
            return
        inside = (slice(fy0 - y0, fy1 - y0), slice(fx0 - x0, fx1 - x0))
        color: np.ndarray = self._color[inside]
        keep: np.ndarray = self._keep[inside]
        if level < 256:
            # color * level >> 8 never exceeds cover * level >> 8, so the sum stays <= 255.
            color = (color * level) >> 8
            keep = 256 - ((self._cover[inside] * level) >> 8)
        if frame.shape[2] == 4:  # a + dst * (1 - a), with a 0..256 read as 0..255, rounded: 255 stays 255
            alpha = frame[fy0:fy1, fx0:fx1, 3]
            kept = alpha * keep[..., 0]
            kept += 255 * (256 - keep[..., 0]) + 128
            kept >>= 8
            alpha[...] = kept
        region = frame[fy0:fy1, fx0:fx1, :3]
        mixed = region * keep
        mixed >>= 8
        mixed += color
        region[...] = mixed
