"""The drawing sinks (mp4:, png:, window:) inside real pipelines, offline and live."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.pipeline import OfflineClock, Pipeline, RealtimeClock
from engine.registry import open_sink, open_source
from engine.protocols.livelink_csv import read_take
from engine.rig.gltf import load_avatar
from engine.rig.rig import Rig
from gltf_fixtures import build_morphs
from render_helpers import MASCOT
from test_video import probe
from test_window import _display_prefix

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rig():
    return Rig(load_avatar(MASCOT))


def test_png_sequence_offline_is_numbered_and_deterministic(tmp_path, rig):
    runs = []
    for k in range(2):
        folder = tmp_path / f"run{k}"
        p = Pipeline([open_source("idle:?seed=3"), open_source("expression:surprised")],
                     [open_sink(f"png:{folder}/?size=96x64&framing=head")], rig)
        p.run(OfflineClock(10, 0.5))
        runs.append(sorted(folder.iterdir()))
    assert [f.name for f in runs[0]] == [f"frame_{k:06d}.png" for k in range(5)]
    for a, b in zip(*runs):
        assert a.read_bytes() == b.read_bytes()


def test_live_mp4_keeps_wall_clock_time(tmp_path, rig):
    out = tmp_path / "live.mp4"
    p = Pipeline([open_source("idle:")], [open_sink(f"mp4:{out}?size=128x96&msaa=1")], rig)
    p.run(RealtimeClock(30, 1.0))
    info = probe(out)
    assert info["size"] == (128, 96)
    assert abs(info["frames"] - 30) <= 2  # late frames repeated, not lost


def test_render_mixes_extra_sources(tmp_path):
    neutral, happy = tmp_path / "n.png", tmp_path / "h.png"
    common = [sys.executable, "run.py", "render", str(MASCOT), "--size", "160x120", "--framing", "head"]
    for out, extra in ((neutral, []), (happy, ["--source", "expression:happy"])):
        r = subprocess.run([*common, "-o", str(out), *extra], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
    a, b = (np.asarray(Image.open(p), np.int16) for p in (neutral, happy))
    assert np.abs(a - b).max() > 40


@pytest.mark.parametrize(
    "uri, message",
    [("mp4:out.avi", ".mp4"), ("png:", "name a file"), ("mp4:o.mp4?framing=feet", "framing"),
     ("mp4:o.mp4?size=12", "WIDTHxHEIGHT"), ("window:?colour=1", "colour")],
)
def test_bad_sink_settings_are_named(uri, message):
    with pytest.raises(ValueError, match=message):
        open_sink(uri)


def test_audio_in_a_live_mp4_is_refused(tmp_path, rig):
    p = Pipeline([open_source("idle:")], [open_sink(f"mp4:{tmp_path / 'a.mp4'}?audio=x.wav")], rig)
    with pytest.raises(ValueError, match="offline"):
        p.run(RealtimeClock(30, 0.2))


def test_a_drawing_sink_needs_an_avatar(tmp_path):
    with pytest.raises(ValueError, match="avatar"):
        Pipeline([open_source("idle:")], [open_sink(f"png:{tmp_path}/")])


def test_live_window_with_recording_and_livelink_runs_and_stops(tmp_path):
    prefix = _display_prefix()
    take = tmp_path / "take.csv"
    r = subprocess.run(
        [*prefix, sys.executable, "run.py", "live", "--avatar", str(build_morphs(tmp_path)), "--source", "idle:",
         "--sink", "window:?size=160x120", "--sink", f"csv:{take}", "--sink", "livelink://127.0.0.1:9",
         "--fps", "30", "--duration", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    frames, dropped = (int(v) for v in re.search(r"(\d+) frames, (\d+) ticks dropped", r.stderr).groups())
    assert frames + dropped >= 29  # every tick of the second ran or was counted as dropped
    assert len(read_take(take)[1]) >= frames - 2  # the recorder kept up beside the window


FACES = ROOT / "tests" / "data" / "faces"


def _panel(height: int) -> int:
    """The width, even, of a panel `height` tall with the face video's aspect (not 4:3: it is 16:9)."""
    width, tall = probe(FACES / "single_face.mp4")["size"]
    assert width * 3 != tall * 4
    return 2 * round(height * width / tall / 2)


def test_render_video_to_curves_only_and_side_by_side(tmp_path):
    take, out = tmp_path / "take.csv", tmp_path / "sbs.mp4"
    r = subprocess.run([sys.executable, "run.py", "render", "--video", str(FACES / "single_face.mp4"),
                        "--curves-out", str(take)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    fps, frames = read_take(take)
    assert len(frames) == 72  # every frame of the 72-frame, 30 fps clip
    assert np.std([f.weight("jawOpen") for f in frames]) > 0.01
    r = subprocess.run([sys.executable, "run.py", "render", str(MASCOT), "--video", str(FACES / "single_face.mp4"),
                        "--side-by-side", "--duration", "0.5", "--size", "320x240", "-o", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert probe(out)["size"] == (320 + _panel(240), 240)  # a panel of the camera's aspect, as tall as the render


def test_render_needs_an_output():
    r = subprocess.run([sys.executable, "run.py", "render", "--set", "jawOpen=1"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "name an output" in r.stderr




def test_window_shows_the_video_beside_the_avatar(tmp_path):
    prefix = _display_prefix()
    shot = tmp_path / "window.png"
    r = subprocess.run([*prefix, sys.executable, str(ROOT / "tests" / "window_shot.py"), str(MASCOT), str(FACES / "single_face.mp4"),
                        str(shot), "160x120", "30", "0.5"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    image = np.asarray(Image.open(shot), np.int16)
    assert image.shape == (120, 160 + _panel(120), 3)  # the window took the camera's aspect for its panel
    avatar, panel = image[:, :160], image[:, 160:]
    assert np.abs(avatar - avatar[0, 0]).max() > 60  # the mascot on its background
    assert panel[20:100, 20:140].std() > 20  # a real picture, not the empty dark panel
    with pytest.raises(ValueError, match="picture"):
        Pipeline([open_source("idle:")], [open_sink("mp4:x.mp4?beside=true")],
                 Rig(load_avatar(MASCOT))).run(OfflineClock(10, 0.1))


@pytest.mark.parametrize("text, lang", [("Bob made a map of my pub.", "en"), ("你好，我是你们城市的小助手。", "zh")])
def test_render_speaks_text_into_lip_sync_curves(tmp_path, text, lang):
    take = tmp_path / "take.csv"
    r = subprocess.run([sys.executable, "run.py", "render", "--text", text, "--lang", lang, "--curves-out", str(take)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    _, frames = read_take(take)
    jaw = np.array([f.weight("jawOpen") for f in frames])
    assert len(frames) > 30 and jaw.max() > 0.2 and jaw.std() > 0.03  # the mouth moves with the speech
    assert jaw[-1] < 0.1  # and closes as the speech ends


def test_render_takes_text_or_audio_not_both():
    r = subprocess.run([sys.executable, "run.py", "render", "--text", "hi", "--audio", "a.wav", "--curves-out", "x.csv"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "not both" in r.stderr
