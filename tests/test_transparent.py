"""`--background transparent` (issue 20 item 12): the renderer clears to alpha 0 and keeps an
antialiased edge's alpha; PNGs come out RGBA, WebM (VP9) and MOV (ProRes 4444) carry the alpha
through the overlays, and a format without alpha is refused with a clear message. Real EGL,
real ffmpeg: every file is decoded back and its alpha read."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from PIL import Image
from scipy.ndimage import binary_dilation, binary_erosion

from engine.cli import main
from engine.overlay import Branding, Cue, Overlay
from engine.overlay.elements import Layout
from engine.renderer.alpha import unpremultiply
from engine.renderer.background import TRANSPARENT
from engine.renderer.renderer import Renderer
from engine.renderer.video import ffmpeg_exe
from render_helpers import MASCOT, gl, load_subject  # noqa: F401  (gl: the shared EGL context fixture)

SIZE = (160, 120)
STAGE = (0.85, 0.15, 0.55)  # a loud colour, so a wrong edge shows


def decode(path, size) -> np.ndarray:
    """Every frame of a video as straight RGBA, (frames, height, width, 4); VP9 keeps its alpha
    in a side stream that only libvpx's decoder reads."""
    codec = ["-c:v", "libvpx-vp9"] if str(path).endswith(".webm") else []
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", *codec, "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgba",
                          "pipe:1"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, size[1], size[0], 4)


def inside_and_around(alpha: np.ndarray, margin: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Pixels well inside the opaque avatar, and well clear of it, `margin` pixels from its edge."""
    solid, clear = alpha == 255, alpha == 0
    return binary_erosion(solid, iterations=margin), ~binary_dilation(~clear, iterations=margin)


@pytest.mark.parametrize("msaa", [1, 4])
def test_a_transparent_render_is_the_opaque_one_without_its_background(gl, msaa):  # noqa: F811
    avatar, rig = load_subject("mascot")
    pose = rig.rest_pose()
    with Renderer(avatar, SIZE, msaa, background=TRANSPARENT, ctx=gl, rig=rig) as r:
        premultiplied = r.render(pose)
        whole = r.render_full_frame(pose)
    with Renderer(avatar, SIZE, msaa, background=STAGE, ctx=gl, rig=rig) as r:
        opaque = r.render(pose).astype(float)
    assert premultiplied.shape == (SIZE[1], SIZE[0], 4)
    assert np.abs(premultiplied.astype(int) - whole).max() <= 2, "the patch path keeps alpha as the whole frame does"
    alpha = premultiplied[..., 3]
    assert alpha[0, 0] == 0 and (alpha == 0).mean() > 0.3 and (alpha == 255).mean() > 0.1
    edge = (alpha > 0) & (alpha < 255)
    assert edge.any() == (msaa > 1), "only multisampling leaves partly covered pixels"
    # Laid over the stage colour, the straight pixels give the opaque render, edges included.
    straight = unpremultiply(premultiplied).astype(float)
    a = straight[..., 3:] / 255
    stage = np.array(STAGE) * 255
    over = straight[..., :3] * a + stage * (1 - a)
    assert np.abs(over - opaque).max() <= 3
    if msaa > 1:  # where it matters: read as straight, premultiplied edges would come out dark
        wrong = premultiplied[..., :3] * a + stage * (1 - a)
        assert np.abs(wrong - opaque).max(axis=2)[edge].max() > 20


def test_render_writes_an_rgba_png_and_refuses_an_mp4(tmp_path, capsys):
    out = tmp_path / "still.png"
    assert main(["render", "-o", str(out), "--size", "160x120", "--background", "transparent"]) == 0
    with Image.open(out) as im:
        assert im.mode == "RGBA"
        rgba = np.asarray(im)
    inside, around = inside_and_around(rgba[..., 3])
    assert inside.sum() > 500 and around.sum() > 5000
    assert rgba[0, 0, 3] == 0 and rgba[60, 80, 3] == 255  # a corner, and the mascot's chest
    assert main(["render", "-o", str(tmp_path / "x.mp4"), "--background", "transparent"]) == 2
    err = capsys.readouterr().err
    assert "cannot carry a transparent background" in err and ".webm" in err and ".mov" in err
    assert "Traceback" not in err and not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize("suffix", [".webm", ".mov"])
def test_a_clip_keeps_its_alpha_on_and_around_the_avatar(tmp_path, suffix):
    still, clip = tmp_path / "still.png", tmp_path / f"clip{suffix}"
    common = ["--size", "160x120", "--background", "transparent"]
    assert main(["render", "-o", str(still), *common]) == 0
    assert main(["render", "-o", str(clip), "--duration", "0.2", "--fps", "10", *common]) == 0
    frames = decode(clip, SIZE)
    assert len(frames) == 2
    inside, around = inside_and_around(np.asarray(Image.open(still))[..., 3])
    for frame in frames:
        assert frame[..., 3][inside].min() >= 250, "opaque on the avatar"
        assert frame[..., 3][around].max() <= 5, "clear around it"


def test_overlays_keep_the_frame_transparent_where_they_do_not_cover_it():
    """Premultiplied RGBA frames through the overlay: the subtitle box and lower third add their
    coverage to the alpha, the title card stands on a panel of its backdrop and clears the rest."""
    size = (320, 180)
    branding = Branding(name="Mia", role="Guide", lower_third=(1.0, 9.0), title="Riverton", title_seconds=1.0)
    overlay = Overlay(branding, size, [Cue(1.0, 3.0, "Hello there", "en")], transparent=True)
    card = overlay.apply(np.full((size[1], size[0], 4), 255, np.uint8), 0.5)  # over an opaque render
    panel = card[..., 3] == 255
    assert panel[size[1] // 2, size[0] // 2] and not panel[5, 5] and card[5, 5, 3] == 0
    assert 0.05 < panel.mean() < 0.6, "a panel behind the title, not the whole frame"
    frame = overlay.apply(np.zeros((size[1], size[0], 4), np.uint8), 2.0)  # over nothing
    alpha = frame[..., 3]
    assert alpha[:40].max() == 0, "clear above the graphics"
    assert (alpha == 255).sum() > 100, "the lower third's bars are opaque"
    bottom = Layout(*size).sub_bottom  # the subtitle box's lower edge; its padding holds no text
    box = alpha[bottom - 3 : bottom, size[0] // 2]
    assert (np.abs(box.astype(int) - round(0.72 * 255)) <= 2).all(), "the subtitle box is translucent"
    rgb = frame[..., :3].astype(int)
    assert (rgb <= alpha[..., None]).all(), "colour premultiplied: never above its alpha"
    with pytest.raises(ValueError, match="180 x 320 x 4"):
        overlay.apply(np.zeros((size[1], size[0], 3), np.uint8), 2.0)


def test_speak_writes_a_transparent_webm_with_its_title_card_panel(tmp_path, capsys):
    script = tmp_path / "clip.md"
    script.write_text('+++\ntitle = "Riverton"\ntitle_seconds = 1.0\nname = "Mia"\nvoice = "espeak"\n+++\n\nHello there.\n',
                      encoding="utf-8")
    args = ["speak", str(script), "--size", "160x96", "--msaa", "1", "--background", "transparent"]
    assert main([*args, "-o", str(tmp_path / "x.mp4")]) == 2
    assert "cannot carry a transparent background" in capsys.readouterr().err
    assert main([*args, "--out-dir", str(tmp_path)]) == 0
    frames = decode(tmp_path / "clip.webm", (160, 96))
    card, talking = frames[15], frames[-10]  # half a second in, and near the end
    assert card[48, 80, 3] >= 250 and card[2, 2, 3] <= 5, "the title on its panel, clear around it"
    assert talking[:30, :20, 3].max() <= 5, "clear beside the avatar's head (the lower third is lower down)"
    assert talking[40, 80, 3] >= 250, "opaque on the avatar"
    assert talking[48:80, :40, 3].max() >= 250, "and on the lower third's bar, above the subtitles"
