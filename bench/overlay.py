"""What branding overlays cost per frame at 1920x1080.

Run: .venv/bin/python -m bench.overlay [--seconds S]

Times `Overlay.apply` over S seconds of 30 fps frames for three cases: nothing to draw;
subtitles (a new cue every 2.5 s, so drawing each cue's patch is counted) with the lower
third and the logo; and the title card (its text fading up, then the card dissolving).
The baseline, measured in the same run, is a plain numpy copy of the frame: the least any
per-frame step that touches the whole picture costs. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from engine.overlay import Branding, Cue, Overlay, gradient

SIZE = (1920, 1080)
FPS = 30
LINES = [
    "Good evening, and welcome to this week's update from City Hall.",
    "The council has approved new funding for buses and cycle lanes.",
    "Work on the central library starts in May and ends next spring.",
    "各位市民晚上好，欢迎收看本周的市政简报。",
]


def _logo(path: Path) -> Path:
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    ImageDraw.Draw(image).rounded_rectangle([0, 0, 255, 255], radius=48, fill=(0, 94, 184, 255))
    image.save(path)
    return path


def _time(apply, frame: np.ndarray, times) -> list[float]:
    """Milliseconds of each call, on a fresh copy of the frame each time (not timed)."""
    work, took = frame.copy(), []
    for t in times:
        np.copyto(work, frame)
        start = time.perf_counter()
        apply(work, t)
        took.append((time.perf_counter() - start) * 1e3)
    return took


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="video seconds per case (default 10)")
    args = parser.parse_args(argv)

    frame = gradient(SIZE, (38, 52, 74), (12, 16, 24), vignette=0.3)
    times = np.arange(round(args.seconds * FPS)) / FPS
    copies = []
    for _ in times:
        start = time.perf_counter()
        frame.copy()
        copies.append((time.perf_counter() - start) * 1e3)
    copy_ms = statistics.mean(copies)

    with tempfile.TemporaryDirectory() as folder:
        everything = Branding(
            logo=_logo(Path(folder) / "logo.png"),
            name="Alex Morgan",
            role="Director of Communications",
            lower_third=(0.0, args.seconds + 1),
        )
        cues = [
            Cue(k * 2.5, k * 2.5 + 2.4, LINES[k % len(LINES)], "zh" if k % len(LINES) == 3 else "en")
            for k in range(int(args.seconds / 2.5) + 1)
        ]
        title = Branding(title="Springfield City Update", subtitle="Weekly briefing", title_seconds=3.0)
        cases = []
        for name, make, when in (
            ("nothing", lambda: Overlay(Branding(), SIZE, []), times),
            ("subtitles + lower third + logo", lambda: Overlay(everything, SIZE, cues), times),
            ("title card (3 s)", lambda: Overlay(title, SIZE, []), times[times < 3.0]),
        ):
            start = time.perf_counter()
            overlay = make()
            setup = (time.perf_counter() - start) * 1e3
            cases.append((name, setup, _time(overlay.apply, frame, when)))

    print(f"{SIZE[0]}x{SIZE[1]}, {len(times)} frames at {FPS} fps; numpy copy of a frame: {copy_ms:.2f} ms")
    for name, setup, took in cases:
        mean = statistics.mean(took)
        print(
            f"  {name:32s} {mean:6.2f} ms/frame mean ({mean / copy_ms:5.2f}x a copy), "
            f"median {statistics.median(took):5.2f}, max {max(took):6.2f} ms; setup {setup:6.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
