"""What lies behind the avatar: a flat colour or an image (a file, or RGB pixels such as
`engine.overlay.gradient` makes) scaled to cover the frame, or nothing at all (`TRANSPARENT`).

Colours are sRGB (as `#RRGGBB` means) and the colour buffer holds sRGB-encoded values, so
both go in unchanged. Over `TRANSPARENT` the buffer is cleared to alpha 0 and the avatar's
coverage builds up its alpha: the frame comes out premultiplied (see alpha.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import moderngl
import numpy as np

from ..errors import OptionError
from .errors import RendererError
from .shaders import program

DEFAULT_COLOR = (0.86, 0.89, 0.93)
#: No background: an RGBA clear colour of alpha 0, for compositing the avatar elsewhere.
TRANSPARENT = (0.0, 0.0, 0.0, 0.0)


def parse_color(text: str) -> tuple[float, float, float]:
    """`#RRGGBB` (or `RRGGBB`) to sRGB floats in [0, 1]."""
    m = re.fullmatch(r"#?([0-9a-fA-F]{6})", text.strip())
    if not m:
        raise OptionError(f"background: expected #RRGGBB, got {text!r}")
    h = m.group(1)
    return int(h[0:2], 16) / 255.0, int(h[2:4], 16) / 255.0, int(h[4:6], 16) / 255.0


def _cover(source, size: tuple[int, int]) -> np.ndarray:
    """The image (a path, or an H x W x 3 uint8 array) scaled to cover `size` and
    centre-cropped, as RGB uint8 rows top to bottom."""
    from PIL import Image, UnidentifiedImageError

    pixels = isinstance(source, np.ndarray)
    if pixels and (source.dtype != np.uint8 or source.ndim != 3 or source.shape[2] != 3 or source.size == 0):
        raise ValueError(f"background: expected an H x W x 3 uint8 array, got {source.dtype} {source.shape}")
    try:
        with Image.fromarray(source) if pixels else Image.open(source) as im:
            im = im.convert("RGB")
            w, h = size
            scale = max(w / im.width, h / im.height)
            sw, sh = max(w, round(im.width * scale)), max(h, round(im.height * scale))
            im = im.resize((sw, sh), Image.Resampling.LANCZOS)
            left, top = (sw - w) // 2, (sh - h) // 2
            return np.asarray(im.crop((left, top, left + w, top + h)))
    except (OSError, UnidentifiedImageError) as exc:
        raise RendererError(f"background: cannot read image {source}: {exc}") from None


class Background:
    """Clears a framebuffer to a colour, or paints an image behind everything."""

    def __init__(self, ctx: moderngl.Context, spec, size: tuple[int, int]):
        self.ctx = ctx
        self.color = DEFAULT_COLOR
        self.transparent = isinstance(spec, tuple) and spec == TRANSPARENT
        self._texture: moderngl.Texture | None = None
        self._program: moderngl.Program | None = None
        self._vao: moderngl.VertexArray | None = None
        if self.transparent:
            self.color = TRANSPARENT[:3]
        if spec is None or self.transparent:
            return
        if isinstance(spec, (str, Path, np.ndarray)):
            pixels = _cover(spec if isinstance(spec, np.ndarray) else Path(spec), size)
            # GL rows run bottom to top.
            self._texture = ctx.texture(size, 3, np.ascontiguousarray(pixels[::-1]).tobytes())
            self._program = program(ctx, "background.vert", "background.frag")
            self._vao = ctx.vertex_array(self._program, [])
            return
        color = tuple(float(c) for c in spec)
        if len(color) != 3 or not all(0.0 <= c <= 1.0 for c in color):
            raise ValueError(
                f"background: expected (r, g, b) in [0, 1], TRANSPARENT, an image path or an RGB array, got {spec!r}"
            )
        self.color = color

    def draw(self, fbo: moderngl.Framebuffer, offset: tuple[int, int] = (0, 0)) -> None:
        """Clears `fbo` (colour and depth) and paints the background into it; `offset` is
        where the framebuffer's origin lies in the whole frame (a patch of it, see patch.py)."""
        fbo.use()
        fbo.clear(*self.color, 0.0 if self.transparent else 1.0, depth=1.0)
        if self._texture is not None:
            assert self._program is not None and self._vao is not None  # made with the texture
            self.ctx.disable(moderngl.DEPTH_TEST | moderngl.BLEND)
            self._texture.use(0)
            self._program["u_image"] = 0
            self._program["u_offset"] = tuple(offset)
            self._vao.render(moderngl.TRIANGLES, vertices=3)

    def release(self) -> None:
        for obj in (self._vao, self._program, self._texture):
            if obj is not None:
                obj.release()
