"""Framing and windows (issue 20 item 8): `full` is a full-body shot of a humanoid and the whole
figure of anything else, unlike `bust`; a window never opens larger than the screen. The
side-by-side panel's aspect is tested in test_render_sinks.py. Real EGL, and a real window on
Xvfb."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from engine.renderer.platform import fit_to_screen
from engine.renderer.renderer import Renderer
from engine.rig.gltf import load_avatar
from engine.rig.rig import Rig
from humanoid_fixtures import build_humanoid
from render_helpers import MASCOT, gl, load_subject  # noqa: F401  (gl: the shared EGL context fixture)
from test_render_sinks import FACES, ROOT, _panel
from test_window import _display_prefix

BACKGROUND = (0.2, 0.6, 0.3)
SIZE = (192, 108)


def _figure(image: np.ndarray) -> np.ndarray:
    return np.abs(image.astype(float) - np.array(BACKGROUND) * 255).max(axis=2) > 12


def _shots(avatar, rig, gl) -> dict:  # noqa: F811
    shots = {}
    for framing in ("bust", "full"):
        with Renderer(avatar, SIZE, framing=framing, ctx=gl, rig=rig, background=BACKGROUND) as r:
            pose = rig.rest_pose()
            shots[framing] = (_figure(r.render(pose)), r, pose)
    return shots


def test_full_frames_a_humanoid_head_to_feet_and_bust_from_the_waist_up(gl, tmp_path):  # noqa: F811
    avatar = load_avatar(build_humanoid(tmp_path, naming="vroid", vrm="1.0"))
    rig = Rig(avatar)
    for framing, (figure, renderer, pose) in _shots(avatar, rig, gl).items():
        joints = {b: pose.world[rig.humanoid.found[b], :3, 3] for b in ("head", "leftFoot", "rightFoot", "hips")}
        y = {b: renderer.project(p[None])[0, 1] for b, p in joints.items()}
        rows = np.flatnonzero(figure.any(axis=1))
        if framing == "full":
            assert 0 < y["head"] < y["leftFoot"] < SIZE[1] and 0 < y["rightFoot"] < SIZE[1], "feet in the frame"
            assert rows[0] > 0 and rows[-1] < SIZE[1] - 1, "nothing cut off at the top or bottom"
            assert rows[-1] - rows[0] > 0.8 * SIZE[1], "the figure fills the frame's height"
        else:
            assert y["leftFoot"] > SIZE[1] and y["hips"] < SIZE[1], "the waist is in, the feet are not"


@pytest.mark.parametrize("subject", ["mascot", "synthetic"])
def test_full_shows_the_whole_figure(gl, subject):  # noqa: F811
    avatar, rig = load_subject(subject)
    shots = _shots(avatar, rig, gl)
    full = shots["full"][0]
    rows, cols = np.flatnonzero(full.any(axis=1)), np.flatnonzero(full.any(axis=0))
    assert rows[0] > 0 and rows[-1] < SIZE[1] - 1 and cols[0] > 0 and cols[-1] < SIZE[0] - 1, "nothing cut off"
    if rig.humanoid is not None:  # the mascot: bust stops at its waist, full goes on past its hands
        assert shots["bust"][0][-1].any(), "bust is cut off at the bottom of the frame"
        assert not np.array_equal(full, shots["bust"][0])


@pytest.mark.parametrize(
    "size, screen",
    [((2240, 720), (1280, 720)), ((1280, 720), (1280, 692)), ((640, 480), (1920, 1080)), ((300, 900), (800, 600))],
)
def test_a_window_is_scaled_down_to_fit_the_screen_keeping_its_aspect(size, screen):
    width, height = fit_to_screen(size, screen)
    assert width <= screen[0] and height <= screen[1]
    if size[0] <= screen[0] and size[1] <= screen[1]:
        assert (width, height) == size, "a window that fits keeps its size"
    else:
        assert abs(width / height - size[0] / size[1]) < 0.01 * size[0] / size[1]
        assert width == screen[0] or height == screen[1], "as large as the screen allows"




def test_a_window_beside_the_camera_fits_a_small_screen(tmp_path):
    if os.environ.get("DISPLAY"):
        pytest.skip("a real display: its size is not ours to choose")
    prefix = _display_prefix()  # Xvfb with a 640x480 screen
    assert "640x480" in prefix[-1]
    shot = tmp_path / "window.png"
    r = subprocess.run([*prefix, sys.executable, str(ROOT / "tests" / "window_shot.py"), str(MASCOT),
                        str(FACES / "single_face.mp4"), str(shot), "640x360", "10", "0.3"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    image = np.asarray(Image.open(shot))
    asked = (640 + _panel(360), 360)  # the avatar at its size, the camera's panel beside it
    assert image.shape[1] <= 640 and image.shape[0] <= 480, "on the screen"
    assert abs(image.shape[1] / image.shape[0] - asked[0] / asked[1]) < 0.02, "scaled down, not cropped"
    panel = image[:, image.shape[1] - image.shape[1] * _panel(360) // asked[0] + 2 :]
    assert panel.std() > 20, "the camera's picture fills the panel on the right"
