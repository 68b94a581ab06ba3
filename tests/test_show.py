import subprocess
import sys
from pathlib import Path

import pytest

from engine.rig import MASCOT
from engine.filters import Calibration, Gain, Smooth
from engine.protocols.livelink_csv import read_take
from engine.filters import CapturingCalibration
from engine.show import Show

ROOT = Path(__file__).resolve().parents[1]


def test_show_file_builds_sources_sinks_and_filter_chain(tmp_path):
    path = tmp_path / "show.toml"
    path.write_text("""
fps = 30
duration = 2
[[source]]
uri = "idle:"
seed = 3
[[source]]
uri = "expression:happy"
intensity = 0.5
[[sink]]
uri = "csv:take.csv"
[calibration]
neutral = { mouthSmile_L = 0.1 }
[gain.jawOpen]
gain = 1.2
[smooth]
beta = 1.0
""")
    show = Show.load(path)
    assert show.fps == 30 and show.duration == 2
    assert show.sources == [("idle:", {"seed": 3}), ("expression:happy", {"intensity": 0.5})]
    chain = show.filters()
    assert [type(f) for f in chain] == [Calibration, Gain, Smooth]
    assert chain[0].neutral[23] == pytest.approx(0.1)  # mouthSmileLeft


@pytest.mark.parametrize(
    "text, message",
    [
        ("colour = 1", "colour"),
        ("[[source]]\nseed = 1", "needs a uri"),
        ("fps = ", "cannot read"),
    ],
)
def test_bad_show_files_are_named(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        Show.load(path)


def test_bad_filter_settings_are_named():
    with pytest.raises(ValueError, match="smooth"):
        Show(smooth={"wobble": 1}).filters()
    with pytest.raises(ValueError, match="calibration"):
        Show(calibration={"neutral": {"nope": 0.1}}).filters()
    assert isinstance(Show(calibration={"frames": 5}).filters()[0], CapturingCalibration)


def test_live_command_runs_for_a_duration_and_records(tmp_path):
    out = tmp_path / "take.csv"
    r = subprocess.run([sys.executable, "run.py", "live", "--source", "idle:", "--source", "expression:sad",
                        "--sink", f"csv:{out}", "--fps", "30", "--duration", "1"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "frames" in r.stderr
    fps, frames = read_take(out)
    assert len(frames) == 30 and frames[-1].weight("browInnerUp") > 0.5


def test_live_command_refuses_a_bad_source_cleanly():
    r = subprocess.run([sys.executable, "run.py", "live", "--source", "nope:", "--sink", "csv:/tmp/x.csv",
                        "--duration", "1"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "nope" in r.stderr and "Traceback" not in r.stderr


def test_live_lays_idle_beneath_a_drawn_avatar_unless_told_not_to():
    from engine.commands.live import build_pipeline

    def layers(show):  # less a humanoid's rest pose, which lies under everything
        return [s.name for s in build_pipeline(show)[0].sources if s.name != "rest"]

    avatar = str(MASCOT)
    assert layers(Show(avatar=avatar, sources=[("expression:sad", {})])) == ["idle", "expression:sad"]
    quiet = Show(avatar=avatar, sources=[("expression:sad", {})], no_idle=True)
    assert layers(quiet) == ["expression:sad"]
    forwarding = Show(sources=[("expression:sad", {})])  # no avatar: frames pass through untouched
    assert layers(forwarding) == ["expression:sad"]
