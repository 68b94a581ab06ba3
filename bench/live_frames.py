"""Live frame times at 60 fps with a window, a Live Link sender and a CSV recorder all active.

    python run.py bench live_frames [--seconds 10] [--fps 60] [--size 640x360] [--msaa 4]

Prints the pipeline's frame time (the work of one tick: sources, mixer, rig, handing frames to
the sinks, and drawing the window, which owns the main thread) p50/p99 and dropped ticks, and the
same run without the window as the baseline. Without a DISPLAY it re-runs itself under xvfb-run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from engine.pipeline import Pipeline, RealtimeClock
from engine.registry import open_sink, open_source
from engine.rig import MASCOT
from engine.rig.gltf import load_avatar
from engine.rig.rig import Rig


def run_once(rig: Rig, seconds: float, fps: float, window: str | None, port: int) -> tuple:
    with tempfile.TemporaryDirectory() as tmp:
        sinks = [open_sink(f"livelink://127.0.0.1:{port}"), open_sink(f"csv:{Path(tmp) / 'take.csv'}")]
        if window:
            sinks.insert(0, open_sink(window))
        p = Pipeline([open_source("idle:"), open_source("tour:")], sinks, rig)
        stats = p.run(RealtimeClock(fps, seconds))
    return stats.percentile_ms(50), stats.percentile_ms(99), stats.dropped_ticks, stats.frames


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--fps", type=float, default=60.0)
    ap.add_argument("--size", default="640x360", help="window size (default 640x360)")
    ap.add_argument("--msaa", type=int, default=4, help="window MSAA samples (default 4)")
    args = ap.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        if not shutil.which("xvfb-run"):
            print("no DISPLAY and no xvfb-run (apt-get install xvfb xauth)", file=sys.stderr)
            return 2
        return subprocess.call(
            [
                "xvfb-run",
                "-a",
                "-s",
                "-screen 0 1920x1080x24",
                sys.executable,
                "-m",
                "bench.live_frames",
                *(argv or sys.argv[1:]),
            ]
        )
    rig = Rig(load_avatar(MASCOT))
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.setblocking(False)  # packets pile up in the kernel buffer and are dropped there: fine
    port = rx.getsockname()[1]
    with_window = run_once(rig, args.seconds, args.fps, f"window:?size={args.size}&msaa={args.msaa}", port)
    without = run_once(rig, args.seconds, args.fps, None, port)
    rx.close()
    print(
        f"live, mascot, idle + tour at {args.fps:g} fps for {args.seconds:g} s "
        f"(window {args.size}, MSAA {args.msaa}; on Xvfb and llvmpipe where there is no GPU):"
    )
    for label, (p50, p99, dropped, frames) in (
        ("window + livelink + csv", with_window),
        ("livelink + csv (baseline)", without),
    ):
        print(
            f"  {label:27s} frame time p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  "
            f"dropped ticks {dropped} of {frames + dropped}"
        )
    print(f"  the window costs {with_window[0] / without[0]:.1f}x the baseline's p50 tick")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
