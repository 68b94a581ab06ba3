"""Branding overlays: what lands where and when on a frame, SRT files, line breaking, fonts."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from engine.overlay import Branding, Cue, Overlay, gradient, paginate, wrap, write_srt
from engine.overlay import fonts
from engine.overlay.patch import Patch
from engine.overlay.subtitles import text_units
from render_helpers import gl, load_subject  # noqa: F401 (gl: fixture)

SIZE = (640, 360)
ZH = ("各位市民，大家晚上好！今天我们介绍公共交通、城市公园（包括新图书馆）"
      "和“智慧城市”计划的最新进展。下周见。")
NO_LINE_START = set("，。！？、；：」』）》”")
NO_LINE_END = set("「『（《“")
EN = ("Good evening. Tonight we have three updates: public transport, the parks department "
      "and the new central library, which opens next spring after a decade of planning.")


def _black(size=SIZE) -> np.ndarray:
    return np.zeros((size[1], size[0], 3), np.uint8)


def _shot(overlay: Overlay, t: float, frame=None) -> np.ndarray:
    return overlay.apply(_black(overlay.size) if frame is None else frame.copy(), t)


def _rows(mask: np.ndarray) -> np.ndarray:
    return np.nonzero(mask.any(axis=1))[0]


@pytest.fixture
def logo_file(tmp_path):
    """An opaque red square in a transparent margin."""
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle([10, 10, 89, 89], fill=(255, 0, 0, 255))
    path = tmp_path / "logo.png"
    image.save(path)
    return path


# -- SRT ------------------------------------------------------------------------------------

SRT_BLOCK = re.compile(
    r"(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n((?:.+\n?)+)"
)


def _read_srt(path):
    def seconds(h, m, s, ms):
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    blocks = path.read_text(encoding="utf-8").split("\n\n")
    out = []
    for block in blocks:
        m = SRT_BLOCK.fullmatch(block.strip("\n") + "\n")
        assert m, f"not an SRT block: {block!r}"
        out.append((int(m.group(1)), seconds(*m.group(2, 3, 4, 5)), seconds(*m.group(6, 7, 8, 9)),
                    m.group(10).rstrip("\n")))
    return out


def test_srt_round_trip(tmp_path):
    cues = [
        Cue(3725.4567, 3727.0, "Good evening.\nWelcome back."),
        Cue(0.0, 1.2344, "市政府今天宣布。", "zh"),
        Cue(61.0005, 62.5, "Parks & libraries"),
    ]
    read = _read_srt(write_srt(cues, tmp_path / "out.srt"))
    assert [n for n, *_ in read] == [1, 2, 3]
    for (_, start, end, text), cue in zip(read, sorted(cues, key=lambda c: c.start)):
        assert abs(start - cue.start) <= 0.001 and abs(end - cue.end) <= 0.001
        assert text == cue.text


def test_srt_of_an_overlay_matches_the_burned_in_lines(tmp_path):
    overlay = Overlay(Branding(), (1280, 720), [Cue(0.5, 9.0, EN), Cue(9.5, 14.0, ZH, "zh")])
    read = _read_srt(write_srt(overlay.cues, tmp_path / "out.srt"))
    assert len(read) == len(overlay.cues) > 2, "long cues are split into several subtitles"
    for (_, start, end, text), cue in zip(read, overlay.cues):
        assert text.split("\n") == cue.text.split("\n") and len(text.split("\n")) <= 2
        assert abs(start - cue.start) <= 0.001 and abs(end - cue.end) <= 0.001
    assert abs(overlay.cues[0].start - 0.5) < 1e-9 and abs(overlay.cues[-1].end - 14.0) < 1e-9
    assert all(a.end <= b.start + 1e-9 for a, b in zip(overlay.cues, overlay.cues[1:]))


# -- line breaking --------------------------------------------------------------------------


@pytest.mark.parametrize("max_units", range(6, 46, 3))
def test_chinese_wrap_keeps_punctuation_with_its_words(max_units):
    pages = wrap(ZH, "zh", max_units)
    lines = [line for page in pages for line in page]
    assert "".join(lines) == ZH, "no character may be lost or added"
    assert all(1 <= len(page) <= 2 for page in pages)
    assert all(line[0] not in NO_LINE_START for line in lines), lines
    assert all(line[-1] not in NO_LINE_END for line in lines), lines
    # Lines overflow only by the punctuation kept with its character.
    assert all(text_units(line) <= max_units + 4 for line in lines)
    assert max(text_units(line) for line in lines) > max_units / 2, "lines should be filled"


@pytest.mark.parametrize("max_units", [10, 24, 42])
def test_english_wrap_breaks_only_between_words(max_units):
    pages = wrap(EN + " Pneumonoultramicroscopicsilicovolcanoconiosis.", "en", max_units)
    lines = [line for page in pages for line in page]
    assert " ".join(lines).split(" ") == (EN + " Pneumonoultramicroscopicsilicovolcanoconiosis.").split(" ")
    assert all(1 <= len(page) <= 2 for page in pages)
    for line in lines:
        assert len(line) <= max_units or " " not in line, f"{line!r} is too long and could have broken"


def test_wrap_measures_in_pixels_of_the_real_font():
    font = fonts.load_font("zh", 40)
    pages = wrap(ZH, "zh", 400, font.getlength)
    assert all(font.getlength(line) <= 400 + 2 * 40 for page in pages for line in page)
    # A line that fits is kept whole; a cue is split into timed pages of at most two lines.
    assert wrap("Hello world", "en", 42) == [["Hello world"]]
    parts = paginate(Cue(2.0, 8.0, ZH, "zh"), 24)
    assert len(parts) > 1 and all(p.text.count("\n") <= 1 for p in parts)
    assert parts[0].start == 2.0 and abs(parts[-1].end - 8.0) < 1e-9


# -- fonts ----------------------------------------------------------------------------------


def test_chinese_font_is_a_simplified_chinese_face_found_with_or_without_fontconfig(monkeypatch):
    face = fonts.find_font("zh")
    assert "SC" in face.family or "CN" in face.family or "Zen Hei" in face.family
    assert ImageFont.truetype(str(face.path), 20, index=face.index).getname()[0] == face.family
    monkeypatch.setattr(fonts.shutil, "which", lambda name: None)
    fonts.installed_faces.cache_clear()
    fonts.find_font.cache_clear()
    try:
        assert fonts.find_font("zh") == face
    finally:
        fonts.installed_faces.cache_clear()
        fonts.find_font.cache_clear()


def test_a_missing_font_names_the_language_and_package(monkeypatch):
    monkeypatch.setattr(fonts, "installed_faces", lambda: ())
    fonts.find_font.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"Chinese.*fonts-noto-cjk"):
            fonts.find_font("zh")
    finally:
        fonts.find_font.cache_clear()
    with pytest.raises(ValueError, match="lang"):
        fonts.find_font("klingon")


# -- burned-in subtitles --------------------------------------------------------------------


def _subtitle_ink(text: str, lang: str) -> np.ndarray:
    frame = _shot(Overlay(Branding(), SIZE, [Cue(0.0, 2.0, text, lang)]), 1.0)
    return frame.max(axis=2) > 128  # white glyphs; the box behind them is dark


def _dejavu_ink(text: str) -> np.ndarray:
    image = Image.new("L", (400, 60), 0)
    ImageDraw.Draw(image).text((10, 10), text, font=ImageFont.truetype("DejaVuSans.ttf", 30), fill=255)
    return np.asarray(image) > 128


def test_chinese_subtitle_burns_in_real_glyphs_at_the_bottom():
    first, second = _subtitle_ink("市政新闻发布", "zh"), _subtitle_ink("公园图书馆开", "zh")
    rows, cols = _rows(first), _rows(first.T)
    assert rows.min() > 0.7 * SIZE[1], "subtitles belong at the bottom"
    assert abs((cols.min() + cols.max()) / 2 - SIZE[0] / 2) < 0.05 * SIZE[0], "and centred"
    assert first.sum() > 300
    # Tofu boxes would be the same for any two strings of one length; real glyphs are not.
    assert (first ^ second).sum() > 0.3 * first.sum()
    # The check has teeth: a font without Chinese draws the two strings identically.
    assert np.array_equal(_dejavu_ink("市政新闻发布"), _dejavu_ink("公园图书馆开"))


def test_a_blank_overlay_leaves_the_frame_alone():
    frame = np.random.default_rng(1).integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    overlay = Overlay(Branding(), SIZE, [])
    for t in (-1.0, 0.0, 1.0, 3.5, 100.0):
        assert np.array_equal(_shot(overlay, t, frame), frame)


def test_subtitles_show_only_between_start_and_end():
    frame = np.full((SIZE[1], SIZE[0], 3), 90, np.uint8)
    overlay = Overlay(Branding(), SIZE, [Cue(1.0, 2.0, "Only now")])

    def changed(t):
        return int((_shot(overlay, t, frame) != frame).any(axis=2).sum())

    assert changed(0.99) == changed(1.0) == changed(2.0) == changed(2.5) == 0
    assert 0 < changed(1.05) and changed(1.95) > 0
    assert changed(1.5) > 500
    faded, full = _shot(overlay, 1.05, frame).astype(int), _shot(overlay, 1.5, frame).astype(int)
    assert np.abs(faded - frame).max() < np.abs(full - frame).max(), "fading in: not yet at full strength"


def test_consecutive_subtitles_cut_without_a_dip():
    overlay = Overlay(Branding(), SIZE, [Cue(1.0, 2.0, "First part"), Cue(2.0, 3.0, "Second part")])
    ends, starts = _shot(overlay, 1.999), _shot(overlay, 2.0)
    assert ends.max() > 200 and starts.max() > 200
    assert not np.array_equal(ends, starts)


# -- lower third, logo, title card ----------------------------------------------------------


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720), (854, 480)])
def test_lower_third_sits_above_the_tallest_subtitle(size):
    branding = Branding(name="Alex Morgan", role="Director of Communications, City of Springfield",
                        lower_third=(0.0, 10.0))
    two_lines = Cue(0.0, 10.0, "A subtitle long enough to need two full lines of text, as wide as they get")
    lower = _shot(Overlay(branding, size, []), 5.0).any(axis=2)
    sub = _shot(Overlay(Branding(), size, [two_lines]), 5.0).any(axis=2)
    assert lower.sum() > 0.01 * lower.size and sub.sum() > 0.01 * sub.size
    assert _rows(sub).size and Overlay(Branding(), size, [two_lines]).cues[0].text.count("\n") == 1
    assert _rows(lower).max() < _rows(sub).min(), "the lower third overlaps the subtitles"
    assert _rows(lower.T).min() < size[0] / 4, "the lower third is on the left"
    # It is drawn to scale: its height is a fixed share of the frame's.
    assert 0.08 < len(_rows(lower)) / size[1] < 0.2


def test_lower_third_slides_in_and_out_on_time():
    overlay = Overlay(Branding(name="Alex Morgan", lower_third=(1.0, 3.0)), SIZE, [])
    assert not _shot(overlay, 0.99).any() and not _shot(overlay, 3.0).any()
    settled, arriving = _shot(overlay, 2.0).any(axis=2), _shot(overlay, 1.1).any(axis=2)
    assert settled.any() and arriving.any()
    assert _rows(arriving.T).max() < _rows(settled.T).max(), "it slides in from the left"


@pytest.mark.parametrize("corner", ["top-left", "top-right", "bottom-left", "bottom-right"])
def test_logo_lands_in_its_corner(logo_file, corner):
    frame = _shot(Overlay(Branding(logo=logo_file, logo_corner=corner), SIZE, []), 0.0)
    red = (frame[..., 0] > 150) & (frame[..., 1] < 60)
    rows, cols = _rows(red), _rows(red.T)
    assert red.sum() > 0.5 * (0.08 * SIZE[1]) ** 2, "the logo is about a tenth of the frame high"
    assert 0.06 < len(rows) / SIZE[1] < 0.12
    top, left = corner.startswith("top"), corner.endswith("left")
    assert (rows.max() < SIZE[1] / 4) if top else (rows.min() > 3 * SIZE[1] / 4)
    assert (cols.max() < SIZE[0] / 4) if left else (cols.min() > 3 * SIZE[0] / 4)
    gaps = (rows.min(), SIZE[1] - 1 - rows.max(), cols.min(), SIZE[0] - 1 - cols.max())
    assert min(gaps) > 0.03 * SIZE[1], "the logo keeps off the edges"


def test_title_card_covers_the_frame_then_dissolves_into_it():
    branding = Branding(title="City Update", subtitle="Weekly briefing", title_seconds=3.0)
    overlay = Overlay(branding, SIZE, [])
    a = np.random.default_rng(2).integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    b = np.zeros_like(a)
    assert np.array_equal(_shot(overlay, 1.5, a), _shot(overlay, 1.5, b)), "the card hides the avatar"
    card = _shot(overlay, 1.5, b).astype(int)
    accent = np.array(branding.accent)
    assert np.abs(card[SIZE[1] // 8, SIZE[0] // 2] - accent).max() < 60, "in the brand colour"
    assert (card.min(axis=2) > 230).sum() > 500, "with the title in white"
    middle = _shot(overlay, 2.75, b).astype(int)
    assert 0 < middle.mean() < card.mean(), "dissolving"
    assert np.array_equal(_shot(overlay, 3.0, a), a)


def test_title_card_uses_a_given_backdrop():
    backdrop = np.zeros((90, 160, 3), np.uint8)
    backdrop[:, :80] = (0, 200, 0)
    overlay = Overlay(Branding(title="x", title_seconds=2.0), SIZE, [], background=backdrop)
    card = _shot(overlay, 1.0)
    assert np.array_equal(card[5, 5], [0, 200, 0]) and np.array_equal(card[5, -5], [0, 0, 0])


# -- pieces ---------------------------------------------------------------------------------


def test_patch_blending_matches_float_compositing_and_never_overflows():
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (40, 50, 4), dtype=np.uint8)
    rgba[0, :, 3], rgba[1, :, 3] = 255, 0
    frame = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    patch = Patch(rgba, 10, 5)
    for opacity in (1.0, 0.7, 0.25):
        out = frame.copy()
        patch.blend(out, opacity)
        a = rgba[..., 3:] / 255 * opacity
        expected = rgba[..., :3] * a + frame[5:45, 10:60] * (1 - a)
        assert np.abs(out[5:45, 10:60] - expected).max() <= 2.5
        assert np.array_equal(out[:5], frame[:5]), "outside the patch nothing changes"
    out = frame.copy()
    patch.blend(out)
    assert np.array_equal(out[5, 10:60], rgba[0, :, :3]), "opaque pixels replace the frame"
    assert np.array_equal(out[6, 10:60], frame[6, 10:60]), "clear pixels leave it exactly"
    clipped = frame.copy()
    patch.blend(clipped, dx=-30, dy=40)  # mostly off the frame: clipped, no error
    assert np.array_equal(clipped[:45], frame[:45])


def test_gradient_runs_top_to_bottom_and_darkens_corners():
    image = gradient((320, 180), (200, 100, 0), (0, 100, 200))
    assert image.shape == (180, 320, 3) and image.dtype == np.uint8
    assert np.abs(image[0].mean(axis=0) - [200, 100, 0]).max() < 1.5
    assert np.abs(image[-1].mean(axis=0) - [0, 100, 200]).max() < 1.5
    vignetted = gradient((320, 180), (120, 120, 120), (120, 120, 120), vignette=0.4)
    assert vignetted[90, 160].mean() > vignetted[0, 0].mean() + 30


def test_renderer_takes_a_gradient_as_its_background(gl):
    from engine.renderer.renderer import Renderer

    avatar, rig = load_subject("synthetic")
    backdrop = gradient((80, 60), (250, 0, 0), (0, 0, 250))
    with Renderer(avatar, (80, 60), ctx=gl, rig=rig, background=backdrop) as r:
        image = r.render(rig.rest_pose())
    assert np.array_equal(image[0, 0], backdrop[0, 0]) and np.array_equal(image[-1, -1], backdrop[-1, -1])
    with pytest.raises(ValueError, match="background"):
        Renderer(avatar, (80, 60), ctx=gl, rig=rig, background=backdrop.astype(np.float32)).close()


# -- bad input ------------------------------------------------------------------------------


def test_bad_inputs_name_their_field(tmp_path, logo_file):
    not_an_image = tmp_path / "logo.png"
    not_an_image.write_text("hello")
    bad = [
        (lambda: Branding(logo=tmp_path / "missing.png"), "logo"),
        (lambda: Overlay(Branding(logo=not_an_image), SIZE, []), "logo"),
        (lambda: Branding(logo=logo_file, logo_corner="middle"), "logo_corner"),
        (lambda: Branding(lower_third=(5.0, 2.0)), "lower_third"),
        (lambda: Branding(lower_third=(math.nan, 2.0)), "lower_third"),
        (lambda: Branding(title_seconds=math.nan), "title_seconds"),
        (lambda: Branding(accent=(0, 300, 0)), "accent"),
        (lambda: Branding(lang="fr"), "lang"),
        (lambda: Cue(2.0, 2.0, "x"), "end"),
        (lambda: Cue(math.nan, 2.0, "x"), "start"),
        (lambda: Cue(0.0, math.inf, "x"), "end"),
        (lambda: Cue(0.0, 1.0, "x", "xx"), "lang"),
        (lambda: Overlay(Branding(), SIZE, []).apply(np.zeros((10, 10, 3), np.uint8), 0.0), "image"),
    ]
    for make, field in bad:
        with pytest.raises(ValueError, match=field):
            make()
