"""Branding laid over rendered frames: title card, lower third, subtitles, logo.

Everything is drawn once (subtitles when their cue first shows) and each frame only blends
the rectangles that are on screen, so a 1080p frame with subtitles, lower third and logo
costs a fraction of a millisecond (see bench/overlay.py). Layers, bottom to top: lower third, title card
(which hides the avatar and anything timed under it), subtitles, logo.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import FileError, OptionError
from .elements import CORNERS, Layout, gradient, logo, lower_third, subtitle_box, title_card
from .fonts import language, text_font
from .patch import Patch
from .subtitles import Cue, paginate

SUBTITLE_FADE = 0.2  # seconds in and out, where a subtitle does not follow straight on
RUN_GAP = 0.25  # subtitles closer together than this cut straight from one to the next
LOWER_THIRD_MOVE = 0.4  # seconds it slides in, and out
TITLE_FADE = 0.5  # seconds the title card takes to dissolve into the avatar
TITLE_TEXT_IN = (0.2, 0.6)  # the title's text fades up after this delay, over this long

__all__ = ["Branding", "Overlay", "gradient"]


@dataclass
class Branding:
    """What the overlay shows and in which colours. Colours are sRGB 0..255; times are
    seconds from the start of the video. The lower third is hidden under the title card,
    so start it after `title_seconds`."""

    accent: tuple[int, int, int] = (0, 94, 184)
    text_color: tuple[int, int, int] = (255, 255, 255)
    logo: Path | None = None
    logo_corner: str = "top-right"
    name: str = ""
    role: str = ""
    lower_third: tuple[float, float] = (1.0, 7.0)
    title: str = ""
    subtitle: str = ""
    title_seconds: float = 0.0
    lang: str = "en"

    def __post_init__(self):
        """Raises ValueError naming the first field that is wrong."""
        for field in ("accent", "text_color"):
            value = getattr(self, field)
            if not (
                isinstance(value, (tuple, list))
                and len(value) == 3
                and all(isinstance(c, (int, np.integer)) and 0 <= c <= 255 for c in value)
            ):
                raise OptionError(f"branding.{field}: expected (r, g, b) integers 0..255, got {value!r}")
        if self.logo is not None and not Path(self.logo).is_file():
            raise FileError(f"branding.logo: no such file {self.logo}")
        if self.logo_corner not in CORNERS:
            raise OptionError(f"branding.logo_corner: expected one of {', '.join(CORNERS)}, got {self.logo_corner!r}")
        start, end = _times("branding.lower_third", self.lower_third)
        if end <= start:
            raise OptionError(f"branding.lower_third: the end must come after the start, got {(start, end)}")
        if not _finite(self.title_seconds) or self.title_seconds < 0:
            raise OptionError(f"branding.title_seconds: expected a finite number >= 0, got {self.title_seconds!r}")
        try:
            language(self.lang)
        except ValueError as exc:
            raise OptionError(f"branding.{exc}") from None


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _times(field: str, pair) -> tuple[float, float]:
    try:
        start, end = pair
    except (TypeError, ValueError):
        raise OptionError(f"{field}: expected (start, end) in seconds, got {pair!r}") from None
    if not (_finite(start) and _finite(end)):
        raise OptionError(f"{field}: expected finite (start, end) in seconds, got {pair!r}")
    return float(start), float(end)


def _ramp(x: float) -> float:
    return min(max(x, 0.0), 1.0)


class Overlay:
    """Composites `branding` and `cues` onto `size` = (width, height) frames. `background`
    (RGB uint8, scaled to cover) replaces the title card's brand-colour gradient. `transparent`:
    frames are premultiplied RGBA (a transparent render) and keep their alpha; the title card
    then stands on a panel of its backdrop, and the rest of the frame stays clear.

    `cues` become `self.cues`: wrapped to at most two lines (joined by "\\n") in pixels of the
    font they are drawn in, long ones split into consecutive cues; give those to `write_srt`
    for a file that matches the picture."""

    def __init__(
        self,
        branding: Branding,
        size: tuple[int, int],
        cues: Sequence[Cue] = (),
        background: np.ndarray | None = None,
        transparent: bool = False,
    ):
        width, height = (int(v) for v in size)
        if width < 16 or height < 16:
            raise ValueError(f"size: expected (width, height) of at least 16 pixels, got {size!r}")
        if background is not None and not (
            isinstance(background, np.ndarray)
            and background.dtype == np.uint8
            and background.ndim == 3
            and background.shape[2] == 3
            and background.size > 0
        ):
            raise ValueError("background: expected an RGB uint8 array (H x W x 3)")
        # A copy (validated on the way): changing the caller's Branding later changes nothing.
        self.branding = branding = replace(branding)
        self.size = (width, height)
        self.channels = 4 if transparent else 3
        self.layout = layout = Layout(width, height)

        self.cues = sorted(
            (
                page
                for cue in cues
                for page in paginate(
                    cue, layout.sub_max_width(cue.lang), text_font(cue.lang, layout.sub_font).getlength
                )
            ),
            key=lambda c: c.start,
        )
        self._starts = [c.start for c in self.cues]
        self._reach = list(np.maximum.accumulate([c.end for c in self.cues]))
        # A subtitle fades in (out) unless another ends (starts) right beside it.
        self._fade_in = [i == 0 or c.start - self.cues[i - 1].end > RUN_GAP for i, c in enumerate(self.cues)]
        self._fade_out = [
            i == len(self.cues) - 1 or self.cues[i + 1].start - c.end > RUN_GAP for i, c in enumerate(self.cues)
        ]
        self._shown: tuple[int, Patch] | None = None

        self._logo = logo(Path(branding.logo), branding.logo_corner, layout) if branding.logo else None
        self._lower: Patch | None = None
        if branding.name.strip() or branding.role.strip():
            self._lower = lower_third(
                branding.name, branding.role, branding.lang, branding.accent, branding.text_color, layout
            )
        self._card: tuple[np.ndarray, Patch, np.ndarray] | None = None  # backdrop, text, both
        if branding.title_seconds > 0:
            backdrop, text = title_card(
                branding.title,
                branding.subtitle,
                branding.lang,
                branding.accent,
                branding.text_color,
                layout,
                background,
                panel=transparent,
            )
            full = backdrop.copy()
            text.blend(full)
            self._card = (backdrop, text, full)

    def apply(self, image: np.ndarray, t: float) -> np.ndarray:
        """Composites what shows at `t` seconds onto `image` (H x W x `channels` uint8, changed
        in place) and returns it."""
        expected = (self.size[1], self.size[0], self.channels)
        if image.shape != expected or image.dtype != np.uint8:
            raise ValueError(f"image: expected {' x '.join(map(str, expected))} uint8, got {image.dtype} {image.shape}")
        if self._lower is not None:
            self._draw_lower_third(self._lower, image, t)
        if self._card is not None:
            self._draw_title_card(self._card, image, t)
        self._draw_subtitle(image, t)
        if self._logo is not None:
            self._logo.blend(image, 0.92)
        return image

    def _draw_lower_third(self, lower: Patch, image: np.ndarray, t: float) -> None:
        start, end = self.branding.lower_third
        shown = _ramp(min(t - start, end - t) / LOWER_THIRD_MOVE)
        if shown > 0:
            eased = 1.0 - (1.0 - shown) ** 3  # fast out of the edge, settling gently
            slide = self.layout.px(60)
            lower.blend(image, eased, dx=-round((1.0 - eased) * slide))

    def _draw_title_card(self, card: tuple[np.ndarray, Patch, np.ndarray], image: np.ndarray, t: float) -> None:
        seconds = self.branding.title_seconds
        if not 0.0 <= t < seconds:
            return
        backdrop, text, full = card
        fade = min(TITLE_FADE, seconds / 3)
        level = _ramp((seconds - t) / fade)
        delay, rise = min(TITLE_TEXT_IN[0], seconds / 10), min(TITLE_TEXT_IN[1], seconds / 4)
        text_in = _ramp((t - delay) / rise)
        if text_in < 1.0:
            picture = backdrop.copy()
            eased = 1.0 - (1.0 - text_in) ** 3
            text.blend(picture, eased, dy=round((1.0 - eased) * self.layout.px(24)))
        else:
            picture = full
        if level >= 1.0:
            np.copyto(image, picture)
        else:
            k = round(level * 256)
            mixed = image * np.uint16(256 - k)
            mixed >>= 8
            mixed += (picture * np.uint16(k)) >> 8
            image[...] = mixed

    def _draw_subtitle(self, image: np.ndarray, t: float) -> None:
        i = bisect_right(self._starts, t) - 1
        # The latest cue that has started and not ended (earlier, longer ones can overlap it).
        while i >= 0 and self.cues[i].end <= t and self._reach[i] > t:
            i -= 1
        if i < 0 or self.cues[i].end <= t:
            self._shown = None
            return
        cue = self.cues[i]
        level = 1.0
        if self._fade_in[i]:
            level = min(level, (t - cue.start) / SUBTITLE_FADE)
        if self._fade_out[i]:
            level = min(level, (cue.end - t) / SUBTITLE_FADE)
        if self._shown is None or self._shown[0] != i:
            self._shown = (i, subtitle_box(cue.text.split("\n"), cue.lang, self.layout))
        self._shown[1].blend(image, _ramp(level))
