"""A window shows the same pixels as a headless render (needs a display or Xvfb)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gltf_fixtures import build_external_gltf
from render_helpers import MASCOT

ROOT = Path(__file__).resolve().parents[1]


def _display_prefix() -> list[str]:
    if os.environ.get("DISPLAY"):
        return []
    if shutil.which("xvfb-run"):
        return ["xvfb-run", "-a", "-s", "-screen 0 640x480x24"]
    pytest.skip("no DISPLAY and no xvfb-run (apt-get install xvfb xauth)")


def _avatars(folder: Path) -> list[Path]:
    return [build_external_gltf(folder)] + ([MASCOT] if MASCOT.is_file() else [])


def test_window_and_headless_frames_match(tmp_path):
    prefix = _display_prefix()
    for avatar in _avatars(tmp_path):
        shown, headless = tmp_path / f"{avatar.stem}_window.png", tmp_path / f"{avatar.stem}_egl.png"
        common = ["--size", "200x150", "--framing", "full"]
        view = subprocess.run(
            [*prefix, sys.executable, "run.py", "view", str(avatar), "--screenshot", str(shown), *common],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert view.returncode == 0, view.stderr
        render = subprocess.run(
            [sys.executable, "run.py", "render", str(avatar), "-o", str(headless), *common],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert render.returncode == 0, render.stderr
        a = np.asarray(Image.open(shown), np.int16)
        b = np.asarray(Image.open(headless), np.int16)
        assert a.shape == b.shape == (150, 200, 3)
        assert np.abs(a - b).max() <= 2, f"{avatar.name}: window and headless frames differ"
