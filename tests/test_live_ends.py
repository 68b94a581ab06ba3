"""`live` ends by itself when its media ends: every sink flushed, exit 0. Endless sources (idle:,
receivers) keep it running as before; the idle layer `live` adds under an avatar does not."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.frame import FaceFrame
from engine.protocols.livelink_csv import TakeWriter, read_take

ROOT = Path(__file__).resolve().parents[1]


def _live(*args, timeout=60) -> tuple[subprocess.CompletedProcess, float]:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "run.py", "live", "--fps", "30", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    return done, time.perf_counter() - began


def _rows(path: Path) -> int:
    return len(read_take(path)[1])


@pytest.fixture(scope="module")
def take(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("take") / "take.csv"
    writer = TakeWriter(path, 30.0)
    for k in range(45):  # 1.5 s
        writer.write(FaceFrame.from_named(k / 30, {"jawOpen": k / 45}))
    writer.close()
    return path


def test_a_take_played_live_ends_with_the_take(take, tmp_path):
    done, seconds = _live("--source", f"csv:{take}", "--sink", f"csv:{tmp_path / 'out.csv'}")
    assert done.returncode == 0, done.stderr
    assert seconds < 30 and _rows(tmp_path / "out.csv") >= 30


def test_a_speech_file_ends_with_its_speech_even_under_an_avatar(tmp_path):
    if not shutil.which("flite"):
        pytest.skip("flite is not installed (make setup installs it)")
    wav = tmp_path / "speech.wav"
    subprocess.run(["flite", "-t", "The run ends when I do.", "-o", str(wav)], check=True)
    done, seconds = _live("--avatar", "avatars_gltf/mascot.glb", "--source", f"audio:{wav}",
                          "--sink", f"csv:{tmp_path / 'out.csv'}")
    assert done.returncode == 0, done.stderr
    assert seconds < 40 and _rows(tmp_path / "out.csv") >= 30


def test_a_face_video_ends_with_the_video(tmp_path):
    video = ROOT / "tests" / "data" / "faces" / "single_face.mp4"
    if not video.is_file():
        pytest.skip("the face clips are made by make setup")
    done, seconds = _live("--source", f"video:{video}", "--sink", f"csv:{tmp_path / 'out.csv'}")
    assert done.returncode == 0, done.stderr
    assert seconds < 40 and _rows(tmp_path / "out.csv") >= 30


def test_an_endless_source_keeps_the_run_going(take, tmp_path):
    with pytest.raises(subprocess.TimeoutExpired):
        _live("--source", f"csv:{take}", "--source", "idle:", "--sink", f"csv:{tmp_path / 'out.csv'}", timeout=8)
