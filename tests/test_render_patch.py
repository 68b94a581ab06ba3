"""`render` draws only the rectangle the avatar can cover and pastes it over a picture of the
background (engine/renderer/patch.py); its frames must be those of a whole-frame render
(`render_full_frame`, the window's path), for any pose, background and sample count."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from engine.frame import FaceFrame
from engine.renderer.renderer import Renderer
from engine.rig.transforms import quat_from_euler
from render_helpers import gl, load_subject  # noqa: F401 (gl: fixture)

SIZE = (320, 180)

#: (name, ARKit weights, head yaw/pitch/roll in degrees, head shift in metres (avatar axes)).
POSES = [
    ("rest", {}, (0, 0, 0), None),
    ("talking", {"jawOpen": 0.8, "mouthSmileLeft": 1.0, "eyeBlinkRight": 1.0, "browInnerUp": 1.0},
     (25, -10, 5), None),
    ("turned far", {"jawOpen": 0.3, "mouthPucker": 1.0}, (-70, 25, -30), None),
    ("at the edge", {"jawOpen": 0.5}, (60, 0, 20), (0.12, 0.04, 0.0)),
]


@pytest.fixture(scope="module")
def mascot():
    return load_subject("mascot")


def _backgrounds(tmp_path):
    x = np.linspace(0, 255, 97)
    gradient = np.stack(np.broadcast_arrays(x[None, :], x[::-1, None] * 0.5, 90), -1).astype(np.uint8)
    path = tmp_path / "backdrop.png"
    noise = np.random.default_rng(5).integers(0, 256, (45, 80, 3), dtype=np.uint8)
    Image.fromarray(noise).save(path)  # a texel for every few pixels: any shift would show
    return {"colour": (0.2, 0.6, 0.3), "image": path, "array": gradient}


def _pose(rig, weights, angles, shift):
    turn = quat_from_euler(*np.radians(angles))
    return rig.apply(FaceFrame.from_named(0.0, weights, head_rotation=turn, head_position=shift))


def _assert_same(patch: np.ndarray, whole: np.ndarray, what: str) -> None:
    d = np.abs(patch.astype(np.int16) - whole.astype(np.int16))
    # Vertices land on the same pixels through the patch's shifted viewport up to float
    # rounding, which may move a multisample edge sample now and then: a handful of pixels.
    assert d.mean() < 0.02, f"{what}: mean difference {d.mean():.4f} of 255"
    assert (d.max(axis=2) > 0).mean() < 0.002, f"{what}: {(d.max(axis=2) > 0).sum()} pixels differ"


def _edges(rect) -> np.ndarray:
    """Pixels within 2 of the rectangle's sides that lie inside the frame: background on both
    sides of the seam (the rectangle keeps 2 pixels from the avatar), so they must match exactly."""
    x, y, w, h = rect
    top, bottom = SIZE[1] - y - h, SIZE[1] - y
    band = np.zeros(SIZE[::-1], bool)
    if x > 0:
        band[top:bottom, x - 2 : x + 2] = True
    if x + w < SIZE[0]:
        band[top:bottom, x + w - 2 : x + w + 2] = True
    if top > 0:
        band[top - 2 : top + 2, x : x + w] = True
    if bottom < SIZE[1]:
        band[bottom - 2 : bottom + 2, x : x + w] = True
    return band


@pytest.mark.parametrize("msaa", [4, 1])
@pytest.mark.parametrize("background", ["colour", "image", "array"])
@pytest.mark.parametrize("framing", ["bust", "head"])
def test_the_patch_gives_the_whole_frames_pixels(gl, mascot, tmp_path, msaa, background, framing):
    avatar, rig = mascot
    spec = _backgrounds(tmp_path)[background]
    # One renderer for every pose, so its patch framebuffers grow and shrink between frames.
    with Renderer(avatar, SIZE, msaa=msaa, framing=framing, background=spec, ctx=gl, rig=rig) as r:
        for name, weights, angles, shift in POSES:
            pose = _pose(rig, weights, angles, shift)
            whole, patch = r.render_full_frame(pose), r.render(pose)
            _assert_same(patch, whole, name)
            edges = _edges(r.screen_rect(pose))
            assert np.array_equal(patch[edges], whole[edges]), f"{name}: the rectangle's edge shows"


def test_the_rectangle_holds_everything_the_avatar_draws(gl, mascot):
    avatar, rig = mascot
    with Renderer(avatar, SIZE, framing="head", background=(0.0, 0.0, 0.0), ctx=gl, rig=rig) as r:
        for name, weights, angles, shift in POSES:
            pose = _pose(rig, weights, angles, shift)
            drawn = r.render_full_frame(pose).max(axis=2) > 0
            x, y, w, h = r.screen_rect(pose)
            inside = np.zeros_like(drawn)
            inside[SIZE[1] - y - h : SIZE[1] - y, x : x + w] = True
            assert drawn.any() and not (drawn & ~inside).any(), f"{name}: drawn outside {x, y, w, h}"


def test_a_bust_is_drawn_in_well_under_half_the_frame(gl, mascot):
    avatar, rig = mascot
    with Renderer(avatar, (1920, 1080), framing="bust", ctx=gl, rig=rig) as r:
        for name, weights, angles, shift in POSES[:3]:
            x, y, w, h = r.screen_rect(_pose(rig, weights, angles, shift))
            # the mascot is a humanoid: its waist-up shot spans the frame's height, hands included
            assert w * h < 0.45 * 1920 * 1080, f"{name}: {w}x{h}"


def test_weights_beyond_one_and_an_empty_screen_still_match(gl, mascot):
    avatar, rig = mascot
    with Renderer(avatar, SIZE, ctx=gl, rig=rig) as r:
        pose = rig.rest_pose()
        pose.morph_weights = [np.full_like(w, 1.5) for w in pose.morph_weights]
        assert r.screen_rect(pose) == (0, 0, *SIZE)  # not bounded for weights above one
        _assert_same(r.render(pose), r.render_full_frame(pose), "overdriven")
        r.camera.target = r.camera.target + [50.0, 0.0, 0.0]  # the avatar far off to one side
        rest = rig.rest_pose()
        assert r.screen_rect(rest)[2:] == (0, 0)
        assert np.array_equal(r.render(rest), r.render_full_frame(rest))
