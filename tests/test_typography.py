"""One font family per writing system (issue 20 item 10): Latin text is drawn in the same
family in an English subtitle and in a Chinese title, subtitle or lower third, and that family
matches the Chinese one (Noto Sans beside Noto Sans CJK). Real fonts, found by fontconfig."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from engine.overlay import Branding, Cue, Overlay
from engine.overlay.fonts import find_font, load_font, text_font

SIZE = (640, 360)


def _ink(image: np.ndarray) -> np.ndarray:
    """The white text of a subtitle on its dark box, cropped to its ink."""
    ink = image.min(axis=2) > 200
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _subtitle(text: str, lang: str) -> np.ndarray:
    frame = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    return Overlay(Branding(), SIZE, [Cue(0.0, 2.0, text, lang)]).apply(frame, 1.0)


def test_the_latin_family_is_the_chinese_familys_partner():
    chinese, latin = find_font("zh").family, find_font("en").family
    if chinese.startswith("Noto Sans CJK"):
        assert latin == "Noto Sans", "install fonts-noto-core (scripts/setup.sh does)"


def test_latin_words_look_the_same_in_english_and_chinese_subtitles():
    english, chinese = _ink(_subtitle("Riverton Harbour", "en")), _ink(_subtitle("Riverton Harbour", "zh"))
    assert abs(english.shape[1] - chinese.shape[1]) <= 1, "the same words, the same width"
    assert abs(english.shape[0] - chinese.shape[0]) <= 1
    h, w = min(english.shape[0], chinese.shape[0]), min(english.shape[1], chinese.shape[1])
    assert (english[:h, :w] != chinese[:h, :w]).mean() < 0.02, "the same glyphs"


def test_a_mixed_line_draws_each_script_in_its_own_family():
    font = text_font("zh", 48)
    runs = font.runs("Riverton · 河湾市 2024年")
    assert [piece for piece, _ in runs] == ["Riverton · ", "河湾市", " 2024", "年"]
    families = [f.getname()[0] for _, f in runs]
    assert families[0] == families[2] == find_font("en").family
    assert families[1] == families[3] == find_font("zh").family
    # Drawn, the Latin half has exactly the pixels of the English font's drawing of it.
    mixed, alone = Image.new("L", (700, 80)), Image.new("L", (700, 80))
    font.draw(ImageDraw.Draw(mixed), (10, 60), "Riverton · 河湾市", 255, "ls")
    ImageDraw.Draw(alone).text((10, 60), "Riverton · ", font=load_font("en", 48), fill=255, anchor="ls")
    split = 10 + round(load_font("en", 48).getlength("Riverton · "))
    assert np.array_equal(np.asarray(mixed)[:, :split], np.asarray(alone)[:, :split])
    assert np.asarray(mixed)[:, split:].max() == 255, "and the Chinese half is drawn too"
