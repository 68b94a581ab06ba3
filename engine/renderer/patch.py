"""Frames drawn only where the avatar can be, pasted over a picture of the background.

The background does not change, so a frame is that picture with one rectangle replaced: the
part of the screen the posed avatar can cover (screen_bounds.py). The rectangle is drawn
into framebuffers about its own size, through a viewport shifted so that their pixels are
those pixels of the whole frame. Clearing, resolving, reading back and painting a background
picture then scale with the avatar, not the frame: a 1080p bust covers about 30% of it, and
on llvmpipe a frame takes about 12% less CPU over a flat colour and 30% less over a picture
(bench/render.py). The background is drawn inside the rectangle too, so the avatar's edge
pixels blend with it as in a whole-frame render. Shifted vertices round a little differently,
so now and then one multisample edge sample lands the other way: a few dozen pixels of a
1080p frame differ from the whole-frame render, nearly all by one level.
"""

from __future__ import annotations

import moderngl
import numpy as np

from .targets import Targets

#: Framebuffer sides are rounded up to a multiple of this, so that the avatar moving by a few
#: pixels reuses them (making new ones costs llvmpipe some 10 ms).
GRAIN = 64


class Patch:
    """`backdrop`: the whole frame with nothing but the background, (height, width, 3 or 4)
    uint8, top row first; frames have as many channels."""

    def __init__(self, ctx: moderngl.Context, samples: int, backdrop: np.ndarray):
        self.ctx = ctx
        self.samples = samples
        self.backdrop = backdrop
        self._targets: Targets | None = None
        self._rect = (0, 0, 0, 0)
        self._pixels = bytearray()

    def target(self, rect: tuple[int, int, int, int]) -> moderngl.Framebuffer:
        """The framebuffer to draw rectangle `rect` (x, y, width, height in GL pixels of the
        whole frame) into, with its viewport set; draw the whole frame, only `rect` is kept."""
        x, y, w, h = rect
        need = np.array([-(-w // GRAIN), -(-h // GRAIN)]) * GRAIN
        have = np.array(self._targets.size if self._targets else (0, 0))
        if np.any(need > have):
            self._allocate(np.maximum(need, have))
        elif 2 * need.prod() < have.prod():  # much smaller now: stop clearing the excess
            self._allocate(need)
        assert self._targets is not None, "a patch of no pixels (the renderer skips those)"
        height, width = self.backdrop.shape[:2]
        self._targets.draw.viewport = (-x, -y, width, height)
        self._rect = rect
        return self._targets.draw

    def _allocate(self, size) -> None:
        if self._targets is not None:
            self._targets.release()
        self._targets = Targets(self.ctx, (int(size[0]), int(size[1])), self.samples)
        self._pixels = bytearray(int(size[0]) * int(size[1]) * self.backdrop.shape[2])

    def image(self) -> np.ndarray:
        """The whole frame: the backdrop with the rectangle just drawn pasted in."""
        x, y, w, h = self._rect
        assert self._targets is not None, "image() before target()"
        self._targets.resolve((0, 0, w, h))
        channels = self.backdrop.shape[2]
        self._targets.resolved.read_into(self._pixels, viewport=(0, 0, w, h), components=channels, alignment=1)
        patch = np.frombuffer(self._pixels, np.uint8, w * h * channels).reshape(h, w, channels)
        frame = self.backdrop.copy()
        top = frame.shape[0] - y - h  # GL rows run bottom to top
        frame[top : top + h, x : x + w] = patch[::-1]
        return frame

    def release(self) -> None:
        if self._targets is not None:
            self._targets.release()
            self._targets = None
