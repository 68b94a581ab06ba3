"""The look of each graphic: subtitle box, lower third, logo, title card, gradient backdrop.

Every measure is a fraction of the frame height, designed at 1080 lines, so a 720p or 480p
render gets the same picture smaller. Shapes are drawn four times oversized and reduced,
so rounded corners are as smooth as the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, UnidentifiedImageError

from ..errors import FileError
from ..renderer.background import _cover as cover
from .fonts import TextFont, text_font
from .patch import Patch
from .subtitles import wrap

SUPERSAMPLE = 4
# Longest subtitle line, in font sizes: about 42 Latin characters, or 16 Chinese ones (the
# usual broadcast limits).
LINE_EMS = {"en": 22.0, "zh": 16.0}
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
DARK = (12, 14, 18)


@dataclass(frozen=True)
class Layout:
    """Sizes and places on a `width` x `height` frame, from the 1080-line design."""

    width: int
    height: int

    def px(self, at_1080: float) -> int:
        return max(1, round(at_1080 * self.height / 1080))

    @property
    def margin_x(self) -> int:  # title-safe: 5% in from each side
        return round(0.05 * self.width)

    @property
    def margin_y(self) -> int:
        return round(0.05 * self.height)

    # Subtitles: text size, line pitch, box padding, and the box's bottom edge.
    @property
    def sub_font(self) -> int:
        return self.px(46)

    @property
    def sub_line(self) -> int:
        return self.px(62)

    @property
    def sub_pad(self) -> tuple[int, int]:
        return self.px(26), self.px(12)

    @property
    def sub_bottom(self) -> int:
        return self.height - self.px(64)

    def sub_max_width(self, lang: str) -> float:
        return min(LINE_EMS[lang] * self.sub_font, 0.9 * self.width - 2 * self.sub_pad[0])

    @property
    def sub_top(self) -> int:
        """The top of the tallest (two-line) subtitle box: nothing else goes below it."""
        return self.sub_bottom - 2 * self.sub_line - 2 * self.sub_pad[1]


def _canvas(width: int, height: int) -> Image.Image:
    return Image.new("RGBA", (max(1, width), max(1, height)), (0, 0, 0, 0))


def _paint(canvas: Image.Image, mask: Image.Image, rgb, opacity: float = 1.0) -> None:
    """Lays `rgb` over `canvas` wherever `mask` (L, same size) covers, at `opacity`."""
    if opacity < 1.0:
        mask = mask.point(lambda v: round(v * opacity))
    layer = Image.new("RGBA", canvas.size, (*rgb, 0))
    layer.putalpha(mask)
    canvas.alpha_composite(layer)


def _box(size: tuple[int, int], rect, radius: float) -> Image.Image:
    """An antialiased (rounded) rectangle mask; rect is (x0, y0, x1, y1) in pixels."""
    big = Image.new("L", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), 0)
    scaled = [round(v * SUPERSAMPLE) for v in rect]
    ImageDraw.Draw(big).rounded_rectangle(
        [scaled[0], scaled[1], scaled[2] - 1, scaled[3] - 1], radius=round(radius * SUPERSAMPLE), fill=255
    )
    return big.reduce(SUPERSAMPLE)


def _text(size: tuple[int, int], xy, text: str, font: TextFont, anchor: str) -> Image.Image:
    mask = Image.new("L", size, 0)
    font.draw(ImageDraw.Draw(mask), xy, text, 255, anchor)
    return mask


def fit_text(text: str, lang: str, bold: bool, size: int, max_width: float, max_lines: int):
    """(font, lines): `text` wrapped at `size`, shrunk step by step until `max_lines` hold it."""
    while True:
        font = text_font(lang, size, bold)
        pages = wrap(text, lang, max_width, font.getlength)
        lines = [line for page in pages for line in page]
        if len(lines) <= max_lines or size <= 8:
            return font, lines[:max_lines]
        size = round(size * 0.9)


def subtitle_box(lines: list[str], lang: str, layout: Layout) -> Patch:
    """White text on a dark translucent rounded box, centred at the bottom."""
    font = text_font(lang, layout.sub_font)
    pad_x, pad_y = layout.sub_pad
    w = round(max(font.getlength(line) for line in lines)) + 2 * pad_x
    h = len(lines) * layout.sub_line + 2 * pad_y
    canvas = _canvas(w, h)
    _paint(canvas, _box((w, h), (0, 0, w, h), layout.px(10)), DARK, 0.72)
    for i, line in enumerate(lines):
        centre = (w / 2, pad_y + (i + 0.5) * layout.sub_line)
        _paint(canvas, _text((w, h), centre, line, font, "mm"), (255, 255, 255))
    return Patch(np.asarray(canvas), (layout.width - w) // 2, layout.sub_bottom - h)


def lower_third(name: str, role: str, lang: str, accent, text_color, layout: Layout) -> Patch:
    """Name on a bar of the brand colour (in the text colour if it reads there at AA contrast,
    else black or white), role on a dark bar beneath, bottom left, above the subtitles; a thin
    light edge on the left ties the two together."""
    max_width = 0.55 * layout.width
    name_font, name_lines = fit_text(name, lang, True, layout.px(50), max_width, 1)
    role_font, role_lines = fit_text(role, lang, False, layout.px(32), max_width, 1)
    pad, edge = layout.px(28), layout.px(8)
    name_h = layout.px(84) if name_lines else 0
    role_h = layout.px(54) if role_lines else 0
    name_w = round(name_font.getlength(name_lines[0])) + 2 * pad if name_lines else 0
    role_w = round(role_font.getlength(role_lines[0])) + 2 * pad if role_lines else 0
    w, h = edge + max(name_w, role_w), name_h + role_h
    canvas = _canvas(w, h)
    if name_lines:
        _paint(canvas, _box((w, h), (edge, 0, edge + name_w, name_h), 0), accent)
        ink, _ = readable(text_color, np.array([accent], np.uint8))  # a flat bar needs no scrim
        _paint(canvas, _text((w, h), (edge + pad, name_h / 2), name_lines[0], name_font, "lm"), ink)
    if role_lines:
        _paint(canvas, _box((w, h), (edge, name_h, edge + role_w, h), 0), DARK, 0.85)
        _paint(
            canvas, _text((w, h), (edge + pad, name_h + role_h / 2), role_lines[0], role_font, "lm"), (235, 238, 242)
        )
    _paint(canvas, _box((w, h), (0, 0, edge, h), 0), (255, 255, 255))
    gap = layout.px(28)
    return Patch(np.asarray(canvas), layout.margin_x, layout.sub_top - gap - h)


def logo(path: Path, corner: str, layout: Layout) -> Patch:
    """The logo image, 10% of the frame high, in `corner` inside the title-safe margin."""
    try:
        with Image.open(path) as im:
            im.load()
            # Resizing premultiplied keeps dark fringes off the edges of transparent logos.
            image = im.convert("RGBA").convert("RGBa")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise FileError(f"logo: cannot read image {path}: {exc}") from None
    h = layout.px(108)
    w = max(1, round(image.width * h / image.height))
    image = image.resize((w, h), Image.Resampling.LANCZOS).convert("RGBA")
    x = layout.margin_x if corner.endswith("left") else layout.width - layout.margin_x - w
    y = layout.margin_y if corner.startswith("top") else layout.height - layout.margin_y - h
    return Patch(np.asarray(image), x, y)


#: WCAG 2 AA: normal text needs this contrast ratio against what lies behind it.
AA_CONTRAST = 4.5


def luminance(rgb) -> np.ndarray:
    """WCAG relative luminance of sRGB 0..255 colours (any shape ending in 3)."""
    c = np.asarray(rgb, np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def contrast(a: float, b: float) -> float:
    """WCAG contrast ratio of two relative luminances, 1 (none) to 21."""
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def readable(text_rgb, behind: np.ndarray) -> tuple[tuple[int, int, int], float]:
    """(text colour, scrim opacity) that reach AA contrast over `behind` (its pixels, N x 3): the
    brand's text colour if it does against the backdrop's worst pixels, else black or white,
    whichever does better, and a dark scrim under white text where even that falls short."""
    lum = luminance(behind.reshape(-1, 3))
    darkest, brightest = np.percentile(lum, 2), np.percentile(lum, 98)

    def worst(colour) -> float:
        own = float(luminance(colour))
        return min(contrast(own, darkest), contrast(own, brightest))

    if worst(text_rgb) >= AA_CONTRAST:
        r, g, b = (int(c) for c in text_rgb)
        return (r, g, b), 0.0
    best = max(((0, 0, 0), (255, 255, 255)), key=worst)
    if worst(best) >= AA_CONTRAST:
        return best, 0.0
    # White over black at opacity a: the brightest backdrop pixel darkens to L * (1 - a) (in linear light).
    need = (1.05 / AA_CONTRAST - 0.05) / max(brightest, 1e-6)
    return (255, 255, 255), float(np.clip(1.0 - need, 0.0, 0.85))


def title_card(
    title: str,
    second_line: str,
    lang: str,
    accent,
    text_color,
    layout: Layout,
    backdrop: np.ndarray | None,
    panel: bool = False,
) -> tuple[np.ndarray, Patch]:
    """(backdrop, text): the full-frame picture (the given one, normally the video's own
    background, or a gradient of the brand colour) and the centred title, rule and subtitle to
    lay on it, in a colour that meets WCAG AA contrast over that picture (`readable`).

    `panel` (a transparent video): the card keeps only a rounded panel of that picture behind
    its text, so the title reads the same over whatever stage it is composited on, and the
    backdrop is premultiplied RGBA, clear around the panel."""
    if backdrop is None:
        top = tuple(min(255, round(c * 1.15 + 12)) for c in accent)
        bottom = tuple(round(c * 0.45) for c in accent)
        backdrop = gradient((layout.width, layout.height), top, bottom, vignette=0.35)
    else:
        backdrop = cover(backdrop, (layout.width, layout.height))
    w, h = layout.width, layout.height
    title_font, title_lines = fit_text(title, lang, True, layout.px(92), 0.8 * w, 2)
    sub_font, sub_lines = fit_text(second_line, lang, False, layout.px(44), 0.8 * w, 1)
    title_pitch, gap, rule = round(1.25 * title_font.size), layout.px(34), layout.px(5)
    block = len(title_lines) * title_pitch + (2 * gap + rule + round(1.3 * sub_font.size) if sub_lines else 0)
    y = (h - block) / 2
    title_mask, shadow_mask = Image.new("L", (w, h), 0), Image.new("L", (w, h), 0)
    for line in title_lines:
        for mask, drop in ((title_mask, 0), (shadow_mask, layout.px(4))):
            title_font.draw(ImageDraw.Draw(mask), (w / 2, y + title_pitch / 2 + drop), line, 255, "mm")
        y += title_pitch
    canvas = _canvas(w, h)
    top = (h - block) / 2
    behind: tuple[float, ...] = (0.1 * w, max(top - layout.px(20), 0), 0.9 * w, min(top + block + layout.px(20), h))
    edge = layout.px(40)
    scrim_box: tuple[float, ...] = (0, top - edge, w, top + block + edge)
    if panel:
        lines = [(title_font, line) for line in title_lines] + [(sub_font, line) for line in sub_lines]
        widest = max((font.getlength(line) for font, line in lines), default=0.0)
        pad = layout.px(72)
        behind = scrim_box = (
            max((w - widest) / 2 - pad, 0),
            max(top - pad, 0),
            min((w + widest) / 2 + pad, w),
            min(top + block + pad, h),
        )
    band = backdrop[int(behind[1]) : int(behind[3]), int(behind[0]) : int(behind[2])]
    text_color, scrim = readable(text_color, band)
    if scrim:  # a soft dark band behind the text where the backdrop is too busy or light for any colour
        box = _box((w, h), scrim_box, 0)
        _paint(canvas, box.filter(ImageFilter.GaussianBlur(edge / 2)), (0, 0, 0), scrim)
    # A soft drop shadow lifts the title off any backdrop (dark text casts none).
    if luminance(text_color) > 0.5:
        _paint(canvas, shadow_mask.filter(ImageFilter.GaussianBlur(layout.px(6))), (0, 0, 0), 0.45)
    _paint(canvas, title_mask, text_color)
    if sub_lines:
        y += gap
        rule_w = layout.px(120)
        rule_box = ((w - rule_w) / 2, y, (w + rule_w) / 2, y + rule)
        _paint(canvas, _box((w, h), rule_box, rule / 2), text_color, 0.85)
        y += rule + gap
        centre = (w / 2, y + round(1.3 * sub_font.size) / 2)
        _paint(canvas, _text((w, h), centre, sub_lines[0], sub_font, "mm"), text_color, 0.88)
    if panel:
        alpha = np.asarray(_box((w, h), behind, layout.px(28)), np.uint16)[..., None]
        backdrop = np.concatenate([(backdrop * alpha + 127) // 255, alpha], axis=2).astype(np.uint8)
    return backdrop, Patch(np.asarray(canvas), 0, 0)


# 8x8 ordered-dither thresholds: a smooth gradient in 8 bits would otherwise show bands.
_BAYER = np.array(
    [
        [0, 32, 8, 40, 2, 34, 10, 42],
        [48, 16, 56, 24, 50, 18, 58, 26],
        [12, 44, 4, 36, 14, 46, 6, 38],
        [60, 28, 52, 20, 62, 30, 54, 22],
        [3, 35, 11, 43, 1, 33, 9, 41],
        [51, 19, 59, 27, 49, 17, 57, 25],
        [15, 47, 7, 39, 13, 45, 5, 37],
        [63, 31, 55, 23, 61, 29, 53, 21],
    ],
    np.float32,
)


def gradient(size: tuple[int, int], top_rgb, bottom_rgb, vignette: float = 0.0) -> np.ndarray:
    """A vertical gradient (sRGB 0..255 colours), darkened towards the corners by
    `vignette` (0: none, 0.3: gentle), dithered: H x W x 3 uint8, top row first.
    `size` is (width, height), as everywhere in the renderer."""
    width, height = (int(v) for v in size)
    if width < 1 or height < 1:
        raise ValueError(f"size: expected positive (width, height), got {size!r}")
    if not 0.0 <= vignette <= 1.0:
        raise ValueError(f"vignette: expected 0 to 1, got {vignette!r}")
    top, bottom = (np.asarray(c, np.float32).reshape(3) for c in (top_rgb, bottom_rgb))
    v = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    image = np.broadcast_to(top + (bottom - top) * v, (height, width, 3))
    if vignette:
        y = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None]
        x = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
        image = image * (1.0 - vignette * 0.5 * (x * x + y * y))[..., None]
    dither = np.tile(_BAYER, (height // 8 + 1, width // 8 + 1))[:height, :width, None]
    return np.clip(image + (dither + 0.5) / 64.0, 0, 255).astype(np.uint8)
