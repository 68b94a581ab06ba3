"""The demo tour: valid frames, lively (blinks, head motion, many expressions), eased; and the
viewer's keyboard commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import arkit, demo_tour
from engine.expressions import EXPRESSIONS
from engine.pipeline import Pipeline
from engine.registry import open_source
from engine.commands.view import EXPRESSION_NAMES, Viewer
from engine.rig.transforms import quat_to_euler
from render_helpers import MASCOT, MASCOT_MISSING
from test_video import probe

FPS = 30


@pytest.fixture(scope="module")
def frames():
    """The demo's mixed face: the tour over idle, through the offline pipeline's mixer."""
    p = Pipeline([open_source("idle:?seed=29"), open_source("tour:")], [])
    return [p.step(k / FPS) for k in range(round(demo_tour.DURATION * FPS))]


def test_expressions_name_real_channels():
    for name, weights in EXPRESSIONS.items():
        for channel, value in weights.items():
            assert channel in arkit.INDEX, f"{name}: {channel}"
            assert 0.0 < value <= 1.0
    assert {k[1] for k in demo_tour.KEYFRAMES} <= set(EXPRESSIONS)


def test_the_tour_blinks_turns_and_changes_expression(frames):
    blink = np.array([f.weight("eyeBlinkLeft") for f in frames])
    closed = np.flatnonzero(blink > 0.95)
    assert len(np.split(closed, np.flatnonzero(np.diff(closed) > 1) + 1)) >= 4, "too few blinks"
    yaws = np.degrees([quat_to_euler(f.head_rotation)[0] for f in frames])
    assert yaws.max() - yaws.min() > 20
    distinct = {tuple(np.round(f.weights, 2)) for f in frames}
    assert len(distinct) > 100


def test_the_tour_moves_smoothly():
    weights = np.stack([demo_tour.tour_frame(k / FPS).weights for k in range(round(demo_tour.DURATION * FPS))])
    # Eased over TRANSITION seconds: no channel jumps by more than its share of a frame.
    most = np.abs(np.diff(weights, axis=0)).max()
    assert most < 1.0 / (demo_tour.TRANSITION * FPS) * 1.6


def test_the_tour_leaves_blinks_and_gaze_to_idle_except_when_it_sets_them():
    neutral = demo_tour.tour_frame(0.1)
    assert not neutral.mask[list(arkit.BLINK + arkit.LOOK)].any()
    wink = demo_tour.tour_frame(4.0)
    assert wink.mask[arkit.INDEX["eyeBlinkLeft"]] and not wink.mask[arkit.INDEX["eyeBlinkRight"]]


class _Renderer:
    def __init__(self):
        self.avatar = type("A", (), {"path": "x.glb"})()
        self.homed = 0

    def reset_camera(self):
        self.homed += 1


def test_viewer_keys_cycle_shapes_and_expressions():
    viewer = Viewer(_Renderer())
    viewer.act("prev_shape")
    assert viewer.shape == arkit.COUNT - 1 and viewer.title().endswith("tongueOut")
    viewer.act("next_shape")
    assert viewer.shape == 0
    viewer.paused = True
    assert viewer.frame(0.0).weight("eyeBlinkLeft") == pytest.approx(1.0)
    viewer.act("next_expression")
    assert viewer.shape is None and viewer.title().endswith(EXPRESSION_NAMES[1])
    assert viewer.frame(0.0).weights.max() > 0.5
    viewer.act("neutral")
    assert viewer.frame(0.0).weights.max() == 0.0
    viewer.act("home")
    assert viewer.renderer.homed == 1


@pytest.mark.slow
def test_demo_presents_the_bilingual_script(tmp_path):
    if not MASCOT.is_file():
        pytest.skip(MASCOT_MISSING)
    out = tmp_path / "demo.mp4"
    done = subprocess.run([sys.executable, "run.py", "demo", "-o", str(out), "--size", "640x360"],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(out), str(out.with_suffix(".srt"))]
    info = probe(out)
    assert info["size"] == (640, 360)
    assert info["frames"] > 20 * FPS  # a title card, then both languages
    assert abs(info["audio_seconds"] - info["frames"] / FPS) <= 1 / FPS  # the speech is muxed in sync
    assert any("\u4e00" <= ch <= "\u9fff" for ch in out.with_suffix(".srt").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_demo_tour_writes_ten_seconds_of_expressions(tmp_path):
    if not MASCOT.is_file():
        pytest.skip(MASCOT_MISSING)
    out = tmp_path / "tour.mp4"
    done = subprocess.run([sys.executable, "run.py", "demo", "--tour", "-o", str(out), "--size", "640x360"],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert probe(out)["frames"] == round(demo_tour.DURATION * FPS)
