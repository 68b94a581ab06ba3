"""The title card stands on the video's own background, and its text meets WCAG AA contrast
(4.5:1) against it whatever the brand's colours: light, dark or a busy image."""

import numpy as np
import pytest
from PIL import Image

from engine.overlay.elements import AA_CONTRAST, Layout, contrast, luminance, title_card


def _text_contrast(backdrop: np.ndarray, text) -> float:
    """Contrast of the drawn title against the card behind it, at its worst (2nd percentile)."""
    full = backdrop.copy()
    text.blend(full)
    on_black, on_white = np.zeros_like(backdrop), np.full_like(backdrop, 255)
    text.blend(on_black), text.blend(on_white)
    ink = np.all(on_black == on_white, axis=2)  # fully covered pixels, whatever lies below: glyph cores
    ys, xs = np.nonzero(ink)
    ink_lum = float(np.median(luminance(full[ys, xs])))
    block = (slice(ys.min(), ys.max()), slice(xs.min(), xs.max()))
    around = luminance(full[block][~ink[block]])
    behind = np.percentile(around, 98) if ink_lum < 0.5 else np.percentile(around, 2)
    return contrast(ink_lum, float(behind))


@pytest.mark.parametrize("colour", [(240, 230, 140), (11, 42, 74), (128, 128, 128), (255, 255, 255)])
def test_a_title_is_readable_on_any_flat_brand_background(colour):
    layout = Layout(640, 360)
    backdrop = np.full((360, 640, 3), colour, np.uint8)
    card, text = title_card(
        "Welcome to Riverton", "The city by the bay", "en", (0, 94, 184), (255, 255, 255), layout, backdrop
    )
    assert np.array_equal(card, backdrop)  # the card wears the background, not the accent colour
    assert _text_contrast(card, text) >= AA_CONTRAST


def test_a_busy_light_image_gets_a_scrim_under_the_title(tmp_path):
    rng = np.random.default_rng(0)
    busy = rng.integers(150, 256, (360, 640, 3), dtype=np.uint8)
    layout = Layout(640, 360)
    card, text = title_card("Welcome to Riverton", "", "en", (0, 94, 184), (255, 255, 255), layout, busy)
    full = card.copy()
    text.blend(full)
    Image.fromarray(full).save(tmp_path / "card.png")
    assert _text_contrast(card, text) >= AA_CONTRAST


def test_a_light_brand_colour_gets_dark_name_text_in_the_lower_third():
    from engine.overlay.elements import lower_third

    layout = Layout(640, 360)
    on_light = lower_third("Mia", "", "en", (255, 220, 120), (255, 255, 255), layout)
    on_dark = lower_third("Mia", "", "en", (11, 42, 74), (255, 255, 255), layout)
    frame = np.zeros((360, 640, 3), np.uint8)
    light, dark = frame.copy(), frame.copy()
    on_light.blend(light), on_dark.blend(dark)
    # The name's glyphs are the darkest (light bar) or brightest (dark bar) pixels of the bar.
    bar = (slice(on_light.y, on_light.y + on_light.height), slice(on_light.x + 10, on_light.x + on_light.width))
    assert luminance(light[bar]).min() < 0.05 and luminance(dark[bar]).max() > 0.9
